#pragma once
// The outbound side of each [[route]] that has a send_url: its sender for the outbox drainer
// (credential from an environment variable or a 0600 file, never from config), and the HTTP route
// where its carrier posts delivery reports (status_path). Delivery reports are authenticated like
// the route's webhook: the capability secret as the last path segment (Kannel, Infobip, Africa's
// Talking), or the carrier's signature (Twilio, Vonage). A report for a message we do not know is
// logged and answered 200, so the carrier stops retrying it.

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/router.hpp"
#include "outbound/outbox_drainer.hpp"
#include "storage/storage_writer.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

// The send credential, read like the webhook secret (environment or 0600 file), with errors
// naming the send_ keys (kNotFound when the variable is unset or the file does not exist).
Result<std::string> resolve_send_secret(const config::RouteConfig& route);

struct OutboundSetup {
  std::vector<outbound::SendingRoute> senders;
  std::vector<http::Route> status_routes;
};

// For every enabled SMS route with send_url whose webhook is live (`live_routes` holds the names
// of the routes whose webhook secret was found). A missing send credential stops start-up, or
// leaves the sender off when the route says if_secret_missing = "skip".
Result<OutboundSetup> make_outbound(const config::Config& config,
                                    const std::vector<std::string>& live_routes,
                                    storage::StorageWriter& writer,
                                    outbound::OutboundMetrics& metrics,
                                    std::shared_ptr<spdlog::logger> log);

}  // namespace ventanilla::app
