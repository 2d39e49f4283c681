#pragma once
// The admin API's routes, one group per file; AdminApi's constructor calls each. Shared helpers
// for the groups live here too.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_api.hpp"
#include "storage/audit_store.hpp"

namespace ventanilla::admin {

void add_session_routes(std::vector<AdminRoute>& routes);      // log in/out, whoami
void add_user_routes(std::vector<AdminRoute>& routes);         // console accounts
void add_token_routes(std::vector<AdminRoute>& routes);        // API tokens
void add_audit_routes(std::vector<AdminRoute>& routes);        // audit log and its verification
void add_content_routes(std::vector<AdminRoute>& routes);      // menu versions
void add_translation_routes(std::vector<AdminRoute>& routes);  // PO export and import
void add_hub_routes(std::vector<AdminRoute>& routes);          // the hub directory
void add_usage_routes(std::vector<AdminRoute>& routes);        // daily usage aggregates

// 200 (or `status`) with `value` serialized.
http::HttpResponse json_reply(const boost::json::value& value, unsigned status = 200);

// The request body as a JSON object; on failure the 400 reply to send instead.
struct JsonBody {
  std::optional<boost::json::object> object;
  http::HttpResponse error;
};
JsonBody parse_body(const http::HttpRequest& request);

// A 400 reply for an Error from JsonFields::finish().
http::HttpResponse bad_field(const Error& e);

// A query parameter, %-decoded; nullopt when absent or malformed.
std::optional<std::string> query_param(const http::HttpRequest& request, std::string_view name);

// The audit entry for a mutation by `call`'s principal; the caller fills target and hashes.
storage::AuditEntry audit_entry(const AdminCall& call, std::string_view action, std::string target);

// A positive integer path parameter (an id), or nullopt.
std::optional<std::int64_t> id_param(const std::string& segment);

}  // namespace ventanilla::admin
