#include "storage/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <system_error>

#include "storage/sqlite_error.hpp"

namespace ventanilla::storage {

namespace {

int checked_size(std::string_view sql) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    throw SqliteError(SQLITE_TOOBIG, "SQL text too long");
  }
  return static_cast<int>(sql.size());
}

bool is_special_name(const std::string& path) {
  return path.empty() || path == ":memory:" || path.starts_with("file:");
}

std::string query_text(Database& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.column_text(0) : std::string();
}

std::int64_t query_int(Database& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.column_int64(0) : 0;
}

}  // namespace

std::string_view to_string(Synchronous s) noexcept {
  switch (s) {
    case Synchronous::kOff:
      return "OFF";
    case Synchronous::kNormal:
      return "NORMAL";
    case Synchronous::kFull:
      return "FULL";
    case Synchronous::kExtra:
      return "EXTRA";
  }
  return "FULL";
}

std::string EffectivePragmas::describe() const {
  std::string out = "journal_mode=" + journal_mode;
  out += " synchronous=" + synchronous;
  out += secure_delete ? " secure_delete=1" : " secure_delete=0";
  out += foreign_keys ? " foreign_keys=1" : " foreign_keys=0";
  out += " busy_timeout=" + std::to_string(busy_timeout_ms);
  out += " wal_autocheckpoint=" + std::to_string(wal_autocheckpoint_pages);
  return out;
}

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
  if (!options.read_only && !is_special_name(path)) {
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return make_error(ErrorCode::kUnavailable, path,
                        "cannot create directory " + parent.string() + ": " + ec.message());
    }
  }

  // NOMUTEX: a connection is never used by two threads at once (see header), so SQLite's
  // per-connection mutex would be pure overhead on every call.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags,
                                 options.vfs.empty() ? nullptr : options.vfs.c_str());
  // SQLite hands back a handle even on failure; owning it at once closes it on every path.
  Database db(raw, path);
  try {
    if (rc != SQLITE_OK) detail::throw_sqlite(raw, rc, {});
    sqlite3_extended_result_codes(raw, 1);
    // First, so that switching to WAL waits for other connections instead of failing at once.
    sqlite3_busy_timeout(
        raw, static_cast<int>(std::min<std::uint32_t>(options.busy_timeout_ms, INT_MAX)));

    // A read-only connection cannot change the mode, so it only checks it.
    auto mode =
        query_text(db, options.read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode=WAL");
    std::transform(mode.begin(), mode.end(), mode.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (mode != "wal") {
      return make_error(ErrorCode::kInvalidArgument, path,
                        "journal_mode is '" + mode +
                            "', not 'wal': refusing a database where WAL cannot be enabled "
                            "(in-memory database, network or unsupported filesystem?)");
    }

    std::string pragmas = "PRAGMA synchronous=";
    pragmas += to_string(options.synchronous);
    pragmas += ";\nPRAGMA foreign_keys=ON;\nPRAGMA secure_delete=ON;\nPRAGMA wal_autocheckpoint=";
    pragmas += std::to_string(options.wal_autocheckpoint_pages);
    // A page cache big enough for the hot tables (sessions, stored replies, subscribers) keeps
    // each hop's reads out of the kernel: the default 2 MiB made every hop pread WAL pages.
    pragmas += ";\nPRAGMA cache_size=-";
    pragmas += std::to_string(options.cache_kib);
    db.exec(pragmas);
  } catch (const SqliteError& e) {
    return to_error(e, path);
  }
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Database::~Database() { close(); }

void Database::close() noexcept {
  cache_.clear();
  // close_v2 defers the close if a Statement outlived its Database, instead of leaking it.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Database::exec(std::string_view sql) {
  while (!sql.empty()) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), checked_size(sql), &raw, &tail);
    if (rc != SQLITE_OK) detail::throw_sqlite(db_, rc, sql);
    if (raw == nullptr) break;  // only blanks or comments were left
    Statement stmt(raw);
    while (stmt.step()) {
    }
    sql.remove_prefix(static_cast<std::size_t>(tail - sql.data()));
  }
}

Statement Database::prepare(std::string_view sql) { return prepare_with_flags(sql, 0); }

Statement Database::prepare_with_flags(std::string_view sql, unsigned flags) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), checked_size(sql), flags, &raw, &tail);
  if (rc != SQLITE_OK) detail::throw_sqlite(db_, rc, sql);
  if (raw == nullptr) throw SqliteError(SQLITE_MISUSE, "empty SQL statement");
  Statement stmt(raw);

  // SQLite silently ignores everything after the first statement; a forgotten second statement
  // is a bug we would rather hear about here.
  const auto rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_stmt* extra = nullptr;
    const int rc2 = sqlite3_prepare_v2(db_, rest.data(), checked_size(rest), &extra, nullptr);
    sqlite3_finalize(extra);
    if (rc2 != SQLITE_OK || extra != nullptr) {
      throw SqliteError(SQLITE_MISUSE,
                        "more than one SQL statement in: " + std::string(first_sql_line(sql)));
    }
  }
  return stmt;
}

CachedStatement Database::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), prepare_with_flags(sql, SQLITE_PREPARE_PERSISTENT)).first;
  }
  return CachedStatement(it->second);
}

EffectivePragmas Database::effective_pragmas() {
  EffectivePragmas p;
  p.journal_mode = query_text(*this, "PRAGMA journal_mode");
  const auto sync = query_int(*this, "PRAGMA synchronous");
  p.synchronous = sync >= 0 && sync <= 3 ? std::string(to_string(static_cast<Synchronous>(sync)))
                                         : std::to_string(sync);
  p.secure_delete = query_int(*this, "PRAGMA secure_delete") != 0;
  p.foreign_keys = query_int(*this, "PRAGMA foreign_keys") != 0;
  p.busy_timeout_ms = query_int(*this, "PRAGMA busy_timeout");
  p.wal_autocheckpoint_pages = query_int(*this, "PRAGMA wal_autocheckpoint");
  return p;
}

std::string Database::integrity_check() {
  auto stmt = prepare("PRAGMA integrity_check");
  std::string out;
  while (stmt.step()) {
    if (!out.empty()) out += '\n';
    out += stmt.column_text_view(0);
  }
  return out;
}

bool Database::checkpoint_truncate() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc == SQLITE_OK) return true;
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return false;
  detail::throw_sqlite(db_, rc, "PRAGMA wal_checkpoint(TRUNCATE)");
}

std::int64_t Database::changes() const noexcept { return sqlite3_changes64(db_); }

std::int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace ventanilla::storage
