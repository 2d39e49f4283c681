#pragma once

// Requests for the carrier protocol tests: built from parts, or loaded from the raw HTTP/1.1
// recordings under tests/fixtures/carriers/<carrier>/*.http. Shared by every carrier's test so
// the fixtures are read one way.

#include <cstddef>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"

namespace ventanilla::carriers::test_support {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Owns the bytes a WebhookRequest views. The header views are rebuilt on every view() call, so
// a moved or edited OwnedRequest never hands out dangling views.
struct OwnedRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;
  std::vector<WebhookRequest::Header> header_views;

  WebhookRequest view() {
    header_views.assign(headers.begin(), headers.end());
    return WebhookRequest{method, target, header_views, body};
  }
};

// A recorded raw HTTP/1.1 request: request line, headers, blank line, body cut at
// Content-Length (the rest of the file when there is none). CRLF or bare LF line ends are both
// read, so an editor converting the fixture cannot break a test. relative_path is from the
// source tree's root.
inline OwnedRequest load_recorded_request(const std::string& relative_path) {
  const std::string path = std::string(VENTANILLA_SOURCE_DIR) + "/" + relative_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  const std::string raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::size_t pos = 0;
  auto next_line = [&] {
    const auto end = raw.find('\n', pos);
    if (end == std::string::npos) throw std::runtime_error("no end of headers in " + path);
    std::string line = raw.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  };

  OwnedRequest r;
  const std::string request_line = next_line();
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.find(' ', sp1 + 1);
  r.method = request_line.substr(0, sp1);
  r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::optional<std::size_t> length;
  for (std::string line = next_line(); !line.empty(); line = next_line()) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "Content-Length") length = std::stoul(value);
    r.headers.emplace_back(std::move(name), std::move(value));
  }
  r.body = raw.substr(pos, length.value_or(raw.size() - pos));
  return r;
}

// Form/URL encoding as the carriers' clients write it: ASCII letters and digits and the given
// punctuation kept, space as '+', every other byte %XX in uppercase hex. The kept punctuation
// differs by client (Kannel keeps RFC 2396's "-_.!~*'()", most others "-_.~").
inline std::string form_url_encode(std::string_view bytes, std::string_view kept_punctuation) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        kept_punctuation.find(ch) != std::string_view::npos) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace ventanilla::carriers::test_support
