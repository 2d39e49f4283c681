#include "storage/sqlite_error.hpp"

#include <sqlite3.h>

#include <utility>

namespace ventanilla::storage {

SqliteError::SqliteError(int code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

bool SqliteError::is_busy() const noexcept {
  return primary_code() == SQLITE_BUSY || primary_code() == SQLITE_LOCKED;
}

bool SqliteError::is_full() const noexcept { return primary_code() == SQLITE_FULL; }

bool SqliteError::is_ioerr() const noexcept { return primary_code() == SQLITE_IOERR; }

Error to_error(const SqliteError& e, std::string where) {
  const int primary = e.primary_code();
  const bool unavailable =
      e.is_transient() || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY;
  return make_error(unavailable ? ErrorCode::kUnavailable : ErrorCode::kInternal, std::move(where),
                    e.what());
}

std::string_view first_sql_line(std::string_view sql) noexcept {
  constexpr std::size_t kMaxQuoted = 120;
  constexpr std::string_view kBlank = " \t\r\n";
  for (;;) {
    const auto start = sql.find_first_not_of(kBlank);
    if (start == std::string_view::npos) return {};
    sql.remove_prefix(start);
    if (!sql.starts_with("--")) break;
    const auto eol = sql.find('\n');
    if (eol == std::string_view::npos) return {};
    sql.remove_prefix(eol + 1);
  }
  auto line = sql.substr(0, sql.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return line.substr(0, kMaxQuoted);
}

namespace detail {

void throw_sqlite(sqlite3* db, int code, std::string_view sql) {
  // sqlite3_errmsg describes the most recent failure on this connection, which is `code` as long
  // as we are called straight after the failing call; fall back to the generic text otherwise.
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : code;
  const int reported = (extended & 0xff) == (code & 0xff) ? extended : code;
  std::string message =
      db != nullptr && reported == extended ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  message += " (sqlite ";
  message += std::to_string(reported);
  message += ')';
  const auto line = first_sql_line(sql);
  if (!line.empty()) {
    message += " in: ";
    message += line;
  }
  throw SqliteError(reported, message);
}

}  // namespace detail

}  // namespace ventanilla::storage
