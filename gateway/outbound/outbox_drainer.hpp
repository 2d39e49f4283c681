#pragma once
// OutboxDrainer: sends what the outbox holds. For every route with a sender it leases due rows
// (storage/outbox_store.hpp, through the StorageWriter), unseals each number just for the call,
// applies the route's encoding policy, sends through its carrier's SmsSender and the shared
// HttpClient at no more than the route's rate, and records the outcome (sent, retry with backoff,
// in doubt, failed) — each state change a durable write before the next step.
//
// Why leases and not "mark sending": a process killed mid-call cannot say what happened. Its
// leased rows are recovered at the next start as in_doubt and resent, flagged; a delivery report
// may still settle them. So every acknowledged message is sent at least once, and the only
// duplicates are flagged ones.
//
// Threads: everything runs on one strand of the io_context given (the network threads): the
// carrier calls are asynchronous, storage goes through the writer, so no thread ever blocks.
// Privacy: logs name the row id, its reference and the route — never a number or a text.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carriers/sms_sender.hpp"
#include "outbound/http_client.hpp"
#include "outbound/retry_policy.hpp"
#include "text/encoding.hpp"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}
namespace ventanilla::privacy {
class Pseudonymizer;
}
namespace ventanilla::storage {
class StorageWriter;
}

namespace ventanilla::outbound {

struct SendingRoute {
  std::string name;  // the outbox rows' route
  std::shared_ptr<const carriers::SmsSender> sender;
  carriers::SenderAccount account;
  text::EncodingPolicy policy = text::EncodingPolicy::kGsm7;
  std::uint32_t rate_per_s = 10;
  // Public URL of this route's delivery-report endpoint; each message's callback URL is it plus
  // `id=<reference>`. "" = none sent.
  std::string status_url;
};

struct DrainerOptions {
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds lease{60'000};
  std::size_t batch = 16;
  std::size_t concurrent_calls = 4;  // per route
  RetryPolicy retry;
  HttpClientOptions http;
  std::chrono::milliseconds housekeeping_interval{5'000};  // counts for /metrics, purge
  std::chrono::hours finished_retention{168};
  std::chrono::hours max_queue_age{72};  // unsent messages older than this fail as expired
};

// Counters for /metrics; queue depth refreshed every housekeeping_interval.
struct OutboundMetrics {
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> in_doubt{0};
  std::atomic<std::uint64_t> failed_permanent{0};
  std::atomic<std::uint64_t> failed_exhausted{0};
  std::atomic<std::uint64_t> failed_other{0};  // could not unseal or prepare
  std::atomic<std::uint64_t> recovered_leases{0};
  std::atomic<std::uint64_t> delivery_reports{0};
  std::atomic<std::uint64_t> delivery_unknown{0};
  std::atomic<std::uint64_t> delivery_duplicate{0};
  std::atomic<std::uint64_t> latency_count{0};
  std::atomic<std::uint64_t> latency_sum_us{0};
  std::array<std::atomic<std::int64_t>, 6> depth{};  // queued leased sent retry failed in_doubt
  std::atomic<std::int64_t> flagged_in_doubt{0};
  std::atomic<std::int64_t> oldest_due_age_ms{0};

  void render(std::string& out) const;
};

class OutboxDrainer {
 public:
  // Throws std::runtime_error when the HTTP client cannot load options.http.extra_ca_file.
  OutboxDrainer(boost::asio::io_context& io, storage::StorageWriter& writer,
                const privacy::Pseudonymizer& pseudonymizer, std::vector<SendingRoute> routes,
                DrainerOptions options, OutboundMetrics& metrics,
                std::shared_ptr<spdlog::logger> log);
  ~OutboxDrainer();
  OutboxDrainer(const OutboxDrainer&) = delete;
  OutboxDrainer& operator=(const OutboxDrainer&) = delete;

  // Recovers every row left leased by an earlier process (in_doubt), then starts the senders and
  // the housekeeping. Call once, before the io_context runs or from any thread.
  void start();
  // Stops leasing; rows leased but not yet tried go back untried. Calls in flight finish and are
  // recorded if the io_context keeps running long enough (else they are recovered, flagged, at
  // the next start). Any thread.
  void stop();
  // A message was queued for `route`: look now instead of at the next poll. Any thread.
  void wake();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ventanilla::outbound
