// Daily usage for staff: sessions, completed lookups and SMS sent, by day, channel, country,
// language and service. Aggregates only; the table holds nothing about any subscriber.
#include "admin/route_groups.hpp"
#include "storage/usage_store.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

bool is_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

http::HttpResponse usage(AdminCall& call) {
  const std::string to = query_param(call.request, "to").value_or(storage::utc_day(call.now_ms));
  const std::string from =
      query_param(call.request, "from").value_or(storage::utc_day(call.now_ms - 29 * kDayMs));
  if (!is_day(from)) return json_error(400, "invalid", "from", "must be YYYY-MM-DD");
  if (!is_day(to)) return json_error(400, "invalid", "to", "must be YYYY-MM-DD");
  if (from > to) return json_error(400, "invalid", "from", "after to");
  boost::json::array rows;
  std::int64_t sessions = 0;
  std::int64_t lookups = 0;
  std::int64_t sms = 0;
  for (const auto& r : storage::list_usage(call.db, from, to)) {
    rows.push_back(boost::json::object{{"day", r.day},
                                       {"channel", r.channel},
                                       {"country", r.country},
                                       {"language", r.language},
                                       {"service", r.service},
                                       {"sessions", r.sessions},
                                       {"lookups", r.lookups},
                                       {"sms_sent", r.sms_sent}});
    sessions += r.sessions;
    lookups += r.lookups;
    sms += r.sms_sent;
  }
  boost::json::object o;
  o["from"] = from;
  o["to"] = to;
  o["totals"] =
      boost::json::object{{"sessions", sessions}, {"lookups", lookups}, {"sms_sent", sms}};
  o["rows"] = std::move(rows);
  return json_reply(o);
}

}  // namespace

void add_usage_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/usage", Role::kViewer,
                    "daily aggregates ?from=&to= (YYYY-MM-DD, default the last 30 days)", usage});
}

}  // namespace ventanilla::admin
