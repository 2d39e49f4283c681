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

}  // namespace
}  // namespace ventanilla::text
