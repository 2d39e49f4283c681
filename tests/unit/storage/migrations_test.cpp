#include "storage/migrations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

const Migration kOne{1, "one", "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);"};
const Migration kTwo{2, "two", "CREATE TABLE b (y INTEGER);"};
const Migration kThree{3, "three", "CREATE TABLE c (z INTEGER);"};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(dir_.file("m.db"));
    ASSERT_TRUE(opened) << opened.error().message();
    db_.emplace(std::move(*opened));
  }

  std::vector<std::int64_t> applied_versions() {
    std::vector<std::int64_t> out;
    auto stmt = db_->prepare("SELECT version FROM schema_migrations ORDER BY version");
    while (stmt.step()) out.push_back(stmt.column_int64(0));
    return out;
  }

  bool has_table(std::string_view name) {
    auto stmt = db_->prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    stmt.bind(1, name);
    return stmt.step();
  }

  test::TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(MigrationsTest, EmbeddedMigrationsApplyOnceAndAreIdempotent) {
  const auto& embedded = embedded_migrations();
  ASSERT_FALSE(embedded.empty());
  std::vector<std::int64_t> all;
  for (const auto& m : embedded) all.push_back(m.version);

  auto first = apply_migrations(*db_, embedded);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->applied, all);
  EXPECT_EQ(first->version, embedded.back().version);
  EXPECT_TRUE(has_table("meta"));

  auto second = apply_migrations(*db_, embedded);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_TRUE(second->applied.empty());
  EXPECT_EQ(second->version, embedded.back().version);
  EXPECT_EQ(applied_versions(), all);
}

TEST_F(MigrationsTest, RecordsNameChecksumAndTime) {
  ASSERT_TRUE(apply_migrations(*db_, {kOne}));
  auto stmt = db_->prepare("SELECT name, checksum, applied_at FROM schema_migrations");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.column_text(0), "one");
  EXPECT_EQ(stmt.column_text(1), migration_checksum(kOne.sql));
  EXPECT_EQ(stmt.column_text(2).size(), std::string("2026-01-01T00:00:00.000Z").size());
}

TEST_F(MigrationsTest, AppliesOnlyThePendingOnesLater) {
  ASSERT_TRUE(apply_migrations(*db_, {kOne}));
  auto report = apply_migrations(*db_, {kOne, kTwo, kThree});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->applied, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(report->version, 3);
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(MigrationsTest, RefusesAChangedAppliedMigration) {
  ASSERT_TRUE(apply_migrations(*db_, {kOne, kTwo}));
  const Migration edited{2, "two", "CREATE TABLE b (y INTEGER, extra TEXT);"};
  auto report = apply_migrations(*db_, {kOne, edited, kThree});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(report.error().where, "migration 2 (two)");
  EXPECT_NE(report.error().detail.find("checksum"), std::string::npos);
  EXPECT_FALSE(has_table("c")) << "nothing may be applied after a refusal";
}

TEST_F(MigrationsTest, RefusesADatabaseNewerThanTheBinary) {
  ASSERT_TRUE(apply_migrations(*db_, {kOne, kTwo}));
  auto report = apply_migrations(*db_, {kOne});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(report.error().where, "migration 2");
  EXPECT_NE(report.error().detail.find("only up to 1"), std::string::npos) << report.error().detail;
}

TEST_F(MigrationsTest, FailingMigrationLeavesThePreviousVersion) {
  ASSERT_TRUE(apply_migrations(*db_, {kOne}));
  // The first statement succeeds, the second fails: the transaction must take both back.
  const Migration bad{2, "bad", "CREATE TABLE b (y INTEGER);\nINSERT INTO missing VALUES (1);"};
  auto report = apply_migrations(*db_, {kOne, bad, kThree});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInternal);
  EXPECT_EQ(report.error().where, "migration 2 (bad)");
  EXPECT_NE(report.error().detail.find("no such table: missing"), std::string::npos)
      << report.error().detail;
  EXPECT_NE(report.error().detail.find("in: INSERT INTO missing"), std::string::npos)
      << report.error().detail;
  EXPECT_FALSE(has_table("b"));
  EXPECT_FALSE(has_table("c"));
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(applied_versions(), (std::vector<std::int64_t>{1}));

  auto fixed = apply_migrations(*db_, {kOne, kTwo, kThree});
  ASSERT_TRUE(fixed) << fixed.error().message();
  EXPECT_EQ(fixed->applied, (std::vector<std::int64_t>{2, 3}));
}

TEST_F(MigrationsTest, MigrationThatManagesItsOwnTransactionFails) {
  const Migration sneaky{1, "sneaky", "BEGIN;\nCREATE TABLE s (v);\nCOMMIT;"};
  auto report = apply_migrations(*db_, {sneaky});
  ASSERT_FALSE(report);
  EXPECT_FALSE(has_table("s"));
  EXPECT_TRUE(applied_versions().empty());
}

TEST_F(MigrationsTest, RefusesInconsistentHistories) {
  struct Case {
    const char* label;
    std::vector<Migration> first;
    std::vector<Migration> second;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"applied version unknown to the binary",
       {kOne, kTwo, kThree},
       {kOne, kThree},
       "migration 2"},
      {"pending migration older than an applied one",
       {kOne, kThree},
       {kOne, kTwo, kThree},
       "migration 2 (two)"},
      {"versions out of order", {kOne}, {kTwo, kOne}, "migration 1 (one)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    test::TempDir dir;
    auto db = Database::open(dir.file("h.db"));
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(apply_migrations(*db, c.first));
    auto report = apply_migrations(*db, c.second);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(report.error().where, c.where);
  }
}

TEST(MigrationChecksum, IsLowercaseHexSha256) {
  EXPECT_EQ(migration_checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(migration_checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ventanilla::storage
