#include "dialog/keywords.hpp"

#include <gtest/gtest.h>

#include "test_menus.hpp"

namespace ventanilla::dialog {
namespace {

struct KeywordCase {
  const char* name;
  const char* text;
  std::optional<Keyword> keyword;
  const char* rest;
  const char* language;  // whose word matched
};

class Keywords : public testing::TestWithParam<KeywordCase> {
 protected:
  static void SetUpTestSuite() {
    auto built = MenuSet::build(test_menus::shipped_files());
    for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
    menus_ = built.menus;
  }
  static inline std::shared_ptr<const MenuSet> menus_;
};

TEST_P(Keywords, MatchTheFirstWordInAnyLanguage) {
  const auto& c = GetParam();
  ASSERT_NE(menus_, nullptr);
  const auto m = match_keyword(*menus_, c.text);
  if (!c.keyword) {
    EXPECT_FALSE(m.has_value()) << c.text;
    return;
  }
  ASSERT_TRUE(m.has_value()) << c.text;
  EXPECT_EQ(m->keyword, *c.keyword) << c.text;
  EXPECT_EQ(m->rest, c.rest) << c.text;
  EXPECT_EQ(menus_->languages()[m->language], c.language) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Keywords,
    testing::Values(KeywordCase{"StopSpanish", "ALTO", Keyword::kStop, "", "es"},
                    KeywordCase{"StopLowerWithSpaces", "  baja  ", Keyword::kStop, "", "es"},
                    KeywordCase{"StopEnglish", "Stop", Keyword::kStop, "", "en"},
                    KeywordCase{"StopCreole", "kanpe", Keyword::kStop, "", "ht"},
                    KeywordCase{"StopWithWords", "stop please", Keyword::kStop, "please", "en"},
                    KeywordCase{"StartSpanish", "alta", Keyword::kStart, "", "es"},
                    KeywordCase{"StartEnglish", "START", Keyword::kStart, "", "en"},
                    KeywordCase{"HelpSpanish", "Ayuda", Keyword::kHelp, "", "es"},
                    KeywordCase{"HelpCreoleAccent", "ÈD", Keyword::kHelp, "", "ht"},
                    KeywordCase{"HelpCreoleNoAccent", "ed", Keyword::kHelp, "", "ht"},
                    KeywordCase{"HelpFrench", "aide", Keyword::kHelp, "", "fr"},
                    KeywordCase{"HelpWithTownIsALookup", "AYUDA Tapachula", Keyword::kHub,
                                "Tapachula", "es"},
                    KeywordCase{"HubSpanish", "CENTRO Tapachula", Keyword::kHub, "Tapachula", "es"},
                    KeywordCase{"HubEnglishTwoWords", "hub san pedro sula", Keyword::kHub,
                                "san pedro sula", "en"},
                    KeywordCase{"HubWithoutTown", "centro", Keyword::kHub, "", "es"},
                    KeywordCase{"MenuAccentFolded", "Menú", Keyword::kMenu, "", "es"},
                    KeywordCase{"EraseSpanish", "borrar", Keyword::kErase, "", "es"},
                    KeywordCase{"EraseEnglish", "DELETE", Keyword::kErase, "", "en"},
                    KeywordCase{"NumberIsNoKeyword", "1", std::nullopt, "", ""},
                    KeywordCase{"TownIsNoKeyword", "Tapachula", std::nullopt, "", ""},
                    KeywordCase{"KeywordLaterIsNoKeyword", "quiero ayuda", std::nullopt, "", ""},
                    KeywordCase{"PrefixIsNoKeyword", "altos", std::nullopt, "", ""},
                    KeywordCase{"Empty", "   ", std::nullopt, "", ""}),
    [](const testing::TestParamInfo<KeywordCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ventanilla::dialog
