#include "storage/menu_store.hpp"

#include <algorithm>
#include <charconv>

namespace ventanilla::storage {

namespace {

constexpr std::string_view kMenuVersionKey = "menu_version";

}  // namespace

std::int64_t published_menu_version(Database& db) {
  auto stmt = db.cached("SELECT value FROM meta WHERE key = ?1");
  stmt->bind(1, kMenuVersionKey);
  if (!stmt->step()) return 0;
  const std::string_view value = stmt->column_text_view(0);
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc() || end != value.data() + value.size()) return 0;
  return version;
}

std::vector<StoredMenuFile> load_menu_files(Database& db, std::int64_t version) {
  auto stmt = db.cached("SELECT path, content FROM menu_files WHERE version = ?1 ORDER BY path");
  stmt->bind(1, version);
  std::vector<StoredMenuFile> files;
  while (stmt->step()) {
    files.push_back(
        {std::string(stmt->column_text_view(0)), std::string(stmt->column_text_view(1))});
  }
  return files;
}

std::vector<MenuVersionRow> list_menu_versions(Database& db) {
  auto stmt = db.cached(
      "SELECT version, created_ms, origin, status FROM menu_versions ORDER BY version DESC");
  std::vector<MenuVersionRow> rows;
  while (stmt->step()) {
    rows.push_back({stmt->column_int64(0), stmt->column_int64(1),
                    std::string(stmt->column_text_view(2)),
                    std::string(stmt->column_text_view(3))});
  }
  return rows;
}

std::int64_t draft_menu_version(Database& db) {
  auto stmt = db.cached("SELECT version FROM menu_versions WHERE status = 'draft' LIMIT 1");
  return stmt->step() ? stmt->column_int64(0) : 0;
}

std::int64_t create_menu_draft(Database& db, const std::vector<StoredMenuFile>& files,
                               std::int64_t now_ms) {
  std::int64_t version = 1;
  {
    auto stmt = db.cached("SELECT COALESCE(MAX(version), 0) + 1 FROM menu_versions");
    stmt->step();
    version = stmt->column_int64(0);
  }
  {
    auto stmt = db.cached(
        "INSERT INTO menu_versions(version, created_ms, origin, status) "
        "VALUES(?1, ?2, 'console', 'draft')");
    stmt->bind_all(version, now_ms);
    stmt->run();
  }
  for (const auto& f : files) put_draft_file(db, version, f.path, f.content);
  return version;
}

void put_draft_file(Database& db, std::int64_t draft, std::string_view path,
                    std::string_view content) {
  auto stmt = db.cached(
      "INSERT INTO menu_files(version, path, content) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(version, path) DO UPDATE SET content = excluded.content");
  stmt->bind_all(draft, path, content);
  stmt->run();
}

void delete_menu_draft(Database& db, std::int64_t draft) {
  {
    auto stmt = db.cached("DELETE FROM menu_files WHERE version = ?1");
    stmt->bind(1, draft);
    stmt->run();
  }
  auto stmt = db.cached("DELETE FROM menu_versions WHERE version = ?1 AND status = 'draft'");
  stmt->bind(1, draft);
  stmt->run();
}

MenuPublishReport publish_menu_files(Database& db, std::vector<StoredMenuFile> files,
                                     std::string_view origin, std::int64_t now_ms) {
  std::sort(files.begin(), files.end(),
            [](const StoredMenuFile& a, const StoredMenuFile& b) { return a.path < b.path; });
  MenuPublishReport report;
  report.version_before = published_menu_version(db);
  report.version_after = report.version_before;
  if (report.version_before != 0 && load_menu_files(db, report.version_before) == files) {
    return report;
  }
  std::int64_t version = 1;
  {
    auto stmt = db.cached("SELECT COALESCE(MAX(version), 0) + 1 FROM menu_versions");
    stmt->step();
    version = stmt->column_int64(0);
  }
  {
    auto stmt =
        db.cached("UPDATE menu_versions SET status = 'archived' WHERE status = 'published'");
    stmt->run();
  }
  {
    auto stmt = db.cached(
        "INSERT INTO menu_versions(version, created_ms, origin, status) "
        "VALUES(?1, ?2, ?3, 'published')");
    stmt->bind_all(version, now_ms, origin);
    stmt->run();
  }
  for (const auto& f : files) {
    auto stmt = db.cached("INSERT INTO menu_files(version, path, content) VALUES(?1, ?2, ?3)");
    stmt->bind_all(version, std::string_view(f.path), std::string_view(f.content));
    stmt->run();
  }
  {
    const std::string value = std::to_string(version);
    auto stmt = db.cached(
        "INSERT INTO meta(key, value) VALUES(?1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    stmt->bind_all(kMenuVersionKey, std::string_view(value));
    stmt->run();
  }
  report.version_after = version;
  return report;
}

}  // namespace ventanilla::storage
