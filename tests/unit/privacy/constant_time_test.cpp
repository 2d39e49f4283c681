#include "privacy/constant_time.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ventanilla::privacy {
namespace {

struct Case {
  std::string_view name;
  std::string_view a;
  std::string_view b;
  bool equal;
};

class ConstantTimeEqual : public ::testing::TestWithParam<Case> {};

TEST_P(ConstantTimeEqual, AgreesWithPlainComparisonBothWays) {
  const auto& c = GetParam();
  EXPECT_EQ(constant_time_equal(c.a, c.b), c.equal);
  EXPECT_EQ(constant_time_equal(c.b, c.a), c.equal);
}

INSTANTIATE_TEST_SUITE_P(Table, ConstantTimeEqual,
                         ::testing::Values(Case{"BothEmpty", "", "", true},
                                           Case{"DefaultViews", std::string_view(),
                                                std::string_view(), true},
                                           Case{"EmptyVsNonEmpty", "", "a", false},
                                           Case{"Same", "sha256=abcdef", "sha256=abcdef", true},
                                           Case{"DiffersFirstByte", "xbcdef", "abcdef", false},
                                           Case{"DiffersLastByte", "abcdeX", "abcdef", false},
                                           Case{"PrefixIsNotEqual", "abc", "abcdef", false},
                                           Case{"CaseMatters", "ABCDEF", "abcdef", false},
                                           Case{"EmbeddedNul", std::string_view("a\0b", 3),
                                                std::string_view("a\0c", 3), false},
                                           Case{"EmbeddedNulSame", std::string_view("a\0b", 3),
                                                std::string_view("a\0b", 3), true},
                                           Case{"HighBytes", "\xff\xfe", "\xff\xfe", true},
                                           Case{"HighBytesDiffer", "\xff\xfe", "\xff\xff", false}),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(ConstantTimeEqualLong, DetectsADifferenceAnywhereInALongInput) {
  const std::string base(4096, 'q');
  for (const std::size_t at : {std::size_t{0}, std::size_t{2048}, std::size_t{4095}}) {
    std::string other = base;
    other[at] = 'r';
    EXPECT_FALSE(constant_time_equal(base, other)) << at;
  }
  EXPECT_TRUE(constant_time_equal(base, std::string(4096, 'q')));
}

}  // namespace
}  // namespace ventanilla::privacy
