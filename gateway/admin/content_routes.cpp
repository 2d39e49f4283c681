// Menu content versions: what is published and what came before.
#include "admin/route_groups.hpp"
#include "storage/menu_store.hpp"

namespace ventanilla::admin {

namespace {

http::HttpResponse list_versions(AdminCall& call) {
  boost::json::array items;
  for (const auto& v : storage::list_menu_versions(call.db)) {
    boost::json::object o;
    o["version"] = v.version;
    o["created_ms"] = v.created_ms;
    o["origin"] = v.origin;
    o["status"] = v.status;
    items.push_back(std::move(o));
  }
  boost::json::object o;
  o["published"] = storage::published_menu_version(call.db);
  o["versions"] = std::move(items);
  return json_reply(o);
}

}  // namespace

void add_content_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/content/versions", Role::kViewer,
                    "menu versions, newest first, and which one is published", list_versions});
}

}  // namespace ventanilla::admin
