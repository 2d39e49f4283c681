#include "dialog/engine.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/shipped_data.hpp"
#include "text/encoding.hpp"
#include "text/screen_fit.hpp"
#include "unit/dialog/test_menus.hpp"

namespace ventanilla::dialog {
namespace {

using text::EncodingPolicy;
using text::ScreenLimit;

constexpr ScreenLimit kUssd{182, EncodingPolicy::kGsm7};
const std::chrono::sys_days kToday{std::chrono::year{2026} / 11 / 29};

const MenuSet& menus() {
  static const std::shared_ptr<const MenuSet> built = test_menus::build();
  if (built == nullptr) std::abort();  // test_menus::build() recorded why
  return *built;
}

Context context(ScreenLimit screen = kUssd) {
  return Context{menus(), test::shipped_directory(), screen, {160, EncodingPolicy::kGsm7}, kToday};
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Every page of the current screen, one after the other.
std::string all_pages(const Context& ctx, const State& state) {
  State s = state;
  s.page = 0;
  const std::size_t count = show(ctx, s).screen.page_count;
  std::string out;
  for (std::size_t p = 0; p < count; ++p) {
    s.page = static_cast<std::uint16_t>(p);
    out += show(ctx, s).screen.text;
    out += '\n';
  }
  return out;
}

// The number of the first numbered line whose label contains `needle` ("" when none).
std::string number_of(std::string_view text, std::string_view needle) {
  for (const auto& line : lines_of(text)) {
    const auto space = line.find(' ');
    if (space == 0 || space == std::string::npos) continue;
    const std::string number = line.substr(0, space);
    if (number.find_first_not_of("0123456789") != std::string::npos) continue;
    if (line.find(needle, space) != std::string::npos) return number;
  }
  return {};
}

// The capacity of a screen in the units of the encoding it went out in.
std::size_t capacity(const Screen& screen, const ScreenLimit& limit) {
  return screen.encoding == text::Encoding::kUcs2 ? limit.ucs2_units() : limit.septets;
}

// A conversation: every hop goes through storage (serialize, deserialize) as in production, and
// every screen is checked against the route's limit.
class Walk {
 public:
  explicit Walk(Context ctx, State start) : ctx_(ctx), state_(std::move(start)) {
    record(show(ctx_, state_));
  }

  const StepResult& go(std::string_view input) {
    const std::string stored = serialize(state_);
    const auto loaded = deserialize(stored);
    EXPECT_TRUE(loaded.has_value()) << stored;
    if (loaded) {
      EXPECT_EQ(*loaded, state_) << stored;
    }
    record(step(ctx_, loaded ? *loaded : state_, input));
    return last_;
  }

  // Picks the item whose label contains `needle`, on whichever page it is.
  const StepResult& pick(std::string_view needle) {
    const std::string number = number_of(all_pages(ctx_, state_), needle);
    EXPECT_FALSE(number.empty()) << "no item `" << needle << "` on\n" << all_pages(ctx_, state_);
    return go(number.empty() ? "?" : number);
  }

  // Pages to the end with "98", then back to the first with "99".
  void page_through() {
    while (last_.screen.page + 1 < last_.screen.page_count) {
      const std::size_t page = last_.screen.page;
      go("98");
      EXPECT_EQ(last_.screen.page, page + 1);
    }
    while (last_.screen.page > 0) go("99");
  }

  const State& state() const { return state_; }
  const StepResult& last() const { return last_; }
  const std::string& text() const { return last_.screen.text; }
  const std::vector<std::string>& transcript() const { return transcript_; }
  const std::vector<Effect>& all_effects() const { return effects_; }

 private:
  void record(StepResult r) {
    EXPECT_LE(r.screen.units, capacity(r.screen, ctx_.screen)) << "screen over the route's limit:\n"
                                                               << r.screen.text;
    EXPECT_EQ(r.screen.units, text::apply_policy(r.screen.text, ctx_.screen.policy).units);
    if (ctx_.screen.policy == EncodingPolicy::kGsm7) {
      EXPECT_EQ(r.screen.encoding, text::Encoding::kGsm7);
    }
    if (ctx_.screen.policy == EncodingPolicy::kUcs2) {
      EXPECT_EQ(r.screen.encoding, text::Encoding::kUcs2);
    }
    EXPECT_EQ(r.screen.page, r.state.page);
    state_ = r.state;
    transcript_.push_back(r.screen.text + "\n--\n" + serialize(r.state));
    effects_.insert(effects_.end(), r.effects.begin(), r.effects.end());
    last_ = std::move(r);
  }

  Context ctx_;
  State state_;
  StepResult last_;
  std::vector<std::string> transcript_;
  std::vector<Effect> effects_;
};

// English, Guatemala, on the "need" (home) screen.
Walk at_home_in_guatemala(ScreenLimit screen = kUssd) {
  Walk w(context(screen), new_session(menus(), "en", "GT"));
  w.pick("Guatemala");
  EXPECT_EQ(w.state().node, "need");
  return w;
}

// ---- Language -----------------------------------------------------------------------------------

TEST(EngineLanguage, NewSessionAsksTheLanguageFirst) {
  const State s = new_session(menus(), "", "GT");
  EXPECT_EQ(s.node, "language");
  EXPECT_TRUE(s.history.empty());
  EXPECT_EQ(s.detected_country, "GT");
  const StepResult r = show(context(), s);
  EXPECT_EQ(r.screen.text, "Idioma\n1 Español\n2 English") << "no back or home on the first screen";
  EXPECT_FALSE(r.screen.end);
}

TEST(EngineLanguage, PickingALanguageSetsItAndAsksToRememberIt) {
  const StepResult r = step(context(), new_session(menus(), "", "GT"), "2");
  EXPECT_EQ(r.state.language, "en");
  EXPECT_EQ(r.state.node, "country");
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, Effect::Kind::kRememberLanguage);
  EXPECT_EQ(r.effects[0].language, "en");
  EXPECT_TRUE(r.screen.text.starts_with("Country\n1 Guatemala\n")) << r.screen.text;
  EXPECT_TRUE(r.screen.text.ends_with("\n0 Back")) << r.screen.text;
}

TEST(EngineLanguage, RememberedLanguageSkipsTheLanguageScreenWhichStaysOneBackAway) {
  const State s = new_session(menus(), "en", "GT");
  EXPECT_EQ(s.node, "country");
  EXPECT_EQ(s.language, "en");
  ASSERT_EQ(s.history.size(), 1u);
  EXPECT_EQ(s.history[0].node, "language");
  const StepResult r = step(context(), s, "0");
  EXPECT_EQ(r.state.node, "language");
  EXPECT_TRUE(r.state.history.empty());
  EXPECT_TRUE(r.effects.empty());
  EXPECT_TRUE(r.screen.text.starts_with("Language\n1 Español\n2 English")) << r.screen.text;
}

TEST(EngineLanguage, UnknownRememberedLanguageIsIgnored) {
  const State s = new_session(menus(), "xx", "GT");
  EXPECT_EQ(s.node, "language");
  EXPECT_EQ(s.language, "");
}

TEST(EngineLanguage, ChangingLanguageFromSettingsIsRememberedToo) {
  Walk w = at_home_in_guatemala();
  w.pick("Settings");
  w.pick("Change language");
  EXPECT_EQ(w.state().node, "language");
  const StepResult& r = w.go("1");
  EXPECT_EQ(r.state.language, "es");
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0], (Effect{Effect::Kind::kRememberLanguage, "es", {}, {}}));
  EXPECT_TRUE(r.screen.text.starts_with("Pais\n")) << "Spanish, transliterated: " << r.screen.text;
}

// ---- Country ------------------------------------------------------------------------------------

struct CountryCase {
  std::string_view detected;
  std::string_view first;  // label of item 1
};

class EngineCountry : public ::testing::TestWithParam<CountryCase> {};

TEST_P(EngineCountry, DetectedCountryComesFirstAndEveryCountryOnce) {
  const StepResult r = show(context(), new_session(menus(), "en", GetParam().detected));
  EXPECT_TRUE(r.screen.text.starts_with("Country\n1 " + std::string(GetParam().first) + "\n"))
      << r.screen.text;
  const std::string pages = all_pages(context(), r.state);
  for (const auto& c : test::shipped_directory().countries()) {
    const auto at = pages.find(" " + c.name_en + "\n");
    EXPECT_NE(at, std::string::npos) << c.name_en;
    EXPECT_EQ(pages.find(" " + c.name_en + "\n", at + 1), std::string::npos)
        << "twice: " << c.name_en;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, EngineCountry,
                         ::testing::Values(CountryCase{"GT", "Guatemala"},
                                           CountryCase{"CR", "Costa Rica"},
                                           CountryCase{"HN", "Honduras"},
                                           CountryCase{"", "Mexico"},      // none: file order
                                           CountryCase{"US", "Mexico"}));  // not served

TEST(EngineCountryPick, SetsTheCountryAndLeadsHome) {
  Walk w(context(), new_session(menus(), "en", "CR"));
  const StepResult& r = w.go("1");
  EXPECT_EQ(r.state.country, "CR");
  EXPECT_EQ(r.state.node, "need");
  EXPECT_TRUE(
      r.screen.text.starts_with("What do you need?\n1 Information office\n2 Travel risks\n3 "
                                "Settings\n"))
      << r.screen.text;
}

// ---- Choice, admin1, hubs -----------------------------------------------------------------------

TEST(EngineChoice, OptionWithServiceSetsTheHubFilter) {
  Walk w = at_home_in_guatemala();
  const StepResult& r = w.go("1");
  EXPECT_EQ(r.state.node, "where");
  EXPECT_EQ(r.state.service, "info");
  EXPECT_EQ(r.screen.text, "Where are you?\n1 Pick a department\n2 Type your town\n0 Back 00 Home");
}

// Distances ("... 12 km") of the numbered lines of `text`, in order.
std::vector<long> distances(std::string_view text) {
  std::vector<long> out;
  for (const auto& line : lines_of(text)) {
    if (!line.ends_with(" km")) continue;
    const auto end = line.size() - 3;
    const auto start = line.rfind(' ', end - 1) + 1;
    out.push_back(std::stol(line.substr(start, end - start)));
  }
  return out;
}

TEST(EngineAdmin1, PickingADepartmentLocatesTheCallerAtItsSeatAndListsNearestHubs) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  EXPECT_EQ(w.state().node, "admin1");
  EXPECT_GT(w.last().screen.page_count, 1u) << "22 departments page";
  const std::string pages = all_pages(context(), w.state());
  // Sorted by name, accents ignored.
  EXPECT_LT(pages.find(" Alta Verapaz\n"), pages.find(" Baja Verapaz\n"));
  EXPECT_LT(pages.find(" Petén\n"), pages.find(" Quetzaltenango\n")) << pages;
  EXPECT_LT(pages.find(" Quetzaltenango\n"), pages.find(" Zacapa\n"));

  const StepResult& r = w.pick("Quetzaltenango");
  EXPECT_EQ(r.state.node, "hubs");
  EXPECT_EQ(r.state.place_id, "3590979") << "the department seat, Quetzaltenango city";
  const std::string hubs = all_pages(context(), r.state);
  EXPECT_TRUE(r.screen.text.starts_with("Nearest offices\n1 ")) << r.screen.text;
  EXPECT_NE(lines_of(r.screen.text)[1].find("VIMMIG) Quetzaltenango"), std::string::npos)
      << "the hub in the city itself comes first: " << r.screen.text;
  const std::vector<long> km = distances(hubs);
  ASSERT_GE(km.size(), 3u) << hubs;
  EXPECT_LE(km[0], 1);
  EXPECT_TRUE(std::is_sorted(km.begin(), km.end())) << hubs;
}

TEST(EngineHubs, ServiceWithNoHubNearbyFallsBackToAnyHub) {
  State s = new_session(menus(), "en", "GT");
  s.node = "hubs";
  s.country = "GT";
  s.service = "no_such_service";
  s.place_id = "3590979";
  const StepResult r = show(context(), s);
  EXPECT_FALSE(distances(r.screen.text).empty()) << r.screen.text;
}

TEST(EngineHubs, NoPlaceShowsTheEmptyText) {
  State s = new_session(menus(), "en", "GT");
  s.node = "hubs";
  s.country = "GT";
  const StepResult r = show(context(), s);
  EXPECT_TRUE(r.screen.text.starts_with("Nearest offices\nNo office nearby\n")) << r.screen.text;
  EXPECT_EQ(step(context(), s, "1").screen.text, "Invalid option\n" + r.screen.text);
}

// ---- Input and places ---------------------------------------------------------------------------

class EngineTownSearch : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EngineTownSearch, FindsQuetzaltenango) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  EXPECT_EQ(w.state().node, "town");
  EXPECT_TRUE(w.text().starts_with("Type your town\n")) << w.text();
  const StepResult& r = w.go(GetParam());
  EXPECT_EQ(r.state.node, "town_matches");
  EXPECT_EQ(r.state.query, GetParam());
  EXPECT_TRUE(r.screen.text.starts_with("Pick your town\n")) << r.screen.text;
  EXPECT_FALSE(number_of(r.screen.text, "Quetzaltenango").empty()) << r.screen.text;

  const StepResult& hubs = w.pick("Quetzaltenango");
  EXPECT_EQ(hubs.state.node, "hubs");
  const directory::Place* place = test::shipped_directory().place(hubs.state.place_id);
  ASSERT_NE(place, nullptr);
  EXPECT_EQ(place->country, "GT");
  EXPECT_EQ(place->admin1_code, "13");
  EXPECT_FALSE(distances(hubs.screen.text).empty()) << hubs.screen.text;
}

INSTANTIATE_TEST_SUITE_P(Table, EngineTownSearch,
                         ::testing::Values("xela", "Xela", "quetzaltenago", "Quetzaltenango",
                                           "Xelajú"));

TEST(EngineInput, TooShortInputIsRejectedWithAHint) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  const std::string prompt = w.text();
  const StepResult& r = w.go("x");
  EXPECT_EQ(r.state.node, "town");
  EXPECT_EQ(r.screen.text, "Invalid option\n" + prompt);
}

TEST(EngineInput, NavigationStillWorksOnAnInputScreen) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  EXPECT_EQ(w.go("0").state.node, "where");
  w.go("2");
  EXPECT_EQ(w.go("00").state.node, "need");
}

TEST(EngineInput, LongInputIsCutAtACharacterBoundary) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  std::string typed;
  for (int i = 0; i < 40; ++i) typed += "ñ";  // 80 bytes
  const StepResult& r = w.go(typed);
  EXPECT_EQ(r.state.query.size(), kMaxQueryBytes);
  EXPECT_TRUE(std::string_view(typed).starts_with(r.state.query));
}

TEST(EnginePlaces, NothingFoundShowsTheEmptyText) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  const StepResult& r = w.go("zzqqxxww");
  EXPECT_EQ(r.state.node, "town_matches");
  EXPECT_EQ(r.screen.text, "Pick your town\nWe did not find that town\n0 Back 00 Home");
  EXPECT_EQ(w.go("1").screen.text, "Invalid option\n" + r.screen.text);
}

// The town list is searched once, when the name is typed; every later screen of it comes from the
// stored place ids (so a republished directory or a changed search cannot move "3" under the
// caller's finger), and a state stored before ids were kept is searched again.
TEST(EnginePlaces, TheListIsSearchedOnceAndShownFromTheStoredIds) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  const StepResult& typed = w.go("san pedro");
  ASSERT_TRUE(typed.state.place_matches.has_value());
  const auto ids = *typed.state.place_matches;
  ASSERT_GE(ids.size(), 2u) << typed.screen.text;
  EXPECT_LE(ids.size(), kMaxListItems);
  const std::string list = all_pages(context(), typed.state);
  // " — " before the admin1, transliterated for GSM-7.
  EXPECT_NE(list.find(" - San Marcos"), std::string::npos) << "repeated names told apart:\n"
                                                           << list;

  State searched_again = typed.state;
  searched_again.place_matches.reset();
  EXPECT_EQ(all_pages(context(), searched_again), list) << "same labels either way";

  State other_query = typed.state;
  other_query.query = "zzqqxxww";
  EXPECT_EQ(all_pages(context(), other_query), list) << "the stored ids, not the query, decide";

  // An invalid answer keeps the list; a number picks the stored id in that position.
  w.go("77");
  EXPECT_EQ(w.state().place_matches, ids);
  const StepResult& picked = w.go("2");
  EXPECT_EQ(picked.state.node, "hubs");
  EXPECT_EQ(picked.state.place_id, ids[1]);
  EXPECT_EQ(picked.state.place_matches, ids) << "kept for \"back\" to the list";
  EXPECT_EQ(w.go("0").screen.text, typed.screen.text);
}

TEST(EnginePlaces, AStoredPlaceTheDirectoryNoLongerHasIsLeftOut) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Type your town");
  State s = w.go("xela").state;
  ASSERT_TRUE(s.place_matches.has_value() && !s.place_matches->empty());
  const std::string first = test::shipped_directory().place(s.place_matches->front())->name;
  s.place_matches = std::vector<std::string>{"no-such-place", s.place_matches->front()};
  const StepResult r = show(context(), s);
  EXPECT_EQ(number_of(r.screen.text, first), "1") << r.screen.text;
  EXPECT_EQ(step(context(), s, "1").state.place_id, s.place_matches->back());
  s.place_matches = std::vector<std::string>{"no-such-place"};
  EXPECT_EQ(show(context(), s).screen.text,
            "Pick your town\nWe did not find that town\n0 Back 00 Home");
}

// ---- Hub details and the SMS --------------------------------------------------------------------

State at_hub(std::string_view hub_id, std::string_view language = "en") {
  State s = new_session(menus(), language, "GT");
  s.country = std::string(test::shipped_directory().hub(hub_id)->country);
  s.node = "hub";
  s.hub_id = std::string(hub_id);
  s.history = {{"language", 0}, {"country", 0}, {"need", 0}, {"where", 0}, {"hubs", 0}};
  return s;
}

TEST(EngineHub, DetailsShowNamePhoneAndTheUnverifiedNote) {
  const std::string pages = all_pages(context(), at_hub("gt-quetzaltenango-vimmig"));
  EXPECT_NE(pages.find("(VIMMIG) Quetzaltenango"), std::string::npos) << pages;
  EXPECT_NE(pages.find("No phone"), std::string::npos) << pages;
  EXPECT_NE(pages.find("Data not verified"), std::string::npos) << pages;
  EXPECT_NE(pages.find("\n1 Get it by SMS\n"), std::string::npos) << pages;

  const std::string la72 = all_pages(context(), at_hub("mx-tenosique-la72"));
  EXPECT_NE(la72.find("Tel. +52 934 342 1111"), std::string::npos) << la72;
}

struct SmsCase {
  std::string_view hub;
  std::string_view language;
  std::string_view must_contain;
};

class EngineSms : public ::testing::TestWithParam<SmsCase> {};

TEST_P(EngineSms, SendHubSmsQueuesOneSmsWithThePhone) {
  const SmsCase& c = GetParam();
  const StepResult r = step(context(), at_hub(c.hub, c.language), "1");
  ASSERT_EQ(r.effects.size(), 1u);
  const Effect& e = r.effects[0];
  EXPECT_EQ(e.kind, Effect::Kind::kSendHubSms);
  EXPECT_EQ(e.hub_id, c.hub);
  EXPECT_EQ(e.language, c.language);
  EXPECT_NE(e.body.find(c.must_contain), std::string::npos) << e.body;
  const auto fit = text::screen_fit(text::text_cost(e.body), {160, EncodingPolicy::kGsm7});
  EXPECT_TRUE(fit.fits()) << fit.units << " septets:\n" << e.body;
  // The caller sees the closing text and the session ends.
  EXPECT_EQ(r.state.node, "sms_sent");
  EXPECT_TRUE(r.state.ended);
  EXPECT_TRUE(r.screen.end);
  EXPECT_TRUE(r.state.history.empty());
  EXPECT_EQ(r.screen.text, c.language == "en" ? "We sent you the details by SMS."
                                              : "Le enviamos los datos por SMS.");
}

INSTANTIATE_TEST_SUITE_P(
    Table, EngineSms,
    ::testing::Values(SmsCase{"mx-tenosique-la72", "en", "+52 934 342 1111"},
                      SmsCase{"mx-tenosique-la72", "es", "Tel. +52 934 342 1111"},
                      SmsCase{"mx-puebla-info-hub", "es", "+52 222 309 4600 ext. 5473"},
                      SmsCase{"cr-mora-cmm", "en", "+506 6338 3636"},
                      SmsCase{"gt-quetzaltenango-vimmig", "en", "No phone"},
                      SmsCase{"mx-cdmx-info-hub", "es", "Sin tel"}));

// ---- Info paging --------------------------------------------------------------------------------

TEST(EngineInfo, LongTextPagesWithNextAndPreviousWithinBounds) {
  Walk w = at_home_in_guatemala();
  w.pick("Travel risks");
  EXPECT_EQ(w.state().node, "risks");
  const std::size_t count = w.last().screen.page_count;
  ASSERT_GE(count, 3u) << w.text();

  // 99 on the first page: invalid, same page.
  const std::string first = w.text();
  EXPECT_EQ(w.go("99").screen.text, "Invalid option\n" + first);
  EXPECT_EQ(w.state().page, 0);

  std::vector<std::string> seen;
  for (std::size_t p = 0; p < count; ++p) {
    const std::vector<std::string> lines = lines_of(w.text());
    ASSERT_GE(lines.size(), 2u);
    const std::string& nav = lines.back();
    EXPECT_EQ(nav.find("98 More") != std::string::npos, p + 1 < count) << nav;
    EXPECT_EQ(nav.find("99 Prev") != std::string::npos, p > 0) << nav;
    EXPECT_TRUE(nav.ends_with("0 Back 00 Home")) << nav;
    for (std::size_t l = 0; l + 1 < lines.size(); ++l) {
      if (lines[l] == "Invalid option") continue;  // after the 99 above
      for (auto& word : words(lines[l])) seen.push_back(std::move(word));
    }
    if (p + 1 < count) w.go("98");
  }
  EXPECT_EQ(seen, words(menus().text(1, "risks.text"))) << "every word once, whole, in order";

  // 98 on the last page: invalid, same page.
  const std::string last = w.text();
  const StepResult& beyond = w.go("98");
  EXPECT_EQ(beyond.state.page, count - 1);
  EXPECT_TRUE(beyond.screen.text.starts_with("Invalid option\n")) << beyond.screen.text;

  w.go("99");
  EXPECT_EQ(w.state().page, count - 2);
  // Back leaves the info screen for the one before it.
  EXPECT_EQ(w.go("0").state.node, "need");
}

TEST(EngineInfo, AStoredPageBeyondTheEndClampsToTheLast) {
  State s = new_session(menus(), "en", "GT");
  s.country = "GT";
  s.node = "risks";
  const std::size_t count = show(context(), s).screen.page_count;
  s.page = 500;
  const StepResult r = show(context(), s);
  EXPECT_EQ(r.screen.page, count - 1);
  EXPECT_EQ(r.state.page, count - 1);
  EXPECT_EQ(r.screen.text.find("98 More"), std::string::npos) << r.screen.text;
}

// ---- Navigation ---------------------------------------------------------------------------------

TEST(EngineNavigation, BackRestoresThePageItWasLeftAt) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  w.go("98");
  ASSERT_EQ(w.state().page, 1);
  const std::string page_two = w.text();
  const std::string number = number_of(page_two, "");
  ASSERT_FALSE(number.empty()) << page_two;
  EXPECT_EQ(w.go(number).state.node, "hubs");
  const StepResult& back = w.go("0");
  EXPECT_EQ(back.state.node, "admin1");
  EXPECT_EQ(back.state.page, 1);
  EXPECT_EQ(back.screen.text, page_two);
}

TEST(EngineNavigation, NumbersAreValidAcrossPages) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  State on_page_two = w.state();
  on_page_two.page = 1;
  const std::string page_two = show(context(), on_page_two).screen.text;
  const std::string number = number_of(page_two, "");
  ASSERT_FALSE(number.empty());
  ASSERT_EQ(number_of(w.text(), lines_of(page_two)[1].substr(number.size() + 1)), "")
      << "that item is not on page one";
  ASSERT_EQ(w.state().page, 0);
  const StepResult& r = w.go(number);  // typed on page one
  EXPECT_EQ(r.state.node, "hubs");
  const directory::Place* place = test::shipped_directory().place(r.state.place_id);
  ASSERT_NE(place, nullptr);
  const std::string label = lines_of(page_two)[1].substr(number.size() + 1);
  EXPECT_EQ(test::shipped_directory().admin1_display_name(*place), label);
}

TEST(EngineNavigation, HomeLeadsHomeWithTheCanonicalBackPath) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  w.pick("Quetzaltenango");
  ASSERT_EQ(w.state().node, "hubs");
  const StepResult& home = w.go("00");
  EXPECT_EQ(home.state.node, "need");
  EXPECT_EQ(home.state.history, (std::vector<Frame>{{"language", 0}, {"country", 0}}));
  EXPECT_EQ(home.state.country, "GT") << "home keeps what was chosen";
  EXPECT_TRUE(home.screen.text.ends_with("\n0 Back")) << "no 00 on the home screen itself";
  EXPECT_EQ(w.go("0").state.node, "country");
  EXPECT_EQ(w.go("0").state.node, "language");
  const StepResult& nowhere = w.go("0");
  EXPECT_EQ(nowhere.state.node, "language");
  EXPECT_TRUE(nowhere.screen.text.starts_with("Invalid option\n")) << nowhere.screen.text;
}

TEST(EngineNavigation, HomeIsNotOfferedBeforeACountryIsChosen) {
  const State s = new_session(menus(), "en", "GT");
  const StepResult r = step(context(), s, "00");
  EXPECT_EQ(r.state.node, "country");
  EXPECT_TRUE(r.screen.text.starts_with("Invalid option\n")) << r.screen.text;
  EXPECT_EQ(r.screen.text.find("00 Home"), std::string::npos);
}

class EngineInvalidInput : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EngineInvalidInput, ReShowsTheSameScreenWithAHint) {
  Walk w = at_home_in_guatemala();
  const State before = w.state();
  const std::string screen = w.text();
  const StepResult& r = w.go(GetParam());
  EXPECT_EQ(r.state, before);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_EQ(r.screen.text, "Invalid option\n" + screen);
}

INSTANTIATE_TEST_SUITE_P(Table, EngineInvalidInput,
                         ::testing::Values("", " ", "abc", "4", "12", "-1", "1.0", "+1", "1a",
                                           "99999999999999999999", "98", "99", "00", "000"));

TEST(EngineNavigation, InvalidInputKeepsTheCurrentPage) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  const std::string page_two = w.go("98").screen.text;
  const StepResult& r = w.go("77");
  EXPECT_EQ(r.state.page, 1);
  EXPECT_EQ(r.screen.page, 1u);
  // The same page under the hint: above the title, or in its place on a full page.
  const std::string items = page_two.substr(page_two.find('\n'));
  EXPECT_TRUE(r.screen.text == "Invalid option\n" + page_two ||
              r.screen.text == "Invalid option" + items)
      << r.screen.text;
}

TEST(EngineNavigation, InputIsTrimmed) {
  Walk w = at_home_in_guatemala();
  EXPECT_EQ(w.go(" 1 \r\n").state.node, "where");
}

TEST(EngineNavigation, ConfiguredNavigationInputsAreUsed) {
  auto files = test_menus::files();
  std::string& menu = files[0].content;
  menu.replace(menu.find("back = \"0\""), 10, "back = \"7\"");
  menu.replace(menu.find("next = \"98\""), 11, "next = \"88\"");
  const MenuBuild built = MenuSet::build(files);
  ASSERT_NE(built.menus, nullptr);
  const Context ctx{*built.menus, test::shipped_directory(), kUssd, {}, kToday};
  State s = new_session(*built.menus, "en", "GT");
  StepResult r = show(ctx, s);
  EXPECT_TRUE(r.screen.text.ends_with("\n7 Back")) << r.screen.text;
  r = step(ctx, r.state, "7");
  EXPECT_EQ(r.state.node, "language");
}

// ---- End and opt-out ----------------------------------------------------------------------------

TEST(EngineEnd, OptOutRunsAndEndsTheSession) {
  Walk w = at_home_in_guatemala();
  w.pick("Settings");
  const StepResult& r = w.pick("Stop messages");
  EXPECT_EQ(r.state.node, "opted_out");
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, Effect::Kind::kOptOut);
  EXPECT_TRUE(r.state.ended);
  EXPECT_TRUE(r.screen.end);
  EXPECT_TRUE(r.state.query.empty());
  EXPECT_EQ(r.screen.text, "Done. We will not send you more messages.") << "no navigation";

  // Anything sent after the end changes nothing and runs nothing again.
  const State ended = r.state;
  const StepResult again = step(context(), ended, "1");
  EXPECT_EQ(again.state, ended);
  EXPECT_TRUE(again.effects.empty());
  EXPECT_TRUE(again.screen.end);
}

// ---- Resume -------------------------------------------------------------------------------------

TEST(EngineResume, OneContinuesWhereTheCallerWas) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  const State before = w.state();
  const std::string where = w.text();

  const State offered = offer_resume(before);
  const StepResult question = show(context(), offered);
  EXPECT_EQ(question.screen.text, "Continue where you left?\n1 Continue\n2 Start over");
  EXPECT_EQ(question.state, offered);
  EXPECT_TRUE(deserialize(serialize(offered))->resume_offered);

  const StepResult invalid = step(context(), offered, "0");
  EXPECT_EQ(invalid.state, offered) << "back does not skip the question";
  EXPECT_EQ(invalid.screen.text, "Invalid option\n" + question.screen.text);

  const StepResult resumed = step(context(), offered, "1");
  EXPECT_EQ(resumed.state, before);
  EXPECT_EQ(resumed.screen.text, where);
}

TEST(EngineResume, TwoStartsOverKeepingLanguageAndDetectedCountry) {
  Walk w = at_home_in_guatemala();
  w.pick("Information office");
  w.pick("Pick a department");
  w.pick("Quetzaltenango");
  const StepResult r = step(context(), offer_resume(w.state()), "2");
  EXPECT_EQ(r.state, new_session(menus(), "en", "GT"));
  EXPECT_TRUE(r.effects.empty());
  EXPECT_TRUE(r.screen.text.starts_with("Country\n1 Guatemala\n")) << r.screen.text;
}

TEST(EngineResume, AnEndedSessionCanBeOfferedAgain) {
  State s = at_hub("gt-quetzaltenango-vimmig");
  s.ended = true;
  const State offered = offer_resume(s);
  EXPECT_FALSE(offered.ended);
  EXPECT_TRUE(offered.resume_offered);
}

// ---- Menus edited under a live session ----------------------------------------------------------

TEST(EngineMenusChanged, UnknownNodeStartsOverAtHomeOrStart) {
  State s = new_session(menus(), "en", "GT");
  s.node = "removed_node";
  s.history = {{"language", 0}, {"gone", 2}};
  StepResult r = show(context(), s);
  EXPECT_EQ(r.state.node, "language") << "no country yet: the start";
  s.country = "GT";
  r = show(context(), s);
  EXPECT_EQ(r.state.node, "need");
  EXPECT_TRUE(r.state.history.empty());
}

// ---- Determinism and limits over a long walk ----------------------------------------------------

// A long scripted walk through every kind of node, in Spanish then English.
std::vector<std::string> long_walk(ScreenLimit limit) {
  Walk w(context(limit), new_session(menus(), "", "GT"));
  w.go("1");  // Español
  w.page_through();
  w.pick("Guatemala");
  w.pick("Oficina de inf");
  w.pick("Elegir departamento");
  w.page_through();
  w.pick("Quetzaltenango");
  EXPECT_EQ(w.state().node, "hubs");
  w.page_through();
  w.go("1");
  EXPECT_EQ(w.state().node, "hub");
  w.page_through();
  w.go("0");
  w.go("0");
  w.go("00");
  w.pick("Riesgos del viaje");
  w.page_through();
  w.go("98");
  w.go("0");
  w.go("abc");
  w.pick("Ajustes");
  w.pick("Cambiar idioma");
  w.go("2");  // English
  w.pick("Guatemala");
  w.pick("Information office");
  w.pick("Type your town");
  w.go("xela");
  w.page_through();
  w.pick("Quetzaltenango");
  w.go("1");
  EXPECT_EQ(w.state().node, "hub");
  w.go("1");
  EXPECT_TRUE(w.state().ended);
  std::size_t sms = 0;
  for (const auto& e : w.all_effects()) sms += e.kind == Effect::Kind::kSendHubSms ? 1 : 0;
  EXPECT_EQ(sms, 1u);
  return w.transcript();
}

struct LimitCase {
  std::string_view name;
  ScreenLimit limit;
};

class EngineLimits : public ::testing::TestWithParam<LimitCase> {};

TEST_P(EngineLimits, EveryScreenOfALongWalkFitsAndTheWalkIsDeterministic) {
  const auto first = long_walk(GetParam().limit);
  EXPECT_GT(first.size(), 30u);
  const auto second = long_walk(GetParam().limit);
  EXPECT_EQ(first, second) << "same inputs, byte-identical screens and states";
}

INSTANTIATE_TEST_SUITE_P(Table, EngineLimits,
                         ::testing::Values(LimitCase{"gsm7_182", {182, EncodingPolicy::kGsm7}},
                                           LimitCase{"gsm7_160", {160, EncodingPolicy::kGsm7}},
                                           LimitCase{"gsm7_140", {140, EncodingPolicy::kGsm7}},
                                           LimitCase{"ucs2_182", {182, EncodingPolicy::kUcs2}},
                                           LimitCase{"auto_182", {182, EncodingPolicy::kAuto}},
                                           LimitCase{"auto_160", {160, EncodingPolicy::kAuto}}),
                         [](const auto& param) { return std::string(param.param.name); });

TEST(EngineDeterminism, SameStateAndInputGiveTheSameBytes) {
  const State s = at_hub("mx-puebla-info-hub", "es");
  const StepResult a = step(context(), s, "1");
  const StepResult b = step(context(), s, "1");
  EXPECT_EQ(a.screen.text, b.screen.text);
  EXPECT_EQ(serialize(a.state), serialize(b.state));
  EXPECT_EQ(a.effects, b.effects);
}

// ---- The shipped menus: every screen, every language, every route limit
// --------------------------

TEST(EngineShippedMenus, EveryScreenOfEveryLanguageFitsEveryRoute) {
  const MenuBuild built = MenuSet::build(test_menus::shipped_files());
  for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
  ASSERT_NE(built.menus, nullptr) << "menus/ does not build (see ShippedMenus.BuildWithoutErrors)";
  const MenuSet& m = *built.menus;
  for (const ScreenLimit limit :
       {ScreenLimit{182, EncodingPolicy::kGsm7}, ScreenLimit{160, EncodingPolicy::kGsm7},
        ScreenLimit{140, EncodingPolicy::kGsm7}, ScreenLimit{182, EncodingPolicy::kUcs2},
        ScreenLimit{160, EncodingPolicy::kAuto}}) {
    const Context ctx{m, test::shipped_directory(), limit, {160, EncodingPolicy::kGsm7}, kToday};
    for (const auto& language : m.languages()) {
      for (const auto& node : m.nodes()) {
        State s = new_session(m, language, "GT");
        s.node = node.id;
        s.country = "GT";
        s.place_id = "3590979";
        s.query = "xela";
        s.hub_id = "gt-quetzaltenango-vimmig";
        s.history = {{"language", 0}, {"country", 0}};
        const std::size_t count = show(ctx, s).screen.page_count;
        for (std::size_t p = 0; p < count; ++p) {
          State at = s;
          at.page = static_cast<std::uint16_t>(p);
          // Each page as shown, and under the invalid-input hint ("abc" is typed text on an
          // input screen, so "77" there would not be invalid either: skip the hint for it).
          std::vector<Screen> screens{show(ctx, at).screen};
          if (node.kind != NodeKind::kInput && node.kind != NodeKind::kEnd)
            screens.push_back(step(ctx, at, "77").screen);
          for (const Screen& screen : screens) {
            EXPECT_LE(screen.units, capacity(screen, limit))
                << language << " " << node.id << " page " << p << " (" << limit.septets << "):\n"
                << screen.text;
          }
        }
      }
      const Screen resume = show(ctx, offer_resume(new_session(m, language, "GT"))).screen;
      EXPECT_LE(resume.units, capacity(resume, limit)) << resume.text;
      const Screen sorry = apology(m, language, limit);
      EXPECT_LE(sorry.units, capacity(sorry, limit)) << sorry.text;
      // One SMS of hub details in every language.
      State hub = new_session(m, language, "MX");
      hub.country = "MX";
      hub.node = "hub";
      hub.hub_id = "mx-puebla-info-hub";
      const StepResult sent = step(ctx, hub, "1");
      ASSERT_EQ(sent.effects.size(), 1u) << language;
      EXPECT_EQ(sent.effects[0].kind, Effect::Kind::kSendHubSms);
      EXPECT_NE(sent.effects[0].body.find("+52 222 309 4600"), std::string::npos)
          << sent.effects[0].body;
      EXPECT_TRUE(
          text::screen_fit(text::text_cost(sent.effects[0].body), {160, EncodingPolicy::kGsm7})
              .fits())
          << sent.effects[0].body;
    }
  }
}

// ---- Apology ------------------------------------------------------------------------------------

TEST(EngineApology, IsLocalizedAndEndsTheSession) {
  Screen s = apology(menus(), "en", kUssd);
  EXPECT_EQ(s.text, "Sorry, something went wrong. Please try later.");
  EXPECT_TRUE(s.end);
  EXPECT_EQ(s.encoding, text::Encoding::kGsm7);
  EXPECT_EQ(s.units, s.text.size());

  s = apology(menus(), "xx", {182, EncodingPolicy::kUcs2});
  EXPECT_EQ(s.text, "Lo sentimos, hubo un error. Intente más tarde.") << "default language";
  EXPECT_EQ(s.encoding, text::Encoding::kUcs2);
  EXPECT_TRUE(s.end);

  s = apology(menus(), "es", kUssd);
  EXPECT_EQ(s.text, "Lo sentimos, hubo un error. Intente mas tarde.") << "transliterated";
}

}  // namespace
}  // namespace ventanilla::dialog
