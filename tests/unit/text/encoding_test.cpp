#include "text/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "text/transliterate.hpp"

namespace ventanilla::text {
namespace {

struct Case {
  std::string_view name;
  std::string_view input;
  std::string_view gsm7_text;  // expected text under kGsm7
  bool auto_is_gsm7;           // kAuto keeps GSM-7?
};

const Case kLanguages[] = {
    {"spanish", "¿Dónde está el albergue? Información: teléfono 55 1234, niños ¡sí!",
     "¿Donde esta el albergue? Informacion: teléfono 55 1234, niños ¡si!", false},
    {"english", "Shelter open 8am-6pm. Bring your ID.", "Shelter open 8am-6pm. Bring your ID.",
     true},
    {"french", "Où est l’hôpital? Ça coûte 5 € — très cher « non »",
     "Où est l'hopital? Ça coute 5 € - très cher \" non \"", false},
    {"haitian", "Kote lopital la ye? Mwen bezwen èd. Ò!", "Kote lopital la ye? Mwen bezwen èd. O!",
     false},
    {"portuguese", "Não há ação; você está à espera… São Paulo",
     "Nao ha acao; voce esta à espera... Sao Paulo", false},
    {"haitian_lower", "Mwen bezwen èd, tanpri. Sa a pa bon.",
     "Mwen bezwen èd, tanpri. Sa a pa bon.", true},
};

class Languages : public ::testing::TestWithParam<Case> {};

TEST_P(Languages, EachPolicy) {
  const Case& c = GetParam();
  const auto g = apply_policy(c.input, EncodingPolicy::kGsm7);
  EXPECT_EQ(g.text, c.gsm7_text);
  EXPECT_EQ(g.encoding, Encoding::kGsm7);

  const auto a = apply_policy(c.input, EncodingPolicy::kAuto);
  EXPECT_EQ(a.text, c.input);
  EXPECT_EQ(a.encoding, c.auto_is_gsm7 ? Encoding::kGsm7 : Encoding::kUcs2);

  const auto u = apply_policy(c.input, EncodingPolicy::kUcs2);
  EXPECT_EQ(u.text, c.input);
  EXPECT_EQ(u.encoding, Encoding::kUcs2);
  EXPECT_EQ(u.units, utf16_units(c.input));
}

INSTANTIATE_TEST_SUITE_P(Text, Languages, ::testing::ValuesIn(kLanguages),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Encoding, KeepsGsmAccentsUnderGsm7Policy) {
  const std::string_view keep = "éèùìòÇØøÅåÄÖÑÜäöñüàÉßÆæ¿¡";
  EXPECT_EQ(transliterate_gsm7(keep), keep);
  EXPECT_EQ(transliterate_gsm7("çÁÍÓÚãõâêôœ"), "cAIOUaoaeooe");
}

TEST(Encoding, OneAcuteForcesUcs2UnderAutoButTransliteratesUnderGsm7) {
  const auto a = apply_policy("más", EncodingPolicy::kAuto);
  EXPECT_EQ(a.encoding, Encoding::kUcs2);
  EXPECT_EQ(a.units, 3u);
  const auto g = apply_policy("más", EncodingPolicy::kGsm7);
  EXPECT_EQ(g.text, "mas");
  EXPECT_EQ(g.units, 3u);
}

TEST(Encoding, EuroCountsTwoSeptets) {
  const auto e = apply_policy("5€", EncodingPolicy::kAuto);
  EXPECT_EQ(e.encoding, Encoding::kGsm7);
  EXPECT_EQ(e.units, 3u);
}

TEST(Encoding, EmojiIsTwoUtf16UnitsAndQuestionMarkUnderGsm7) {
  const auto a = apply_policy("hi 😀", EncodingPolicy::kAuto);
  EXPECT_EQ(a.encoding, Encoding::kUcs2);
  EXPECT_EQ(a.units, 5u);
  EXPECT_EQ(apply_policy("hi 😀", EncodingPolicy::kGsm7).text, "hi ?");
}

TEST(Encoding, InvalidUtf8ReplacedByQuestionMarkUnderEveryPolicy) {
  for (auto p : {EncodingPolicy::kGsm7, EncodingPolicy::kAuto, EncodingPolicy::kUcs2}) {
    EXPECT_EQ(apply_policy("a\xff\xfe"
                           "b\xe2\x82",
                           p)
                  .text,
              "a??b??");
  }
}

TEST(Encoding, UssdScreenLimitBoundaryCounts) {
  // reliability.md G6: 182/183 GSM-7 septets, 80/81 UCS-2 units (the limit check itself is
  // the caller's; these pin the unit counts it compares).
  EXPECT_EQ(apply_policy(std::string(182, 'a'), EncodingPolicy::kAuto).units, 182u);
  EXPECT_EQ(apply_policy(std::string(183, 'a'), EncodingPolicy::kAuto).units, 183u);
  EXPECT_EQ(apply_policy(std::string(180, 'a') + "€", EncodingPolicy::kAuto).units, 182u);
  std::string u80;
  for (int i = 0; i < 80; ++i) u80 += "á";
  EXPECT_EQ(apply_policy(u80, EncodingPolicy::kAuto).units, 80u);
  EXPECT_EQ(apply_policy(u80 + "á", EncodingPolicy::kAuto).units, 81u);
}

}  // namespace
}  // namespace ventanilla::text
