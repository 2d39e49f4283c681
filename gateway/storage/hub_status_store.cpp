#include "storage/hub_status_store.hpp"

#include "storage/directory_store.hpp"

namespace ventanilla::storage {

std::map<std::string, HubStatus> load_hub_statuses(Database& db) {
  auto stmt = db.cached(
      "SELECT hub_id, retired_ms, retired_by, verified_date, verified_by FROM hub_status");
  std::map<std::string, HubStatus> out;
  while (stmt->step()) {
    HubStatus s;
    if (!stmt->is_null(1)) s.retired_ms = stmt->column_int64(1);
    s.retired_by = stmt->column_text_view(2);
    s.verified_date = stmt->column_text_view(3);
    s.verified_by = stmt->column_text_view(4);
    out.emplace(std::string(stmt->column_text_view(0)), std::move(s));
  }
  return out;
}

void set_hub_retired(Database& db, std::string_view hub_id, std::optional<std::int64_t> retired_ms,
                     std::string_view by) {
  auto stmt = db.cached(
      "INSERT INTO hub_status(hub_id, retired_ms, retired_by) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(hub_id) DO UPDATE SET retired_ms = excluded.retired_ms, "
      "retired_by = excluded.retired_by");
  stmt->bind_all(hub_id, retired_ms, by);
  stmt->run();
}

void set_hub_verified(Database& db, std::string_view hub_id, std::string_view date,
                      std::string_view by) {
  auto stmt = db.cached(
      "INSERT INTO hub_status(hub_id, verified_date, verified_by) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(hub_id) DO UPDATE SET verified_date = excluded.verified_date, "
      "verified_by = excluded.verified_by");
  stmt->bind_all(hub_id, date, by);
  stmt->run();
}

void remove_retired_hubs(Database& db, directory::DirectoryData& data) {
  // A read-only verb may open a database that serve has not migrated yet: nothing is retired.
  auto exists =
      db.cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hub_status'");
  if (!exists->step()) return;
  const auto statuses = load_hub_statuses(db);
  auto retired = [&statuses](const std::string& id) {
    const auto it = statuses.find(id);
    return it != statuses.end() && it->second.retired_ms.has_value();
  };
  std::erase_if(data.hubs, [&](const directory::Hub& h) { return retired(h.id); });
  std::erase_if(data.hub_facts, [&](const directory::HubFact& f) { return retired(f.hub_id); });
}

void bump_directory_version(Database& db) {
  const std::string next = std::to_string(directory_version(db) + 1);
  auto stmt = db.cached(
      "INSERT INTO meta(key, value) VALUES(?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  stmt->bind_all(kDirectoryVersionKey, std::string_view(next));
  stmt->run();
}

}  // namespace ventanilla::storage
