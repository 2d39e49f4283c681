// The generic JSON protocol's USSD variant end to end against the real `ventanilla serve` with
// the local default configuration (config/ventanilla.toml): the [[route]] carrier "generic-ussd"
// on /v1/generic/ussd, switched on by VENTANILLA_GENERIC_SECRET. Requests are signed here with
// OpenSSL's HMAC directly, as a sender would (generic_json.md §2); the session walks the shipped
// menus. Also: the route is absent (404) without the secret, and answers an end-of-session
// apology (200, never 5xx) when it has no content to serve.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

constexpr std::string_view kRoute = "/v1/generic/ussd";
constexpr std::string_view kSecret = "vtn_generic_ussd_5d1e9a3c7b2f";
constexpr std::string_view kWrongSecret = "vtn_not_the_route_secret_0000";
constexpr std::string_view kSecretEnv = "VENTANILLA_GENERIC_SECRET";

// Screens of the shipped Spanish texts as a GSM-7 phone shows them (ussd_session_test.cpp).
constexpr std::string_view kLanguageMark = "Ventanilla";
constexpr std::string_view kCountryTitleEs = "¿En qué pais esta?";
constexpr std::string_view kNeedTitleEs = "¿Qué necesita?";
constexpr std::string_view kWhereTitleEs = "¿Donde esta usted?";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "sha256=" + hex HMAC-SHA256(secret, timestamp "." body).
std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body) {
  const std::string message = std::string(timestamp) + "." + std::string(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string turn_body(std::string_view session, std::string_view from, std::string_view input) {
  boost::json::object body;
  body["session"] = boost::json::string_view(session.data(), session.size());
  body["from"] = boost::json::string_view(from.data(), from.size());
  body["service_code"] = "*123#";
  body["input"] = boost::json::string_view(input.data(), input.size());
  body["network"] = "704001";
  return boost::json::serialize(body);
}

// The raw request, signed with `secret` at `sent_at` (Unix seconds).
std::string signed_request(std::string_view body, std::string_view secret = kSecret,
                           std::int64_t sent_at = now_s()) {
  const std::string timestamp = std::to_string(sent_at);
  return post_request(kRoute, body, "application/json",
                      "X-Ventanilla-Timestamp: " + timestamp +
                          "\r\nX-Ventanilla-Signature: " + sign(secret, timestamp, body) + "\r\n");
}

struct Turn {
  int status = 0;
  std::string content_type;
  std::string body;  // raw bytes, for byte-for-byte comparisons
  std::string reply;
  bool end = false;
};

Turn send(std::uint16_t port, const std::string& request) {
  Turn t;
  auto r = round_trip(port, request);
  if (!r) {
    ADD_FAILURE() << "no reply";
    return t;
  }
  t.status = r->status;
  t.content_type = r->header("content-type").value_or("");
  t.body = r->body;
  if (t.status == 200) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(t.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << t.body;
    if (!ec && doc.is_object()) {
      const auto& o = doc.as_object();
      EXPECT_EQ(o.size(), 2u) << t.body;
      if (const auto* reply = o.if_contains("reply"); reply && reply->is_string())
        t.reply = std::string(reply->as_string());
      else
        ADD_FAILURE() << "no string reply: " << t.body;
      if (const auto* end = o.if_contains("end"); end && end->is_bool())
        t.end = end->as_bool();
      else
        ADD_FAILURE() << "no boolean end: " << t.body;
    }
  }
  return t;
}

std::string title_of(std::string_view reply) {
  return std::string(reply.substr(0, reply.find('\n')));
}

// One integer from the server's database (read-only, next to the running writer).
std::int64_t count(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t out = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// --- The route with its secret, on the shipped content ----------------------------------------

class GenericUssd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>("ventanilla-generic-ussd");
    try {
      ServeOptions options{.seed_directory = true};
      options.env = {{std::string(kSecretEnv), std::string(kSecret)}};
      server_ = std::make_unique<ServeProcess>(*dir_, std::move(options));
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    server_.reset();
    dir_.reset();
  }
  void SetUp() override { ASSERT_TRUE(server_) << "server did not start: " << start_error_; }

  static std::uint16_t port() { return server_->port(); }
  static const std::string& db() { return server_->db_path(); }
  static ServeProcess& server() { return *server_; }

  // One subscriber's session: each press() appends an input to the cumulative `input`.
  class Caller {
   public:
    Caller(std::string session, std::string phone)
        : session_(std::move(session)), phone_(std::move(phone)) {}
    Turn dial() { return post(input_ = ""); }
    Turn press(std::string_view key) {
      if (!input_.empty()) input_ += '*';
      input_ += key;
      return post(input_);
    }
    // A retry of an earlier turn, signed afresh (a new timestamp, as a retrying sender does).
    Turn repost(std::string_view input) { return post(input); }

   private:
    Turn post(std::string_view input) {
      Turn t = send(port(), signed_request(turn_body(session_, phone_, input)));
      EXPECT_EQ(t.status, 200) << "input \"" << input << "\": " << t.body;
      EXPECT_EQ(t.content_type, "application/json") << "input \"" << input << "\"";
      return t;
    }
    std::string session_;
    std::string phone_;
    std::string input_;
  };

 private:
  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<ServeProcess> server_;
  static inline std::string start_error_;
};

TEST_F(GenericUssd, WalksASessionWithChoices) {
  Caller caller("gu-walk-1", "+50255510101");
  const Turn first = caller.dial();
  EXPECT_NE(first.reply.find(kLanguageMark), std::string::npos) << first.reply;
  EXPECT_FALSE(first.end);
  const Turn country = caller.press("1");  // Español
  EXPECT_EQ(title_of(country.reply), kCountryTitleEs) << country.reply;
  EXPECT_FALSE(country.end);
  const Turn need = caller.press("1");
  EXPECT_EQ(title_of(need.reply), kNeedTitleEs) << need.reply;
  const Turn where = caller.press("1");
  EXPECT_EQ(title_of(where.reply), kWhereTitleEs) << where.reply;
  EXPECT_FALSE(where.end);

  // The session is this route's, under its own carrier key.
  EXPECT_EQ(count(db(),
                  "SELECT count(*) FROM sessions WHERE carrier = 'generic-ussd' AND "
                  "session_key = 'gu-walk-1'"),
            1);
}

TEST_F(GenericUssd, AReplayedTurnGetsTheByteIdenticalReplyAndNoNewStep) {
  Caller caller("gu-replay-1", "+50255510201");
  caller.dial();
  const Turn country = caller.press("1");
  const Turn need = caller.press("1");
  ASSERT_EQ(title_of(need.reply), kNeedTitleEs) << need.reply;
  const auto stored =
      count(db(), "SELECT count(*) FROM inbound_seen WHERE carrier = 'generic-ussd'");

  EXPECT_EQ(caller.repost("1*1").body, need.body) << "a retry of the last turn";
  EXPECT_EQ(caller.repost("1").body, country.body) << "a late retry of an older turn";
  EXPECT_EQ(count(db(), "SELECT count(*) FROM inbound_seen WHERE carrier = 'generic-ussd'"),
            stored);
  // Neither retry moved the session: the next input applies to the need menu.
  EXPECT_EQ(title_of(caller.press("1").reply), kWhereTitleEs);
}

TEST_F(GenericUssd, ForgedOrStaleRequestsAre403AndStoreNothing) {
  const std::string body = turn_body("gu-forged-1", "+50255510301", "");
  struct Case {
    const char* label;
    std::string request;
  };
  const Case cases[] = {
      {"wrong secret", signed_request(body, kWrongSecret)},
      {"stale timestamp", signed_request(body, kSecret, now_s() - 301)},
      {"future timestamp", signed_request(body, kSecret, now_s() + 301)},
      {"no signature headers", post_request(kRoute, body, "application/json")},
      {"body changed after signing",
       [&] {
         std::string r = signed_request(body);
         r.replace(r.find("gu-forged-1"), 11, "gu-forged-2");
         return r;
       }()},
  };
  const auto seen_before = count(db(), "SELECT count(*) FROM inbound_seen");
  const auto sessions_before = count(db(), "SELECT count(*) FROM sessions");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Turn t = send(port(), c.request);
    EXPECT_EQ(t.status, 403);
    EXPECT_EQ(t.body, "forbidden\n");
  }
  EXPECT_EQ(count(db(), "SELECT count(*) FROM sessions WHERE session_key LIKE 'gu-forged-%'"), 0);
  EXPECT_EQ(count(db(), "SELECT count(*) FROM inbound_seen"), seen_before);
  EXPECT_EQ(count(db(), "SELECT count(*) FROM sessions"), sessions_before);
  // The log says why, never the secret.
  EXPECT_TRUE(server().log_contains("signature: does not match", std::chrono::seconds(2)));
  EXPECT_FALSE(server().log_contains(kSecret));
  // The same request correctly signed is served.
  EXPECT_EQ(send(port(), signed_request(body)).status, 200);
}

TEST_F(GenericUssd, MalformedTurnsAre400NamingTheField) {
  struct Case {
    const char* label;
    std::string body;
    std::string field_error;
  };
  const Case cases[] = {
      {"no input", R"({"session":"gu-bad-1","from":"+50255510401"})", "input: missing"},
      {"no session", R"({"from":"+50255510401","input":""})", "session: missing"},
      {"national number", R"({"session":"gu-bad-1","from":"055510401","input":""})",
       "from: not an international number"},
      {"not JSON", R"({"session":"gu-bad-1",)", "body: not valid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Turn t = send(port(), signed_request(c.body));
    EXPECT_EQ(t.status, 400);
    EXPECT_EQ(t.body.rfind(c.field_error, 0), 0u) << t.body;
  }
  EXPECT_EQ(count(db(), "SELECT count(*) FROM sessions WHERE session_key = 'gu-bad-1'"), 0);

  // Larger than limits.webhook_body_bytes (16 KiB by default), however well signed.
  const std::string oversize = turn_body("gu-bad-2", "+50255510402", std::string(20 * 1024, '1'));
  EXPECT_EQ(send(port(), signed_request(oversize)).status, 413);
}

// The same session id from Africa's Talking and from the generic route names two sessions.
TEST_F(GenericUssd, SessionIdsOfTwoCarriersNeverMeet) {
  auto at = round_trip(port(), post_request("/v1/africastalking/ussd",
                                            "sessionId=gu-shared-1&serviceCode=%2A123%23&"
                                            "phoneNumber=%2B50255510501&networkCode=704001&text="));
  ASSERT_TRUE(at);
  ASSERT_EQ(at->status, 200);
  auto at_next =
      round_trip(port(), post_request("/v1/africastalking/ussd",
                                      "sessionId=gu-shared-1&serviceCode=%2A123%23&"
                                      "phoneNumber=%2B50255510501&networkCode=704001&text=1"));
  ASSERT_TRUE(at_next);
  ASSERT_NE(at_next->body.find(kCountryTitleEs), std::string::npos) << at_next->body;

  // A first turn of the generic route's "gu-shared-1" starts at the beginning, not where the
  // Africa's Talking session is.
  Caller caller("gu-shared-1", "+50255510502");
  const Turn first = caller.dial();
  EXPECT_NE(first.reply.find(kLanguageMark), std::string::npos) << first.reply;
  EXPECT_EQ(count(db(),
                  "SELECT count(DISTINCT carrier) FROM sessions WHERE session_key = "
                  "'gu-shared-1'"),
            2);
}

// --- Without content: the apology, as JSON ----------------------------------------------------

TEST(GenericUssdWithoutContent, InternalErrorsAreAnEndReplyNotA5xx) {
  TempDir dir("ventanilla-generic-ussd-empty");
  ServeOptions options;  // no seeding: no menus, nothing to serve
  options.env = {{std::string(kSecretEnv), std::string(kSecret)}};
  ServeProcess server(dir, std::move(options));
  const Turn t = send(server.port(), signed_request(turn_body("gu-empty-1", "+50255510601", "")));
  EXPECT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.content_type, "application/json");
  EXPECT_TRUE(t.end);
  EXPECT_FALSE(t.reply.empty());
  // Still signed: a forged request is refused before anything else.
  EXPECT_EQ(
      send(server.port(), signed_request(turn_body("gu-empty-2", "+50255510602", ""), kWrongSecret))
          .status,
      403);
}

// --- Without the secret: no route --------------------------------------------------------------

TEST(GenericUssdWithoutSecret, TheRouteIsAbsent) {
  TempDir dir("ventanilla-generic-ussd-off");
  ServeOptions options;
  // Empty counts as unset, whatever the test's own environment holds.
  options.env = {{std::string(kSecretEnv), ""}};
  ServeProcess server(dir, std::move(options));
  const Turn t = send(server.port(), signed_request(turn_body("gu-off-1", "+50255510701", "")));
  EXPECT_EQ(t.status, 404) << t.body;
  EXPECT_TRUE(server.log_contains("route generic-ussd off: secret_env VENTANILLA_GENERIC_SECRET",
                                  std::chrono::seconds(2)));
  // The Africa's Talking route of [ussd] is unaffected.
  auto at = round_trip(server.port(),
                       post_request("/v1/africastalking/ussd",
                                    "sessionId=gu-off-2&phoneNumber=%2B50255510702&text="));
  ASSERT_TRUE(at);
  EXPECT_EQ(at->status, 200);
}

}  // namespace
}  // namespace ventanilla::test
