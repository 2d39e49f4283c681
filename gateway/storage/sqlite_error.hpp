#pragma once
// How SQLite failures travel inside storage.
//
// Inside this component (Database, Statement, Transaction, write jobs) a failing SQLite call throws
// SqliteError: write jobs are straight-line code with many calls, and an exception unwinds them
// through the RAII transaction/savepoint guards without a check after every line. The boundaries
// (Database::open, apply_migrations, StorageWriter completions) convert to Result/Error with
// to_error(), so nothing outside storage needs to catch SqliteError.
//
// Messages hold SQLite's error text and the first line of the failing SQL, never bound values.

#include <stdexcept>
#include <string>
#include <string_view>

#include "common/error.hpp"

struct sqlite3;

namespace ventanilla::storage {

class SqliteError : public std::runtime_error {
 public:
  // `code` is an extended result code (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_FSYNC, ...).
  SqliteError(int code, const std::string& message);

  int code() const noexcept { return code_; }
  int primary_code() const noexcept { return code_ & 0xff; }

  bool is_busy() const noexcept;   // SQLITE_BUSY or SQLITE_LOCKED (any extended variant)
  bool is_full() const noexcept;   // SQLITE_FULL: disk or quota full
  bool is_ioerr() const noexcept;  // SQLITE_IOERR (any extended variant)
  // Busy, full or I/O error: the same write may succeed later without any change.
  bool is_transient() const noexcept { return is_busy() || is_full() || is_ioerr(); }

 private:
  int code_;
};

// kUnavailable for transient failures (and SQLITE_CANTOPEN/READONLY), kInternal otherwise.
// `where` names the operation for a human ("storage writer", "migration 2 (sessions)").
Error to_error(const SqliteError& e, std::string where);

// The first non-blank, non-comment line of `sql`, cut at 120 bytes: what error messages quote.
std::string_view first_sql_line(std::string_view sql) noexcept;

namespace detail {
// Throws SqliteError for `code` with the connection's error text and the first line of `sql`.
[[noreturn]] void throw_sqlite(sqlite3* db, int code, std::string_view sql);
}  // namespace detail

}  // namespace ventanilla::storage
