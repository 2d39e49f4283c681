#include "app/maintenance_commands.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "app/app.hpp"
#include "app/route_support.hpp"
#include "app/verb_output.hpp"
#include "config/config.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/session_store.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::app {

namespace {

namespace fs = std::filesystem;

// ventanilla-YYYYMMDDTHHMMSSZ.db: the only names --keep ever deletes.
constexpr std::string_view kBackupPrefix = "ventanilla-";
constexpr std::string_view kBackupSuffix = ".db";
constexpr std::size_t kStampLength = 16;  // YYYYMMDDTHHMMSSZ

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// "20261129T101503Z": sorts like the time it names.
std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(text.data(), n);
}

bool is_backup_name(std::string_view name) {
  if (name.size() != kBackupPrefix.size() + kStampLength + kBackupSuffix.size()) return false;
  if (!name.starts_with(kBackupPrefix) || !name.ends_with(kBackupSuffix)) return false;
  const auto stamp = name.substr(kBackupPrefix.size(), kStampLength);
  for (std::size_t i = 0; i < stamp.size(); ++i) {
    const char c = stamp[i];
    const bool ok = i == 8 ? c == 'T' : i == 15 ? c == 'Z' : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Deletes ventanilla-*.db backups in `dir` beyond the newest `keep` (by the time in the name).
// Returns the names deleted; stops at the first failure.
Result<std::vector<std::string>> prune_backups(const fs::path& dir, std::size_t keep) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_backup_name(name) && it->is_regular_file()) names.push_back(name);
  }
  if (ec) return make_error(ErrorCode::kUnavailable, dir.string(), "listing: " + ec.message());
  std::sort(names.begin(), names.end(), std::greater<>());
  std::vector<std::string> deleted;
  for (std::size_t i = keep; i < names.size(); ++i) {
    const auto path = dir / names[i];
    if (::unlink(path.c_str()) != 0) {
      return make_error(ErrorCode::kUnavailable, path.string(), "unlink: " + errno_text(errno));
    }
    deleted.push_back(path.string());
  }
  if (!deleted.empty()) {
    if (auto r = storage::sync_directory(dir.string()); !r) return r.error();
  }
  return deleted;
}

std::optional<std::size_t> parse_count(std::string_view text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_special_db_name(const std::string& path) {
  return path.empty() || path == ":memory:" || path.starts_with("file:");
}

std::int64_t newest_known_schema() {
  const auto& migrations = storage::embedded_migrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

// "<db>.before-restore-STAMP", with ".2", ".3"... when a restore in the same second took it.
std::string free_name(const std::string& base) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(base, ec))) return base;
  for (int i = 2;; ++i) {
    const std::string candidate = base + "." + std::to_string(i);
    if (!fs::exists(fs::symlink_status(candidate, ec))) return candidate;
  }
}

// When the old database cannot be read for a copy (that may be why it is being replaced), it is
// moved aside as it is: the file and its WAL together, so the pair stays consistent.
Result<void> move_aside(const std::string& db, const std::string& kept) {
  if (::rename(db.c_str(), kept.c_str()) != 0) {
    return make_error(ErrorCode::kUnavailable, db, "rename: " + errno_text(errno));
  }
  std::error_code ec;
  if (fs::exists(db + "-wal", ec) &&
      ::rename((db + "-wal").c_str(), (kept + "-wal").c_str()) != 0) {
    return make_error(ErrorCode::kUnavailable, db + "-wal", "rename: " + errno_text(errno));
  }
  return {};
}

}  // namespace

// --- DatabaseLock ------------------------------------------------------------------------------

Result<DatabaseLock> DatabaseLock::acquire(const std::string& db_path) {
  std::string path = db_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, path, "open: " + errno_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return make_error(
          ErrorCode::kUnavailable, "",
          "another ventanilla serve holds " + path + " (it is using " + db_path + ")");
    }
    return make_error(ErrorCode::kUnavailable, path, "flock: " + errno_text(err));
  }
  return DatabaseLock(fd, std::move(path));
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

DatabaseLock& DatabaseLock::operator=(DatabaseLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

// --- backup ------------------------------------------------------------------------------------

int run_backup(const CommandLine& cl) {
  constexpr std::string_view kVerb = "backup";
  if (cl.positionals.size() != 1) {
    return verb_usage_error(
        kVerb, cl.positionals.empty()
                   ? "expected the destination PATH (a new file or a directory)"
                   : "expected one PATH, got " + std::to_string(cl.positionals.size()));
  }
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  ::umask(0077);

  const std::string& target = cl.positionals.front();
  std::error_code ec;
  const bool into_directory = target.ends_with('/') || fs::is_directory(target, ec);
  std::optional<std::size_t> keep;
  if (const auto it = cl.options.find("--keep"); it != cl.options.end()) {
    keep = parse_count(it->second);
    if (!keep || *keep == 0) {
      return verb_usage_error(
          kVerb, "--keep needs a whole number of backups >= 1, got '" + it->second + "'");
    }
    if (!into_directory) {
      return verb_usage_error(
          kVerb, "--keep applies to a backup directory; " + target + " is not a directory");
    }
  }
  if (into_directory && !fs::is_directory(target, ec)) {
    return verb_failure(kVerb, target + ": directory does not exist");
  }
  const std::string destination =
      into_directory ? (fs::path(target) /
                        (std::string(kBackupPrefix) + utc_stamp() + std::string(kBackupSuffix)))
                           .string()
                     : target;

  storage::CopyOptions options;
  options.busy_timeout_ms = cfg->storage.busy_timeout_ms;
  auto report = storage::copy_database(cfg->storage.path, destination, options);
  if (!report) return verb_failure(kVerb, report.error().message());
  std::printf("backup %s: %llu bytes, %lld pages, %lld ms, schema version %lld\n",
              report->path.c_str(), static_cast<unsigned long long>(report->bytes),
              static_cast<long long>(report->pages),
              static_cast<long long>(report->elapsed.count()),
              static_cast<long long>(report->schema_version));
  if (keep) {
    auto deleted = prune_backups(fs::path(target), *keep);
    if (!deleted) return verb_failure(kVerb, "pruning old backups: " + deleted.error().message());
    for (const auto& d : *deleted) std::printf("removed old backup %s\n", d.c_str());
  }
  std::fflush(stdout);
  return kExitOk;
}

// --- restore -----------------------------------------------------------------------------------

int run_restore(const CommandLine& cl) {
  constexpr std::string_view kVerb = "restore";
  if (cl.positionals.size() != 1) {
    return verb_usage_error(
        kVerb, cl.positionals.empty()
                   ? "expected the BACKUP file to restore"
                   : "expected one BACKUP file, got " + std::to_string(cl.positionals.size()));
  }
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  ::umask(0077);
  const std::string& backup = cl.positionals.front();
  const std::string db = cfg->storage.path;
  if (is_special_db_name(db)) return verb_failure(kVerb, "storage.path '" + db + "' is not a file");
  std::error_code ec;
  const auto db_dir = fs::path(db).parent_path();
  if (!db_dir.empty()) fs::create_directories(db_dir, ec);
  if (ec)
    return verb_failure(kVerb, "cannot create directory " + db_dir.string() + ": " + ec.message());

  auto lock = DatabaseLock::acquire(db);
  if (!lock) {
    return verb_failure(kVerb, lock.error().message() +
                                   ": stop it before restoring (the database " + "is unchanged)");
  }
  const std::string unchanged = "; the current database is unchanged";

  // 1. The backup, copied next to the database and checked there.
  const std::string stamp = utc_stamp();
  const std::string staging = free_name(db + ".restoring-" + stamp);
  storage::CopyOptions options;
  options.busy_timeout_ms = cfg->storage.busy_timeout_ms;
  auto staged = storage::copy_database(backup, staging, options);
  if (!staged) return verb_failure(kVerb, "cannot restore " + staged.error().message() + unchanged);
  auto discard_staging = [&staging] { ::unlink(staging.c_str()); };
  if (staged->schema_version == 0) {
    discard_staging();
    return verb_failure(
        kVerb, backup + ": not a Ventanilla database (no schema_migrations table)" + unchanged);
  }
  if (staged->schema_version > newest_known_schema()) {
    discard_staging();
    return verb_failure(
        kVerb, fmt::format("{}: schema version {} is newer than this binary knows ({}); "
                           "restore it with the ventanilla that wrote it{}",
                           backup, staged->schema_version, newest_known_schema(), unchanged));
  }

  // 2. The current database, kept beside it.
  std::optional<std::string> kept;
  if (fs::exists(db, ec)) {
    kept = free_name(db + ".before-restore-" + stamp);
    storage::CopyOptions keep_options;
    keep_options.busy_timeout_ms = cfg->storage.busy_timeout_ms;
    keep_options.check_integrity = false;  // kept as it is, whatever state it is in
    if (auto copied = storage::copy_database(db, *kept, keep_options); !copied) {
      std::fprintf(stderr,
                   "ventanilla restore: cannot copy the current database (%s); moving it aside "
                   "as it is\n",
                   copied.error().message().c_str());
      if (auto moved = move_aside(db, *kept); !moved) {
        discard_staging();
        return verb_failure(kVerb, "cannot keep the current database: " + moved.error().message());
      }
    }
  }

  // 3. Into place. A -wal left beside the new file would be replayed onto it: gone first.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    const std::string stale = db + suffix;
    if (::unlink(stale.c_str()) != 0 && errno != ENOENT) {
      const int err = errno;
      discard_staging();
      return verb_failure(kVerb, stale + ": unlink: " + errno_text(err));
    }
  }
  if (::rename(staging.c_str(), db.c_str()) != 0) {
    const int err = errno;
    discard_staging();
    return verb_failure(kVerb, db + ": rename: " + errno_text(err) +
                                   (kept ? "; the previous database is kept as " + *kept : ""));
  }
  if (auto synced = storage::sync_directory(db_dir.string()); !synced) {
    return verb_failure(kVerb, synced.error().message());
  }
  std::printf("restored %s into %s: %llu bytes, %lld pages, schema version %lld%s\n",
              backup.c_str(), db.c_str(), static_cast<unsigned long long>(staged->bytes),
              static_cast<long long>(staged->pages), static_cast<long long>(staged->schema_version),
              kept ? ("; the previous database is kept as " + *kept).c_str()
                   : "; there was no previous database");
  std::fflush(stdout);
  return kExitOk;
}

// --- purge -------------------------------------------------------------------------------------

int run_purge(const CommandLine& cl) {
  constexpr std::string_view kVerb = "purge";
  if (!cl.positionals.empty()) {
    return verb_usage_error(kVerb, "takes no arguments, got '" + cl.positionals.front() + "'");
  }
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  ::umask(0077);
  const std::string& path = cfg->storage.path;
  std::error_code ec;
  if (is_special_db_name(path) || !fs::is_regular_file(path, ec)) {
    return verb_failure(kVerb, path + ": no database there");
  }
  auto db = storage::Database::open(path, open_options(cfg->storage));
  if (!db) return verb_failure(kVerb, db.error().message());

  // The same rule as serve's timer, over every route (see the header).
  std::chrono::milliseconds keep_sessions =
      std::max(std::chrono::seconds(cfg->ussd.session_timeout_s),
               std::chrono::seconds(cfg->ussd.resume_window_s));
  for (const auto& r : cfg->routes) {
    keep_sessions = std::max<std::chrono::milliseconds>(
        keep_sessions, std::chrono::seconds(r.conversation_timeout_s));
  }
  const std::int64_t finished_retention_ms =
      std::int64_t{cfg->outbound.finished_retention_h} * 3600 * 1000;

  const std::int64_t max_queue_age_ms = std::int64_t{cfg->outbound.max_queue_age_h} * 3600 * 1000;

  storage::PurgeReport expired;
  std::int64_t sms_parts = 0;
  std::int64_t finished = 0;
  std::int64_t unsent = 0;
  try {
    auto version = db->prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    const std::int64_t schema = version.step() ? version.column_int64(0) : 0;
    version.reset();
    if (schema != newest_known_schema()) {
      return verb_failure(kVerb, fmt::format("{}: schema version {}, this binary expects {}: run "
                                             "`ventanilla serve` with this binary once first",
                                             path, schema, newest_known_schema()));
    }
    storage::Transaction tx(*db);
    const std::int64_t now = epoch_ms();
    const std::int64_t before = sqlite3_total_changes64(db->handle());
    expired = storage::purge_expired(*db, now, keep_sessions.count());
    // purge_expired reports two of its three tables; the third is what else it changed.
    sms_parts = sqlite3_total_changes64(db->handle()) - before - expired.sessions - expired.replies;
    unsent = storage::expire_unsent(*db, now - max_queue_age_ms, now);
    finished = storage::purge_finished(*db, now - finished_retention_ms);
    tx.commit();
  } catch (const storage::SqliteError& e) {
    return verb_failure(kVerb, storage::to_error(e, path).message() + " (nothing was deleted)");
  }
  std::printf("sessions: %lld deleted\n", static_cast<long long>(expired.sessions));
  std::printf("inbound_seen (stored replies): %lld deleted\n",
              static_cast<long long>(expired.replies));
  std::printf("sms_parts: %lld deleted\n", static_cast<long long>(sms_parts));
  std::printf("outbox: %lld unsent past outbound.max_queue_age_h failed as expired\n",
              static_cast<long long>(unsent));
  std::printf("outbox (sent/failed) and delivery_reports_seen: %lld deleted\n",
              static_cast<long long>(finished));
  std::fflush(stdout);
  try {
    if (!db->checkpoint_truncate()) {
      std::printf(
          "wal checkpoint: not complete (readers busy); the server's next checkpoint finishes "
          "it\n");
      return kExitOk;
    }
  } catch (const storage::SqliteError& e) {
    return verb_failure(kVerb, "the rows are deleted, but the WAL checkpoint failed: " +
                                   storage::to_error(e, path).message());
  }
  std::printf("wal checkpoint: truncated\n");
  return kExitOk;
}

}  // namespace ventanilla::app
