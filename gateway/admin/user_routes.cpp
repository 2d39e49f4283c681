// Console accounts: admins list, create and change them (role, password, disabled).
#include "admin/json_fields.hpp"
#include "admin/password.hpp"
#include "admin/route_groups.hpp"
#include "admin/staff_service.hpp"

namespace ventanilla::admin {

namespace {

boost::json::object staff_json(const storage::StaffRow& s, std::int64_t now_ms) {
  boost::json::object o;
  o["username"] = s.username;
  o["role"] = s.role;
  o["created_ms"] = s.created_ms;
  o["disabled"] = s.disabled_ms.has_value();
  o["last_login_ms"] = s.last_login_ms ? boost::json::value(*s.last_login_ms) : nullptr;
  o["throttled"] = s.blocked_until_ms > now_ms;
  return o;
}

std::optional<Role> role_field(JsonFields& fields, bool required, std::optional<Error>& error) {
  const auto name = fields.text("role", 16, required);
  if (!name) return std::nullopt;
  auto role = parse_role(*name);
  if (!role) {
    error = make_error(ErrorCode::kInvalidArgument, "role",
                       "must be viewer, editor, publisher or admin");
  }
  return role;
}

http::HttpResponse from_error(const Error& e) {
  switch (e.code) {
    case ErrorCode::kAlreadyExists:
      return json_error(409, "conflict", e.where, e.detail);
    case ErrorCode::kNotFound:
      return json_error(404, "not_found", e.where, e.detail);
    case ErrorCode::kOutOfRange:
      return json_error(409, "conflict", e.where, e.detail);
    default:
      return json_error(400, "invalid", e.where, e.detail);
  }
}

http::HttpResponse list(AdminCall& call) {
  boost::json::array items;
  for (const auto& s : storage::list_staff(call.db)) items.push_back(staff_json(s, call.now_ms));
  return json_reply(boost::json::object{{"users", std::move(items)}});
}

http::HttpResponse create(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  std::optional<Error> error;
  const auto username = fields.text("username", 32);
  const auto password = fields.text("password", kMaxPasswordChars);
  const auto role = role_field(fields, true, error);
  if (auto e = fields.finish()) return bad_field(*e);
  if (error) return bad_field(*error);
  auto created = create_staff(call.db, *username, *password, *role, audit_entry(call, "", ""));
  if (!created) return from_error(created.error());
  return json_reply(staff_json(*created, call.now_ms), 201);
}

http::HttpResponse change(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  std::optional<Error> error;
  StaffChange c;
  c.role = role_field(fields, false, error);
  c.password = fields.text("password", kMaxPasswordChars, false);
  c.disabled = fields.boolean("disabled", false);
  if (auto e = fields.finish()) return bad_field(*e);
  if (error) return bad_field(*error);
  if (!c.role && !c.password && !c.disabled) {
    return json_error(400, "invalid", "body", "nothing to change: give role, password or disabled");
  }
  auto changed = change_staff(call.db, call.params[0], c, audit_entry(call, "", ""));
  if (!changed) return from_error(changed.error());
  return json_reply(staff_json(*changed, call.now_ms));
}

}  // namespace

void add_user_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/users", Role::kAdmin,
                    "console accounts (never their passwords)", list});
  routes.push_back({http::Method::kPost, "/admin/api/users", Role::kAdmin,
                    "make an account: {username, password (12+ characters), role}", create});
  routes.push_back({http::Method::kPatch, "/admin/api/users/{username}", Role::kAdmin,
                    "change an account: {role?, password?, disabled?}", change});
}

}  // namespace ventanilla::admin
