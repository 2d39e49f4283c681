#include "text/segments.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ventanilla::text {
namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

struct Case {
  std::string_view name;
  std::string text;
  EncodingPolicy policy;
  std::size_t units;
  std::size_t segments;
};

class Segments : public ::testing::TestWithParam<Case> {};

TEST_P(Segments, Count) {
  const Case& c = GetParam();
  const auto enc = apply_policy(c.text, c.policy);
  const auto info = count_segments(enc);
  EXPECT_EQ(info.units, c.units);
  EXPECT_EQ(info.segments, c.segments);
}

const Case kCases[] = {
    {"empty", "", EncodingPolicy::kAuto, 0, 0},
    {"gsm_160", repeat("a", 160), EncodingPolicy::kAuto, 160, 1},
    {"gsm_161", repeat("a", 161), EncodingPolicy::kAuto, 161, 2},
    {"gsm_306", repeat("a", 306), EncodingPolicy::kAuto, 306, 2},
    {"gsm_307", repeat("a", 307), EncodingPolicy::kAuto, 307, 3},
    {"gsm_euro_159", repeat("a", 158) + "€", EncodingPolicy::kAuto, 160, 1},
    // 152 septets then € at septet 153: the ESC pair moves to segment 2.
    {"gsm_ext_straddle", repeat("a", 152) + "€" + repeat("a", 152), EncodingPolicy::kAuto, 306, 3},
    {"gsm_ext_fits", repeat("a", 151) + "€" + repeat("a", 153), EncodingPolicy::kAuto, 306, 2},
    {"ucs2_70", repeat("á", 70), EncodingPolicy::kAuto, 70, 1},
    {"ucs2_71", repeat("á", 71), EncodingPolicy::kAuto, 71, 2},
    {"ucs2_134", repeat("á", 134), EncodingPolicy::kAuto, 134, 2},
    {"ucs2_135", repeat("á", 135), EncodingPolicy::kAuto, 135, 3},
    {"ucs2_forced_ascii", repeat("a", 71), EncodingPolicy::kUcs2, 71, 2},
    {"emoji_35", repeat("😀", 35), EncodingPolicy::kAuto, 70, 1},
    // 66 units then an emoji at unit 67: the surrogate pair moves to segment 2.
    {"emoji_straddle", repeat("á", 66) + "😀" + repeat("á", 66), EncodingPolicy::kAuto, 134, 3},
    {"gsm7_policy_translit", repeat("á", 161), EncodingPolicy::kGsm7, 161, 2},
};

INSTANTIATE_TEST_SUITE_P(Text, Segments, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ventanilla::text
