// Console logins over the admin dispatcher with a real SQLite file: Argon2id passwords,
// throttling without lock-out, the session cookie's attributes, CSRF checks on every change made
// with a cookie, and account management with its audit rows.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <map>
#include <string>
#include <vector>

#include "admin/admin_api.hpp"
#include "admin/password.hpp"
#include "admin/staff_service.hpp"
#include "storage/api_token_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/migrations.hpp"
#include "storage/staff_store.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::admin {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::string_view kHost = "127.0.0.1:8081";
const std::string kOrigin = "http://127.0.0.1:8081";
const std::string kPassword = "correct horse battery";

using Headers = std::vector<std::pair<std::string, std::string>>;

class ConsoleSession : public ::testing::Test {
 protected:
  ConsoleSession()
      : db_(open()),
        api_(std::make_shared<spdlog::logger>("admin-test",
                                              std::make_shared<spdlog::sinks::null_sink_mt>())) {
    storage::AuditEntry who;
    who.at_ms = kNow;
    who.actor = "cli:root";
    who.role = "admin";
    who.request_id = "cli";
    EXPECT_TRUE(create_staff(db_, "ana", kPassword, Role::kAdmin, who));
    EXPECT_TRUE(create_staff(db_, "beto", kPassword, Role::kEditor, who));
  }

  storage::Database open() {
    auto db = storage::Database::open(dir_.file("admin.db"));
    if (!db) throw std::runtime_error(db.error().message());
    if (!storage::apply_migrations(*db, storage::embedded_migrations())) {
      throw std::runtime_error("migrations");
    }
    return std::move(*db);
  }

  http::HttpResponse call(http::Method method, std::string target, Headers headers,
                          std::string body = "", std::int64_t now = kNow) {
    headers.emplace_back("Host", std::string(kHost));
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    std::vector<http::HttpRequest::Header> views;
    for (const auto& [k, v] : headers) views.emplace_back(k, v);
    http::HttpRequest request(method, target, views, body);
    return api_.handle(request, "req-7", db_, now);
  }

  struct Session {
    std::string cookie;  // "__Host-ventanilla_session=..."
    std::string csrf;
    std::string set_cookie;
  };

  http::HttpResponse log_in_raw(const std::string& user, const std::string& password,
                                std::int64_t now = kNow) {
    return call(http::Method::kPost, "/admin/api/session",
                {{"Origin", kOrigin}, {"Sec-Fetch-Site", "same-origin"}},
                R"({"username":")" + user + R"(","password":")" + password + R"("})", now);
  }

  Session log_in(const std::string& user) {
    const auto reply = log_in_raw(user, kPassword);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    Session s;
    for (const auto& [k, v] : reply.headers) {
      if (k == "Set-Cookie") s.set_cookie = v;
    }
    s.cookie = s.set_cookie.substr(0, s.set_cookie.find(';'));
    s.csrf = std::string(boost::json::parse(reply.body).at("csrf_token").as_string());
    return s;
  }

  // A change made from the console page: cookie, same-origin fetch, CSRF token.
  Headers console(const Session& s) {
    return {{"Cookie", "theme=dark; " + s.cookie},
            {"Origin", kOrigin},
            {"Sec-Fetch-Site", "same-origin"},
            {"X-CSRF-Token", s.csrf}};
  }

  test::TempDir dir_{"console"};
  storage::Database db_;
  AdminApi api_;
};

TEST_F(ConsoleSession, PasswordsAreArgon2idAndVerifyOnlyThemselves) {
  const auto staff = storage::find_staff(db_, "ana");
  ASSERT_TRUE(staff);
  EXPECT_TRUE(staff->password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(verify_password(staff->password_hash, kPassword));
  EXPECT_FALSE(verify_password(staff->password_hash, kPassword + "!"));
  EXPECT_FALSE(verify_password("not a hash", kPassword));
  EXPECT_NE(hash_password(kPassword), hash_password(kPassword));  // salted
}

TEST_F(ConsoleSession, LoginSetsAHostOnlySecureHttpOnlyStrictCookie) {
  const Session s = log_in("ana");
  EXPECT_TRUE(s.set_cookie.starts_with("__Host-ventanilla_session="));
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_NE(s.set_cookie.find(attribute), std::string::npos) << attribute;
  }
  EXPECT_EQ(s.set_cookie.find("Domain"), std::string::npos);  // __Host- forbids it
  const auto who = call(http::Method::kGet, "/admin/api/whoami", {{"Cookie", s.cookie}});
  ASSERT_EQ(who.status, 200u) << who.body;
  const auto body = boost::json::parse(who.body).as_object();
  EXPECT_EQ(body.at("actor").as_string(), "staff:ana");
  EXPECT_EQ(body.at("csrf_token").as_string(), s.csrf);
}

TEST_F(ConsoleSession, WrongPasswordUnknownUserAndBadBodiesAreRefusedAlike) {
  EXPECT_EQ(log_in_raw("ana", "wrong password!!").status, 401u);
  EXPECT_EQ(log_in_raw("nobody", kPassword).status, 401u);
  EXPECT_EQ(log_in_raw("ana", "wrong password!!").body, log_in_raw("nobody", kPassword).body);
  const auto extra = call(http::Method::kPost, "/admin/api/session", {},
                          R"({"username":"ana","password":"x","remember":true})");
  EXPECT_EQ(extra.status, 400u);
  EXPECT_NE(extra.body.find("remember"), std::string::npos);
}

// Four wrong guesses are free; from the fifth each costs a doubling pause (1 s, 2 s, 4 s ...) in
// which even the right password is not tried — and once the pause is over, the owner gets in.
TEST_F(ConsoleSession, FailedLoginsAreThrottledButNeverLockTheOwnerOut) {
  std::int64_t now = kNow;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(log_in_raw("ana", "wrong password!!", now).status, 401u);
  EXPECT_EQ(log_in_raw("ana", "wrong password!!", now).status, 401u);  // fifth: pause begins
  auto throttled = log_in_raw("ana", kPassword, now + 500);
  EXPECT_EQ(throttled.status, 429u);
  std::string retry_after;
  for (const auto& [k, v] : throttled.headers) {
    if (k == "Retry-After") retry_after = v;
  }
  EXPECT_EQ(retry_after, "1");
  now += 1000;
  EXPECT_EQ(log_in_raw("ana", "wrong password!!", now).status, 401u);  // sixth: 2 s
  EXPECT_EQ(log_in_raw("ana", kPassword, now + 1999).status, 429u);
  EXPECT_EQ(log_in_raw("ana", kPassword, now + 2000).status, 200u);
  EXPECT_EQ(storage::find_staff(db_, "ana")->failed_logins, 0);
}

TEST_F(ConsoleSession, ChangesMadeWithTheCookieNeedEveryCsrfCheck) {
  const Session s = log_in("ana");
  const std::string body = R"({"name":"ci","role":"viewer"})";
  struct Case {
    std::string name;
    Headers headers;
    unsigned status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no token", {{"Cookie", s.cookie}, {"Origin", kOrigin}}, 403, "X-CSRF-Token"},
      {"wrong token",
       {{"Cookie", s.cookie}, {"Origin", kOrigin}, {"X-CSRF-Token", s.csrf + "x"}},
       403,
       "X-CSRF-Token"},
      {"no origin and no fetch metadata",
       {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}},
       403,
       "Origin"},
      {"cross-site fetch",
       {{"Cookie", s.cookie}, {"Sec-Fetch-Site", "cross-site"}, {"X-CSRF-Token", s.csrf}},
       403,
       "Sec-Fetch-Site"},
      {"foreign origin",
       {{"Cookie", s.cookie}, {"Origin", "https://evil.example"}, {"X-CSRF-Token", s.csrf}},
       403,
       "Origin"},
      {"same-site but other origin",
       {{"Cookie", s.cookie}, {"Sec-Fetch-Site", "same-site"}, {"X-CSRF-Token", s.csrf}},
       403,
       "Sec-Fetch-Site"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto reply = call(http::Method::kPost, "/admin/api/tokens", c.headers, body);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_EQ(boost::json::parse(reply.body).at("field").as_string(), c.field);
  }
  EXPECT_TRUE(storage::list_api_tokens(db_).empty());
  const auto made = call(http::Method::kPost, "/admin/api/tokens", console(s), body);
  EXPECT_EQ(made.status, 201u) << made.body;
  // Reads need no CSRF proof: a cross-site page cannot read the answer anyway.
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/tokens", {{"Cookie", s.cookie}}).status, 200u);
}

TEST_F(ConsoleSession, RolesComeFromTheAccountAndLogoutEndsTheSession) {
  const Session beto = log_in("beto");
  const auto denied = call(http::Method::kGet, "/admin/api/users", {{"Cookie", beto.cookie}});
  EXPECT_EQ(denied.status, 403u);
  const auto out = call(http::Method::kDelete, "/admin/api/session", console(beto));
  EXPECT_EQ(out.status, 200u) << out.body;
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/whoami", {{"Cookie", beto.cookie}}).status, 401u);
}

TEST_F(ConsoleSession, SessionsExpireWhenIdleAndAtTheirLifetime) {
  const Session s = log_in("ana");
  const std::int64_t minute = 60'000;
  auto who = [&](std::int64_t at) {
    return call(http::Method::kGet, "/admin/api/whoami", {{"Cookie", s.cookie}}, "", at).status;
  };
  EXPECT_EQ(who(kNow + 31 * minute), 401u);  // idle past 30 minutes
  const Session t = log_in("ana");
  auto who_t = [&](std::int64_t at) {
    return call(http::Method::kGet, "/admin/api/whoami", {{"Cookie", t.cookie}}, "", at).status;
  };
  std::int64_t at = kNow;
  for (; at < kNow + 12 * 60 * minute - 20 * minute; at += 20 * minute) {
    ASSERT_EQ(who_t(at), 200u) << (at - kNow) / minute;  // kept alive by use
  }
  EXPECT_EQ(who_t(kNow + 12 * 60 * minute + minute), 401u);  // never past 12 hours
}

TEST_F(ConsoleSession, AdminsManageAccountsButNeverRemoveTheLastAdmin) {
  const Session s = log_in("ana");
  struct Case {
    http::Method method;
    std::string target;
    std::string body;
    unsigned status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {http::Method::kPost, "/admin/api/users",
       R"({"username":"Carla","password":"long enough pass","role":"viewer"})", 400, "username"},
      {http::Method::kPost, "/admin/api/users",
       R"({"username":"carla","password":"short","role":"viewer"})", 400, "password"},
      {http::Method::kPost, "/admin/api/users",
       R"({"username":"beto","password":"long enough pass","role":"viewer"})", 409, "username"},
      {http::Method::kPost, "/admin/api/users",
       R"({"username":"carla","password":"long enough pass","role":"owner"})", 400, "role"},
      {http::Method::kPatch, "/admin/api/users/nobody", R"({"role":"viewer"})", 404, "username"},
      {http::Method::kPatch, "/admin/api/users/beto", "{}", 400, "body"},
      {http::Method::kPatch, "/admin/api/users/ana", R"({"role":"editor"})", 409, "role"},
      {http::Method::kPatch, "/admin/api/users/ana", R"({"disabled":true})", 409, "disabled"},
      {http::Method::kPatch, "/admin/api/users/beto", R"({"disabled":"yes"})", 400, "disabled"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target + " " + c.body);
    const auto reply = call(c.method, c.target, console(s), c.body);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_EQ(boost::json::parse(reply.body).at("field").as_string(), c.field);
  }
  const std::size_t audited = storage::list_audit(db_, 0, 100).size();
  EXPECT_EQ(audited, 2u);  // only the two accounts made in set-up

  const Session beto = log_in("beto");
  ASSERT_EQ(call(http::Method::kPost, "/admin/api/users", console(s),
                 R"({"username":"carla","password":"long enough pass","role":"viewer"})")
                .status,
            201u);
  ASSERT_EQ(call(http::Method::kPatch, "/admin/api/users/beto", console(s), R"({"disabled":true})")
                .status,
            200u);
  // Disabling ends the account's sessions at once, and it cannot log in again.
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/whoami", {{"Cookie", beto.cookie}}).status, 401u);
  EXPECT_EQ(log_in_raw("beto", kPassword).status, 401u);

  const auto rows = storage::list_audit(db_, 2, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].entry.action, "user.create");
  EXPECT_EQ(rows[0].entry.actor, "staff:ana");
  EXPECT_EQ(rows[1].entry.action, "user.update");
  EXPECT_EQ(rows[1].entry.target, "staff:beto");
  EXPECT_TRUE(storage::verify_audit_chain(db_).ok());
  // No password or hash reaches the listing.
  const auto users = call(http::Method::kGet, "/admin/api/users", {{"Cookie", s.cookie}});
  EXPECT_EQ(users.body.find("argon2"), std::string::npos);
}

}  // namespace
}  // namespace ventanilla::admin
