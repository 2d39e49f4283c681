#include "storage/backup.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/transaction.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

namespace fs = std::filesystem;

Database open_ok(const std::string& path) {
  auto db = Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  return std::move(*db);
}

std::int64_t count_rows(Database& db, const std::string& table) {
  auto stmt = db.prepare("SELECT count(*) FROM " + table);
  return stmt.step() ? stmt.column_int64(0) : -1;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::string journal_mode_of(const std::string& path) {
  // Read without Database::open, which would switch the file to WAL.
  sqlite3* raw = nullptr;
  sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr);
  std::string mode;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return mode;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "live");
    fs::create_directories(dir_.path() / "out");
    live_.emplace(open_ok(source_));
    ASSERT_TRUE(apply_migrations(*live_, embedded_migrations()));
    live_->exec("CREATE TABLE t(x BLOB)");
    Transaction tx(*live_);
    for (int i = 0; i < 500; ++i) live_->exec("INSERT INTO t VALUES (randomblob(200))");
    tx.commit();
  }

  test::TempDir dir_{"ventanilla-backup"};
  std::string source_ = dir_.file("live/source.db");
  std::string out_dir_ = dir_.file("out");
  std::optional<Database> live_;
};

TEST_F(BackupTest, CopiesTheLiveDatabaseIncludingItsWalIntoOneCheckedFile) {
  // The rows are still in the WAL: the writer connection is open and nothing checkpointed.
  ASSERT_TRUE(fs::exists(source_ + "-wal"));
  ASSERT_GT(fs::file_size(source_ + "-wal"), 0U);

  const std::string dest = out_dir_ + "/copy.db";
  auto report = copy_database(source_, dest);
  ASSERT_TRUE(report) << report.error().message();

  EXPECT_EQ(report->path, dest);
  EXPECT_EQ(report->bytes, fs::file_size(dest));
  EXPECT_EQ(report->schema_version, embedded_migrations().back().version);
  EXPECT_GT(report->pages, 0);
  EXPECT_EQ(static_cast<std::uint64_t>(report->pages) * 4096U, report->bytes);  // default page size
  EXPECT_EQ(journal_mode_of(dest), "delete");
  EXPECT_EQ(fs::status(dest).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Nothing but the copy: no temporary file, no journal, no -wal.
  EXPECT_EQ(names_in(out_dir_), std::set<std::string>{"copy.db"});

  auto copy = open_ok(dest);  // serve's way in: switches the copy to WAL
  EXPECT_EQ(copy.effective_pragmas().journal_mode, "wal");
  EXPECT_EQ(copy.integrity_check(), "ok");
  EXPECT_EQ(count_rows(copy, "t"), 500);
  EXPECT_EQ(count_rows(copy, "schema_migrations"), count_rows(*live_, "schema_migrations"));
}

TEST_F(BackupTest, CopiesOneCommittedSnapshotWithoutWaitingForAnOpenWriteTransaction) {
  Transaction open_write(*live_);
  live_->exec("INSERT INTO t VALUES (1)");  // not committed while the copy runs

  const std::string dest = out_dir_ + "/snapshot.db";
  auto report = copy_database(source_, dest);
  ASSERT_TRUE(report) << report.error().message();
  open_write.commit();  // the writer was never blocked by the copy

  auto copy = open_ok(dest);
  EXPECT_EQ(count_rows(copy, "t"), 500);
  EXPECT_EQ(count_rows(*live_, "t"), 501);
}

TEST_F(BackupTest, ReplaceExistingSwapsTheFileAtomically) {
  const std::string dest = out_dir_ + "/db";
  std::ofstream(dest) << "old contents";
  CopyOptions options;
  options.replace_existing = true;
  auto report = copy_database(source_, dest, options);
  ASSERT_TRUE(report) << report.error().message();
  auto copy = open_ok(dest);
  EXPECT_EQ(count_rows(copy, "t"), 500);
}

struct RefusalCase {
  std::string name;
  // Prepares the source and destination (paths under the test's directory) and returns them.
  std::function<std::pair<std::string, std::string>(const std::string& dir,
                                                    const std::string& source)>
      setup;
  ErrorCode code;
  std::string message_part;
};

TEST_F(BackupTest, RefusesBadSourcesAndDestinationsAndLeavesNothingBehind) {
  const std::vector<RefusalCase> cases = {
      {"destination exists",
       [](const std::string& dir, const std::string& source) {
         std::ofstream(dir + "/exists.db") << "precious";
         return std::pair{source, dir + "/exists.db"};
       },
       ErrorCode::kAlreadyExists, "already exists; refusing to overwrite it"},
      {"destination directory missing",
       [](const std::string& dir, const std::string& source) {
         return std::pair{source, dir + "/no/such/dir/copy.db"};
       },
       ErrorCode::kNotFound, "/no/such/dir does not exist"},
      {"destination is a directory",
       [](const std::string& dir, const std::string& source) {
         fs::create_directories(dir + "/sub");
         return std::pair{source, dir + "/sub"};
       },
       ErrorCode::kInvalidArgument, "is a directory"},
      {"source missing",
       [](const std::string& dir, const std::string&) {
         return std::pair{dir + "/missing.db", dir + "/copy.db"};
       },
       ErrorCode::kNotFound, "no such file"},
      {"source not a database",
       [](const std::string& dir, const std::string&) {
         std::ofstream(dir + "/notes.txt") << std::string(8192, 'x');
         return std::pair{dir + "/notes.txt", dir + "/copy.db"};
       },
       ErrorCode::kInvalidArgument, "not a SQLite database"},
      {"source empty",
       [](const std::string& dir, const std::string&) {
         std::ofstream(dir + "/empty.db").flush();
         return std::pair{dir + "/empty.db", dir + "/copy.db"};
       },
       ErrorCode::kInvalidArgument, "empty file, not a database"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::TempDir case_dir{"ventanilla-backup-case"};
    const std::string dir = case_dir.path().string();
    const auto [source, dest] = c.setup(dir, source_);
    const auto before = names_in(case_dir.path());
    const std::string dest_bytes_before = test::read_file(dest);

    auto report = copy_database(source, dest);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code, c.code) << report.error().message();
    EXPECT_NE(report.error().message().find(c.message_part), std::string::npos)
        << report.error().message();
    EXPECT_EQ(names_in(case_dir.path()), before);  // no temporary file, no partial copy
    EXPECT_EQ(test::read_file(dest), dest_bytes_before);
  }
}

TEST_F(BackupTest, RefusesATruncatedDatabaseAndLeavesNoCopy) {
  const std::string whole = out_dir_ + "/whole.db";
  ASSERT_TRUE(copy_database(source_, whole));
  const std::string truncated = dir_.file("truncated.db");
  fs::copy_file(whole, truncated);
  fs::resize_file(truncated, fs::file_size(whole) / 3);

  const std::string dest = out_dir_ + "/from-truncated.db";
  auto report = copy_database(truncated, dest);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kOutOfRange) << report.error().message();
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_EQ(names_in(out_dir_), std::set<std::string>{"whole.db"});
}

TEST(SyncDirectory, NamesAMissingDirectory) {
  auto r = sync_directory("/nonexistent-ventanilla-dir");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("/nonexistent-ventanilla-dir"), std::string::npos);
}

}  // namespace
}  // namespace ventanilla::storage
