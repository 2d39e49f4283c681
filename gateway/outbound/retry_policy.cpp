#include "outbound/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace ventanilla::outbound {

namespace {

constexpr std::chrono::milliseconds kLongestRetryAfter{24LL * 3600 * 1000};

Decision again(const RetryPolicy& policy, std::uint32_t attempts, Disposition what,
               std::string reason, std::optional<std::chrono::seconds> retry_after,
               std::int64_t now_ms, double unit_random) {
  Decision d;
  if (attempts >= policy.max_attempts) {
    d.what = Disposition::kFailed;
    d.reason = "gave up after " + std::to_string(attempts) + " attempts: " + reason;
    return d;
  }
  d.what = what;
  d.reason = std::move(reason);
  d.next_attempt_ms = now_ms + retry_delay(policy, attempts, retry_after, unit_random).count();
  return d;
}

}  // namespace

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts,
                                      std::optional<std::chrono::seconds> retry_after,
                                      double unit_random) {
  const std::int64_t cap = std::max<std::int64_t>(policy.cap.count(), 1);
  std::int64_t d = std::max<std::int64_t>(policy.base.count(), 1);
  // Doubling stops at the cap, so no overflow however many attempts.
  for (std::uint32_t i = 1; i < attempts && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  const auto half = d / 2;
  auto jittered = std::chrono::milliseconds(
      half + static_cast<std::int64_t>(std::floor(static_cast<double>(d - half) * r)));
  if (retry_after) {
    const auto wanted = std::min<std::chrono::milliseconds>(*retry_after, kLongestRetryAfter);
    jittered = std::max(jittered, wanted);
  }
  return jittered;
}

Decision decide(const RetryPolicy& policy, std::uint32_t attempts,
                const carriers::HttpAnswer& answer, const carriers::SendResult& result,
                std::int64_t now_ms, double unit_random) {
  switch (result.verdict) {
    case carriers::SendVerdict::kSent: {
      Decision d;
      d.what = Disposition::kSent;
      d.external_id = result.external_id;
      return d;
    }
    case carriers::SendVerdict::kPermanent: {
      Decision d;
      d.what = Disposition::kFailed;
      d.reason = result.reason;
      return d;
    }
    case carriers::SendVerdict::kRetryable:
      break;
  }
  // A 2xx the sender could not read as "taken" may still be a message the carrier took.
  const bool success_status = answer.status >= 200 && answer.status < 300;
  return again(policy, attempts, success_status ? Disposition::kInDoubt : Disposition::kRetry,
               result.reason, result.retry_after, now_ms, unit_random);
}

Decision decide(const RetryPolicy& policy, std::uint32_t attempts, const TransportFailure& failure,
                std::int64_t now_ms, double unit_random) {
  return again(policy, attempts, failure.request_sent ? Disposition::kInDoubt : Disposition::kRetry,
               failure.reason, std::nullopt, now_ms, unit_random);
}

}  // namespace ventanilla::outbound
