#include "app/sms_routes.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/route_support.hpp"
#include "carriers/protocol_factory.hpp"
#include "common/metrics_text.hpp"
#include "http/address_ranges.hpp"
#include "inbound/sms_message.hpp"
#include "storage/async_write.hpp"

namespace ventanilla::app {

namespace {

namespace net = boost::asio;

Error route_error(const config::RouteConfig& r, std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "route " + r.name, std::move(detail));
}

// A secret file must be private like the pseudonymization key: a world-readable secret is a
// published one.
Result<std::string> read_secret_file(std::string_view owner, std::string_view key,
                                     const std::string& path) {
  const std::string where = "route " + std::string(owner);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    // Not found, like an unset secret_env, so if_secret_missing = "skip" applies to files too.
    return make_error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument, where,
                      fmt::format("{} {} does not exist", key, path));
  }
  if ((st.st_mode & 077) != 0)
    return make_error(ErrorCode::kInvalidArgument, where,
                      fmt::format("{} {} is readable by others (mode {:o}); chmod 600", key, path,
                                  st.st_mode & 0777));
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty())
    return make_error(ErrorCode::kInvalidArgument, where, fmt::format("{} {} is empty", key, path));
  return secret;
}

}  // namespace

void SmsRouteMetrics::render(std::string& out) const {
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    metrics_text::append_counter(out, name, help, value);
  };
  counter("ventanilla_sms_messages_total", "Inbound SMS handled.", messages.load());
  counter("ventanilla_sms_replayed_total", "Inbound SMS answered from a stored reply (retries).",
          replayed.load());
  counter("ventanilla_sms_rejected_total", "SMS webhooks with a bad secret or signature.",
          rejected.load());
  counter("ventanilla_sms_malformed_total", "Malformed SMS webhooks (400).", malformed.load());
  counter("ventanilla_sms_failed_total", "SMS webhooks not committed (503).", failed.load());
  counter("ventanilla_sms_queued_total", "SMS queued in the outbox from inbound SMS.",
          queued.load());
}

Result<std::string> read_secret(const SecretSource& source) {
  if (!source.file.empty()) return read_secret_file(source.owner, source.file_key, source.file);
  const char* value = std::getenv(std::string(source.env).c_str());
  if (value == nullptr || *value == '\0')
    return make_error(ErrorCode::kNotFound, "route " + std::string(source.owner),
                      fmt::format("{} {} is not set", source.env_key, source.env));
  return std::string(value);
}

Result<void> check_capability_secrets(std::string_view owner,
                                      const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 16)
      return make_error(ErrorCode::kInvalidArgument, "route " + std::string(owner),
                        "a capability secret needs at least 16 characters (128 bits "
                        "recommended: openssl rand -hex 16)");
  }
  return {};
}

Result<std::vector<std::string>> resolve_route_secrets(const config::RouteConfig& r) {
  std::vector<std::string> secrets;
  auto current = read_secret({r.name, "secret_env", r.secret_env, "secret_file", r.secret_file});
  if (!current) return current.error();
  secrets.push_back(std::move(*current));
  if (!r.previous_secret_env.empty()) {
    if (const char* old = std::getenv(r.previous_secret_env.c_str()); old != nullptr && *old)
      secrets.emplace_back(old);
  }
  // A rotation with files: unlike an unset previous_secret_env (the rotation is over), a named
  // previous file that is missing is a mistake worth stopping for.
  if (!r.previous_secret_file.empty()) {
    auto old = read_secret_file(r.name, "previous_secret_file", r.previous_secret_file);
    if (!old) return route_error(r, old.error().detail);  // never "skip" a half-done rotation
    secrets.push_back(std::move(*old));
  }
  if (carriers::uses_capability_path(r.carrier)) {
    if (auto ok = check_capability_secrets(r.name, secrets); !ok) return ok.error();
  }
  return secrets;
}

Result<std::vector<http::Route>> make_sms_routes(const config::Config& config, SmsRouteDeps deps) {
  std::vector<http::Route> routes;
  for (const auto& r : config.routes) {
    if (!r.enabled || r.is_ussd()) continue;  // USSD routes: make_generic_ussd_routes
    auto secrets = resolve_route_secrets(r);
    if (!secrets) {
      if (secrets.error().code == ErrorCode::kNotFound && r.if_secret_missing == "skip") {
        deps.log->info("route {} off: {}", r.name, secrets.error().detail);
        continue;
      }
      return secrets.error();
    }
    auto protocol = carriers::make_sms_protocol(r.carrier, r.signature);
    if (!protocol) return route_error(r, protocol.error().detail);

    struct Shared {
      explicit Shared(SmsRouteDeps d) : deps(std::move(d)) {}
      SmsRouteDeps deps;
      config::RouteConfig route;
      std::vector<std::string> secrets;
      std::unique_ptr<carriers::SmsProtocol> protocol;
      inbound::SmsRouteSettings settings;
      bool capability = false;
      http::AddressRanges allow_from;       // empty: any peer
      http::AddressRanges trusted_proxies;  // whose X-Forwarded-* headers are believed
      std::atomic<bool> warned_rebuilt_url{false};
      std::uint32_t retry_after_s = 1;  // limits.retry_after_s
    };
    auto shared = std::make_shared<Shared>(deps);
    shared->route = r;
    shared->secrets = std::move(*secrets);
    shared->protocol = std::move(*protocol);
    shared->capability = carriers::uses_capability_path(r.carrier);
    shared->retry_after_s = config.limits.retry_after_s;
    auto allow = http::AddressRanges::parse(r.allow_from);
    if (!allow) return route_error(r, "allow_from: " + allow.error().detail);
    shared->allow_from = std::move(*allow);
    auto proxies = http::AddressRanges::parse(r.trusted_proxies);
    if (!proxies) return route_error(r, "trusted_proxies: " + proxies.error().detail);
    shared->trusted_proxies = std::move(*proxies);
    auto& st = shared->settings;
    st.route = r.name;
    st.policy = encoding_policy(r.encoding);
    st.segments = r.sms_segments;
    st.replies_inline = shared->protocol->replies_inline();
    st.conversation_timeout = std::chrono::seconds(r.conversation_timeout_s);
    st.default_country = r.default_country;
    st.default_language = r.default_language;

    auto handler = [shared](const http::HttpRequest& request,
                            http::RequestContext& rc) -> net::awaitable<http::HttpResponse> {
      Shared& s = *shared;
      // The caller: the TCP peer, or — when the peer is a trusted proxy — the last address it
      // appended to X-Forwarded-For. Headers from anyone else are ignored (reliability.md §1).
      const bool via_proxy =
          !s.trusted_proxies.empty() && s.trusted_proxies.contains(rc.peer_address);
      std::string_view client = rc.peer_address;
      if (via_proxy) {
        if (auto xff = request.header("X-Forwarded-For")) {
          std::string_view last =
              xff->substr(xff->rfind(',') == std::string_view::npos ? 0 : xff->rfind(',') + 1);
          while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
          if (!last.empty()) client = last;
        }
      }
      if (!s.allow_from.empty() && !s.allow_from.contains(client)) {
        ++s.deps.metrics.rejected;
        s.deps.log->warn("{} route {}: caller not in allow_from", rc.request_id, s.route.name);
        co_return http::HttpResponse::text(403, "forbidden\n");
      }
      if (s.capability) {
        if (!capability_secret_matches(request.path(), s.route.path, s.secrets)) {
          ++s.deps.metrics.rejected;
          co_return http::HttpResponse::text(404, "not found\n");
        }
      }
      const carriers::WebhookRequest webhook{http::to_string(request.method()), request.target(),
                                             request.headers(), request.body()};
      carriers::RouteAuth auth;
      auth.secrets = s.secrets;
      auth.now_s = epoch_ms() / 1000;
      auth.public_url = s.route.public_url;
      // Only Twilio signs the URL; the others need no URL at all.
      if (auth.public_url.empty() && s.route.carrier == "twilio") {
        // Rebuild what the carrier signed: behind a trusted proxy from its X-Forwarded-Proto and
        // -Host, else (local use) from Host over http.
        std::string_view scheme = "http";
        std::string_view host = request.header("Host").value_or("localhost");
        if (via_proxy) {
          scheme = request.header("X-Forwarded-Proto").value_or("https");
          host = request.header("X-Forwarded-Host").value_or(host);
        }
        auth.public_url = fmt::format("{}://{}{}", scheme, host, request.path());
        if (!s.warned_rebuilt_url.exchange(true)) {
          s.deps.log->warn(
              "route {}: no public_url; signatures are checked against the URL "
              "rebuilt from Host (behind a proxy, set public_url)",
              s.route.name);
        }
      }
      const auto directory = s.deps.content.directory();
      const auto menus = s.deps.content.menus();
      if (directory != nullptr) {
        if (const auto* c = directory->country(s.route.default_country))
          auth.default_calling_code = c->calling_code;
      }
      if (auto verified = s.protocol->verify(webhook, auth); !verified) {
        // A request too broken to check (bad JSON, a repeated field) is malformed, not forged.
        const bool malformed = verified.error().code == ErrorCode::kInvalidArgument;
        ++(malformed ? s.deps.metrics.malformed : s.deps.metrics.rejected);
        s.deps.log->warn("{} route {}: {}: {}", rc.request_id, s.route.name,
                         malformed ? "malformed" : "rejected", verified.error().detail);
        co_return malformed ? http::HttpResponse::text(400, verified.error().detail + "\n")
                            : http::HttpResponse::text(403, "forbidden\n");
      }
      auto messages = s.protocol->parse(webhook, auth);
      if (!messages) {
        ++s.deps.metrics.malformed;
        s.deps.log->warn("{} route {}: {}", rc.request_id, s.route.name, messages.error().detail);
        co_return http::HttpResponse::text(400, messages.error().detail + "\n");
      }
      if (menus == nullptr || directory == nullptr) {
        ++s.deps.metrics.failed;
        co_return http::HttpResponse::unavailable(s.retry_after_s, "content not loaded\n");
      }
      struct Work {
        std::vector<privacy::SubscriberId> subscribers;
        std::vector<inbound::SmsOutcome> outcomes;
      };
      auto work = std::make_shared<Work>();
      for (const auto& m : *messages)
        work->subscribers.push_back(s.deps.pseudonymizer.pseudonymize(m.from));
      const inbound::SmsContext context{*menus, *directory, s.deps.pseudonymizer, s.settings};
      const auto today_utc = today();
      // Named, not a temporary inside the co_await expression (GCC bug 99576).
      storage::WriteJob job = [&context, &messages, work, today_utc](storage::Database& db) {
        // A batch (Infobip) is all or nothing: one job, one transaction.
        work->outcomes.clear();
        for (std::size_t i = 0; i < messages->size(); ++i) {
          const auto& m = (*messages)[i];
          inbound::SmsMessageInput input{m.external_id,        m.text,  m.network_code,
                                         work->subscribers[i], &m.from, std::nullopt};
          if (m.part) input.part = inbound::SmsPart{m.part->ref, m.part->total, m.part->index};
          work->outcomes.push_back(
              inbound::run_sms_message(db, context, input, epoch_ms(), today_utc));
        }
      };
      auto written =
          co_await storage::async_write(s.deps.writer, std::move(job), net::use_awaitable);
      if (!written) {
        ++s.deps.metrics.failed;
        s.deps.log->error("{} route {}: not committed: {}", rc.request_id, s.route.name,
                          written.error().message());
        // Not acknowledged: the carrier retries, and the retry finds nothing stored.
        co_return http::HttpResponse::unavailable(s.retry_after_s, "try again\n");
      }
      std::optional<std::string> inline_reply;
      for (const auto& o : work->outcomes) {
        ++(o.replayed ? s.deps.metrics.replayed : s.deps.metrics.messages);
        s.deps.metrics.queued += o.queued;
        if (!inline_reply && o.reply) inline_reply = o.reply;
      }
      auto reply = s.protocol->reply(s.protocol->replies_inline() ? inline_reply : std::nullopt);
      http::HttpResponse response = http::HttpResponse::text(reply.status, std::move(reply.body));
      response.content_type = std::move(reply.content_type);
      for (auto& h : reply.headers) response.headers.emplace_back(std::move(h));
      co_return response;
    };

    http::Route route;
    route.name = "sms_" + r.name;
    route.path = shared->capability ? r.path + "/" : r.path;
    route.prefix = shared->capability;
    route.methods = {http::Method::kPost};
    if (r.carrier == "kannel" || r.carrier == "vonage") route.methods.push_back(http::Method::kGet);
    route.handler = http::AsyncHandler(std::move(handler));
    route.options.max_body_bytes = config.limits.webhook_body_bytes;
    // reliability.md §5: a carrier POST states its length; a chunked or unframed one is a 411.
    route.options.requires_content_length = true;
    route.options.shed_class = http::ShedClass::kSms;  // 503 + Retry-After: carriers retry
    routes.push_back(std::move(route));
    deps.log->info("route {}: {} on {}{}", r.name, r.carrier, r.path,
                   shared->capability ? "/<secret>" : "");
  }
  return routes;
}

}  // namespace ventanilla::app
