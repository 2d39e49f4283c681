#pragma once
// RAII SQLite connection with Ventanilla's pragmas (reliability.md §4): WAL or refuse,
// synchronous FULL by default, busy_timeout, foreign_keys, secure_delete.
//
// Thread: a Database is used by one thread at a time (opened without SQLite's per-connection
// mutex). Handing it to another thread is fine when the hand-over synchronizes (a queue, a join).
// Writes go through StorageWriter, the one write connection; readers open their own read_only
// connections. Except for open(), failures throw SqliteError.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/error.hpp"
#include "storage/statement.hpp"

struct sqlite3;

namespace ventanilla::storage {

// PRAGMA synchronous. Storage's own enum so storage does not depend on config; the app maps.
enum class Synchronous { kOff, kNormal, kFull, kExtra };

// "OFF", "NORMAL", "FULL", "EXTRA" (the spelling PRAGMA synchronous accepts).
std::string_view to_string(Synchronous s) noexcept;

struct OpenOptions {
  Synchronous synchronous = Synchronous::kFull;
  std::uint32_t busy_timeout_ms = 5'000;
  std::uint32_t wal_autocheckpoint_pages = 1'000;
  std::uint32_t cache_kib = 32 * 1024;  // per connection (PRAGMA cache_size)
  // Opens with SQLITE_OPEN_READONLY: no directory or file is created and journal_mode is only
  // checked, not set.
  bool read_only = false;
  // Name of a registered sqlite3_vfs; empty means the default. For fault-injection tests.
  std::string vfs;
};

// What the connection reports after open, for the start-up log.
struct EffectivePragmas {
  std::string journal_mode;  // "wal"
  std::string synchronous;   // "OFF", "NORMAL", "FULL" or "EXTRA"
  bool secure_delete = false;
  bool foreign_keys = false;
  std::int64_t busy_timeout_ms = 0;
  std::int64_t wal_autocheckpoint_pages = 0;

  // "journal_mode=wal synchronous=FULL secure_delete=1 foreign_keys=1 busy_timeout=5000
  // wal_autocheckpoint=1000"
  std::string describe() const;
};

// A statement from Database::cached(), checked out for one use: it is reset (bindings cleared)
// when this handle goes away, so an unfinished SELECT never keeps a read snapshot open.
class CachedStatement {
 public:
  explicit CachedStatement(Statement& statement) noexcept : statement_(&statement) {}
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement() { statement_->reset(); }

  Statement& operator*() const noexcept { return *statement_; }
  Statement* operator->() const noexcept { return statement_; }

 private:
  Statement* statement_;
};

class Database {
 public:
  // Opens (creating the file and its parent directory unless read_only) and applies the pragmas.
  // Errors: kInvalidArgument when journal_mode cannot be WAL (":memory:", some network or
  // virtual filesystems) — Ventanilla refuses such a database; kUnavailable when the file or its
  // directory cannot be opened or created, or the database is busy/locked; kInternal otherwise.
  // Error::where is the path.
  static Result<Database> open(const std::string& path, const OpenOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  bool is_open() const noexcept { return db_ != nullptr; }
  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_; }

  // Runs every statement in `sql` in order, discarding rows. Outside a transaction each statement
  // commits on its own: writes belong in a Transaction (BEGIN IMMEDIATE) or a writer job.
  void exec(std::string_view sql);

  // Exactly one statement (trailing blanks/comments allowed; a second statement throws).
  Statement prepare(std::string_view sql);

  // The connection's prepared statement for `sql`, prepared on first use and kept until the
  // Database closes: for the hot path. Do not check out the same SQL twice at once.
  CachedStatement cached(std::string_view sql);

  EffectivePragmas effective_pragmas();

  // PRAGMA integrity_check: "ok" when the database is sound, else the problems, one per line.
  std::string integrity_check();

  // PRAGMA wal_checkpoint(TRUNCATE). Returns false when readers (or another writer) kept it from
  // completing within busy_timeout; throws on I/O errors.
  bool checkpoint_truncate();

  std::int64_t changes() const noexcept;  // rows changed by the last statement
  std::int64_t last_insert_rowid() const noexcept;
  bool in_transaction() const noexcept;

 private:
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  Database(sqlite3* db, std::string path) noexcept : db_(db), path_(std::move(path)) {}
  Statement prepare_with_flags(std::string_view sql, unsigned flags);
  void close() noexcept;

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> cache_;
};

}  // namespace ventanilla::storage
