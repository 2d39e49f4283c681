#pragma once
// Priority load shedding: every route belongs to a shed class, and each class is admitted only
// while the work in flight is below its share of limits.max_inflight. Under overload the least
// urgent work goes first — admin, then SMS (carriers retry them), and USSD last, because a USSD
// user is holding a live session on a basic phone and a lost hop loses the whole dialog.

#include <atomic>
#include <cstdint>
#include <string_view>

namespace ventanilla::http {

// Ordered from the last to be shed to the first.
enum class ShedClass : std::uint8_t {
  kUssd,   // admitted up to 100 % of max_inflight
  kSms,    // inbound SMS and delivery reports: up to shed_sms_at_percent
  kAdmin,  // staff API and anything that does not say otherwise: up to shed_admin_at_percent
};
inline constexpr std::size_t kShedClassCount = 3;

constexpr std::string_view to_string(ShedClass c) noexcept {
  switch (c) {
    case ShedClass::kUssd:
      return "ussd";
    case ShedClass::kSms:
      return "sms";
    case ShedClass::kAdmin:
      return "admin";
  }
  return "admin";
}

// `percent` of `max_inflight`, rounded up, so that every class with a percent of at least 1 can
// run at least one request (max_inflight = 1 still serves admin alone).
constexpr std::uint32_t share_of(std::uint32_t max_inflight, std::uint32_t percent) noexcept {
  const std::uint64_t share = (std::uint64_t{max_inflight} * percent + 99) / 100;
  return static_cast<std::uint32_t>(share < max_inflight ? share : max_inflight);
}

// The number of requests being handled, shared by every http::Server given the same gauge: the
// carrier listener and the admin listener (its own port) draw on one budget, so a burst of admin
// work sheds before SMS and USSD do, and carrier overload sheds admin work. Lock-free; any thread.
class LoadGauge {
 public:
  // Takes one slot when fewer than `limit` are in use; true when taken (release() it later). A
  // refused attempt leaves the count untouched, so it can never push another class over its share.
  bool try_acquire(std::uint32_t limit) noexcept {
    std::uint32_t current = inflight_.load(std::memory_order_relaxed);
    while (current < limit) {
      if (inflight_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel,
                                          std::memory_order_relaxed))
        return true;
    }
    return false;
  }
  void release() noexcept { inflight_.fetch_sub(1, std::memory_order_acq_rel); }
  std::uint32_t current() const noexcept { return inflight_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint32_t> inflight_{0};
};

}  // namespace ventanilla::http
