#include "carriers/sms_sender.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ventanilla::carriers {

std::optional<std::string_view> HttpAnswer::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers)
    if (header_names_equal(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::string_view to_string(DeliveryStatus status) noexcept {
  switch (status) {
    case DeliveryStatus::kAccepted:
      return "accepted";
    case DeliveryStatus::kSent:
      return "sent";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kUndelivered:
      return "undelivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<std::chrono::seconds> retry_after(const HttpAnswer& answer) noexcept {
  constexpr std::int64_t kMaxSeconds = 24 * 60 * 60;
  const auto value = answer.header("Retry-After");
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 18) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || end != v.data() + v.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(std::min(seconds, kMaxSeconds));
}

SendResult classify_http_status(const HttpAnswer& answer) {
  SendResult r;
  r.reason = fmt::format("http {}", answer.status);
  if (answer.status >= 200 && answer.status < 300) {
    r.verdict = SendVerdict::kSent;
  } else if (answer.status == 429 || answer.status == 408 || answer.status >= 500) {
    r.verdict = SendVerdict::kRetryable;
    r.retry_after = retry_after(answer);
  } else if (answer.status >= 400) {
    r.verdict = SendVerdict::kPermanent;
  } else {
    r.verdict = SendVerdict::kRetryable;
  }
  return r;
}

std::string join_url(std::string_view base_url, std::string_view path) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  std::string url(base_url);
  url.append(path);
  return url;
}

std::optional<std::string> e164_digits(std::string_view e164) {
  if (e164.size() < 8 || e164.size() > 16 || e164.front() != '+') return std::nullopt;
  e164.remove_prefix(1);
  if (!std::all_of(e164.begin(), e164.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::string(e164);
}

}  // namespace ventanilla::carriers
