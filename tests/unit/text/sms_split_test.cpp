#include "text/sms_split.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/screen_fit.hpp"
#include "text/segments.hpp"

namespace ventanilla::text {
namespace {

EncodedText gsm(std::string s) { return apply_policy(s, EncodingPolicy::kGsm7); }
EncodedText ucs2(std::string s) { return apply_policy(s, EncodingPolicy::kUcs2); }

// Every part is one single SMS, and joining the parts with single spaces gives the text back
// (with runs of spaces collapsed at the breaks).
void expect_single_sms_parts(const EncodedText& text, const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& p : parts) {
    const EncodedText e{p, text.encoding, 0};
    EXPECT_EQ(count_segments(e).segments, 1u) << p;
    joined += (joined.empty() ? "" : " ") + p;
  }
  EXPECT_EQ(joined, text.text);
}

TEST(SmsSplit, EmptyTextHasNoParts) { EXPECT_TRUE(split_into_single_sms(gsm("")).empty()); }

TEST(SmsSplit, AFittingTextIsOnePartUnchanged) {
  const std::string exactly160(160, 'a');
  EXPECT_EQ(split_into_single_sms(gsm(exactly160)), std::vector<std::string>{exactly160});
}

TEST(SmsSplit, BreaksBetweenWordsNeverInsideOne) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += (i ? " " : "") + std::string("palabra");  // 319 septets
  const auto parts = split_into_single_sms(gsm(text));
  ASSERT_EQ(parts.size(), 2u);
  expect_single_sms_parts(gsm(text), parts);
  for (const auto& p : parts) EXPECT_EQ(p.size() % 8, 7u) << "a word was cut: " << p;
}

TEST(SmsSplit, ExtensionCharactersCountTwoAndStayWhole) {
  // 81 euro signs in one "word" = 162 septets: cut after the 80th (160 septets), never between
  // an escape and its character.
  std::string euros;
  for (int i = 0; i < 81; ++i) euros += "\xE2\x82\xAC";  // 162 septets, one "word"
  const auto parts = split_into_single_sms(gsm(euros));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(text_cost(parts[0]).gsm7_septets, 160u);
  EXPECT_EQ(text_cost(parts[1]).gsm7_septets, 2u);
}

TEST(SmsSplit, Ucs2PartsHoldSeventyUnitsAndKeepSurrogatePairs) {
  std::string emoji;
  for (int i = 0; i < 36; ++i) emoji += "\xF0\x9F\x98\x80";  // 72 UTF-16 units, no spaces
  const auto parts = split_into_single_sms(ucs2(emoji));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(text_cost(parts[0]).ucs2_units, 70u);
  EXPECT_EQ(text_cost(parts[1]).ucs2_units, 2u);
}

TEST(SmsSplit, LongWordIsCutAtTheCapacity) {
  const std::string word(400, 'x');
  const auto parts = split_into_single_sms(gsm(word));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 160u);
  EXPECT_EQ(parts[1].size(), 160u);
  EXPECT_EQ(parts[2].size(), 80u);
}

TEST(SmsSplit, RealHubMessageInEveryPolicyGivesSingleSmsParts) {
  const std::string hub =
      "Ventanilla Informativa Municipal sobre Migración (VIMMIG) Quetzaltenango: 4a calle 11-54 "
      "zona 1, tel. +502 7761 2345, lunes a viernes 8:00-16:00. Orientación, documentos, "
      "albergues. Confirme por teléfono antes de viajar.";
  for (const auto policy : {EncodingPolicy::kGsm7, EncodingPolicy::kAuto, EncodingPolicy::kUcs2}) {
    const auto encoded = apply_policy(hub, policy);
    const auto parts = split_into_single_sms(encoded);
    EXPECT_GE(parts.size(), 2u);
    expect_single_sms_parts(encoded, parts);
  }
}

}  // namespace
}  // namespace ventanilla::text
