// API tokens: list, create (the token is in the reply, once), revoke. Admins only: a token is a
// standing credential, and whoever makes them can make one with any role.
#include "admin/json_fields.hpp"
#include "admin/route_groups.hpp"
#include "admin/token_service.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr std::int64_t kMaxExpiryDays = 3650;

http::HttpResponse list_tokens(AdminCall& call) {
  boost::json::array items;
  for (const auto& t : storage::list_api_tokens(call.db))
    items.push_back(token_json(t, call.now_ms));
  boost::json::object o;
  o["tokens"] = std::move(items);
  return json_reply(o);
}

http::HttpResponse create(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto name = fields.text("name", 80);
  const auto role_name = fields.text("role", 16);
  const auto days = fields.integer("expires_days", 1, kMaxExpiryDays, false);
  if (auto e = fields.finish()) return bad_field(*e);
  const auto role = parse_role(*role_name);
  if (!role)
    return json_error(400, "invalid", "role", "must be viewer, editor, publisher or admin");

  const std::optional<std::int64_t> expires =
      days ? std::optional<std::int64_t>(call.now_ms + *days * kDayMs) : std::nullopt;
  auto created = create_token(call.db, *name, *role, expires, audit_entry(call, "", ""));
  auto o = token_json(created.row, call.now_ms);
  o["token"] = created.token;  // the only time it is ever shown
  return json_reply(o, 201);
}

http::HttpResponse revoke(AdminCall& call) {
  const auto id = id_param(call.params[0]);
  if (!id) return json_error(404, "not_found", "id", "no such token");
  const auto result = revoke_token(call.db, *id, audit_entry(call, "", ""));
  switch (result.outcome) {
    case RevokeOutcome::kNotFound:
      return json_error(404, "not_found", "id", "no such token");
    case RevokeOutcome::kAlreadyRevoked:
      return json_error(409, "conflict", "id", "already revoked");
    case RevokeOutcome::kRevoked:
      break;
  }
  return json_reply(token_json(*result.row, call.now_ms));
}

}  // namespace

void add_token_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/tokens", Role::kAdmin,
                    "every API token (never the token itself)", list_tokens});
  routes.push_back({http::Method::kPost, "/admin/api/tokens", Role::kAdmin,
                    "make a token: {name, role, expires_days?}; the reply shows it once", create});
  routes.push_back(
      {http::Method::kDelete, "/admin/api/tokens/{id}", Role::kAdmin, "revoke a token", revoke});
}

}  // namespace ventanilla::admin
