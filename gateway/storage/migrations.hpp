#pragma once
// Numbered schema migrations. The SQL lives in data/schema/NNNN_name.sql and is compiled into the
// binary (cmake/embed_migrations.cmake), so a binary always carries the schema it expects.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "storage/database.hpp"

namespace ventanilla::storage {

struct Migration {
  std::int64_t version;
  std::string_view name;
  std::string_view sql;  // one or more statements; no BEGIN/COMMIT (the runner owns the txn)
};

// The migrations from data/schema, sorted by version. Defined in generated code.
const std::vector<Migration>& embedded_migrations();

struct MigrationReport {
  std::vector<std::int64_t> applied;  // versions applied by this call, ascending
  std::int64_t version = 0;           // schema version afterwards (0: no migration at all)
};

// Brings `db` up to the newest of `migrations` (sorted by strictly ascending version >= 1).
// Bookkeeping lives in schema_migrations(version, name, checksum, applied_at). Each pending
// migration runs in its own BEGIN IMMEDIATE transaction together with its schema_migrations row,
// so a failure leaves the database at the previous version. Idempotent.
//
// Errors (the database keeps the last version that fully applied):
//   kInvalidArgument  `migrations` out of order; an applied migration's SQL changed since it was
//                     applied (checksum mismatch); an applied version unknown to this binary; or
//                     a pending migration older than one already applied.
//   kOutOfRange       the database has a version newer than this binary knows.
//   kUnavailable      busy, disk full or I/O error.
//   kInternal         a migration's SQL failed.
// Error::where names the version ("migration 2 (sessions)") when one is involved.
// Thread: the one using `db`; run at start-up before the StorageWriter takes the connection.
Result<MigrationReport> apply_migrations(Database& db, const std::vector<Migration>& migrations);

// SHA-256 of `sql` as lowercase hex: what schema_migrations.checksum holds.
std::string migration_checksum(std::string_view sql);

}  // namespace ventanilla::storage
