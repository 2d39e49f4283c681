#include "admin/content_service.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "dialog/text_file.hpp"
#include "storage/audit_store.hpp"

namespace ventanilla::admin {

ContentCheckResult check_content(const std::vector<dialog::MenuFile>& files,
                                 const directory::Directory* directory,
                                 const std::vector<dialog::RouteProfile>& routes) {
  auto build = dialog::MenuSet::build(files);
  ContentCheckResult result;
  result.errors = std::move(build.errors);
  result.warnings = std::move(build.warnings);
  if (!build.menus || directory == nullptr) return result;
  auto report = dialog::check_menus(*build.menus, *directory, routes);
  for (auto& e : report.errors) result.errors.push_back(std::move(e));
  for (auto& w : report.warnings) result.warnings.push_back(std::move(w));
  result.screens_checked = report.screens_checked;
  return result;
}

std::string content_etag(std::int64_t version, const std::vector<storage::StoredMenuFile>& files) {
  std::string all;
  for (const auto& f : files) {
    all += std::to_string(f.path.size()) + ":" + f.path + std::to_string(f.content.size()) + ":" +
           f.content;
  }
  return "\"v" + std::to_string(version) + "-" + storage::sha256_hex(all).substr(0, 20) + "\"";
}

std::optional<std::int64_t> resolve_version(storage::Database& db, std::string_view name) {
  if (name == "draft") {
    const auto v = storage::draft_menu_version(db);
    return v ? std::optional<std::int64_t>(v) : std::nullopt;
  }
  if (name == "published") {
    const auto v = storage::published_menu_version(db);
    return v ? std::optional<std::int64_t>(v) : std::nullopt;
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || end != name.data() + name.size() || v <= 0) return std::nullopt;
  for (const auto& row : storage::list_menu_versions(db)) {
    if (row.version == v) return v;
  }
  return std::nullopt;
}

std::optional<std::string> menu_path_problem(std::string_view path) {
  if (path == "menu.toml") return std::nullopt;
  constexpr std::string_view kTexts = "texts/";
  if (path.starts_with(kTexts) && path.ends_with(".toml")) {
    const std::string_view lang = path.substr(kTexts.size(), path.size() - kTexts.size() - 5);
    const bool plain =
        lang.size() >= 2 && lang.size() <= 3 &&
        std::all_of(lang.begin(), lang.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (plain) return std::nullopt;
  }
  return "must be menu.toml or texts/<language>.toml (2-3 lowercase letters)";
}

VersionDiff diff_versions(const std::vector<storage::StoredMenuFile>& from,
                          const std::vector<storage::StoredMenuFile>& to) {
  std::map<std::string, const std::string*> a;
  std::map<std::string, const std::string*> b;
  for (const auto& f : from) a[f.path] = &f.content;
  for (const auto& f : to) b[f.path] = &f.content;
  std::map<std::string, bool> paths;
  for (const auto& [p, c] : a) paths[p] = true;
  for (const auto& [p, c] : b) paths[p] = true;

  VersionDiff diff;
  for (const auto& [path, unused] : paths) {
    const std::string* before = a.count(path) ? a[path] : nullptr;
    const std::string* after = b.count(path) ? b[path] : nullptr;
    if (before && after && *before == *after) continue;
    std::optional<std::vector<dialog::TextEntry>> old_texts;
    std::optional<std::vector<dialog::TextEntry>> new_texts;
    if (path.starts_with("texts/")) {
      if (before) {
        if (auto t = dialog::read_text_file(*before, path)) old_texts = std::move(*t);
      } else {
        old_texts.emplace();
      }
      if (after) {
        if (auto t = dialog::read_text_file(*after, path)) new_texts = std::move(*t);
      } else {
        new_texts.emplace();
      }
    }
    if (!old_texts || !new_texts) {
      diff.files_changed.push_back(path);
      continue;
    }
    std::map<std::string, std::string> old_by_id;
    for (auto& e : *old_texts) old_by_id[e.id] = e.text;
    std::map<std::string, std::string> new_by_id;
    for (auto& e : *new_texts) new_by_id[e.id] = e.text;
    for (const auto& [id, text] : old_by_id) {
      auto it = new_by_id.find(id);
      if (it == new_by_id.end()) {
        diff.texts.push_back({path, id, text, std::nullopt});
      } else if (it->second != text) {
        diff.texts.push_back({path, id, text, it->second});
      }
    }
    for (const auto& [id, text] : new_by_id) {
      if (!old_by_id.count(id)) diff.texts.push_back({path, id, std::nullopt, text});
    }
    // Comments or layout only: still a change of bytes, so say so.
    if (diff.texts.empty() || diff.texts.back().file != path) diff.files_changed.push_back(path);
  }
  return diff;
}

}  // namespace ventanilla::admin
