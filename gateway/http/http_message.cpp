#include "http/http_message.hpp"

#include <array>
#include <string>

namespace ventanilla::http {

namespace {
constexpr std::array<std::pair<std::string_view, Method>, 7> kMethods{{
    {"GET", Method::kGet},
    {"HEAD", Method::kHead},
    {"POST", Method::kPost},
    {"PUT", Method::kPut},
    {"PATCH", Method::kPatch},
    {"DELETE", Method::kDelete},
    {"OPTIONS", Method::kOptions},
}};

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

std::string_view to_string(Method m) noexcept {
  for (const auto& [name, method] : kMethods) {
    if (method == m) return name;
  }
  return "OTHER";
}

Method parse_method(std::string_view token) noexcept {
  for (const auto& [name, method] : kMethods) {
    if (name == token) return method;
  }
  return Method::kOther;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string_view HttpRequest::path() const noexcept { return target_.substr(0, target_.find('?')); }

std::string_view HttpRequest::query() const noexcept {
  const auto q = target_.find('?');
  return q == std::string_view::npos ? std::string_view{} : target_.substr(q + 1);
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers_) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::text(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::json(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::unavailable(std::uint32_t retry_after_s, std::string body) {
  HttpResponse r = text(503, std::move(body));
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

}  // namespace ventanilla::http
