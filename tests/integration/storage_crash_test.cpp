// Durability under SIGKILL (reliability.md §4, test plan C1 at the storage level): a child
// process commits rows through the real StorageWriter and reports each commit only after its
// completion said so; the test kills it at a random moment, then checks that the database passes
// integrity_check and holds every acknowledged row intact. Rounds reuse the same file, so each
// round starts by recovering the hot WAL the previous kill left behind.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "helpers/crash_rows.hpp"
#include "storage/database.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla {
namespace {

using namespace std::chrono_literals;
namespace rows = test::crash_rows;

constexpr int kRounds = 5;

std::int64_t parse_id(const std::string& line) {
  std::size_t used = 0;
  const std::int64_t id = std::stoll(line, &used);
  if (used != line.size()) throw std::runtime_error("bad id line: " + line);
  return id;
}

TEST(StorageCrash, EveryAcknowledgedRowSurvivesSigkillAndIntegrityHolds) {
  test::TempDir dir("ventanilla-crash");
  const std::string db_path = dir.file("var/crash.db");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> kill_after_ms(100, 400);

  std::set<std::int64_t> acknowledged;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto child =
        test::ChildProcess::spawn(VENTANILLA_HELPER_crash_writer, {.args = {db_path, "100000000"}});
    // Kill only once writes are flowing, so every round interrupts real commits.
    auto first = child.out().read_line(30s);
    ASSERT_TRUE(first.has_value())
        << "no write acknowledged; child: "
        << (child.wait_for(0ms) ? child.exit_status()->describe() : std::string("running"));
    std::vector<std::string> lines{*first};
    // Keep reading while waiting: a full pipe would stall the child's writer instead of letting
    // the kill land mid-commit.
    const auto kill_at = std::chrono::steady_clock::now() + 1ms * kill_after_ms(random);
    while (std::chrono::steady_clock::now() < kill_at) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(kill_at - std::chrono::steady_clock::now());
      if (auto line = child.out().read_line(left)) lines.push_back(std::move(*line));
      if (child.out().eof()) break;
    }
    const auto status = child.kill_and_wait();
    EXPECT_TRUE(status.killed_by(SIGKILL)) << status.describe();
    for (auto& line : child.out().read_lines_until_eof(10s)) lines.push_back(std::move(line));
    ASSERT_TRUE(child.out().eof());

    for (const auto& line : lines) {
      EXPECT_TRUE(acknowledged.insert(parse_id(line)).second) << "id acknowledged twice: " << line;
    }
    RecordProperty("round" + std::to_string(round) + "_acks", static_cast<int>(lines.size()));

    auto db = storage::Database::open(db_path);
    ASSERT_TRUE(db) << db.error().message();
    EXPECT_EQ(db->integrity_check(), "ok");
    auto select = db->prepare("SELECT payload FROM crash_rows WHERE id = ?1");
    std::size_t missing = 0;
    std::size_t damaged = 0;
    for (const std::int64_t id : acknowledged) {
      select.bind(1, id);
      if (!select.step()) {
        ++missing;
      } else {
        const auto expected = rows::payload_for(id);
        const auto stored = select.column_blob_view(0);
        if (!std::equal(stored.begin(), stored.end(), expected.begin(), expected.end())) ++damaged;
      }
      select.reset();
    }
    EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged rows";
    EXPECT_EQ(damaged, 0u) << "of " << acknowledged.size() << " acknowledged rows";
  }
}

}  // namespace
}  // namespace ventanilla
