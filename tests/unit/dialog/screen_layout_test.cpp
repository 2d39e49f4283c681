#include "dialog/screen_layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "text/encoding.hpp"
#include "text/screen_fit.hpp"

namespace ventanilla::dialog {
namespace {

using text::EncodingPolicy;
using text::ScreenLimit;

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool fits(std::string_view page, const ScreenLimit& limit) {
  return text::screen_fit(text::text_cost(page), limit).fits();
}

// Navigation entries, as the engine numbers them.
constexpr std::string_view kNext = "98 Más";
constexpr std::string_view kPrevious = "99 Antes";
constexpr std::string_view kBack = "0 Atrás";
constexpr std::string_view kHome = "00 Inicio";

std::string expected_footer(bool next, bool previous) {
  std::string f;
  auto add = [&f](std::string_view e) {
    if (!f.empty()) f += ' ';
    f += e;
  };
  if (next) add(kNext);
  if (previous) add(kPrevious);
  add(kBack);
  add(kHome);
  return f;
}

std::vector<std::string> numbered(const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < labels.size(); ++i)
    out.push_back(std::to_string(i + 1) + " " + labels[i]);
  return out;
}

const std::vector<std::string>& place_items() {
  static const std::vector<std::string> items = numbered({"Quetzaltenango, Quetzaltenango",
                                                          "San Juan Ostuncalco, Quetzaltenango",
                                                          "Salcajá",
                                                          "Cantel",
                                                          "La Esperanza",
                                                          "Olintepeque",
                                                          "San Mateo",
                                                          "Almolonga",
                                                          "Zunil",
                                                          "Coatepeque, Quetzaltenango",
                                                          "Colomba",
                                                          "Génova",
                                                          "Flores Costa Cuca",
                                                          "San Carlos Sija",
                                                          "Sibilia",
                                                          "Cabricán",
                                                          "Huitán",
                                                          "Cajolá",
                                                          "Palestina de Los Altos",
                                                          "San Martín Sacatepéquez",
                                                          "Concepción Chiquirichapa",
                                                          "San Miguel Sigüilá",
                                                          "El Palmar",
                                                          "Precio 5 € [aprox]",
                                                          "Tecún Umán, San Marcos",
                                                          "Malacatán",
                                                          "Ciudad Tecún Umán {frontera}",
                                                          "Ayutla",
                                                          "Catarina",
                                                          "Pajapita",
                                                          "Nuevo Progreso",
                                                          "El Tumbador",
                                                          "Esquipulas Palo Gordo",
                                                          "San Pedro Sacatepéquez, San Marcos",
                                                          "San Antonio Sacatepéquez",
                                                          "Comitancillo",
                                                          "Tejutla",
                                                          "Tajumulco",
                                                          "Ixchiguán",
                                                          "Sipacapa"});
  return items;
}

constexpr std::string_view kBody =
    "Viajar sin papeles es peligroso. Hay gente que cobra mucho y miente sobre el camino.\n"
    "Nunca entregue sus documentos a nadie. Lleve agua y avise a su familia por donde va. Si "
    "necesita ayuda llame a la línea gratuita de emergencia 1500 (sin costo, 24 horas).\n"
    "Las oficinas de información le orientan sin costo y sin preguntar su situación "
    "migratoria. Guarde este número y compártalo con quien viaja con usted. El pasaje cuesta "
    "unos 50 € [ida] y no hay que pagar a nadie por cruzar.";

struct LayoutCase {
  std::string_view name;
  std::string_view hint;
  std::string_view title;
  std::string_view body;
  const std::vector<std::string>* items;
};

struct LimitCase {
  std::string_view name;
  ScreenLimit limit;
};

const std::vector<std::string> kNoItems;
const std::vector<std::string> kThreeItems = numbered({"Recibir por SMS", "Ver mapa", "Llamar"});
const std::vector<std::string> kEmojiItems =
    numbered({"Oficina 🙂 central", "Albergue ★ norte", "Casa del Migrante", "Oficina sur",
              "Kiosko del parque", "Módulo de la terminal", "Centro de día", "Oficina municipal",
              "Iglesia San José", "Consulado"});

const LayoutCase kLayouts[] = {
    {"long_list", "", "Elija su pueblo", "", &place_items()},
    {"long_body", "", "Riesgos del viaje", kBody, &kNoItems},
    {"body_and_items", "", "Oficina", kBody, &kThreeItems},
    {"hint_title_list", "Opción no válida", "Elija su pueblo", "", &place_items()},
    {"non_gsm_list", "", "Oficinas 🙂", "", &kEmojiItems},
    {"short", "", "¿Qué necesita?", "", &kThreeItems},
};

const LimitCase kLimits[] = {
    {"gsm7_182", {182, EncodingPolicy::kGsm7}}, {"gsm7_160", {160, EncodingPolicy::kGsm7}},
    {"gsm7_140", {140, EncodingPolicy::kGsm7}}, {"ucs2_182", {182, EncodingPolicy::kUcs2}},
    {"auto_182", {182, EncodingPolicy::kAuto}}, {"auto_140", {140, EncodingPolicy::kAuto}},
};

ScreenContent content_of(const LayoutCase& c) {
  ScreenContent sc;
  sc.hint = c.hint;
  sc.title = c.title;
  sc.body = c.body;
  sc.items = *c.items;
  sc.next = kNext;
  sc.previous = kPrevious;
  sc.back = kBack;
  sc.home = kHome;
  return sc;
}

// Whether every piece (a body word, an item) fits on a page beside the header and the fullest
// navigation line: then nothing may be shortened. Otherwise (UCS-2 on a 140-septet route holds 61
// characters) the layout may shorten a line, but only at a word and with "...".
bool roomy(const LayoutCase& c, const ScreenLimit& limit) {
  // Every page keeps room for the hint in the title's place, shown or not.
  const std::string header(c.hint.size() > c.title.size() ? c.hint : c.title);
  const text::TextCost frame = text::text_cost(header + "\n\n" + expected_footer(true, true));
  std::vector<std::string> pieces = words(c.body);
  pieces.insert(pieces.end(), c.items->begin(), c.items->end());
  for (const auto& piece : pieces)
    if (!text::screen_fit(frame + text::text_cost(piece), limit).fits()) return false;
  return true;
}

// `shown` is `whole`, or (when shortening is allowed) a prefix of it cut after a word, plus "...".
bool same_or_shortened(std::string_view shown, std::string_view whole, bool allow);

// `page` is `plain` (the same page, hint not shown) with the hint above its title or in the
// title's place. Under policy auto the hint may be in its GSM-7 form; on a screen too small for
// it (`allow_short`) it may be shortened at a word.
bool hint_over(std::string_view page, std::string_view hint, const std::string& plain,
               bool has_title, const ScreenLimit& limit, bool allow_short = false) {
  const std::string_view shown = page.substr(0, page.find('\n'));
  const bool hint_ok =
      same_or_shortened(shown, hint, allow_short) ||
      (limit.policy == EncodingPolicy::kAuto &&
       same_or_shortened(shown, text::apply_policy(hint, EncodingPolicy::kGsm7).text, allow_short));
  if (!hint_ok) return false;
  const std::string h(shown);
  return page == h + "\n" + plain || (has_title && page == h + plain.substr(plain.find('\n')));
}

// `shown` is `whole`, or (when shortening is allowed) a prefix of it cut after a word, plus "...".
bool same_or_shortened(std::string_view shown, std::string_view whole, bool allow) {
  if (shown == whole) return true;
  if (!allow || !shown.ends_with("...")) return false;
  const std::string_view prefix = shown.substr(0, shown.size() - 3);
  if (!whole.starts_with(prefix) || prefix.size() >= whole.size()) return false;
  const char after = whole[prefix.size()];
  return after == ' ' || after == ',' || after == '.';
}

class LayoutProperties : public ::testing::TestWithParam<std::tuple<LayoutCase, LimitCase>> {};

TEST_P(LayoutProperties, EveryPageFitsAndNothingIsLostOrCut) {
  const auto& [c, lc] = GetParam();
  const ScreenLimit& limit = lc.limit;
  const ScreenContent sc = content_of(c);
  const bool exact = roomy(c, limit);
  const PageLayout first = layout_page(sc, 0, limit);
  const std::size_t count = first.page_count;
  ASSERT_GE(count, 1u);
  if (exact) {
    EXPECT_FALSE(first.shortened) << "every line fits beside the title and navigation";
  }

  std::size_t next_item = 0;
  std::vector<std::string> seen_words;
  std::string last_text;
  ScreenContent without_hint = sc;
  without_hint.show_hint = false;
  for (std::size_t p = 0; p < count; ++p) {
    SCOPED_TRACE("page " + std::to_string(p));
    const PageLayout page = layout_page(sc, p, limit);
    EXPECT_EQ(page.page, p);
    EXPECT_EQ(page.page_count, count);
    EXPECT_TRUE(fits(page.text, limit))
        << text::screen_fit(text::text_cost(page.text), limit).units << " units:\n"
        << page.text;

    // Showing the hint never moves a page break: the page is the one without it, under the hint
    // (in its GSM-7 form when policy auto would otherwise turn a full GSM-7 page into UCS-2).
    const PageLayout plain = layout_page(without_hint, p, limit);
    EXPECT_EQ(plain.page_count, count);
    EXPECT_TRUE(fits(plain.text, limit)) << plain.text;
    if (!c.hint.empty()) {
      EXPECT_TRUE(hint_over(page.text, c.hint, plain.text, !c.title.empty(), limit, !exact))
          << page.text << "\n--- without the hint:\n"
          << plain.text;
    } else {
      EXPECT_EQ(page.text, plain.text);
    }

    const std::vector<std::string> lines = split(plain.text, '\n');
    // The navigation line closes every page: 98 only with a next page, 99 only after the first.
    ASSERT_GE(lines.size(), 2u) << plain.text;
    EXPECT_EQ(lines.back(), expected_footer(p + 1 < count, p > 0)) << plain.text;
    EXPECT_TRUE(page.text.ends_with("\n" + lines.back())) << page.text;
    std::size_t line = 0;
    if (exact) {
      EXPECT_EQ(lines[line++], c.title) << "the title is repeated on every page";
    } else {
      // A title too long for the screen is cut at a word.
      EXPECT_TRUE(same_or_shortened(lines[line], c.title, true)) << lines[line];
      ++line;
    }
    for (; line + 1 < lines.size(); ++line) {
      const std::string& l = lines[line];
      const bool is_item =
          next_item < c.items->size() && same_or_shortened(l, (*c.items)[next_item], !exact);
      if (is_item) {
        ++next_item;
      } else {
        EXPECT_EQ(next_item, 0u) << "body text after an item: " << l;
        for (auto& w : words(l)) seen_words.push_back(std::move(w));
      }
    }
    last_text = page.text;
  }
  EXPECT_EQ(next_item, c.items->size()) << "every item on one page, in order, never split";
  EXPECT_EQ(seen_words, words(c.body)) << "every body word, whole, in order";

  // A page beyond the end clamps to the last one.
  const PageLayout beyond = layout_page(sc, count + 5, limit);
  EXPECT_EQ(beyond.page, count - 1);
  EXPECT_EQ(beyond.text, last_text);
}

INSTANTIATE_TEST_SUITE_P(Matrix, LayoutProperties,
                         ::testing::Combine(::testing::ValuesIn(kLayouts),
                                            ::testing::ValuesIn(kLimits)),
                         [](const auto& param) {
                           return std::string(std::get<0>(param.param).name) + "_" +
                                  std::string(std::get<1>(param.param).name);
                         });

TEST(ScreenLayout, LongContentReallyPages) {
  const ScreenContent sc = content_of(kLayouts[0]);
  EXPECT_GE(layout_page(sc, 0, {182, EncodingPolicy::kGsm7}).page_count, 4u);
  // Fewer septets, more pages; UCS-2 holds fewer characters than GSM-7.
  EXPECT_GT(layout_page(sc, 0, {140, EncodingPolicy::kGsm7}).page_count,
            layout_page(sc, 0, {182, EncodingPolicy::kGsm7}).page_count);
  EXPECT_GT(layout_page(sc, 0, {182, EncodingPolicy::kUcs2}).page_count,
            layout_page(sc, 0, {182, EncodingPolicy::kGsm7}).page_count);
}

TEST(ScreenLayout, AutoPolicyPagesGsmTextLikeGsm7) {
  static const std::vector<std::string> ascii = numbered(
      {"Quetzaltenango", "San Mateo", "Cantel", "La Esperanza", "Olintepeque", "Almolonga", "Zunil",
       "Colomba", "Sibilia", "Cajola", "Ayutla", "Catarina", "Pajapita", "Tejutla"});
  ScreenContent sc = content_of({"ascii", "", "Pick your town", "", &ascii});
  sc.next = "98 More";
  sc.previous = "99 Prev";
  sc.back = "0 Back";
  sc.home = "00 Home";
  const PageLayout gsm = layout_page(sc, 0, {160, EncodingPolicy::kGsm7});
  const PageLayout automatic = layout_page(sc, 0, {160, EncodingPolicy::kAuto});
  EXPECT_EQ(gsm.page_count, automatic.page_count);
  EXPECT_EQ(gsm.text, automatic.text);
}

TEST(ScreenLayout, SinglePageHasOnlyBackAndHome) {
  const ScreenContent sc = content_of(kLayouts[5]);
  const PageLayout page = layout_page(sc, 0, {182, EncodingPolicy::kGsm7});
  EXPECT_EQ(page.page_count, 1u);
  EXPECT_EQ(page.text,
            "¿Qué necesita?\n1 Recibir por SMS\n2 Ver mapa\n3 Llamar\n0 Atrás 00 Inicio");
}

TEST(ScreenLayout, EmptyNavigationEntriesAreLeftOut) {
  ScreenContent sc;
  sc.title = "Idioma";
  const std::vector<std::string> items = numbered({"Español", "English"});
  sc.items = items;
  sc.next = kNext;
  sc.previous = kPrevious;
  const PageLayout page = layout_page(sc, 0, {182, EncodingPolicy::kGsm7});
  EXPECT_EQ(page.text, "Idioma\n1 Español\n2 English");
}

TEST(ScreenLayout, OneItemLongerThanTheScreenIsShortenedAtAWord) {
  const std::string label =
      "1 Ventanilla Informativa Municipal sobre Migración (VIMMIG) Quetzaltenango, calle "
      "principal frente al parque central, segundo nivel del edificio municipal, zona uno, "
      "a la par de la iglesia catedral y del mercado de artesanías 12 km";
  const std::vector<std::string> items{label, "2 Cantel 15 km"};
  ScreenContent sc = content_of({"one_long", "", "Oficinas cercanas", "", &items});
  for (const ScreenLimit limit :
       {ScreenLimit{182, EncodingPolicy::kGsm7}, ScreenLimit{140, EncodingPolicy::kGsm7},
        ScreenLimit{182, EncodingPolicy::kUcs2}}) {
    SCOPED_TRACE(limit.septets);
    const PageLayout page = layout_page(sc, 0, limit);
    EXPECT_TRUE(page.shortened);
    EXPECT_TRUE(fits(page.text, limit)) << page.text;
    const std::vector<std::string> lines = split(page.text, '\n');
    ASSERT_GE(lines.size(), 3u) << page.text;
    const std::string& shown = lines[1];
    ASSERT_TRUE(shown.ends_with("...")) << shown;
    const std::string prefix = shown.substr(0, shown.size() - 3);
    ASSERT_TRUE(label.starts_with(prefix)) << shown;
    const char after = label[prefix.size()];
    EXPECT_TRUE(after == ' ' || after == ',' || after == '.') << "cut inside a word: " << shown;
    EXPECT_GT(prefix.size(), 20u) << "kept as much as fits";
    // The second item is not lost: it is on this page or the next.
    const PageLayout last = layout_page(sc, 9, limit);
    EXPECT_NE((page.text + last.text).find("2 Cantel 15 km"), std::string::npos);
  }
}

TEST(ScreenLayout, OverlongTitleIsShortenedAndStillLeavesRoom) {
  std::string title;
  for (int i = 0; i < 30; ++i) title += "palabra ";
  const std::vector<std::string> items = numbered({"Uno", "Dos"});
  ScreenContent sc = content_of({"long_title", "", "", "", &items});
  sc.title = title;
  const ScreenLimit limit{140, EncodingPolicy::kGsm7};
  const PageLayout page = layout_page(sc, 0, limit);
  EXPECT_TRUE(page.shortened);
  EXPECT_TRUE(fits(page.text, limit)) << page.text;
  EXPECT_NE(page.text.find("palabra..."), std::string::npos) << page.text;
  EXPECT_NE(page.text.find("1 Uno"), std::string::npos) << page.text;
  EXPECT_TRUE(page.text.ends_with("0 Atrás 00 Inicio")) << page.text;
}

TEST(ScreenLayoutHint, GoesAboveAScreenWithRoom) {
  ScreenContent sc = content_of(kLayouts[5]);
  sc.hint = "Opción no válida";
  const PageLayout page = layout_page(sc, 0, {182, EncodingPolicy::kGsm7});
  EXPECT_EQ(page.text,
            "Opción no válida\n¿Qué necesita?\n1 Recibir por SMS\n2 Ver mapa\n3 Llamar\n0 Atrás "
            "00 Inicio");
}

TEST(ScreenLayoutHint, ShowingItNeverMovesABreak) {
  ScreenContent sc = content_of(kLayouts[0]);
  sc.hint = "Opción no válida";  // longer than the title
  ScreenContent hidden = sc;
  hidden.show_hint = false;
  for (const ScreenLimit limit :
       {ScreenLimit{182, EncodingPolicy::kGsm7}, ScreenLimit{140, EncodingPolicy::kGsm7},
        ScreenLimit{182, EncodingPolicy::kUcs2}}) {
    const std::size_t count = layout_page(hidden, 0, limit).page_count;
    EXPECT_EQ(layout_page(sc, 0, limit).page_count, count);
    for (std::size_t p = 0; p < count; ++p) {
      const PageLayout with = layout_page(sc, p, limit);
      const PageLayout without = layout_page(hidden, p, limit);
      EXPECT_TRUE(hint_over(with.text, sc.hint, without.text, true, limit)) << with.text;
      EXPECT_TRUE(with.text.starts_with("Opción no válida\n")) << with.text;
      EXPECT_TRUE(fits(with.text, limit)) << with.text;
    }
  }
}

TEST(ScreenLayoutHint, UnderPolicyAutoANonGsmHintDoesNotTurnGsmPagesIntoUcs2) {
  static const std::vector<std::string> ascii = numbered(
      {"Quetzaltenango", "San Mateo", "Cantel", "La Esperanza", "Olintepeque", "Almolonga", "Zunil",
       "Colomba", "Sibilia", "Cajola", "Ayutla", "Catarina", "Pajapita", "Tejutla",
       "Concepcion Chiquirichapa", "San Juan Ostuncalco", "Palestina de Los Altos"});
  ScreenContent sc = content_of({"ascii", "", "Elija su pueblo", "", &ascii});
  sc.next = "98 Mas";
  sc.previous = "99 Antes";
  sc.back = "0 Atras";
  sc.home = "00 Inicio";
  sc.hint = "Opción no válida";
  const ScreenLimit automatic{160, EncodingPolicy::kAuto};
  const ScreenLimit gsm{160, EncodingPolicy::kGsm7};
  const std::size_t count = layout_page(sc, 0, gsm).page_count;
  EXPECT_EQ(layout_page(sc, 0, automatic).page_count, count);
  bool transliterated = false;
  for (std::size_t p = 0; p < count; ++p) {
    const PageLayout page = layout_page(sc, p, automatic);
    EXPECT_TRUE(fits(page.text, automatic)) << page.text;
    EXPECT_TRUE(page.text.starts_with("Opción no válida\n") ||
                page.text.starts_with("Opcion no valida\n"))
        << page.text;
    transliterated = transliterated || page.text.starts_with("Opcion");
  }
  EXPECT_TRUE(transliterated) << "some page is full enough to need the GSM-7 form";
}

TEST(ScreenLayoutHint, BodyWordsAreNotLostWhenTheHintIsShown) {
  // Regression: the hint used to be packed into the page, so page 1 with the hint ended earlier
  // than page 1 without it, and the words between were on neither page after "98".
  ScreenContent sc = content_of(kLayouts[1]);
  sc.hint = "Opción no válida";
  const ScreenLimit limit{160, EncodingPolicy::kGsm7};
  const PageLayout first_with_hint = layout_page(sc, 0, limit);
  sc.show_hint = false;
  const PageLayout second = layout_page(sc, 1, limit);
  std::vector<std::string> seen;
  for (const auto* page : {&first_with_hint, &second}) {
    auto lines = split(page->text, '\n');
    for (std::size_t l = 0; l + 1 < lines.size(); ++l) {
      if (lines[l] == sc.title || lines[l] == sc.hint) continue;
      for (auto& w : words(lines[l])) seen.push_back(std::move(w));
    }
  }
  const auto body = words(kBody);
  // The words seen on page 1 (with the hint) and then page 2 are a run of the body with no gap.
  ASSERT_LE(seen.size(), body.size());
  EXPECT_TRUE(std::equal(seen.begin(), seen.end(), body.begin()))
      << "a gap between page 1 shown with the hint and page 2";
}

}  // namespace
}  // namespace ventanilla::dialog
