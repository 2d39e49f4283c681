#include "directory/nearest_hubs.hpp"

#include <gtest/gtest.h>

#include "support/shipped_data.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "directory/directory_files.hpp"

namespace ventanilla::directory {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using namespace std::chrono_literals;

// Expected distances below were computed independently with Python's math module:
//   def hav(a, b, c, d):
//       a, b, c, d = map(math.radians, (a, b, c, d))
//       h = sin((c-a)/2)**2 + cos(a)*cos(c)*sin((d-b)/2)**2
//       return 2 * 6371.0 * asin(sqrt(h))
constexpr double kTolerance = 1e-6;

struct HaversineCase {
  double lat1, lon1, lat2, lon2, km;
};

class Haversine : public ::testing::TestWithParam<HaversineCase> {};

TEST_P(Haversine, MatchesHandComputedDistance) {
  const auto& c = GetParam();
  EXPECT_NEAR(haversine_km(c.lat1, c.lon1, c.lat2, c.lon2), c.km, kTolerance);
  EXPECT_NEAR(haversine_km(c.lat2, c.lon2, c.lat1, c.lon1), c.km, kTolerance) << "symmetric";
}

INSTANTIATE_TEST_SUITE_P(
    Table, Haversine,
    ::testing::Values(
        HaversineCase{0, 0, 0, 0, 0},
        HaversineCase{0, 0, 0, 1, 111.19492664455873},  // one degree of the equator
        HaversineCase{0, 0, 1, 0, 111.19492664455873},  // one degree of a meridian
        HaversineCase{0, 0, 0, 0.1, 11.119492664455874},
        // Mexico City (19.42847, -99.12766) to Guatemala City (14.64072, -90.51327).
        HaversineCase{19.42847, -99.12766, 14.64072, -90.51327, 1058.9832918021339},
        // Tapachula (place 3516266) to San Pablo, San Marcos (hub gt-san-pablo-oficina-migrante).
        HaversineCase{14.90385, -92.25749, 14.93269, -92.00415, 27.408869085852558},
        // Tapachula to Motozintla (hub mx-motozintla-info-hub).
        HaversineCase{14.90385, -92.25749, 15.36694, -92.24605, 51.50789759926334},
        // Antipodes: half the circumference, pi * 6371.
        HaversineCase{0, 0, 0, 180, 20015.086796020572}));

// ---- Hand-built hubs on the equator, so every distance is R * delta-longitude ------------------

Hub make_hub(std::string id, std::string country, std::string type, double lon,
             std::vector<std::string> services, std::string confidence = "approximate",
             std::string source_date = "2024-01-15") {
  Hub h;
  h.id = std::move(id);
  h.country = std::move(country);
  h.hub_type = std::move(type);
  h.name = h.id;
  h.lat = 0;
  h.lon = lon;
  h.services = std::move(services);
  h.confidence = std::move(confidence);
  h.source_date = std::move(source_date);
  return h;
}

std::shared_ptr<const Directory> equator_directory() {
  DirectoryData d;
  d.services = {{"info", "", ""}, {"lodging", "", ""}, {"food", "", ""}, {"id_docs", "", ""}};
  d.hubs = {
      make_hub("info-far", "AA", "info_hub", 0.5, {"info", "id_docs"}, "confirmed"),  // 55.597 km
      make_hub("shelter-mid", "AA", "shelter", 0.3, {"lodging"}, "approximate", ""),  // 33.358 km
      make_hub("shelter-near", "AA", "shelter", 0.1, {"lodging", "food"}, "approximate",
               "2021-04-27"),  // 11.119 km
      make_hub("info-other-country", "BB", "info_hub", -0.2, {"info"}, "approximate",
               "2022"),  // 22.239 km
  };
  return Directory::build(std::move(d));
}

NearestOptions options_on(sys_days today) {
  NearestOptions o;
  o.today = today;
  return o;
}

constexpr sys_days kToday = sys_days{std::chrono::year{2025} / 6 / 1};

std::vector<std::string> ids(const std::vector<HubMatch>& matches) {
  std::vector<std::string> out;
  for (const auto& m : matches) out.push_back(m.hub->id);
  return out;
}

TEST(NearestHubs, InfoHubsComeFirstWithinTheMargin) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.info_hub_preference_km = 25;
  const auto r = nearest_hubs(*dir, 0, 0, o);
  // Keys: info-other-country 22.239; shelter-near 11.119 + 25 = 36.119; info-far 55.597;
  // shelter-mid 33.358 + 25 = 58.358. So info-far (22.2 km farther than shelter-mid) goes first,
  // but shelter-near (44.5 km closer than info-far) stays ahead of it.
  EXPECT_EQ(ids(r), (std::vector<std::string>{"info-other-country", "shelter-near", "info-far",
                                              "shelter-mid"}));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_NEAR(r[0].distance_km, 22.23898532891175, kTolerance);
  EXPECT_NEAR(r[1].distance_km, 11.119492664455874, kTolerance);
  EXPECT_NEAR(r[2].distance_km, 55.59746332227937, kTolerance);
  EXPECT_NEAR(r[3].distance_km, 33.358477993367615, kTolerance);
  EXPECT_FALSE(r[0].related);
  EXPECT_TRUE(r[1].related);
}

TEST(NearestHubs, ZeroMarginIsPlainDistanceOrder) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.info_hub_preference_km = 0;
  EXPECT_EQ(
      ids(nearest_hubs(*dir, 0, 0, o)),
      (std::vector<std::string>{"shelter-near", "info-other-country", "shelter-mid", "info-far"}));
  o.info_hub_preference_km = -5;  // treated as 0
  EXPECT_EQ(nearest_hubs(*dir, 0, 0, o).front().hub->id, "shelter-near");
}

TEST(NearestHubs, WideMarginPutsEveryInfoHubFirst) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.info_hub_preference_km = 1000;
  EXPECT_EQ(
      ids(nearest_hubs(*dir, 0, 0, o)),
      (std::vector<std::string>{"info-other-country", "info-far", "shelter-near", "shelter-mid"}));
}

TEST(NearestHubs, ServiceFilter) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.service = "lodging";
  EXPECT_EQ(ids(nearest_hubs(*dir, 0, 0, o)),
            (std::vector<std::string>{"shelter-near", "shelter-mid"}));
  o.service = "id_docs";
  EXPECT_EQ(ids(nearest_hubs(*dir, 0, 0, o)), (std::vector<std::string>{"info-far"}));
  o.service = "no_such_service";
  EXPECT_TRUE(nearest_hubs(*dir, 0, 0, o).empty());
}

TEST(NearestHubs, CountryFilterIsIndependentOfWhereTheUserIs) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.country = "BB";
  // The user stands among AA's hubs but asks for BB.
  const auto r = nearest_hubs(*dir, 0, 0.3, o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hub->id, "info-other-country");
  EXPECT_NEAR(r[0].distance_km, 55.59746332227937, kTolerance);  // 0.5 degrees
  o.country = "CC";
  EXPECT_TRUE(nearest_hubs(*dir, 0, 0, o).empty());
}

TEST(NearestHubs, LimitAndBadCoordinates) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.limit = 2;
  EXPECT_EQ(nearest_hubs(*dir, 0, 0, o).size(), 2u);
  o.limit = 0;
  EXPECT_TRUE(nearest_hubs(*dir, 0, 0, o).empty());
  o.limit = 5;
  EXPECT_TRUE(nearest_hubs(*dir, 91, 0, o).empty());
  EXPECT_TRUE(nearest_hubs(*dir, 0, -180.5, o).empty());
  EXPECT_TRUE(nearest_hubs(*dir, std::numeric_limits<double>::quiet_NaN(), 0, o).empty());
  EXPECT_TRUE(nearest_hubs(*dir, 0, std::numeric_limits<double>::infinity(), o).empty());
  EXPECT_EQ(nearest_hubs(*dir, -90, 180, o).size(), 4u);
}

TEST(NearestHubs, ApproximateAndStaleFlags) {
  const auto dir = equator_directory();
  auto o = options_on(kToday);
  o.stale_after_years = 3;  // older than about 2022-06-01 is stale
  for (const auto& m : nearest_hubs(*dir, 0, 0, o)) {
    const auto& id = m.hub->id;
    if (id == "info-far") {
      EXPECT_FALSE(m.approximate);  // confirmed
      EXPECT_FALSE(m.stale);        // 2024-01-15
    } else if (id == "shelter-mid") {
      EXPECT_TRUE(m.approximate);
      EXPECT_TRUE(m.stale);  // no source date
    } else if (id == "shelter-near") {
      EXPECT_TRUE(m.stale);  // 2021-04-27
    } else if (id == "info-other-country") {
      EXPECT_TRUE(m.stale);  // 2022 = 2022-01-01
    }
  }
  o.stale_after_years = 5;
  for (const auto& m : nearest_hubs(*dir, 0, 0, o)) {
    EXPECT_EQ(m.stale, m.hub->id == "shelter-mid") << m.hub->id;
  }
  // The reference date moves the line.
  o.stale_after_years = 1;
  o.today = sys_days{std::chrono::year{2024} / 12 / 1};
  for (const auto& m : nearest_hubs(*dir, 0, 0, o)) {
    if (m.hub->id == "info-far") {
      EXPECT_FALSE(m.stale);
    }
  }
  o.today = sys_days{std::chrono::year{2025} / 3 / 1};
  for (const auto& m : nearest_hubs(*dir, 0, 0, o)) {
    if (m.hub->id == "info-far") {
      EXPECT_TRUE(m.stale);
    }
  }
}

TEST(SourceDates, ParseTheThreeShapes) {
  EXPECT_EQ(parse_source_day("1970-01-01"), 0);
  EXPECT_EQ(parse_source_day("1970-01-02"), 1);
  EXPECT_EQ(parse_source_day("1970-02"), 31);
  EXPECT_EQ(parse_source_day("1971"), 365);
  EXPECT_EQ(parse_source_day("2024-02-30"), Directory::kUnknownDay);
  EXPECT_EQ(parse_source_day(""), Directory::kUnknownDay);
  EXPECT_EQ(parse_source_day("2024/01/01"), Directory::kUnknownDay);
  EXPECT_EQ(parse_source_day("20x4"), Directory::kUnknownDay);
  EXPECT_EQ(parse_source_day("2024-1-01"), Directory::kUnknownDay);
}

// ---- The real hub directory ---------------------------------------------------------------------

const Directory& full_directory() { return test::shipped_directory(); }

TEST(RealHubs, AcrossTheBorderFromTapachulaToGuatemala) {
  const Directory& dir = full_directory();
  const Place* tapachula = dir.place("3516266");
  ASSERT_NE(tapachula, nullptr);
  NearestOptions o = options_on(kToday);
  o.country = "GT";
  const auto r = nearest_hubs(dir, tapachula->lat, tapachula->lon, o);
  // Hand-computed (Python, see top): San Pablo 27.409 km, the two Tecún Umán hubs 28.155 km (file
  // order breaks the tie), then the first VIMMIG info hubs, San Mateo 71.909 and La Esperanza
  // 74.889 km. No info hub is within 25 km of the related services, so distance decides.
  EXPECT_EQ(ids(r),
            (std::vector<std::string>{
                "gt-san-pablo-oficina-migrante", "gt-tecun-uman-casa-del-migrante",
                "gt-tecun-uman-info-center", "gt-san-mateo-vimmig", "gt-la-esperanza-vimmig"}));
  ASSERT_EQ(r.size(), 5u);
  EXPECT_NEAR(r[0].distance_km, 27.408869085852558, kTolerance);
  EXPECT_NEAR(r[1].distance_km, 28.154924342351837, kTolerance);
  EXPECT_NEAR(r[3].distance_km, 71.90886593866476, kTolerance);
  EXPECT_NEAR(r[4].distance_km, 74.8887722229833, kTolerance);
  for (const auto& m : r) {
    EXPECT_EQ(m.hub->country, "GT");
    EXPECT_TRUE(m.approximate);
  }
  EXPECT_TRUE(r[0].related);
  EXPECT_FALSE(r[3].related);
}

TEST(RealHubs, AnyCountryFromTapachula) {
  const Directory& dir = full_directory();
  const Place* tapachula = dir.place("3516266");
  ASSERT_NE(tapachula, nullptr);
  const auto r = nearest_hubs(dir, tapachula->lat, tapachula->lon, options_on(kToday));
  ASSERT_EQ(r.size(), 5u);
  // Four related services in Tapachula itself (0 km, key 25), then the Motozintla info hub at
  // 51.508 km, ahead of San Pablo (GT, 27.409 + 25 = 52.409).
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(r[static_cast<std::size_t>(i)].distance_km, 0.0, kTolerance);
    EXPECT_TRUE(r[static_cast<std::size_t>(i)].related);
  }
  EXPECT_EQ(r[0].hub->id, "mx-comar-tapachula");
  EXPECT_EQ(r[4].hub->id, "mx-motozintla-info-hub");
  EXPECT_NEAR(r[4].distance_km, 51.50789759926334, kTolerance);
}

TEST(RealHubs, OnlyLaSetentaYDosIsConfirmed) {
  const Directory& dir = full_directory();
  auto o = options_on(kToday);
  o.limit = 200;
  std::size_t confirmed = 0;
  for (const auto& m : nearest_hubs(dir, 17.46166, -91.43090, o)) {
    if (!m.approximate) {
      ++confirmed;
      EXPECT_EQ(m.hub->id, "mx-tenosique-la72");
      EXPECT_NEAR(m.distance_km, 0.0, kTolerance);
    }
  }
  EXPECT_EQ(confirmed, 1u);
}

}  // namespace
}  // namespace ventanilla::directory
