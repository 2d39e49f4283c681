#include "storage/migrations.hpp"

#include <openssl/evp.h>

#include <array>
#include <map>
#include <optional>
#include <stdexcept>

#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::storage {

namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  version    INTEGER PRIMARY KEY,\n"
    "  name       TEXT NOT NULL,\n"
    "  checksum   TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL\n"
    ")";
constexpr std::string_view kSelectApplied =
    "SELECT version, checksum FROM schema_migrations ORDER BY version";
constexpr std::string_view kSelectOne = "SELECT checksum FROM schema_migrations WHERE version = ?1";
constexpr std::string_view kInsert =
    "INSERT INTO schema_migrations (version, name, checksum, applied_at)\n"
    "VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

std::string where_of(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
}

Error checksum_mismatch(const Migration& m) {
  return make_error(ErrorCode::kInvalidArgument, where_of(m),
                    "the SQL differs from the one applied to this database (checksum mismatch); "
                    "edit schema with a new migration, never an applied one");
}

// Everything that must hold before anything is applied: a newer or foreign database is refused
// whole, not after applying half of the pending migrations.
std::optional<Error> verify(const std::map<std::int64_t, std::string>& applied,
                            const std::vector<Migration>& migrations) {
  std::map<std::int64_t, const Migration*> known;
  for (const auto& m : migrations) known.emplace(m.version, &m);
  const std::int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
  const std::int64_t newest_applied = applied.empty() ? 0 : applied.rbegin()->first;

  if (newest_applied > newest_known) {
    return make_error(ErrorCode::kOutOfRange, "migration " + std::to_string(newest_applied),
                      "the database has schema version " + std::to_string(newest_applied) +
                          " but this binary knows only up to " + std::to_string(newest_known) +
                          "; run a newer binary");
  }
  for (const auto& [version, checksum] : applied) {
    const auto it = known.find(version);
    if (it == known.end()) {
      return make_error(ErrorCode::kInvalidArgument, "migration " + std::to_string(version),
                        "applied to the database but unknown to this binary");
    }
    if (checksum != migration_checksum(it->second->sql)) return checksum_mismatch(*it->second);
  }
  for (const auto& m : migrations) {
    if (m.version < newest_applied && !applied.contains(m.version)) {
      return make_error(ErrorCode::kInvalidArgument, where_of(m),
                        "not applied, but the newer migration " + std::to_string(newest_applied) +
                            " is; migrations must be added in order");
    }
  }
  return std::nullopt;
}

Error migration_failed(const SqliteError& e, const Migration& m) {
  Error error = to_error(e, where_of(m));
  error.detail = "not applied, database left at the previous version: " + error.detail;
  return error;
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(sql.data(), sql.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

Result<MigrationReport> apply_migrations(Database& db, const std::vector<Migration>& migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version < 1 ||
        (i > 0 && migrations[i].version <= migrations[i - 1].version)) {
      return make_error(ErrorCode::kInvalidArgument, where_of(migrations[i]),
                        "migration versions must be >= 1 and strictly ascending");
    }
  }

  std::map<std::int64_t, std::string> applied;
  try {
    Transaction txn(db);
    db.exec(kCreateTable);
    auto select = db.prepare(kSelectApplied);
    while (select.step()) applied.emplace(select.column_int64(0), select.column_text(1));
    txn.commit();
  } catch (const SqliteError& e) {
    return to_error(e, "schema_migrations");
  }
  if (auto error = verify(applied, migrations)) return std::move(*error);

  MigrationReport report;
  report.version = applied.empty() ? 0 : applied.rbegin()->first;
  for (const auto& m : migrations) {
    if (applied.contains(m.version)) continue;
    const std::string checksum = migration_checksum(m.sql);
    try {
      Transaction txn(db);
      // Another process may have applied it between the read above and this write lock.
      auto existing = db.prepare(kSelectOne);
      existing.bind(1, m.version);
      if (existing.step()) {
        if (existing.column_text_view(0) != checksum) return checksum_mismatch(m);
        report.version = m.version;
        continue;
      }
      db.exec(m.sql);
      auto insert = db.prepare(kInsert);
      insert.bind_all(m.version, m.name, checksum);
      insert.run();
      txn.commit();
    } catch (const SqliteError& e) {
      return migration_failed(e, m);
    }
    report.applied.push_back(m.version);
    report.version = m.version;
  }
  return report;
}

}  // namespace ventanilla::storage
