#pragma once
// What happens to a message after one send attempt: sent, retried later, retried but flagged in
// doubt (the carrier may have it already), or failed for good. Pure: the clock and the random
// draw come in, so every rule is unit-tested.
//
// Why "in doubt" exists: a request whose bytes all left (a timeout or a reset while waiting for
// the answer, a 2xx we cannot read) may have been taken by the carrier. Resending is the only way
// not to lose the message, so it is resent — and flagged, so a duplicate is explained and a
// delivery report can still reconcile it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "carriers/sms_sender.hpp"

namespace ventanilla::outbound {

struct RetryPolicy {
  std::chrono::milliseconds base{2000};  // first delay; doubles per attempt
  std::chrono::milliseconds cap{3600 * 1000};
  std::uint32_t max_attempts = 8;
};

// Delay before the next attempt after `attempts` attempts (>= 1): "equal jitter", a uniform draw
// in [d/2, d] with d = min(cap, base * 2^(attempts-1)), so retries of many messages spread out but
// never come sooner than half the backoff. A carrier's Retry-After wins when longer (up to a day).
// `unit_random` is in [0, 1).
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts,
                                      std::optional<std::chrono::seconds> retry_after,
                                      double unit_random);

// A transport failure of the HTTP client, reduced to what the decision needs.
struct TransportFailure {
  bool request_sent = false;  // every request byte was written: the carrier may have acted
  std::string reason;         // short, loggable ("timeout", "connection reset")
};

enum class Disposition { kSent, kRetry, kInDoubt, kFailed };

struct Decision {
  Disposition what = Disposition::kRetry;
  std::int64_t next_attempt_ms = 0;  // kRetry / kInDoubt
  std::string reason;                // kRetry / kInDoubt / kFailed: loggable, stored
  std::string external_id;           // kSent
};

// After attempt number `attempts` (already counted) answered `answer` classified as `result`.
Decision decide(const RetryPolicy& policy, std::uint32_t attempts,
                const carriers::HttpAnswer& answer, const carriers::SendResult& result,
                std::int64_t now_ms, double unit_random);

// After attempt number `attempts` failed in transport.
Decision decide(const RetryPolicy& policy, std::uint32_t attempts, const TransportFailure& failure,
                std::int64_t now_ms, double unit_random);

}  // namespace ventanilla::outbound
