#include "storage/transaction.hpp"

#include <utility>

#include "storage/sqlite_error.hpp"

namespace ventanilla::storage {

Transaction::Transaction(Database& db) : db_(db) { db_.cached("BEGIN IMMEDIATE")->run(); }

Transaction::~Transaction() {
  if (done_ || !db_.in_transaction()) return;
  try {
    db_.cached("ROLLBACK")->run();
  } catch (const SqliteError&) {
    // Nothing better to do in a destructor: SQLite rolls back a transaction left open when the
    // connection closes, and the next BEGIN on this connection will report the problem.
  }
}

void Transaction::commit() {
  db_.cached("COMMIT")->run();
  done_ = true;
}

Savepoint::Savepoint(Database& db, std::string name) : db_(db), name_(std::move(name)) {
  db_.cached("SAVEPOINT " + name_)->run();
}

Savepoint::~Savepoint() {
  if (done_ || !db_.in_transaction()) return;
  try {
    db_.cached("ROLLBACK TO " + name_)->run();
    db_.cached("RELEASE " + name_)->run();
  } catch (const SqliteError&) {
    // The enclosing transaction is in an unknown state; its owner sees the next failure.
  }
}

void Savepoint::release() {
  db_.cached("RELEASE " + name_)->run();
  done_ = true;
}

}  // namespace ventanilla::storage
