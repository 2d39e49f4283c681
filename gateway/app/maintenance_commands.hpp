#pragma once
// Operator verbs for the database: `ventanilla backup`, `ventanilla restore`, `ventanilla purge`,
// and the lock that keeps a restore from pulling the database out from under a running `serve`.
//
// backup PATH [--keep N]
//         A consistent copy of the configured database, safe while `serve` runs and writes
//         (storage/backup.hpp: one read snapshot, copied in one step; the writer is not blocked).
//         PATH names a new file (an existing file is refused: exit 1), or an existing directory
//         (or a path ending in '/') in which the copy is named ventanilla-YYYYMMDDTHHMMSSZ.db
//         (UTC). With --keep N (directory only, N >= 1) older ventanilla-YYYYMMDDTHHMMSSZ.db files
//         in that directory beyond the newest N are deleted; no other file is ever touched. The
//         copy is checked with PRAGMA integrity_check (a failing copy is removed: exit 1), has
//         mode 0600 and is in rollback-journal mode: one self-contained file. Prints one line:
//         "backup PATH: B bytes, P pages, T ms, schema version V".
//
// restore BACKUP
//         Replaces the configured database with BACKUP. Refused (exit 1) while a `serve` holds
//         the database lock. BACKUP is first copied next to the database and checked there: a
//         SQLite database, integrity_check ok, with a Ventanilla schema no newer than this binary
//         knows; on any failure the current database is untouched. The current database (its WAL
//         included) is then kept as "<db>.before-restore-YYYYMMDDTHHMMSSZ" and the checked copy
//         renamed into place (stale -wal/-shm removed first, so they can never be replayed onto
//         it). There is no --force: nothing is lost, the previous database stays beside it. An
//         older schema is fine: `serve` migrates it on start.
//
// purge   Runs the retention purge once, like `serve` does on its timer, safely while `serve`
//         runs (one BEGIN IMMEDIATE transaction, waiting storage.busy_timeout_ms for the writer):
//         sessions past the longest of [ussd] session_timeout_s / resume_window_s and every
//         [[route]] conversation_timeout_s (all routes count, so it never deletes a session the
//         server would keep), stored replies past their expiry (reply_retention_h at store time),
//         orphaned SMS parts, unsent outbox messages older than outbound.max_queue_age_h (failed as
//         expired, numbers erased), and sent/failed outbox rows and delivery reports older than
//         outbound.finished_retention_h. Then PRAGMA wal_checkpoint(TRUNCATE), so the deleted
//         bytes (zeroed: secure_delete) also leave the WAL. Prints the rows deleted per table.
//
// Exit: 0 done; 1 failure, with the reason on stderr (nothing changed unless it says so); 2 bad
// usage or bad configuration.
//
// Thread: main thread.

#include <string>

#include "app/command_line.hpp"
#include "common/error.hpp"

namespace ventanilla::app {

int run_backup(const CommandLine& cl);
int run_restore(const CommandLine& cl);
int run_purge(const CommandLine& cl);

// An exclusive advisory lock (flock) on "<db path>.lock", held by `serve` for its whole life and
// by `restore` while it swaps files: a restore under a running server would leave the server
// writing to a deleted file. The lock file is created (mode 0600) and never removed (removing it
// would let two processes lock two different files of the same name). The kernel drops the lock
// when the process ends, however it ends.
class DatabaseLock {
 public:
  // Does not wait. kUnavailable "another ventanilla serve holds <path>.lock" when another
  // process holds it; kUnavailable naming the system call when the file cannot be opened.
  static Result<DatabaseLock> acquire(const std::string& db_path);

  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&& other) noexcept;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

  const std::string& path() const noexcept { return path_; }

 private:
  DatabaseLock(int fd, std::string path) noexcept : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace ventanilla::app
