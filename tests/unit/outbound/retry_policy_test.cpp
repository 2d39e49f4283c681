#include "outbound/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace ventanilla::outbound {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const RetryPolicy kPolicy{milliseconds(1000), milliseconds(60'000), 5};

struct DelayCase {
  const char* name;
  std::uint32_t attempts;
  double random;
  std::optional<seconds> retry_after;
  std::int64_t want_ms;
};

class RetryDelay : public testing::TestWithParam<DelayCase> {};

TEST_P(RetryDelay, DoublesWithEqualJitterUpToTheCap) {
  const auto& c = GetParam();
  EXPECT_EQ(retry_delay(kPolicy, c.attempts, c.retry_after, c.random).count(), c.want_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryDelay,
    testing::Values(DelayCase{"FirstLowestDraw", 1, 0.0, std::nullopt, 500},
                    DelayCase{"FirstHighestDraw", 1, 0.999999, std::nullopt, 999},
                    DelayCase{"SecondDoubles", 2, 0.0, std::nullopt, 1000},
                    DelayCase{"ThirdMiddle", 3, 0.5, std::nullopt, 3000},
                    DelayCase{"CappedLow", 10, 0.0, std::nullopt, 30'000},
                    DelayCase{"CappedHigh", 40, 0.999999, std::nullopt, 59'999},
                    DelayCase{"HugeAttemptsNoOverflow", 4'000'000'000u, 0.0, std::nullopt, 30'000},
                    DelayCase{"RetryAfterLongerWins", 1, 0.0, seconds(120), 120'000},
                    DelayCase{"RetryAfterShorterLoses", 3, 0.0, seconds(1), 2000},
                    DelayCase{"RetryAfterCappedAtADay", 1, 0.0, seconds(10 * 86400), 86'400'000},
                    DelayCase{"RandomOutOfRangeClamped", 1, 7.0, std::nullopt, 1000}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

carriers::HttpAnswer answer(unsigned status) {
  carriers::HttpAnswer a;
  a.status = status;
  return a;
}

carriers::SendResult verdict(carriers::SendVerdict v, std::string reason = "r",
                             std::optional<seconds> retry_after = std::nullopt) {
  carriers::SendResult r;
  r.verdict = v;
  r.reason = std::move(reason);
  r.retry_after = retry_after;
  r.external_id = v == carriers::SendVerdict::kSent ? "SM1" : "";
  return r;
}

TEST(Decide, SentKeepsTheCarrierId) {
  const auto d = decide(kPolicy, 1, answer(201), verdict(carriers::SendVerdict::kSent), 0, 0.5);
  EXPECT_EQ(d.what, Disposition::kSent);
  EXPECT_EQ(d.external_id, "SM1");
}

TEST(Decide, PermanentFailsAtOnceWhateverTheAttempt) {
  const auto d = decide(kPolicy, 1, answer(400),
                        verdict(carriers::SendVerdict::kPermanent, "twilio 21211"), 0, 0.5);
  EXPECT_EQ(d.what, Disposition::kFailed);
  EXPECT_EQ(d.reason, "twilio 21211");
}

TEST(Decide, RetryableIsScheduledFromNowWithTheCarriersHint) {
  const auto d =
      decide(kPolicy, 1, answer(503),
             verdict(carriers::SendVerdict::kRetryable, "http 503", seconds(30)), 1000, 0.0);
  EXPECT_EQ(d.what, Disposition::kRetry);
  EXPECT_EQ(d.next_attempt_ms, 31'000);
  EXPECT_EQ(d.reason, "http 503");
}

TEST(Decide, UnreadableSuccessIsInDoubtNotAPlainRetry) {
  const auto d = decide(kPolicy, 1, answer(200),
                        verdict(carriers::SendVerdict::kRetryable, "unreadable answer"), 0, 0.0);
  EXPECT_EQ(d.what, Disposition::kInDoubt);
  EXPECT_EQ(d.next_attempt_ms, 500);
}

TEST(Decide, LastAttemptEndsFailedNamingTheLastReason) {
  const auto d = decide(kPolicy, 5, answer(503),
                        verdict(carriers::SendVerdict::kRetryable, "http 503"), 0, 0.0);
  EXPECT_EQ(d.what, Disposition::kFailed);
  EXPECT_EQ(d.reason, "gave up after 5 attempts: http 503");
}

TEST(Decide, TransportFailureBeforeTheRequestLeftIsAPlainRetry) {
  const auto d = decide(kPolicy, 2, TransportFailure{false, "connection refused"}, 0, 0.0);
  EXPECT_EQ(d.what, Disposition::kRetry);
  EXPECT_EQ(d.next_attempt_ms, 1000);
}

TEST(Decide, TransportFailureAfterTheRequestLeftIsInDoubt) {
  const auto d = decide(kPolicy, 2, TransportFailure{true, "timeout"}, 0, 0.0);
  EXPECT_EQ(d.what, Disposition::kInDoubt);
  EXPECT_EQ(d.reason, "timeout");
}

TEST(Decide, TransportFailureOnTheLastAttemptFails) {
  const auto d = decide(kPolicy, 5, TransportFailure{true, "timeout"}, 0, 0.0);
  EXPECT_EQ(d.what, Disposition::kFailed);
}

}  // namespace
}  // namespace ventanilla::outbound
