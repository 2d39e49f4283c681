// Logging in and out of the console, and who the current credentials are.
#include "admin/authentication.hpp"
#include "admin/json_fields.hpp"
#include "admin/password.hpp"
#include "admin/route_groups.hpp"
#include "admin/staff_service.hpp"
#include "storage/staff_store.hpp"

namespace ventanilla::admin {

namespace {

std::string session_cookie_header(std::string_view value, std::int64_t max_age_s) {
  return std::string(kSessionCookie) + "=" + std::string(value) +
         "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
}

http::HttpResponse whoami(AdminCall& call) {
  boost::json::object o;
  o["actor"] = call.principal.actor;
  o["role"] = to_string(call.principal.role);
  // The console keeps its CSRF token in memory only; after a reload it asks again here.
  if (!call.principal.csrf_token.empty()) o["csrf_token"] = call.principal.csrf_token;
  return json_reply(o);
}

http::HttpResponse log_in_route(AdminCall& call) {
  // Login CSRF: a browser that says where the request comes from must say "here".
  if (call.request.header("Origin") || call.request.header("Sec-Fetch-Site")) {
    if (auto refusal = csrf_refusal(call.request, "")) return std::move(*refusal);
  }
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto username = fields.text("username", 32);
  const auto password = fields.text("password", kMaxPasswordChars);
  if (auto e = fields.finish()) return bad_field(*e);

  const Login login = log_in(call.db, *username, *password, call.now_ms);
  switch (login.outcome) {
    case Login::Outcome::kRefused:
      return json_error(401, "unauthorized", "password", "wrong username or password");
    case Login::Outcome::kThrottled: {
      auto reply = json_error(429, "throttled", "username", "too many failed logins; wait");
      reply.headers.emplace_back("Retry-After",
                                 std::to_string((login.retry_after_ms + 999) / 1000));
      return reply;
    }
    case Login::Outcome::kOk:
      break;
  }
  boost::json::object o;
  o["actor"] = "staff:" + login.staff->username;
  o["role"] = login.staff->role;
  o["csrf_token"] = login.csrf_token;
  auto reply = json_reply(o);
  reply.headers.emplace_back(
      "Set-Cookie", session_cookie_header(login.session_cookie, kSessionLifetimeMs / 1000));
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

http::HttpResponse log_out(AdminCall& call) {
  if (call.principal.session_sha256.empty()) {
    return json_error(400, "invalid", "Authorization", "an API token has no session to end");
  }
  storage::delete_console_session(call.db, call.principal.session_sha256);
  auto reply = json_reply(boost::json::object{{"logged_out", true}});
  reply.headers.emplace_back("Set-Cookie", session_cookie_header("", 0));
  return reply;
}

}  // namespace

void add_session_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/whoami", Role::kViewer,
                    "who these credentials are, their role, and a session's CSRF token", whoami});
  routes.push_back({http::Method::kPost, "/admin/api/session", std::nullopt,
                    "log in: {username, password}; sets the session cookie", log_in_route});
  routes.push_back({http::Method::kDelete, "/admin/api/session", Role::kViewer,
                    "log out of the console", log_out});
}

}  // namespace ventanilla::admin
