#pragma once
// The hub directory and gazetteer in SQLite (tables from data/schema/0002_directory.sql).
//
// import_directory() makes the tables mirror a DirectoryData: rows are matched by primary key,
// inserted, updated (any column or their file position changed) or deleted (no longer in the
// data), all inside one BEGIN IMMEDIATE transaction, so a reader sees the old directory or the new
// one, never a mix, and a failed import changes nothing. meta.directory_version goes up by one
// when anything changed, and only then.
//
// Thread: the thread that owns `db` (at start-up, in a CLI verb, or inside a StorageWriter job);
// the database must already be at the current schema (apply_migrations).

#include <array>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "directory/records.hpp"
#include "storage/database.hpp"

namespace ventanilla::storage {

inline constexpr std::string_view kDirectoryVersionKey = "directory_version";

struct TableCounts {
  std::string_view table;  // "places"
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t deleted = 0;
  std::int64_t unchanged = 0;  // same content; includes `moved`
  std::int64_t moved = 0;      // same content, new position in the file (rewritten for order)

  std::int64_t rows() const noexcept { return inserted + updated + unchanged; }
  bool changed() const noexcept { return inserted + updated + deleted + moved != 0; }
};

// Tables in the order they are listed: countries, admin1, admin2, services, places, aliases, hubs,
// hub_services, hub_facts.
inline constexpr std::size_t kDirectoryTableCount = 9;

struct ImportReport {
  std::array<TableCounts, kDirectoryTableCount> tables;
  std::int64_t version_before = 0;
  std::int64_t version_after = 0;  // version_before + 1 when anything changed

  bool changed() const noexcept { return version_after != version_before; }
};

// Upserts `data` (which should come from load_directory_files: this checks keys, not content).
// Errors, with the database unchanged:
//   kInvalidArgument  two rows with the same key, or a row SQLite rejects (a foreign key to a
//                     country/admin1/place/hub/service that is not in the data, a CHECK);
//   kUnavailable      busy past busy_timeout, disk full, I/O error;
//   kInternal         anything else SQLite reports (e.g. the schema is missing).
Result<ImportReport> import_directory(Database& db, const directory::DirectoryData& data);

// The same inside the caller's open transaction (an admin edit commits it with its audit row).
// On an error the caller rolls back.
Result<ImportReport> import_directory_in_transaction(Database& db,
                                                     const directory::DirectoryData& data);

// What import_directory() would report, without writing (works on a read-only connection).
Result<ImportReport> plan_directory_import(Database& db, const directory::DirectoryData& data);

// Everything back, each table in file order, Admin1::display_name and Hub::services filled in.
// Errors: kUnavailable / kInternal as above.
Result<directory::DirectoryData> load_directory(Database& db);

// True when no country, place or hub is stored (nothing was ever imported). Throws SqliteError.
bool directory_is_empty(Database& db);

// meta.directory_version: 0 before the first import (or if the stored value is not an integer).
// Cheap enough to poll: a server compares it with the version of its snapshot to know when to
// reload. Throws SqliteError.
std::int64_t directory_version(Database& db);

}  // namespace ventanilla::storage
