// Edge cases of the outbox store: references across leases, every byte of a sealed number,
// opt-out against language changes, erase_subscriber against leased rows, delivery during a lease.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/session_store.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

const std::string kCarol(64, 'c');
const std::string kDave(64, 'd');
const std::string kSealedNumber(
    "\x02num\x00"
    "ber",
    8);  // split: \x00b would read as one escape

constexpr std::int64_t kLease = 30'000;

Database open_migrated_db(const std::string& path) {
  auto db = Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  auto migrated = apply_migrations(*db, embedded_migrations());
  if (!migrated) throw std::runtime_error(migrated.error().message());
  return std::move(*db);
}

class OutboxExtraTest : public ::testing::Test {
 protected:
  std::int64_t queue(const std::string& key, std::int64_t now_ms,
                     const std::string& subscriber = kCarol,
                     const std::string& sealed = kSealedNumber) {
    OutboxMessage m;
    m.idempotency_key = key;
    m.subscriber = subscriber;
    m.destination_sealed = sealed;
    m.body = "body " + key;
    m.route = "at-sms";
    m.now_ms = now_ms;
    if (!enqueue_sms(db_, m)) throw std::runtime_error("duplicate key " + key);
    auto s = db_.prepare("SELECT id FROM outbox WHERE idempotency_key = ?1");
    s.bind_all(key);
    s.step();
    return s.column_int64(0);
  }

  std::optional<std::string> reference_of(std::int64_t id) {
    auto s = db_.prepare("SELECT reference FROM outbox WHERE id = ?1");
    s.bind_all(id);
    if (!s.step()) throw std::runtime_error("no row");
    return s.is_null(0) ? std::nullopt : std::optional<std::string>(s.column_text(0));
  }

  std::string status_of(std::int64_t id) {
    auto s = db_.prepare("SELECT status FROM outbox WHERE id = ?1");
    s.bind_all(id);
    return s.step() ? s.column_text(0) : std::string("<gone>");
  }

  std::int64_t sealed_bytes(std::int64_t id) {
    auto s = db_.prepare("SELECT length(destination_sealed) FROM outbox WHERE id = ?1");
    s.bind_all(id);
    if (!s.step()) throw std::runtime_error("no row");
    return s.column_int64(0);
  }

  std::vector<std::int64_t> lease_ids(std::int64_t now_ms) {
    std::vector<std::int64_t> out;
    for (const auto& m : lease_due(db_, "at-sms", now_ms, kLease, 100)) out.push_back(m.id);
    return out;
  }

  test::TempDir dir_;
  Database db_ = open_migrated_db(dir_.file("extra.db"));
};

TEST_F(OutboxExtraTest, ReferenceIsStoredAtTheFirstLeaseAndStaysTheSameOnEveryLaterLease) {
  const auto id = queue("at-ussd/ATUid_9/sms", 1'000);
  EXPECT_EQ(reference_of(id), std::nullopt);
  const auto expected = outbox_reference("at-ussd/ATUid_9/sms");

  auto first = lease_due(db_, "at-sms", 1'000, kLease, 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].reference, expected);
  EXPECT_EQ(reference_of(id), expected);

  ASSERT_TRUE(mark_retry(db_, id, 2'000, "http 503", 1'100));
  auto second = lease_due(db_, "at-sms", 2'000, kLease, 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].reference, expected);

  // A lease lost in a crash, recovered and leased again: still the same reference.
  EXPECT_EQ(recover_expired_leases(db_, 2'000 + kLease + 1), 1);
  auto third = lease_due(db_, "at-sms", 2'000 + kLease + 1, kLease, 10);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].reference, expected);
  EXPECT_TRUE(third[0].in_doubt);
  EXPECT_EQ(third[0].attempts, 3u);
  EXPECT_EQ(reference_of(id), expected);
}

TEST_F(OutboxExtraTest, SealedBytesOfEveryValueRoundTripExactly) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const std::vector<std::pair<std::string_view, std::string>> cases = {
      {"all 256 byte values", every_byte},
      {"only NULs", std::string(5, '\0')},
      {"trailing NUL", std::string("ab\0", 3)},
  };
  int n = 0;
  for (const auto& [name, sealed] : cases) {
    SCOPED_TRACE(name);
    const auto id = queue("k" + std::to_string(n++), 1'000, kCarol, sealed);
    const auto leased = lease_due(db_, "at-sms", 1'000, kLease, 10);
    ASSERT_EQ(leased.size(), 1u);
    EXPECT_EQ(leased[0].id, id);
    EXPECT_EQ(leased[0].destination_sealed, sealed);
    ASSERT_TRUE(mark_sent(db_, id, "x", 1'100));
  }
}

// The contract: "a message queued after the opt-out is one that person asked for, and is sent".
// Choosing a language later does not opt the person out again.
TEST_F(OutboxExtraTest, OptedOutBeforeQueueingThenALanguageChangeStillSends) {
  set_opted_out(db_, kCarol, true, 500);
  const auto id = queue("asked-for-it", 1'000);
  remember_language(db_, kCarol, "es", 2'000);
  EXPECT_EQ(lease_ids(5'000), (std::vector<std::int64_t>{id}));
  EXPECT_EQ(status_of(id), "leased");
  EXPECT_EQ(sealed_bytes(id), static_cast<std::int64_t>(kSealedNumber.size()));
}

TEST_F(OutboxExtraTest, OptingOutAgainAfterQueueingEndsTheRow) {
  set_opted_out(db_, kCarol, true, 500);
  const auto id = queue("asked-for-it", 1'000);
  set_opted_out(db_, kCarol, true, 2'000);  // STOP once more: they no longer want it
  EXPECT_TRUE(lease_ids(5'000).empty());
  EXPECT_EQ(status_of(id), "failed");
  EXPECT_EQ(sealed_bytes(id), 0);
}

TEST_F(OutboxExtraTest, EraseSubscriberDeletesUnsentRowsButNotOnesInACarrierCallOrFinished) {
  struct Case {
    std::string_view state;
    bool deleted;
  };
  const std::vector<Case> cases = {
      {"queued", true},  {"retry", true}, {"in_doubt", true},
      {"leased", false}, {"sent", false}, {"failed", false},
  };
  std::vector<std::int64_t> ids;
  int n = 0;
  for (const auto& c : cases) {
    const auto id = queue("k" + std::to_string(n++), 1'000);
    if (c.state != "queued") {
      const auto leased = lease_due(db_, "at-sms", 1'000, kLease, 1);
      if (leased.size() != 1 || leased[0].id != id) throw std::runtime_error("lease");
      bool ok = true;
      if (c.state == "retry") ok = mark_retry(db_, id, 9'000, "http 503", 1'100);
      if (c.state == "in_doubt") ok = mark_in_doubt(db_, id, 9'000, "timeout", 1'100);
      if (c.state == "sent") ok = mark_sent(db_, id, "x", 1'100);
      if (c.state == "failed") ok = mark_failed(db_, id, "http 401", 1'100);
      if (!ok) throw std::runtime_error("mark");
    } else {
      auto s = db_.prepare("UPDATE outbox SET next_attempt_ms = 9000 WHERE id = ?1");
      s.bind_all(id);
      s.run();
    }
    ids.push_back(id);
  }
  const auto other = queue("dave", 1'000, kDave);

  EXPECT_EQ(erase_subscriber(db_, kCarol), 3);  // no session or settings rows for Carol
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].state);
    EXPECT_EQ(status_of(ids[i]), cases[i].deleted ? "<gone>" : std::string(cases[i].state));
  }
  EXPECT_EQ(status_of(other), "queued");
  // The leased row's sender can still report its outcome.
  EXPECT_TRUE(mark_sent(db_, ids[3], "y", 1'200));
}

TEST_F(OutboxExtraTest, ADeliveredReportDuringALeaseIsNotUndoneByTheLeaseExpiring) {
  const auto id = queue("a", 1'000);
  ASSERT_EQ(lease_ids(1'000), (std::vector<std::int64_t>{id}));
  DeliveryUpdate u;
  u.reference = outbox_reference("a");
  u.external_id = "ext-a";
  u.status = "delivered";
  u.dedupe_key = "r1";
  ASSERT_EQ(record_delivery(db_, "at-sms", u, 1'500), DeliveryOutcome::kApplied);
  EXPECT_EQ(status_of(id), "sent");
  EXPECT_EQ(sealed_bytes(id), 0);
  // The sender that held the lease died: nothing to recover, nothing to resend.
  EXPECT_EQ(recover_expired_leases(db_, 1'000 + kLease + 1), 0);
  EXPECT_FALSE(mark_in_doubt(db_, id, 50'000, "timeout", 1'600));
  EXPECT_TRUE(lease_ids(100'000).empty());
  EXPECT_EQ(status_of(id), "sent");
}

}  // namespace
}  // namespace ventanilla::storage
