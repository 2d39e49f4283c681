// The admin API's dispatcher and routes, called directly (no sockets) over a real SQLite file:
// the role × route matrix built from the route table itself, authentication failures, strict
// JSON input, and the audit rows each mutation leaves.
#include "admin/admin_api.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <map>
#include <string>
#include <vector>

#include "admin/api_token.hpp"
#include "admin/token_service.hpp"
#include "storage/api_token_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/migrations.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::admin {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Request {
  http::Method method = http::Method::kGet;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class AdminApiTest : public ::testing::Test {
 protected:
  AdminApiTest()
      : db_(open()),
        api_(std::make_shared<spdlog::logger>("admin-test",
                                              std::make_shared<spdlog::sinks::null_sink_mt>())) {
    for (const Role r : kAllRoles) tokens_[r] = make_token(r);
  }

  storage::Database open() {
    auto db = storage::Database::open(dir_.file("admin.db"));
    if (!db) throw std::runtime_error(db.error().message());
    auto migrated = storage::apply_migrations(*db, storage::embedded_migrations());
    if (!migrated) throw std::runtime_error(migrated.error().message());
    return std::move(*db);
  }

  std::string make_token(Role role, std::optional<std::int64_t> expires = std::nullopt) {
    storage::AuditEntry who;
    who.at_ms = kNow;
    who.actor = "test";
    who.role = "admin";
    who.request_id = "setup";
    return create_token(db_, std::string(to_string(role)) + " token", role, expires, who).token;
  }

  http::HttpResponse call(const Request& r, std::optional<std::string> token = std::nullopt,
                          std::int64_t now = kNow) {
    std::vector<std::pair<std::string, std::string>> owned = r.headers;
    if (token) owned.emplace_back("Authorization", "Bearer " + *token);
    if (!r.body.empty()) owned.emplace_back("Content-Type", "application/json");
    std::vector<http::HttpRequest::Header> views;
    for (const auto& [k, v] : owned) views.emplace_back(k, v);
    http::HttpRequest request(r.method, r.target, views, r.body);
    return api_.handle(request, "req-1", db_, now);
  }

  static boost::json::object json(const http::HttpResponse& reply) {
    return boost::json::parse(reply.body).as_object();
  }

  test::TempDir dir_{"admin-api"};
  storage::Database db_;
  AdminApi api_;
  std::map<Role, std::string> tokens_;
};

// A request that reaches the route's handler: ids name nothing (so no call changes the tokens the
// matrix uses) and bodies are empty objects; the handler's 4xx for that is fine, the matrix only
// looks at whether authorization let it through.
Request sample_request(const AdminRoute& route) {
  Request r;
  r.method = route.method;
  r.target = route.pattern;
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"{id}", "999999"}}) {
    if (const auto at = r.target.find(from); at != std::string::npos)
      r.target.replace(at, from.size(), to);
  }
  if (route.method == http::Method::kPost || route.method == http::Method::kPut ||
      route.method == http::Method::kPatch) {
    r.body = "{}";
  }
  return r;
}

// Only logging in is open to anyone: a new route that leaves its role out lands here and fails.
TEST_F(AdminApiTest, EveryRouteDeclaresARoleExceptLoggingIn) {
  ASSERT_FALSE(api_.routes().empty());
  std::vector<std::string> public_routes;
  for (const auto& route : api_.routes()) {
    SCOPED_TRACE(route.pattern);
    EXPECT_TRUE(route.pattern.starts_with("/admin/api/"));
    EXPECT_FALSE(route.summary.empty());
    EXPECT_TRUE(static_cast<bool>(route.handler));
    if (!route.role)
      public_routes.push_back(std::string(to_string(route.method)) + " " + route.pattern);
  }
  EXPECT_EQ(public_routes, std::vector<std::string>{"POST /admin/api/session"});
}

// docs/admin-api.md lists every route with its role, so the table operators read cannot drift
// from the one the server enforces.
TEST_F(AdminApiTest, TheDocumentedRouteTableMatchesTheRealOne) {
  const std::string doc =
      test::read_file(std::string(VENTANILLA_SOURCE_DIR) + "/docs/admin-api.md");
  ASSERT_FALSE(doc.empty());
  std::size_t rows = 0;
  for (std::size_t at = doc.find("\n| `"); at != std::string::npos; at = doc.find("\n| `", at + 1))
    ++rows;
  EXPECT_EQ(rows, api_.routes().size());
  for (const auto& route : api_.routes()) {
    const std::string row = "| `" + std::string(to_string(route.method)) + " " + route.pattern +
                            "` | " + (route.role ? std::string(to_string(*route.role)) : "anyone") +
                            " |";
    EXPECT_NE(doc.find(row), std::string::npos) << row;
  }
}

// The role × route matrix, from the route table: a role below the route's gets 403 naming the
// role needed; the route's role and every role above it get past authorization.
TEST_F(AdminApiTest, RoleMatrixFollowsEachRoutesDeclaredRole) {
  int checked = 0;
  for (const auto& route : api_.routes()) {
    if (!route.role) continue;  // logging in: see above
    for (const Role held : kAllRoles) {
      SCOPED_TRACE(std::string(to_string(route.method)) + " " + route.pattern + " as " +
                   std::string(to_string(held)));
      const auto reply = call(sample_request(route), tokens_[held]);
      if (grants(held, *route.role)) {
        EXPECT_NE(reply.status, 401u) << reply.body;
        EXPECT_NE(reply.status, 403u) << reply.body;
      } else {
        EXPECT_EQ(reply.status, 403u) << reply.body;
        EXPECT_EQ(json(reply).at("field").as_string(), "role");
        EXPECT_NE(reply.body.find(std::string(to_string(*route.role))), std::string::npos);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>((api_.routes().size() - 1) * std::size(kAllRoles)));
}

TEST_F(AdminApiTest, MissingMalformedUnknownRevokedAndExpiredCredentialsGet401) {
  const std::string expired = make_token(Role::kAdmin, kNow + 1000);
  const std::string revoked = make_token(Role::kAdmin);
  const auto revoked_row = storage::find_api_token(db_, api_token_sha256(revoked));
  ASSERT_TRUE(storage::revoke_api_token(db_, revoked_row->id, kNow));
  const std::string unknown = "vta_" + std::string(43, 'A');
  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"no header", {}, "missing"},
      {"basic scheme", {{"Authorization", "Basic dXNlcjpwYXNz"}}, "not a Bearer token"},
      {"wrong shape", {{"Authorization", "Bearer abc"}}, "not a Ventanilla token"},
      {"one char short",
       {{"Authorization", "Bearer " + unknown.substr(1)}},
       "not a Ventanilla token"},
      {"unknown", {{"Authorization", "Bearer " + unknown}}, "unknown token"},
      {"revoked", {{"Authorization", "Bearer " + revoked}}, "token revoked"},
      {"expired", {{"Authorization", "Bearer " + expired}}, "token expired"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Request r{http::Method::kGet, "/admin/api/whoami", c.headers, ""};
    const auto reply = call(r, std::nullopt, kNow + 2000);
    EXPECT_EQ(reply.status, 401u);
    EXPECT_EQ(json(reply).at("detail").as_string(), c.detail);
    bool challenge = false;
    for (const auto& [k, v] : reply.headers) challenge |= k == "WWW-Authenticate";
    EXPECT_TRUE(challenge);
  }
}

TEST_F(AdminApiTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  auto reply = call({http::Method::kGet, "/admin/api/nothing-here", {}, ""}, tokens_[Role::kAdmin]);
  EXPECT_EQ(reply.status, 404u);
  reply = call({http::Method::kPut, "/admin/api/tokens", {}, ""}, tokens_[Role::kAdmin]);
  EXPECT_EQ(reply.status, 405u);
  std::string allow;
  for (const auto& [k, v] : reply.headers) {
    if (k == "Allow") allow = v;
  }
  EXPECT_EQ(allow, "GET, POST");
}

TEST_F(AdminApiTest, WhoamiNamesTheTokenAndItsRole) {
  const auto reply =
      call({http::Method::kGet, "/admin/api/whoami", {}, ""}, tokens_[Role::kEditor]);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(json(reply).at("role").as_string(), "editor");
  EXPECT_NE(std::string(json(reply).at("actor").as_string()).find("editor token"),
            std::string::npos);
}

TEST_F(AdminApiTest, BadTokenBodiesGetA400NamingTheField) {
  struct Case {
    std::string body;
    unsigned status;
    std::string field;
  };
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  const std::vector<Case> cases = {
      {"{", 400, "body"},
      {"[1]", 400, "body"},
      {deep, 400, "body"},
      {R"({"name":"a","name":"b","role":"viewer"})", 400, "name"},
      {R"({"role":"viewer"})", 400, "name"},
      {R"({"name":"x","role":"root"})", 400, "role"},
      {R"({"name":"x","role":"viewer","nmae":"typo"})", 400, "nmae"},
      {R"({"name":"x","role":"viewer","expires_days":0})", 400, "expires_days"},
      {R"({"name":"x","role":"viewer","expires_days":1e3})", 400, "expires_days"},
      {R"({"name":"x","role":"viewer","expires_days":18446744073709551615})", 400, "expires_days"},
      {R"({"name":")" + std::string(81, 'n') + R"(","role":"viewer"})", 400, "name"},
      {R"({"name":"bell\u0007","role":"viewer"})", 400, "name"},
      {R"({"name":"evil\u202Etxt","role":"viewer"})", 400, "name"},
      {R"({"name":"","role":"viewer"})", 400, "name"},
      {R"({"name":7,"role":"viewer"})", 400, "name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    const auto reply =
        call({http::Method::kPost, "/admin/api/tokens", {}, c.body}, tokens_[Role::kAdmin]);
    ASSERT_EQ(reply.status, c.status) << reply.body;
    EXPECT_EQ(json(reply).at("field").as_string(), c.field) << reply.body;
  }
  // Nothing was made, and nothing was audited, by any of them.
  EXPECT_EQ(storage::list_api_tokens(db_).size(), std::size(kAllRoles));
  EXPECT_EQ(storage::list_audit(db_, 0, 100).size(), std::size(kAllRoles));
}

TEST_F(AdminApiTest, CreatedTokenWorksOnceShownIsAuditedAndRevocable) {
  const auto created = call({http::Method::kPost,
                             "/admin/api/tokens",
                             {},
                             R"({"name":"weblate sync","role":"editor","expires_days":30})"},
                            tokens_[Role::kAdmin]);
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto body = json(created);
  const std::string token(body.at("token").as_string());
  const std::int64_t id = body.at("id").as_int64();
  EXPECT_EQ(body.at("expires_ms").as_int64(), kNow + 30LL * 24 * 3600 * 1000);

  const auto whoami = call({http::Method::kGet, "/admin/api/whoami", {}, ""}, token);
  EXPECT_EQ(json(whoami).at("role").as_string(), "editor");

  // Listings never show the token or its digest.
  const auto list = call({http::Method::kGet, "/admin/api/tokens", {}, ""}, tokens_[Role::kAdmin]);
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.body.find(token), std::string::npos);
  EXPECT_EQ(list.body.find(api_token_sha256(token)), std::string::npos);

  const std::string path = "/admin/api/tokens/" + std::to_string(id);
  EXPECT_EQ(call({http::Method::kDelete, path, {}, ""}, tokens_[Role::kAdmin]).status, 200u);
  EXPECT_EQ(call({http::Method::kDelete, path, {}, ""}, tokens_[Role::kAdmin]).status, 409u);
  EXPECT_EQ(
      call({http::Method::kDelete, "/admin/api/tokens/999", {}, ""}, tokens_[Role::kAdmin]).status,
      404u);
  EXPECT_EQ(call({http::Method::kGet, "/admin/api/whoami", {}, ""}, token).status, 401u);

  const auto rows = storage::list_audit(db_, 0, 100);
  ASSERT_EQ(rows.size(), std::size(kAllRoles) + 2);
  const auto& made = rows[rows.size() - 2];
  const auto& revoked = rows.back();
  EXPECT_EQ(made.entry.action, "token.create");
  EXPECT_EQ(made.entry.target, "token:" + std::to_string(id));
  EXPECT_EQ(made.entry.role, "admin");
  EXPECT_EQ(made.entry.request_id, "req-1");
  EXPECT_TRUE(made.entry.before_sha256.empty());
  EXPECT_EQ(revoked.entry.action, "token.revoke");
  EXPECT_EQ(revoked.entry.before_sha256, made.entry.after_sha256);
  EXPECT_NE(revoked.entry.after_sha256, revoked.entry.before_sha256);
  EXPECT_TRUE(storage::verify_audit_chain(db_).ok());
}

TEST_F(AdminApiTest, AuditPagesAndVerifyReportTheChain) {
  auto page = call({http::Method::kGet, "/admin/api/audit?after=1&limit=2", {}, ""},
                   tokens_[Role::kViewer]);
  ASSERT_EQ(page.status, 200u) << page.body;
  const auto page_json = json(page);
  const auto& rows = page_json.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].as_object().at("seq").as_int64(), 2);
  for (const std::string bad : {"?limit=0", "?limit=1001", "?after=-1", "?after=x", "?limit="}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(
        call({http::Method::kGet, "/admin/api/audit" + bad, {}, ""}, tokens_[Role::kViewer]).status,
        400u);
  }
  const auto verify =
      call({http::Method::kGet, "/admin/api/audit/verify", {}, ""}, tokens_[Role::kAdmin]);
  ASSERT_EQ(verify.status, 200u);
  EXPECT_TRUE(json(verify).at("ok").as_bool());
  EXPECT_EQ(json(verify).at("rows").as_int64(), static_cast<std::int64_t>(std::size(kAllRoles)));
}

}  // namespace
}  // namespace ventanilla::admin
