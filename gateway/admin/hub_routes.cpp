// The hub directory for staff: list and search, one hub, create, edit, retire (never delete),
// restore, mark verified, and hubs.csv out and in. Changes are live at once (the server reloads
// its directory), so they need the publisher role; each is audited.
#include <algorithm>
#include <map>

#include "admin/hub_service.hpp"
#include "admin/json_fields.hpp"
#include "admin/route_groups.hpp"
#include "directory/text_fold.hpp"
#include "storage/directory_store.hpp"
#include "storage/hub_status_store.hpp"
#include "storage/transaction.hpp"
#include "storage/usage_store.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::size_t kMaxFieldChars = 500;

boost::json::object hub_json(const directory::Hub& h, const storage::HubStatus* status) {
  boost::json::object o;
  o["id"] = h.id;
  o["country"] = h.country;
  o["hub_type"] = h.hub_type;
  o["name"] = h.name;
  o["admin1"] = h.admin1;
  o["municipality"] = h.municipality;
  o["address"] = h.address;
  o["phone"] = h.phone;
  o["hours"] = h.hours;
  boost::json::array services;
  for (const auto& s : h.services) services.push_back(boost::json::value(s));
  o["services"] = std::move(services);
  o["operator"] = h.operator_name;
  o["lat"] = h.lat;
  o["lon"] = h.lon;
  o["source_url"] = h.source_url;
  o["confidence"] = h.confidence;
  o["admin1_code"] = h.admin1_code;
  o["source_date"] = h.source_date;
  o["notes"] = h.notes;
  o["retired"] = status != nullptr && status->retired_ms.has_value();
  o["verified_date"] = status != nullptr ? status->verified_date : "";
  o["verified_by"] = status != nullptr ? status->verified_by : "";
  return o;
}

// A hub's state for the audit hashes: every field, as hubs.csv would hold it.
std::string hub_state(const directory::Hub& h) {
  std::string s = h.id + "|" + h.country + "|" + h.hub_type + "|" + h.name + "|" + h.admin1 + "|" +
                  h.municipality + "|" + h.address + "|" + h.phone + "|" + h.hours + "|";
  for (const auto& code : h.services) s += code + ";";
  return s + "|" + h.operator_name + "|" + std::to_string(h.lat) + "|" + std::to_string(h.lon) +
         "|" + h.source_url + "|" + h.confidence + "|" + h.admin1_code + "|" + h.source_date + "|" +
         h.notes;
}

std::string hubs_digest(const directory::DirectoryData& data) {
  std::string all;
  for (const auto& h : data.hubs) all += hub_state(h) + "\n";
  return storage::sha256_hex(all);
}

// Applies the JSON members to `h`. Strings may be empty (the CSV checks say which may not);
// nullopt when every member was understood, else the 400.
std::optional<http::HttpResponse> apply_fields(const boost::json::object& body, directory::Hub& h,
                                               bool allow_id) {
  static const std::map<std::string, std::string directory::Hub::*, std::less<>> kText = {
      {"country", &directory::Hub::country},
      {"hub_type", &directory::Hub::hub_type},
      {"name", &directory::Hub::name},
      {"admin1", &directory::Hub::admin1},
      {"municipality", &directory::Hub::municipality},
      {"address", &directory::Hub::address},
      {"phone", &directory::Hub::phone},
      {"hours", &directory::Hub::hours},
      {"operator", &directory::Hub::operator_name},
      {"source_url", &directory::Hub::source_url},
      {"confidence", &directory::Hub::confidence},
      {"admin1_code", &directory::Hub::admin1_code},
      {"source_date", &directory::Hub::source_date},
      {"notes", &directory::Hub::notes},
  };
  for (const auto& member : body) {
    const std::string_view key = member.key();
    const auto& value = member.value();
    auto text_of = [&](std::string& out) -> std::optional<http::HttpResponse> {
      if (!value.is_string()) return json_error(400, "invalid", key, "must be a string");
      const std::string_view s = value.get_string();
      if (s.size() > kMaxFieldChars * 4) return json_error(400, "invalid", key, "too long");
      if (auto problem = text_problem(s)) return json_error(400, "invalid", key, *problem);
      out = std::string(s);
      return std::nullopt;
    };
    if (key == "id") {
      if (!allow_id) return json_error(400, "invalid", "id", "a hub's id cannot change");
      if (auto e = text_of(h.id)) return e;
    } else if (const auto it = kText.find(key); it != kText.end()) {
      if (auto e = text_of(h.*(it->second))) return e;
    } else if (key == "lat" || key == "lon") {
      if (!value.is_number()) return json_error(400, "invalid", key, "must be a number");
      (key == "lat" ? h.lat : h.lon) = value.to_number<double>();
    } else if (key == "services") {
      if (!value.is_array()) return json_error(400, "invalid", key, "must be an array of codes");
      h.services.clear();
      for (const auto& code : value.get_array()) {
        if (!code.is_string()) return json_error(400, "invalid", key, "must be an array of codes");
        h.services.emplace_back(code.get_string());
      }
    } else {
      const bool shown = key.size() <= 64 && !text_problem(key);
      return json_error(400, "invalid", shown ? key : "(a field name not shown)", "unknown field");
    }
  }
  return std::nullopt;
}

http::HttpResponse problems_reply(const std::vector<RowProblem>& problems) {
  boost::json::array list;
  for (const auto& p : problems) {
    list.push_back(boost::json::object{{"file", p.file},
                                       {"line", p.line},
                                       {"field", p.field},
                                       {"reason", p.reason},
                                       {"text", p.text()}});
  }
  const auto& first = problems.front();
  boost::json::object o;
  o["error"] = "invalid";
  o["field"] = first.field.empty() ? first.file : first.field;
  o["detail"] = first.text();
  o["problems"] = std::move(list);
  return json_reply(o, 400);
}

directory::DirectoryData load_or_throw(storage::Database& db) {
  auto data = storage::load_directory(db);
  if (!data) throw ErrorException(data.error());
  return std::move(*data);
}

// Checks `data`, stores it, audits, commits, tells the server; the reply for `hub_id`.
http::HttpResponse commit_directory(AdminCall& call, const directory::DirectoryData& data,
                                    const std::string& hub_id, std::string_view action,
                                    const std::string& before_state, unsigned status) {
  auto check = check_directory(data);
  if (!check.data) return problems_reply(check.problems);
  storage::Transaction tx(call.db);
  auto report = storage::import_directory_in_transaction(call.db, *check.data);
  if (!report) return json_error(400, "invalid", "hub", report.error().message());
  const auto it = std::find_if(check.data->hubs.begin(), check.data->hubs.end(),
                               [&hub_id](const auto& h) { return h.id == hub_id; });
  auto audit = audit_entry(call, action, "hub:" + hub_id);
  audit.before_sha256 = before_state.empty() ? "" : storage::sha256_hex(before_state);
  audit.after_sha256 = storage::sha256_hex(hub_state(*it));
  storage::append_audit(call.db, audit);
  tx.commit();
  if (call.services.content_changed) call.services.content_changed();
  const auto statuses = storage::load_hub_statuses(call.db);
  const auto st = statuses.find(hub_id);
  return json_reply(hub_json(*it, st == statuses.end() ? nullptr : &st->second), status);
}

http::HttpResponse list(AdminCall& call) {
  const auto data = load_or_throw(call.db);
  const auto statuses = storage::load_hub_statuses(call.db);
  const std::string query = directory::fold(query_param(call.request, "q").value_or(""));
  const std::string country = query_param(call.request, "country").value_or("");
  const bool with_retired = query_param(call.request, "retired").value_or("") == "include";
  boost::json::array items;
  for (const auto& h : data.hubs) {
    const auto st = statuses.find(h.id);
    const storage::HubStatus* status = st == statuses.end() ? nullptr : &st->second;
    if (!with_retired && status != nullptr && status->retired_ms) continue;
    if (!country.empty() && h.country != country) continue;
    if (!query.empty()) {
      const std::string haystack =
          directory::fold(h.id + " " + h.name + " " + h.municipality + " " + h.admin1);
      if (haystack.find(query) == std::string::npos) continue;
    }
    items.push_back(hub_json(h, status));
  }
  return json_reply(boost::json::object{{"hubs", std::move(items)}});
}

http::HttpResponse get_one(AdminCall& call) {
  const auto data = load_or_throw(call.db);
  const auto statuses = storage::load_hub_statuses(call.db);
  for (const auto& h : data.hubs) {
    if (h.id != call.params[0]) continue;
    const auto st = statuses.find(h.id);
    return json_reply(hub_json(h, st == statuses.end() ? nullptr : &st->second));
  }
  return json_error(404, "not_found", "id", "no such hub");
}

http::HttpResponse create(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  if (!body.object->contains("id")) return json_error(400, "invalid", "id", "missing");
  auto data = load_or_throw(call.db);
  directory::Hub hub;
  if (auto refusal = apply_fields(*body.object, hub, true)) return std::move(*refusal);
  if (std::any_of(data.hubs.begin(), data.hubs.end(),
                  [&hub](const auto& h) { return h.id == hub.id; })) {
    return json_error(409, "conflict", "id", "a hub with this id exists");
  }
  const std::string id = hub.id;
  data.hubs.push_back(std::move(hub));
  return commit_directory(call, data, id, "hub.create", "", 201);
}

http::HttpResponse edit(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  auto data = load_or_throw(call.db);
  const auto it = std::find_if(data.hubs.begin(), data.hubs.end(),
                               [&call](const auto& h) { return h.id == call.params[0]; });
  if (it == data.hubs.end()) return json_error(404, "not_found", "id", "no such hub");
  const std::string before = hub_state(*it);
  if (auto refusal = apply_fields(*body.object, *it, false)) return std::move(*refusal);
  return commit_directory(call, data, call.params[0], "hub.edit", before, 200);
}

// Retire, restore and verify change hub_status only; retire/restore also bump the directory
// version so the server stops (or starts again) offering the hub.
http::HttpResponse set_status(AdminCall& call, std::string_view action) {
  const auto data = load_or_throw(call.db);
  const auto it = std::find_if(data.hubs.begin(), data.hubs.end(),
                               [&call](const auto& h) { return h.id == call.params[0]; });
  if (it == data.hubs.end()) return json_error(404, "not_found", "id", "no such hub");
  std::string date = storage::utc_day(call.now_ms);
  if (action == "hub.verify" && !call.request.body().empty()) {
    auto body = parse_body(call.request);
    if (!body.object) return std::move(body.error);
    JsonFields fields(*body.object);
    const auto given = fields.text("date", 10, false);
    if (auto e = fields.finish()) return bad_field(*e);
    if (given) {
      const bool shape = given->size() == 10 && (*given)[4] == '-' && (*given)[7] == '-';
      if (!shape || *given > date) {
        return json_error(400, "invalid", "date", "must be YYYY-MM-DD, not in the future");
      }
      date = *given;
    }
  }
  storage::Transaction tx(call.db);
  const auto before_all = storage::load_hub_statuses(call.db);
  const auto before = before_all.find(it->id);
  const bool retired = before != before_all.end() && before->second.retired_ms.has_value();
  if (action == "hub.retire" && retired)
    return json_error(409, "conflict", "id", "already retired");
  if (action == "hub.restore" && !retired) return json_error(409, "conflict", "id", "not retired");
  const std::string who = call.principal.actor;
  if (action == "hub.retire") storage::set_hub_retired(call.db, it->id, call.now_ms, who);
  if (action == "hub.restore") storage::set_hub_retired(call.db, it->id, std::nullopt, "");
  if (action == "hub.verify") storage::set_hub_verified(call.db, it->id, date, who);
  if (action != "hub.verify") storage::bump_directory_version(call.db);
  const auto after_all = storage::load_hub_statuses(call.db);
  const auto& after = after_all.at(it->id);
  auto state = [](const storage::HubStatus& s) {
    return (s.retired_ms ? std::to_string(*s.retired_ms) : "") + "|" + s.verified_date + "|" +
           s.verified_by;
  };
  auto audit = audit_entry(call, action, "hub:" + it->id);
  audit.before_sha256 =
      before == before_all.end() ? "" : storage::sha256_hex(state(before->second));
  audit.after_sha256 = storage::sha256_hex(state(after));
  storage::append_audit(call.db, audit);
  tx.commit();
  if (action != "hub.verify" && call.services.content_changed) call.services.content_changed();
  return json_reply(hub_json(*it, &after));
}

http::HttpResponse export_csv(AdminCall& call) {
  auto csv = hubs_csv(load_or_throw(call.db));
  if (!csv) return json_error(500, "internal", "", csv.error().message());
  http::HttpResponse reply;
  reply.content_type = "text/csv; charset=utf-8";
  reply.body = std::move(*csv);
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"hubs.csv\"");
  return reply;
}

http::HttpResponse import_csv(AdminCall& call) {
  const auto type = call.request.header("Content-Type");
  if (!type || !type->starts_with("text/csv")) {
    return json_error(415, "unsupported_media_type", "Content-Type", "send hubs.csv as text/csv");
  }
  const auto before = load_or_throw(call.db);
  auto check = check_directory(before, call.request.body());
  if (!check.data) return problems_reply(check.problems);
  storage::Transaction tx(call.db);
  auto report = storage::import_directory_in_transaction(call.db, *check.data);
  if (!report) return json_error(400, "invalid", "hubs.csv", report.error().message());
  auto audit = audit_entry(call, "hub.import", "hubs.csv");
  audit.before_sha256 = hubs_digest(before);
  audit.after_sha256 = hubs_digest(*check.data);
  storage::append_audit(call.db, audit);
  tx.commit();
  if (report->changed() && call.services.content_changed) call.services.content_changed();
  const auto& hubs =
      report->tables[6];  // countries, admin1, admin2, services, places, aliases, hubs
  boost::json::object o;
  o["hubs"] = boost::json::object{{"inserted", hubs.inserted},
                                  {"updated", hubs.updated},
                                  {"deleted", hubs.deleted},
                                  {"unchanged", hubs.unchanged}};
  o["directory_version"] = report->version_after;
  return json_reply(o);
}

}  // namespace

void add_hub_routes(std::vector<AdminRoute>& routes) {
  using M = http::Method;
  routes.push_back({M::kGet, "/admin/api/hubs", Role::kViewer,
                    "hubs, ?q= (name, place, id), ?country=, ?retired=include", list});
  routes.push_back({M::kGet, "/admin/api/hubs/{id}", Role::kViewer, "one hub", get_one});
  routes.push_back({M::kPost, "/admin/api/hubs", Role::kPublisher,
                    "create a hub (hubs.csv's columns as fields), checked as an import is",
                    create});
  routes.push_back({M::kPatch, "/admin/api/hubs/{id}", Role::kPublisher,
                    "change a hub's fields, checked as an import is; live at once", edit});
  routes.push_back({M::kPost, "/admin/api/hubs/{id}/retire", Role::kPublisher,
                    "stop offering a hub (it stays stored and exported)",
                    [](AdminCall& c) { return set_status(c, "hub.retire"); }});
  routes.push_back({M::kPost, "/admin/api/hubs/{id}/restore", Role::kPublisher,
                    "offer a retired hub again",
                    [](AdminCall& c) { return set_status(c, "hub.restore"); }});
  routes.push_back({M::kPost, "/admin/api/hubs/{id}/verify", Role::kPublisher,
                    "mark a hub verified: {date?} (default today, UTC), by the caller",
                    [](AdminCall& c) { return set_status(c, "hub.verify"); }});
  routes.push_back(
      {M::kGet, "/admin/api/hubs.csv", Role::kViewer, "hubs.csv as exported", export_csv});
  routes.push_back({M::kPut, "/admin/api/hubs.csv", Role::kPublisher,
                    "import hubs.csv (text/csv): every row checked, all or nothing, "
                    "per-row report",
                    import_csv});
}

}  // namespace ventanilla::admin
