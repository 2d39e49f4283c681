#pragma once
// RAII write transaction and savepoint. Every write transaction is BEGIN IMMEDIATE: it takes the
// write lock up front (waiting up to busy_timeout), so a write can never fail half-way with
// SQLITE_BUSY_SNAPSHOT as a DEFERRED transaction that upgrades to a writer can
// (reliability.md §4).
//
// Thread: the thread that uses the Database. Errors throw SqliteError.

#include <string>

#include "storage/database.hpp"

namespace ventanilla::storage {

class Transaction {
 public:
  // BEGIN IMMEDIATE. Throws SqliteError (is_busy() after busy_timeout) and then nothing is open.
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back unless commit() succeeded. Never throws.
  ~Transaction();

  // COMMIT. On failure throws; the destructor then rolls back whatever SQLite left open.
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

// A nested unit inside an open transaction: rolled back alone unless release() succeeded.
class Savepoint {
 public:
  // SAVEPOINT `name`; `name` must be a plain SQL identifier.
  Savepoint(Database& db, std::string name);
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  // ROLLBACK TO + RELEASE unless release() succeeded. Never throws; if SQLite already rolled the
  // whole transaction back (SQLITE_FULL, IOERR, ...), there is nothing left to undo.
  ~Savepoint();

  void release();

 private:
  Database& db_;
  std::string name_;
  bool done_ = false;
};

}  // namespace ventanilla::storage
