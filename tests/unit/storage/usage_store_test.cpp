#include "storage/usage_store.hpp"

#include <gtest/gtest.h>

#include "storage/migrations.hpp"
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

TEST(UsageStore, UtcDayOfEpochMilliseconds) {
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(1'800'000'000'000), "2027-01-15");
  EXPECT_EQ(utc_day(1'764'460'799'999), "2025-11-29");  // 23:59:59.999 UTC
  EXPECT_EQ(utc_day(1'764'460'800'000), "2025-11-30");
}

}  // namespace
}  // namespace ventanilla::storage
