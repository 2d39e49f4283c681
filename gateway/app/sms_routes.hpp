#pragma once
// The SMS webhook routes ([[route]] tables): for each, the carrier's protocol, its secrets (read
// from the environment or a 0600 file at start-up, never from committed config), and an HTTP
// route that verifies, decodes, runs every message through the SMS pipeline as one writer job,
// and answers the way the carrier expects.
//
// Capability routes (Kannel, Infobip, Africa's Talking SMS) carry their secret as the last path
// segment: a wrong or missing secret is a 404, indistinguishable from no route at all. Signed
// routes (Twilio, Vonage, generic) answer 403 to a bad signature. Either way nothing is stored.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/content_snapshots.hpp"
#include "config/config.hpp"
#include "http/router.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/storage_writer.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

struct SmsRouteMetrics {
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> rejected{0};   // bad secret or signature (401/403/404)
  std::atomic<std::uint64_t> malformed{0};  // 400
  std::atomic<std::uint64_t> failed{0};     // not committed (503: the carrier retries)
  std::atomic<std::uint64_t> queued{0};
  void render(std::string& out) const;
};

struct SmsRouteDeps {
  storage::StorageWriter& writer;
  const ContentSnapshots& content;
  const privacy::Pseudonymizer& pseudonymizer;
  SmsRouteMetrics& metrics;
  std::shared_ptr<spdlog::logger> log;
};

// Where one secret comes from: a 0600 file when `file` is set, else the environment variable
// `env`. The key names are the configuration's, so errors name what to fix ("route twilio:
// send_secret_env VENTANILLA_TWILIO_SEND is not set").
struct SecretSource {
  std::string_view owner;  // the route's name, or "[ussd]"
  std::string_view env_key;
  std::string_view env;
  std::string_view file_key;
  std::string file;
};

// Errors: kNotFound when the variable is unset or the file does not exist (if_secret_missing =
// "skip" may apply); kInvalidArgument for a file readable by others, empty or unreadable.
Result<std::string> read_secret(const SecretSource& source);

// Capability secrets are the whole authentication: each must have at least 16 characters.
Result<void> check_capability_secrets(std::string_view owner,
                                      const std::vector<std::string>& secrets);

// Secrets of one route: current first, then the previous one during a rotation. Errors name the
// route and the key ("route twilio: secret_env VENTANILLA_TWILIO_AUTH_TOKEN is not set").
Result<std::vector<std::string>> resolve_route_secrets(const config::RouteConfig& route);

// The HTTP routes for every enabled SMS [[route]] (generic-ussd ones are USSD routes, built by
// app/ussd_route.hpp); routes whose secret is missing are skipped when they say
// if_secret_missing = "skip" (logged), and are an error otherwise.
Result<std::vector<http::Route>> make_sms_routes(const config::Config& config, SmsRouteDeps deps);

}  // namespace ventanilla::app
