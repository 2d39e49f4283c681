#pragma once
// The request and response types route handlers see. They carry no Beast types, so handlers (and
// their tests) compile without the Beast templates, which stay confined to server.cpp.

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ventanilla::http {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view to_string(Method m) noexcept;
// Maps a request-line method token to Method (case-sensitive, as RFC 9110 says).
Method parse_method(std::string_view token) noexcept;

// A request as a handler sees it. Views point into buffers owned by the server's connection and
// are valid only until the handler's returned response has been produced (for async handlers:
// until the coroutine finishes). Copy what must outlive the call.
class HttpRequest {
 public:
  using Header = std::pair<std::string_view, std::string_view>;
  // Storage for the header views; the owner keeps it alive as long as the request.
  using Headers = boost::container::small_vector<Header, 24>;

  HttpRequest(Method method, std::string_view target, std::span<const Header> headers,
              std::string body)
      : method_(method), target_(target), headers_(headers), body_(std::move(body)) {}

  Method method() const noexcept { return method_; }
  std::string_view target() const noexcept { return target_; }  // path + "?" + query, raw
  std::string_view path() const noexcept;                       // before '?', still %-encoded
  std::string_view query() const noexcept;                      // after '?', or empty
  // First header with this name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  std::span<const Header> headers() const noexcept { return headers_; }
  const std::string& body() const noexcept { return body_; }

 private:
  Method method_;
  std::string_view target_;
  std::span<const Header> headers_;
  std::string body_;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  boost::container::small_vector<std::pair<std::string, std::string>, 4> headers;
  bool close_connection = false;

  static HttpResponse text(unsigned status, std::string body);
  static HttpResponse json(unsigned status, std::string body);
  // 503 with Retry-After: nothing was done, try again in `retry_after_s` seconds (carriers do).
  static HttpResponse unavailable(std::uint32_t retry_after_s,
                                  std::string body = "service unavailable\n");
};

bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace ventanilla::http
