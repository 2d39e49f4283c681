#include "storage/transaction.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "storage/sqlite_error.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(path_, {.busy_timeout_ms = 50});
    ASSERT_TRUE(opened) << opened.error().message();
    db_.emplace(std::move(*opened));
    db_->exec("CREATE TABLE t (v INTEGER)");
  }

  std::int64_t count() {
    auto stmt = db_->prepare("SELECT count(*) FROM t");
    return stmt.step() ? stmt.column_int64(0) : -1;
  }

  void insert(std::int64_t v) {
    auto stmt = db_->cached("INSERT INTO t VALUES (?1)");
    stmt->bind(1, v);
    stmt->run();
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("t.db");
  std::optional<Database> db_;
};

TEST_F(TransactionTest, CommitMakesWritesVisibleToOtherConnections) {
  {
    Transaction txn(*db_);
    EXPECT_TRUE(db_->in_transaction());
    insert(1);
    txn.commit();
  }
  EXPECT_FALSE(db_->in_transaction());
  auto other = Database::open(path_, {.read_only = true});
  ASSERT_TRUE(other) << other.error().message();
  auto stmt = other->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.column_int64(0), 1);
}

TEST_F(TransactionTest, ExceptionRollsBackEverything) {
  insert(1);
  try {
    Transaction txn(*db_);
    insert(2);
    insert(3);
    throw std::runtime_error("job failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(count(), 1);
}

TEST_F(TransactionTest, BeginImmediateTakesTheWriteLockUpFront) {
  auto other = Database::open(path_, {.busy_timeout_ms = 50});
  ASSERT_TRUE(other) << other.error().message();
  Transaction holder(*other);
  try {
    Transaction txn(*db_);
    FAIL() << "second BEGIN IMMEDIATE did not wait for the lock";
  } catch (const SqliteError& e) {
    EXPECT_TRUE(e.is_busy()) << e.what();
    EXPECT_NE(std::string(e.what()).find("in: BEGIN IMMEDIATE"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(db_->in_transaction());
  holder.commit();
  Transaction txn(*db_);
  insert(1);
  txn.commit();
  EXPECT_EQ(count(), 1);
}

TEST_F(TransactionTest, SavepointRollsBackOnlyItsOwnWrites) {
  {
    Transaction txn(*db_);
    insert(1);
    try {
      Savepoint sp(*db_, "inner");
      insert(2);
      throw std::runtime_error("inner failed");
    } catch (const std::runtime_error&) {
    }
    {
      Savepoint sp(*db_, "inner");
      insert(3);
      sp.release();
    }
    txn.commit();
  }
  auto stmt = db_->prepare("SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.column_text(0), "1,3");
}

TEST_F(TransactionTest, FailedCommitIsRolledBackByTheDestructor) {
  db_->exec(
      "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
      "CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);");
  try {
    Transaction txn(*db_);
    db_->exec("INSERT INTO child VALUES (99)");  // deferred: fails only at COMMIT
    txn.commit();
    FAIL() << "COMMIT with a dangling foreign key succeeded";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.primary_code(), 19 /* SQLITE_CONSTRAINT */) << e.what();
  }
  EXPECT_FALSE(db_->in_transaction());
  auto stmt = db_->prepare("SELECT count(*) FROM child");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.column_int64(0), 0);
}

}  // namespace
}  // namespace ventanilla::storage
