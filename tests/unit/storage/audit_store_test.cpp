// The audit log's hash chain: every kind of tampering with a stored row is found, and names the
// first row that does not hold.
#include "storage/audit_store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

Database open_migrated(const std::string& path) {
  auto db = Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  if (!apply_migrations(*db, embedded_migrations())) throw std::runtime_error("migrations");
  return std::move(*db);
}

void append_rows(Database& db, int n) {
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.at_ms = 1000 + i;
    e.actor = "staff:ana";
    e.role = "publisher";
    e.action = "content.publish";
    e.target = "version:" + std::to_string(i);
    e.before_sha256 = sha256_hex("before" + std::to_string(i));
    e.after_sha256 = sha256_hex("after" + std::to_string(i));
    e.request_id = "r" + std::to_string(i);
    append_audit(db, e);
  }
}

TEST(AuditChain, AnUntouchedChainVerifiesAndItsHeadIsTheLastRowHash) {
  test::TempDir dir("audit");
  auto db = open_migrated(dir.file("a.db"));
  EXPECT_TRUE(verify_audit_chain(db).ok());
  EXPECT_EQ(verify_audit_chain(db).head_sha256, kAuditGenesis);
  append_rows(db, 5);
  const auto report = verify_audit_chain(db);
  EXPECT_TRUE(report.ok()) << report.problem;
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(report.head_sha256, list_audit(db, 4, 1).at(0).row_sha256);
  EXPECT_EQ(list_audit(db, 0, 1).at(0).prev_sha256, kAuditGenesis);
}

TEST(AuditChain, UpdatesAndDeletesAreRefusedByTheTable) {
  test::TempDir dir("audit");
  auto db = open_migrated(dir.file("a.db"));
  append_rows(db, 2);
  EXPECT_THROW(db.exec("UPDATE audit_log SET actor = 'x' WHERE seq = 1"), std::exception);
  EXPECT_THROW(db.exec("DELETE FROM audit_log WHERE seq = 2"), std::exception);
  EXPECT_TRUE(verify_audit_chain(db).ok());
}

// Whoever can write the file can drop the triggers; the chain still tells.
TEST(AuditChain, TamperingWithTriggersDroppedIsFoundAtTheFirstBadRow) {
  struct Case {
    std::string name;
    std::string sql;
    std::int64_t first_bad;
    std::string problem;
    std::int64_t rows_holding;
  };
  const std::string fields_changed = "row_sha256 does not match its fields";
  const std::vector<Case> cases = {
      {"actor rewritten", "UPDATE audit_log SET actor = 'staff:eve' WHERE seq = 3", 3,
       fields_changed, 2},
      {"time moved", "UPDATE audit_log SET at_ms = at_ms + 1 WHERE seq = 2", 2, fields_changed, 1},
      {"after hash swapped", "UPDATE audit_log SET after_sha256 = before_sha256 WHERE seq = 5", 5,
       fields_changed, 4},
      {"target rewritten", "UPDATE audit_log SET target = 'version:99' WHERE seq = 3", 3,
       fields_changed, 2},
      {"row deleted", "DELETE FROM audit_log WHERE seq = 3", 4, "seq 3 missing (gap after 2)", 2},
      {"first row deleted", "DELETE FROM audit_log WHERE seq = 1", 2, "seq 1 missing (gap after 0)",
       0},
      {"rows renumbered after a delete",
       "DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3", 3,
       "prev_sha256 does not match row 2", 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::TempDir dir("audit");
    auto db = open_migrated(dir.file("a.db"));
    append_rows(db, 6);
    db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    db.exec(c.sql);
    const auto report = verify_audit_chain(db);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(*report.first_bad_seq, c.first_bad);
    EXPECT_EQ(report.problem, c.problem);
    EXPECT_EQ(report.rows, c.rows_holding);
  }
}

// A forger who recomputes one row's hash still breaks the link to the next row.
TEST(AuditChain, ARecomputedRowHashBreaksTheNextLink) {
  test::TempDir dir("audit");
  auto db = open_migrated(dir.file("a.db"));
  append_rows(db, 4);
  db.exec("DROP TRIGGER audit_log_no_update;");
  auto row = list_audit(db, 1, 1).at(0);
  row.entry.actor = "staff:eve";
  const std::string forged = audit_row_sha256(row.seq, row.entry, row.prev_sha256);
  auto stmt = db.prepare("UPDATE audit_log SET actor = ?1, row_sha256 = ?2 WHERE seq = 2");
  stmt.bind_all(std::string_view(row.entry.actor), std::string_view(forged));
  stmt.run();
  const auto report = verify_audit_chain(db);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*report.first_bad_seq, 3);
  EXPECT_EQ(report.problem, "prev_sha256 does not match row 2");
}

TEST(AuditChain, TheEncodingIsUnambiguousAcrossFieldBoundaries) {
  AuditEntry a;
  a.actor = "ab";
  a.role = "c";
  AuditEntry b;
  b.actor = "a";
  b.role = "bc";
  EXPECT_NE(audit_row_sha256(1, a, kAuditGenesis), audit_row_sha256(1, b, kAuditGenesis));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ventanilla::storage
