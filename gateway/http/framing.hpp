#pragma once
// Message-framing rules Beast 1.81 does not enforce (fixed upstream only in later Boost releases;
// see reliability.md §5). Ambiguous framing is how request smuggling starts, so anything but the
// plain cases is refused with 400 before the body is read.

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

}  // namespace ventanilla::http
