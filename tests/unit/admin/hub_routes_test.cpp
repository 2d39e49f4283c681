// The hub directory through the admin dispatcher, over a real SQLite file holding the shipped
// data: every change is checked exactly as `ventanilla import` checks a CSV row, lands in one
// transaction with its audit row, and tells the server to reload; retiring never deletes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "admin/admin_api.hpp"
#include "admin_test_support.hpp"
#include "directory/directory_files.hpp"
#include "storage/audit_store.hpp"
#include "storage/directory_store.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::admin {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15
const std::string kHub = "gt-san-mateo-vimmig";

class HubRoutes : public ::testing::Test {
 protected:
  // The shipped directory is imported once per suite; each test gets its own copy of that file.
  static void SetUpTestSuite() {
    template_dir_ = std::make_unique<test::TempDir>("hubs-template");
    auto db = test_support::open_migrated(template_dir_->file("hubs.db"));
    auto data = directory::load_directory_files(test::shipped_data_dir());
    if (!data) throw std::runtime_error(data.error().detail);
    if (!storage::import_directory(db, *data)) throw std::runtime_error("import");
    if (!db.checkpoint_truncate()) throw std::runtime_error("checkpoint");
  }
  static void TearDownTestSuite() { template_dir_.reset(); }

  static std::string copy_of_template(const test::TempDir& dir) {
    std::filesystem::copy_file(template_dir_->file("hubs.db"), dir.file("hubs.db"));
    return dir.file("hubs.db");
  }

  HubRoutes()
      : db_(test_support::open_migrated(copy_of_template(dir_))),
        api_(test_support::null_logger(), AdminServices{{}, {}, [this] { ++reloads_; }}) {
    for (const Role r : {Role::kViewer, Role::kEditor, Role::kPublisher}) {
      tokens_[r] = test_support::make_token(db_, r, kNow);
    }
  }

  http::HttpResponse call(http::Method method, const std::string& target,
                          Role role = Role::kPublisher, std::string body = "",
                          std::string type = "application/json") {
    test_support::Headers headers{{"Authorization", "Bearer " + tokens_[role]}};
    if (!body.empty()) headers.emplace_back("Content-Type", type);
    return test_support::handle(api_, db_, method, target, headers, body, kNow);
  }

  static boost::json::value json(const http::HttpResponse& r) { return boost::json::parse(r.body); }

  std::size_t listed(const std::string& query) {
    const auto reply = call(http::Method::kGet, "/admin/api/hubs" + query, Role::kViewer);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return json(reply).at("hubs").as_array().size();
  }

  static inline std::unique_ptr<test::TempDir> template_dir_;
  test::TempDir dir_{"hubs"};
  storage::Database db_;
  AdminApi api_;
  std::map<Role, std::string> tokens_;
  int reloads_ = 0;
};

TEST_F(HubRoutes, ListsSearchesAndShowsOneHub) {
  EXPECT_EQ(listed(""), 77u);
  EXPECT_GT(listed("?country=GT"), 0u);
  EXPECT_LT(listed("?country=GT"), 77u);
  EXPECT_EQ(listed("?q=san%20mateo&country=GT"), 1u);
  EXPECT_EQ(listed("?q=SAN%20MATEO&country=GT"), 1u);  // folded: case and accents
  const auto one = call(http::Method::kGet, "/admin/api/hubs/" + kHub, Role::kViewer);
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(json(one).at("municipality").as_string(), "San Mateo");
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/hubs/nope", Role::kViewer).status, 404u);
}

TEST_F(HubRoutes, AnEditIsCheckedLikeAnImportAuditedAndLive) {
  const std::int64_t version = storage::directory_version(db_);
  EXPECT_EQ(call(http::Method::kPatch, "/admin/api/hubs/" + kHub, Role::kEditor, R"({"hours":"x"})")
                .status,
            403u);
  const auto edited = call(http::Method::kPatch, "/admin/api/hubs/" + kHub, Role::kPublisher,
                           R"({"phone":"+502 7767 0000","hours":"Lunes a viernes 8-16"})");
  ASSERT_EQ(edited.status, 200u) << edited.body;
  EXPECT_EQ(json(edited).at("phone").as_string(), "+502 7767 0000");
  EXPECT_EQ(storage::directory_version(db_), version + 1);
  EXPECT_EQ(reloads_, 1);
  const auto rows = storage::list_audit(db_, 0, 100);
  EXPECT_EQ(rows.back().entry.action, "hub.edit");
  EXPECT_EQ(rows.back().entry.target, "hub:" + kHub);
  EXPECT_NE(rows.back().entry.before_sha256, rows.back().entry.after_sha256);

  struct Case {
    std::string body;
    std::string field;
    std::string says;
  };
  const std::vector<Case> cases = {
      {R"({"lat":40.0})", "lat", "hubs.csv:"},
      {R"({"phone":"+52 55 1234 5678"})", "phone", "hubs.csv:"},
      {R"({"services":["info","teleportation"]})", "services", "hubs.csv:"},
      {R"({"source_date":"2024-13-01"})", "source_date", "hubs.csv:"},
      {R"({"name":""})", "name", "hubs.csv:"},
      {R"({"name":"a\u202Eb"})", "name", "bidirectional"},
      {R"({"id":"other"})", "id", "cannot change"},
      {R"({"colour":"red"})", "colour", "unknown field"},
      {R"({"lat":"14.8"})", "lat", "must be a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const auto reply =
        call(http::Method::kPatch, "/admin/api/hubs/" + kHub, Role::kPublisher, c.body);
    EXPECT_EQ(reply.status, 400u) << reply.body;
    EXPECT_EQ(json(reply).at("field").as_string(), c.field) << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << reply.body;
  }
  EXPECT_EQ(storage::directory_version(db_), version + 1);  // none of them changed anything
}

TEST_F(HubRoutes, CreateRetireRestoreAndVerify) {
  auto copy = json(call(http::Method::kGet, "/admin/api/hubs/" + kHub, Role::kViewer)).as_object();
  for (const char* k : {"retired", "verified_date", "verified_by"}) copy.erase(k);
  copy["id"] = "gt-san-mateo-test";
  copy["name"] = "Ventanilla de prueba";
  const auto made =
      call(http::Method::kPost, "/admin/api/hubs", Role::kPublisher, boost::json::serialize(copy));
  ASSERT_EQ(made.status, 201u) << made.body;
  EXPECT_EQ(
      call(http::Method::kPost, "/admin/api/hubs", Role::kPublisher, boost::json::serialize(copy))
          .status,
      409u);
  EXPECT_EQ(listed(""), 78u);

  const std::int64_t version = storage::directory_version(db_);
  ASSERT_EQ(call(http::Method::kPost, "/admin/api/hubs/gt-san-mateo-test/retire").status, 200u);
  EXPECT_EQ(call(http::Method::kPost, "/admin/api/hubs/gt-san-mateo-test/retire").status, 409u);
  EXPECT_EQ(storage::directory_version(db_), version + 1);  // the server drops it from its answers
  EXPECT_EQ(listed(""), 77u);
  EXPECT_EQ(listed("?retired=include"), 78u);  // never deleted
  ASSERT_EQ(call(http::Method::kPost, "/admin/api/hubs/gt-san-mateo-test/restore").status, 200u);
  EXPECT_EQ(listed(""), 78u);

  const auto verified = call(http::Method::kPost, "/admin/api/hubs/" + kHub + "/verify");
  ASSERT_EQ(verified.status, 200u) << verified.body;
  EXPECT_EQ(json(verified).at("verified_date").as_string(), "2027-01-15");
  EXPECT_NE(std::string(json(verified).at("verified_by").as_string()).find("publisher"),
            std::string::npos);
  EXPECT_EQ(call(http::Method::kPost, "/admin/api/hubs/" + kHub + "/verify", Role::kPublisher,
                 R"({"date":"2031-01-01"})")
                .status,
            400u);
  std::vector<std::string> actions;
  for (const auto& r : storage::list_audit(db_, 0, 100)) actions.push_back(r.entry.action);
  const std::vector<std::string> tail = {"hub.create", "hub.retire", "hub.restore", "hub.verify"};
  EXPECT_EQ(std::vector<std::string>(actions.end() - 4, actions.end()), tail);
  EXPECT_TRUE(storage::verify_audit_chain(db_).ok());
}

TEST_F(HubRoutes, HubsCsvExportsAndImportsWithAPerRowReport) {
  const auto exported = call(http::Method::kGet, "/admin/api/hubs.csv", Role::kViewer);
  ASSERT_EQ(exported.status, 200u);
  EXPECT_EQ(exported.body, test::read_file(test::shipped_data_dir() + "/hubs.csv"));

  std::string changed = exported.body;
  const auto at = changed.find("Municipalidad de San Mateo");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 26, "Municipalidad San Mateo");
  const auto imported =
      call(http::Method::kPut, "/admin/api/hubs.csv", Role::kPublisher, changed, "text/csv");
  ASSERT_EQ(imported.status, 200u) << imported.body;
  EXPECT_EQ(json(imported).at("hubs").at("updated").as_int64(), 1);

  std::string broken = changed;
  const auto lat = broken.find(",14.85800,");
  ASSERT_NE(lat, std::string::npos);
  broken.replace(lat, 10, ",99.85800,");
  const auto refused =
      call(http::Method::kPut, "/admin/api/hubs.csv", Role::kPublisher, broken, "text/csv");
  ASSERT_EQ(refused.status, 400u) << refused.body;
  const auto refused_json = json(refused);
  const auto& problems = refused_json.at("problems").as_array();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].at("file").as_string(), "hubs.csv");
  EXPECT_EQ(problems[0].at("field").as_string(), "lat");
  EXPECT_GT(problems[0].at("line").as_int64(), 1);
  EXPECT_EQ(call(http::Method::kPut, "/admin/api/hubs.csv", Role::kPublisher, changed, "text/plain")
                .status,
            415u);
  // Nothing of the refused file was stored.
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/hubs.csv", Role::kViewer).body, changed);
}

}  // namespace
}  // namespace ventanilla::admin
