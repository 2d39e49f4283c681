// Translations as gettext PO files, for Poedit and Weblate: export a language of any version,
// import a translated file into the draft. Translator comments survive the round trip (kept in
// translation_notes), and an entry whose Spanish source changed since it was translated is
// exported fuzzy with the old source as "#| msgid" — and refused on import until reviewed.
#include <algorithm>
#include <map>
#include <set>

#include "admin/content_service.hpp"
#include "admin/json_fields.hpp"
#include "admin/po_file.hpp"
#include "admin/route_groups.hpp"
#include "carriers/field_checks.hpp"
#include "dialog/text_file.hpp"
#include "storage/menu_store.hpp"
#include "storage/transaction.hpp"
#include "storage/translation_store.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::string_view kReferenceLanguage = "es";

const storage::StoredMenuFile* find_file(const std::vector<storage::StoredMenuFile>& files,
                                         const std::string& path) {
  const auto it =
      std::find_if(files.begin(), files.end(), [&path](const auto& f) { return f.path == path; });
  return it == files.end() ? nullptr : &*it;
}

std::string texts_path(std::string_view lang) { return "texts/" + std::string(lang) + ".toml"; }

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const auto nl = s.find('\n', start);
    out.push_back(s.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

http::HttpResponse export_po(AdminCall& call) {
  const std::string& lang = call.params[0];
  const auto version =
      resolve_version(call.db, query_param(call.request, "version").value_or("published"));
  if (!version) return json_error(404, "not_found", "version", "no such version");
  const auto files = storage::load_menu_files(call.db, *version);
  const auto* reference = find_file(files, texts_path(kReferenceLanguage));
  const auto* target = find_file(files, texts_path(lang));
  if (reference == nullptr || target == nullptr) {
    return json_error(404, "not_found", "language", "no such language in this version");
  }
  auto ref_entries = dialog::read_text_file(reference->content, reference->path);
  auto target_entries = dialog::read_text_file(target->content, target->path);
  if (!ref_entries || !target_entries) {
    return json_error(422, "invalid", "language", "a texts file of this version is not valid TOML");
  }
  std::map<std::string, std::string> translated;
  for (auto& e : *target_entries) translated[e.id] = std::move(e.text);
  const auto notes = storage::load_translation_notes(call.db, lang);

  PoFile po;
  po.header =
      "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nLanguage: " +
      lang + "\nProject-Id-Version: Ventanilla menus version " + std::to_string(*version) +
      "\nX-Generator: ventanilla\n";
  for (const auto& ref : *ref_entries) {
    PoEntry e;
    e.context = ref.id;
    e.msgid = ref.text;
    e.msgstr = translated.count(ref.id) ? translated[ref.id] : "";
    e.references.push_back(reference->path + ":" + std::to_string(ref.line));
    if (const auto note = notes.find(ref.id); note != notes.end()) {
      e.translator_comments = split_lines(note->second.comments);
      if (note->second.source_text != ref.text) {
        e.flags.emplace_back("fuzzy");
        e.previous_msgid = note->second.source_text;
      }
    }
    po.entries.push_back(std::move(e));
  }
  http::HttpResponse reply;
  reply.status = 200;
  reply.content_type = "text/x-gettext-translation; charset=utf-8";
  reply.body = write_po(po);
  reply.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"ventanilla-" + lang + ".po\"");
  return reply;
}

struct Problem {
  std::string id;
  std::uint32_t line;
  std::string reason;
};

boost::json::array problems_json(const std::vector<Problem>& problems) {
  boost::json::array out;
  for (const auto& p : problems) {
    out.push_back(boost::json::object{{"id", p.id}, {"line", p.line}, {"reason", p.reason}});
  }
  return out;
}

http::HttpResponse import_po(AdminCall& call) {
  const std::string& lang = call.params[0];
  const auto type = call.request.header("Content-Type");
  if (!type || !(type->starts_with("text/x-gettext-translation") ||
                 type->starts_with("text/plain") || type->starts_with("application/x-po"))) {
    return json_error(415, "unsupported_media_type", "Content-Type",
                      "send the PO file as text/x-gettext-translation");
  }
  if (!carriers::valid_utf8(call.request.body())) {
    return json_error(400, "invalid", "body", "not valid UTF-8 (save the PO file as UTF-8)");
  }
  const std::string po_name = lang + ".po";
  auto po = parse_po(call.request.body(), po_name);
  if (!po) return json_error(400, "invalid", po.error().where, po.error().detail);
  if (const auto at = po->header.find("Language: "); at != std::string::npos) {
    const auto end = po->header.find('\n', at);
    const std::string declared = po->header.substr(at + 10, end - at - 10);
    if (!declared.empty() && declared != lang && !declared.starts_with(lang + "_")) {
      return json_error(400, "invalid", "Language",
                        "the file is for '" + declared.substr(0, 16) + "', not '" + lang + "'");
    }
  }

  storage::Transaction tx(call.db);
  const std::int64_t draft = storage::draft_menu_version(call.db);
  if (draft == 0) return json_error(404, "not_found", "draft", "no draft; POST one first");
  const auto files = storage::load_menu_files(call.db, draft);
  const std::string etag = content_etag(draft, files);
  const auto if_match = call.request.header("If-Match");
  if (!if_match) {
    return json_error(428, "precondition_required", "If-Match", "send the draft's ETag");
  }
  if (*if_match != etag) {
    auto reply = json_error(412, "precondition_failed", "If-Match", "the draft changed");
    reply.headers.emplace_back("ETag", etag);
    return reply;
  }
  const auto* reference = find_file(files, texts_path(kReferenceLanguage));
  const auto* target = find_file(files, texts_path(lang));
  if (reference == nullptr || target == nullptr) {
    return json_error(404, "not_found", "language", "no such language in the draft");
  }
  std::map<std::string, std::string> source;
  for (auto& e : *dialog::read_text_file(reference->content, reference->path)) {
    source[e.id] = std::move(e.text);
  }
  std::map<std::string, std::string> current;
  for (auto& e : *dialog::read_text_file(target->content, target->path)) {
    current[e.id] = std::move(e.text);
  }

  std::vector<Problem> errors;
  std::vector<Problem> skipped;
  std::set<std::string> seen;
  std::string content = target->content;
  std::size_t applied = 0;
  std::size_t unchanged = 0;
  std::vector<std::pair<std::string, storage::TranslationNote>> notes;
  for (const auto& e : po->entries) {
    if (e.context.empty()) {
      errors.push_back({"", e.line, "no msgctxt: every entry names its message id there"});
      continue;
    }
    if (!seen.insert(e.context).second) {
      errors.push_back({e.context, e.line, "the same message id twice"});
      continue;
    }
    const auto src = source.find(e.context);
    if (src == source.end() || !current.count(e.context)) {
      errors.push_back({e.context, e.line, "no such message id"});
      continue;
    }
    if (e.msgstr.empty()) {
      skipped.push_back({e.context, e.line, "untranslated"});
      continue;
    }
    if (auto problem = text_problem(e.msgstr, true)) {
      errors.push_back({e.context, e.line, "msgstr " + *problem});
      continue;
    }
    if (e.fuzzy()) {
      skipped.push_back({e.context, e.line, "fuzzy: review it in your tool, then import again"});
      continue;
    }
    if (e.msgid != src->second) {
      skipped.push_back(
          {e.context, e.line, "the Spanish source changed since this file was exported"});
      continue;
    }
    notes.push_back({e.context, {join_lines(e.translator_comments), e.msgid}});
    if (current[e.context] == e.msgstr) {
      ++unchanged;
      continue;
    }
    auto edited = dialog::replace_text(content, target->path, e.context, e.msgstr);
    if (!edited) {
      errors.push_back({e.context, e.line, edited.error().detail});
      continue;
    }
    content = std::move(*edited);
    ++applied;
  }
  if (!errors.empty()) {
    boost::json::object o;
    o["error"] = "invalid";
    o["field"] = "body";
    o["detail"] =
        std::to_string(errors.size()) + " entries cannot be imported; nothing was changed";
    o["problems"] = problems_json(errors);
    return json_reply(o, 400);
  }
  if (applied > 0) storage::put_draft_file(call.db, draft, target->path, content);
  for (const auto& [id, note] : notes) {
    storage::put_translation_note(call.db, lang, id, note, call.now_ms);
  }
  auto audit = audit_entry(call, "content.translations",
                           "draft:" + std::to_string(draft) + " " + target->path);
  audit.before_sha256 = storage::sha256_hex(target->content);
  audit.after_sha256 = storage::sha256_hex(content);
  storage::append_audit(call.db, audit);
  tx.commit();
  const std::string new_etag = content_etag(draft, storage::load_menu_files(call.db, draft));
  boost::json::object o;
  o["applied"] = applied;
  o["unchanged"] = unchanged;
  o["skipped"] = problems_json(skipped);
  o["etag"] = new_etag;
  auto reply = json_reply(o);
  reply.headers.emplace_back("ETag", new_etag);
  return reply;
}

}  // namespace

void add_translation_routes(std::vector<AdminRoute>& routes) {
  routes.push_back({http::Method::kGet, "/admin/api/translations/{lang}", Role::kViewer,
                    "a language as a gettext PO file (msgctxt = message id, msgid = Spanish); "
                    "?version=published|draft|N",
                    export_po});
  routes.push_back({http::Method::kPut, "/admin/api/content/draft/translations/{lang}",
                    Role::kEditor,
                    "import a translated PO file into the draft (If-Match); all or nothing, "
                    "with a per-entry report",
                    import_po});
}

}  // namespace ventanilla::admin
