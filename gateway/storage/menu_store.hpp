#pragma once
// Menus in SQLite (tables from data/schema/0003_sessions.sql): each version is the set of files of
// menus/ as they were imported or published, kept whole and immutable. meta.menu_version names the
// version being served; `serve` polls it and swaps its MenuSet snapshot when it changes.
//
// Files are stored as text, not exploded into rows, so `ventanilla export` writes back exactly
// what staff wrote (comments and order included) and validation has one implementation: the
// dialog component's MenuSet::build, run before anything is stored.
//
// Thread: the thread that owns `db` (a CLI verb, or a StorageWriter job). Throws SqliteError.

#include <cstdint>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct StoredMenuFile {
  std::string path;  // relative to menus/
  std::string content;
  bool operator==(const StoredMenuFile&) const = default;
};

// 0 when no menus were ever published.
std::int64_t published_menu_version(Database& db);

// The files of `version`, by path; empty when the version does not exist.
std::vector<StoredMenuFile> load_menu_files(Database& db, std::int64_t version);

struct MenuVersionRow {
  std::int64_t version = 0;
  std::int64_t created_ms = 0;
  std::string origin;  // "import", "seed", "console"
  std::string status;  // "draft", "published", "archived"
};

// Every version, newest first.
std::vector<MenuVersionRow> list_menu_versions(Database& db);

// The console's draft (status 'draft', origin 'console'; at most one): a full copy of the files,
// edited in place until it is published or discarded. 0 when there is none.
std::int64_t draft_menu_version(Database& db);

// Makes the draft from `files` (normally the published version's); returns its version number,
// taken from the same sequence as published versions.
std::int64_t create_menu_draft(Database& db, const std::vector<StoredMenuFile>& files,
                               std::int64_t now_ms);

// Sets one file of a draft (inserted when new). Only drafts are ever changed in place.
void put_draft_file(Database& db, std::int64_t draft, std::string_view path,
                    std::string_view content);

// Deletes the draft and its files.
void delete_menu_draft(Database& db, std::int64_t draft);

struct MenuPublishReport {
  std::int64_t version_before = 0;
  std::int64_t version_after = 0;
  bool changed() const noexcept { return version_after != version_before; }
};

// Stores `files` as a new published version (the previous one becomes archived), unless they are
// identical to the published version: then nothing changes. Run it inside a transaction (a
// StorageWriter job, or the caller's Transaction) so the version and its files land together.
MenuPublishReport publish_menu_files(Database& db, std::vector<StoredMenuFile> files,
                                     std::string_view origin, std::int64_t now_ms);

}  // namespace ventanilla::storage
