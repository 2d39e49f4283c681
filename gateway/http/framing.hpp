#pragma once
// Message-framing rules Beast 1.81 does not enforce (fixed upstream only in later Boost releases;
// see reliability.md §5). Ambiguous framing is how request smuggling starts, so anything but the
// plain cases is refused with 400 before the body is read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ventanilla::http {

struct FramingError {
  unsigned status;          // 400
  std::string_view reason;  // short, fixed text for the client and the log
};

// `version` is 10 or 11; `transfer_encodings` and `content_lengths` are the raw values of every
// Transfer-Encoding / Content-Length field, in order. Returns nullopt when framing is acceptable:
// no body framing, one Content-Length (repeats allowed only if identical), or Transfer-Encoding
// exactly "chunked" on HTTP/1.1 with no Content-Length.
std::optional<FramingError> check_framing(unsigned version,
                                          std::span<const std::string_view> transfer_encodings,
                                          std::span<const std::string_view> content_lengths);

// RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host field, and no request may carry more
// than one (two Hosts let a proxy and this server disagree on the authority). `host_count` is how
// many Host fields the request has; HTTP/1.0 may omit it.
std::optional<FramingError> check_host(unsigned version, std::size_t host_count);

// GET and HEAD requests carry no body on any of our routes. One that announces a body
// (`has_transfer_encoding`, or a Content-Length above 0) is refused before the body is read:
// reading it would only give broken chunked framing a chance to hold the connection open until
// the body deadline. `content_length` is the parsed value, nullopt when absent.
std::optional<FramingError> check_bodiless_method(bool method_is_get_or_head,
                                                  bool has_transfer_encoding,
                                                  std::optional<std::uint64_t> content_length);

}  // namespace ventanilla::http
