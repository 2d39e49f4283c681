#include "config/listen_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

namespace ventanilla::config {
namespace {

constexpr std::size_t kMaxHostName = 253;
constexpr std::size_t kMaxLabel = 63;

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "", std::move(detail));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// inet_pton needs a NUL-terminated string; the copy also keeps embedded NULs from cutting it short.
bool is_address(int family, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  const std::string copy(text);
  in6_addr buffer{};  // large enough for either family
  return inet_pton(family, copy.c_str(), &buffer) == 1;
}

// RFC 1123 labels: letters, digits and inner hyphens, 1..63 each, 253 in all.
bool is_host_name(std::string_view host) {
  if (host.size() > kMaxHostName) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxLabel) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<std::uint16_t> parse_port(std::string_view text) {
  constexpr std::uint32_t kMaxPort = 65535;
  const Error bad = invalid("port must be between 0 and " + std::to_string(kMaxPort));
  if (text.empty() || text.size() > 5) return bad;
  std::uint32_t port = 0;
  for (const char c : text) {
    if (!is_digit(c)) return bad;
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port > kMaxPort) return bad;
  return static_cast<std::uint16_t>(port);
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const char* const kExpected = "expected HOST:PORT (IPv4, [IPv6] or a host name)";
  ListenAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid(kExpected);
    }
    const std::string_view host = text.substr(1, close - 1);
    if (!is_address(AF_INET6, host)) return invalid("invalid IPv6 address");
    out.host = std::string(host);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid(kExpected);
    const std::string_view host = text.substr(0, colon);
    if (host.empty()) return invalid("host is empty; use 0.0.0.0 for every interface");
    if (host.find(':') != std::string_view::npos) {
      return invalid("an IPv6 address needs brackets, e.g. [::1]:8080");
    }
    const bool looks_numeric =
        std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
    if (looks_numeric) {
      if (!is_address(AF_INET, host)) return invalid("invalid IPv4 address");
    } else if (!is_host_name(host)) {
      return invalid("invalid host name");
    }
    out.host = std::string(host);
    port_text = text.substr(colon + 1);
  }
  auto port = parse_port(port_text);
  if (!port) return port.error();
  out.port = *port;
  return out;
}

}  // namespace ventanilla::config
