// Menu content: versions, the draft (texts and whole files), checks, publish, rollback and diff.
//
// Draft changes carry If-Match with the draft's ETag: a stale one gets 412 (someone else changed
// the draft since it was read) and a missing one 428, so two staff editing at once never
// overwrite each other silently.
#include <set>

#include "admin/content_service.hpp"
#include "admin/json_fields.hpp"
#include "admin/route_groups.hpp"
#include "dialog/engine.hpp"
#include "dialog/text_file.hpp"
#include "storage/menu_store.hpp"
#include "storage/transaction.hpp"
#include "text/encoding.hpp"
#include "text/segments.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::size_t kMaxTextChars = 2000;
constexpr std::size_t kMaxFileChars = 200'000;

struct Draft {
  std::int64_t version = 0;
  std::vector<storage::StoredMenuFile> files;
  std::string etag;
};

std::optional<Draft> load_draft(storage::Database& db) {
  const std::int64_t version = storage::draft_menu_version(db);
  if (version == 0) return std::nullopt;
  Draft d{version, storage::load_menu_files(db, version), ""};
  d.etag = content_etag(version, d.files);
  return d;
}

http::HttpResponse with_etag(http::HttpResponse reply, const std::string& etag) {
  reply.headers.emplace_back("ETag", etag);
  return reply;
}

// nullopt when If-Match names the current ETag; else the 428/412 to send.
std::optional<http::HttpResponse> precondition(const AdminCall& call, const std::string& etag) {
  const auto if_match = call.request.header("If-Match");
  if (!if_match) {
    return json_error(428, "precondition_required", "If-Match",
                      "send the ETag of the draft you read");
  }
  if (*if_match != etag) {
    return with_etag(json_error(412, "precondition_failed", "If-Match",
                                "the draft changed since you read it; reload and redo the edit"),
                     etag);
  }
  return std::nullopt;
}

boost::json::object diagnostic_json(const dialog::Diagnostic& d) {
  boost::json::object o;
  o["file"] = d.file;
  o["line"] = d.line;
  o["language"] = d.language;
  o["node"] = d.node;
  o["message"] = d.message;
  o["text"] = d.to_string();
  return o;
}

boost::json::object check_json(const ContentCheckResult& r) {
  boost::json::array errors;
  for (const auto& d : r.errors) errors.push_back(diagnostic_json(d));
  boost::json::array warnings;
  for (const auto& d : r.warnings) warnings.push_back(diagnostic_json(d));
  boost::json::object o;
  o["ok"] = r.ok();
  o["errors"] = std::move(errors);
  o["warnings"] = std::move(warnings);
  o["screens_checked"] = r.screens_checked;
  return o;
}

std::vector<dialog::MenuFile> to_menu_files(const std::vector<storage::StoredMenuFile>& files) {
  std::vector<dialog::MenuFile> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back({f.path, f.content});
  return out;
}

std::optional<ContentCheckResult> run_check(const AdminCall& call,
                                            const std::vector<storage::StoredMenuFile>& files) {
  if (!call.services.directory) return std::nullopt;
  const auto directory = call.services.directory();
  return check_content(to_menu_files(files), directory.get(), call.services.routes);
}

std::string files_sha256(const std::vector<storage::StoredMenuFile>& files) {
  return storage::sha256_hex(content_etag(0, files));
}

boost::json::object draft_json(const Draft& d) {
  boost::json::array files;
  for (const auto& f : d.files) files.push_back(boost::json::value(f.path));
  boost::json::object o;
  o["version"] = d.version;
  o["etag"] = d.etag;
  o["files"] = std::move(files);
  return o;
}

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
  o["draft"] = storage::draft_menu_version(call.db);
  o["versions"] = std::move(items);
  return json_reply(o);
}

http::HttpResponse get_draft(AdminCall& call) {
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft; POST one to start editing");
  return with_etag(json_reply(draft_json(*draft)), draft->etag);
}

http::HttpResponse start_draft(AdminCall& call) {
  if (auto existing = load_draft(call.db)) {
    return with_etag(json_reply(draft_json(*existing)), existing->etag);
  }
  storage::Transaction tx(call.db);
  const std::int64_t published = storage::published_menu_version(call.db);
  if (published == 0)
    return json_error(409, "conflict", "draft", "no published menus to start from");
  const auto files = storage::load_menu_files(call.db, published);
  const std::int64_t version = storage::create_menu_draft(call.db, files, call.now_ms);
  auto audit = audit_entry(call, "content.draft", "draft:" + std::to_string(version));
  audit.before_sha256 = files_sha256(files);
  audit.after_sha256 = audit.before_sha256;
  storage::append_audit(call.db, audit);
  tx.commit();
  Draft d{version, files, content_etag(version, files)};
  return with_etag(json_reply(draft_json(d), 201), d.etag);
}

http::HttpResponse discard_draft(AdminCall& call) {
  storage::Transaction tx(call.db);
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft");
  if (auto refusal = precondition(call, draft->etag)) return std::move(*refusal);
  storage::delete_menu_draft(call.db, draft->version);
  auto audit = audit_entry(call, "content.discard", "draft:" + std::to_string(draft->version));
  audit.before_sha256 = files_sha256(draft->files);
  storage::append_audit(call.db, audit);
  tx.commit();
  return json_reply(boost::json::object{{"discarded", draft->version}});
}

http::HttpResponse get_texts(AdminCall& call) {
  const auto& lang = call.params[0];
  const std::string which = query_param(call.request, "version").value_or("published");
  const auto version = resolve_version(call.db, which);
  if (!version) return json_error(404, "not_found", "version", "no such version");
  const std::string path = "texts/" + lang + ".toml";
  const auto files = storage::load_menu_files(call.db, *version);
  const auto file =
      std::find_if(files.begin(), files.end(), [&path](const auto& f) { return f.path == path; });
  if (file == files.end()) return json_error(404, "not_found", "language", "no such language");
  auto entries = dialog::read_text_file(file->content, path);
  if (!entries) return json_error(422, "invalid", entries.error().where, entries.error().detail);
  boost::json::array texts;
  for (const auto& e : *entries) {
    texts.push_back(boost::json::object{{"id", e.id}, {"text", e.text}, {"line", e.line}});
  }
  boost::json::object o;
  o["language"] = lang;
  o["version"] = *version;
  o["texts"] = std::move(texts);
  auto reply = json_reply(o);
  if (*version == storage::draft_menu_version(call.db)) {
    return with_etag(std::move(reply), content_etag(*version, files));
  }
  return reply;
}

// One file of a version as stored: menu.toml (the nodes) or a language file, for reading before
// a whole-file edit.
http::HttpResponse get_file(AdminCall& call) {
  const auto& path = call.params[0];
  if (auto problem = menu_path_problem(path)) return json_error(400, "invalid", "path", *problem);
  const std::string which = query_param(call.request, "version").value_or("published");
  const auto version = resolve_version(call.db, which);
  if (!version) return json_error(404, "not_found", "version", "no such version");
  const auto files = storage::load_menu_files(call.db, *version);
  const auto file =
      std::find_if(files.begin(), files.end(), [&path](const auto& f) { return f.path == path; });
  if (file == files.end()) return json_error(404, "not_found", "path", "no such file");
  auto reply = json_reply(
      boost::json::object{{"path", path}, {"version", *version}, {"content", file->content}});
  if (*version == storage::draft_menu_version(call.db)) {
    return with_etag(std::move(reply), content_etag(*version, files));
  }
  return reply;
}

http::HttpResponse put_text(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto text = fields.text("text", kMaxTextChars, true, true);
  if (auto e = fields.finish()) return bad_field(*e);

  storage::Transaction tx(call.db);
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft; POST one first");
  if (auto refusal = precondition(call, draft->etag)) return std::move(*refusal);
  const std::string path = "texts/" + call.params[0] + ".toml";
  const auto file = std::find_if(draft->files.begin(), draft->files.end(),
                                 [&path](const auto& f) { return f.path == path; });
  if (file == draft->files.end())
    return json_error(404, "not_found", "language", "no such language");
  const auto& id = call.params[1];
  std::string before;
  if (auto entries = dialog::read_text_file(file->content, path)) {
    for (const auto& e : *entries) {
      if (e.id == id) before = e.text;
    }
  }
  auto edited = dialog::replace_text(file->content, path, id, *text);
  if (!edited) {
    return json_error(edited.error().code == ErrorCode::kNotFound ? 404 : 422,
                      edited.error().code == ErrorCode::kNotFound ? "not_found" : "invalid", "id",
                      edited.error().detail);
  }
  storage::put_draft_file(call.db, draft->version, path, *edited);
  auto audit = audit_entry(call, "content.text",
                           "draft:" + std::to_string(draft->version) + " " + path + " " + id);
  audit.before_sha256 = storage::sha256_hex(before);
  audit.after_sha256 = storage::sha256_hex(*text);
  storage::append_audit(call.db, audit);
  tx.commit();
  const auto now = load_draft(call.db);
  return with_etag(
      json_reply(boost::json::object{{"id", id}, {"text", *text}, {"etag", now->etag}}), now->etag);
}

http::HttpResponse put_file(AdminCall& call) {
  const auto& path = call.params[0];
  if (auto problem = menu_path_problem(path)) return json_error(400, "invalid", "path", *problem);
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto content = fields.text("content", kMaxFileChars, true, true);
  if (auto e = fields.finish()) return bad_field(*e);

  storage::Transaction tx(call.db);
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft; POST one first");
  if (auto refusal = precondition(call, draft->etag)) return std::move(*refusal);
  std::string before;
  for (const auto& f : draft->files) {
    if (f.path == path) before = f.content;
  }
  storage::put_draft_file(call.db, draft->version, path, *content);
  auto audit =
      audit_entry(call, "content.file", "draft:" + std::to_string(draft->version) + " " + path);
  audit.before_sha256 = before.empty() ? "" : storage::sha256_hex(before);
  audit.after_sha256 = storage::sha256_hex(*content);
  storage::append_audit(call.db, audit);
  tx.commit();
  const auto now = load_draft(call.db);
  return with_etag(json_reply(boost::json::object{{"path", path}, {"etag", now->etag}}), now->etag);
}

http::HttpResponse check_draft(AdminCall& call) {
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft");
  const auto result = run_check(call, draft->files);
  if (!result) return json_error(503, "unavailable", "", "content checks are not available here");
  return with_etag(json_reply(check_json(*result)), draft->etag);
}

// Publishes `files` as a new version (unless identical to the published one), audits it and
// tells the server. Runs inside the caller's transaction.
std::int64_t publish(AdminCall& call, const std::vector<storage::StoredMenuFile>& files,
                     std::string_view origin, std::string_view action) {
  const auto before = storage::load_menu_files(call.db, storage::published_menu_version(call.db));
  const auto report = storage::publish_menu_files(call.db, files, origin, call.now_ms);
  auto audit = audit_entry(call, action, "version:" + std::to_string(report.version_after));
  audit.before_sha256 = files_sha256(before);
  audit.after_sha256 = files_sha256(storage::load_menu_files(call.db, report.version_after));
  storage::append_audit(call.db, audit);
  return report.version_after;
}

http::HttpResponse publish_draft(AdminCall& call) {
  auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft to publish");
  if (auto refusal = precondition(call, draft->etag)) return std::move(*refusal);
  // The check runs before the write lock is taken: it renders thousands of screens.
  const auto result = run_check(call, draft->files);
  if (!result) return json_error(503, "unavailable", "", "content checks are not available here");
  if (!result->ok()) return json_reply(check_json(*result), 422);

  storage::Transaction tx(call.db);
  const auto again = load_draft(call.db);
  if (!again || again->etag != draft->etag) {
    return json_error(412, "precondition_failed", "If-Match", "the draft changed while checking");
  }
  const std::int64_t version = publish(call, draft->files, "console", "content.publish");
  storage::delete_menu_draft(call.db, draft->version);
  tx.commit();
  if (call.services.content_changed) call.services.content_changed();
  return json_reply(boost::json::object{{"published", version}});
}

http::HttpResponse rollback(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto version = fields.integer("version", 1, INT64_MAX);
  if (auto e = fields.finish()) return bad_field(*e);

  std::vector<std::int64_t> recent;  // published or archived, newest first
  for (const auto& v : storage::list_menu_versions(call.db)) {
    if (v.status != "draft" && recent.size() < kRollbackDepth + 1) recent.push_back(v.version);
  }
  if (std::find(recent.begin(), recent.end(), *version) == recent.end()) {
    return json_error(
        404, "not_found", "version",
        "not one of the last " + std::to_string(kRollbackDepth) + " published versions");
  }
  const auto files = storage::load_menu_files(call.db, *version);
  const auto result = run_check(call, files);
  if (!result) return json_error(503, "unavailable", "", "content checks are not available here");
  if (!result->ok()) return json_reply(check_json(*result), 422);
  storage::Transaction tx(call.db);
  const std::int64_t published =
      publish(call, files, "rollback:" + std::to_string(*version), "content.rollback");
  tx.commit();
  if (call.services.content_changed) call.services.content_changed();
  return json_reply(boost::json::object{{"published", published}, {"from", *version}});
}

http::HttpResponse diff(AdminCall& call) {
  const auto from_name = query_param(call.request, "from").value_or("published");
  const auto to_name = query_param(call.request, "to").value_or("draft");
  const auto from = resolve_version(call.db, from_name);
  if (!from) return json_error(404, "not_found", "from", "no such version");
  const auto to = resolve_version(call.db, to_name);
  if (!to) return json_error(404, "not_found", "to", "no such version");
  const auto d = diff_versions(storage::load_menu_files(call.db, *from),
                               storage::load_menu_files(call.db, *to));
  boost::json::array texts;
  for (const auto& c : d.texts) {
    boost::json::object o;
    o["file"] = c.file;
    o["id"] = c.id;
    o["before"] = c.before ? boost::json::value(*c.before) : nullptr;
    o["after"] = c.after ? boost::json::value(*c.after) : nullptr;
    texts.push_back(std::move(o));
  }
  boost::json::array files;
  for (const auto& f : d.files_changed) files.push_back(boost::json::value(f));
  boost::json::object o;
  o["from"] = *from;
  o["to"] = *to;
  o["texts"] = std::move(texts);
  o["files"] = std::move(files);
  return json_reply(o);
}

const char* effect_kind(dialog::Effect::Kind k) {
  switch (k) {
    case dialog::Effect::Kind::kRememberLanguage:
      return "remember_language";
    case dialog::Effect::Kind::kSendHubSms:
      return "send_hub_sms";
    case dialog::Effect::Kind::kOptOut:
      return "opt_out";
  }
  return "";
}

boost::json::object screen_json(std::string_view input, const dialog::StepResult& r,
                                const text::ScreenLimit& limit) {
  const bool gsm = r.screen.encoding == text::Encoding::kGsm7;
  boost::json::array effects;
  for (const auto& e : r.effects) {
    boost::json::object fx;
    fx["kind"] = effect_kind(e.kind);
    if (!e.language.empty()) fx["language"] = e.language;
    if (!e.hub_id.empty()) fx["hub_id"] = e.hub_id;
    if (!e.body.empty()) fx["sms"] = e.body;
    effects.push_back(std::move(fx));
  }
  boost::json::object o;
  o["input"] = input;
  o["text"] = r.screen.text;
  o["encoding"] = gsm ? "GSM-7" : "UCS-2";
  o["units"] = r.screen.units;
  o["limit"] = gsm ? limit.septets : limit.ucs2_units();
  o["page"] = r.screen.page + 1;
  o["page_count"] = r.screen.page_count;
  o["end"] = r.screen.end;
  o["shortened"] = r.screen.shortened;
  o["effects"] = std::move(effects);
  return o;
}

// What the console's live counter shows while staff type a text: its length as a phone receives
// it (characters; GSM-7 septets or UCS-2 units under policy auto; SMS segments), and whether the
// draft with this text still passes the checks — the errors it adds, in its language.
http::HttpResponse preview(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto language = fields.text("language", 8);
  const auto id = fields.text("id", 200);
  const auto text = fields.text("text", kMaxTextChars, true, true);
  if (auto e = fields.finish()) return bad_field(*e);
  const auto draft = load_draft(call.db);
  if (!draft) return json_error(404, "not_found", "draft", "no draft");
  const std::string path = "texts/" + *language + ".toml";
  auto files = draft->files;
  const auto file =
      std::find_if(files.begin(), files.end(), [&path](const auto& f) { return f.path == path; });
  if (file == files.end()) return json_error(404, "not_found", "language", "no such language");
  auto edited = dialog::replace_text(file->content, path, *id, *text);
  if (!edited) return json_error(404, "not_found", "id", edited.error().detail);

  const auto encoded = text::apply_policy(*text, text::EncodingPolicy::kAuto);
  const auto segments = text::count_segments(encoded);
  boost::json::object o;
  o["chars"] = text::code_points(*text);
  o["encoding"] = encoded.encoding == text::Encoding::kGsm7 ? "GSM-7" : "UCS-2";
  o["units"] = encoded.units;
  o["sms_segments"] = segments.segments;

  const auto before = run_check(call, draft->files);
  file->content = std::move(*edited);
  const auto after = run_check(call, files);
  if (!before || !after) return json_error(503, "unavailable", "", "checks are not available here");
  std::set<std::string> known;
  for (const auto& d : before->errors) known.insert(d.to_string());
  boost::json::array added;
  for (const auto& d : after->errors) {
    if (d.language == *language && !known.contains(d.to_string()))
      added.push_back(diagnostic_json(d));
  }
  o["fits"] = added.empty();
  o["errors"] = std::move(added);
  return json_reply(o);
}

// The phone simulator: a whole USSD conversation replayed over a version's content (the draft by
// default), so staff see every screen a migrant would before they publish.
http::HttpResponse simulate(AdminCall& call) {
  auto body = parse_body(call.request);
  if (!body.object) return std::move(body.error);
  JsonFields fields(*body.object);
  const auto version_name = fields.text("version", 20, false);
  const auto route_name = fields.text("route", 64, false);
  const auto language = fields.text("language", 8, false);
  const auto country = fields.text("country", 2, false);
  const auto inputs = fields.texts("inputs", 50, 40);
  if (auto e = fields.finish()) return bad_field(*e);
  if (!call.services.directory || call.services.routes.empty()) {
    return json_error(503, "unavailable", "", "the simulator needs the running server's content");
  }
  const auto directory = call.services.directory();
  if (!directory) return json_error(409, "conflict", "", "no hub directory imported yet");

  std::optional<std::int64_t> version;
  if (version_name) {
    version = resolve_version(call.db, *version_name);
  } else {
    version = resolve_version(call.db, "draft");
    if (!version) version = resolve_version(call.db, "published");
  }
  if (!version) return json_error(404, "not_found", "version", "no such version");
  auto build = dialog::MenuSet::build(to_menu_files(storage::load_menu_files(call.db, *version)));
  if (!build.menus) {
    ContentCheckResult broken;
    broken.errors = std::move(build.errors);
    return json_reply(check_json(broken), 422);
  }
  const dialog::MenuSet& menus = *build.menus;
  const dialog::RouteProfile* route = &call.services.routes.front();
  if (route_name) {
    route = nullptr;
    for (const auto& r : call.services.routes) {
      if (r.name == *route_name) route = &r;
    }
    if (route == nullptr) return json_error(400, "invalid", "route", "no such USSD route");
  }
  if (language && menus.language_index(*language) < 0) {
    return json_error(400, "invalid", "language", "not a language of this version");
  }
  if (country && directory->country(*country) == nullptr) {
    return json_error(400, "invalid", "country", "not a country of the directory");
  }
  const dialog::Context ctx{
      menus,
      *directory,
      route->screen,
      {160, text::EncodingPolicy::kGsm7},
      std::chrono::floor<std::chrono::days>(std::chrono::sys_time<std::chrono::milliseconds>(
          std::chrono::milliseconds(call.now_ms)))};
  boost::json::array screens;
  dialog::StepResult r =
      dialog::show(ctx, dialog::new_session(menus, language.value_or(""), country.value_or("")));
  screens.push_back(screen_json("", r, route->screen));
  for (const auto& input : *inputs) {
    if (r.screen.end) break;
    r = dialog::step(ctx, r.state, input);
    screens.push_back(screen_json(input, r, route->screen));
  }
  boost::json::object o;
  o["version"] = *version;
  o["route"] = route->name;
  o["screens"] = std::move(screens);
  return json_reply(o);
}

}  // namespace

void add_content_routes(std::vector<AdminRoute>& routes) {
  using M = http::Method;
  routes.push_back({M::kGet, "/admin/api/content/versions", Role::kViewer,
                    "menu versions, newest first; which is published and which is the draft",
                    list_versions});
  routes.push_back({M::kGet, "/admin/api/content/draft", Role::kViewer,
                    "the draft: version, files, ETag", get_draft});
  routes.push_back({M::kPost, "/admin/api/content/draft", Role::kEditor,
                    "start a draft from the published version (or get the one there is)",
                    start_draft});
  routes.push_back({M::kDelete, "/admin/api/content/draft", Role::kEditor,
                    "discard the draft (If-Match)", discard_draft});
  routes.push_back({M::kGet, "/admin/api/content/texts/{lang}", Role::kViewer,
                    "a language's texts in file order; ?version=published|draft|N", get_texts});
  routes.push_back({M::kGet, "/admin/api/content/files/{path}", Role::kViewer,
                    "one file of a version (menu.toml: the nodes); ?version=, path %-encoded",
                    get_file});
  routes.push_back({M::kPut, "/admin/api/content/draft/texts/{lang}/{id}", Role::kEditor,
                    "set one text of the draft: {text} (If-Match)", put_text});
  routes.push_back({M::kPut, "/admin/api/content/draft/files/{path}", Role::kEditor,
                    "replace a whole file of the draft (menu.toml: the nodes): {content} "
                    "(If-Match; path %-encoded)",
                    put_file});
  routes.push_back({M::kGet, "/admin/api/content/draft/check", Role::kViewer,
                    "`ventanilla check` on the draft: every screen, language and route",
                    check_draft});
  routes.push_back({M::kPost, "/admin/api/content/publish", Role::kPublisher,
                    "check and publish the draft, live at once (If-Match); 422 with the errors",
                    publish_draft});
  routes.push_back({M::kPost, "/admin/api/content/rollback", Role::kPublisher,
                    "publish again one of the last 10 published versions: {version}", rollback});
  routes.push_back({M::kPost, "/admin/api/content/draft/preview", Role::kViewer,
                    "the live counter: {language, id, text} → length, encoding, SMS segments and "
                    "the check errors the text would add",
                    preview});
  routes.push_back({M::kPost, "/admin/api/content/simulate", Role::kViewer,
                    "the phone simulator: {inputs[], version?, route?, language?, country?} → "
                    "every screen",
                    simulate});
  routes.push_back({M::kGet, "/admin/api/content/diff", Role::kViewer,
                    "text by text changes between ?from= and ?to= (published, draft or N)", diff});
}

}  // namespace ventanilla::admin
