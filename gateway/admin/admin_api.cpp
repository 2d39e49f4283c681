#include "admin/admin_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "admin/authentication.hpp"
#include "admin/route_groups.hpp"
#include "carriers/form_body.hpp"
#include "carriers/json_body.hpp"
#include "common/error.hpp"
#include "storage/sqlite_error.hpp"

namespace ventanilla::admin {

namespace {

// Splits "/a/b/c" into {"a","b","c"}; a trailing slash makes an empty last segment, so
// "/admin/api/tokens/" does not match "/admin/api/tokens".
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::string>& params) {
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) return false;
  std::vector<std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{')) {
      if (got[i].empty()) return false;
      auto decoded = carriers::form_decode(got[i]);
      if (!decoded) return false;
      found.push_back(std::move(*decoded));
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

http::HttpResponse json_error(unsigned status, std::string_view kind, std::string_view field,
                              std::string_view detail) {
  boost::json::object body;
  body["error"] = kind;
  if (!field.empty()) body["field"] = field;
  if (!detail.empty()) body["detail"] = detail;
  return http::HttpResponse::json(status, boost::json::serialize(body) + "\n");
}

http::HttpResponse json_reply(const boost::json::value& value, unsigned status) {
  return http::HttpResponse::json(status, boost::json::serialize(value) + "\n");
}

JsonBody parse_body(const http::HttpRequest& request) {
  const auto type = request.header("Content-Type");
  if (!type || !(type->starts_with("application/json"))) {
    return {std::nullopt,
            json_error(415, "unsupported_media_type", "Content-Type", "must be application/json")};
  }
  auto parsed = carriers::parse_json_object(request.body(), "body");
  if (!parsed) {
    // A repeated member is the field's problem, not the body's: name the field.
    if (auto twice = carriers::duplicate_member(request.body())) {
      return {std::nullopt, json_error(400, "invalid", *twice, "given twice")};
    }
    return {std::nullopt, json_error(400, "invalid", parsed.error().where, parsed.error().detail)};
  }
  return {std::move(*parsed), {}};
}

http::HttpResponse bad_field(const Error& e) {
  return json_error(400, "invalid", e.where, e.detail);
}

std::optional<std::string> query_param(const http::HttpRequest& request, std::string_view name) {
  auto fields = carriers::FormFields::parse(request.query());
  if (!fields) return std::nullopt;
  const auto value = fields->get(name);
  if (!value) return std::nullopt;
  return std::string(*value);
}

storage::AuditEntry audit_entry(const AdminCall& call, std::string_view action,
                                std::string target) {
  storage::AuditEntry e;
  e.at_ms = call.now_ms;
  e.actor = call.principal.actor;
  e.role = to_string(call.principal.role);
  e.action = action;
  e.target = std::move(target);
  e.request_id = call.request_id;
  return e;
}

std::optional<std::int64_t> id_param(const std::string& segment) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
  if (ec != std::errc() || end != segment.data() + segment.size() || id <= 0) return std::nullopt;
  return id;
}

AdminApi::AdminApi(std::shared_ptr<spdlog::logger> log, AdminServices services)
    : log_(std::move(log)), services_(std::move(services)) {
  add_session_routes(routes_);
  add_user_routes(routes_);
  add_token_routes(routes_);
  add_audit_routes(routes_);
  add_content_routes(routes_);
  add_translation_routes(routes_);
  add_hub_routes(routes_);
  add_usage_routes(routes_);
}

http::HttpResponse AdminApi::handle(const http::HttpRequest& request, std::string_view request_id,
                                    storage::Database& db, std::int64_t now_ms) const {
  const AdminRoute* route = nullptr;
  std::vector<std::string> params;
  std::string allow;
  for (const auto& r : routes_) {
    std::vector<std::string> p;
    if (!match_pattern(r.pattern, request.path(), p)) continue;
    if (r.method == request.method() ||
        (r.method == http::Method::kGet && request.method() == http::Method::kHead)) {
      route = &r;
      params = std::move(p);
      break;
    }
    if (!allow.empty()) allow += ", ";
    allow += to_string(r.method);
  }
  if (route == nullptr) {
    if (allow.empty()) return json_error(404, "not_found", "", "no such admin route");
    auto reply = json_error(405, "method_not_allowed", "", "");
    reply.headers.emplace_back("Allow", allow);
    return reply;
  }
  try {
    // Public routes (logging in) take no credentials; the principal stays empty.
    Principal anonymous;
    std::optional<Principal> principal;
    if (route->role) {
      // Authentication reads (and may touch) the credential tables: same failure handling as
      // handlers.
      auto auth = authenticate(request, db, now_ms);
      if (!auth.principal) {
        log_->info("req={} admin {} refused: {}", request_id, route->pattern, auth.refusal.status);
        return std::move(auth.refusal);
      }
      if (!grants(auth.principal->role, *route->role)) {
        log_->info("req={} admin {} refused: {} holds role {}", request_id, route->pattern,
                   auth.principal->actor, to_string(auth.principal->role));
        return json_error(403, "forbidden", "role",
                          "needs role " + std::string(to_string(*route->role)) + " or higher");
      }
      principal = std::move(auth.principal);
    }
    AdminCall call{request, request_id, std::move(params), principal ? *principal : anonymous,
                   now_ms,  db,         services_};
    return route->handler(call);
  } catch (const storage::SqliteError& e) {
    if (e.is_transient()) {
      log_->warn("req={} admin {}: storage unavailable: {}", request_id, route->pattern, e.what());
      auto reply = json_error(503, "unavailable", "", "storage busy; try again");
      reply.headers.emplace_back("Retry-After", "1");
      return reply;
    }
    log_->error("req={} admin {}: storage error: {}", request_id, route->pattern, e.what());
  } catch (const std::exception& e) {
    log_->error("req={} admin {} failed: {}", request_id, route->pattern, e.what());
  }
  return json_error(500, "internal", "", "see the server log");
}

}  // namespace ventanilla::admin
