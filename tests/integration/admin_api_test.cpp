// The admin API over HTTP on its own listener of the real `ventanilla serve`: a publisher changes
// a Spanish text in a draft, publishes it, and the very next USSD hop on the carrier listener
// shows it — no restart. Also: each listener serves only its own routes, console logins work
// with the cookie and CSRF token, and bad requests get a clear 4xx while the server keeps serving.
#include "admin/admin_api.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>
#include <thread>

#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

class AdminApiOverHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>("admin-http");
    server_ = std::make_unique<ServeProcess>(*dir_, ServeOptions{.seed_directory = true});
    ASSERT_NE(server_->admin_port(), 0);
    const auto made = run_ventanilla(
        {"token", "create", "--name", "test", "--role", "publisher", "--db", server_->db_path(),
         "--config", std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml"});
    ASSERT_TRUE(made.status.success()) << made.err;
    token_ = made.out.substr(0, made.out.find('\n'));
  }
  static void TearDownTestSuite() {
    server_.reset();
    dir_.reset();
  }

  static RawResponse admin(std::string method, std::string path, std::string body = "",
                           std::string headers = "") {
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Authorization: Bearer " + token_ + "\r\n" + headers;
    if (!body.empty() || method == "POST" || method == "PUT") {
      request +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    }
    request += "\r\n" + body;
    auto r = round_trip(server_->admin_port(), request);
    if (!r) throw std::runtime_error("no reply from the admin listener");
    return *r;
  }

  static std::string hop(const std::string& session, const std::string& text) {
    const std::string body = "sessionId=" + form_encode(session) +
                             "&serviceCode=%2A123%23&phoneNumber=%2B50255501234&networkCode=70401"
                             "&text=" +
                             form_encode(text);
    auto r = round_trip(server_->port(), post_request("/v1/africastalking/ussd", body));
    return r ? r->body : "";
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<ServeProcess> server_;
  static inline std::string token_;
};

TEST_F(AdminApiOverHttp, APublishedTextIsLiveOnTheNextUssdHop) {
  // The caller picks Spanish (1), then Guatemala (1): the "what do you need" screen.
  ASSERT_NE(hop("before-1", "1*1").find("Ventanilla mas cercana"), std::string::npos);

  const auto draft = admin("POST", "/admin/api/content/draft");
  ASSERT_TRUE(draft.status == 201 || draft.status == 200) << draft.body;
  const auto etag = draft.header("etag");
  ASSERT_TRUE(etag);
  const auto edited =
      admin("PUT", "/admin/api/content/draft/texts/es/need.hub",
            R"({"text":"Oficina de ayuda más cercana"})", "If-Match: " + *etag + "\r\n");
  ASSERT_EQ(edited.status, 200) << edited.body;
  const auto published = admin("POST", "/admin/api/content/publish", "",
                               "If-Match: " + *edited.header("etag") + "\r\n");
  ASSERT_EQ(published.status, 200) << published.body;

  // The server reloads at once on publish; poll briefly for the swap rather than sleeping.
  std::string screen;
  for (int i = 0; i < 100; ++i) {
    screen = hop("after-" + std::to_string(i), "1*1");
    if (screen.find("Oficina de ayuda mas cercana") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(screen.find("1 Oficina de ayuda mas cercana"), std::string::npos) << screen;
  EXPECT_TRUE(server_->log_contains("content reloaded", 2s));
}

// A retired hub is no longer offered — by the running server (it reloads its directory) and by the
// directory verb — but stays stored; restoring brings it back.
TEST_F(AdminApiOverHttp, ARetiredHubIsNoLongerOfferedButKept) {
  const std::string config = std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml";
  auto nearest = [&] {
    const auto r = run_ventanilla({"directory", "nearest", "--lat", "14.858", "--lon", "-91.59",
                                   "--country", "GT", "--limit", "1", "--json", "--db",
                                   server_->db_path(), "--config", config});
    EXPECT_TRUE(r.status.success()) << r.err;
    return std::string(boost::json::parse(r.out).as_array().at(0).at("id").as_string());
  };
  ASSERT_EQ(nearest(), "gt-san-mateo-vimmig");
  ASSERT_EQ(admin("POST", "/admin/api/hubs/gt-san-mateo-vimmig/retire").status, 200);
  EXPECT_NE(nearest(), "gt-san-mateo-vimmig");
  EXPECT_TRUE(server_->log_contains("76 hubs", 5s));
  const auto kept = admin("GET", "/admin/api/hubs/gt-san-mateo-vimmig");
  EXPECT_EQ(kept.status, 200);
  EXPECT_TRUE(boost::json::parse(kept.body).at("retired").as_bool());
  ASSERT_EQ(admin("POST", "/admin/api/hubs/gt-san-mateo-vimmig/restore").status, 200);
  EXPECT_EQ(nearest(), "gt-san-mateo-vimmig");
}

// A USSD walk to a list of nearest hubs shows up in the daily aggregates — counts by day, channel,
// country and language, with nothing about the caller.
TEST_F(AdminApiOverHttp, UsageCountsSessionsAndLookupsWithoutSubscribers) {
  // Spanish, Guatemala, "nearest hub", "choose a department", the first one: a hub list.
  ASSERT_NE(hop("usage-walk", "1*1*1*1*1").find("Lugares cercanos"), std::string::npos);
  const auto reply = admin("GET", "/admin/api/usage");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = boost::json::parse(reply.body).as_object();
  EXPECT_GE(body.at("totals").at("sessions").as_int64(), 1);
  EXPECT_GE(body.at("totals").at("lookups").as_int64(), 1);
  bool found = false;
  for (const auto& row : body.at("rows").as_array()) {
    found |= row.at("channel").as_string() == "ussd" && row.at("country").as_string() == "GT" &&
             row.at("language").as_string() == "es" && row.at("lookups").as_int64() >= 1;
  }
  EXPECT_TRUE(found) << reply.body;
  EXPECT_EQ(reply.body.find("50255501234"), std::string::npos);
  EXPECT_EQ(admin("GET", "/admin/api/usage?from=2026-13-01").status, 400);
}

TEST_F(AdminApiOverHttp, EachListenerServesOnlyItsOwnRoutes) {
  EXPECT_EQ(admin("GET", "/admin/api/whoami").status, 200);
  auto carrier_side = round_trip(server_->port(), get_request("/admin/api/whoami"));
  ASSERT_TRUE(carrier_side);
  EXPECT_EQ(carrier_side->status, 404);
  auto admin_side = round_trip(server_->admin_port(),
                               post_request("/v1/africastalking/ussd", "sessionId=x&text="));
  ASSERT_TRUE(admin_side);
  EXPECT_EQ(admin_side->status, 404);
}

TEST_F(AdminApiOverHttp, BadRequestsGetAClear4xxAndTheServerKeepsServing) {
  struct Case {
    std::string name;
    std::string method;
    std::string path;
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"malformed JSON", "POST", "/admin/api/content/simulate", "{\"inputs\":", 400, "body"},
      {"10,000 deep", "POST", "/admin/api/content/simulate",
       std::string(10'000, '[') + std::string(10'000, ']'), 400, "body"},
      {"oversized string", "POST", "/admin/api/content/simulate",
       R"({"inputs":[")" + std::string(100'000, 'a') + R"("]})", 400, "inputs[0]"},
      {"bidi override", "POST", "/admin/api/content/simulate", R"({"inputs":["1\u202E"]})", 400,
       "inputs[0]"},
      {"unknown field", "POST", "/admin/api/content/simulate", R"({"inputs":[],"inptus":[]})", 400,
       "inptus"},
      {"unknown route", "GET", "/admin/api/nothing", "", 404, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = admin(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    if (!c.field.empty()) {
      EXPECT_EQ(boost::json::parse(r.body).at("field").as_string(), c.field) << r.body;
    }
  }
  // Over the server's body limit: refused from Content-Length, before reading the body.
  // (Only the header is sent: the server answers and closes without reading the body, and a
  // client still writing 2 MiB could see the reset before the answer.)
  const auto huge = round_trip(server_->admin_port(),
                               "POST /admin/api/content/simulate HTTP/1.1\r\nHost: t\r\n"
                               "Authorization: Bearer " +
                                   token_ +
                                   "\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 2097152\r\n\r\n");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(admin("GET", "/admin/api/whoami").status, 200);
  EXPECT_EQ(round_trip(server_->port(), get_request("/healthz"))->status, 200);
}

TEST_F(AdminApiOverHttp, ConsoleLoginSetsTheCookieAndChangesNeedTheCsrfToken) {
  // Accounts are made by admins: the publisher token may not.
  const std::string account =
      R"({"username":"ana","password":"a very good password","role":"editor"})";
  EXPECT_EQ(admin("POST", "/admin/api/users", account).status, 403);
  const auto admin_token = run_ventanilla(
      {"token", "create", "--name", "root", "--role", "admin", "--db", server_->db_path(),
       "--config", std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml"});
  ASSERT_TRUE(admin_token.status.success());
  const std::string root = admin_token.out.substr(0, admin_token.out.find('\n'));
  auto made = round_trip(server_->admin_port(),
                         post_request("/admin/api/users", account, "application/json",
                                      "Authorization: Bearer " + root + "\r\n"));
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;

  // post_request sends "Host: t": the console page's own origin is then http://t.
  const std::string origin = "Origin: http://t\r\nSec-Fetch-Site: same-origin\r\n";
  auto login = round_trip(
      server_->admin_port(),
      post_request("/admin/api/session", R"({"username":"ana","password":"a very good password"})",
                   "application/json", origin));
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  const auto set_cookie = login->header("set-cookie");
  ASSERT_TRUE(set_cookie);
  EXPECT_NE(set_cookie->find("; Secure; HttpOnly; SameSite=Strict"), std::string::npos);
  const std::string cookie = "Cookie: " + set_cookie->substr(0, set_cookie->find(';')) + "\r\n";
  const std::string csrf(boost::json::parse(login->body).at("csrf_token").as_string());

  auto without =
      round_trip(server_->admin_port(),
                 post_request("/admin/api/content/draft", "", "application/json", cookie + origin));
  ASSERT_TRUE(without);
  EXPECT_EQ(without->status, 403);
  auto with = round_trip(server_->admin_port(),
                         post_request("/admin/api/content/draft", "", "application/json",
                                      cookie + origin + "X-CSRF-Token: " + csrf + "\r\n"));
  ASSERT_TRUE(with);
  EXPECT_TRUE(with->status == 200 || with->status == 201) << with->body;
}

// The role × route matrix over HTTP against the real server, built from the route table itself:
// a role below the route's gets 403 naming the role needed; the route's role and every role above
// it get past authorization (whatever the handler then says about the sample request).
TEST_F(AdminApiOverHttp, EveryRouteAnswersEachRoleAsItsDeclaredRoleSays) {
  const std::string config = std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml";
  std::map<admin::Role, std::string> tokens;
  for (const admin::Role role : admin::kAllRoles) {
    const auto made = run_ventanilla({"token", "create", "--name", "matrix", "--role",
                                      std::string(admin::to_string(role)), "--db",
                                      server_->db_path(), "--config", config});
    ASSERT_TRUE(made.status.success()) << made.err;
    tokens[role] = made.out.substr(0, made.out.find('\n'));
  }
  const admin::AdminApi api(
      std::make_shared<spdlog::logger>("matrix", std::make_shared<spdlog::sinks::null_sink_mt>()));
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"{id}", "999999"}, {"{lang}", "xx"}, {"{username}", "nobody"}, {"{path}", "menu.toml"}};
  int checked = 0;
  for (const auto& route : api.routes()) {
    if (!route.role) continue;  // logging in
    std::string target = route.pattern;
    for (const auto& [from, to] : samples) {
      for (auto at = target.find(from); at != std::string::npos; at = target.find(from)) {
        target.replace(at, from.size(), to);
      }
    }
    const std::string method(http::to_string(route.method));
    const bool with_body = method == "POST" || method == "PUT" || method == "PATCH";
    for (const admin::Role held : admin::kAllRoles) {
      SCOPED_TRACE(method + " " + target + " as " + std::string(admin::to_string(held)));
      std::string request = method + " " + target +
                            " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tokens[held] +
                            "\r\n";
      request +=
          with_body ? "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" : "\r\n";
      const auto reply = round_trip(server_->admin_port(), request);
      ASSERT_TRUE(reply);
      if (admin::grants(held, *route.role)) {
        EXPECT_NE(reply->status, 401) << reply->body;
        EXPECT_NE(reply->status, 403) << reply->body;
      } else {
        EXPECT_EQ(reply->status, 403) << reply->body;
        EXPECT_NE(reply->body.find(std::string(admin::to_string(*route.role))), std::string::npos);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>((api.routes().size() - 1) * std::size(admin::kAllRoles)));
}

}  // namespace
}  // namespace ventanilla::test
