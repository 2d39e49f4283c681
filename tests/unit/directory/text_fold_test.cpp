#include "directory/text_fold.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ventanilla::directory {
namespace {

struct FoldCase {
  std::string_view name;
  std::string_view input;
  std::string_view folded;
};

class Fold : public ::testing::TestWithParam<FoldCase> {};

TEST_P(Fold, GivesTheSearchForm) { EXPECT_EQ(fold(GetParam().input), GetParam().folded); }

INSTANTIATE_TEST_SUITE_P(
    Table, Fold,
    ::testing::Values(
        FoldCase{"AccentsAndCase", "SAN JOSÉ", "san jose"}, FoldCase{"Enye", "Ñuñoa", "nunoa"},
        FoldCase{"Diaeresis", "Comayagüela", "comayaguela"},
        FoldCase{"PunctuationSeparates", "San-Pedro  SULA!", "san pedro sula"},
        FoldCase{"TabsAndNewlines", "\tSan\nPedro\r\n", "san pedro"},
        FoldCase{"CiudadAbbreviation", "Cd. de México", "ciudad de mexico"},
        FoldCase{"CdWithoutDot", "cd juarez", "ciudad juarez"},
        FoldCase{"SantaAbbreviation", "Sta. Ana", "santa ana"},
        FoldCase{"SantoAbbreviation", "Sto. Domingo", "santo domingo"},
        FoldCase{"SanAbbreviation", "S. Pedro", "san pedro"},
        FoldCase{"GeneralAbbreviation", "Gral. Escobedo", "general escobedo"},
        FoldCase{"ColoniaAbbreviation", "Col. Centro", "colonia centro"},
        FoldCase{"PuertoAbbreviation", "Pto. Escondido", "puerto escondido"},
        FoldCase{"OrdinalAbbreviation", "1ra. Sección", "primera seccion"},
        FoldCase{"AbbreviationOnlyAsWholeToken", "Cdmx Colima Santa", "cdmx colima santa"},
        FoldCase{"ApostropheJoins", "St. Matthew's", "saint matthews"},
        FoldCase{"TypographicApostropheJoins", "Aguaskal\u2019entes", "aguaskalentes"},
        FoldCase{"FullWidthLetters", "\uFF23\uFF24\uFF2D\uFF38", "cdmx"},
        FoldCase{"Ligature", "\uFB01nca", "finca"}, FoldCase{"SharpS", "Straße", "strasse"},
        FoldCase{"SoftHyphenIgnored", "Quet\u00ADzal", "quetzal"},
        FoldCase{"CombiningMarkStripped", "Cobe\u0301n", "coben"},
        FoldCase{"DigitsKept", "Zona 1", "zona 1"},
        FoldCase{"CyrillicKeptAndLowered", "Гватемала", "гватемала"},
        FoldCase{"EmojiSeparates", "\U0001F600Xela\U0001F600", "xela"},
        FoldCase{"InvalidUtf8Separates", "\xff\xfeXela\xc3", "xela"},
        FoldCase{"OnlySymbols", "!!! ... ---", ""}, FoldCase{"Empty", "", ""}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(FoldedText, SplitsTokensAndExpandsAbbreviations) {
  const FoldedText f("Pedro  Sula, S.");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f.token(0), "pedro");
  EXPECT_EQ(f.token(1), "sula");
  EXPECT_EQ(f.token(2), "san");
  EXPECT_EQ(f.text(), "pedro sula san");
}

TEST(FoldedText, ReuseForgetsThePreviousText) {
  FoldedText f("Tegucigalpa Francisco Morazán");
  f.assign("Xela");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.text(), "xela");
  f.assign("");
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.text(), "");
}

TEST(FoldedText, LongInputIsLinearAndWhole) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "Sta. Ana ";
  const FoldedText f(input);
  EXPECT_EQ(f.size(), 2000u);
  EXPECT_EQ(f.token(1999), "ana");
}

TEST(Abbreviations, OnlyKnownWholeTokens) {
  EXPECT_EQ(expand_abbreviation("cd"), "ciudad");
  EXPECT_EQ(expand_abbreviation("s"), "san");
  EXPECT_EQ(expand_abbreviation("gral"), "general");
  EXPECT_EQ(expand_abbreviation("cdmx"), "");
  EXPECT_EQ(expand_abbreviation("c"), "");
  EXPECT_EQ(expand_abbreviation(""), "");
}

TEST(Stopwords, AreTheFunctionWords) {
  for (const auto w : {"de", "del", "la", "las", "el", "los", "y"})
    EXPECT_TRUE(is_stopword(w)) << w;
  for (const auto w : {"san", "pedro", "d", "", "dela"}) EXPECT_FALSE(is_stopword(w)) << w;
}

TEST(AreaWords, SayWhatKindOfAreaNotWhich) {
  for (const auto w : {"estado", "department", "departamento", "provincia", "district", "city"}) {
    EXPECT_TRUE(is_area_word(w)) << w;
  }
  for (const auto w : {"yoro", "mexico", "ciudad", "de", ""}) EXPECT_FALSE(is_area_word(w)) << w;
}

struct DistanceCase {
  std::string_view a;
  std::string_view b;
  std::size_t max;
  std::size_t expected;
};

class EditDistance : public ::testing::TestWithParam<DistanceCase> {};

TEST_P(EditDistance, MatchesTheHandComputedValue) {
  const auto& c = GetParam();
  EXPECT_EQ(bounded_edit_distance(c.a, c.b, c.max), c.expected) << c.a << " / " << c.b;
  EXPECT_EQ(bounded_edit_distance(c.b, c.a, c.max), c.expected) << "symmetric";
  const EditDistancePattern pattern(c.a);
  EXPECT_EQ(pattern.distance(c.b, c.max), c.expected) << "bit-parallel";
}

INSTANTIATE_TEST_SUITE_P(
    Table, EditDistance,
    ::testing::Values(DistanceCase{"xela", "xela", 2, 0},
                      DistanceCase{"tapachla", "tapachula", 2, 1},  // deletion
                      DistanceCase{"quetzaltenago", "quetzaltenango", 2, 1},
                      DistanceCase{"sual", "sula", 1, 1},          // transposition
                      DistanceCase{"veracrus", "veracruz", 2, 1},  // substitution
                      DistanceCase{"kitten", "sitting", 3, 3},
                      DistanceCase{"ca", "abc", 3, 3},  // OSA, not full DL (2)
                      DistanceCase{"abc", "", 5, 3}, DistanceCase{"", "", 0, 0},
                      DistanceCase{"tapachla", "tampico", 2, 3},       // over the bound: max+1
                      DistanceCase{"guatemala", "guadalajara", 1, 2},  // length gap alone
                      DistanceCase{"monterey", "monterrey", 0, 1}));

TEST(EditDistance, BitParallelAgreesWithTheMatrixOnRandomWords) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> length(0, 14);
  std::uniform_int_distribution<int> letter(0, 3);  // a small alphabet makes many near pairs
  std::uniform_int_distribution<int> bound(0, 4);
  auto word = [&] {
    std::string w(static_cast<std::size_t>(length(rng)), 'a');
    for (auto& c : w) c = static_cast<char>('a' + letter(rng));
    return w;
  };
  EditDistancePattern pattern;
  for (int i = 0; i < 20000; ++i) {
    const std::string a = word();
    const std::string b = word();
    const auto max = static_cast<std::size_t>(bound(rng));
    pattern.assign(a);
    ASSERT_EQ(pattern.distance(b, max), bounded_edit_distance(a, b, max))
        << a << " / " << b << " max " << max;
  }
}

TEST(EditDistance, OverlongTokensOnlyMatchThemselves) {
  const std::string long_a(kMaxEditTokenBytes + 1, 'a');
  std::string long_b = long_a;
  long_b.back() = 'b';
  EXPECT_EQ(bounded_edit_distance(long_a, long_a, 2), 0u);
  EXPECT_EQ(bounded_edit_distance(long_a, long_b, 2), 3u);
  EXPECT_EQ(EditDistancePattern(long_a).distance(long_b, 2), 3u);
}

TEST(TokenSignature, BoundsTheEditDistanceFromBelow) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> length(1, 12);
  std::uniform_int_distribution<int> letter(0, 5);
  auto word = [&] {
    std::string w(static_cast<std::size_t>(length(rng)), 'a');
    for (auto& c : w) c = static_cast<char>('a' + letter(rng));
    return w;
  };
  for (int i = 0; i < 5000; ++i) {
    const std::string a = word();
    const std::string b = word();
    const auto sa = token_signature(a);
    const auto sb = token_signature(b);
    const auto d = static_cast<int>(bounded_edit_distance(a, b, kMaxEditTokenBytes));
    ASSERT_LE(__builtin_popcountll(sa & ~sb), d) << a << " / " << b;
    ASSERT_LE(__builtin_popcountll(sb & ~sa), d) << a << " / " << b;
  }
}

TEST(TokenSignature, FilterKeepsOnlyTokensThatCanBeNear) {
  const std::vector<std::string> words = {"tapachula", "tapanala", "zacatecas", "tapachla",
                                          "guatemala"};
  std::vector<std::uint64_t> sigs;
  for (const auto& w : words) sigs.push_back(token_signature(w));
  std::vector<std::uint32_t> out(words.size());
  const auto kept =
      filter_by_signature(sigs.data(), sigs.size(), token_signature("tapachla"), 1, out.data());
  std::vector<std::string> near;
  for (std::size_t i = 0; i < kept; ++i) near.push_back(words[out[i]]);
  // "tapanala" lacks c and h (2 > 1); "zacatecas" and "guatemala" differ far more.
  EXPECT_EQ(near, (std::vector<std::string>{"tapachula", "tapachla"}));
}

}  // namespace
}  // namespace ventanilla::directory
