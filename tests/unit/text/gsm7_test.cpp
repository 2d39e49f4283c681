#include "text/gsm7.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ventanilla::text {
namespace {

TEST(Gsm7, FullBasicTableIsOneSeptetEachAndRoundTripsUtf8) {
  const std::u32string basic =
      U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  ASSERT_EQ(basic.size(), 127u);  // 128 codes minus ESC
  std::string utf8;
  for (char32_t cp : basic) {
    EXPECT_EQ(gsm7_septets(cp), 1u) << static_cast<unsigned>(cp);
    append_utf8(utf8, cp);
  }
  EXPECT_EQ(decode_utf8(utf8), basic);
  EXPECT_EQ(septet_count(utf8), 127u);
  EXPECT_TRUE(is_gsm7(basic));
}

TEST(Gsm7, ExtensionCharsCostTwo) {
  for (char32_t cp : std::u32string(U"^{}[]~\\|€\f")) {
    EXPECT_EQ(gsm7_septets(cp), 2u) << static_cast<unsigned>(cp);
  }
  EXPECT_EQ(septet_count("€"), 2u);
  EXPECT_EQ(septet_count("a€b"), 4u);
}

TEST(Gsm7, NonGsmCharsAreRejected) {
  for (const char* s : {"á", "ç", "`", "ã", "\x1b", "😀", "’", "\t"}) {
    EXPECT_FALSE(septet_count(s).has_value()) << s;
    EXPECT_FALSE(is_gsm7(std::string_view(s))) << s;
  }
  EXPECT_EQ(septet_count(""), 0u);
}

TEST(Gsm7, InvalidUtf8BecomesQuestionMark) {
  EXPECT_EQ(decode_utf8("a\xff"
                        "b\xc3"),
            U"a?b?");
  EXPECT_EQ(septet_count("a\xff"
                         "b"),
            3u);
  EXPECT_EQ(decode_utf8("\xed\xa0\x80"), U"???");  // encoded surrogate
}

struct DecodeOneCase {
  std::string_view name;
  std::string_view utf8;
  char32_t cp;
  std::size_t length;
};

class Gsm7DecodeOne : public ::testing::TestWithParam<DecodeOneCase> {};

// decode_one reads the first code point of each case as decode_utf8 would.
TEST_P(Gsm7DecodeOne, ReadsOneCodePointAndItsLength) {
  const auto& c = GetParam();
  char32_t cp = 0;
  EXPECT_EQ(decode_one(c.utf8, 0, cp), c.length);
  EXPECT_EQ(cp, c.cp);
  EXPECT_EQ(decode_utf8(c.utf8).front(), c.cp);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Gsm7DecodeOne,
    ::testing::Values(DecodeOneCase{"ascii", "ab", U'a', 1}, DecodeOneCase{"nul", {"\0x", 2}, 0, 1},
                      DecodeOneCase{"two_bytes", "\xc3\xa9x", U'\u00e9', 2},
                      DecodeOneCase{"three_bytes", "\xe2\x82\xac", U'\u20ac', 3},
                      DecodeOneCase{"four_bytes", "\xf0\x9f\x99\x82", U'\U0001F642', 4},
                      DecodeOneCase{"stray_continuation",
                                    "\x80"
                                    "a",
                                    U'?', 1},
                      DecodeOneCase{"truncated", "\xe2\x82", U'?', 1},
                      DecodeOneCase{"overlong", "\xc0\xaf", U'?', 1},
                      DecodeOneCase{"surrogate", "\xed\xa0\x80", U'?', 1},
                      DecodeOneCase{"invalid_lead", "\xff", U'?', 1}),
    [](const auto& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace ventanilla::text
