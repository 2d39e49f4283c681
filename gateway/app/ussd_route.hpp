#pragma once
// The USSD webhook route (Africa's Talking protocol): parse → pseudonymize → one storage-writer
// job running the hop (inbound/ussd_hop.hpp) → the carrier's reply. Never answers a real hop
// with 4xx/5xx: a failure becomes a localized "END" apology, because a carrier shows its users a
// generic error (or nothing) for those.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/content_snapshots.hpp"
#include "carriers/africastalking_ussd.hpp"
#include "config/config.hpp"
#include "http/router.hpp"
#include "inbound/ussd_hop.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/storage_writer.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

struct UssdRouteMetrics {
  std::atomic<std::uint64_t> hops{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> rejected{0};   // malformed requests (400)
  std::atomic<std::uint64_t> apologies{0};  // internal errors answered with END
  std::atomic<std::uint64_t> sms_queued{0};
  void render(std::string& out) const;
};

struct UssdRouteDeps {
  storage::StorageWriter& writer;
  const ContentSnapshots& content;
  const privacy::Pseudonymizer& pseudonymizer;
  UssdRouteMetrics& metrics;
  std::shared_ptr<spdlog::logger> log;
};

inbound::UssdRouteSettings ussd_settings(const config::UssdConfig& config);

http::Route make_ussd_route(const config::Config& config, UssdRouteDeps deps);

// Queues a writer job deleting sessions (USSD and SMS) not updated for `keep` — the longest of
// every session timeout, conversation timeout and resume window —, stored replies past their
// retention and orphaned SMS parts. Returns at once; the outcome is logged.
void purge_expired_rows(storage::StorageWriter& writer, std::chrono::milliseconds keep,
                        std::shared_ptr<spdlog::logger> log);

}  // namespace ventanilla::app
