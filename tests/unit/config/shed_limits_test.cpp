// The shedding thresholds of [limits]: safe defaults, range checks, and the admin <= SMS order
// that makes "admin first, then SMS, then USSD" hold (reliability.md "Hostile clients").

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace ventanilla::config {
namespace {

struct ShedCase {
  const char* name;
  std::string toml;
  std::vector<Override> overrides;
  std::string want;  // the error detail, or "admin/sms" percents when it loads
};

std::string outcome(const ShedCase& c) {
  auto result = parse_config(c.toml, "t.toml", c.overrides);
  if (!result) return result.error().detail;
  return std::to_string(result->limits.shed_admin_at_percent) + "/" +
         std::to_string(result->limits.shed_sms_at_percent);
}

TEST(ShedLimits, DefaultsRangesAndOrder) {
  const std::vector<ShedCase> cases = {
      {"defaults", "", {}, "50/80"},
      {"both set", "[limits]\nshed_admin_at_percent = 30\nshed_sms_at_percent = 90\n", {}, "30/90"},
      {"equal is allowed", "[limits]\nshed_admin_at_percent = 80\n", {}, "80/80"},
      {"override", "", {{"limits.shed_sms_at_percent", "100"}}, "50/100"},
      {"admin zero",
       "[limits]\nshed_admin_at_percent = 0\n",
       {},
       "t.toml:2: limits.shed_admin_at_percent: must be between 1 and 100"},
      {"sms over 100",
       "[limits]\nshed_sms_at_percent = 101\n",
       {},
       "t.toml:2: limits.shed_sms_at_percent: must be between 1 and 100"},
      {"admin above sms",
       "[limits]\nshed_admin_at_percent = 90\n",
       {},
       "t.toml:2: limits.shed_admin_at_percent: must be between 1 and 80 "
       "(limits.shed_sms_at_percent)"},
      {"sms lowered below admin blames sms line",
       "[limits]\nshed_sms_at_percent = 40\n",
       {},
       "t.toml:2: limits.shed_admin_at_percent: must be between 1 and 40 "
       "(limits.shed_sms_at_percent)"},
      {"override breaks the order",
       "",
       {{"limits.shed_admin_at_percent", "95"}},
       "--set: limits.shed_admin_at_percent: must be between 1 and 80 "
       "(limits.shed_sms_at_percent)"},
  };
  for (const auto& c : cases) EXPECT_EQ(outcome(c), c.want) << c.name;
}

}  // namespace
}  // namespace ventanilla::config
