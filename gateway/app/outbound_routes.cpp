#include "app/outbound_routes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>

#include "app/route_support.hpp"
#include "app/sms_routes.hpp"
#include "carriers/protocol_factory.hpp"
#include "storage/async_write.hpp"
#include "storage/outbox_store.hpp"

namespace ventanilla::app {

namespace {

namespace net = boost::asio;

struct StatusShared {
  config::RouteConfig route;
  std::vector<std::string> secrets;  // the webhook's: capability path or signature
  std::unique_ptr<carriers::SmsProtocol> protocol;
  std::shared_ptr<const carriers::SmsSender> sender;
  bool capability = false;
  storage::StorageWriter* writer = nullptr;
  outbound::OutboundMetrics* metrics = nullptr;
  std::shared_ptr<spdlog::logger> log;
};

http::Route make_status_route(std::shared_ptr<StatusShared> shared, const config::Config& config) {
  auto handler = [shared, retry_after_s = config.limits.retry_after_s](
                     const http::HttpRequest& request,
                     http::RequestContext& rc) -> net::awaitable<http::HttpResponse> {
    StatusShared& s = *shared;
    if (s.capability && !capability_secret_matches(request.path(), s.route.status_path, s.secrets))
      co_return http::HttpResponse::text(404, "not found\n");
    const carriers::WebhookRequest webhook{http::to_string(request.method()), request.target(),
                                           request.headers(), request.body()};
    if (!s.capability) {
      carriers::RouteAuth auth;
      auth.secrets = s.secrets;
      auth.now_s = epoch_ms() / 1000;
      auth.public_url = s.route.status_url;
      if (auth.public_url.empty()) {
        const std::string_view host = request.header("Host").value_or("localhost");
        auth.public_url = fmt::format("http://{}{}", host, request.path());
      }
      if (auto verified = s.protocol->verify(webhook, auth); !verified) {
        s.log->warn("{} route {} delivery report rejected: {}", rc.request_id, s.route.name,
                    verified.error().detail);
        co_return http::HttpResponse::text(403, "forbidden\n");
      }
    }
    auto reports = s.sender->parse_delivery_reports(webhook);
    if (!reports) {
      s.log->warn("{} route {} delivery report malformed: {}", rc.request_id, s.route.name,
                  reports.error().detail);
      co_return http::HttpResponse::text(400, reports.error().detail + "\n");
    }
    auto outcomes = std::make_shared<std::vector<storage::DeliveryOutcome>>();
    const std::string route = s.route.name;
    auto updates = std::make_shared<std::vector<storage::DeliveryUpdate>>();
    for (const auto& r : *reports) {
      updates->push_back(
          {r.our_id, r.external_id, std::string(carriers::to_string(r.status)), r.dedupe_key});
    }
    storage::WriteJob job = [updates, outcomes, route](storage::Database& db) {
      outcomes->clear();
      for (const auto& u : *updates)
        outcomes->push_back(storage::record_delivery(db, route, u, epoch_ms()));
    };
    auto written = co_await storage::async_write(*s.writer, std::move(job), net::use_awaitable);
    if (!written) {
      s.log->error("{} route {} delivery report not recorded: {}", rc.request_id, s.route.name,
                   written.error().message());
      co_return http::HttpResponse::unavailable(retry_after_s, "try again\n");  // carriers retry
    }
    for (std::size_t i = 0; i < outcomes->size(); ++i) {
      switch ((*outcomes)[i]) {
        case storage::DeliveryOutcome::kApplied:
          ++s.metrics->delivery_reports;
          break;
        case storage::DeliveryOutcome::kDuplicate:
          ++s.metrics->delivery_duplicate;
          break;
        case storage::DeliveryOutcome::kUnknownMessage:
          ++s.metrics->delivery_unknown;
          s.log->info("{} route {}: delivery report for an unknown message (ref '{}', id '{}')",
                      rc.request_id, s.route.name, (*updates)[i].reference,
                      (*updates)[i].external_id);
          break;
      }
    }
    co_return http::HttpResponse::text(200, "ok\n");
  };
  http::Route route;
  route.name = "status_" + shared->route.name;
  route.path = shared->capability ? shared->route.status_path + "/" : shared->route.status_path;
  route.prefix = shared->capability;
  route.methods = {http::Method::kPost, http::Method::kGet};
  route.handler = http::AsyncHandler(std::move(handler));
  route.options.max_body_bytes = config.limits.webhook_body_bytes;
  route.options.requires_content_length = true;  // as every carrier webhook (reliability.md §5)
  route.options.shed_class = http::ShedClass::kSms;  // 503 + Retry-After: carriers retry
  return route;
}

}  // namespace

Result<std::string> resolve_send_secret(const config::RouteConfig& r) {
  return read_secret(
      {r.name, "send_secret_env", r.send_secret_env, "send_secret_file", r.send_secret_file});
}

Result<OutboundSetup> make_outbound(const config::Config& config,
                                    const std::vector<std::string>& live_routes,
                                    storage::StorageWriter& writer,
                                    outbound::OutboundMetrics& metrics,
                                    std::shared_ptr<spdlog::logger> log) {
  OutboundSetup setup;
  for (const auto& r : config.routes) {
    if (!r.enabled || r.is_ussd() || r.send_url.empty()) continue;
    if (std::find(live_routes.begin(), live_routes.end(), r.name) == live_routes.end()) continue;
    auto secret = resolve_send_secret(r);
    if (!secret) {
      if (secret.error().code == ErrorCode::kNotFound && r.if_secret_missing == "skip") {
        log->info("route {}: sending off: {}", r.name, secret.error().detail);
        continue;
      }
      return secret.error();
    }
    auto sender = carriers::make_sms_sender(r.carrier);
    if (!sender) {
      return make_error(ErrorCode::kInvalidArgument, "route " + r.name, sender.error().detail);
    }
    auto protocol = carriers::make_sms_protocol(r.carrier, r.signature);
    if (!protocol) {
      return make_error(ErrorCode::kInvalidArgument, "route " + r.name, protocol.error().detail);
    }
    auto webhook_secrets = resolve_route_secrets(r);
    if (!webhook_secrets) return webhook_secrets.error();

    outbound::SendingRoute sending;
    sending.name = r.name;
    sending.sender = std::shared_ptr<const carriers::SmsSender>(std::move(*sender));
    sending.account = {r.send_url, r.send_account, std::move(*secret), r.send_from};
    sending.policy = encoding_policy(r.encoding);
    sending.rate_per_s = r.send_rate;
    // A capability route's report URL holds its secret; "{secret}" lets the config say so
    // without writing the secret into it (production keeps secrets in 0600 files only).
    sending.status_url = r.status_url;
    if (const auto at = sending.status_url.find("{secret}"); at != std::string::npos)
      sending.status_url.replace(at, 8, webhook_secrets->front());

    auto shared = std::make_shared<StatusShared>();
    shared->route = r;
    shared->secrets = std::move(*webhook_secrets);
    shared->protocol = std::move(*protocol);
    shared->sender = sending.sender;
    shared->capability = carriers::uses_capability_path(r.carrier);
    shared->writer = &writer;
    shared->metrics = &metrics;
    shared->log = log;
    setup.status_routes.push_back(make_status_route(shared, config));
    log->info("route {}: sends via {} ({}/s); delivery reports on {}{}", r.name, r.send_url,
              r.send_rate, r.status_path, shared->capability ? "/<secret>" : "");
    setup.senders.push_back(std::move(sending));
  }
  return setup;
}

}  // namespace ventanilla::app
