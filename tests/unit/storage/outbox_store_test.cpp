#include "storage/outbox_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/migrations.hpp"
#include "storage/session_store.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

const std::string kAlice(64, 'a');
const std::string kBob(64, 'b');
const std::string kSealed("\x01sealed\x00number", 14);  // NUL inside on purpose

constexpr std::int64_t kLeaseMs = 30'000;

Database open_migrated(const std::string& path) {
  auto db = Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  auto migrated = apply_migrations(*db, embedded_migrations());
  if (!migrated) throw std::runtime_error(migrated.error().message());
  return std::move(*db);
}

// Everything a test may want to check about one row, read straight from the table.
struct RawRow {
  std::string status;
  std::int64_t attempts = 0;
  std::int64_t sealed_bytes = 0;
  std::optional<std::int64_t> lease_until_ms;
  std::optional<std::string> last_error;
  bool in_doubt = false;
  std::optional<std::string> external_id;
  std::optional<std::string> delivery_status;
  std::optional<std::int64_t> delivery_ms;
  std::int64_t next_attempt_ms = 0;
  std::optional<std::int64_t> sent_ms;
  std::int64_t updated_ms = 0;
  std::optional<std::string> reference;
};

class OutboxStoreTest : public ::testing::Test {
 protected:
  // Queues a message and returns its id.
  std::int64_t queue(std::string key, std::int64_t now_ms, std::string route = "at-sms",
                     const std::string& subscriber = kAlice) {
    OutboxMessage m;
    m.idempotency_key = key;
    m.subscriber = subscriber;
    m.destination_sealed = kSealed;
    m.body = "Hub A, Calle 1 (" + key + ")";
    m.route = std::move(route);
    m.now_ms = now_ms;
    if (!enqueue_sms(db_, m)) throw std::runtime_error("duplicate key " + key);
    auto select = db_.prepare("SELECT id FROM outbox WHERE idempotency_key = ?1");
    select.bind_all(key);
    select.step();
    return select.column_int64(0);
  }

  RawRow raw(std::int64_t id) {
    auto s = db_.prepare(
        "SELECT status, attempts, length(destination_sealed), lease_until_ms, last_error, "
        "in_doubt, external_id, delivery_status, delivery_ms, next_attempt_ms, sent_ms, "
        "updated_ms, reference FROM outbox WHERE id = ?1");
    s.bind_all(id);
    if (!s.step()) throw std::runtime_error("no row " + std::to_string(id));
    auto opt_int = [&](int c) {
      return s.is_null(c) ? std::nullopt : std::optional<std::int64_t>(s.column_int64(c));
    };
    auto opt_text = [&](int c) {
      return s.is_null(c) ? std::nullopt : std::optional<std::string>(s.column_text(c));
    };
    RawRow r;
    r.status = s.column_text(0);
    r.attempts = s.column_int64(1);
    r.sealed_bytes = s.column_int64(2);
    r.lease_until_ms = opt_int(3);
    r.last_error = opt_text(4);
    r.in_doubt = s.column_int64(5) != 0;
    r.external_id = opt_text(6);
    r.delivery_status = opt_text(7);
    r.delivery_ms = opt_int(8);
    r.next_attempt_ms = s.column_int64(9);
    r.sent_ms = opt_int(10);
    r.updated_ms = s.column_int64(11);
    r.reference = opt_text(12);
    return r;
  }

  // Sets a row's state directly, for states that would otherwise take several steps to reach.
  void force_status(std::int64_t id, std::string_view status, std::int64_t next_attempt_ms) {
    auto s = db_.prepare("UPDATE outbox SET status = ?2, next_attempt_ms = ?3 WHERE id = ?1");
    s.bind_all(id, status, next_attempt_ms);
    s.run();
  }

  std::int64_t count(std::string_view table) {
    auto s = db_.prepare("SELECT count(*) FROM " + std::string(table));
    s.step();
    return s.column_int64(0);
  }

  std::vector<std::int64_t> ids(const std::vector<LeasedSms>& leased) {
    std::vector<std::int64_t> out;
    for (const auto& m : leased) out.push_back(m.id);
    return out;
  }

  // Leases the row `id` (route at-sms), which must be the only due row, and returns its attempts.
  std::int64_t lease_one(std::int64_t id, std::int64_t now_ms) {
    const auto leased = lease_due(db_, "at-sms", now_ms, kLeaseMs, 1000);
    if (leased.size() != 1 || leased[0].id != id) throw std::runtime_error("not the one row");
    return leased[0].attempts;
  }

  // Takes a freshly leased row to `state` the way a sender would (queued: back to queued, due at
  // 9'000; leased: stays leased). Throws when a mark is refused.
  void settle_lease(std::int64_t id, std::string_view state) {
    bool ok = true;
    if (state == "retry") ok = mark_retry(db_, id, 9'000, "http 503", 1'100);
    if (state == "in_doubt") ok = mark_in_doubt(db_, id, 9'000, "timeout", 1'100);
    if (state == "failed") ok = mark_failed(db_, id, "http 401", 1'100);
    if (state == "sent") ok = mark_sent(db_, id, "x", 1'100);
    if (state == "queued") force_status(id, "queued", 9'000);
    if (!ok) throw std::runtime_error("mark refused");
  }

  test::TempDir dir_;
  Database db_ = open_migrated(dir_.file("outbox.db"));
};

// --- reference ----------------------------------------------------------------------------------

TEST(OutboxReference, IsShortStableAndDependsOnTheKey) {
  const auto a = outbox_reference("at-ussd/ATUid_1/sms");
  EXPECT_EQ(a.size(), 25u);
  EXPECT_EQ(a.front(), 'v');
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 1), std::string::npos);
  EXPECT_EQ(a, outbox_reference("at-ussd/ATUid_1/sms"));
  EXPECT_NE(a, outbox_reference("at-ussd/ATUid_2/sms"));
  EXPECT_EQ(a.find("ATUid"), std::string::npos);
}

// --- lease_due ----------------------------------------------------------------------------------

TEST_F(OutboxStoreTest, LeaseTakesDueRowsOldestDueFirstThenById) {
  const auto a = queue("a", 3'000);
  const auto b = queue("b", 1'000);
  const auto c = queue("c", 2'000);
  const auto d = queue("d", 1'000);      // same due time as b, greater id
  const auto later = queue("e", 9'000);  // not yet due
  const auto leased = lease_due(db_, "at-sms", 5'000, kLeaseMs, 10);
  EXPECT_EQ(ids(leased), (std::vector<std::int64_t>{b, d, c, a}));
  EXPECT_EQ(raw(later).status, "queued");
  EXPECT_EQ(raw(later).attempts, 0);
}

TEST_F(OutboxStoreTest, LeaseRespectsTheLimitAndLeavesTheRestQueued) {
  const auto a = queue("a", 1'000);
  const auto b = queue("b", 2'000);
  const auto c = queue("c", 3'000);
  EXPECT_EQ(ids(lease_due(db_, "at-sms", 5'000, kLeaseMs, 2)), (std::vector<std::int64_t>{a, b}));
  EXPECT_EQ(raw(c).status, "queued");
  // The leased rows are not taken again while leased; the rest comes next.
  EXPECT_EQ(ids(lease_due(db_, "at-sms", 5'000, kLeaseMs, 2)), (std::vector<std::int64_t>{c}));
  EXPECT_TRUE(lease_due(db_, "at-sms", 5'000, kLeaseMs, 2).empty());
  EXPECT_TRUE(lease_due(db_, "at-sms", 5'000, kLeaseMs, 0).empty());
}

TEST_F(OutboxStoreTest, LeaseIsPerRoute) {
  const auto sms = queue("a", 1'000, "at-sms");
  const auto twilio = queue("b", 1'000, "twilio");
  EXPECT_EQ(ids(lease_due(db_, "twilio", 5'000, kLeaseMs, 10)),
            (std::vector<std::int64_t>{twilio}));
  EXPECT_EQ(raw(sms).status, "queued");
  EXPECT_TRUE(lease_due(db_, "vonage", 5'000, kLeaseMs, 10).empty());
}

TEST_F(OutboxStoreTest, NextAttemptExactlyNowIsDue) {
  const auto id = queue("a", 5'000);
  EXPECT_TRUE(lease_due(db_, "at-sms", 4'999, kLeaseMs, 10).empty());
  EXPECT_EQ(ids(lease_due(db_, "at-sms", 5'000, kLeaseMs, 10)), (std::vector<std::int64_t>{id}));
}

TEST_F(OutboxStoreTest, LeasedRowCarriesEverythingTheSenderNeeds) {
  const auto id = queue("at-ussd/ATUid_1/sms", 1'000, "at-sms", kBob);
  const auto leased = lease_due(db_, "at-sms", 5'000, kLeaseMs, 10);
  ASSERT_EQ(leased.size(), 1u);
  const auto& m = leased[0];
  EXPECT_EQ(m.id, id);
  EXPECT_EQ(m.idempotency_key, "at-ussd/ATUid_1/sms");
  EXPECT_EQ(m.reference, outbox_reference("at-ussd/ATUid_1/sms"));
  EXPECT_EQ(m.subscriber, kBob);
  EXPECT_EQ(m.destination_sealed, kSealed);
  EXPECT_EQ(m.body, "Hub A, Calle 1 (at-ussd/ATUid_1/sms)");
  EXPECT_EQ(m.route, "at-sms");
  EXPECT_EQ(m.attempts, 1u);
  EXPECT_FALSE(m.in_doubt);
  EXPECT_EQ(m.created_ms, 1'000);

  const auto row = raw(id);
  EXPECT_EQ(row.status, "leased");
  EXPECT_EQ(row.lease_until_ms, 5'000 + kLeaseMs);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.updated_ms, 5'000);
  EXPECT_EQ(row.reference, m.reference);
}

TEST_F(OutboxStoreTest, EachLeaseCountsOneMoreAttemptAndRetryAndInDoubtRowsAreLeasedAgain) {
  const auto id = queue("a", 1'000);
  EXPECT_EQ(lease_one(id, 1'000), 1);
  ASSERT_TRUE(mark_retry(db_, id, 2'000, "http 503", 1'100));
  EXPECT_TRUE(lease_due(db_, "at-sms", 1'999, kLeaseMs, 10).empty());
  EXPECT_EQ(lease_one(id, 2'000), 2);
  ASSERT_TRUE(mark_in_doubt(db_, id, 3'000, "read timeout", 2'100));
  const auto leased = lease_due(db_, "at-sms", 3'000, kLeaseMs, 10);
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].attempts, 3u);
  EXPECT_TRUE(leased[0].in_doubt);
  EXPECT_EQ(raw(id).attempts, 3);
}

TEST_F(OutboxStoreTest, OptOutIsCheckedAtSendTimeAgainstWhenTheRowWasQueued) {
  struct Case {
    std::string_view name;
    std::optional<std::int64_t> opted_out_at;  // nullopt: never opted out
    bool opted_back_in;
    bool leased;
  };
  const std::vector<Case> cases = {
      {"never opted out", std::nullopt, false, true},
      {"opted out after queueing", 2'000, false, false},
      {"opted out before queueing (asked for it)", 500, false, true},
      {"opted out in the same ms as queueing", 1'000, false, true},
      {"opted out after queueing, then back in", 2'000, true, true},
  };
  char letter = 'c';
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string subscriber(64, letter++);
    if (c.opted_out_at) set_opted_out(db_, subscriber, true, *c.opted_out_at);
    const auto id = queue("k" + std::to_string(n++), 1'000, "at-sms", subscriber);
    if (c.opted_back_in) set_opted_out(db_, subscriber, false, 3'000);
    // Another subscriber's message is unaffected.
    const auto other = queue("k" + std::to_string(n++), 1'000, "at-sms", kBob);

    const auto leased = lease_due(db_, "at-sms", 5'000, kLeaseMs, 10);
    const auto row = raw(id);
    if (c.leased) {
      EXPECT_EQ(ids(leased), (std::vector<std::int64_t>{id, other}));
      EXPECT_EQ(row.status, "leased");
      EXPECT_EQ(row.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
    } else {
      EXPECT_EQ(ids(leased), (std::vector<std::int64_t>{other}));
      EXPECT_EQ(row.status, "failed");
      EXPECT_EQ(row.last_error, "opted out");
      EXPECT_EQ(row.sealed_bytes, 0);
      EXPECT_EQ(row.attempts, 0);
      EXPECT_EQ(row.updated_ms, 5'000);
    }
  }
}

TEST_F(OutboxStoreTest, OptOutOnlyEndsDueRowsOfTheRouteBeingLeased) {
  const auto not_due = queue("a", 9'000);
  const auto other_route = queue("b", 1'000, "twilio");
  set_opted_out(db_, kAlice, true, 10'000);
  EXPECT_TRUE(lease_due(db_, "at-sms", 5'000, kLeaseMs, 10).empty());
  EXPECT_EQ(raw(not_due).status, "queued");
  EXPECT_EQ(raw(other_route).status, "queued");
}

// --- mark_*
// ---------------------------------------------------------------------------------------

TEST_F(OutboxStoreTest, MarkSentEndsTheRowAndErasesTheNumber) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  EXPECT_TRUE(mark_sent(db_, id, "ATXid_123", 1'500));
  const auto row = raw(id);
  EXPECT_EQ(row.status, "sent");
  EXPECT_EQ(row.external_id, "ATXid_123");
  EXPECT_EQ(row.sealed_bytes, 0);
  EXPECT_EQ(row.lease_until_ms, std::nullopt);
  EXPECT_EQ(row.sent_ms, 1'500);
  EXPECT_EQ(row.updated_ms, 1'500);
  EXPECT_EQ(row.last_error, std::nullopt);
}

TEST_F(OutboxStoreTest, MarkSentWithoutAnExternalIdStoresNone) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  EXPECT_TRUE(mark_sent(db_, id, "", 1'500));
  EXPECT_EQ(raw(id).external_id, std::nullopt);
}

TEST_F(OutboxStoreTest, MarkRetryAndInDoubtKeepTheNumberAndSetTheNextAttempt) {
  struct Case {
    std::string_view name;
    bool in_doubt;
  };
  for (const auto& c : {Case{"retry", false}, Case{"in_doubt", true}}) {
    SCOPED_TRACE(c.name);
    const auto id = queue(std::string(c.name), 1'000);
    lease_one(id, 1'000);
    const bool marked = c.in_doubt ? mark_in_doubt(db_, id, 7'000, "read timeout", 1'500)
                                   : mark_retry(db_, id, 7'000, "http 503", 1'500);
    EXPECT_TRUE(marked);
    const auto row = raw(id);
    EXPECT_EQ(row.status, c.name);
    EXPECT_EQ(row.in_doubt, c.in_doubt);
    EXPECT_EQ(row.next_attempt_ms, 7'000);
    EXPECT_EQ(row.last_error, c.in_doubt ? "read timeout" : "http 503");
    EXPECT_EQ(row.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
    EXPECT_EQ(row.lease_until_ms, std::nullopt);
    EXPECT_EQ(row.updated_ms, 1'500);
    EXPECT_EQ(row.attempts, 1);
  }
}

TEST_F(OutboxStoreTest, PartsSentSurviveARetryAndComeBackWithTheNextLease) {
  const auto id = queue("parts", 1'000);
  lease_one(id, 1'000);
  EXPECT_TRUE(mark_parts_sent(db_, id, 2, 1'100));
  EXPECT_TRUE(mark_retry(db_, id, 2'000, "http 503", 1'200));
  EXPECT_FALSE(mark_parts_sent(db_, id, 3, 1'300)) << "only a leased row moves on";
  const auto again = lease_due(db_, "at-sms", 2'000, 60'000, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].parts_sent, 2u);
  EXPECT_EQ(again[0].attempts, 2u);
}

TEST_F(OutboxStoreTest, RecoverAllLeasesMakesEveryLeasedRowDueNowInDoubt) {
  const auto a = queue("a", 1'000);
  lease_one(a, 1'000);  // leased well past 2'000: not expired then
  const auto b = queue("b", 1'000);
  lease_one(b, 1'000);
  const auto c = queue("c", 5'000);  // not due yet, untouched
  EXPECT_EQ(recover_all_leases(db_, 2'000), 2);
  for (const auto id : {a, b}) {
    const auto row = raw(id);
    EXPECT_EQ(row.status, "in_doubt");
    EXPECT_TRUE(row.in_doubt);
    EXPECT_EQ(row.next_attempt_ms, 2'000) << "due now, not at some far cutoff";
    EXPECT_EQ(row.lease_until_ms, std::nullopt);
  }
  EXPECT_EQ(raw(c).status, "queued");
  EXPECT_EQ(lease_due(db_, "at-sms", 2'000, 60'000, 10).size(), 2u);
}

TEST_F(OutboxStoreTest, InDoubtFlagStaysSetAfterALaterRetry) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  ASSERT_TRUE(mark_in_doubt(db_, id, 2'000, "connection reset after write", 1'100));
  lease_one(id, 2'000);
  ASSERT_TRUE(mark_retry(db_, id, 3'000, "http 503", 2'100));
  EXPECT_EQ(raw(id).status, "retry");
  EXPECT_TRUE(raw(id).in_doubt);
  lease_one(id, 3'000);
  ASSERT_TRUE(mark_sent(db_, id, "x1", 3'100));
  EXPECT_TRUE(raw(id).in_doubt);
}

TEST_F(OutboxStoreTest, MarkFailedEndsTheRowWithTheReasonAndErasesTheNumber) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  EXPECT_TRUE(mark_failed(db_, id, "invalid number", 1'500));
  const auto row = raw(id);
  EXPECT_EQ(row.status, "failed");
  EXPECT_EQ(row.last_error, "invalid number");
  EXPECT_EQ(row.sealed_bytes, 0);
  EXPECT_EQ(row.lease_until_ms, std::nullopt);
  EXPECT_EQ(row.updated_ms, 1'500);
}

TEST_F(OutboxStoreTest, MarksActOnlyOnLeasedRows) {
  using Mark = bool (*)(Database&, std::int64_t);
  struct MarkCase {
    std::string_view name;
    Mark mark;
  };
  const std::vector<MarkCase> marks = {
      {"sent", [](Database& db, std::int64_t id) { return mark_sent(db, id, "x", 9'000); }},
      {"retry",
       [](Database& db, std::int64_t id) { return mark_retry(db, id, 9'500, "r", 9'000); }},
      {"in_doubt",
       [](Database& db, std::int64_t id) { return mark_in_doubt(db, id, 9'500, "r", 9'000); }},
      {"failed", [](Database& db, std::int64_t id) { return mark_failed(db, id, "r", 9'000); }},
      {"release", [](Database& db, std::int64_t id) { return release_lease(db, id, 9'000); }},
  };
  const std::vector<std::string_view> not_leased = {"queued", "retry", "in_doubt", "sent",
                                                    "failed"};
  int n = 0;
  for (const auto& m : marks) {
    for (const auto status : not_leased) {
      SCOPED_TRACE(std::string(m.name) + " on " + std::string(status));
      const auto id = queue("k" + std::to_string(n++), 1'000);
      force_status(id, status, 1'000);
      const auto before = raw(id);
      EXPECT_FALSE(m.mark(db_, id));
      const auto after = raw(id);
      EXPECT_EQ(after.status, before.status);
      EXPECT_EQ(after.updated_ms, before.updated_ms);
      EXPECT_EQ(after.sealed_bytes, before.sealed_bytes);
      EXPECT_EQ(after.next_attempt_ms, before.next_attempt_ms);
    }
    SCOPED_TRACE(std::string(m.name) + " on a missing row");
    EXPECT_FALSE(m.mark(db_, 999'999));
  }
}

TEST_F(OutboxStoreTest, ASecondMarkOfTheSameLeaseIsRefused) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  ASSERT_TRUE(mark_sent(db_, id, "x1", 1'500));
  EXPECT_FALSE(mark_failed(db_, id, "late error", 1'600));
  EXPECT_EQ(raw(id).status, "sent");
  EXPECT_EQ(raw(id).last_error, std::nullopt);
}

// --- release_lease
// --------------------------------------------------------------------------------

TEST_F(OutboxStoreTest, ReleaseGivesTheRowBackInItsEarlierStateWithoutCountingTheAttempt) {
  struct Case {
    std::string_view name;
    std::string_view earlier;  // state before the lease
    std::int64_t attempts_before;
    bool in_doubt;
  };
  const std::vector<Case> cases = {
      {"never tried", "queued", 0, false},
      {"retrying", "retry", 2, false},
      {"in doubt", "in_doubt", 1, true},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto id = queue("k" + std::to_string(n++), 1'000);
    auto set =
        db_.prepare("UPDATE outbox SET status = ?2, attempts = ?3, in_doubt = ?4 WHERE id = ?1");
    set.bind_all(id, c.earlier, c.attempts_before, c.in_doubt ? 1 : 0);
    set.run();
    lease_one(id, 1'000);
    EXPECT_TRUE(release_lease(db_, id, 1'200));
    const auto row = raw(id);
    EXPECT_EQ(row.status, c.earlier);
    EXPECT_EQ(row.attempts, c.attempts_before);
    EXPECT_EQ(row.next_attempt_ms, 1'200);
    EXPECT_EQ(row.lease_until_ms, std::nullopt);
    EXPECT_EQ(row.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
  }
}

// --- recover_expired_leases
// -----------------------------------------------------------------------

TEST_F(OutboxStoreTest, ExpiredLeasesBecomeInDoubtAndDueNowButNotAtTheExactBoundary) {
  const auto early = queue("a", 1'000);
  lease_one(early, 1'000);  // until 31'000
  const auto late = queue("b", 2'000);
  lease_one(late, 2'000);  // until 32'000
  const auto queued = queue("c", 1'000);
  force_status(queued, "queued", 50'000);

  EXPECT_EQ(recover_expired_leases(db_, 31'000), 0);  // lease_until == now: still held
  EXPECT_EQ(raw(early).status, "leased");
  EXPECT_EQ(recover_expired_leases(db_, 31'001), 1);

  const auto row = raw(early);
  EXPECT_EQ(row.status, "in_doubt");
  EXPECT_TRUE(row.in_doubt);
  EXPECT_EQ(row.next_attempt_ms, 31'001);
  EXPECT_EQ(row.updated_ms, 31'001);
  EXPECT_EQ(row.lease_until_ms, std::nullopt);
  EXPECT_EQ(row.last_error, "lease expired (in flight at a crash?)");
  EXPECT_EQ(row.attempts, 1);  // the attempt that may have gone out still counts
  EXPECT_EQ(row.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
  EXPECT_EQ(raw(late).status, "leased");
  EXPECT_EQ(raw(queued).status, "queued");

  EXPECT_EQ(recover_expired_leases(db_, 40'000), 1);
  EXPECT_EQ(raw(late).status, "in_doubt");
  EXPECT_EQ(recover_expired_leases(db_, 40'000), 0);

  // The recovered rows are sent again, flagged.
  const auto again = lease_due(db_, "at-sms", 40'000, kLeaseMs, 10);
  EXPECT_EQ(ids(again), (std::vector<std::int64_t>{early, late}));
  for (const auto& m : again) {
    EXPECT_TRUE(m.in_doubt);
    EXPECT_EQ(m.attempts, 2u);
  }
}

// --- record_delivery
// ------------------------------------------------------------------------------

class DeliveryTest : public OutboxStoreTest {
 protected:
  // A row sent with external id "ext-1".
  std::int64_t sent_row(std::string key = "a") {
    const auto id = queue(std::move(key), 1'000);
    lease_one(id, 1'000);
    if (!mark_sent(db_, id, "ext-1", 1'500)) throw std::runtime_error("not marked");
    return id;
  }

  DeliveryOutcome report(std::string reference, std::string external_id, std::string status,
                         std::string dedupe_key, std::int64_t now_ms,
                         std::string route = "at-sms") {
    DeliveryUpdate u;
    u.reference = std::move(reference);
    u.external_id = std::move(external_id);
    u.status = std::move(status);
    u.dedupe_key = std::move(dedupe_key);
    return record_delivery(db_, route, u, now_ms);
  }
};

TEST_F(DeliveryTest, FindsTheRowByOurReferenceOrByTheCarriersIdOnItsRoute) {
  const auto id = sent_row();
  const auto ref = raw(id).reference.value();
  EXPECT_EQ(report(ref, "", "accepted", "d1", 2'000), DeliveryOutcome::kApplied);
  EXPECT_EQ(raw(id).delivery_status, "accepted");
  EXPECT_EQ(raw(id).delivery_ms, 2'000);
  EXPECT_EQ(report("", "ext-1", "sent", "d2", 3'000), DeliveryOutcome::kApplied);
  EXPECT_EQ(raw(id).delivery_status, "sent");
  // An unknown reference falls back to the carrier's id.
  EXPECT_EQ(report("vnotours", "ext-1", "delivered", "d3", 4'000), DeliveryOutcome::kApplied);
  EXPECT_EQ(raw(id).delivery_status, "delivered");
  EXPECT_EQ(raw(id).delivery_ms, 4'000);
}

TEST_F(DeliveryTest, TheCarriersIdIsOnlyMatchedOnTheSameRoute) {
  const auto id = sent_row();
  EXPECT_EQ(report("", "ext-1", "delivered", "d1", 2'000, "twilio"),
            DeliveryOutcome::kUnknownMessage);
  EXPECT_EQ(raw(id).delivery_status, std::nullopt);
}

TEST_F(DeliveryTest, UnknownMessagesAreAnsweredAndTheirReportIsStillRemembered) {
  sent_row();
  EXPECT_EQ(report("", "ext-404", "delivered", "d1", 2'000), DeliveryOutcome::kUnknownMessage);
  EXPECT_EQ(report("", "", "delivered", "d2", 2'000), DeliveryOutcome::kUnknownMessage);
  EXPECT_EQ(count("delivery_reports_seen"), 2);
  EXPECT_EQ(report("", "ext-404", "delivered", "d1", 2'100), DeliveryOutcome::kDuplicate);
}

TEST_F(DeliveryTest, ARepeatedReportChangesNothing) {
  const auto id = sent_row();
  ASSERT_EQ(report("", "ext-1", "accepted", "d1", 2'000), DeliveryOutcome::kApplied);
  // Same key again, even with another status, is a duplicate.
  EXPECT_EQ(report("", "ext-1", "delivered", "d1", 3'000), DeliveryOutcome::kDuplicate);
  EXPECT_EQ(raw(id).delivery_status, "accepted");
  EXPECT_EQ(raw(id).delivery_ms, 2'000);
  // The same key from another route's carrier is a different report.
  EXPECT_EQ(report("", "ext-1", "delivered", "d1", 3'000, "twilio"),
            DeliveryOutcome::kUnknownMessage);
}

TEST_F(DeliveryTest, DeliveryStatusOnlyMovesForward) {
  struct Case {
    std::string_view first, second, expected;
  };
  const std::vector<Case> cases = {
      {"accepted", "sent", "sent"},
      {"sent", "accepted", "sent"},
      {"accepted", "delivered", "delivered"},
      {"delivered", "sent", "delivered"},
      {"delivered", "accepted", "delivered"},
      {"undelivered", "sent", "undelivered"},
      {"failed", "accepted", "failed"},
      {"sent", "undelivered", "undelivered"},
      {"sent", "failed", "failed"},
      {"delivered", "undelivered", "delivered"},  // a final status is not overwritten
      {"undelivered", "delivered", "undelivered"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.first) + " then " + std::string(c.second));
    const auto key = "k" + std::to_string(n++);
    const auto id = queue(key, 1'000);
    lease_one(id, 1'000);
    const auto ext = "ext-" + key;
    ASSERT_TRUE(mark_sent(db_, id, ext, 1'500));
    EXPECT_EQ(report("", ext, std::string(c.first), key + "/1", 2'000), DeliveryOutcome::kApplied);
    EXPECT_EQ(report("", ext, std::string(c.second), key + "/2", 3'000), DeliveryOutcome::kApplied);
    EXPECT_EQ(raw(id).delivery_status, c.expected);
    EXPECT_EQ(raw(id).status, "sent");
  }
}

TEST_F(DeliveryTest, AReportThatTheCarrierHasItSettlesAnUnsentRowAsSent) {
  struct Case {
    std::string_view state;  // where the row is when the report arrives
    std::string_view report_status;
    std::string_view expected_status;
  };
  const std::vector<Case> cases = {
      {"in_doubt", "delivered", "sent"},
      {"in_doubt", "accepted", "sent"},
      {"leased", "sent", "sent"},
      {"retry", "delivered", "sent"},
      {"queued", "accepted", "sent"},
      // A carrier that says it did NOT deliver is no proof it has the message: resend.
      {"in_doubt", "undelivered", "in_doubt"},
      {"retry", "failed", "retry"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.report_status) + " for a " + std::string(c.state) + " row");
    const auto key = "k" + std::to_string(n++);
    const auto id = queue(key, 1'000);
    lease_one(id, 1'000);  // gives the row its reference
    if (c.state == "in_doubt") {
      ASSERT_TRUE(mark_in_doubt(db_, id, 5'000, "read timeout", 1'100));
    } else if (c.state == "retry") {
      ASSERT_TRUE(mark_retry(db_, id, 5'000, "http 503", 1'100));
    } else if (c.state == "queued") {
      force_status(id, "queued", 5'000);
    }
    const auto ref = raw(id).reference.value();
    EXPECT_EQ(report(ref, "ext-" + key, std::string(c.report_status), key, 2'000),
              DeliveryOutcome::kApplied);
    const auto row = raw(id);
    EXPECT_EQ(row.status, c.expected_status);
    EXPECT_EQ(row.delivery_status, c.report_status);
    if (c.expected_status == "sent") {
      EXPECT_EQ(row.external_id, "ext-" + key);
      EXPECT_EQ(row.sealed_bytes, 0);
      EXPECT_EQ(row.sent_ms, 2'000);
      EXPECT_EQ(row.lease_until_ms, std::nullopt);
      // ... and so it is not sent again, nor does the sender's late mark apply.
      EXPECT_TRUE(lease_due(db_, "at-sms", 10'000, kLeaseMs, 10).empty());
      EXPECT_FALSE(mark_sent(db_, id, "late", 2'100));
    } else {
      EXPECT_EQ(row.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
      EXPECT_EQ(row.external_id, std::nullopt);
      EXPECT_EQ(ids(lease_due(db_, "at-sms", 10'000, kLeaseMs, 10)),
                (std::vector<std::int64_t>{id}));
      ASSERT_TRUE(mark_failed(db_, id, "give up", 10'100));  // out of the next case's way
    }
  }
}

TEST_F(DeliveryTest, AReportForASentRowKeepsItsExternalIdAndSentTime) {
  const auto id = sent_row();
  EXPECT_EQ(report(raw(id).reference.value(), "ext-other", "delivered", "d1", 2'000),
            DeliveryOutcome::kApplied);
  EXPECT_EQ(raw(id).external_id, "ext-1");
  EXPECT_EQ(raw(id).sent_ms, 1'500);
}

TEST_F(DeliveryTest, AReportForAStaffCancelledRowDoesNotReviveIt) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  ASSERT_TRUE(mark_in_doubt(db_, id, 5'000, "read timeout", 1'100));
  ASSERT_EQ(cancel_message(db_, id, 1'200), StaffActionResult::kDone);
  EXPECT_EQ(report(raw(id).reference.value(), "", "delivered", "d1", 2'000),
            DeliveryOutcome::kApplied);
  EXPECT_EQ(raw(id).status, "failed");
  EXPECT_EQ(raw(id).delivery_status, "delivered");  // recorded: staff can see it arrived
}

// --- staff
// ----------------------------------------------------------------------------------------

TEST_F(OutboxStoreTest, ListIsNewestFirstFilteredAndLimited) {
  const auto a = queue("a", 1'000, "at-sms");
  const auto b = queue("b", 2'000, "twilio", kBob);
  const auto c = queue("c", 3'000, "at-sms");
  force_status(c, "queued", 9'000);  // only `a` is due at 1'000
  lease_one(a, 1'000);
  ASSERT_TRUE(mark_retry(db_, a, 8'000, "http 503", 1'100));

  auto ids_of = [](const std::vector<OutboxRow>& rows) {
    std::vector<std::int64_t> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  };
  struct Case {
    std::string_view name;
    OutboxFilter filter;
    std::vector<std::int64_t> expected;
  };
  const std::vector<Case> cases = {
      {"all", {std::nullopt, std::nullopt, 50}, {c, b, a}},
      {"limit", {std::nullopt, std::nullopt, 2}, {c, b}},
      {"by status", {std::string("queued"), std::nullopt, 50}, {c, b}},
      {"by route", {std::nullopt, std::string("at-sms"), 50}, {c, a}},
      {"by both", {std::string("retry"), std::string("at-sms"), 50}, {a}},
      {"nothing matches", {std::string("sent"), std::nullopt, 50}, {}},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    EXPECT_EQ(ids_of(list_outbox(db_, k.filter)), k.expected);
  }

  const auto rows = list_outbox(db_, {std::string("retry"), std::nullopt, 50});
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  EXPECT_EQ(r.reference, outbox_reference("a"));
  EXPECT_EQ(r.subscriber, kAlice);
  EXPECT_EQ(r.route, "at-sms");
  EXPECT_EQ(r.status, "retry");
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.next_attempt_ms, 8'000);
  EXPECT_EQ(r.last_error, "http 503");
  EXPECT_FALSE(r.in_doubt);
  EXPECT_EQ(r.external_id, "");
  EXPECT_EQ(r.delivery_status, "");
  EXPECT_EQ(r.created_ms, 1'000);
  EXPECT_EQ(r.updated_ms, 1'100);

  const auto never_leased = list_outbox(db_, {std::nullopt, std::string("twilio"), 50});
  ASSERT_EQ(never_leased.size(), 1u);
  EXPECT_EQ(never_leased[0].reference, "");
  EXPECT_EQ(never_leased[0].subscriber, kBob);
}

TEST_F(OutboxStoreTest, StaffRetryRequeuesRowsThatStillHaveTheirNumber) {
  struct Case {
    std::string_view name;
    std::string_view state;
    StaffActionResult expected;
  };
  const std::vector<Case> cases = {
      {"retry", "retry", StaffActionResult::kDone},
      {"in doubt", "in_doubt", StaffActionResult::kDone},
      {"failed, number erased", "failed", StaffActionResult::kNumberErased},
      {"sent", "sent", StaffActionResult::kWrongState},
      {"queued", "queued", StaffActionResult::kWrongState},
      {"leased", "leased", StaffActionResult::kWrongState},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto id = queue("k" + std::to_string(n++), 1'000);
    lease_one(id, 1'000);
    settle_lease(id, c.state);
    const auto before = raw(id);

    EXPECT_EQ(retry_message(db_, id, 2'000), c.expected);
    const auto after = raw(id);
    if (c.expected == StaffActionResult::kDone) {
      EXPECT_EQ(after.status, "queued");
      EXPECT_EQ(after.next_attempt_ms, 2'000);
      EXPECT_EQ(after.updated_ms, 2'000);
      EXPECT_EQ(after.attempts, 1);  // kept
      EXPECT_EQ(after.in_doubt, before.in_doubt);
      EXPECT_EQ(after.sealed_bytes, static_cast<std::int64_t>(kSealed.size()));
      EXPECT_EQ(ids(lease_due(db_, "at-sms", 2'000, kLeaseMs, 10)),
                (std::vector<std::int64_t>{id}));
      ASSERT_TRUE(mark_sent(db_, id, "x", 2'100));  // out of the next case's way
    } else {
      EXPECT_EQ(after.status, before.status);
      EXPECT_EQ(after.next_attempt_ms, before.next_attempt_ms);
      EXPECT_EQ(after.updated_ms, before.updated_ms);
      if (c.state == "leased") {
        ASSERT_TRUE(mark_sent(db_, id, "x", 2'100));
      }
    }
  }
  EXPECT_EQ(retry_message(db_, 999'999, 2'000), StaffActionResult::kNotFound);
}

TEST_F(OutboxStoreTest, StaffCancelEndsRowsNotInACarrierCallAndErasesTheNumber) {
  struct Case {
    std::string_view state;
    StaffActionResult expected;
  };
  const std::vector<Case> cases = {
      {"queued", StaffActionResult::kDone},     {"retry", StaffActionResult::kDone},
      {"in_doubt", StaffActionResult::kDone},   {"leased", StaffActionResult::kWrongState},
      {"sent", StaffActionResult::kWrongState}, {"failed", StaffActionResult::kWrongState},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.state);
    const auto id = queue("k" + std::to_string(n++), 1'000);
    if (c.state != "queued") {
      lease_one(id, 1'000);
      settle_lease(id, c.state);
    }
    const auto before = raw(id);

    EXPECT_EQ(cancel_message(db_, id, 2'000), c.expected);
    const auto after = raw(id);
    if (c.expected == StaffActionResult::kDone) {
      EXPECT_EQ(after.status, "failed");
      EXPECT_EQ(after.last_error, "cancelled by staff");
      EXPECT_EQ(after.sealed_bytes, 0);
      EXPECT_EQ(after.updated_ms, 2'000);
      EXPECT_EQ(retry_message(db_, id, 2'100), StaffActionResult::kNumberErased);
    } else {
      EXPECT_EQ(after.status, before.status);
      EXPECT_EQ(after.last_error, before.last_error);
      EXPECT_EQ(after.sealed_bytes, before.sealed_bytes);
      if (c.state == "leased") {
        // The sender's outcome still lands.
        EXPECT_TRUE(mark_sent(db_, id, "x", 2'100));
      }
    }
  }
  EXPECT_EQ(cancel_message(db_, 999'999, 2'000), StaffActionResult::kNotFound);
}

TEST_F(OutboxStoreTest, ACancelWhileLeasedIsRefusedSoTheSendersMarkIsNotLost) {
  const auto id = queue("a", 1'000);
  lease_one(id, 1'000);
  EXPECT_EQ(cancel_message(db_, id, 1'100), StaffActionResult::kWrongState);
  EXPECT_TRUE(mark_retry(db_, id, 5'000, "http 503", 1'200));
  EXPECT_EQ(cancel_message(db_, id, 1'300), StaffActionResult::kDone);
  // A sender that (wrongly) still held it cannot resurrect it.
  EXPECT_FALSE(mark_sent(db_, id, "x", 1'400));
  EXPECT_EQ(raw(id).status, "failed");
}

// --- counts and purge
// -----------------------------------------------------------------------------

TEST_F(OutboxStoreTest, CountsListEverySixStatusesIncludingZeros) {
  const auto empty = outbox_counts(db_);
  const std::vector<std::pair<std::string, std::int64_t>> zeros = {
      {"queued", 0}, {"leased", 0}, {"sent", 0}, {"retry", 0}, {"failed", 0}, {"in_doubt", 0}};
  EXPECT_EQ(empty.by_status, zeros);
  EXPECT_EQ(empty.in_doubt_flagged, 0);
  EXPECT_EQ(empty.oldest_due_ms, 0);

  const auto q1 = queue("q1", 4'000);
  const auto q2 = queue("q2", 6'000);
  const auto l = queue("l", 1'000);
  const auto s = queue("s", 1'000);
  const auto d = queue("d", 1'000);
  force_status(q1, "failed", 4'000);  // keep them out of the lease below
  force_status(q2, "failed", 6'000);
  lease_due(db_, "at-sms", 1'000, kLeaseMs, 10);
  ASSERT_TRUE(mark_sent(db_, s, "x", 1'100));
  ASSERT_TRUE(mark_in_doubt(db_, d, 7'000, "timeout", 1'100));
  force_status(q1, "queued", 4'000);
  force_status(q2, "queued", 6'000);
  (void)l;

  const auto counts = outbox_counts(db_);
  const std::vector<std::pair<std::string, std::int64_t>> expected = {
      {"queued", 2}, {"leased", 1}, {"sent", 1}, {"retry", 0}, {"failed", 0}, {"in_doubt", 1}};
  EXPECT_EQ(counts.by_status, expected);
  EXPECT_EQ(counts.in_doubt_flagged, 1);
  EXPECT_EQ(counts.oldest_due_ms, 4'000);

  // The flag outlives the in_doubt state (it explains a duplicate after the row was sent).
  lease_due(db_, "at-sms", 7'000, kLeaseMs, 10);
  ASSERT_TRUE(mark_sent(db_, d, "y", 7'100));
  EXPECT_EQ(outbox_counts(db_).in_doubt_flagged, 1);
}

TEST_F(OutboxStoreTest, PurgeDeletesFinishedRowsAndReportsStrictlyOlderThanTheLimit) {
  const auto sent_old = queue("a", 1'000);
  const auto failed_at_limit = queue("b", 1'000);
  const auto retry_old = queue("c", 1'000);
  const auto queued_old = queue("d", 1'000);
  lease_due(db_, "at-sms", 1'000, kLeaseMs, 3);  // a, b, c
  ASSERT_TRUE(mark_sent(db_, sent_old, "x", 4'999));
  ASSERT_TRUE(mark_failed(db_, failed_at_limit, "http 401", 5'000));
  ASSERT_TRUE(mark_retry(db_, retry_old, 100'000, "http 503", 1'100));
  {
    DeliveryUpdate u;
    u.external_id = "nope";
    u.status = "delivered";
    u.dedupe_key = "old";
    ASSERT_EQ(record_delivery(db_, "at-sms", u, 4'999), DeliveryOutcome::kUnknownMessage);
    u.dedupe_key = "at-limit";
    ASSERT_EQ(record_delivery(db_, "at-sms", u, 5'000), DeliveryOutcome::kUnknownMessage);
  }

  EXPECT_EQ(purge_finished(db_, 5'000), 2);  // sent_old and the "old" report
  EXPECT_EQ(count("outbox"), 3);
  EXPECT_THROW(raw(sent_old), std::runtime_error);
  EXPECT_EQ(raw(failed_at_limit).status, "failed");
  EXPECT_EQ(raw(retry_old).status, "retry");
  EXPECT_EQ(raw(queued_old).status, "queued");
  EXPECT_EQ(count("delivery_reports_seen"), 1);

  EXPECT_EQ(purge_finished(db_, 1'000'000), 2);  // failed_at_limit and the "at-limit" report
  EXPECT_EQ(count("outbox"), 2);
  EXPECT_EQ(count("delivery_reports_seen"), 0);
}

TEST_F(OutboxStoreTest, ExpireUnsentFailsOldWaitingRowsAndErasesTheirNumbers) {
  const auto queued_old = queue("queued-old", 1'000);
  const auto retry_old = queue("retry-old", 1'000);
  force_status(retry_old, "retry", 9'000);
  const auto in_doubt_old = queue("doubt-old", 1'000);
  force_status(in_doubt_old, "in_doubt", 9'000);
  const auto leased_old = queue("leased-old", 1'000);
  force_status(leased_old, "leased", 9'000);  // being sent now: the sender settles it
  const auto sent_old = queue("sent-old", 1'000);
  force_status(sent_old, "sent", 9'000);
  const auto queued_fresh = queue("queued-fresh", 5'000);

  EXPECT_EQ(expire_unsent(db_, 5'000, 7'000), 3);
  for (const auto id : {queued_old, retry_old, in_doubt_old}) {
    const auto row = raw(id);
    EXPECT_EQ(row.status, "failed") << id;
    EXPECT_EQ(row.sealed_bytes, 0) << id;
    EXPECT_EQ(row.last_error, "expired: not sent within outbound.max_queue_age_h") << id;
    EXPECT_EQ(row.updated_ms, 7'000) << id;
  }
  EXPECT_EQ(raw(leased_old).status, "leased");
  EXPECT_GT(raw(leased_old).sealed_bytes, 0);
  EXPECT_EQ(raw(sent_old).status, "sent");
  EXPECT_EQ(raw(queued_fresh).status, "queued");  // created exactly at the limit: kept
  EXPECT_GT(raw(queued_fresh).sealed_bytes, 0);
  // Expired rows are then purged like any failed row once finished retention has passed (with
  // sent_old, last updated at 1'000).
  EXPECT_EQ(purge_finished(db_, 7'001), 3 + 1);
}

// --- schema
// ---------------------------------------------------------------------------------------

TEST_F(OutboxStoreTest, SchemaRejectsAnUnknownDeliveryStatusAndAForeignInDoubtValue) {
  const auto id = queue("a", 1'000);
  auto bad_status = db_.prepare("UPDATE outbox SET delivery_status = 'read' WHERE id = ?1");
  bad_status.bind_all(id);
  EXPECT_ANY_THROW(bad_status.run());
  auto bad_flag = db_.prepare("UPDATE outbox SET in_doubt = 2 WHERE id = ?1");
  bad_flag.bind_all(id);
  EXPECT_ANY_THROW(bad_flag.run());
}

}  // namespace
}  // namespace ventanilla::storage
