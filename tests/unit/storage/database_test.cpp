#include "storage/database.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <string>

#include "storage/sqlite_error.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  Database open_ok(const OpenOptions& options = {}) {
    auto db = Database::open(path_, options);
    if (!db) throw std::runtime_error(db.error().message());
    return std::move(*db);
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("db/test.db");
};

TEST_F(DatabaseTest, OpenAppliesDurabilityPragmasAndReportsThem) {
  auto db = open_ok();
  const auto p = db.effective_pragmas();
  EXPECT_EQ(p.journal_mode, "wal");
  EXPECT_EQ(p.synchronous, "FULL");
  EXPECT_TRUE(p.secure_delete);
  EXPECT_TRUE(p.foreign_keys);
  EXPECT_EQ(p.busy_timeout_ms, 5000);
  EXPECT_EQ(p.wal_autocheckpoint_pages, 1000);
  EXPECT_EQ(p.describe(),
            "journal_mode=wal synchronous=FULL secure_delete=1 foreign_keys=1 busy_timeout=5000 "
            "wal_autocheckpoint=1000");
}

TEST_F(DatabaseTest, OpenHonoursEachSynchronousSetting) {
  const std::array<std::pair<Synchronous, const char*>, 4> cases = {{
      {Synchronous::kOff, "OFF"},
      {Synchronous::kNormal, "NORMAL"},
      {Synchronous::kFull, "FULL"},
      {Synchronous::kExtra, "EXTRA"},
  }};
  for (const auto& [setting, expected] : cases) {
    auto db =
        open_ok({.synchronous = setting, .busy_timeout_ms = 1234, .wal_autocheckpoint_pages = 77});
    const auto p = db.effective_pragmas();
    EXPECT_EQ(p.synchronous, expected);
    EXPECT_EQ(to_string(setting), expected);
    EXPECT_EQ(p.busy_timeout_ms, 1234);
    EXPECT_EQ(p.wal_autocheckpoint_pages, 77);
  }
}

TEST_F(DatabaseTest, OpenCreatesMissingParentDirectories) {
  const std::string nested = dir_.file("a/b/c/nested.db");
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "a"));
  auto db = Database::open(nested);
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_TRUE(std::filesystem::exists(nested));
}

TEST_F(DatabaseTest, OpenRefusesDatabaseWhereWalCannotBeEnabled) {
  // An in-memory database keeps journal_mode "memory" whatever is asked: the same answer a
  // filesystem without shared-memory support gives.
  auto db = Database::open(":memory:");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.error().where, ":memory:");
  EXPECT_NE(db.error().detail.find("journal_mode is 'memory'"), std::string::npos)
      << db.error().detail;
}

TEST_F(DatabaseTest, OpenPassesTheVfsNameToSqlite) {
  auto db = Database::open(path_, {.vfs = "no-such-vfs"});
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().detail.find("no such vfs: no-such-vfs"), std::string::npos)
      << db.error().detail;
}

TEST_F(DatabaseTest, ReadOnlyOpenOfMissingFileIsUnavailableAndCreatesNothing) {
  auto db = Database::open(path_, {.read_only = true});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "db"));
}

TEST_F(DatabaseTest, OpenFailsWhenParentIsAFile) {
  { auto db = open_ok(); }
  auto db = Database::open(path_ + "/inside.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
}

TEST_F(DatabaseTest, ReadOnlyConnectionSeesCommittedDataAndCannotWrite) {
  auto writer = open_ok();
  writer.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (42);");
  auto reader_result = Database::open(path_, {.read_only = true});
  ASSERT_TRUE(reader_result) << reader_result.error().message();
  auto& reader = *reader_result;
  EXPECT_EQ(reader.effective_pragmas().journal_mode, "wal");
  auto select = reader.prepare("SELECT v FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_int64(0), 42);
  select.reset();
  try {
    reader.exec("INSERT INTO t VALUES (1)");
    FAIL() << "write on a read-only connection succeeded";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.primary_code(), SQLITE_READONLY);
    EXPECT_EQ(to_error(e, "x").code, ErrorCode::kUnavailable);
  }
}

TEST_F(DatabaseTest, ExecRunsEveryStatementAndQuotesOnlyTheFailingFirstLine) {
  auto db = open_ok();
  db.exec(
      "-- leading comment\n"
      "CREATE TABLE t (v INTEGER NOT NULL);\n"
      "INSERT INTO t VALUES (1);\n"
      "INSERT INTO t VALUES (2); -- trailing comment\n");
  auto count = db.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int64(0), 2);
  count.reset();

  try {
    db.exec(
        "INSERT INTO t VALUES (3);\n"
        "-- the next one fails\n"
        "INSERT INTO t\n"
        "  VALUES (NULL);\n");
    FAIL() << "NOT NULL violation not reported";
  } catch (const SqliteError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.primary_code(), SQLITE_CONSTRAINT);
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_NOTNULL);
    EXPECT_NE(what.find("NOT NULL constraint failed: t.v"), std::string::npos) << what;
    EXPECT_NE(what.find("in: INSERT INTO t"), std::string::npos) << what;
    EXPECT_EQ(what.find("VALUES (NULL)"), std::string::npos) << what;
    EXPECT_EQ(to_error(e, "job").code, ErrorCode::kInternal);
  }
}

TEST_F(DatabaseTest, PrepareRejectsSecondStatementAndSyntaxErrors) {
  auto db = open_ok();
  EXPECT_THROW(db.prepare("SELECT 1; SELECT 2"), SqliteError);
  EXPECT_THROW(db.prepare("SELEC 1"), SqliteError);
  EXPECT_THROW(db.prepare("  -- only a comment\n"), SqliteError);
  EXPECT_NO_THROW(db.prepare("SELECT 1; -- trailing comment"));
  EXPECT_NO_THROW(db.prepare("SELECT 1;;  \n"));
}

TEST_F(DatabaseTest, StatementRoundTripsEveryBoundType) {
  auto db = open_ok();
  db.exec("CREATE TABLE v (i INTEGER, r REAL, t TEXT, b BLOB, n)");
  const std::string text = "hola, ¿dónde?";
  const std::array<std::byte, 3> blob = {std::byte{0}, std::byte{0xff}, std::byte{7}};
  auto insert = db.prepare("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind_all(std::int64_t{-9'000'000'000}, 2.5, text, std::span<const std::byte>(blob),
                  nullptr);
  insert.run();
  EXPECT_EQ(db.changes(), 1);
  EXPECT_EQ(db.last_insert_rowid(), 1);

  auto select = db.prepare("SELECT i, r, t, b, n FROM v");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_count(), 5);
  EXPECT_EQ(select.column_int64(0), -9'000'000'000);
  EXPECT_DOUBLE_EQ(select.column_double(1), 2.5);
  EXPECT_EQ(select.column_text(2), text);
  const auto stored = select.column_blob_view(3);
  EXPECT_TRUE(std::equal(stored.begin(), stored.end(), blob.begin(), blob.end()));
  EXPECT_TRUE(select.is_null(4));
  EXPECT_FALSE(select.is_null(0));
  EXPECT_FALSE(select.step());
}

TEST_F(DatabaseTest, StatementBindsSmallIntegersOptionalsAndEmptyValues) {
  auto db = open_ok();
  db.exec("CREATE TABLE v (a, b, c, d, e)");
  auto insert = db.prepare("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::optional<std::int64_t> absent;
  const std::optional<int> present = 5;
  insert.bind_all(7, absent, present, std::string_view(), std::span<const std::byte>());
  insert.run();
  auto select = db.prepare("SELECT a, typeof(b), c, typeof(d), typeof(e), length(e) FROM v");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_int64(0), 7);
  EXPECT_EQ(select.column_text(1), "null");
  EXPECT_EQ(select.column_int64(2), 5);
  EXPECT_EQ(select.column_text(3), "text");
  EXPECT_EQ(select.column_text(4), "blob");
  EXPECT_EQ(select.column_int64(5), 0);
}

TEST_F(DatabaseTest, ResetClearsBindings) {
  auto db = open_ok();
  auto select = db.prepare("SELECT ?1");
  select.bind(1, 11);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_int64(0), 11);
  select.reset();
  ASSERT_TRUE(select.step());
  EXPECT_TRUE(select.is_null(0));
}

TEST_F(DatabaseTest, CachedStatementIsReusedAndResetAfterEachUse) {
  auto db = open_ok();
  db.exec("CREATE TABLE t (v INTEGER)");
  constexpr std::string_view kInsert = "INSERT INTO t VALUES (?1)";
  sqlite3_stmt* first_handle = nullptr;
  for (int i = 0; i < 3; ++i) {
    auto insert = db.cached(kInsert);
    if (first_handle == nullptr) first_handle = insert->handle();
    EXPECT_EQ(insert->handle(), first_handle);
    insert->bind(1, i);
    insert->run();
  }
  {
    // Left mid-iteration on purpose: the handle must still reset it.
    auto select = db.cached("SELECT v FROM t ORDER BY v");
    ASSERT_TRUE(select->step());
  }
  auto select = db.cached("SELECT v FROM t ORDER BY v");
  ASSERT_TRUE(select->step());
  EXPECT_EQ(select->column_int64(0), 0);
}

TEST_F(DatabaseTest, IntegrityCheckAndTruncatingCheckpoint) {
  auto db = open_ok();
  db.exec("CREATE TABLE t (v BLOB); INSERT INTO t VALUES (zeroblob(100000));");
  EXPECT_EQ(db.integrity_check(), "ok");
  ASSERT_GT(std::filesystem::file_size(path_ + "-wal"), 0u);
  EXPECT_TRUE(db.checkpoint_truncate());
  EXPECT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
}

TEST_F(DatabaseTest, CheckpointReportsIncompleteWhileAReaderHoldsASnapshot) {
  auto db = open_ok({.busy_timeout_ms = 20});
  db.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);");
  auto reader = Database::open(path_, {.read_only = true});
  ASSERT_TRUE(reader) << reader.error().message();
  reader->exec("BEGIN");
  auto select = reader->prepare("SELECT v FROM t");
  ASSERT_TRUE(select.step());
  db.exec("INSERT INTO t VALUES (2)");
  EXPECT_FALSE(db.checkpoint_truncate());
  select.reset();
  reader->exec("COMMIT");
  EXPECT_TRUE(db.checkpoint_truncate());
}

TEST_F(DatabaseTest, MovedDatabaseKeepsWorking) {
  auto a = open_ok();
  a.exec("CREATE TABLE t (v INTEGER)");
  Database b = std::move(a);
  EXPECT_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  ASSERT_TRUE(b.is_open());
  b.exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(b.path(), path_);
}

TEST(FirstSqlLine, SkipsBlanksAndLineCommentsAndCutsLongLines) {
  const std::array<std::pair<std::string_view, std::string_view>, 5> cases = {{
      {"SELECT 1", "SELECT 1"},
      {"\n  -- comment\n\n  UPDATE t\n SET v = 1", "UPDATE t"},
      {"INSERT INTO t VALUES (1)  \r\n", "INSERT INTO t VALUES (1)"},
      {"-- only\n-- comments", ""},
      {"", ""},
  }};
  for (const auto& [sql, expected] : cases) EXPECT_EQ(first_sql_line(sql), expected) << sql;
  EXPECT_EQ(first_sql_line(std::string(500, 'x')).size(), 120u);
}

TEST(SqliteErrorTest, ClassifiesExtendedCodes) {
  struct Case {
    int code;
    bool busy, full, ioerr;
    ErrorCode mapped;
  };
  const std::array<Case, 6> cases = {{
      {SQLITE_BUSY, true, false, false, ErrorCode::kUnavailable},
      {SQLITE_BUSY_SNAPSHOT, true, false, false, ErrorCode::kUnavailable},
      {SQLITE_LOCKED, true, false, false, ErrorCode::kUnavailable},
      {SQLITE_FULL, false, true, false, ErrorCode::kUnavailable},
      {SQLITE_IOERR_FSYNC, false, false, true, ErrorCode::kUnavailable},
      {SQLITE_CONSTRAINT_UNIQUE, false, false, false, ErrorCode::kInternal},
  }};
  for (const auto& c : cases) {
    const SqliteError e(c.code, "m");
    EXPECT_EQ(e.is_busy(), c.busy) << c.code;
    EXPECT_EQ(e.is_full(), c.full) << c.code;
    EXPECT_EQ(e.is_ioerr(), c.ioerr) << c.code;
    EXPECT_EQ(e.is_transient(), c.busy || c.full || c.ioerr) << c.code;
    const auto error = to_error(e, "here");
    EXPECT_EQ(error.code, c.mapped) << c.code;
    EXPECT_EQ(error.where, "here");
    EXPECT_EQ(error.detail, "m");
  }
}

}  // namespace
}  // namespace ventanilla::storage
