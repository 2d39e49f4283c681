#include "text/screen_fit.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "text/encoding.hpp"
#include "text/gsm7.hpp"

namespace ventanilla::text {
namespace {

// ---- Costs --------------------------------------------------------------------------------------

struct CostCase {
  std::string_view name;
  std::string_view text;
  std::size_t septets;
  std::size_t ucs2;
  bool native;
};

class TextCostTable : public ::testing::TestWithParam<CostCase> {};

TEST_P(TextCostTable, MatchesTheEncoders) {
  const CostCase& c = GetParam();
  const TextCost cost = text_cost(c.text);
  EXPECT_EQ(cost.gsm7_septets, c.septets);
  EXPECT_EQ(cost.ucs2_units, c.ucs2);
  EXPECT_EQ(cost.gsm7_native, c.native);
  // The cost is what the encoders really send.
  EXPECT_EQ(cost.gsm7_septets, apply_policy(c.text, EncodingPolicy::kGsm7).units);
  EXPECT_EQ(cost.ucs2_units, apply_policy(c.text, EncodingPolicy::kUcs2).units);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TextCostTable,
    ::testing::Values(CostCase{"empty", "", 0, 0, true},
                      CostCase{"ascii", "1 Guatemala", 11, 11, true},
                      CostCase{"euro_counts_two", "5 €", 4, 3, true},
                      CostCase{"extension_chars_count_two", "[]{}~^|\\", 16, 8, true},
                      CostCase{"gsm_accents_count_one", "ñÑüéà", 5, 5, true},
                      CostCase{"accent_outside_gsm_is_transliterated", "á", 1, 1, false},
                      CostCase{"spanish_sentence", "Opción no válida", 16, 16, false},
                      CostCase{"emoji_two_utf16_units", "ok 🙂", 4, 5, false},
                      CostCase{"newline", "a\nb", 3, 3, true}),
    [](const auto& param) { return std::string(param.param.name); });

TEST(TextCost, IsAdditive) {
  const std::string_view a = "Tel. 5€ ";
  const std::string_view b = "Opción 🙂";
  const TextCost sum = text_cost(a) + text_cost(b);
  const TextCost whole = text_cost(std::string(a) + std::string(b));
  EXPECT_EQ(sum.gsm7_septets, whole.gsm7_septets);
  EXPECT_EQ(sum.ucs2_units, whole.ucs2_units);
  EXPECT_EQ(sum.gsm7_native, whole.gsm7_native);
}

// ---- Capacity -----------------------------------------------------------------------------------

struct CapacityCase {
  std::size_t septets;
  std::size_t ucs2;
};

class ScreenCapacity : public ::testing::TestWithParam<CapacityCase> {};

TEST_P(ScreenCapacity, Ucs2HoldsTheSameOctets) {
  const ScreenLimit limit{GetParam().septets, EncodingPolicy::kUcs2};
  EXPECT_EQ(limit.ucs2_units(), GetParam().ucs2);
  EXPECT_LE(limit.ucs2_units() * 16, limit.septets * 7 + 7) << "never more octets than septets";
}

INSTANTIATE_TEST_SUITE_P(Table, ScreenCapacity,
                         ::testing::Values(CapacityCase{182, 80}, CapacityCase{160, 70},
                                           CapacityCase{140, 61}));

TEST(ScreenFit, PolicyPicksTheEncoding) {
  const TextCost plain = text_cost("Hola");
  const TextCost accented = text_cost("Opción");
  const ScreenLimit gsm{182, EncodingPolicy::kGsm7};
  const ScreenLimit automatic{182, EncodingPolicy::kAuto};
  const ScreenLimit ucs2{182, EncodingPolicy::kUcs2};

  auto fit = screen_fit(accented, gsm);
  EXPECT_EQ(fit.encoding, Encoding::kGsm7);
  EXPECT_EQ(fit.capacity, 182u);
  EXPECT_EQ(fit.units, 6u);

  fit = screen_fit(plain, automatic);
  EXPECT_EQ(fit.encoding, Encoding::kGsm7);
  EXPECT_EQ(fit.capacity, 182u);

  fit = screen_fit(accented, automatic);
  EXPECT_EQ(fit.encoding, Encoding::kUcs2);
  EXPECT_EQ(fit.capacity, 80u);
  EXPECT_EQ(fit.units, 6u);

  fit = screen_fit(plain, ucs2);
  EXPECT_EQ(fit.encoding, Encoding::kUcs2);
  EXPECT_EQ(fit.capacity, 80u);
}

TEST(ScreenFit, ExactlyFullFitsOneMoreDoesNot) {
  const ScreenLimit limit{160, EncodingPolicy::kGsm7};
  EXPECT_TRUE(screen_fit(text_cost(std::string(160, 'a')), limit).fits());
  EXPECT_FALSE(screen_fit(text_cost(std::string(161, 'a')), limit).fits());
  // € takes two septets: 79 of them and one 'a' fill 159, 80 take 160, 80 and an 'a' overflow.
  std::string euros;
  for (int i = 0; i < 80; ++i) euros += "€";
  EXPECT_TRUE(screen_fit(text_cost(euros), limit).fits());
  EXPECT_FALSE(screen_fit(text_cost(euros + "a"), limit).fits());
}

// ---- Truncation ---------------------------------------------------------------------------------

// `out` is a word-boundary shortening of `in`: a prefix of it, then "...", and the prefix ends
// where a word ends (followed in `in` by a space or punctuation).
void ExpectWordBoundaryCut(std::string_view in, const std::string& out) {
  ASSERT_TRUE(out.ends_with("...")) << out;
  const std::string_view prefix = std::string_view(out).substr(0, out.size() - 3);
  ASSERT_TRUE(in.starts_with(prefix)) << out;
  ASSERT_LT(prefix.size(), in.size());
  const char after = in[prefix.size()];
  EXPECT_TRUE(after == ' ' || after == ',' || after == '.') << "cut inside a word: " << out;
  EXPECT_FALSE(prefix.ends_with(' ')) << out;
}

struct TruncateCase {
  std::string_view name;
  std::string_view text;
  std::size_t reserved_septets;
  ScreenLimit limit;
};

void PrintTo(const TruncateCase& c, std::ostream* os) { *os << c.name; }

class TruncateTable : public ::testing::TestWithParam<TruncateCase> {};

TEST_P(TruncateTable, FitsAndCutsAtAWord) {
  const TruncateCase& c = GetParam();
  const TextCost reserved{c.reserved_septets, c.reserved_septets, true};
  const std::string out = truncate_to_fit(c.text, reserved, c.limit);
  EXPECT_TRUE(screen_fit(reserved + text_cost(out), c.limit).fits()) << out;
  ExpectWordBoundaryCut(c.text, out);
  // And not much shorter than it could be: the next word would not have fit.
  const std::string_view rest = c.text.substr(out.size() - 3);
  const auto next_start = rest.find_first_not_of(" ,.");
  ASSERT_NE(next_start, std::string_view::npos);
  const auto next_end = rest.find(' ', next_start);
  const std::string longer =
      std::string(c.text.substr(
          0, out.size() - 3 + (next_end == std::string_view::npos ? rest.size() : next_end))) +
      "...";
  EXPECT_FALSE(screen_fit(reserved + text_cost(longer), c.limit).fits()) << longer;
}

constexpr std::string_view kLong =
    "Ventanilla Informativa Municipal sobre Migración (VIMMIG) Quetzaltenango, calle principal "
    "frente al parque central, segundo nivel del edificio municipal, zona uno";

INSTANTIATE_TEST_SUITE_P(
    Table, TruncateTable,
    ::testing::Values(
        TruncateCase{"gsm7_182", kLong, 60, {182, EncodingPolicy::kGsm7}},
        TruncateCase{"gsm7_160", kLong, 30, {160, EncodingPolicy::kGsm7}},
        TruncateCase{"gsm7_140", kLong, 60, {140, EncodingPolicy::kGsm7}},
        TruncateCase{"ucs2_80", kLong, 10, {182, EncodingPolicy::kUcs2}},
        TruncateCase{"auto_non_gsm", kLong, 5, {182, EncodingPolicy::kAuto}},
        TruncateCase{"euro_heavy",
                     "Costo € 5 € por € dia € y € mas € por € noche € en € el € albergue € de € "
                     "la € ciudad € grande",
                     0,
                     {40, EncodingPolicy::kGsm7}},
        TruncateCase{"brackets_count_two",
                     "[a] [b] [c] [d] [e] [f] [g] [h]",
                     0,
                     {20, EncodingPolicy::kGsm7}}),
    [](const auto& param) { return std::string(param.param.name); });

TEST(Truncate, TextThatFitsIsUnchanged) {
  const ScreenLimit limit{182, EncodingPolicy::kGsm7};
  EXPECT_EQ(truncate_to_fit("Hola mundo", {}, limit), "Hola mundo");
  const std::string full(182, 'x');
  EXPECT_EQ(truncate_to_fit(full, {}, limit), full);
}

TEST(Truncate, EuroCountsTwoWhenCutting) {
  // 10 septets: "ab €€" is 2 + 1 + 4 = 7 septets, plus "..." = 10; the next word does not fit.
  const ScreenLimit limit{10, EncodingPolicy::kGsm7};
  EXPECT_EQ(truncate_to_fit("ab €€ cd ef", {}, limit), "ab €€...");
  // With plain letters instead of € the same room holds "ab cd" (one more word needs 11).
  EXPECT_EQ(truncate_to_fit("ab cd ef gh", {}, limit), "ab cd...");
}

TEST(Truncate, TrailingPunctuationIsDropped) {
  const ScreenLimit limit{12, EncodingPolicy::kGsm7};
  EXPECT_EQ(truncate_to_fit("Hola, mundo grande", {}, limit), "Hola...");
}

TEST(Truncate, OneWordLongerThanTheScreenIsCutAtACharacter) {
  const ScreenLimit limit{12, EncodingPolicy::kUcs2};  // 5 UTF-16 units
  const std::string out = truncate_to_fit("ñññññññññ", {}, limit);
  EXPECT_EQ(out, "ññ...");
  EXPECT_TRUE(screen_fit(text_cost(out), limit).fits());
  // Never half a character, even for astral code points (two UTF-16 units each).
  const std::string emoji = truncate_to_fit("🙂🙂🙂🙂", {}, limit);
  EXPECT_EQ(emoji, "🙂...");
  EXPECT_EQ(decode_utf8(emoji).find(U'?'), std::u32string::npos);
}

}  // namespace
}  // namespace ventanilla::text
