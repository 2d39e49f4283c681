#include "app/ussd_route.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "app/route_support.hpp"
#include "storage/async_write.hpp"
#include "storage/session_store.hpp"

namespace ventanilla::app {

namespace {

namespace net = boost::asio;

// When no menus are loaded at all there is no translated apology to give.
constexpr std::string_view kLastResortApology =
    "Servicio no disponible. Intente mas tarde. / Service unavailable, please try later.";

}  // namespace

void UssdRouteMetrics::render(std::string& out) const {
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help,
                   name, name, value);
  };
  counter("ventanilla_ussd_hops_total", "USSD hops answered from a new step.", hops.load());
  counter("ventanilla_ussd_replayed_total", "USSD hops answered from a stored reply (retries).",
          replayed.load());
  counter("ventanilla_ussd_rejected_total", "Malformed USSD requests (400).", rejected.load());
  counter("ventanilla_ussd_apologies_total", "USSD hops answered with the error apology.",
          apologies.load());
  counter("ventanilla_ussd_sms_queued_total", "SMS queued from USSD sessions.", sms_queued.load());
}

inbound::UssdRouteSettings ussd_settings(const config::UssdConfig& c) {
  inbound::UssdRouteSettings s;
  s.carrier = "at-ussd";
  s.screen = {c.screen_septets, encoding_policy(c.encoding)};
  s.session_timeout = std::chrono::seconds(c.session_timeout_s);
  s.resume_window = std::chrono::seconds(c.resume_window_s);
  s.reply_retention = std::chrono::hours(c.reply_retention_h);
  s.default_country = c.default_country;
  return s;
}

http::Route make_ussd_route(const config::Config& config, UssdRouteDeps deps) {
  struct Shared {
    UssdRouteDeps deps;
    inbound::UssdRouteSettings settings;
    carriers::AfricasTalkingUssd protocol;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(deps), ussd_settings(config.ussd), {}});

  auto handler = [shared](const http::HttpRequest& request,
                          http::RequestContext& rc) -> net::awaitable<http::HttpResponse> {
    Shared& s = *shared;
    auto hop = s.protocol.parse(
        {request.header("Content-Type").value_or(std::string_view()), request.body()});
    if (!hop) {
      ++s.deps.metrics.rejected;
      s.deps.log->warn("{} rejected: {}", rc.request_id, hop.error().detail);
      co_return http::HttpResponse::text(400, hop.error().detail + "\n");
    }
    auto apology = [&s](std::string_view language) {
      ++s.deps.metrics.apologies;
      const auto menus = s.deps.content.menus();
      const std::string text = menus ? dialog::apology(*menus, language, s.settings.screen).text
                                     : std::string(kLastResortApology);
      auto reply = s.protocol.reply(text, true);
      http::HttpResponse r = http::HttpResponse::text(200, std::move(reply.body));
      r.content_type = std::move(reply.content_type);
      return r;
    };
    const auto menus = s.deps.content.menus();
    const auto directory = s.deps.content.directory();
    if (!menus || !directory) {
      s.deps.log->error("{} no menus loaded: answering with the apology", rc.request_id);
      co_return apology("");
    }
    const privacy::SubscriberId subscriber = s.deps.pseudonymizer.pseudonymize(hop->phone);
    inbound::UssdHopInput input{hop->session_id, hop->text, hop->network_code, subscriber,
                                &hop->phone};
    auto outcome = std::make_shared<inbound::UssdHopOutcome>();
    const inbound::UssdHopContext context{*menus, *directory, s.deps.pseudonymizer, s.protocol,
                                          s.settings};
    // A named job, not a temporary inside the co_await expression: GCC 12 destroys such
    // temporaries twice (GCC bug 99576), which double-released the captured shared_ptr.
    storage::WriteJob job = [&context, &input, outcome](storage::Database& db) {
      *outcome = inbound::run_ussd_hop(db, context, input, epoch_ms(), today());
    };
    auto written = co_await storage::async_write(s.deps.writer, std::move(job), net::use_awaitable);
    if (!written) {
      s.deps.log->error("{} {} hop not committed: {}", rc.request_id, subscriber,
                        written.error().message());
      co_return apology(outcome->language);
    }
    ++(outcome->replayed ? s.deps.metrics.replayed : s.deps.metrics.hops);
    s.deps.metrics.sms_queued += outcome->sms_queued;
    http::HttpResponse r = http::HttpResponse::text(200, std::move(outcome->body));
    co_return r;
  };

  http::Route route;
  route.name = "ussd_africastalking";
  route.path = config.ussd.path;
  route.methods = {http::Method::kPost};
  route.handler = http::AsyncHandler(std::move(handler));
  route.options.max_body_bytes = config.limits.webhook_body_bytes;
  return route;
}

void purge_expired_rows(storage::StorageWriter& writer, std::chrono::milliseconds keep,
                        std::shared_ptr<spdlog::logger> log) {
  auto report = std::make_shared<storage::PurgeReport>();
  writer.submit(
      [report, keep](storage::Database& db) {
        *report = storage::purge_expired(db, epoch_ms(), keep.count());
      },
      [report, log = std::move(log)](Result<void> r) {
        if (!r) {
          log->warn("purging expired sessions failed (retried next time): {}", r.error().message());
        } else if (report->sessions + report->replies > 0) {
          log->debug("purged {} expired session(s) and {} stored repl(ies)", report->sessions,
                     report->replies);
        }
      });
}

}  // namespace ventanilla::app
