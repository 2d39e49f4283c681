#pragma once
// Whole-database copies with SQLite's online backup API: `ventanilla backup` of the live database,
// and the staging and safety copies `ventanilla restore` makes.
//
// Why one step: sqlite3_backup_step(N) in small steps restarts from page 1 whenever another
// connection writes between steps, so under steady traffic a stepped backup may never finish.
// copy_database() instead opens a read transaction on the source (a WAL snapshot: the writer keeps
// committing, it is never blocked) and copies every page of that snapshot in one
// sqlite3_backup_step(-1). The copy is therefore exactly the database as of one commit.
//
// The copy is a single self-contained file in rollback-journal mode (journal_mode=DELETE, no -wal
// beside it), so it can be moved, archived or copied alone; `serve` switches it back to WAL when it
// opens it (Database::open). It is written to a temporary file (mode 0600: the database holds
// sealed phone numbers) in the destination's directory, checked with PRAGMA integrity_check,
// fsynced, renamed into place and the directory fsynced: after a crash there is either no file
// at `destination` or a complete, checked one — never a partial copy under the final name.
//
// Thread: any; each call opens its own connections and closes them before returning.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace ventanilla::storage {

struct CopyOptions {
  // How long to wait for a lock on the source (a writer checkpointing with TRUNCATE, a restore).
  std::uint32_t busy_timeout_ms = 5'000;
  // false: an existing `destination` is an error (kAlreadyExists) and is never touched, even if
  // it appears while the copy runs. true: `destination` is replaced atomically (restore).
  bool replace_existing = false;
  // PRAGMA integrity_check on the copy before it is put in place. Restore's safety copy of the
  // database being replaced turns it off: that copy is kept whatever state it is in.
  bool check_integrity = true;
};

// What one copy holds, for the operator's summary line.
struct CopyReport {
  std::string path;                      // the destination
  std::uint64_t bytes = 0;               // size of the copy on disk
  std::int64_t pages = 0;                // pages copied
  std::int64_t schema_version = 0;       // highest schema_migrations version (0: no such table)
  std::chrono::milliseconds elapsed{0};  // from opening the source to the directory fsync
};

// Copies the SQLite database at `source` (which may be in use by a running `serve`) to a new
// file `destination`, as described above. On any error nothing is left at `destination` (unless
// it existed before) and the temporary file is removed.
//
// Errors (Error::where is the path concerned):
//   kAlreadyExists     `destination` exists and replace_existing is false
//   kNotFound          `source` does not exist, or the destination's directory does not
//   kInvalidArgument   `source` is a directory, or not a SQLite database; `destination` is a
//                      directory
//   kOutOfRange        the source is damaged or truncated (SQLITE_CORRUPT), or the copy failed
//                      PRAGMA integrity_check (the detail quotes its first lines)
//   kUnavailable       the source stayed locked for busy_timeout_ms, or an I/O error (disk full,
//                      permissions) — the detail names the system call
//   kInternal          any other SQLite failure
Result<CopyReport> copy_database(const std::string& source, const std::string& destination,
                                 const CopyOptions& options = {});

// fsync() of a directory, so a rename or unlink inside it survives a crash.
Result<void> sync_directory(const std::string& directory);

}  // namespace ventanilla::storage
