#include "storage/usage_store.hpp"

#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/session_store.hpp"
#include "storage/transaction.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

TEST(UsageStore, CountsAddUpPerDayAndDimensionsAndListByRange) {
  test::TempDir dir("usage");
  auto db = Database::open(dir.file("u.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(apply_migrations(*db, embedded_migrations()));
  add_usage(*db, {"2026-11-28", "ussd", "GT", "es", ""}, 1, 0, 0);
  add_usage(*db, {"2026-11-29", "ussd", "GT", "es", ""}, 1, 0, 0);
  add_usage(*db, {"2026-11-29", "ussd", "GT", "es", ""}, 0, 1, 0);
  add_usage(*db, {"2026-11-29", "sms", "", "", ""}, 0, 0, 1);
  add_usage(*db, {"2026-11-30", "ussd", "MX", "en", "shelter_referral"}, 1, 1, 0);
  const auto rows = list_usage(*db, "2026-11-29", "2026-11-29");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].channel, "sms");
  EXPECT_EQ(rows[0].sms_sent, 1);
  EXPECT_EQ(rows[1].channel, "ussd");
  EXPECT_EQ(rows[1].sessions, 1);
  EXPECT_EQ(rows[1].lookups, 1);
  EXPECT_EQ(list_usage(*db, "2026-11-01", "2026-12-31").size(), 4u);
}

// An SMS counts as sent when the carrier accepts it, under the dimensions of the conversation
// that queued it; a row queued without them counts under channel sms alone.
TEST(UsageStore, SentSmsAreCountedUnderTheirConversationsDimensions) {
  test::TempDir dir("usage");
  auto db = Database::open(dir.file("u.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(apply_migrations(*db, embedded_migrations()));
  constexpr std::int64_t kNow = 1'800'000'000'000;
  ASSERT_TRUE(
      enqueue_sms(*db, {"k1", "sub", "sealed", "hola", "at", kNow, "ussd|GT|es|shelter_referral"}));
  ASSERT_TRUE(enqueue_sms(*db, {"k2", "sub", "sealed", "hola", "at", kNow, ""}));
  const auto leased = lease_due(*db, "at", kNow, 60'000, 10);
  ASSERT_EQ(leased.size(), 2u);
  for (const auto& m : leased) EXPECT_TRUE(mark_sent(*db, m.id, "ext-" + m.idempotency_key, kNow));
  EXPECT_FALSE(mark_sent(*db, leased[0].id, "again", kNow));  // not leased any more: not counted
  const auto rows = list_usage(*db, "2027-01-15", "2027-01-15");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].channel, "sms");
  EXPECT_EQ(rows[0].country, "");
  EXPECT_EQ(rows[0].sms_sent, 1);
  EXPECT_EQ(rows[1].channel, "ussd");
  EXPECT_EQ(rows[1].country, "GT");
  EXPECT_EQ(rows[1].language, "es");
  EXPECT_EQ(rows[1].service, "shelter_referral");
  EXPECT_EQ(rows[1].sms_sent, 1);
}

TEST(UsageStore, UtcDayOfEpochMilliseconds) {
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(1'800'000'000'000), "2027-01-15");
  EXPECT_EQ(utc_day(1'764'460'799'999), "2025-11-29");  // 23:59:59.999 UTC
  EXPECT_EQ(utc_day(1'764'460'800'000), "2025-11-30");
}

}  // namespace
}  // namespace ventanilla::storage
