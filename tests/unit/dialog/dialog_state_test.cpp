#include "dialog/dialog_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ventanilla::dialog {
namespace {

State full_state() {
  State s;
  s.node = "hubs";
  s.page = 3;
  s.language = "es";
  s.country = "GT";
  s.detected_country = "MX";
  s.service = "shelter_referral";
  s.place_id = "3590979";
  s.query = "a;b=c,d:e%f ñ€ 🙂 São";
  s.place_matches = std::vector<std::string>{"3590979", "a,b;c:d%", "ñ"};
  s.hub_id = "gt-quetzaltenango-vimmig";
  s.history = {{"language", 0}, {"country", 1}, {"need", 0}, {"admin1", 2}};
  s.resume_offered = true;
  s.ended = true;
  return s;
}

TEST(DialogState, FullStateRoundTrips) {
  const State s = full_state();
  const std::string text = serialize(s);
  const auto back = deserialize(text);
  ASSERT_TRUE(back.has_value()) << text;
  EXPECT_EQ(*back, s) << text;
  EXPECT_EQ(serialize(*back), text) << "serialization is canonical";
}

TEST(DialogState, MinimalStateIsShort) {
  State s;
  s.node = "language";
  EXPECT_EQ(serialize(s), "v1;n=language");
  const auto back = deserialize("v1;n=language");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);
}

// "Searched, nothing found" (an empty list) is not "not searched" (no list): only the second
// searches again when the list is shown.
TEST(DialogState, AnEmptyPlaceListIsKeptApartFromNone) {
  State none;
  none.node = "town_matches";
  none.query = "zz";
  State empty = none;
  empty.place_matches.emplace();
  EXPECT_EQ(serialize(none), "v1;n=town_matches;q=zz");
  EXPECT_EQ(serialize(empty), "v1;n=town_matches;q=zz;m=");
  for (const State& s : {none, empty}) {
    const auto back = deserialize(serialize(s));
    ASSERT_TRUE(back.has_value()) << serialize(s);
    EXPECT_EQ(*back, s) << serialize(s);
  }
}

TEST(DialogState, ThePlaceListHoldsAtMostOneScreenfulOfIds) {
  std::string ids;
  for (std::size_t i = 1; i <= kMaxListItems; ++i) {
    if (i > 1) ids += ',';
    ids += std::to_string(i);
  }
  const auto full = deserialize("v1;n=town_matches;m=" + ids);
  ASSERT_TRUE(full.has_value());
  ASSERT_TRUE(full->place_matches.has_value());
  EXPECT_EQ(full->place_matches->size(), kMaxListItems);
  EXPECT_EQ(full->place_matches->back(), std::to_string(kMaxListItems));
  EXPECT_FALSE(deserialize("v1;n=town_matches;m=" + ids + ",10").has_value());
}

TEST(DialogState, SeparatorsInValuesAreEscaped) {
  State s;
  s.node = "n;=,:%";
  s.query = "x;y=z,w:v%u\n";
  s.history = {{"a,b:c", 2}, {"d;e", 0}};
  const std::string text = serialize(s);
  // Only the field separators of the format itself remain: 1 per field, H's one comma and one ':'.
  EXPECT_EQ(std::count(text.begin(), text.end(), ';'), 3) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '='), 3) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), ','), 1) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), ':'), 1) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << "control characters are escaped: " << text;
  const auto back = deserialize(text);
  ASSERT_TRUE(back.has_value()) << text;
  EXPECT_EQ(*back, s);
}

TEST(DialogState, Utf8IsKeptAsIs) {
  State s;
  s.node = "town_matches";
  s.query = "Quetzaltenango Ñuñoa 🙂";
  const std::string text = serialize(s);
  EXPECT_NE(text.find("Ñuñoa"), std::string::npos) << "UTF-8 needs no escaping: " << text;
  EXPECT_EQ(deserialize(text)->query, s.query);
}

struct FlagCase {
  std::string_view name;
  bool resume_offered;
  bool ended;
};

class DialogStateFlags : public ::testing::TestWithParam<FlagCase> {};

TEST_P(DialogStateFlags, EveryFlagCombinationRoundTrips) {
  State s;
  s.node = "need";
  s.resume_offered = GetParam().resume_offered;
  s.ended = GetParam().ended;
  const auto back = deserialize(serialize(s));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->resume_offered, s.resume_offered);
  EXPECT_EQ(back->ended, s.ended);
}

INSTANTIATE_TEST_SUITE_P(Table, DialogStateFlags,
                         ::testing::Values(FlagCase{"none", false, false},
                                           FlagCase{"resume", true, false},
                                           FlagCase{"ended", false, true},
                                           FlagCase{"both", true, true}),
                         [](const auto& param) { return std::string(param.param.name); });

TEST(DialogState, HistoryPagesRoundTrip) {
  State s;
  s.node = "hub";
  for (std::uint16_t i = 0; i < kMaxHistory; ++i)
    s.history.push_back({"node" + std::to_string(i), static_cast<std::uint16_t>(i * 7)});
  s.history.back().page = 65535;
  const auto back = deserialize(serialize(s));
  ASSERT_TRUE(back.has_value()) << serialize(s);
  EXPECT_EQ(back->history, s.history);
}

TEST(DialogState, FieldOrderDoesNotMatterAndLowercaseHexIsAccepted) {
  const auto s = deserialize("v1;l=en;q=a%3bb;n=hubs;p=2");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->node, "hubs");
  EXPECT_EQ(s->page, 2);
  EXPECT_EQ(s->language, "en");
  EXPECT_EQ(s->query, "a;b");
}

struct MalformedCase {
  std::string_view name;
  std::string_view text;
};

class DialogStateMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(DialogStateMalformed, IsRejected) {
  EXPECT_FALSE(deserialize(GetParam().text).has_value()) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DialogStateMalformed,
    ::testing::Values(MalformedCase{"empty", ""}, MalformedCase{"other_version", "v2;n=hubs"},
                      MalformedCase{"no_version", "n=hubs"}, MalformedCase{"version_only", "v1"},
                      MalformedCase{"no_node", "v1;l=es"}, MalformedCase{"empty_node", "v1;n="},
                      MalformedCase{"missing_separator", "v1n=hubs"},
                      MalformedCase{"field_without_equals", "v1;n=hubs;l"},
                      MalformedCase{"empty_field", "v1;n=hubs;;l=es"},
                      MalformedCase{"trailing_separator", "v1;n=hubs;"},
                      MalformedCase{"unknown_field", "v1;n=hubs;x=1"},
                      MalformedCase{"unknown_uppercase_field", "v1;N=hubs"},
                      MalformedCase{"page_not_a_number", "v1;n=hubs;p=two"},
                      MalformedCase{"page_negative", "v1;n=hubs;p=-1"},
                      MalformedCase{"page_plus_sign", "v1;n=hubs;p=+1"},
                      MalformedCase{"page_overflow", "v1;n=hubs;p=65536"},
                      MalformedCase{"page_trailing", "v1;n=hubs;p=1x"},
                      MalformedCase{"page_empty", "v1;n=hubs;p="},
                      MalformedCase{"escape_truncated", "v1;n=hubs;q=ab%4"},
                      MalformedCase{"escape_alone", "v1;n=hubs;q=%"},
                      MalformedCase{"escape_not_hex", "v1;n=hubs;q=%ZZ"},
                      MalformedCase{"flag_not_one", "v1;n=hubs;r=2"},
                      MalformedCase{"flag_empty", "v1;n=hubs;e="},
                      MalformedCase{"history_empty_frame", "v1;n=hubs;H=a,,b"},
                      MalformedCase{"history_frame_without_node", "v1;n=hubs;H=:2"},
                      MalformedCase{"history_bad_page", "v1;n=hubs;H=a:x"},
                      MalformedCase{"history_page_overflow", "v1;n=hubs;H=a:70000"},
                      MalformedCase{"history_bad_escape", "v1;n=hubs;H=a%G1"},
                      MalformedCase{"matches_empty_id", "v1;n=hubs;m=a,,b"},
                      MalformedCase{"matches_leading_comma", "v1;n=hubs;m=,a"},
                      MalformedCase{"matches_trailing_comma", "v1;n=hubs;m=a,"},
                      MalformedCase{"matches_bad_escape", "v1;n=hubs;m=a%G1"},
                      MalformedCase{"history_too_long",
                                    "v1;n=hubs;H=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"}),
    [](const auto& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace ventanilla::dialog
