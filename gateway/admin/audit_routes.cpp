// The audit log, read page by page, and a check of its hash chain.
#include <charconv>

#include "admin/audit_report.hpp"
#include "admin/route_groups.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kMaxPage = 1000;

boost::json::object row_json(const storage::AuditRow& r) {
  boost::json::object o;
  o["seq"] = r.seq;
  o["at_ms"] = r.entry.at_ms;
  o["actor"] = r.entry.actor;
  o["role"] = r.entry.role;
  o["action"] = r.entry.action;
  o["target"] = r.entry.target;
  o["before_sha256"] = r.entry.before_sha256;
  o["after_sha256"] = r.entry.after_sha256;
  o["request_id"] = r.entry.request_id;
  o["prev_sha256"] = r.prev_sha256;
  o["row_sha256"] = r.row_sha256;
  return o;
}

// A non-negative integer query parameter: absent → fallback; malformed → nullopt.
std::optional<std::int64_t> number_param(const http::HttpRequest& request, std::string_view name,
                                         std::int64_t fallback) {
  const auto text = query_param(request, name);
  if (!text)
    return request.query().find(name) == std::string_view::npos
               ? std::optional<std::int64_t>(fallback)
               : std::nullopt;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 0) return std::nullopt;
  return n;
}

http::HttpResponse list_rows(AdminCall& call) {
  const auto after = number_param(call.request, "after", 0);
  if (!after) return json_error(400, "invalid", "after", "must be a non-negative integer");
  const auto limit = number_param(call.request, "limit", kDefaultPage);
  if (!limit || *limit < 1 || static_cast<std::size_t>(*limit) > kMaxPage) {
    return json_error(400, "invalid", "limit", "must be between 1 and 1000");
  }
  boost::json::array rows;
  for (const auto& r : storage::list_audit(call.db, *after, static_cast<std::size_t>(*limit))) {
    rows.push_back(row_json(r));
  }
  boost::json::object o;
  o["rows"] = std::move(rows);
  return json_reply(o);
}

http::HttpResponse verify(AdminCall& call) {
  return json_reply(audit_report_json(storage::verify_audit_chain(call.db)));
}

}  // namespace

void add_audit_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/audit", Role::kViewer,
                    "audit rows after ?after=SEQ, ?limit=N (≤ 1000), oldest first", list_rows});
  routes.push_back({http::Method::kGet, "/admin/api/audit/verify", Role::kAdmin,
                    "walk the hash chain; report the first row that does not hold", verify});
}

}  // namespace ventanilla::admin
