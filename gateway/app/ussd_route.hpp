#pragma once
// The USSD webhook routes: the Africa's Talking route of [ussd] and every [[route]] with carrier
// "generic-ussd" (generic_json.md), built by one function: verify → parse → pseudonymize → one
// storage-writer job running the hop (inbound/ussd_hop.hpp) → the carrier's reply. A forged or
// stale request is a 403 and a malformed one a 400, both before anything is stored; a real hop is
// never answered with 5xx: a failure becomes a localized end-of-session apology, because a
// carrier shows its users a generic error (or nothing) for those. So does a hop the server sheds
// under load (shed class USSD, the last to go): the apology in the default language, rendered in
// advance per menus snapshot, answered without reading the body.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/content_snapshots.hpp"
#include "carriers/ussd_protocol.hpp"
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
  std::atomic<std::uint64_t> forbidden{0};  // bad or missing signature, stale timestamp (403)
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

// The [ussd] session settings, with the Africa's Talking route's carrier key "at-ussd".
inbound::UssdRouteSettings ussd_settings(const config::UssdConfig& config);

// A generic-ussd [[route]]'s settings: [ussd]'s, with the route's screen (screen_septets and
// encoding, which the loader defaults to [ussd]'s), its default_country when set, and its own
// carrier key — "generic-ussd", or "generic-ussd:<name>" for a route named otherwise — so session
// ids of two carriers never meet in the sessions and dedupe tables.
inbound::UssdRouteSettings generic_ussd_settings(const config::Config& config,
                                                 const config::RouteConfig& route);

// Everything one USSD route is made of besides the shared dependencies.
struct UssdRouteSpec {
  std::string name;  // the router's route name (metrics label): never a secret
  std::string path;
  std::shared_ptr<const carriers::UssdProtocol> protocol;
  inbound::UssdRouteSettings settings;
  // For protocols that sign (generic): current secret first, then the previous one. Empty for
  // Africa's Talking, whose verify() accepts everything.
  std::vector<std::string> secrets;
  // Capability secrets (Africa's Talking with [ussd] secret_*): the route answers PATH/SECRET for
  // any of them, current first, and 404 for every other path under PATH. Empty: PATH itself.
  std::vector<std::string> path_secrets;
  std::chrono::seconds timestamp_window{300};
  std::uint64_t max_body_bytes = 16 * 1024;
};

// The one USSD route builder every protocol goes through.
http::Route make_ussd_route(UssdRouteSpec spec, UssdRouteDeps deps);

// The Africa's Talking route of [ussd]. Africa's Talking signs nothing: with [ussd] secret_env or
// secret_file the route is PATH/SECRET (a capability URL, as for the capability SMS carriers);
// without, PATH is open, which only the loopback-bound local default may be. Errors: the secret
// cannot be read (named like a route's: "route [ussd]: secret_file ... does not exist").
Result<http::Route> make_africastalking_ussd_route(const config::Config& config,
                                                   UssdRouteDeps deps);

// The capability secrets of [ussd] (empty when it has none), read like a route's.
Result<std::vector<std::string>> resolve_ussd_secrets(const config::UssdConfig& ussd);

// The routes of every enabled generic-ussd [[route]], with their secrets resolved as for SMS
// routes (environment or 0600 file, previous secret during a rotation). A route whose secret is
// missing is left off (logged) when it says if_secret_missing = "skip", and is an error naming the
// route and key otherwise; so are keys the USSD route cannot honour yet (allow_from,
// trusted_proxies) and a path already taken by [ussd].
Result<std::vector<http::Route>> make_generic_ussd_routes(const config::Config& config,
                                                          UssdRouteDeps deps);

// Queues a writer job deleting sessions (USSD and SMS) not updated for `keep` — the longest of
// every session timeout, conversation timeout and resume window —, stored replies past their
// retention and orphaned SMS parts. Returns at once; the outcome is logged.
void purge_expired_rows(storage::StorageWriter& writer, std::chrono::milliseconds keep,
                        std::shared_ptr<spdlog::logger> log);

}  // namespace ventanilla::app
