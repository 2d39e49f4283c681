// SMS carrier webhooks end to end against the real `ventanilla serve`: every [[route]] of the
// local default configuration, switched on by its secret in the server's environment, fed requests
// shaped like the recorded ones in tests/fixtures/carriers/ and signed as each carrier signs.
//
// Table-driven: a case per carrier builds a valid raw request for a message (id, sender, text);
// the same checks then run for every carrier — a valid request is answered (inline reply or
// outbox row), a bad or missing secret/signature stores nothing, retries (sequential and
// concurrent) get byte-identical replies and one dedupe row, a truncated body is a 400 naming the
// field, an oversize body is a 413 — and at the end the server's log holds no number and no
// message text that was sent.
//
// One server for the whole file (start-up imports the gazetteer). Every request uses a fresh
// sender number: a conversation is per number, so a reused number would step an existing one.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "carriers/form_body.hpp"
#include "carriers/generic_json.hpp"
#include "carriers/twilio.hpp"
#include "carriers/vonage.hpp"
#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

// Capability secrets need at least 16 characters; signing secrets have no minimum.
constexpr std::string_view kTwilioToken = "twilio-auth-token-5e8b1f0c3a7d";
constexpr std::string_view kVonageSecret = "vonage-signature-secret-9d2c";
constexpr std::string_view kKannelSecret = "9f3c2a7e5b1d4c8f0e6a2b9d7c5e3f1a";
constexpr std::string_view kInfobipSecret = "2d7e4a9c1f6b3e8d5a0c7f2b9e4d1a6c";
constexpr std::string_view kAtSecret = "4b2f8e1a9c7d3e6f0a5b8c2d1e4f7a9b";
constexpr std::string_view kGenericSecret = "vtn_generic_7c4e1a9b2f6d3e8a";
constexpr std::string_view kWrongSecret = "not-the-route-secret-at-all-000";

// limits.webhook_body_bytes is 16 KiB by default.
constexpr std::size_t kOversizeBytes = 20 * 1024;

// The language question every new conversation starts with (shipped menus, GSM-7).
constexpr std::string_view kFirstScreenMark = "Ventanilla";

// --- The server -------------------------------------------------------------------------------

struct SharedServer {
  TempDir dir{"ventanilla-sms"};
  std::unique_ptr<ServeProcess> server;
  std::string start_error;

  SharedServer() {
    try {
      ServeOptions options{.seed_directory = true};
      options.env = {{"VENTANILLA_TWILIO_AUTH_TOKEN", std::string(kTwilioToken)},
                     {"VENTANILLA_VONAGE_SIGNATURE_SECRET", std::string(kVonageSecret)},
                     {"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)},
                     {"VENTANILLA_INFOBIP_SECRET", std::string(kInfobipSecret)},
                     {"VENTANILLA_AT_SMS_SECRET", std::string(kAtSecret)},
                     {"VENTANILLA_GENERIC_SECRET", std::string(kGenericSecret)}};
      server = std::make_unique<ServeProcess>(dir, std::move(options));
    } catch (const std::exception& e) {
      start_error = e.what();
    }
  }
};

// Started on first use and kept for the whole binary: the keyword suite and the carrier suite
// share it, and the privacy check at the end reads the log of everything both sent.
SharedServer& shared() {
  static SharedServer s;
  return s;
}

ServeProcess& server() { return *shared().server; }
std::uint16_t port() { return server().port(); }

// What every test sent, for the log check.
std::vector<std::string>& sent_numbers() {
  static std::vector<std::string> v;
  return v;
}
std::vector<std::string>& sent_texts() {
  static std::vector<std::string> v;
  return v;
}

// --- Messages ---------------------------------------------------------------------------------

struct Message {
  std::string id;
  std::string from;  // E.164 with '+'
  std::string text;
  std::string digits() const { return from.substr(1); }
};

// A fresh Guatemalan number (+502, 8 national digits) and a distinctive text per call.
Message fresh_message(std::string_view carrier, std::string_view purpose) {
  static std::atomic<int> counter{0};
  const int n = ++counter;
  Message m;
  m.id = std::string(carrier) + "-" + std::string(purpose) + "-" + std::to_string(n);
  m.from = "+5025" + std::to_string(3100000 + n * 7);
  m.text = "zebra-" + std::string(carrier) + "-" + std::to_string(n);
  sent_numbers().push_back(m.digits());
  sent_texts().push_back(m.text);
  return m;
}

// --- Requests ---------------------------------------------------------------------------------

struct Request {
  std::string method = "POST";
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string wire() const {
    std::string r =
        method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) + "\r\n";
    for (const auto& [name, value] : headers) r += name + ": " + value + "\r\n";
    if (method == "POST" || !body.empty())
      r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
  }
};

enum class Auth { kValid, kWrong, kMissing };

// Changes a body before it is signed: cuts it, pads it.
using BodyEdit = std::function<std::string(std::string)>;
std::string unchanged(std::string body) { return body; }

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name + "=" + form_encode(value);
  }
  return out;
}

// The decoded fields of a (possibly cut) form body, as a carrier signs them.
std::vector<std::pair<std::string, std::string>> decoded_fields(std::string_view body) {
  auto fields = carriers::FormFields::parse(body);
  return fields ? fields->fields() : std::vector<std::pair<std::string, std::string>>{};
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string now_seconds() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// The path segment a capability route is called with.
std::string capability(std::string_view secret, Auth auth) {
  switch (auth) {
    case Auth::kValid:
      return std::string(secret);
    case Auth::kWrong: {
      std::string wrong(secret);  // same length, last character changed
      wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
      return wrong;
    }
    case Auth::kMissing:
      return "";
  }
  return "";
}

std::string signing_key(std::string_view secret, Auth auth) {
  return std::string(auth == Auth::kValid ? secret : kWrongSecret);
}

// Twilio: form POST, X-Twilio-Signature over the URL rebuilt from our Host header (no public_url
// in the local default) plus the sorted decoded fields. From last, so a cut can remove it.
Request twilio_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/twilio/sms";
  r.body = edit(form({{"ToCountry", "US"},
                      {"To", "+15005550006"},
                      {"NumMedia", "0"},
                      {"SmsStatus", "received"},
                      {"MessageSid", m.id},
                      {"SmsSid", m.id},
                      {"AccountSid", "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7"},
                      {"Body", m.text},
                      {"ApiVersion", "2010-04-01"},
                      {"From", m.from}}));
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  if (auth != Auth::kMissing) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port()) + r.target;
    r.headers.emplace_back(
        "X-Twilio-Signature",
        carriers::twilio_signature(url, decoded_fields(r.body), signing_key(kTwilioToken, auth)));
  }
  return r;
}

// Vonage: form POST signed md5hash (the route's default) over every field plus timestamp and
// nonce; msisdn last.
Request vonage_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/vonage/sms";
  std::string body = edit(form({{"to", "15005550006"},
                                {"messageId", m.id},
                                {"text", m.text},
                                {"type", "text"},
                                {"timestamp", now_seconds()},
                                {"nonce", "nonce-" + m.id},
                                {"msisdn", m.digits()}}));
  if (auth != Auth::kMissing) {
    body = "sig=" +
           carriers::vonage_signature(decoded_fields(body), signing_key(kVonageSecret, auth),
                                      carriers::VonageSignatureMethod::kMd5Hash) +
           "&" + body;
  }
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return r;
}

// Kannel get-url, as the recorded request: everything in the query, no body.
Request kannel_get_request(const Message& m, Auth auth, const BodyEdit& /*edit*/) {
  Request r;
  r.method = "GET";
  r.target = "/v1/kannel/sms/" + capability(kKannelSecret, auth) +
             "?from=" + form_encode(m.digits()) + "&to=12345&text=" + form_encode(m.text) +
             "&id=" + form_encode(m.id) + "&smsc=FAKE&coding=0&charset=UTF-8";
  return r;
}

// Kannel post-url: the message bytes are the body (for the body checks, which a GET has none of).
Request kannel_post_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/kannel/sms/" + capability(kKannelSecret, auth) + "?id=" + form_encode(m.id);
  r.headers = {{"Content-Type", "text/plain; charset=UTF-8"},
               {"X-Kannel-From", m.digits()},
               {"X-Kannel-To", "12345"},
               {"X-Kannel-Coding", "0"}};
  r.body = edit(m.text);
  return r;
}

// Infobip MO_JSON_2: a batch of one.
Request infobip_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/infobip/sms/" + capability(kInfobipSecret, auth);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = edit("{\"results\":[{\"messageId\":" + json_string(m.id) + ",\"from\":" +
                json_string(m.digits()) + ",\"to\":\"40404\",\"text\":" + json_string(m.text) +
                ",\"receivedAt\":\"2026-11-29T04:01:12.000+0000\",\"smsCount\":1}],"
                "\"messageCount\":1,\"pendingMessageCount\":0}");
  return r;
}

// Africa's Talking: form POST; from last.
Request africastalking_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/africastalking/sms/" + capability(kAtSecret, auth);
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.body = edit(form({{"linkId", "SampleLinkId123"},
                      {"text", m.text},
                      {"to", "40404"},
                      {"id", m.id},
                      {"date", "2026-11-29 04:02:33"},
                      {"networkCode", "70401"},
                      {"from", m.from}}));
  return r;
}

// Generic JSON: HMAC-SHA256 over timestamp "." raw body.
Request generic_request(const Message& m, Auth auth, const BodyEdit& edit) {
  Request r;
  r.target = "/v1/generic/sms";
  r.body = edit("{\"id\":" + json_string(m.id) + ",\"from\":" + json_string(m.from) +
                ",\"to\":\"40404\",\"text\":" + json_string(m.text) + ",\"network\":\"704001\"}");
  const std::string timestamp = now_seconds();
  r.headers.emplace_back("Content-Type", "application/json");
  if (auth != Auth::kMissing) {
    r.headers.emplace_back("X-Ventanilla-Timestamp", timestamp);
    r.headers.emplace_back(
        "X-Ventanilla-Signature",
        carriers::generic_json_signature(signing_key(kGenericSecret, auth), timestamp, r.body));
  }
  return r;
}

// Cuts a body `keep` bytes into the first occurrence of `marker` (which must be there).
BodyEdit cut_at(std::string marker, std::size_t keep) {
  return [marker = std::move(marker), keep](std::string body) {
    const auto at = body.find(marker);
    EXPECT_NE(at, std::string::npos) << marker << " not in " << body;
    return at == std::string::npos ? body : body.substr(0, at + keep);
  };
}

BodyEdit pad_form() {
  return [](std::string body) { return body + "&pad=" + std::string(kOversizeBytes, 'x'); };
}
BodyEdit pad_json() {
  // Trailing whitespace: still one valid JSON object, just too large.
  return [](std::string body) { return body + std::string(kOversizeBytes, ' '); };
}
BodyEdit pad_text() {
  return [](std::string body) { return body + std::string(kOversizeBytes, 'x'); };
}

using Builder = Request (*)(const Message&, Auth, const BodyEdit&);

struct CarrierCase {
  std::string name;  // route name (= carrier in the local default) and test name
  bool capability;   // secret in the path (404) rather than a signature (403)
  bool replies_inline;
  std::string reply_content_type;  // prefix of the 200's Content-Type for inline replies
  Builder build;                   // the request a carrier sends
  Builder body_build;              // the same message in a shape with a body (Kannel: post-url)
  BodyEdit truncate;               // cuts a valid body inside a required field
  std::string truncated_error;     // what the 400 body must name
  BodyEdit pad;                    // makes a valid body larger than the webhook limit
  // Checks the answer to a first message from a new number (the language question).
  std::function<void(const RawResponse&)> expect_first_reply;
};

// gtest names a failing case by this instead of a byte dump.
void PrintTo(const CarrierCase& c, std::ostream* os) { *os << c.name; }

void expect_no_reply_body(const RawResponse& r) { EXPECT_EQ(r.body, "") << "outbox carriers ack"; }

std::vector<CarrierCase> carrier_cases() {
  return {
      {"twilio", false, true, "text/xml", twilio_request, twilio_request,
       cut_at("&From=", 3) /* "&Fr" */, "From: missing", pad_form(),
       [](const RawResponse& r) {
         EXPECT_NE(r.body.find("<Response><Message>"), std::string::npos) << r.body;
         EXPECT_NE(r.body.find(kFirstScreenMark), std::string::npos) << r.body;
       }},
      {"vonage", false, false, "", vonage_request, vonage_request, cut_at("&msisdn=", 3),
       "msisdn: missing", pad_form(), expect_no_reply_body},
      {"kannel", true, true, "text/plain", kannel_get_request, kannel_post_request,
       // The text is cut inside a two-byte character ("ñ" = C3 B1): only its first byte arrives.
       [](std::string body) { return body + "-\xC3"; }, "text: not valid UTF-8", pad_text(),
       [](const RawResponse& r) {
         EXPECT_NE(r.body.find(kFirstScreenMark), std::string::npos) << r.body;
       }},
      {"infobip", true, false, "", infobip_request, infobip_request, cut_at("\"from\":\"", 10),
       "JSON", pad_json(), expect_no_reply_body},
      {"africastalking", true, false, "", africastalking_request, africastalking_request,
       cut_at("&from=", 3), "from: missing", pad_form(), expect_no_reply_body},
      {"generic", false, true, "application/json", generic_request, generic_request,
       cut_at("\"from\":\"", 10), "JSON", pad_json(),
       [](const RawResponse& r) {
         EXPECT_EQ(r.body.rfind("{\"reply\":\"", 0), 0u) << r.body;
         EXPECT_NE(r.body.find(kFirstScreenMark), std::string::npos) << r.body;
       }},
  };
}

// --- The database, read-only ------------------------------------------------------------------

std::int64_t count_rows(const std::string& sql, std::optional<std::string> route = std::nullopt) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(server().db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << server().db_path() << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return n;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    if (route) sqlite3_bind_text(stmt, 1, route->c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  } else {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::int64_t seen_rows(const std::string& route) {
  return count_rows("SELECT COUNT(*) FROM inbound_seen WHERE carrier = ?1", route);
}
std::int64_t outbox_rows(const std::string& route) {
  return count_rows("SELECT COUNT(*) FROM outbox WHERE route = ?1", route);
}
std::int64_t outbox_rows_with(const std::string& route, std::string_view needle) {
  return count_rows("SELECT COUNT(*) FROM outbox WHERE route = ?1 AND instr(body, '" +
                        std::string(needle) + "') > 0",
                    route);
}

// Everything a request could have stored, over all routes.
struct StoredCounts {
  std::int64_t seen = 0, outbox = 0, sessions = 0;
  bool operator==(const StoredCounts&) const = default;
};
StoredCounts stored_counts() {
  return {count_rows("SELECT COUNT(*) FROM inbound_seen"),
          count_rows("SELECT COUNT(*) FROM outbox"), count_rows("SELECT COUNT(*) FROM sessions")};
}

// --- HTTP -------------------------------------------------------------------------------------

RawResponse send(const Request& request) {
  auto r = round_trip(port(), request.wire());
  EXPECT_TRUE(r.has_value()) << "no response to " << request.method << " " << request.target;
  return r.value_or(RawResponse{});
}

// The parts of a response a carrier acts on, for byte-identical comparisons.
std::string answer_of(const RawResponse& r) {
  return std::to_string(r.status) + "|" + r.header("content-type").value_or("") + "|" + r.body;
}

// --- The carrier suite ------------------------------------------------------------------------

class SmsCarrierTest : public ::testing::TestWithParam<CarrierCase> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(shared().server) << "server did not start: " << shared().start_error;
  }
  const CarrierCase& carrier() const { return GetParam(); }
};

TEST_P(SmsCarrierTest, ValidRequestIsAnswered) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "valid");
  const auto seen_before = seen_rows(c.name);
  const auto outbox_before = outbox_rows(c.name);

  const RawResponse r = send(c.build(m, Auth::kValid, unchanged));

  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(seen_rows(c.name), seen_before + 1);
  if (c.replies_inline) {
    EXPECT_EQ(r.header("content-type").value_or("").rfind(c.reply_content_type, 0), 0u)
        << r.header("content-type").value_or("(none)");
    EXPECT_EQ(outbox_rows(c.name), outbox_before) << "an inline reply is not queued too";
  } else {
    EXPECT_EQ(outbox_rows(c.name), outbox_before + 1) << "the reply goes out through the outbox";
    EXPECT_EQ(outbox_rows_with(c.name, kFirstScreenMark), outbox_rows(c.name))
        << "the queued reply is the first menu screen";
  }
  c.expect_first_reply(r);
}

TEST_P(SmsCarrierTest, BadOrMissingCredentialIsRefusedAndStoresNothing) {
  const auto& c = carrier();
  const int refused = c.capability ? 404 : 403;
  for (const Auth auth : {Auth::kWrong, Auth::kMissing}) {
    SCOPED_TRACE(auth == Auth::kWrong ? "wrong secret" : "missing secret");
    const Message m = fresh_message(c.name, "forged");
    const StoredCounts before = stored_counts();
    const RawResponse r = send(c.build(m, auth, unchanged));
    EXPECT_EQ(r.status, refused) << r.body;
    EXPECT_EQ(r.body.find(m.digits()), std::string::npos);
    EXPECT_EQ(stored_counts(), before) << "a refused request stored something";
  }
}

TEST_P(SmsCarrierTest, SequentialRetriesGetIdenticalRepliesAndOneDedupeRow) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "retry");
  const Request request = c.build(m, Auth::kValid, unchanged);
  const auto seen_before = seen_rows(c.name);
  const auto outbox_before = outbox_rows(c.name);

  const RawResponse first = send(request);
  EXPECT_EQ(first.status, 200) << first.body;
  for (int i = 1; i < 10; ++i) {
    const RawResponse again = send(request);
    EXPECT_EQ(answer_of(again), answer_of(first)) << "retry " << i;
  }
  EXPECT_EQ(seen_rows(c.name), seen_before + 1);
  EXPECT_EQ(outbox_rows(c.name), outbox_before + (c.replies_inline ? 0 : 1));
}

TEST_P(SmsCarrierTest, ConcurrentRetriesGetIdenticalRepliesAndOneDedupeRow) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "burst");
  const std::string wire = c.build(m, Auth::kValid, unchanged).wire();
  const auto seen_before = seen_rows(c.name);
  const auto outbox_before = outbox_rows(c.name);

  constexpr std::size_t kSenders = 10;
  std::vector<std::optional<RawResponse>> answers(kSenders);
  {
    std::vector<std::thread> senders;
    std::atomic<std::size_t> ready{0};
    for (std::size_t i = 0; i < kSenders; ++i) {
      senders.emplace_back([&, i] {
        try {
          RawConnection connection(port());
          // Connect all first, then send together, so the requests really overlap.
          ++ready;
          while (ready.load() < kSenders) std::this_thread::yield();
          if (connection.send(wire)) answers[i] = connection.read_response();
        } catch (const std::exception&) {
          ++ready;  // reported below as a missing answer
        }
      });
    }
    for (auto& t : senders) t.join();
  }
  ASSERT_TRUE(answers[0].has_value());
  EXPECT_EQ(answers[0]->status, 200) << answers[0]->body;
  for (std::size_t i = 0; i < kSenders; ++i) {
    ASSERT_TRUE(answers[i].has_value()) << "sender " << i << " got no answer";
    EXPECT_EQ(answer_of(*answers[i]), answer_of(*answers[0])) << "sender " << i;
  }
  EXPECT_EQ(seen_rows(c.name), seen_before + 1);
  EXPECT_EQ(outbox_rows(c.name), outbox_before + (c.replies_inline ? 0 : 1));
}

TEST_P(SmsCarrierTest, TruncatedBodyIs400NamingTheField) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "cut");
  const Request request = c.body_build(m, Auth::kValid, c.truncate);
  const StoredCounts before = stored_counts();
  const RawResponse r = send(request);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find(c.truncated_error), std::string::npos) << "400 body: " << r.body;
  EXPECT_EQ(r.body.find(m.digits()), std::string::npos) << "the 400 echoes the number";
  EXPECT_EQ(stored_counts(), before);
}

TEST_P(SmsCarrierTest, OversizeBodyIs413) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "big");
  const Request request = c.body_build(m, Auth::kValid, c.pad);
  ASSERT_GT(request.body.size(), kOversizeBytes);
  const StoredCounts before = stored_counts();
  RawConnection connection(port());
  connection.send(request.wire());  // the server may stop reading early; the answer still counts
  const auto r = connection.read_response();
  ASSERT_TRUE(r.has_value()) << "no answer to an oversize body";
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(stored_counts(), before);
}

// Last of the suite's tests (gtest runs them in definition order): by now every other test of this
// file has sent its numbers and texts. It sends one message of its own first so that it is not
// vacuous when run alone.
TEST_P(SmsCarrierTest, LogsHoldNoNumberNoTextNoSecret) {
  const auto& c = carrier();
  const Message m = fresh_message(c.name, "log");
  EXPECT_EQ(send(c.build(m, Auth::kValid, unchanged)).status, 200);
  EXPECT_EQ(send(c.build(fresh_message(c.name, "logbad"), Auth::kWrong, unchanged)).status,
            c.capability ? 404 : 403);

  const auto& lines = server().log_lines(300ms);
  ASSERT_FALSE(lines.empty());
  const std::vector<std::string_view> secrets = {kTwilioToken,   kVonageSecret, kKannelSecret,
                                                 kInfobipSecret, kAtSecret,     kGenericSecret};
  for (const auto& line : lines) {
    for (const auto& number : sent_numbers())
      EXPECT_EQ(line.find(number), std::string::npos) << "a number in the log: " << line;
    for (const auto& text : sent_texts())
      EXPECT_EQ(line.find(text), std::string::npos) << "a message text in the log: " << line;
    for (const auto secret : secrets)
      EXPECT_EQ(line.find(secret), std::string::npos) << "a route secret in the log: " << line;
  }
}

INSTANTIATE_TEST_SUITE_P(SmsCarriers, SmsCarrierTest, ::testing::ValuesIn(carrier_cases()),
                         [](const ::testing::TestParamInfo<CarrierCase>& param_info) {
                           return param_info.param.name;
                         });

// --- Keywords through a real route ------------------------------------------------------------

class SmsCarrierKeywords : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(shared().server) << "server did not start: " << shared().start_error;
  }
};

// "ALTO" (Spanish STOP) opts the number out; the confirmation says how to come back ("ALTA"),
// and the next ordinary message gets silence: an empty Kannel body, which sends nothing.
TEST_F(SmsCarrierKeywords, StopViaKannelThenSilence) {
  Message stop = fresh_message("kannel", "stop");
  stop.text = "ALTO";
  const RawResponse stopped = send(kannel_get_request(stop, Auth::kValid, unchanged));
  EXPECT_EQ(stopped.status, 200);
  EXPECT_NE(stopped.body.find("ALTA"), std::string::npos) << stopped.body;

  Message next = fresh_message("kannel", "after-stop");
  next.from = stop.from;
  const RawResponse silent = send(kannel_get_request(next, Auth::kValid, unchanged));
  EXPECT_EQ(silent.status, 200);
  EXPECT_EQ(silent.body, "") << "an opted-out number got a reply";
}

}  // namespace
}  // namespace ventanilla::test
