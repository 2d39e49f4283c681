// The outbox senders end to end (issue #6, "Tests"): the real `ventanilla serve` with its own
// SQLite file drains messages to a FakeCarrierServer standing in for the carrier API. Messages are
// written into the outbox before the server starts (storage::enqueue_sms, the number sealed under
// the same key file the server then uses), so every case starts from a known row; the test reads
// the database through its own read-only connection and /metrics.
//
// Africa's Talking SMS is the carrier of most cases: POST {send_url}/version1/messaging, 201
// with SMSMessageData.Recipients[0].statusCode 101 and a messageId when taken.
//
// Cases: one classification per fake behaviour (table-driven), connection refused until a server
// appears, a reply to an inbound SMS, the route's sending rate, delivery reports (Africa's Talking
// capability route and a signed Twilio StatusCallback), and a SIGKILL mid-drain of 1,000 messages.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "carriers/form_body.hpp"
#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/session_store.hpp"
#include "support/fake_carrier_server.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kNumber = "+50255550123";
constexpr std::string_view kAtSecret = "4b2f8e1a9c7d3e6f0a5b8c2d1e4f7a9b";
constexpr std::string_view kAtApiKey = "at-api-key-for-tests";
constexpr std::string_view kTwilioToken = "twilio-auth-token-5e8b1f0c3a7d";
constexpr std::string_view kTwilioSendToken = "twilio-send-token-77aa";
constexpr std::string_view kTwilioAccount = "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7";
// Where the Twilio route says its status endpoint is reached (what Twilio signs); the test posts
// to the server's own port, as a proxy in front of it would.
constexpr std::string_view kTwilioStatusUrl = "https://sms.example.org/v1/twilio/status";

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// --- Fake answers -------------------------------------------------------------------------------

fake::Respond at_taken(std::string_view message_id = "ATXid_1") {
  return fake::Respond{
      201,
      {{"Content-Type", "application/json"}},
      "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: KES 0.8000\",\"Recipients\":[{"
      "\"statusCode\":101,\"number\":\"+50255550123\",\"status\":\"Success\",\"cost\":\"KES "
      "0.8000\",\"messageId\":\"" +
          std::string(message_id) + "\"}]}}"};
}

fake::Respond at_invalid_number() {
  return fake::Respond{
      201,
      {{"Content-Type", "application/json"}},
      "{\"SMSMessageData\":{\"Message\":\"Sent to 0/1 Total Cost: 0\",\"Recipients\":[{"
      "\"statusCode\":403,\"number\":\"+50255550123\",\"status\":\"InvalidPhoneNumber\","
      "\"cost\":\"0\",\"messageId\":\"None\"}]}}"};
}

fake::Respond plain(unsigned status, fake::Headers headers = {}) {
  return fake::Respond{status, std::move(headers), "{\"error\":\"try later\"}"};
}

// --- Database -----------------------------------------------------------------------------------

struct Row {
  std::int64_t id = 0;
  std::string status;
  std::int64_t attempts = 0;
  bool in_doubt = false;
  std::int64_t sealed_bytes = 0;
  std::string external_id;
  std::string last_error;
  std::string delivery_status;
  std::string body;
  std::string reference;
  std::int64_t next_attempt_ms = 0;
};

std::vector<Row> read_rows(const std::string& db_path) {
  auto db = storage::Database::open(db_path, {.read_only = true});
  if (!db) throw std::runtime_error(db.error().message());
  auto s = db->prepare(
      "SELECT id, status, attempts, in_doubt, length(destination_sealed), "
      "COALESCE(external_id, ''), COALESCE(last_error, ''), COALESCE(delivery_status, ''), body, "
      "COALESCE(reference, ''), next_attempt_ms FROM outbox ORDER BY id");
  std::vector<Row> rows;
  while (s.step()) {
    rows.push_back({s.column_int64(0), s.column_text(1), s.column_int64(2), s.column_int64(3) != 0,
                    s.column_int64(4), s.column_text(5), s.column_text(6), s.column_text(7),
                    s.column_text(8), s.column_text(9), s.column_int64(10)});
  }
  return rows;
}

bool final_status(const std::string& status) { return status == "sent" || status == "failed"; }

// Polls until every row is sent or failed; returns the rows as last read.
std::vector<Row> wait_until_final(const std::string& db_path, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto rows = read_rows(db_path);
    const bool done =
        std::all_of(rows.begin(), rows.end(), [](const Row& r) { return final_status(r.status); });
    if (done || Clock::now() > deadline) return rows;
    std::this_thread::sleep_for(20ms);
  }
}

// A fresh database with the schema, the key file and `bodies` queued for `route` (each its own
// idempotency key), as the gateway would have queued them before a restart.
void prewrite(const std::string& db_path, const std::string& key_path, const std::string& route,
              const std::vector<std::string>& bodies) {
  auto key = privacy::Pseudonymizer::from_key_file(key_path, true);
  if (!key) throw std::runtime_error(key.error().message());
  auto number = privacy::PhoneNumber::parse(kNumber);
  if (!number) throw std::runtime_error(number.error().message());
  const std::string subscriber(key->pseudonymize(*number).value());
  auto db = storage::Database::open(db_path);
  if (!db) throw std::runtime_error(db.error().message());
  auto migrated = storage::apply_migrations(*db, storage::embedded_migrations());
  if (!migrated) throw std::runtime_error(migrated.error().message());
  db->exec("BEGIN");
  const std::int64_t now = epoch_ms();
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    storage::OutboxMessage m;
    m.idempotency_key = "test-" + route + "-" + std::to_string(i);
    m.subscriber = subscriber;
    m.destination_sealed = key->seal(*number, m.idempotency_key);
    m.body = bodies[i];
    m.route = route;
    m.now_ms = now;
    if (!storage::enqueue_sms(*db, m)) throw std::runtime_error("duplicate " + m.idempotency_key);
  }
  db->exec("COMMIT");
}

// --- Server -------------------------------------------------------------------------------------

struct OutboundKeys {
  int max_attempts = 8;
  int request_timeout_ms = 400;
  int send_rate = 1000;
  int batch = 16;
};

// The whole configuration (the last --config wins over the repository's): one sending route.
std::string config_text(const std::string& carrier, const std::string& send_url,
                        const OutboundKeys& k) {
  std::string c =
      "[storage]\n"
      "synchronous = \"normal\"\n"  // WAL: a SIGKILL still loses nothing committed
      "[content]\nseed_on_empty = false\n"
      "[outbound]\n"
      "poll_interval_ms = 20\n"
      "lease_s = 5\n"
      "batch = " +
      std::to_string(k.batch) +
      "\n"
      "max_attempts = " +
      std::to_string(k.max_attempts) +
      "\n"
      "retry_base_ms = 50\n"
      "retry_cap_s = 1\n"
      "connect_timeout_ms = 300\n"
      "request_timeout_ms = " +
      std::to_string(k.request_timeout_ms) + "\n\n[[route]]\n";
  if (carrier == "africastalking") {
    c += "carrier = \"africastalking\"\n"
         "path = \"/v1/africastalking/sms\"\n"
         "secret_env = \"VENTANILLA_AT_SMS_SECRET\"\n"
         "send_account = \"sandbox\"\n"
         "send_secret_env = \"VENTANILLA_AT_SEND_KEY\"\n"
         "send_from = \"40404\"\n";
  } else {
    c += "carrier = \"twilio\"\n"
         "path = \"/v1/twilio/sms\"\n"
         "secret_env = \"VENTANILLA_TWILIO_AUTH_TOKEN\"\n"
         "send_account = \"" +
         std::string(kTwilioAccount) +
         "\"\n"
         "send_secret_env = \"VENTANILLA_TWILIO_SEND_TOKEN\"\n"
         "send_from = \"+15005550006\"\n"
         "status_url = \"" +
         std::string(kTwilioStatusUrl) + "\"\n";
  }
  c += "send_url = \"" + send_url + "\"\nsend_rate = " + std::to_string(k.send_rate) + "\n";
  return c;
}

ServeOptions serve_options(const TempDir& dir, const std::string& config) {
  const std::string path = dir.file("outbox-test.toml");
  std::ofstream(path) << config;
  ServeOptions o;
  o.extra_args = {"--config", path};
  o.env = {{"VENTANILLA_AT_SMS_SECRET", std::string(kAtSecret)},
           {"VENTANILLA_AT_SEND_KEY", std::string(kAtApiKey)},
           {"VENTANILLA_TWILIO_AUTH_TOKEN", std::string(kTwilioToken)},
           {"VENTANILLA_TWILIO_SEND_TOKEN", std::string(kTwilioSendToken)}};
  return o;
}

std::string form_field(std::string_view body, std::string_view name) {
  auto fields = carriers::FormFields::parse(body);
  if (!fields) return "<not a form>";
  return std::string(fields->get(name).value_or("<missing>"));
}

// The value of a metric line "NAME VALUE" (-1 when absent).
double metric(std::uint16_t port, std::string_view name) {
  auto r = round_trip(port, get_request("/metrics"));
  if (!r || r->status != 200) return -1;
  const std::string needle = std::string(name) + " ";
  std::size_t at = 0;
  while ((at = r->body.find(needle, at)) != std::string::npos) {
    if (at == 0 || r->body[at - 1] == '\n') return std::stod(r->body.substr(at + needle.size()));
    at += needle.size();
  }
  return -1;
}

std::string describe(const Row& r) {
  return "row " + std::to_string(r.id) + ": status=" + r.status +
         " attempts=" + std::to_string(r.attempts) + " in_doubt=" + std::to_string(r.in_doubt) +
         " sealed=" + std::to_string(r.sealed_bytes) + " external_id=" + r.external_id +
         " last_error='" + r.last_error + "' next_attempt_ms=" + std::to_string(r.next_attempt_ms);
}

// --- 1. Classification --------------------------------------------------------------------------

struct ClassificationCase {
  std::string name;
  std::vector<FakeBehaviour> script;  // then at_taken() for every later request
  int max_attempts = 8;
  // Expected end state.
  std::string status;
  int attempts = 1;
  bool in_doubt = false;
  std::string error_contains;  // last_error of a failed row
  // Least time between the first and second request (Retry-After), 0 = not checked.
  std::chrono::milliseconds second_not_before{0};
};

std::ostream& operator<<(std::ostream& os, const ClassificationCase& c) { return os << c.name; }

class OutboxClassification : public ::testing::TestWithParam<ClassificationCase> {};

TEST_P(OutboxClassification, EndsInTheDocumentedStateWithNothingLost) {
  const ClassificationCase& c = GetParam();
  const auto started = Clock::now();
  TempDir dir("ventanilla-outbox-class");
  FakeCarrierServer fake;
  for (const auto& b : c.script) fake.push(b);
  fake.set_default(at_taken());
  const std::string text = "Albergue abierto hoy, Calle 7 zona 1 (" + c.name + ")";
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "africastalking", {text});

  ServeProcess server(dir, serve_options(dir, config_text("africastalking", fake.base_url(),
                                                          {.max_attempts = c.max_attempts})));
  Clock::time_point first{}, second{};
  if (c.second_not_before.count() > 0) {
    ASSERT_TRUE(fake.wait_for_requests(1, 5s));
    first = Clock::now();
    ASSERT_TRUE(fake.wait_for_requests(2, 10s));
    second = Clock::now();
  }
  const auto rows = wait_until_final(server.db_path(), 15s);
  // Anything sent after the final state would be a message sent twice.
  std::this_thread::sleep_for(150ms);

  ASSERT_EQ(rows.size(), 1u) << "rows lost or added";
  const Row& row = rows.front();
  SCOPED_TRACE(describe(row));
  EXPECT_EQ(row.status, c.status);
  EXPECT_EQ(row.attempts, c.attempts);
  EXPECT_EQ(row.in_doubt, c.in_doubt);
  EXPECT_EQ(row.sealed_bytes, 0) << "number not erased at a final state";
  if (c.status == "sent") {
    EXPECT_EQ(row.external_id, "ATXid_1");
  } else {
    EXPECT_NE(row.last_error.find(c.error_contains), std::string::npos);
  }
  EXPECT_EQ(row.body, text);

  const auto requests = fake.requests();
  EXPECT_EQ(requests.size(), static_cast<std::size_t>(c.attempts)) << "one request per attempt";
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/version1/messaging");
    EXPECT_EQ(r.header("apiKey").value_or(""), kAtApiKey);
    EXPECT_EQ(form_field(r.body, "message"), text);
    EXPECT_EQ(form_field(r.body, "to"), kNumber);
    EXPECT_EQ(form_field(r.body, "username"), "sandbox");
  }
  if (c.second_not_before.count() > 0) {
    EXPECT_GE(ms_between(first, second), c.second_not_before.count());
  }
  std::cout << "[ case ] " << c.name << ": " << describe(row) << " in "
            << ms_between(started, Clock::now()) << " ms\n";
}

std::vector<ClassificationCase> classification_cases() {
  using fake::Drip, fake::Garbage, fake::Hang, fake::Reset;
  return {
      {.name = "201_taken", .script = {}, .status = "sent", .attempts = 1},
      {.name = "500_then_201", .script = {plain(500)}, .status = "sent", .attempts = 2},
      {.name = "503_retry_after_1s",
       .script = {plain(503, {{"Retry-After", "1"}})},
       .status = "sent",
       .attempts = 2,
       .second_not_before = 900ms},
      {.name = "429_then_201", .script = {plain(429)}, .status = "sent", .attempts = 2},
      // Both outlast request_timeout_ms (400): the request left, the answer never came.
      {.name = "drip_past_timeout",
       .script = {Drip{50ms, at_taken()}},
       .status = "sent",
       .attempts = 2,
       .in_doubt = true},
      {.name = "hang", .script = {Hang{}}, .status = "sent", .attempts = 2, .in_doubt = true},
      {.name = "reset_after_request",
       .script = {Reset{}},
       .status = "sent",
       .attempts = 2,
       .in_doubt = true},
      // http_client.hpp: a protocol error after the request was written is request_sent = true,
      // which retry_policy.hpp turns into in doubt.
      {.name = "garbage", .script = {Garbage{}}, .status = "sent", .attempts = 2, .in_doubt = true},
      {.name = "201_with_invalid_number",
       .script = {at_invalid_number()},
       .status = "failed",
       .attempts = 1,
       .error_contains = "InvalidPhoneNumber"},
      {.name = "401_auth",
       .script = {plain(401)},
       .status = "failed",
       .attempts = 1,
       .error_contains = "http 401"},
      {.name = "500_until_gave_up",
       .script = {plain(500), plain(500), plain(500)},
       .max_attempts = 3,
       .status = "failed",
       .attempts = 3,
       .error_contains = "gave up after 3 attempts"},
  };
}

INSTANTIATE_TEST_SUITE_P(Outbox, OutboxClassification, ::testing::ValuesIn(classification_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

// --- Connection refused, then the carrier comes up
// ------------------------------------------------

// A port nobody listens on (bound, read, closed).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("free_port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// A one-request carrier on a given port (FakeCarrierServer picks its own): answers the first
// request with the AT "taken" answer and closes. Returns the request body.
class LateCarrier {
 public:
  explicit LateCarrier(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 4) != 0)
      throw std::runtime_error("LateCarrier: cannot listen");
    thread_ = std::thread([this] { serve_one(); });
  }
  ~LateCarrier() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  LateCarrier(const LateCarrier&) = delete;
  LateCarrier& operator=(const LateCarrier&) = delete;

  std::string body() const {
    while (!done_) std::this_thread::sleep_for(10ms);
    return body_;
  }
  bool wait(std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (!done_ && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return done_;
  }

 private:
  void serve_one() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string in;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || in.size() < need) {
      const auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      const auto end = in.find("\r\n\r\n");
      if (need == std::string::npos && end != std::string::npos) {
        std::string head = in.substr(0, end);
        std::transform(head.begin(), head.end(), head.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const auto cl = head.find("content-length:");
        need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15)));
      }
    }
    if (need != std::string::npos && in.size() >= need) {
      body_ = in.substr(in.find("\r\n\r\n") + 4);
      const std::string payload = at_taken().body;
      const std::string out =
          "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
          "Connection: close\r\nContent-Length: " +
          std::to_string(payload.size()) + "\r\n\r\n" + payload;
      [[maybe_unused]] const auto w = ::write(c, out.data(), out.size());
    }
    ::close(c);
    done_ = true;
  }

  int fd_ = -1;
  std::string body_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(OutboxDelivery, ConnectionRefusedIsRetriedUntilTheCarrierAppears) {
  TempDir dir("ventanilla-outbox-refused");
  const std::uint16_t port = free_port();
  const std::string text = "Connection refused case, Calle 7";
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "africastalking", {text});
  ServeProcess server(
      dir,
      serve_options(dir, config_text("africastalking", "http://127.0.0.1:" + std::to_string(port),
                                     {.max_attempts = 30})));
  // Two refused attempts, recorded as plain retries (nothing left: not in doubt).
  const auto deadline = Clock::now() + 10s;
  std::vector<Row> rows;
  do {
    std::this_thread::sleep_for(20ms);
    rows = read_rows(server.db_path());
  } while (rows.size() == 1 && rows[0].attempts < 2 && Clock::now() < deadline);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_GE(rows[0].attempts, 2) << describe(rows[0]);
  EXPECT_FALSE(rows[0].in_doubt) << describe(rows[0]);
  EXPECT_NE(rows[0].status, "failed") << describe(rows[0]);

  LateCarrier carrier(port);
  ASSERT_TRUE(carrier.wait(15s)) << "the carrier never got the message";
  EXPECT_EQ(form_field(carrier.body(), "message"), text);
  rows = wait_until_final(server.db_path(), 5s);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "sent") << describe(rows[0]);
  EXPECT_FALSE(rows[0].in_doubt) << describe(rows[0]);
  EXPECT_EQ(rows[0].external_id, "ATXid_1");
  EXPECT_EQ(rows[0].sealed_bytes, 0);
  std::cout << "[ refused ] " << describe(rows[0]) << "\n";
}

// A reply to an inbound SMS goes through the outbox: the keyword's answer reaches the carrier
// addressed to the sender, and its row ends sent with the number erased.
TEST(OutboxDelivery, InboundSmsReplyIsSentThroughTheOutbox) {
  TempDir dir("ventanilla-outbox-inbound");
  FakeCarrierServer fake;
  fake.set_default(at_taken());
  auto options = serve_options(dir, config_text("africastalking", fake.base_url(), {}));
  options.seed_directory = true;  // the keyword's answer comes from the shipped menus
  options.extra_args.insert(options.extra_args.end(), {"--set", "content.seed_on_empty=true"});
  ServeProcess server(dir, options);
  const std::string from = "+50255550199";
  const std::string body =
      "linkId=L1&text=AYUDA&to=40404&id=at-inbound-1&date=2026-11-29+04%3A02%3A33"
      "&networkCode=70401&from=%2B50255550199";
  // The seed import may still be running when the server listens: 503 until it is done.
  std::optional<RawResponse> r;
  for (const auto deadline = Clock::now() + 10s; Clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    r = round_trip(server.port(),
                   post_request("/v1/africastalking/sms/" + std::string(kAtSecret), body));
    if (!r || r->status != 503) break;
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(fake.wait_for_requests(1, 10s)) << "no reply reached the carrier";
  const auto rows = wait_until_final(server.db_path(), 10s);
  ASSERT_GE(rows.size(), 1u);
  std::multiset<std::string> queued;
  for (const auto& row : rows) {
    EXPECT_EQ(row.status, "sent") << describe(row);
    EXPECT_EQ(row.sealed_bytes, 0);
    EXPECT_FALSE(row.body.empty());
    queued.insert(row.body);
  }
  std::multiset<std::string> delivered;
  for (const auto& request : fake.requests()) {
    EXPECT_EQ(form_field(request.body, "to"), from);
    delivered.insert(form_field(request.body, "message"));
  }
  EXPECT_EQ(delivered, queued) << "one call per queued reply, with its text";
}

// --- 2. Rate
// --------------------------------------------------------------------------------------

TEST(OutboxDelivery, RouteRateSpacesCalls) {
  TempDir dir("ventanilla-outbox-rate");
  FakeCarrierServer fake;
  fake.set_default(at_taken());
  std::vector<std::string> bodies;
  for (int i = 0; i < 10; ++i) bodies.push_back("Rate message " + std::to_string(i));
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "africastalking", bodies);
  ServeProcess server(
      dir, serve_options(dir, config_text("africastalking", fake.base_url(), {.send_rate = 5})));
  ASSERT_TRUE(fake.wait_for_requests(1, 5s));
  const auto first = Clock::now();
  ASSERT_TRUE(fake.wait_for_requests(10, 15s));
  const auto last = Clock::now();
  const auto spread = ms_between(first, last);
  std::cout << "[ rate ] 10 messages at 5/s: " << spread << " ms from first to last call\n";
  // 9 gaps of 200 ms.
  EXPECT_GE(spread, 1600);
  EXPECT_LE(spread, 6000);
  const auto rows = wait_until_final(server.db_path(), 5s);
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& r : rows) EXPECT_EQ(r.status, "sent") << describe(r);
  std::multiset<std::string> seen;
  for (const auto& r : fake.requests()) seen.insert(form_field(r.body, "message"));
  EXPECT_EQ(seen, std::multiset<std::string>(bodies.begin(), bodies.end()));
}

// --- 3. Delivery reports ------------------------------------------------------------------------

TEST(OutboxDelivery, AfricasTalkingDeliveryReports) {
  TempDir dir("ventanilla-outbox-dlr");
  FakeCarrierServer fake;
  fake.set_default(at_taken("ATXid_dlr_1"));
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "africastalking",
           {"Delivery report case"});
  ServeProcess server(dir, serve_options(dir, config_text("africastalking", fake.base_url(), {})));
  auto rows = wait_until_final(server.db_path(), 10s);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].status, "sent") << describe(rows[0]);
  ASSERT_EQ(rows[0].external_id, "ATXid_dlr_1");

  const std::string path = "/v1/africastalking/status/" + std::string(kAtSecret);
  auto post = [&](const std::string& target, const std::string& body) {
    auto r = round_trip(server.port(), post_request(target, body));
    return r ? r->status : 0;
  };
  EXPECT_EQ(
      post(path, "id=ATXid_dlr_1&status=Success&phoneNumber=%2B50255550123&networkCode=70401"),
      200);
  rows = read_rows(server.db_path());
  EXPECT_EQ(rows[0].delivery_status, "delivered");
  EXPECT_EQ(metric(server.port(), "ventanilla_delivery_reports_total"), 1.0);

  EXPECT_EQ(
      post(path, "id=ATXid_dlr_1&status=Success&phoneNumber=%2B50255550123&networkCode=70401"),
      200);
  EXPECT_EQ(metric(server.port(), "ventanilla_delivery_reports_duplicate_total"), 1.0);
  EXPECT_EQ(metric(server.port(), "ventanilla_delivery_reports_total"), 1.0);

  EXPECT_EQ(post(path, "id=ATXid_nobody&status=Success"), 200);
  EXPECT_EQ(metric(server.port(), "ventanilla_delivery_reports_unknown_total"), 1.0);

  std::string wrong(kAtSecret);
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(post("/v1/africastalking/status/" + wrong, "id=ATXid_dlr_1&status=Failed"), 404);
  rows = read_rows(server.db_path());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].delivery_status, "delivered") << "a refused report changed the row";
}

// Twilio's X-Twilio-Signature (carrier-protocols.md §2.3), written out here rather than taken
// from the gateway: base64(HMAC-SHA1(token, url + sorted name+value pairs)).
std::string twilio_signature(std::string url,
                             std::vector<std::pair<std::string, std::string>> params,
                             std::string_view token) {
  std::sort(params.begin(), params.end());
  for (const auto& [name, value] : params) url += name + value;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), token.data(), static_cast<int>(token.size()),
       reinterpret_cast<const unsigned char*>(url.data()), url.size(), mac, &mac_len);
  std::string b64(4 * ((mac_len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(mac_len));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

TEST(OutboxDelivery, TwilioStatusCallbackMustBeSigned) {
  TempDir dir("ventanilla-outbox-twilio");
  FakeCarrierServer fake;
  fake.set_default(fake::Respond{
      201, {{"Content-Type", "application/json"}}, "{\"sid\":\"SM1\",\"status\":\"queued\"}"});
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "twilio", {"Twilio status case"});
  ServeProcess server(dir, serve_options(dir, config_text("twilio", fake.base_url(), {})));
  auto rows = wait_until_final(server.db_path(), 10s);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].status, "sent") << describe(rows[0]);
  ASSERT_EQ(rows[0].external_id, "SM1");
  ASSERT_FALSE(rows[0].reference.empty());

  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target,
            "/2010-04-01/Accounts/" + std::string(kTwilioAccount) + "/Messages.json");
  EXPECT_EQ(form_field(requests[0].body, "Body"), "Twilio status case");
  const std::string callback = std::string(kTwilioStatusUrl) + "?id=" + rows[0].reference;
  EXPECT_EQ(form_field(requests[0].body, "StatusCallback"), callback);

  const std::vector<std::pair<std::string, std::string>> params = {
      {"MessageSid", "SM1"},
      {"MessageStatus", "delivered"},
      {"AccountSid", std::string(kTwilioAccount)},
      {"To", std::string(kNumber)},
      {"From", "+15005550006"}};
  std::string body;
  for (const auto& [name, value] : params) {
    body += (body.empty() ? "" : "&") + name + "=" +
            (value[0] == '+' ? "%2B" + value.substr(1) : value);
  }
  const std::string target = "/v1/twilio/status?id=" + rows[0].reference;
  auto post = [&](const std::string& signature) {
    auto r =
        round_trip(server.port(), post_request(target, body, "application/x-www-form-urlencoded",
                                               "X-Twilio-Signature: " + signature + "\r\n"));
    return r ? r->status : 0;
  };
  std::string bad = twilio_signature(callback, params, "not-the-token");
  EXPECT_EQ(post(bad), 403);
  EXPECT_EQ(read_rows(server.db_path())[0].delivery_status, "");
  EXPECT_EQ(post(twilio_signature(callback, params, kTwilioToken)), 200);
  EXPECT_EQ(read_rows(server.db_path())[0].delivery_status, "delivered");
  EXPECT_EQ(metric(server.port(), "ventanilla_delivery_reports_total"), 1.0);
}

// --- 4. SIGKILL mid-drain -----------------------------------------------------------------------

TEST(OutboxDelivery, SigkillMidDrainLosesNothingAndFlagsEveryDuplicate) {
  constexpr std::size_t kMessages = 1000;
  const auto started = Clock::now();
  TempDir dir("ventanilla-outbox-crash");
  FakeCarrierServer fake;
  fake.set_default(fake::Delay{2ms, at_taken()});
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < kMessages; ++i)
    bodies.push_back("Crash message " + std::to_string(i));
  prewrite(dir.file("ventanilla.db"), dir.file("secret.key"), "africastalking", bodies);
  const auto options = serve_options(dir, config_text("africastalking", fake.base_url(), {}));

  std::size_t seen_at_kill = 0;
  {
    ServeProcess first(dir, options);
    const auto up = Clock::now();
    ASSERT_TRUE(fake.wait_for_requests(300, 30s)) << "drain too slow";
    std::cout << "[ crash ] 300 requests " << ms_between(up, Clock::now()) << " ms after start\n";
    const auto status = first.process().kill_and_wait();
    seen_at_kill = fake.requests().size();
    EXPECT_TRUE(status.killed_by(SIGKILL)) << status.describe();
  }
  const auto before_restart = read_rows(dir.file("ventanilla.db"));
  ASSERT_EQ(before_restart.size(), kMessages);
  std::size_t leased_at_kill = 0;
  std::size_t sent_at_kill = 0;
  for (const auto& r : before_restart) {
    if (r.status == "leased") ++leased_at_kill;
    if (r.status == "sent") ++sent_at_kill;
  }

  ServeProcess second(dir, options);
  const auto restarted = Clock::now();
  const auto rows = wait_until_final(second.db_path(), 20s);
  std::cout << "[ crash ] restart to all final (or give-up): "
            << ms_between(restarted, Clock::now()) << " ms\n";
  ASSERT_EQ(rows.size(), kMessages) << "rows lost";

  std::map<std::string, int> deliveries;
  for (const auto& r : fake.requests()) ++deliveries[form_field(r.body, "message")];
  std::size_t flagged = 0;
  std::size_t duplicated = 0;
  std::size_t not_sent = 0;
  std::size_t missing = 0;
  std::size_t unflagged_duplicates = 0;
  for (const auto& r : rows) {
    if (r.status != "sent") {
      if (++not_sent <= 3) ADD_FAILURE() << "not sent: " << describe(r);
    }
    if (r.in_doubt) ++flagged;
    const auto it = deliveries.find(r.body);
    const int n = it == deliveries.end() ? 0 : it->second;
    if (n == 0) ++missing;
    if (n > 1) {
      ++duplicated;
      if (!r.in_doubt) {
        ++unflagged_duplicates;
        ADD_FAILURE() << "duplicate not flagged: " << describe(r) << " delivered " << n;
      }
    }
  }
  EXPECT_EQ(not_sent, 0u);
  EXPECT_EQ(missing, 0u) << "messages never delivered";
  EXPECT_EQ(unflagged_duplicates, 0u);
  EXPECT_EQ(deliveries.size(), kMessages) << "unexpected texts";
  // Every row leased at the kill comes back flagged (in doubt): the drainer recovered them.
  EXPECT_GE(flagged, leased_at_kill);
  std::cout << "[ crash ] requests at kill " << seen_at_kill << ", rows sent at kill "
            << sent_at_kill << ", leased at kill " << leased_at_kill
            << "; after restart: " << fake.requests().size() << " requests for " << kMessages
            << " messages, flagged " << flagged << ", duplicated " << duplicated << ", took "
            << ms_between(started, Clock::now()) << " ms\n";
}

}  // namespace
}  // namespace ventanilla::test
