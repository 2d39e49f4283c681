#pragma once
// The admin API (/admin/api/..., on its own listener): one table of routes, each declaring the
// least role that may call it, and one dispatcher that authenticates, authorizes and runs them.
//
// Everything here is synchronous and runs on the admin connection's thread (app/admin_listener
// hands requests over), so handlers read and write SQLite directly, tests call handle() without
// sockets, and no admin work ever runs on a network thread or the carrier writer.
//
// Replies are JSON. Errors: {"error": "<kind>", "field": "<where>", "detail": "<what>"} with
// 400 (bad input, naming the field), 401 (no or bad credentials; WWW-Authenticate: Bearer),
// 403 (role too low, names the role needed; or a console change without its CSRF proof), 404,
// 405 (+ Allow), 409, 412, 429 (+ Retry-After: login throttled), 503 (storage busy, retryable).
// Nothing a client sent is echoed back except field names.
//
// Credentials (authentication.hpp): an API token (Authorization: Bearer vta_...) or a console
// session cookie; changes made with a cookie also need the CSRF checks.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/content_service.hpp"
#include "admin/role.hpp"
#include "http/http_message.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::admin {

// Who is calling, as the audit log names them.
struct Principal {
  std::string actor;  // "token:7 (ops laptop)", "staff:ana"
  Role role = Role::kViewer;
  std::optional<std::int64_t> token_id;
  std::optional<std::int64_t> staff_id;
  std::string session_sha256;  // console sessions only
  std::string csrf_token;      // console sessions only
};

// What routes need from the running server beyond the database.
struct AdminServices {
  DirectorySource directory;                 // unset: content is not checked, so not published
  std::vector<dialog::RouteProfile> routes;  // the USSD routes content must fit, first = default
  ContentChanged content_changed;            // unset: the server picks changes up at its next poll
};

struct AdminCall {
  const http::HttpRequest& request;
  std::string_view request_id;
  std::vector<std::string> params;  // the {…} segments of the route's pattern, in order
  const Principal& principal;
  std::int64_t now_ms;
  storage::Database& db;
  const AdminServices& services;
};

using AdminHandler = std::function<http::HttpResponse(AdminCall&)>;

struct AdminRoute {
  http::Method method;
  std::string pattern;  // "/admin/api/tokens/{id}": {…} matches one non-empty segment
  // The least role allowed. nullopt: no credentials needed — only logging in; the route-table
  // test lists the public routes, so a route that forgets its role fails it.
  std::optional<Role> role;
  std::string summary;  // one line for the API listing and the console
  AdminHandler handler;
};

class AdminApi {
 public:
  explicit AdminApi(std::shared_ptr<spdlog::logger> log, AdminServices services = {});

  const std::vector<AdminRoute>& routes() const noexcept { return routes_; }

  // Matches, authenticates, authorizes and runs one request. `db` is the admin connection.
  // Never throws.
  http::HttpResponse handle(const http::HttpRequest& request, std::string_view request_id,
                            storage::Database& db, std::int64_t now_ms) const;

 private:
  std::shared_ptr<spdlog::logger> log_;
  AdminServices services_;
  std::vector<AdminRoute> routes_;
};

// JSON error reply: {"error": kind, "field": field, "detail": detail} (field omitted if empty).
http::HttpResponse json_error(unsigned status, std::string_view kind, std::string_view field,
                              std::string_view detail);

}  // namespace ventanilla::admin
