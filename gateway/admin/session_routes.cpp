// GET /admin/api/whoami: who the credentials belong to, for the console's header and for
// operators checking a token.
#include "admin/route_groups.hpp"

namespace ventanilla::admin {

void add_session_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/whoami", Role::kViewer,
                    "who these credentials are and what role they hold", [](AdminCall& call) {
                      boost::json::object o;
                      o["actor"] = call.principal.actor;
                      o["role"] = to_string(call.principal.role);
                      return json_reply(o);
                    }});
}

}  // namespace ventanilla::admin
