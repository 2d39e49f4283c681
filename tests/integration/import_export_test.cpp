// `ventanilla import` and `ventanilla export` as an operator runs them: the shipped data/ imports
// cleanly, a copy with bad rows is refused with every problem on stderr and the database left as
// it was, --dry-run writes nothing, and export writes data/ back byte for byte.

#include <gtest/gtest.h>

#include "support/shipped_data.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "directory/directory_files.hpp"
#include "storage/database.hpp"
#include "storage/directory_store.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

namespace fs = std::filesystem;

const std::string kShippedData = test::shipped_data_dir();

std::string slurp(const fs::path& path) { return test::read_file(path); }

void append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

std::size_t line_count(const fs::path& path) {
  const std::string text = slurp(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// What the database holds, through a separate read-only connection.
struct Snapshot {
  std::int64_t version = -1;
  directory::DirectoryData data;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const std::string& db_path) {
  auto db = storage::Database::open(db_path, {.read_only = true});
  EXPECT_TRUE(db) << db.error().message();
  if (!db) return {};
  auto data = storage::load_directory(*db);
  EXPECT_TRUE(data) << data.error().message();
  return {storage::directory_version(*db), data ? *data : directory::DirectoryData{}};
}

// The summary table's row for `table`, split on blanks: {"places", rows, inserted, updated,
// deleted, unchanged}.
std::vector<std::string> table_row(const std::string& out, const std::string& table) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    if (!row.empty() && row.front() == table) return row;
  }
  return {};
}

using Words = std::vector<std::string>;

std::string describe(const RunResult& r) {
  return r.status.describe() + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

// A copy of the shipped data/ that a test may spoil.
fs::path copy_of_data(const TempDir& dir) {
  const fs::path copy = dir.path() / "data";
  fs::create_directories(copy);
  for (const auto& file : directory::kDirectoryFiles) {
    fs::copy_file(fs::path(kShippedData) / file.name, copy / file.name);
  }
  return copy;
}

TEST(ImportExport, ShippedDataImportsThenReimportsAsUnchanged) {
  TempDir dir("ventanilla-import");
  const std::string db = dir.file("v.db");
  const RunResult first = run_ventanilla({"import", "--db", db, kShippedData});
  ASSERT_TRUE(first.status.success()) << describe(first);
  // The timing line is the import figure the issue asks for (no assertion on it).
  std::printf("%s", first.out.c_str());
  EXPECT_NE(first.out.find("directory version 1 (was 0)"), std::string::npos) << first.out;
  EXPECT_EQ(table_row(first.out, "places"), (Words{"places", "18131", "18131", "0", "0", "0"}));
  EXPECT_EQ(table_row(first.out, "hubs"), (Words{"hubs", "77", "77", "0", "0", "0"}));
  EXPECT_EQ(first.err, "");

  const RunResult second = run_ventanilla({"import", "--db", db, kShippedData});
  ASSERT_TRUE(second.status.success()) << describe(second);
  EXPECT_NE(second.out.find("nothing changed (directory version 1)"), std::string::npos)
      << second.out;
  EXPECT_EQ(snapshot(db).version, 1);
}

TEST(ImportExport, BadRowsAreAllReportedAndTheDatabaseIsLeftAsItWas) {
  TempDir dir("ventanilla-import");
  const std::string db = dir.file("v.db");
  ASSERT_TRUE(run_ventanilla({"import", "--db", db, kShippedData}).status.success());
  const Snapshot before = snapshot(db);
  ASSERT_EQ(before.version, 1);

  const fs::path data = copy_of_data(dir);
  const std::size_t places_line = line_count(data / "places.csv") + 1;
  const std::size_t hubs_line = line_count(data / "hubs.csv") + 1;
  const std::size_t aliases_line = line_count(data / "aliases.csv") + 1;
  append(data / "places.csv", "GT,Quetzaltenango,Fake,Fake,25.00000,-91.50000,,13,,,,,,test\n");
  append(data / "hubs.csv",
         "mx-bad-hub,MX,shelter,,Chiapas,Tapachula,,,,info,,14.90385,-92.25749,https://x.org,"
         "approximate,05,2020-13-01,\n");
  append(data / "aliases.csv", "MX,place,\"broken,1,\n");
  const std::string d = data.string() + "/";

  const RunResult r = run_ventanilla({"import", "--db", db, data.string()});
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, d + "places.csv:" + std::to_string(places_line) +
                       ":5: lat 25.00000 is outside the bounding box of GT (13.5 to 18.0)\n" + d +
                       "aliases.csv:" + std::to_string(aliases_line) + ":3: unclosed quote\n" + d +
                       "hubs.csv:" + std::to_string(hubs_line) + ":4: empty name\n" + d +
                       "hubs.csv:" + std::to_string(hubs_line) +
                       ":17: bad date '2020-13-01' (want YYYY-MM-DD, YYYY-MM or YYYY)\n" +
                       data.string() + ": 4 problems; nothing imported\n");
  EXPECT_TRUE(snapshot(db) == before);
}

TEST(ImportExport, DryRunWritesNothing) {
  TempDir dir("ventanilla-import");
  const std::string fresh = dir.file("fresh.db");
  const RunResult none = run_ventanilla({"import", "--dry-run", "--db", fresh, kShippedData});
  ASSERT_TRUE(none.status.success()) << describe(none);
  EXPECT_NE(none.out.find("all valid; dry run, nothing written"), std::string::npos) << none.out;
  EXPECT_FALSE(fs::exists(fresh));

  const std::string db = dir.file("v.db");
  ASSERT_TRUE(run_ventanilla({"import", "--db", db, kShippedData}).status.success());
  const Snapshot before = snapshot(db);
  const fs::path data = copy_of_data(dir);
  std::string hubs = slurp(data / "hubs.csv");
  hubs.replace(hubs.find("Ventanilla de información para personas migrantes"), 10, "Oficina");
  std::ofstream(data / "hubs.csv", std::ios::binary | std::ios::trunc) << hubs;

  const RunResult r = run_ventanilla({"import", "--dry-run", "--db", db, data.string()});
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("would change directory version 1 to 2"), std::string::npos) << r.out;
  EXPECT_EQ(table_row(r.out, "hubs"), (Words{"hubs", "77", "0", "1", "0", "76"}));
  EXPECT_EQ(table_row(r.out, "places"), (Words{"places", "18131", "0", "0", "0", "18131"}));
  EXPECT_TRUE(snapshot(db) == before);
}

TEST(ImportExport, ExportWritesTheShippedFilesBackByteForByte) {
  TempDir dir("ventanilla-export");
  const std::string db = dir.file("v.db");
  ASSERT_TRUE(run_ventanilla({"import", "--db", db, kShippedData}).status.success());
  const fs::path out = dir.path() / "exported";
  const RunResult r = run_ventanilla({"export", "--db", db, out.string()});
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("(directory version 1) to " + out.string()), std::string::npos) << r.out;
  for (const auto& file : directory::kDirectoryFiles) {
    EXPECT_TRUE(slurp(out / file.name) == slurp(fs::path(kShippedData) / file.name))
        << file.name << " differs from data/";
  }
}

TEST(ImportExport, ExportOfAnEmptyDatabaseFailsAndBadUsageIsExitTwo) {
  TempDir dir("ventanilla-export");
  const std::string db = dir.file("v.db");
  const RunResult empty = run_ventanilla({"export", "--db", db, dir.file("out")});
  EXPECT_EQ(empty.status.code, 1) << describe(empty);
  EXPECT_NE(empty.err.find("nothing to export"), std::string::npos) << empty.err;
  EXPECT_FALSE(fs::exists(dir.file("out")));

  const RunResult usage = run_ventanilla({"import", "--db", db, kShippedData, "extra"});
  EXPECT_EQ(usage.status.code, 2) << describe(usage);
  const RunResult missing = run_ventanilla({"import", "--db", db, dir.file("no-such-dir")});
  EXPECT_EQ(missing.status.code, 1) << describe(missing);
  EXPECT_NE(missing.err.find("countries.csv: cannot read: No such file or directory"),
            std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace ventanilla::test
