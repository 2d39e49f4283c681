#include "app/ussd_route.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>

#include "app/route_support.hpp"
#include "app/sms_routes.hpp"
#include "carriers/africastalking_ussd.hpp"
#include "carriers/generic_json.hpp"
#include "common/metrics_text.hpp"
#include "dialog/engine.hpp"
#include "storage/async_write.hpp"
#include "storage/session_store.hpp"

namespace ventanilla::app {

namespace {

namespace net = boost::asio;

// When no menus are loaded at all there is no translated apology to give.
constexpr std::string_view kLastResortApology =
    "Servicio no disponible. Intente mas tarde. / Service unavailable, please try later.";

// What a hop the server sheds under load gets: the protocol's session-ending reply with the
// apology in the default language, HTTP 200 — with a 5xx the carrier shows its user an error page
// or drops the session without a word. The server asks for it on an io thread for every shed hop,
// exactly when it has no time to spare, so it is rendered once per menus snapshot (at start-up,
// then on the first shed after a reload) and is otherwise one atomic load and a pointer compare:
// no storage, no body parsing (the body is not even read).
class ShedApology {
 public:
  ShedApology(const ContentSnapshots& content,
              std::shared_ptr<const carriers::UssdProtocol> protocol, text::ScreenLimit screen)
      : content_(content), protocol_(std::move(protocol)), screen_(screen) {
    reply();
  }

  std::shared_ptr<const http::HttpResponse> reply() {
    auto menus = content_.menus();
    auto cached = cache_.load(std::memory_order_acquire);
    if (cached && cached->menus == menus) return cached->reply;
    // Two threads may render the same snapshot at once; either result is the same reply.
    auto fresh = std::make_shared<const Rendered>(Rendered{menus, render(menus.get())});
    cache_.store(fresh, std::memory_order_release);
    return fresh->reply;
  }

 private:
  struct Rendered {
    std::shared_ptr<const dialog::MenuSet> menus;  // the snapshot `reply` was rendered from
    std::shared_ptr<const http::HttpResponse> reply;
  };

  std::shared_ptr<const http::HttpResponse> render(const dialog::MenuSet* menus) const {
    const std::string text = menus != nullptr ? dialog::apology(*menus, "", screen_).text
                                              : std::string(kLastResortApology);
    auto r = std::make_shared<http::HttpResponse>(
        http::HttpResponse::text(200, protocol_->reply(text, true).body));
    r->content_type = std::string(protocol_->reply_content_type());
    return r;
  }

  const ContentSnapshots& content_;
  const std::shared_ptr<const carriers::UssdProtocol> protocol_;
  const text::ScreenLimit screen_;
  std::atomic<std::shared_ptr<const Rendered>> cache_;
};

}  // namespace

void UssdRouteMetrics::render(std::string& out) const {
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    metrics_text::append_counter(out, name, help, value);
  };
  counter("ventanilla_ussd_hops_total", "USSD hops answered from a new step.", hops.load());
  counter("ventanilla_ussd_replayed_total", "USSD hops answered from a stored reply (retries).",
          replayed.load());
  counter("ventanilla_ussd_rejected_total", "Malformed USSD requests (400).", rejected.load());
  counter("ventanilla_ussd_forbidden_total",
          "USSD requests with a bad or missing signature or a stale timestamp (403).",
          forbidden.load());
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

namespace {

// SMS a USSD session queues go out through `sms_route`'s sender, so they are fitted to that
// route's SMS: its segments and its encoding.
void use_sms_route(inbound::UssdRouteSettings& s, const config::Config& config,
                   const std::string& sms_route) {
  if (sms_route.empty()) return;
  s.sms_route = sms_route;
  for (const auto& r : config.routes) {
    if (r.name != sms_route) continue;
    s.sms = {r.sms_segments <= 1 ? 160u : 153u * r.sms_segments, encoding_policy(r.encoding)};
  }
}

}  // namespace

inbound::UssdRouteSettings generic_ussd_settings(const config::Config& config,
                                                 const config::RouteConfig& route) {
  inbound::UssdRouteSettings s = ussd_settings(config.ussd);
  s.carrier = route.name == route.carrier ? route.carrier : route.carrier + ":" + route.name;
  s.screen = {route.screen_septets != 0 ? route.screen_septets : config.ussd.screen_septets,
              encoding_policy(route.encoding)};
  if (!route.default_country.empty()) s.default_country = route.default_country;
  use_sms_route(s, config, route.sms_route);
  return s;
}

http::Route make_ussd_route(UssdRouteSpec spec, UssdRouteDeps deps) {
  struct Shared {
    UssdRouteDeps deps;
    UssdRouteSpec spec;
  };
  auto shared = std::make_shared<Shared>(Shared{std::move(deps), std::move(spec)});

  auto handler = [shared](const http::HttpRequest& request,
                          http::RequestContext& rc) -> net::awaitable<http::HttpResponse> {
    Shared& s = *shared;
    if (!s.spec.path_secrets.empty() &&
        !capability_secret_matches(request.path(), s.spec.path, s.spec.path_secrets)) {
      ++s.deps.metrics.forbidden;
      co_return http::HttpResponse::text(404, "not found\n");
    }
    const carriers::UssdProtocol& protocol = *s.spec.protocol;
    const inbound::UssdRouteSettings& settings = s.spec.settings;
    // Verified on the raw bytes before anything is decoded or stored.
    const carriers::WebhookRequest webhook{http::to_string(request.method()), request.target(),
                                           request.headers(), request.body()};
    carriers::RouteAuth auth;
    auth.secrets = s.spec.secrets;
    auth.timestamp_window = s.spec.timestamp_window;
    auth.now_s = epoch_ms() / 1000;
    if (auto verified = protocol.verify(webhook, auth); !verified) {
      ++s.deps.metrics.forbidden;
      s.deps.log->warn("{} route {}: rejected: {}", rc.request_id, s.spec.name,
                       verified.error().detail);
      co_return http::HttpResponse::text(403, "forbidden\n");
    }
    auto hop = protocol.parse(
        {request.header("Content-Type").value_or(std::string_view()), request.body()});
    if (!hop) {
      ++s.deps.metrics.rejected;
      s.deps.log->warn("{} route {}: rejected: {}", rc.request_id, s.spec.name, hop.error().detail);
      co_return http::HttpResponse::text(400, hop.error().detail + "\n");
    }
    auto answer = [&protocol](std::string body) {
      http::HttpResponse r = http::HttpResponse::text(200, std::move(body));
      r.content_type = std::string(protocol.reply_content_type());
      return r;
    };
    auto apology = [&s, &protocol, &settings, &answer](std::string_view language) {
      ++s.deps.metrics.apologies;
      const auto menus = s.deps.content.menus();
      const std::string text = menus ? dialog::apology(*menus, language, settings.screen).text
                                     : std::string(kLastResortApology);
      return answer(protocol.reply(text, true).body);
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
    const inbound::UssdHopContext context{*menus, *directory, s.deps.pseudonymizer, protocol,
                                          settings};
    // A named job, not a temporary inside the co_await expression: GCC 12 destroys such
    // temporaries twice (GCC bug 99576), which double-released the captured shared_ptr.
    storage::WriteJob job = [&context, &input, outcome](storage::Database& db) {
      *outcome = inbound::run_ussd_hop(db, context, input, epoch_ms(), today());
    };
    // Not committed (write lock held elsewhere, disk failing): the apology should still speak the
    // caller's language, which only the stored session knows.
    storage::WriteJob read_language = [&context, &input, outcome](storage::Database& db) {
      outcome->language = inbound::hop_language(db, context, input, epoch_ms());
    };
    auto written = co_await storage::async_write(s.deps.writer, std::move(job),
                                                 std::move(read_language), net::use_awaitable);
    if (!written) {
      s.deps.log->error("{} {} hop not committed: {}", rc.request_id, subscriber,
                        written.error().message());
      co_return apology(outcome->language);
    }
    ++(outcome->replayed ? s.deps.metrics.replayed : s.deps.metrics.hops);
    s.deps.metrics.sms_queued += outcome->sms_queued;
    co_return answer(std::move(outcome->body));
  };

  http::Route route;
  route.name = shared->spec.name;
  route.path = shared->spec.path_secrets.empty() ? shared->spec.path : shared->spec.path + "/";
  route.prefix = !shared->spec.path_secrets.empty();
  route.methods = {http::Method::kPost};
  route.handler = http::AsyncHandler(std::move(handler));
  route.options.max_body_bytes = shared->spec.max_body_bytes;
  route.options.requires_content_length = true;  // as every carrier webhook (reliability.md §5)
  route.options.shed_class = http::ShedClass::kUssd;  // shed last: a user is holding the session
  auto shed = std::make_shared<ShedApology>(shared->deps.content, shared->spec.protocol,
                                            shared->spec.settings.screen);
  route.options.shed_reply = [shed] { return shed->reply(); };
  return route;
}

Result<std::vector<std::string>> resolve_ussd_secrets(const config::UssdConfig& ussd) {
  std::vector<std::string> secrets;
  if (ussd.secret_env.empty() && ussd.secret_file.empty()) return secrets;
  auto secret =
      read_secret({"[ussd]", "secret_env", ussd.secret_env, "secret_file", ussd.secret_file});
  if (!secret) return secret.error();
  secrets.push_back(std::move(*secret));
  if (auto ok = check_capability_secrets("[ussd]", secrets); !ok) return ok.error();
  return secrets;
}

Result<http::Route> make_africastalking_ussd_route(const config::Config& config,
                                                   UssdRouteDeps deps) {
  auto secrets = resolve_ussd_secrets(config.ussd);
  if (!secrets) return secrets.error();
  UssdRouteSpec spec;
  spec.path_secrets = std::move(*secrets);
  spec.name = "ussd_africastalking";
  spec.path = config.ussd.path;
  spec.protocol = std::make_shared<carriers::AfricasTalkingUssd>();
  spec.settings = ussd_settings(config.ussd);
  use_sms_route(spec.settings, config, config.ussd.sms_route);
  spec.max_body_bytes = config.limits.webhook_body_bytes;
  return make_ussd_route(std::move(spec), std::move(deps));
}

Result<std::vector<http::Route>> make_generic_ussd_routes(const config::Config& config,
                                                          UssdRouteDeps deps) {
  std::vector<http::Route> routes;
  for (const auto& r : config.routes) {
    if (!r.enabled || !r.is_ussd()) continue;
    auto route_error = [&r](std::string detail) {
      return make_error(ErrorCode::kInvalidArgument, "route " + r.name, std::move(detail));
    };
    // Refused rather than ignored: a caller restriction that silently does nothing is worse
    // than none.
    if (!r.allow_from.empty() || !r.trusted_proxies.empty())
      return route_error("allow_from and trusted_proxies are not supported on generic-ussd routes");
    if (config.ussd.enabled && r.path == config.ussd.path)
      return route_error("path " + r.path + " is already the [ussd] route's");
    auto secrets = resolve_route_secrets(r);
    if (!secrets) {
      if (secrets.error().code == ErrorCode::kNotFound && r.if_secret_missing == "skip") {
        deps.log->info("route {} off: {}", r.name, secrets.error().detail);
        continue;
      }
      return secrets.error();
    }
    UssdRouteSpec spec;
    spec.name = "ussd_" + r.name;
    spec.path = r.path;
    spec.protocol = std::make_shared<carriers::GenericJsonUssd>();
    spec.settings = generic_ussd_settings(config, r);
    spec.secrets = std::move(*secrets);
    spec.max_body_bytes = config.limits.webhook_body_bytes;
    deps.log->info("route {}: {} on {} (sessions as {})", r.name, r.carrier, r.path,
                   spec.settings.carrier);
    routes.push_back(make_ussd_route(std::move(spec), deps));
  }
  return routes;
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
