#include "http/framing.hpp"

#include "http/http_message.hpp"

namespace ventanilla::http {

namespace {
std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
}  // namespace

std::optional<FramingError> check_framing(unsigned version,
                                          std::span<const std::string_view> transfer_encodings,
                                          std::span<const std::string_view> content_lengths) {
  if (!transfer_encodings.empty()) {
    if (!content_lengths.empty()) {
      return FramingError{400, "Transfer-Encoding together with Content-Length"};
    }
    // A list ("gzip, chunked") or a repeated field means a coding we do not decode; only the one
    // coding every carrier and proxy uses is accepted.
    if (transfer_encodings.size() != 1 || !iequals(trim(transfer_encodings[0]), "chunked")) {
      return FramingError{400, "Transfer-Encoding other than chunked"};
    }
    if (version < 11) return FramingError{400, "chunked Transfer-Encoding on HTTP/1.0"};
    return std::nullopt;
  }
  std::string_view first;
  for (std::string_view raw : content_lengths) {
    const std::string_view value = trim(raw);
    if (!all_digits(value)) return FramingError{400, "malformed Content-Length"};
    if (first.empty()) {
      first = value;
    } else if (value != first) {
      return FramingError{400, "conflicting Content-Length values"};
    }
  }
  return std::nullopt;
}

std::optional<FramingError> check_host(unsigned version, std::size_t host_count) {
  if (host_count > 1) return FramingError{400, "more than one Host field"};
  if (host_count == 0 && version >= 11) return FramingError{400, "HTTP/1.1 request without Host"};
  return std::nullopt;
}

std::optional<FramingError> check_bodiless_method(bool method_is_get_or_head,
                                                  bool has_transfer_encoding,
                                                  std::optional<std::uint64_t> content_length) {
  if (!method_is_get_or_head) return std::nullopt;
  if (has_transfer_encoding || (content_length && *content_length > 0)) {
    return FramingError{400, "a GET carries no body"};
  }
  return std::nullopt;
}

}  // namespace ventanilla::http
