#include "storage/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace ventanilla::storage {

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Integrity problems quoted in an error: enough to recognise the damage, not a wall of text.
constexpr int kQuotedProblems = 3;

// A raw connection: copies work below Database, which insists on WAL (the copy must not be).
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  int open(const std::string& path, int flags) {
    return sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_EXRESCODE, nullptr);
  }
  // sqlite3_close (not _v2): every statement here is finalized before, so a failure is real.
  int close() noexcept { return sqlite3_close(std::exchange(db_, nullptr)); }
  sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// An SQLite failure as an Error whose code tells the operator what kind of problem it is.
Error sqlite_failure(int rc, sqlite3* db, const std::string& where, std::string_view doing) {
  const std::string text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return make_error(ErrorCode::kInvalidArgument, where, "not a SQLite database (" + text + ")");
    case SQLITE_CORRUPT:
      return make_error(ErrorCode::kOutOfRange, where,
                        "damaged or truncated SQLite database (" + text + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return make_error(ErrorCode::kUnavailable, where, std::string(doing) + ": " + text);
    default:
      return make_error(ErrorCode::kInternal, where, std::string(doing) + ": " + text);
  }
}

// Runs `sql` and returns every row's first column as text.
// `doing` names the step for an operator reading the error.
Result<std::vector<std::string>> query_column(sqlite3* db, std::string_view sql,
                                              const std::string& where, std::string_view doing) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(rc, db, where, doing);
  std::vector<std::string> rows;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    rows.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return sqlite_failure(rc, db, where, doing);
  return rows;
}

Result<void> exec(sqlite3* db, std::string_view sql, const std::string& where,
                  std::string_view doing) {
  auto rows = query_column(db, sql, where, doing);
  if (!rows) return rows.error();
  return {};
}

// The highest applied migration, read in the caller's transaction (0 without schema_migrations).
// Also the first read of the file, where a file that is not a database is recognised.
Result<std::int64_t> schema_version(sqlite3* db, const std::string& where) {
  auto has_table = query_column(
      db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      where, "reading the schema");
  if (!has_table) return has_table.error();
  if (has_table->empty() || has_table->front() == "0") return std::int64_t{0};
  auto version = query_column(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", where,
                              "reading the schema version");
  if (!version) return version.error();
  return version->empty() ? std::int64_t{0} : std::stoll(version->front());
}

// The temporary file of one copy, and the journal SQLite may leave beside it: removed unless the
// copy was renamed into place.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (path_.empty()) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  const std::string& path() const noexcept { return path_; }
  void release() noexcept { path_.clear(); }

 private:
  std::string path_;
};

Result<void> sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, path, "open: " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error(ErrorCode::kUnavailable, path, "fsync: " + errno_text(err));
  return {};
}

// rename() that fails with EEXIST instead of replacing: the check before the copy could be
// overtaken by another process creating the file meanwhile.
int rename_no_replace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // A filesystem without RENAME_NOREPLACE: link() refuses an existing name just as atomically.
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

Result<void> check_paths(const std::string& source, const std::string& destination,
                         const CopyOptions& options) {
  std::error_code ec;
  const auto source_status = fs::status(source, ec);
  if (!fs::exists(source_status)) {
    return make_error(ErrorCode::kNotFound, source, "no such file");
  }
  if (fs::is_directory(source_status)) {
    return make_error(ErrorCode::kInvalidArgument, source, "is a directory, not a database file");
  }
  if (fs::is_regular_file(source_status) && fs::file_size(source, ec) == 0 && !ec) {
    return make_error(ErrorCode::kInvalidArgument, source, "empty file, not a database");
  }
  const auto dest_status = fs::symlink_status(destination, ec);
  if (fs::is_directory(dest_status)) {
    return make_error(ErrorCode::kInvalidArgument, destination, "is a directory");
  }
  if (fs::exists(dest_status) && !options.replace_existing) {
    return make_error(ErrorCode::kAlreadyExists, destination,
                      "already exists; refusing to overwrite it (choose a new name, or a "
                      "directory to get a timestamped name)");
  }
  const auto dir = fs::path(destination).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, destination,
                      "directory " + dir.string() + " does not exist");
  }
  return {};
}

// Copies one consistent snapshot of `source` into the (empty) file `temp`; returns the report
// without path/bytes/elapsed.
Result<CopyReport> copy_snapshot(const std::string& source, const std::string& temp,
                                 const CopyOptions& options) {
  CopyReport report;
  Connection src;
  // Read-write without CREATE: a read-only connection could not open a WAL database whose -wal
  // and -shm do not exist yet. Nothing is written through it.
  int rc = src.open(source, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (rc != SQLITE_OK) return sqlite_failure(rc, src.get(), source, "open");
  sqlite3_busy_timeout(src.get(), static_cast<int>(std::min<std::uint32_t>(options.busy_timeout_ms,
                                                                           24U * 3600U * 1000U)));

  // The snapshot: every page below, and the schema version, come from this one read transaction.
  if (auto r = exec(src.get(), "BEGIN", source, "starting a read transaction"); !r)
    return r.error();
  auto version = schema_version(src.get(), source);
  if (!version) return version.error();
  report.schema_version = *version;

  Connection dst;
  rc = dst.open(temp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (rc != SQLITE_OK) return sqlite_failure(rc, dst.get(), temp, "open");
  sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
  if (backup == nullptr) {
    return sqlite_failure(sqlite3_errcode(dst.get()), dst.get(), temp, "backup");
  }
  // -1: all pages in one step, from the snapshot above (see the header for why).
  rc = sqlite3_backup_step(backup, -1);
  report.pages = sqlite3_backup_pagecount(backup);
  const int finish_rc = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    // The failing side is named by the code: NOTADB/CORRUPT/short reads are the source's.
    return sqlite_failure(rc, nullptr, source, "copying pages");
  }
  if (finish_rc != SQLITE_OK) return sqlite_failure(finish_rc, dst.get(), temp, "copying pages");
  if (auto r = exec(src.get(), "COMMIT", source, "ending the read transaction"); !r)
    return r.error();
  if (rc = src.close(); rc != SQLITE_OK) return sqlite_failure(rc, nullptr, source, "close");

  // The pages carry the source's WAL flag; the copy is one self-contained file instead.
  auto mode = query_column(dst.get(), "PRAGMA journal_mode=DELETE", temp, "setting journal_mode");
  if (!mode) return mode.error();
  if (mode->empty() || mode->front() != "delete") {
    return make_error(ErrorCode::kInternal, temp,
                      "could not switch the copy to journal_mode=DELETE (it reports '" +
                          (mode->empty() ? std::string() : mode->front()) + "')");
  }
  if (options.check_integrity) {
    auto problems = query_column(dst.get(), "PRAGMA integrity_check", temp, "checking integrity");
    if (!problems) return problems.error();
    if (problems->size() != 1 || problems->front() != "ok") {
      std::string quoted;
      for (int i = 0; i < kQuotedProblems && static_cast<std::size_t>(i) < problems->size(); ++i) {
        quoted += "\n  " + (*problems)[static_cast<std::size_t>(i)];
      }
      return make_error(ErrorCode::kOutOfRange, source,
                        "the copy fails PRAGMA integrity_check:" + quoted);
    }
  }
  if (rc = dst.close(); rc != SQLITE_OK) return sqlite_failure(rc, nullptr, temp, "close");
  return report;
}

}  // namespace

Result<void> sync_directory(const std::string& directory) {
  const std::string dir = directory.empty() ? std::string(".") : directory;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, dir, "open: " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error(ErrorCode::kUnavailable, dir, "fsync: " + errno_text(err));
  return {};
}

Result<CopyReport> copy_database(const std::string& source, const std::string& destination,
                                 const CopyOptions& options) {
  const auto started = SteadyClock::now();
  if (auto r = check_paths(source, destination, options); !r) return r.error();

  const fs::path dest_path(destination);
  const std::string dir = dest_path.parent_path().string();
  std::string pattern = (dir.empty() ? std::string() : dir + "/") + "." +
                        dest_path.filename().string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    return make_error(ErrorCode::kUnavailable, destination,
                      "creating a temporary file in " + (dir.empty() ? std::string(".") : dir) +
                          ": " + errno_text(errno));
  }
  TempFile temp(pattern);
  const int chmod_rc = ::fchmod(fd, S_IRUSR | S_IWUSR);
  const int chmod_err = errno;
  ::close(fd);
  if (chmod_rc != 0) {
    return make_error(ErrorCode::kUnavailable, temp.path(), "fchmod: " + errno_text(chmod_err));
  }

  auto report = copy_snapshot(source, temp.path(), options);
  if (!report) return report.error();
  if (auto r = sync_file(temp.path()); !r) return r.error();

  const int rename_rc = options.replace_existing
                            ? ::rename(temp.path().c_str(), destination.c_str())
                            : rename_no_replace(temp.path(), destination);
  if (rename_rc != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return make_error(ErrorCode::kAlreadyExists, destination,
                        "already exists; refusing to overwrite it");
    }
    return make_error(ErrorCode::kUnavailable, destination, "rename: " + errno_text(err));
  }
  temp.release();
  if (auto r = sync_directory(dir); !r) return r.error();

  std::error_code ec;
  report->path = destination;
  report->bytes = fs::file_size(destination, ec);
  report->elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  return report;
}

}  // namespace ventanilla::storage
