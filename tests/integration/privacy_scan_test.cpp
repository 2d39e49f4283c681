// Privacy scan (issue #8, "Prove it"): 1,000 canary phone numbers and canary message words go
// through every route of the local default configuration (config/ventanilla.toml) of the real
// `ventanilla serve`, logging at its most verbose (log.level = trace, access log on); then every
// place a number or a word could end up is read byte for byte: the log (stderr and stdout), every
// /metrics page and every HTTP response the test received, the database with its -wal and -shm
// (while the server runs, when the WAL is largest, and after SIGTERM) and every other file in the
// server's directory. Finally `ventanilla purge` runs with the clock shifted past every retention
// (faketime, Debian package `faketime`) and the files are read again.
//
// Routes: SMS on Twilio, Vonage (POST, GET, and the first half of a two-part message), Kannel
// (GET), Infobip (batches of 10), Africa's Talking SMS and the generic JSON protocol; USSD on
// Africa's Talking (walks that end in "send me this by SMS", and walks that type a canary word as
// the town) and the generic JSON USSD route (walks that type a canary town). Africa's Talking SMS
// is given a sender pointed at a FakeCarrierServer, and [ussd] sms_route names it, so SMS replies
// and USSD "send me this by SMS" carry canary numbers through the outbox to the carrier; every
// message sent gets a delivery report (which carries the number again) on the route's status path.
//
// What may be on disk, from the design (data/schema/*.sql, gateway/dialog/dialog_state.hpp):
//   - numbers: never, in any form. The database holds SubscriberId pseudonyms (keyed HMAC) and,
//     for the outbox, the destination sealed with AES-GCM, erased once sent or failed.
//   - message words: only where the design keeps the caller's words while they are needed —
//       * sessions.state `q`: the town a caller typed, kept for the session (cleared when the
//         session ends; a session dropped mid-walk keeps it until the purge deletes the row);
//       * sms_parts.text: the parts of a concatenated SMS until its last part arrives (parts that
//         never complete are purged with the sessions of their age).
//     Stored replies (inbound_seen.reply) and outbox bodies are our own menu texts: a reply never
//     echoes what was typed. SMS dedupe keys are carrier ids or a SHA-256 of the text.
//   - after the purge: no canary byte at all (secure_delete zeroes deleted rows, the purge
//     truncates the WAL).
// Numbers are searched as E.164 digits (the '+' form contains them; "%2B..." too), as national
// digits (without the country code) and, for Mexico, also without the mobile "1".

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "carriers/form_body.hpp"
#include "carriers/generic_json.hpp"
#include "carriers/twilio.hpp"
#include "carriers/vonage.hpp"
#include "support/child_process.hpp"
#include "support/fake_carrier_server.hpp"
#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTwilioToken = "twilio-auth-token-privacy-3f9a";
constexpr std::string_view kVonageSecret = "vonage-signature-secret-privacy";
constexpr std::string_view kKannelSecret = "6c1e9b4f2a7d3e8c0b5a9f1d7e3c2b8a";
constexpr std::string_view kInfobipSecret = "8a3d6f1c9e2b7a4d0c5f8e1b3a9d6c2f";
constexpr std::string_view kAtSecret = "1f7c3a9e5b2d8f4a6c0e3b7d9a1f5c8e";
constexpr std::string_view kGenericSecret = "vtn_generic_privacy_2b8e4f1a";
constexpr std::string_view kAtSendKey = "at-send-key-privacy-scan";

// Past every retention of the local default: sessions 900 s (the SMS conversation timeout is the
// longest of session_timeout_s, resume_window_s and conversation_timeout_s), stored replies 48 h,
// sent/failed outbox rows and delivery reports 168 h.
constexpr std::string_view kClockShift = "+8 days";
constexpr std::string_view kFaketime = "/usr/bin/faketime";

// --- Canaries -----------------------------------------------------------------------------------

enum class Country { kGT, kMX, kCR };

struct Canary {
  Country country = Country::kGT;
  std::string e164;                      // "+50253100007"
  std::vector<std::string> digit_forms;  // E.164 digits first, then the national forms
  std::string marker;                    // "zq" + 8 letters: the word only this number's text has
};

std::string digits(std::mt19937& rng, int n) {
  std::uniform_int_distribution<int> d(0, 9);
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>('0' + d(rng));
  return out;
}

std::string letters(std::mt19937& rng, int n) {
  std::uniform_int_distribution<int> d(0, 25);
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>('a' + d(rng));
  return out;
}

// 1,000 distinct numbers (Guatemala +502 5xxx xxxx, Mexico +52 1 962 xxx xxxx, Costa Rica
// +506 8xxx xxxx) and markers, from a fixed seed so that a failure can be replayed.
std::vector<Canary> make_canaries(std::size_t n) {
  std::mt19937 rng(20261129);
  std::set<std::string> numbers;
  std::set<std::string> markers;
  std::vector<Canary> out;
  while (out.size() < n) {
    Canary c;
    const std::size_t i = out.size();
    c.country = i % 10 == 3 ? Country::kMX : i % 10 == 7 ? Country::kCR : Country::kGT;
    std::string national;
    switch (c.country) {
      case Country::kGT:
        national = "5" + digits(rng, 7);
        c.e164 = "+502" + national;
        break;
      case Country::kMX:
        national = "962" + digits(rng, 7);
        c.e164 = "+521" + national;
        break;
      case Country::kCR:
        national = "8" + digits(rng, 7);
        c.e164 = "+506" + national;
        break;
    }
    c.marker = "zq" + letters(rng, 8);
    if (!numbers.insert(c.e164).second || !markers.insert(c.marker).second) continue;
    c.digit_forms = {c.e164.substr(1), national};
    if (c.country == Country::kMX) c.digit_forms.push_back("52" + national);
    out.push_back(std::move(c));
  }
  return out;
}

// --- The scanner --------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// What one scan found: canary indexes whose number (any form) or marker occurs.
struct Found {
  std::set<std::size_t> numbers;
  std::set<std::size_t> markers;
  std::vector<std::string> examples;  // a little context around the first few hits
  std::size_t excused = 0;            // digit matches inside hex digests or log tags (scan())
};

class Scanner {
 public:
  explicit Scanner(const std::vector<Canary>& canaries) {
    for (std::size_t i = 0; i < canaries.size(); ++i) {
      for (std::size_t f = 0; f < canaries[i].digit_forms.size(); ++f) {
        const std::string& form = canaries[i].digit_forms[f];
        digit_needles_.emplace(form, Needle{i, f > 0});
        lengths_.insert(form.size());
      }
      markers_.emplace(canaries[i].marker, i);
    }
  }

  // Every digit run long enough to hold a needle is checked at every offset (a number glued to
  // other digits is still found); every "zq" is checked for a marker.
  //
  // Hex digests (pseudonyms, dedupe keys, references) are full of digit runs, and an 8-digit
  // national needle occurs by chance in a few MB of hex. So a hit inside a hex token (a
  // [0-9a-fA-F] run with letters around the digits) is a digest, not a number: for national forms
  // when the token has 16 or more characters, for E.164 forms (11 to 13 digits, ~1e-13 a
  // position) only in digests of 32 or more. Likewise a log tag "s:" + 8 hex characters that
  // happen to be all digits (2% of tags) is not a national number.
  Found scan(std::string_view bytes) const {
    Found found;
    const std::size_t shortest = lengths_.empty() ? 1 : *lengths_.begin();
    for (std::size_t s = 0; s < bytes.size();) {
      if (!is_digit(bytes[s])) {
        ++s;
        continue;
      }
      std::size_t e = s;
      while (e < bytes.size() && is_digit(bytes[e])) ++e;
      if (e - s >= shortest) check_run(bytes, s, e, found);
      s = e;
    }
    for (auto at = bytes.find("zq"); at != std::string_view::npos; at = bytes.find("zq", at + 1)) {
      if (at + 10 > bytes.size()) break;
      const auto it = markers_.find(bytes.substr(at, 10));
      if (it == markers_.end()) continue;
      found.markers.insert(it->second);
      note(found, bytes, at, 10);
    }
    return found;
  }

 private:
  struct Needle {
    std::size_t canary;
    bool national;
  };

  void check_run(std::string_view bytes, std::size_t s, std::size_t e, Found& found) const {
    std::size_t hs = s;
    std::size_t he = e;
    while (hs > 0 && is_hex(bytes[hs - 1])) --hs;
    while (he < bytes.size() && is_hex(bytes[he])) ++he;
    const bool letters_around = he - hs > e - s;
    const bool excused_national =
        (letters_around && he - hs >= 16) ||
        (e - s == 8 && s >= 2 && bytes.substr(s - 2, 2) == "s:" && he == e);
    const bool excused_e164 = letters_around && he - hs >= 32;
    for (const std::size_t length : lengths_) {
      if (length > e - s) break;
      for (std::size_t p = s; p + length <= e; ++p) {
        const auto it = digit_needles_.find(bytes.substr(p, length));
        if (it == digit_needles_.end()) continue;
        if (it->second.national ? excused_national : excused_e164) {
          ++found.excused;
          continue;
        }
        found.numbers.insert(it->second.canary);
        note(found, bytes, p, length);
      }
    }
  }

  static void note(Found& found, std::string_view bytes, std::size_t at, std::size_t length) {
    if (found.examples.size() >= 5) return;
    const std::size_t from = at > 40 ? at - 40 : 0;
    std::string context;
    for (const char c : bytes.substr(from, length + 80)) {
      const auto u = static_cast<unsigned char>(c);
      context += u >= 0x20 && u < 0x7f ? c : '.';
    }
    found.examples.push_back(context);
  }

  std::unordered_map<std::string_view, Needle> digit_needles_;  // views into the canaries
  std::set<std::size_t> lengths_;
  std::unordered_map<std::string_view, std::size_t> markers_;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every regular file under `dir`, by name relative to it.
std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files.emplace(fs::relative(entry.path(), dir).string(), read_bytes(entry.path()));
  }
  return files;
}

// One row of the report: a place and what was found there.
struct PlaceScan {
  std::string place;
  std::size_t bytes = 0;
  Found found;
};

std::string describe(const PlaceScan& p) {
  std::ostringstream out;
  out << p.place << " (" << p.bytes << " bytes): " << p.found.numbers.size() << " numbers, "
      << p.found.markers.size() << " markers";
  for (const auto& e : p.found.examples) out << "\n    ..." << e << "...";
  return out.str();
}

// --- HTTP ---------------------------------------------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string form(const Fields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name + "=" + form_encode(value);
  }
  return out;
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::value(boost::json::string_view(s.data(), s.size())));
}

std::string now_seconds() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

std::string form_field(std::string_view body, std::string_view name) {
  auto fields = carriers::FormFields::parse(body);
  if (!fields) return {};
  return std::string(fields->get(name).value_or(""));
}

// Sends requests and keeps every response (status line, headers, body) for the scan.
// `drain_log` runs every few requests: at trace level the server writes several lines per
// request, and a stderr pipe nobody reads fills up and blocks it.
class Client {
 public:
  Client(std::uint16_t port, std::function<void()> drain_log)
      : port_(port), drain_log_(std::move(drain_log)) {}

  RawResponse send(const std::string& method, const std::string& target, const Fields& headers,
                   const std::string& body) {
    std::string wire = method + " " + target + " HTTP/1.1\r\nHost: " + host() + "\r\n";
    for (const auto& [name, value] : headers) wire += name + ": " + value + "\r\n";
    if (method == "POST") wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    wire += "\r\n" + body;
    if (++requests_ % 8 == 0) drain_log_();
    auto r = round_trip(port_, wire);
    if (!r) {
      ADD_FAILURE() << "no response to " << method << " " << target.substr(0, 40);
      return {};
    }
    responses_ += std::to_string(r->status) + " " + r->reason + "\n";
    for (const auto& [name, value] : r->headers) responses_ += name + ": " + value + "\n";
    responses_ += r->body + "\n";
    return *r;
  }
  RawResponse post(const std::string& target, const std::string& body,
                   std::string_view content_type, Fields headers = {}) {
    headers.emplace_back("Content-Type", std::string(content_type));
    return send("POST", target, headers, body);
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::size_t requests() const { return requests_; }
  const std::string& responses() const { return responses_; }

 private:
  std::uint16_t port_;
  std::function<void()> drain_log_;
  std::size_t requests_ = 0;
  std::string responses_;
};

// --- Screens ------------------------------------------------------------------------------------

// "3 Albergues" -> 3 for `label` among a screen's numbered lines; 0 when absent.
int item_number(std::string_view screen, std::string_view label) {
  std::istringstream in{std::string(screen)};
  for (std::string line; std::getline(in, line);) {
    const auto space = line.find(' ');
    if (space == 0 || space == std::string::npos || space > 2) continue;
    if (!std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(space), is_digit))
      continue;
    if (std::string_view(line).substr(space + 1) == label) return std::stoi(line.substr(0, space));
  }
  return 0;
}

// A USSD caller on either route: each press appends to the cumulative input.
class UssdCaller {
 public:
  using Post = std::function<std::string(const std::string& input)>;  // returns the screen text
  explicit UssdCaller(Post post) : post_(std::move(post)) {}

  std::string dial() { return screen_ = post_(input_ = ""); }
  std::string press(std::string_view key) {
    if (!input_.empty()) input_ += '*';
    input_ += key;
    return screen_ = post_(input_);
  }
  // Pages forward until `label` shows, then picks it; false when it never shows.
  bool choose(std::string_view label) {
    for (int page = 0; page < 6; ++page) {
      if (const int n = item_number(screen_, label); n > 0) {
        press(std::to_string(n));
        return true;
      }
      if (screen_.find("\n98 ") == std::string::npos) break;
      press("98");
    }
    ADD_FAILURE() << "no item \"" << label << "\" on:\n" << screen_;
    return false;
  }
  const std::string& screen() const { return screen_; }

 private:
  Post post_;
  std::string input_;
  std::string screen_;
};

// Language, detected country, "nearest hub", "type my town": the town prompt.
bool walk_to_town_prompt(UssdCaller& caller) {
  caller.dial();
  caller.press("1");  // Español
  caller.press("1");  // the detected country, listed first
  return caller.choose("Ventanilla mas cercana") && caller.choose("Escribir mi ciudad") &&
         caller.screen().find("Escriba el nombre de su ciudad") != std::string::npos;
}

struct TownCase {
  std::string network;  // the caller's network code: the detected country
  std::string typed;    // typed with a typo
  std::string listed;   // as the matches list shows it
};

TownCase town_case(Country c) {
  switch (c) {
    case Country::kMX:
      return {"334020", "Tapachla", "Tapachula"};
    case Country::kCR:
      return {"712001", "San Jsoe", "San José"};
    case Country::kGT:
      break;
  }
  return {"704001", "Quetzaltenago", "Quetzaltenango"};
}

// --- The database, read-only --------------------------------------------------------------------

std::int64_t query_int(const std::string& db_path, const std::string& sql) {
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

// The tables (and columns) whose values contain `needle`: names what a leftover byte belongs to.
std::string tables_holding(const std::string& db_path, const std::string& needle) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "(cannot open)";
  }
  std::vector<std::string> tables;
  {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW)
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
  for (const auto& table : tables) {
    std::vector<std::string> columns;
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, ("PRAGMA table_info(\"" + table + "\")").c_str(), -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW)
      columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
    sqlite3_finalize(s);
    for (const auto& column : columns) {
      const std::string sql = "SELECT count(*) FROM \"" + table + "\" WHERE instr(CAST(\"" +
                              column + "\" AS BLOB), CAST(?1 AS BLOB)) > 0";
      sqlite3_stmt* q = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) != SQLITE_OK) continue;
      sqlite3_bind_text(q, 1, needle.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > 0)
        out += table + "." + column + " ";
      sqlite3_finalize(q);
    }
  }
  sqlite3_close(db);
  return out.empty() ? "(no live row: free space or WAL)" : out;
}

// --- The configuration --------------------------------------------------------------------------

// The local default with a sender on the Africa's Talking SMS route (the only change: its table
// gains send_* keys pointing at the fake carrier). [ussd] sms_route and [outbound] come by --set.
std::string config_with_at_sender(const std::string& send_url) {
  std::string text = read_bytes(fs::path(VENTANILLA_SOURCE_DIR) / "config" / "ventanilla.toml");
  const std::string anchor = "path = \"/v1/africastalking/sms\"\n";
  const auto at = text.find(anchor);
  if (at == std::string::npos) return {};
  text.insert(at + anchor.size(),
              "send_url = \"" + send_url +
                  "\"\nsend_account = \"sandbox\"\nsend_secret_env = \"VENTANILLA_AT_SEND_KEY\"\n"
                  "send_from = \"40404\"\nsend_rate = 1000\n");
  return text;
}

fake::Respond at_taken(std::size_t n) {
  return fake::Respond{
      201,
      {{"Content-Type", "application/json"}},
      "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: KES 0.8000\",\"Recipients\":[{"
      "\"statusCode\":101,\"number\":\"+0\",\"status\":\"Success\",\"cost\":\"KES 0.8000\","
      "\"messageId\":\"ATXpriv" +
          std::to_string(n) + "\"}]}}"};
}

// --- The test -----------------------------------------------------------------------------------

TEST(PrivacyScan, CanaryNumbersAndWordsLeaveNoTraceAndThePurgeLeavesNoByte) {
  constexpr std::size_t kCanaries = 1000;
  TempDir dir("ventanilla-privacy");
  FakeCarrierServer carrier;
  // A distinct messageId per call, so each delivery report finds its own message.
  for (std::size_t n = 1; n <= 2 * kCanaries; ++n) carrier.push(at_taken(n));

  const std::string config_path = dir.file("privacy.toml");
  {
    const std::string config = config_with_at_sender(carrier.base_url());
    ASSERT_FALSE(config.empty()) << "config/ventanilla.toml has no Africa's Talking SMS route";
    std::ofstream(config_path) << config;
  }
  ServeOptions options{.seed_directory = true};
  options.extra_args = {"--config", config_path,
                        "--set",    "log.level=\"trace\"",
                        "--set",    "log.access_log=true",
                        "--set",    "ussd.sms_route=\"africastalking\"",
                        "--set",    "outbound.poll_interval_ms=20"};
  options.wrapper_shell = "exec 1>&2";  // stdout into the captured stderr: one log to scan
  options.env = {{"VENTANILLA_TWILIO_AUTH_TOKEN", std::string(kTwilioToken)},
                 {"VENTANILLA_VONAGE_SIGNATURE_SECRET", std::string(kVonageSecret)},
                 {"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)},
                 {"VENTANILLA_INFOBIP_SECRET", std::string(kInfobipSecret)},
                 {"VENTANILLA_AT_SMS_SECRET", std::string(kAtSecret)},
                 {"VENTANILLA_AT_SEND_KEY", std::string(kAtSendKey)},
                 {"VENTANILLA_GENERIC_SECRET", std::string(kGenericSecret)}};
  ServeProcess server(dir, options);
  const std::string db = server.db_path();
  Client client(server.port(), [&server] { server.log_lines(); });

  // The seed import may still be running when the server listens: wait for readiness.
  bool ready = false;
  for (const auto deadline = Clock::now() + 20s; !ready && Clock::now() < deadline;
       server.log_lines(50ms)) {
    auto r = round_trip(server.port(), get_request("/readyz"));
    ready = r && r->status == 200 && r->body.find("\"content\":\"loaded\"") != std::string::npos;
  }
  ASSERT_TRUE(ready) << "the server did not load its content within 20 s";

  // Control: the canaries are numbers and words no fresh server file holds (the gazetteer is
  // full of digits), so every later hit is this test's traffic. Candidates that occur are dropped.
  std::vector<Canary> canaries;
  std::size_t colliding = 0;
  {
    std::vector<Canary> candidates = make_canaries(kCanaries + 200);
    const Scanner all(candidates);
    std::set<std::size_t> taken;
    for (const auto& [name, bytes] : files_under(dir.path())) {
      const Found f = all.scan(bytes);
      taken.insert(f.numbers.begin(), f.numbers.end());
      taken.insert(f.markers.begin(), f.markers.end());
    }
    colliding = taken.size();
    for (std::size_t i = 0; i < candidates.size() && canaries.size() < kCanaries; ++i) {
      if (!taken.contains(i)) canaries.push_back(std::move(candidates[i]));
    }
    ASSERT_EQ(canaries.size(), kCanaries) << colliding << " candidates collide with fresh files";
  }
  const Scanner scanner(canaries);

  std::string metrics_pages;
  auto fetch_metrics = [&] {
    const RawResponse m = client.send("GET", "/metrics", {}, "");
    EXPECT_EQ(m.status, 200);
    metrics_pages += m.body;
  };

  // --- Traffic: who gets which canaries -------------------------------------------------------
  std::size_t next = 0;
  auto take = [&](std::size_t n) {
    std::vector<const Canary*> out;
    for (std::size_t i = 0; i < n && next < canaries.size(); ++i) out.push_back(&canaries[next++]);
    return out;
  };
  std::set<std::size_t> typed_markers;   // typed as a town in a USSD session
  std::set<std::size_t> parts_markers;   // in the first part of a two-part SMS
  std::set<std::string> outbox_numbers;  // must reach the fake carrier
  std::map<std::string, std::size_t> numbers_per_route;
  auto index_of = [&](const Canary* c) { return static_cast<std::size_t>(c - canaries.data()); };
  auto text_of = [](const Canary& c, std::size_t i) {
    return i % 4 == 0 ? "CENTRO " + c.marker : "hola " + c.marker + " necesito ayuda";
  };
  int counter = 0;
  auto message_id = [&](std::string_view route) {
    return std::string(route) + "-priv-" + std::to_string(++counter);
  };

  // Twilio: signed form POST, TwiML answer.
  for (const Canary* c : take(140)) {
    const Fields fields = {{"ToCountry", "US"},
                           {"To", "+15005550006"},
                           {"NumMedia", "0"},
                           {"SmsStatus", "received"},
                           {"MessageSid", message_id("SM")},
                           {"AccountSid", "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7"},
                           {"Body", text_of(*c, index_of(c))},
                           {"ApiVersion", "2010-04-01"},
                           {"From", c->e164}};
    const std::string url = "http://" + client.host() + "/v1/twilio/sms";
    const RawResponse r = client.post(
        "/v1/twilio/sms", form(fields), "application/x-www-form-urlencoded",
        {{"X-Twilio-Signature", carriers::twilio_signature(url, fields, kTwilioToken)}});
    EXPECT_EQ(r.status, 200) << r.body;
    ++numbers_per_route["twilio"];
  }
  // Vonage: md5hash-signed form, as POST and as GET; the reply goes to the outbox (no sender).
  auto vonage_fields = [&](const Canary& c, std::string text) {
    return Fields{{"to", "15005550006"},        {"messageId", message_id("vonage")},
                  {"text", std::move(text)},    {"type", "text"},
                  {"timestamp", now_seconds()}, {"nonce", message_id("nonce")},
                  {"msisdn", c.e164.substr(1)}};
  };
  auto vonage_signed = [](const Fields& fields) {
    return "sig=" +
           carriers::vonage_signature(fields, kVonageSecret,
                                      carriers::VonageSignatureMethod::kMd5Hash) +
           "&" + form(fields);
  };
  for (const Canary* c : take(80)) {
    const RawResponse r =
        client.post("/v1/vonage/sms", vonage_signed(vonage_fields(*c, text_of(*c, index_of(c)))),
                    "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    ++numbers_per_route["vonage POST"];
  }
  for (const Canary* c : take(40)) {
    const RawResponse r = client.send(
        "GET", "/v1/vonage/sms?" + vonage_signed(vonage_fields(*c, text_of(*c, index_of(c)))), {},
        "");
    EXPECT_EQ(r.status, 200) << r.body;
    ++numbers_per_route["vonage GET"];
  }
  // Part 1 of 2 only: the part waits in sms_parts for a part 2 that never comes.
  for (const Canary* c : take(20)) {
    Fields fields = vonage_fields(*c, "primera parte " + c->marker + " sigue");
    fields.insert(fields.end() - 1, {{"concat", "true"},
                                     {"concat-ref", std::to_string(100 + index_of(c) % 100)},
                                     {"concat-total", "2"},
                                     {"concat-part", "1"}});
    const RawResponse r =
        client.post("/v1/vonage/sms", vonage_signed(fields), "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    parts_markers.insert(index_of(c));
    ++numbers_per_route["vonage part 1/2"];
  }
  // Kannel get-url: everything in the query, the number as digits.
  for (const Canary* c : take(140)) {
    const RawResponse r = client.send(
        "GET",
        "/v1/kannel/sms/" + std::string(kKannelSecret) + "?from=" + form_encode(c->e164.substr(1)) +
            "&to=12345&text=" + form_encode(text_of(*c, index_of(c))) +
            "&id=" + message_id("kannel") + "&smsc=FAKE&coding=0&charset=UTF-8",
        {}, "");
    EXPECT_EQ(r.status, 200) << r.body;
    ++numbers_per_route["kannel GET"];
  }
  fetch_metrics();
  // Infobip MO_JSON_2: batches of ten messages.
  {
    const auto batch_canaries = take(140);
    for (std::size_t b = 0; b < batch_canaries.size(); b += 10) {
      std::string results;
      for (std::size_t i = b; i < std::min(b + 10, batch_canaries.size()); ++i) {
        const Canary& c = *batch_canaries[i];
        if (!results.empty()) results += ",";
        results += "{\"messageId\":" + json_string(message_id("infobip")) +
                   ",\"from\":" + json_string(c.e164.substr(1)) +
                   ",\"to\":\"40404\",\"text\":" + json_string(text_of(c, index_of(&c))) +
                   ",\"receivedAt\":\"2026-11-29T04:01:12.000+0000\",\"smsCount\":1}";
      }
      const RawResponse r = client.post(
          "/v1/infobip/sms/" + std::string(kInfobipSecret),
          "{\"results\":[" + results + "],\"messageCount\":10,\"pendingMessageCount\":0}",
          "application/json");
      EXPECT_EQ(r.status, 200) << r.body;
    }
    numbers_per_route["infobip (batches of 10)"] += batch_canaries.size();
  }
  // Africa's Talking SMS: the reply goes out through the outbox to the fake carrier.
  for (const Canary* c : take(140)) {
    const RawResponse r = client.post("/v1/africastalking/sms/" + std::string(kAtSecret),
                                      form({{"linkId", "SampleLinkId123"},
                                            {"text", text_of(*c, index_of(c))},
                                            {"to", "40404"},
                                            {"id", message_id("at")},
                                            {"date", "2026-11-29 04:02:33"},
                                            {"networkCode", "70401"},
                                            {"from", c->e164}}),
                                      "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    outbox_numbers.insert(c->e164);
    ++numbers_per_route["africastalking SMS"];
  }
  // Generic JSON SMS: HMAC-SHA256 over timestamp "." body.
  for (const Canary* c : take(100)) {
    const std::string body = "{\"id\":" + json_string(message_id("generic")) +
                             ",\"from\":" + json_string(c->e164) +
                             ",\"to\":\"40404\",\"text\":" + json_string(text_of(*c, index_of(c))) +
                             ",\"network\":\"704001\"}";
    const std::string ts = now_seconds();
    const RawResponse r = client.post(
        "/v1/generic/sms", body, "application/json",
        {{"X-Ventanilla-Timestamp", ts},
         {"X-Ventanilla-Signature", carriers::generic_json_signature(kGenericSecret, ts, body)}});
    EXPECT_EQ(r.status, 200) << r.body;
    ++numbers_per_route["generic SMS"];
  }
  fetch_metrics();

  // Africa's Talking USSD.
  auto at_ussd = [&](const std::string& session, const Canary& c) {
    const std::string network = town_case(c.country).network;
    return UssdCaller([&client, session, phone = c.e164, network](const std::string& input) {
      const RawResponse r = client.post("/v1/africastalking/ussd",
                                        form({{"sessionId", session},
                                              {"serviceCode", "*123#"},
                                              {"phoneNumber", phone},
                                              {"networkCode", network},
                                              {"text", input}}),
                                        "application/x-www-form-urlencoded");
      EXPECT_EQ(r.status, 200) << r.body;
      return r.body.size() >= 4 ? r.body.substr(4) : r.body;  // without "CON "/"END "
    });
  };
  // Walks to "send me this by SMS": the SMS goes through the outbox to the fake carrier.
  for (const Canary* c : take(60)) {
    const TownCase town = town_case(c->country);
    UssdCaller caller = at_ussd("ATUid_priv_sms_" + std::to_string(index_of(c)), *c);
    ASSERT_TRUE(walk_to_town_prompt(caller)) << caller.screen();
    caller.press(town.typed);
    ASSERT_TRUE(caller.choose(town.listed));
    caller.press("1");  // the nearest hub
    ASSERT_TRUE(caller.choose("Enviarme esto por SMS"));
    outbox_numbers.insert(c->e164);
    ++numbers_per_route["africastalking USSD, SMS asked"];
  }
  // Walks that type a canary word as the town and hang up there.
  for (const Canary* c : take(60)) {
    UssdCaller caller = at_ussd("ATUid_priv_town_" + std::to_string(index_of(c)), *c);
    ASSERT_TRUE(walk_to_town_prompt(caller)) << caller.screen();
    caller.press(c->marker);
    typed_markers.insert(index_of(c));
    ++numbers_per_route["africastalking USSD, town typed"];
  }
  // The generic USSD route: the same, as signed JSON.
  for (const Canary* c : take(80)) {
    const std::string session = "gu-priv-" + std::to_string(index_of(c));
    UssdCaller caller([&client, session, phone = c->e164](const std::string& input) {
      const std::string body = "{\"session\":" + json_string(session) +
                               ",\"from\":" + json_string(phone) +
                               ",\"service_code\":\"*123#\",\"input\":" + json_string(input) +
                               ",\"network\":\"704001\"}";
      const std::string ts = now_seconds();
      const RawResponse r = client.post(
          "/v1/generic/ussd", body, "application/json",
          {{"X-Ventanilla-Timestamp", ts},
           {"X-Ventanilla-Signature", carriers::generic_json_signature(kGenericSecret, ts, body)}});
      EXPECT_EQ(r.status, 200) << r.body;
      boost::system::error_code ec;
      const auto doc = boost::json::parse(r.body, ec);
      if (ec || !doc.is_object() || !doc.as_object().contains("reply")) return std::string();
      return std::string(doc.as_object().at("reply").as_string());
    });
    ASSERT_TRUE(walk_to_town_prompt(caller)) << caller.screen();
    caller.press(c->marker);
    typed_markers.insert(index_of(c));
    ++numbers_per_route["generic USSD, town typed"];
  }
  ASSERT_EQ(next, kCanaries) << "every canary was sent";

  // --- The outbox drains; every message sent gets a delivery report ----------------------------
  const std::string pending_sql =
      "SELECT count(*) FROM outbox WHERE route = 'africastalking' AND status NOT IN ('sent', "
      "'failed')";
  for (const auto deadline = Clock::now() + 20s;
       Clock::now() < deadline && query_int(db, pending_sql) != 0;)
    server.log_lines(50ms);
  EXPECT_EQ(query_int(db, pending_sql), 0) << "the outbox did not drain";
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM outbox WHERE route = 'africastalking' AND "
                      "length(destination_sealed) > 0"),
            0)
      << "a sent message kept its sealed number";
  const auto sent_calls = carrier.requests();
  std::set<std::string> reached;
  for (std::size_t i = 0; i < sent_calls.size(); ++i) {
    const std::string to = form_field(sent_calls[i].body, "to");
    reached.insert(to);
    const RawResponse r = client.post("/v1/africastalking/status/" + std::string(kAtSecret),
                                      form({{"id", "ATXpriv" + std::to_string(i + 1)},
                                            {"status", "Success"},
                                            {"phoneNumber", to},
                                            {"networkCode", "70401"},
                                            {"retryCount", "0"}}),
                                      "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
  }
  for (const auto& number : outbox_numbers)
    EXPECT_TRUE(reached.contains(number)) << "no SMS reached the carrier for a canary number";
  // Not vacuous for numbers either: the scanner finds every one of them where they belong, in the
  // calls the carrier received (form-encoded, "%2B502...").
  {
    std::string calls;
    for (const auto& call : sent_calls) calls += call.target + "\n" + call.body + "\n";
    EXPECT_EQ(scanner.scan(calls).numbers.size(), outbox_numbers.size());
  }
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM outbox WHERE route = 'africastalking' AND "
                      "delivery_status = 'delivered'"),
            static_cast<std::int64_t>(sent_calls.size()));
  fetch_metrics();

  // --- Scans
  // --------------------------------------------------------------------------------------
  std::vector<PlaceScan> report;
  auto scan = [&](std::string place, const std::string& bytes) -> const PlaceScan& {
    report.push_back({std::move(place), bytes.size(), scanner.scan(bytes)});
    return report.back();
  };
  // Words the design may keep on disk before the purge (see the top of the file).
  // One failure per place, naming the tables of the first few words (a lookup per word is slow).
  auto words_in_tables = [&](const std::vector<std::size_t>& words) {
    std::string out;
    for (std::size_t k = 0; k < words.size() && k < 3; ++k)
      out += "\n  " + canaries[words[k]].marker + " in " +
             tables_holding(db, canaries[words[k]].marker);
    return out;
  };
  auto only_allowed_words = [&](const PlaceScan& p) {
    std::vector<std::size_t> unexpected;
    for (const std::size_t m : p.found.markers) {
      if (!typed_markers.contains(m) && !parts_markers.contains(m)) unexpected.push_back(m);
    }
    EXPECT_TRUE(unexpected.empty())
        << unexpected.size() << " message words on disk outside session state and SMS parts:"
        << words_in_tables(unexpected) << "\n"
        << describe(p);
  };
  auto expect_clean = [&](const PlaceScan& p) {
    EXPECT_TRUE(p.found.numbers.empty()) << describe(p);
    EXPECT_TRUE(p.found.markers.empty()) << describe(p);
  };

  // While the server runs: the WAL is at its largest.
  for (const auto& [name, bytes] : files_under(dir.path())) {
    const PlaceScan& p = scan("running: " + name, bytes);
    EXPECT_TRUE(p.found.numbers.empty()) << "a number on disk: " << describe(p);
    only_allowed_words(p);
  }
  expect_clean(scan("HTTP responses", client.responses()));
  expect_clean(scan("/metrics pages", metrics_pages));

  server.process().kill(SIGTERM);
  const auto stopped = server.process().wait_for(20s);
  ASSERT_TRUE(stopped) << "serve did not stop on SIGTERM";
  EXPECT_TRUE(stopped->success()) << stopped->describe();
  std::string log;
  for (const auto& line : server.log_lines(200ms)) log += line + "\n";
  ASSERT_NE(log.find("route=sms_twilio status=200"), std::string::npos) << "the access log is on";
  expect_clean(scan("log (stderr+stdout, trace, access log)", log));

  // After SIGTERM (checkpointed): the words the design keeps are there, and nothing else.
  std::set<std::size_t> stored_markers;
  for (const auto& [name, bytes] : files_under(dir.path())) {
    const PlaceScan& p = scan("stopped: " + name, bytes);
    EXPECT_TRUE(p.found.numbers.empty()) << "a number on disk: " << describe(p);
    only_allowed_words(p);
    stored_markers.insert(p.found.markers.begin(), p.found.markers.end());
  }
  // Not vacuous: the scan finds what the design does store — every waiting SMS part, and the
  // towns typed in sessions that have not been purged yet.
  for (const std::size_t m : parts_markers)
    EXPECT_TRUE(stored_markers.contains(m)) << "sms part not found by the scan";
  for (const std::size_t m : typed_markers)
    EXPECT_TRUE(stored_markers.contains(m)) << "typed town not found by the scan";

  // --- The retention purge, the clock shifted past every retention ------------------------------
  ASSERT_TRUE(fs::exists(kFaketime)) << kFaketime << " is missing: install the Debian package "
                                     << "faketime (the purge runs with a shifted clock)";
  SpawnOptions purge_options;
  purge_options.args = {std::string(kClockShift),
                        VENTANILLA_BINARY,
                        "purge",
                        "--config",
                        config_path,
                        "--db",
                        db,
                        "--set",
                        "privacy.key_file=" + dir.file("secret.key")};
  purge_options.capture_stdout = true;
  purge_options.capture_stderr = true;
  // libfaketime is preloaded ahead of the ASan runtime: tell ASan (asan preset) that is fine.
  const char* asan = std::getenv("ASAN_OPTIONS");
  purge_options.env = {{"ASAN_OPTIONS", (asan != nullptr && *asan != '\0' ? std::string(asan) + ":"
                                                                          : std::string()) +
                                            "verify_asan_link_order=0"}};
  auto purge = ChildProcess::spawn(std::string(kFaketime), purge_options);
  std::string purge_out;
  for (const auto& line : purge.out().read_lines_until_eof(30s)) purge_out += line + "\n";
  for (const auto& line : purge.err().read_lines_until_eof(5s)) purge_out += line + "\n";
  const auto purged = purge.wait_for(10s);
  ASSERT_TRUE(purged) << "purge did not finish:\n" << purge_out;
  ASSERT_TRUE(purged->success()) << purged->describe() << "\n" << purge_out;
  EXPECT_NE(purge_out.find("sessions: "), std::string::npos) << purge_out;
  EXPECT_EQ(purge_out.find("sessions: 0 deleted"), std::string::npos)
      << "the shifted clock expired no session:\n"
      << purge_out;
  expect_clean(scan("purge output", purge_out));
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM sessions"), 0);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM sms_parts"), 0);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM outbox WHERE route = 'africastalking'"), 0)
      << "sent messages outlived their retention";
  // Replies of routes without a sender (Vonage, Infobip here) stay queued, their numbers sealed:
  // ciphertext, which the byte scan cannot and need not find; counted for the report.
  const std::int64_t queued_left = query_int(db, "SELECT count(*) FROM outbox");
  const std::int64_t sealed_left =
      query_int(db, "SELECT count(*) FROM outbox WHERE length(destination_sealed) > 0");

  for (const auto& [name, bytes] : files_under(dir.path())) {
    const PlaceScan& p = scan("purged: " + name, bytes);
    EXPECT_TRUE(p.found.numbers.empty()) << describe(p);
    const std::vector<std::size_t> left(p.found.markers.begin(), p.found.markers.end());
    EXPECT_TRUE(left.empty()) << left.size()
                              << " words left after the purge:" << words_in_tables(left) << "\n"
                              << describe(p);
  }

  // The figures.
  std::cout << "[ privacy ] " << kCanaries << " canaries (" << colliding
            << " candidates dropped: in the fresh files), " << client.requests() << " requests, "
            << sent_calls.size() << " SMS sent through the outbox\n";
  for (const auto& [route, n] : numbers_per_route)
    std::cout << "[ privacy ]   " << route << ": " << n << " numbers\n";
  for (const auto& p : report) {
    std::cout << "[ privacy ] " << p.place << ": " << p.bytes << " bytes, "
              << p.found.numbers.size() << " numbers, " << p.found.markers.size() << " words ("
              << p.found.excused << " digit matches inside digests)\n";
  }
  std::cout << "[ privacy ] outbox rows left after the purge: " << queued_left << " ("
            << sealed_left << " with a sealed number: queued on routes without a sender)\n";
  std::cout << purge_out;
}

}  // namespace
}  // namespace ventanilla::test
