// Hostile clients against the real `ventanilla serve` with every carrier route switched on
// (issue #8 "Prove it", reliability.md §8 D1-D4):
//
// 1. A corpus of malformed requests — generated from per-route tables (each required field
//    missing, each field given twice, bad %-escapes, invalid UTF-8, overlong ids, JSON nested
//    10,000 deep, wrong Content-Type, bad signatures and capability secrets, oversize and unframed
//    bodies, HTTP limits) plus the hand-written framing gaps of Beast 1.81 in
//    tests/fixtures/hostile/framing_gaps.cases — each sent on a fresh connection and answered
//    with its exact status (and, for carrier payload errors, a body naming the field), while a
//    canary walks complete Africa's Talking USSD sessions (CON ... END) and never fails. The
//    server's RSS after five more passes stays within 5 MiB of what it was after a warm-up pass.
// 2. slowhttptest (Debian package `slowhttptest`) slow headers, slow body and slow read: the
//    canary keeps succeeding, legitimate latency stays bounded, and the server cuts the slow
//    connections at its deadlines.
// 3. A connection flood past limits.max_connections: 503 for the extra ones, and service back
//    within 5 s after the flood ends.
//
// One server for the file (start-up imports the gazetteer, the canary needs the menus).

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "carriers/form_body.hpp"
#include "carriers/generic_json.hpp"
#include "carriers/twilio.hpp"
#include "carriers/vonage.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTwilioToken = "hostile-twilio-token-3c9e1b7a";
constexpr std::string_view kVonageSecret = "hostile-vonage-secret-8d2f";
constexpr std::string_view kKannelSecret = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
constexpr std::string_view kInfobipSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr std::string_view kAtSmsSecret = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
constexpr std::string_view kGenericSecret = "vtn_hostile_generic_4f7a2c9e";

// Short deadlines so slow clients are cut within a test's time budget; a connection limit the
// flood test can exceed without exhausting descriptors, and that slowhttptest's connections fit.
constexpr int kDeadlineMs = 2000;
constexpr int kMaxConnections = 300;
constexpr std::size_t kWebhookCap = 16 * 1024;  // limits.webhook_body_bytes default

// --- The server -------------------------------------------------------------------------------

struct SharedServer {
  TempDir dir{"ventanilla-hostile"};
  std::unique_ptr<ServeProcess> server;
  std::string start_error;

  SharedServer() {
    try {
      ServeOptions options{.seed_directory = true};
      const std::string deadline = std::to_string(kDeadlineMs);
      options.extra_args = {"--set", "limits.header_timeout_ms=" + deadline,
                            "--set", "limits.body_timeout_ms=" + deadline,
                            "--set", "limits.idle_timeout_ms=" + deadline,
                            "--set", "limits.write_timeout_ms=" + deadline,
                            "--set", "limits.max_connections=" + std::to_string(kMaxConnections)};
      options.env = {{"VENTANILLA_TWILIO_AUTH_TOKEN", std::string(kTwilioToken)},
                     {"VENTANILLA_VONAGE_SIGNATURE_SECRET", std::string(kVonageSecret)},
                     {"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)},
                     {"VENTANILLA_INFOBIP_SECRET", std::string(kInfobipSecret)},
                     {"VENTANILLA_AT_SMS_SECRET", std::string(kAtSmsSecret)},
                     {"VENTANILLA_GENERIC_SECRET", std::string(kGenericSecret)}};
      // Under AddressSanitizer freed memory sits in a quarantine (256 MiB by default) instead of
      // being reused, so RSS grows with every request whatever the server does; without it the
      // memory check measures the server, as in a plain build (where the option is ignored).
      const char* asan = std::getenv("ASAN_OPTIONS");
      options.env["ASAN_OPTIONS"] =
          (asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : std::string()) +
          "quarantine_size_mb=0";
      server = std::make_unique<ServeProcess>(dir, std::move(options));
      // Every refused request logs a warning: thousands of them fill the stderr pipe unless it is
      // read all along, and a server blocked on a full pipe answers nobody.
      log_drain = std::thread([this] {
        while (!stop_drain) server->log_lines(100ms);
      });
    } catch (const std::exception& e) {
      start_error = e.what();
    }
  }
  ~SharedServer() {
    stop_drain = true;
    if (log_drain.joinable()) log_drain.join();
  }
  SharedServer(const SharedServer&) = delete;
  SharedServer& operator=(const SharedServer&) = delete;

  std::atomic<bool> stop_drain{false};
  std::thread log_drain;
};

SharedServer& shared() {
  static SharedServer s;
  return s;
}
std::uint16_t port() { return shared().server->port(); }
std::string host_header() { return "Host: 127.0.0.1:" + std::to_string(port()) + "\r\n"; }

// Resident set of the server, from /proc/<pid>/status (VmRSS, kB).
std::int64_t server_rss_kib() {
  std::ifstream status("/proc/" + std::to_string(shared().server->process().pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// One gauge or counter value from /metrics (the line that starts with `series`).
std::optional<double> metric(std::string_view series) {
  auto r = round_trip(port(), get_request("/metrics"), 5s);
  if (!r || r->status != 200) return std::nullopt;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.rfind(series, 0) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// --- Encoding helpers -------------------------------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string form(const Fields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) carriers::append_form_field(out, name, value);
  return out;
}

// Every name=value pair of a form, decoded, repeats kept (what Twilio and Vonage sign); empty when
// an escape is malformed — the server refuses those before it looks at a signature.
Fields signed_pairs(std::string_view body) {
  Fields out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = carriers::form_decode(pair.substr(0, eq));
    auto value = carriers::form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) return {};
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// A JSON object written member by member, so tests can repeat keys and put raw bytes in values.
std::string json_object(const Fields& members) {
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (out.size() > 1) out += ',';
    out += json_string(name) + ":" + value;  // value: already JSON
  }
  return out + "}";
}

std::string now_seconds() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

std::string post(std::string_view target, std::string_view body, std::string_view content_type,
                 std::string_view extra_headers = {}) {
  std::string r = "POST " + std::string(target) + " HTTP/1.1\r\n" + host_header();
  if (!content_type.empty()) r += "Content-Type: " + std::string(content_type) + "\r\n";
  r += std::string(extra_headers);
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return r + std::string(body);
}

// --- The corpus -------------------------------------------------------------------------------

struct Case {
  std::string name;
  std::string reason;
  std::string request;
  int status = 0;
  std::string body_names;  // the 400 body must contain this ("" = not checked)
  std::string allow;       // a 405 must carry this Allow header ("" = not checked)
};

// How a route turns a body into a request: framing, Content-Type and signature.
struct Route {
  std::string name;
  std::string target;  // with the capability secret where the route has one
  std::string content_type;
  // "form" bodies are signed per carrier; see wire().
  enum class Signing { kNone, kTwilio, kVonage, kGeneric } signing = Signing::kNone;
  std::string allow;

  std::string wire(std::string body, std::string_view content_type_override = {},
                   std::string_view extra_headers = {}) const {
    std::string headers(extra_headers);
    switch (signing) {
      case Signing::kNone:
        break;
      case Signing::kTwilio:
        headers += "X-Twilio-Signature: " +
                   carriers::twilio_signature("http://127.0.0.1:" + std::to_string(port()) + target,
                                              signed_pairs(body), kTwilioToken) +
                   "\r\n";
        break;
      case Signing::kVonage:
        body = "sig=" +
               carriers::vonage_signature(signed_pairs(body), kVonageSecret,
                                          carriers::VonageSignatureMethod::kMd5Hash) +
               "&" + body;
        break;
      case Signing::kGeneric: {
        const std::string ts = now_seconds();
        headers += "X-Ventanilla-Timestamp: " + ts + "\r\nX-Ventanilla-Signature: " +
                   carriers::generic_json_signature(kGenericSecret, ts, body) + "\r\n";
        break;
      }
    }
    return post(
        target, body,
        content_type_override.empty() ? std::string_view(content_type) : content_type_override,
        headers);
  }
};

// A field of a valid payload: its name, its valid value and what the 400 names when it is absent
// ("" = optional: its absence is not malformed, so no case is made).
struct FieldSpec {
  std::string name;
  std::string value;
  std::string missing_names;
};

// One form route: its fields in order; which field carries free text (invalid UTF-8 must be
// refused naming it) and which carries an id (overlong must be refused naming it).
struct FormRoute {
  Route route;
  std::vector<FieldSpec> fields;
  std::string text_field;
  std::string id_field;
  std::string id_names;            // what the 400 for an overlong id names
  bool escapes_name_field = true;  // the %-escape error names the field (Twilio: "form")
};

Fields values_of(const std::vector<FieldSpec>& specs) {
  Fields out;
  for (const auto& f : specs) out.emplace_back(f.name, f.value);
  return out;
}

Fields without_field(const Fields& fields, std::string_view name) {
  Fields out;
  for (const auto& f : fields)
    if (f.first != name) out.push_back(f);
  return out;
}

std::string unique(std::string_view prefix) {
  static std::atomic<int> n{0};
  return std::string(prefix) + std::to_string(++n);
}

// Malformed bodies for one form route. The bodies are signed where the carrier signs, so what is
// tested is the payload check, not the signature check.
void add_form_cases(const FormRoute& fr, std::vector<Case>& out) {
  const Route& r = fr.route;
  const std::string& n = r.name;
  const Fields valid = values_of(fr.fields);
  for (std::size_t i = 0; i < fr.fields.size(); ++i) {
    const FieldSpec& f = fr.fields[i];
    if (!f.missing_names.empty()) {
      Fields without = valid;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back({n + "_missing_" + f.name, "a required field is absent", r.wire(form(without)),
                     400, f.missing_names, ""});
      Fields empty = valid;
      empty[i].second.clear();
      if (f.name != fr.text_field) {
        out.push_back({n + "_empty_" + f.name, "a required field is present but empty",
                       r.wire(form(empty)), 400, f.missing_names, ""});
      }
    }
    Fields twice = valid;
    twice.emplace_back(f.name, f.value);
    out.push_back({n + "_twice_" + f.name, "a field given twice is refused, not guessed",
                   r.wire(form(twice)), 400, f.name + ": given twice", ""});
    std::string bad_escape = form(valid);
    const std::string key = f.name + "=";
    const auto at = bad_escape.find(key) + key.size();
    bad_escape.insert(at, "%G1");
    out.push_back(
        {n + "_bad_escape_" + f.name, "a malformed %-escape", r.wire(bad_escape), 400,
         fr.escapes_name_field ? "field " + f.name + ": malformed %-escape" : "malformed %-escape",
         ""});
    std::string cut_escape = form(without_field(valid, f.name));
    carriers::append_form_field(cut_escape, "z", "");
    cut_escape += "&" + f.name + "=%4";
    out.push_back(
        {n + "_cut_escape_" + f.name, "a %-escape cut short at the end of the body",
         r.wire(cut_escape), 400,
         fr.escapes_name_field ? "field " + f.name + ": malformed %-escape" : "malformed %-escape",
         ""});
  }
  // Invalid UTF-8 in the text: a lone continuation byte, an overlong '/', a surrogate, a byte
  // that never occurs, a sequence cut short.
  const std::vector<std::pair<std::string, std::string>> bad_utf8 = {
      {"lone_continuation", "\x80"}, {"overlong_slash", "\xC0\xAF"},
      {"surrogate", "\xED\xA0\x80"}, {"byte_ff", "\xFF"},
      {"cut_sequence", "\xE2\x82"},  {"above_10ffff", "\xF4\x90\x80\x80"}};
  for (const auto& [label, bytes] : bad_utf8) {
    Fields latin = valid;
    for (auto& [name, value] : latin)
      if (name == fr.text_field) value = "1" + bytes;
    out.push_back({n + "_utf8_" + label, "text that is not UTF-8 is refused naming the field",
                   r.wire(form(latin)), 400, fr.text_field + ": not valid UTF-8", ""});
  }
  if (!fr.id_field.empty()) {
    Fields long_id = valid;
    for (auto& [name, value] : long_id)
      if (name == fr.id_field) value = std::string(300, 'i');
    out.push_back({n + "_overlong_" + fr.id_field, "an id past its bound", r.wire(form(long_id)),
                   400, fr.id_names, ""});
    Fields spaced_id = valid;
    for (auto& [name, value] : spaced_id)
      if (name == fr.id_field) value = "id with\nnewline";
    out.push_back({n + "_control_in_" + fr.id_field, "an id with a control byte",
                   r.wire(form(spaced_id)), 400, fr.id_names, ""});
  }
  Fields flood;
  for (int i = 0; i < 70; ++i) flood.emplace_back("f" + std::to_string(i), "x");
  out.push_back({n + "_70_fields", "more fields than any carrier sends", r.wire(form(flood)), 400,
                 "more than 64 fields", ""});
  out.push_back(
      {n + "_field_without_name", "a pair with no name", r.wire("=x&" + form(valid)), 400, "", ""});
}

// Framing, size, method and Content-Type cases every webhook route shares.
void add_envelope_cases(const Route& r, std::string_view valid_body, std::vector<Case>& out) {
  const std::string& n = r.name;
  std::string big(valid_body);
  big += std::string(kWebhookCap + 100 - valid_body.size(), ' ');
  out.push_back({n + "_body_over_webhook_cap", "limits.webhook_body_bytes, before the body is read",
                 r.wire(big), 413, "", ""});
  out.push_back(
      {n + "_declared_1GiB", "a Content-Length far past the cap, no body sent",
       "POST " + r.target + " HTTP/1.1\r\n" + host_header() + "Content-Length: 1073741824\r\n\r\n",
       413, "", ""});
  out.push_back({n + "_chunked", "reliability.md §5: carrier routes require Content-Length (411)",
                 "POST " + r.target + " HTTP/1.1\r\n" + host_header() +
                     "Content-Type: " + r.content_type + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     [&] {
                       char size[32];
                       std::snprintf(size, sizeof size, "%zx", valid_body.size());
                       return std::string(size) + "\r\n" + std::string(valid_body) +
                              "\r\n0\r\n\r\n";
                     }(),
                 411, "", ""});
  out.push_back({n + "_no_length", "a POST with neither Content-Length nor chunked (411)",
                 "POST " + r.target + " HTTP/1.1\r\n" + host_header() +
                     "Content-Type: " + r.content_type + "\r\nConnection: close\r\n\r\n",
                 411, "", ""});
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    out.push_back({n + "_method_" + method, "not a method this route serves",
                   std::string(method) + " " + r.target + " HTTP/1.1\r\n" + host_header() +
                       "Content-Length: 0\r\n\r\n",
                   405, "", r.allow});
  }
}

// --- Per-route tables -------------------------------------------------------------------------

Route at_ussd_route() {
  return {"at_ussd", "/v1/africastalking/ussd", "application/x-www-form-urlencoded",
          Route::Signing::kNone, "POST"};
}

FormRoute at_ussd() {
  return {at_ussd_route(),
          {{"sessionId", "ATUid_hostile", "sessionId: missing"},
           {"serviceCode", "*123#", ""},
           {"phoneNumber", "+50255512345", "phoneNumber: missing"},
           {"networkCode", "704001", ""},
           {"text", "1", "text: missing"}},
          "text",
          "sessionId",
          "sessionId: not a printable id",
          true};
}

FormRoute twilio() {
  return {{"twilio", "/v1/twilio/sms", "application/x-www-form-urlencoded", Route::Signing::kTwilio,
           "POST"},
          {{"MessageSid", "SMhostile0001", "MessageSid: missing"},
           {"AccountSid", "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7", ""},
           {"To", "+15005550006", ""},
           {"Body", "hola", ""},
           {"From", "+50255512346", "From: missing"}},
          "Body",
          "MessageSid",
          "MessageSid: not a printable id",
          false};
}

FormRoute vonage() {
  return {{"vonage", "/v1/vonage/sms", "application/x-www-form-urlencoded", Route::Signing::kVonage,
           "POST, GET"},
          {{"msisdn", "50255512347", "msisdn: missing"},
           {"to", "15005550006", ""},
           {"messageId", "vonage-hostile-1", "messageId: missing"},
           {"text", "hola", "text: missing"},
           {"type", "text", ""},  // absent: read as "text"
           {"timestamp", now_seconds(), ""},
           {"nonce", "nonce-hostile", ""}},
          "text",
          "messageId",
          "messageId: not a printable id",
          true};
}

FormRoute at_sms() {
  return {{"at_sms", "/v1/africastalking/sms/" + std::string(kAtSmsSecret),
           "application/x-www-form-urlencoded", Route::Signing::kNone, "POST"},
          {{"from", "+50255512348", "from: missing"},
           {"to", "40404", ""},
           {"text", "hola", ""},
           {"id", "at-hostile-1", "id: missing"},
           {"date", "2026-11-29 04:02:33", ""},
           {"networkCode", "70401", ""}},
          "text",
          "id",
          "id: not a printable id",
          true};
}

// Kannel get-url: the fields are the query of a GET.
void add_kannel_get_cases(std::vector<Case>& out) {
  const std::string base = "/v1/kannel/sms/" + std::string(kKannelSecret) + "?";
  const Fields valid = {{"from", "50255512349"},    {"to", "12345"}, {"text", "hola"},
                        {"id", "kannel-hostile-1"}, {"coding", "0"}, {"charset", "UTF-8"}};
  auto get = [&](const std::string& query) { return get_request(base + query); };
  for (const auto& [name, names] : std::vector<std::pair<std::string, std::string>>{
           {"from", "from: missing"}, {"text", "text: missing"}}) {
    out.push_back({"kannel_missing_" + name, "a required query field is absent",
                   get(form(without_field(valid, name))), 400, names, ""});
  }
  for (const auto& [name, value] : valid) {
    Fields twice = valid;
    twice.emplace_back(name, value);
    out.push_back({"kannel_twice_" + name, "a query field given twice", get(form(twice)), 400,
                   name + ": given twice", ""});
    std::string bad = form(valid);
    bad.insert(bad.find(name + "=") + name.size() + 1, "%zz");
    out.push_back({"kannel_bad_escape_" + name, "a malformed %-escape in the query", get(bad), 400,
                   "field " + name + ": malformed %-escape", ""});
  }
  Fields latin = valid;
  latin[2].second = "caf\xE9";  // Latin-1 under a UTF-8 label
  out.push_back({"kannel_utf8_latin1", "Latin-1 text labelled UTF-8", get(form(latin)), 400,
                 "text: not valid UTF-8", ""});
  Fields binary = without_field(valid, "charset");
  binary[4].second = "1";
  out.push_back({"kannel_coding_binary", "an 8-bit binary message", get(form(binary)), 400,
                 "coding: binary messages are not supported", ""});
  Fields charset = valid;
  charset[5].second = "EBCDIC";
  out.push_back({"kannel_charset_unknown", "a charset Kannel never sends", get(form(charset)), 400,
                 "charset: not supported", ""});
  out.push_back(
      {"kannel_wrong_secret", "a capability secret one character off",
       get_request("/v1/kannel/sms/" + std::string(kKannelSecret.substr(1)) + "0?" + form(valid)),
       404, "", ""});
  out.push_back({"kannel_no_secret", "the route prefix without a secret",
                 get_request("/v1/kannel/sms/?" + form(valid)), 404, "", ""});
  out.push_back({"kannel_secret_escaped", "the secret %-encoded is not the secret",
                 get_request("/v1/kannel/sms/%" + std::string("61") +
                             std::string(kKannelSecret.substr(1)) + "?" + form(valid)),
                 404, "", ""});
  // post-url: the text is the body, the sender a header.
  const Route kannel_post{"kannel_post",
                          "/v1/kannel/sms/" + std::string(kKannelSecret) + "?id=kannel-hostile-2",
                          "text/plain; charset=UTF-8", Route::Signing::kNone, "POST, GET"};
  out.push_back({"kannel_post_no_sender", "post-url without X-Kannel-From",
                 kannel_post.wire("hola"), 400, "X-Kannel-From: missing", ""});
  out.push_back({"kannel_post_latin1", "post-url body not UTF-8",
                 kannel_post.wire("caf\xE9", {}, "X-Kannel-From: 50255512350\r\n"), 400,
                 "text: not valid UTF-8", ""});
  out.push_back(
      {"kannel_post_octet_stream", "post-url binary body",
       kannel_post.wire("\x01\x02", "application/octet-stream", "X-Kannel-From: 50255512350\r\n"),
       400, "coding: binary messages are not supported", ""});
  add_envelope_cases(kannel_post, "hola", out);
}

// JSON routes: the payload as members, so keys can be dropped, repeated or given bad values.
struct JsonRoute {
  Route route;
  std::vector<FieldSpec> members;  // value: JSON text
  std::string text_member;         // a string member whose bytes are checked
  // Wraps the object (Infobip: inside results[]); the identity for the generic routes.
  std::string (*wrap)(const std::string& object);
  std::string missing_prefix;  // "results[0]." for Infobip
};

std::string as_is(const std::string& object) { return object; }
std::string infobip_batch(const std::string& object) {
  return "{\"results\":[" + object + "],\"messageCount\":1,\"pendingMessageCount\":0}";
}

Fields json_members(const std::vector<FieldSpec>& specs) {
  Fields out;
  for (const auto& f : specs) out.emplace_back(f.name, f.value);
  return out;
}

void add_json_cases(const JsonRoute& jr, std::vector<Case>& out) {
  const Route& r = jr.route;
  const std::string& n = r.name;
  const Fields valid = json_members(jr.members);
  auto body = [&](const Fields& members) { return jr.wrap(json_object(members)); };
  for (std::size_t i = 0; i < jr.members.size(); ++i) {
    const FieldSpec& f = jr.members[i];
    if (!f.missing_names.empty()) {
      Fields without = valid;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back({n + "_missing_" + f.name, "a required member is absent", r.wire(body(without)),
                     400, f.missing_names, ""});
      Fields number = valid;
      number[i].second = "12345";
      out.push_back({n + "_number_" + f.name, "a string member given as a number",
                     r.wire(body(number)), 400, jr.missing_prefix + f.name, ""});
      Fields null_value = valid;
      null_value[i].second = "null";
      out.push_back({n + "_null_" + f.name, "a required member that is null",
                     r.wire(body(null_value)), 400, jr.missing_prefix + f.name, ""});
    }
    // RFC 8259 §4: names SHOULD be unique; a repeat is refused like a repeated form field
    // (form_body.hpp: "a repeated field is an error naming the field, never a silent guess").
    Fields twice = valid;
    twice.emplace_back(f.name, f.value);
    out.push_back({n + "_twice_" + f.name, "a member given twice is refused, not guessed",
                   r.wire(body(twice)), 400, f.name, ""});
  }
  Fields latin = valid;
  for (auto& [name, value] : latin)
    if (name == jr.text_member) value = "\"caf\xE9\"";
  out.push_back({n + "_utf8_latin1", "a string that is not UTF-8", r.wire(body(latin)), 400,
                 "not valid JSON", ""});
  Fields bad_escape = valid;
  for (auto& [name, value] : bad_escape)
    if (name == jr.text_member) value = "\"\\u12\"";
  out.push_back({n + "_bad_unicode_escape", "a \\u escape cut short", r.wire(body(bad_escape)), 400,
                 "not valid JSON", ""});
  Fields control = valid;
  for (auto& [name, value] : control)
    if (name == jr.text_member) value = "\"a\nb\"";
  out.push_back({n + "_raw_newline_in_string", "a control byte inside a JSON string",
                 r.wire(body(control)), 400, "not valid JSON", ""});
  // reliability.md §5: boost::json max_depth 32. Nested 40 deep is valid JSON, refused for
  // depth; 10,000 deep unclosed is refused without recursing; 10,000 deep closed (20 KB) does not
  // fit the webhook cap and is refused before a byte of it is parsed.
  Fields nested = valid;
  nested.emplace_back("extra", std::string(40, '[') + std::string(40, ']'));
  out.push_back({n + "_nested_40", "valid JSON deeper than max_depth 32", r.wire(body(nested)), 400,
                 "not valid JSON", ""});
  Fields deep_objects = valid;
  std::string objects;
  for (int i = 0; i < 40; ++i) objects += "{\"a\":";
  deep_objects.emplace_back("extra", objects + "1" + std::string(40, '}'));
  out.push_back({n + "_nested_objects_40", "40 nested objects", r.wire(body(deep_objects)), 400,
                 "not valid JSON", ""});
  out.push_back({n + "_nested_10000_unclosed", "10,000 open arrays",
                 r.wire(std::string(10000, '[')), 400, "not valid JSON", ""});
  out.push_back({n + "_nested_10000_closed", "10,000 deep and closed: over the webhook cap",
                 r.wire(std::string(10000, '[') + std::string(10000, ']')), 413, "", ""});
  const std::string whole = body(valid);
  out.push_back({n + "_truncated", "the object cut in half",
                 r.wire(whole.substr(0, whole.size() / 2)), 400, "not valid JSON", ""});
  out.push_back({n + "_trailing_garbage", "a second value after the object", r.wire(whole + "{}"),
                 400, "not valid JSON", ""});
  out.push_back({n + "_array", "an array, not an object", r.wire("[" + whole + "]"), 400,
                 "not a JSON object", ""});
  out.push_back({n + "_empty_body", "no body at all", r.wire(""), 400, "not valid JSON", ""});
  out.push_back({n + "_form_body", "a form body on a JSON route", r.wire("from=1&text=2"), 400,
                 "not valid JSON", ""});
  out.push_back({n + "_nul_byte", "a NUL byte in the body",
                 r.wire(std::string("{\"id\":\"a\0b\"}", 12)), 400, "not valid JSON", ""});
  out.push_back({n + "_comment", "JSON has no comments", r.wire("/* hi */" + whole), 400,
                 "not valid JSON", ""});
  add_envelope_cases(r, whole, out);
}

JsonRoute infobip() {
  return {{"infobip", "/v1/infobip/sms/" + std::string(kInfobipSecret), "application/json",
           Route::Signing::kNone, "POST"},
          {{"messageId", "\"infobip-hostile-1\"", "results[0].messageId: missing"},
           {"from", "\"50255512351\"", "results[0].from: missing"},
           {"to", "\"40404\"", "results[0].to: missing"},
           {"text", "\"hola\"", ""},
           {"receivedAt", "\"2026-11-29T04:01:12.000+0000\"", ""}},
          "text",
          infobip_batch,
          "results[0]."};
}

JsonRoute generic_sms() {
  return {{"generic_sms", "/v1/generic/sms", "application/json", Route::Signing::kGeneric, "POST"},
          {{"id", "\"generic-hostile-1\"", "id: missing"},
           {"from", "\"+50255512352\"", "from: missing"},
           {"to", "\"40404\"", "to: missing"},
           {"text", "\"hola\"", "text: missing"},
           {"network", "\"704001\"", ""}},
          "text",
          as_is,
          ""};
}

JsonRoute generic_ussd() {
  return {
      {"generic_ussd", "/v1/generic/ussd", "application/json", Route::Signing::kGeneric, "POST"},
      {{"session", "\"generic-ussd-hostile\"", "session: missing"},
       {"from", "\"+50255512353\"", "from: missing"},
       {"service_code", "\"*123#\"", ""},
       {"input", "\"\"", "input: missing"},
       {"network", "\"704001\"", ""}},
      "input",
      as_is,
      ""};
}

// Signatures and capability secrets (reliability.md §1): 403 for a bad signature, 404 for a
// wrong capability secret, never a hint which part was wrong.
void add_auth_cases(std::vector<Case>& out) {
  const FormRoute tw = twilio();
  const std::string tw_body = form(values_of(tw.fields));
  out.push_back({"twilio_unsigned", "no X-Twilio-Signature",
                 post(tw.route.target, tw_body, tw.route.content_type), 403, "", ""});
  out.push_back({"twilio_wrong_signature", "a signature by another token",
                 post(tw.route.target, tw_body, tw.route.content_type,
                      "X-Twilio-Signature: " +
                          carriers::twilio_signature(
                              "http://127.0.0.1:" + std::to_string(port()) + tw.route.target,
                              signed_pairs(tw_body), "not-the-token") +
                          "\r\n"),
                 403, "", ""});
  out.push_back(
      {"twilio_signature_garbage", "a signature that is not base64",
       post(tw.route.target, tw_body, tw.route.content_type, "X-Twilio-Signature: \xff\xfe!!\r\n"),
       403, "", ""});
  const FormRoute vo = vonage();
  out.push_back({"vonage_unsigned", "no sig field",
                 post(vo.route.target, form(values_of(vo.fields)), vo.route.content_type), 403, "",
                 ""});
  Fields stale = values_of(vo.fields);
  stale[5].second = std::to_string(std::stoll(now_seconds()) - 3600);
  out.push_back({"vonage_stale_timestamp", "reliability.md §1 rule 4: |now - timestamp| > 300 s",
                 vo.route.wire(form(stale)), 403, "", ""});
  const JsonRoute gs = generic_sms();
  const std::string gs_body = json_object(json_members(gs.members));
  out.push_back({"generic_unsigned", "no X-Ventanilla-Signature",
                 post(gs.route.target, gs_body, "application/json"), 403, "", ""});
  const std::string old_ts = std::to_string(std::stoll(now_seconds()) - 3600);
  out.push_back(
      {"generic_stale_timestamp", "a correct signature an hour old",
       post(gs.route.target, gs_body, "application/json",
            "X-Ventanilla-Timestamp: " + old_ts + "\r\nX-Ventanilla-Signature: " +
                carriers::generic_json_signature(kGenericSecret, old_ts, gs_body) + "\r\n"),
       403, "", ""});
  const std::string ts = now_seconds();
  out.push_back({"generic_body_changed_after_signing", "the signature covers the raw bytes",
                 post(gs.route.target, gs_body + " ", "application/json",
                      "X-Ventanilla-Timestamp: " + ts + "\r\nX-Ventanilla-Signature: " +
                          carriers::generic_json_signature(kGenericSecret, ts, gs_body) + "\r\n"),
                 403, "", ""});
  const JsonRoute gu = generic_ussd();
  out.push_back({"generic_ussd_unsigned", "no signature on the USSD variant",
                 post(gu.route.target, json_object(json_members(gu.members)), "application/json"),
                 403, "", ""});
  out.push_back({"infobip_wrong_secret", "a capability secret one character off",
                 post("/v1/infobip/sms/" + std::string(kInfobipSecret.substr(1)) + "x", "{}",
                      "application/json"),
                 404, "", ""});
  out.push_back({"at_sms_secret_in_query", "reliability.md §1 rule 6: the secret goes in the path",
                 post("/v1/africastalking/sms/?key=" + std::string(kAtSmsSecret), "from=1",
                      "application/x-www-form-urlencoded"),
                 404, "", ""});
  out.push_back({"at_sms_secret_prefix_only", "half the secret",
                 post("/v1/africastalking/sms/" + std::string(kAtSmsSecret.substr(0, 16)), "from=1",
                      "application/x-www-form-urlencoded"),
                 404, "", ""});
}

// HTTP limits and garbage against the real binary's routes.
void add_http_cases(std::vector<Case>& out) {
  const std::string ussd_body =
      "sessionId=h1&serviceCode=%2A123%23&phoneNumber=%2B50255512354&text=";
  auto many_headers = [](int n) {
    std::string h;
    for (int i = 0; i < n; ++i) h += "X-H" + std::to_string(i) + ": v\r\n";
    return h;
  };
  out.push_back({"http_header_9KiB", "limits.max_header_bytes",
                 post("/v1/africastalking/ussd", ussd_body, "application/x-www-form-urlencoded",
                      "X-Big: " + std::string(9000, 'a') + "\r\n"),
                 431, "", ""});
  out.push_back({"http_header_64KiB", "a head far past the buffer",
                 get_request("/healthz", "X-Big: " + std::string(64 * 1024, 'a') + "\r\n"), 431, "",
                 ""});
  out.push_back(
      {"http_many_small_headers_over_8KiB", "many fields adding up past 8 KiB",
       get_request("/healthz", many_headers(90) + "X-Pad: " + std::string(8000, 'p') + "\r\n"), 431,
       "", ""});
  out.push_back({"http_three_4KB_fields_in_one_write", "a 12 KB head whose fields are each < 8 KiB",
                 get_request("/healthz",
                             [] {
                               std::string h;
                               for (int i = 0; i < 3; ++i)
                                 h += "X-F" + std::to_string(i) + ": " + std::string(4000, 'f') +
                                      "\r\n";
                               return h;
                             }()),
                 431, "", ""});
  out.push_back({"http_101_headers", "limits.max_header_count",
                 post("/v1/africastalking/ussd", ussd_body, "application/x-www-form-urlencoded",
                      many_headers(101)),
                 431, "", ""});
  out.push_back({"http_url_5KiB", "limits.max_url_bytes",
                 get_request("/healthz?" + std::string(5000, 'q')), 414, "", ""});
  out.push_back({"http_url_5KiB_on_ussd", "limits.max_url_bytes on a webhook",
                 post("/v1/africastalking/ussd?" + std::string(5000, 'q'), ussd_body,
                      "application/x-www-form-urlencoded"),
                 414, "", ""});
  out.push_back({"http_unknown_path", "no such route", get_request("/v1/nowhere"), 404, "", ""});
  out.push_back({"http_path_bad_escape", "a malformed escape in a path no route has",
                 get_request("/v1/%zz/ussd"), 404, "", ""});
  out.push_back({"http_path_encoded_slash", "routes match the %-encoded path exactly",
                 post("/v1/africastalking%2Fussd", ussd_body, "application/x-www-form-urlencoded"),
                 404, "", ""});
  out.push_back(
      {"http_path_dot_segments", "no dot-segment normalisation into a route",
       post("/v1/x/../africastalking/ussd", ussd_body, "application/x-www-form-urlencoded"), 404,
       "", ""});
  out.push_back({"http_get_on_ussd", "the USSD route is POST only",
                 get_request("/v1/africastalking/ussd"), 405, "", "POST"});
  out.push_back({"http_post_on_healthz", "healthz is GET/HEAD only",
                 post("/healthz", "x", "text/plain"), 405, "", ""});
  out.push_back({"http_unknown_method", "a method no route has",
                 "BREW /v1/africastalking/ussd HTTP/1.1\r\n" + host_header() + "\r\n", 405, "",
                 "POST"});
  out.push_back({"http_absolute_form", "proxy-style target",
                 "GET http://127.0.0.1/healthz HTTP/1.1\r\n" + host_header() + "\r\n", 400, "",
                 ""});
  out.push_back({"http_garbage_line", "bytes that are no request line",
                 std::string("\x01\x02\x03 hello\r\n\r\n"), 400, "", ""});
  out.push_back({"http_ussd_wrong_content_type", "a JSON Content-Type on the form USSD route",
                 post("/v1/africastalking/ussd", ussd_body, "application/json"), 400,
                 "Content-Type", ""});
  out.push_back({"http_at_sms_wrong_content_type", "a JSON Content-Type on the form SMS route",
                 post("/v1/africastalking/sms/" + std::string(kAtSmsSecret),
                      "from=%2B50255512355&id=x1&text=hola", "application/json"),
                 400, "Content-Type", ""});
  out.push_back({"http_vonage_json_not_json", "Vonage's JSON mode with a form body",
                 vonage().route.wire("msisdn=1", "application/json"), 400, "not valid JSON", ""});
  out.push_back(
      {"http_ussd_phone_not_a_number", "a phone number that is not one (not echoed)",
       post("/v1/africastalking/ussd", "sessionId=h2&serviceCode=%2A123%23&phoneNumber=hello&text=",
            "application/x-www-form-urlencoded"),
       400, "phoneNumber: not an international number", ""});
  out.push_back({"http_ussd_text_over_1KiB", "USSD input longer than any handset sends",
                 post("/v1/africastalking/ussd",
                      "sessionId=h3&serviceCode=%2A123%23&phoneNumber=%2B50255512356&text=" +
                          std::string(2000, '1'),
                      "application/x-www-form-urlencoded"),
                 400, "text: longer than 1024 bytes", ""});
  out.push_back(
      {"http_generic_ussd_bad_network", "a network code that is not MCC+MNC",
       generic_ussd().route.wire("{\"session\":\"g1\",\"from\":\"+50255512357\",\"input\":\"\","
                                 "\"network\":\"70\"}"),
       400, "network: not MCC+MNC", ""});
  out.push_back(
      {"http_generic_ussd_bad_service_code", "a service code with letters",
       generic_ussd().route.wire("{\"session\":\"g2\",\"from\":\"+50255512358\",\"input\":\"\","
                                 "\"service_code\":\"*12a#\"}"),
       400, "service_code: not a USSD code", ""});
  out.push_back({"http_infobip_empty_results", "a batch of nothing",
                 infobip().route.wire("{\"results\":[]}"), 400, "results: empty", ""});
  out.push_back({"http_infobip_results_not_array", "results as an object",
                 infobip().route.wire("{\"results\":{}}"), 400, "results: not an array", ""});
  out.push_back({"http_infobip_result_not_object", "a result that is a string",
                 infobip().route.wire("{\"results\":[\"x\"]}"), 400, "results[0]: not an object",
                 ""});
}

// --- The hand-written framing gaps ------------------------------------------------------------

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        const std::string hex(s.substr(i + 1, 2));
        out += static_cast<char>(std::stoi(hex, nullptr, 16));
        i += 2;
        break;
      }
      default:
        ADD_FAILURE() << "unknown escape \\" << c << " in " << s;
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

void add_fixture_cases(std::vector<Case>& out) {
  const std::string path =
      std::string(VENTANILLA_SOURCE_DIR) + "/tests/fixtures/hostile/framing_gaps.cases";
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> columns;
    std::size_t from = 0;
    for (int i = 0; i < 3; ++i) {
      const auto bar = line.find('|', from);
      if (bar == std::string::npos) break;
      columns.push_back(trim(std::string_view(line).substr(from, bar - from)));
      from = bar + 1;
    }
    if (columns.size() != 3) {
      ADD_FAILURE() << path << ":" << number << ": expected STATUS | name | reason | request";
      continue;
    }
    std::string request = unescape(trim(std::string_view(line).substr(from)));
    const std::vector<std::pair<std::string, std::string>> substitutions = {
        {"@PORT@", std::to_string(port())},
        {"@PAD9K@", std::string(9000, 'e')},
        {"@PAD20K@", std::string(20000, 'e')}};
    for (const auto& [mark, text] : substitutions) {
      for (auto at = request.find(mark); at != std::string::npos; at = request.find(mark))
        request.replace(at, mark.size(), text);
    }
    out.push_back({"gap_" + columns[1], columns[2], request, std::stoi(columns[0]), "", ""});
  }
}

std::vector<Case> corpus() {
  std::vector<Case> out;
  for (const FormRoute& fr : {at_ussd(), twilio(), vonage(), at_sms()}) {
    add_form_cases(fr, out);
    add_envelope_cases(fr.route, form(values_of(fr.fields)), out);
  }
  add_kannel_get_cases(out);
  for (const JsonRoute& jr : {infobip(), generic_sms(), generic_ussd()}) add_json_cases(jr, out);
  add_auth_cases(out);
  add_http_cases(out);
  add_fixture_cases(out);
  return out;
}

// --- The canary -------------------------------------------------------------------------------

// One complete Africa's Talking session from a new number: dial, then "1" at every screen (it
// reaches "send me this by SMS", an END, in eight hops). True when every hop was a 200 CON and
// the session ended with END.
bool walk_ussd_session(std::string* failure) {
  static std::atomic<int> walks{0};
  const int n = ++walks;
  const std::string session = "canary-" + std::to_string(n);
  const std::string phone = "%2B5025" + std::to_string(6000000 + n);
  std::string text;
  for (int hop = 0; hop < 14; ++hop) {
    const std::string body = "sessionId=" + session +
                             "&serviceCode=%2A123%23&phoneNumber=" + phone +
                             "&networkCode=704001&text=" + text;
    auto r = round_trip(port(), post_request("/v1/africastalking/ussd", body), 10s);
    if (!r || r->status != 200) {
      if (failure != nullptr)
        *failure = "hop " + std::to_string(hop) + ": " +
                   (r ? std::to_string(r->status) + " " + r->body : std::string("no response"));
      return false;
    }
    if (r->body.rfind("END ", 0) == 0) return true;
    if (r->body.rfind("CON ", 0) != 0) {
      if (failure != nullptr) *failure = "hop " + std::to_string(hop) + ": " + r->body;
      return false;
    }
    text += text.empty() ? "1" : "*1";
  }
  if (failure != nullptr) *failure = "no END after 14 hops";
  return false;
}

class UssdCanary {
 public:
  UssdCanary()
      : thread_([this] {
          while (!stop_) {
            std::string why;
            if (walk_ussd_session(&why)) {
              ++ok_;
            } else {
              ++failed_;
              std::lock_guard lock(mu_);
              if (first_failure_.empty()) first_failure_ = why;
            }
            std::this_thread::sleep_for(10ms);
          }
        }) {}
  ~UssdCanary() { finish(); }
  UssdCanary(const UssdCanary&) = delete;
  UssdCanary& operator=(const UssdCanary&) = delete;
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  std::string first_failure() {
    std::lock_guard lock(mu_);
    return first_failure_;
  }
  // A liveness bound, not a timing goal: waits for one more completed walk.
  bool completes_another(std::chrono::seconds limit = 30s) const {
    const int since = ok_;
    const auto deadline = Clock::now() + limit;
    while (ok_ <= since && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return ok_ > since;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  std::mutex mu_;
  std::string first_failure_;
  std::thread thread_;
};

// --- 1. The malformed corpus ------------------------------------------------------------------

class HostileClients : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(shared().server, nullptr) << shared().start_error; }
};

struct Outcome {
  int status = -1;
  std::string body;
  std::string allow;
};

std::vector<Outcome> run_pass(const std::vector<Case>& cases) {
  std::vector<Outcome> outcomes(cases.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < cases.size(); i = next++) {
        auto r = round_trip(port(), cases[i].request, 10s);
        if (r) outcomes[i] = {r->status, r->body, r->header("allow").value_or("")};
      }
    });
  }
  for (auto& t : workers) t.join();
  return outcomes;
}

TEST_F(HostileClients, MalformedCorpusGetsExactStatusesWhileUssdCanaryWalksAndMemoryHolds) {
  const std::vector<Case> cases = corpus();
  ASSERT_GE(cases.size(), 200u);
  UssdCanary canary;
  ASSERT_TRUE(canary.completes_another()) << "the canary never completed a session";

  const auto warm = run_pass(cases);
  const std::int64_t rss_after_warmup = server_rss_kib();
  for (int pass = 0; pass < 5; ++pass) {
    const auto outcomes = run_pass(cases);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(outcomes[i].status, warm[i].status)
          << cases[i].name << ": a different answer on pass " << pass + 2;
    }
  }
  const std::int64_t rss_after_passes = server_rss_kib();

  std::map<int, int> by_status;
  int mismatches = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Outcome& o = warm[i];
    ++by_status[o.status];
    if (o.status != c.status) ++mismatches;
    EXPECT_EQ(o.status, c.status) << c.name << " (" << c.reason << "): body " << o.body;
    if (o.status == c.status && !c.body_names.empty()) {
      EXPECT_NE(o.body.find(c.body_names), std::string::npos)
          << c.name << ": the 400 should name \"" << c.body_names << "\"; body: " << o.body;
    }
    if (o.status == 405) {
      EXPECT_FALSE(o.allow.empty()) << c.name << ": 405 without Allow";
      if (!c.allow.empty()) {
        EXPECT_EQ(o.allow, c.allow) << c.name;
      }
    }
    // Never a phone number of ours echoed back.
    EXPECT_EQ(o.body.find("5025551"), std::string::npos) << c.name << ": " << o.body;
  }
  EXPECT_TRUE(canary.completes_another()) << "the canary stalled after the corpus";
  canary.finish();

  std::string summary;
  for (const auto& [status, count] : by_status)
    summary += " " + std::to_string(status) + "x" + std::to_string(count);
  std::cout << "[ corpus ] " << cases.size() << " cases x 6 passes; statuses:" << summary
            << "; mismatches " << mismatches << "; canary sessions " << canary.ok() << " ok, "
            << canary.failed() << " failed; RSS " << rss_after_warmup << " kB after warm-up, "
            << rss_after_passes << " kB after 5 more passes\n";
  EXPECT_EQ(canary.failed(), 0) << canary.first_failure();
  EXPECT_GT(canary.ok(), 0);
  ASSERT_GT(rss_after_warmup, 0);
  EXPECT_LT(rss_after_passes - rss_after_warmup, 5 * 1024) << "RSS grew past 5 MiB";
}

// --- 2. Slow clients (slowhttptest) -----------------------------------------------------------

// Latency of legitimate USSD first hops, sampled sequentially on fresh connections.
class LatencySampler {
 public:
  LatencySampler()
      : thread_([this] {
          while (!stop_) {
            const auto start = Clock::now();
            const std::string body = "sessionId=" + unique("lat-") +
                                     "&serviceCode=%2A123%23&phoneNumber=%2B50257000001&text=";
            auto r = round_trip(port(), post_request("/v1/africastalking/ussd", body), 10s);
            const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            std::lock_guard lock(mu_);
            if (r && r->status == 200 && r->body.rfind("CON ", 0) == 0) {
              samples_.push_back(ms);
            } else {
              ++errors_;
            }
          }
        }) {}
  ~LatencySampler() { finish(); }
  LatencySampler(const LatencySampler&) = delete;
  LatencySampler& operator=(const LatencySampler&) = delete;
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Samples so far, and forgets them.
  std::vector<double> take() {
    std::lock_guard lock(mu_);
    return std::exchange(samples_, {});
  }
  int errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<double> samples_;
  int errors_ = 0;
  std::thread thread_;
};

double p99(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

struct SlowRow {
  int second = 0;
  int closed = 0;
  int pending = 0;
  int connected = 0;
  int available = 0;  // slowhttptest writes the connection count when its probe got an answer
};

// slowhttptest's CSV report: "Seconds,Closed,Pending,Connected,Service Available".
std::vector<SlowRow> read_slow_csv(const std::string& path) {
  std::vector<SlowRow> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    SlowRow r;
    if (std::sscanf(line.c_str(), "%d,%d,%d,%d,%d", &r.second, &r.closed, &r.pending, &r.connected,
                    &r.available) == 5)
      rows.push_back(r);
  }
  return rows;
}

bool have_slowhttptest() { return std::system("command -v slowhttptest >/dev/null 2>&1") == 0; }

struct SlowRun {
  std::string name;
  std::vector<std::string> args;  // test type and its options
  // Slow read: the client cannot see a close until it has read what came before it, so only the
  // server's count of open connections shows the deadline; the others see every close.
  bool client_sees_close;
  int time_limit_s;  // slowhttptest -l: the others end early, once the server closed them all
};

// "Test ended on 4th second" in slowhttptest's console report; -1 if absent.
int ended_on_second(const std::string& report) {
  const auto at = report.find("Test ended on ");
  if (at == std::string::npos) return -1;
  return std::atoi(report.c_str() + at + 14);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(HostileClients, SlowClientsAreCutAtTheDeadlinesWhileServiceStaysAvailable) {
  ASSERT_TRUE(have_slowhttptest())
      << "slowhttptest is not installed (Debian package slowhttptest; deploy/install-deps.sh)";
  constexpr int kConnections = 200;
  const std::string base = "http://127.0.0.1:" + std::to_string(port());
  const std::vector<SlowRun> runs = {
      // Slowloris: a header line every second, never the blank line.
      {"slow_headers", {"-H", "-i", "1", "-u", base + "/healthz"}, true, 15},
      // Slow body: the headers at once, then a few body bytes every second.
      {"slow_body",
       {"-B", "-i", "1", "-s", "8192", "-t", "POST", "-u", base + "/v1/africastalking/ussd"},
       true,
       15},
      // Slow read: pipelined GETs of /metrics (22 KB) through a two-byte receive window.
      {"slow_read",
       {"-X", "-w", "1", "-y", "2", "-n", "1", "-z", "1", "-k", "5", "-u", base + "/metrics"},
       false,
       9},
  };
  UssdCanary canary;
  ASSERT_TRUE(canary.completes_another());
  LatencySampler sampler;
  TempDir out_dir("ventanilla-slowhttptest");
  for (const SlowRun& run : runs) {
    SCOPED_TRACE(run.name);
    std::this_thread::sleep_for(1500ms);
    const auto before = sampler.take();
    const std::string report = out_dir.file(run.name);
    std::string command = "slowhttptest -c " + std::to_string(kConnections) + " -r " +
                          std::to_string(kConnections) + " -l " + std::to_string(run.time_limit_s) +
                          " -p 2 -g -o " + report;
    for (const auto& a : run.args) command += " " + a;
    command += " >" + report + ".out 2>&1";
    // The server's own count of open connections, polled while the attack runs: slow read hides
    // the server's close from slowhttptest, so this is how its deadline is seen.
    std::atomic<bool> attacking{true};
    std::atomic<int> peak_open{0};
    std::vector<std::pair<double, int>> open_over_time;  // seconds since start, open connections
    std::mutex open_mu;
    const auto attack_start = Clock::now();
    std::thread watcher([&] {
      while (attacking) {
        if (auto open = metric("ventanilla_http_open_connections")) {
          const int n = static_cast<int>(*open);
          peak_open = std::max(peak_open.load(), n);
          std::lock_guard lock(open_mu);
          open_over_time.emplace_back(
              std::chrono::duration<double>(Clock::now() - attack_start).count(), n);
        }
        std::this_thread::sleep_for(100ms);
      }
    });
    const int rc = std::system(command.c_str());
    attacking = false;
    watcher.join();
    const auto during = sampler.take();
    ASSERT_TRUE(WIFEXITED(rc)) << command;

    const auto rows = read_slow_csv(report + ".csv");
    ASSERT_FALSE(rows.empty()) << "no CSV from: " << command;
    int max_connected = 0;
    for (const auto& r : rows) {
      max_connected = std::max(max_connected, r.connected);
      EXPECT_GT(r.available, 0) << "slowhttptest saw the service unavailable at second "
                                << r.second;
    }
    EXPECT_GE(max_connected, kConnections * 9 / 10) << "the attack never got its connections";
    // Every connection is in within a second (-r = -c); the deadline is 2 s; slowhttptest reports
    // once a second and the server's sweeper runs a few times per deadline: all cut by 1 + 2 + 2.
    const int cut_by = 1 + kDeadlineMs / 1000 + 2;
    const std::string console = read_file(report + ".out");
    if (run.client_sees_close) {
      EXPECT_NE(console.find("No open connections left"), std::string::npos)
          << "slowhttptest still held connections at its " << run.time_limit_s << " s limit:\n"
          << console.substr(console.size() > 600 ? console.size() - 600 : 0);
      const int ended = ended_on_second(console);
      EXPECT_GT(ended, 0) << console;
      EXPECT_LE(ended, cut_by) << "the server cut the slow connections only at second " << ended;
    }
    {
      // Server side: at the peak it held the slow connections; past the deadline they are gone,
      // even those whose client still holds its end (slow read).
      std::lock_guard lock(open_mu);
      EXPECT_GE(peak_open.load(), kConnections * 9 / 10) << "the attack never held its connections";
      std::optional<int> open_late;
      for (const auto& [t, n] : open_over_time) {
        if (t >= cut_by + 1 && !open_late) open_late = n;
      }
      if (!run.client_sees_close) {
        ASSERT_TRUE(open_late.has_value()) << "slowhttptest ended before second " << cut_by + 1;
        EXPECT_LE(*open_late, 10) << "the server still held slow connections at second "
                                  << cut_by + 1;
      }
    }

    // The goal of the attack: legitimate callers wait. p99 during it at most twice the p99 just
    // before it. The attacker shares the two cores of a CI machine with the server and with this
    // test's canary and sampler, so a floor keeps scheduler noise from failing the test: 2 x
    // max(p99 before, 50 ms) (on the development box: ~15 ms before, 29-40 ms during). What this
    // catches is a server that stops answering promptly; timing goals proper belong to the
    // benchmark (tests/bench/hostile_slow.sh, 1,000 connections, 60 s).
    ASSERT_GE(before.size(), 20u) << "too few latency samples before the attack";
    ASSERT_GE(during.size(), 20u) << "too few latency samples during the attack";
    const double p99_before = p99(before);
    const double p99_during = p99(during);
    std::cout << "[ " << run.name << " ] " << kConnections << " connections; peak open "
              << peak_open.load() << "; legit p99 before " << p99_before << " ms (" << before.size()
              << " samples), during " << p99_during << " ms (" << during.size()
              << " samples); slowhttptest ended on second " << ended_on_second(console) << "\n";
    EXPECT_LE(p99_during, 2 * std::max(p99_before, 50.0));
  }
  sampler.finish();
  EXPECT_EQ(sampler.errors(), 0) << "legitimate requests failed during the attacks";
  EXPECT_TRUE(canary.completes_another());
  canary.finish();
  EXPECT_EQ(canary.failed(), 0) << canary.first_failure();
}

// --- 3. Connection flood ----------------------------------------------------------------------

TEST_F(HostileClients, ConnectionFloodPastTheLimitGets503AndServiceReturnsWithin5s) {
  constexpr int kExtra = 50;
  // The flood: connections that send nothing, each holding a slot until the header deadline.
  // (Nothing is sent so that a refused socket is closed with nothing unread, a clean FIN after
  // the 503 rather than a reset that could discard it.)
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < kMaxConnections + kExtra; ++i) {
    flood.push_back(std::make_unique<RawConnection>(port()));
  }
  // The refusals are written at accept; give the server a moment to accept the last of them.
  std::this_thread::sleep_for(200ms);
  // While the flood holds every slot (for at most the 2 s header deadline), a new caller is
  // refused too.
  auto during = round_trip(port(), post_request("/v1/africastalking/ussd", "x"), 2s);
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 503) << "a new caller during the flood";
  int refused = 0;
  int refused_without_503 = 0;
  // The refused ones are readable (503, then the close); a held one has nothing to read.
  std::vector<pollfd> fds;
  for (const auto& c : flood) fds.push_back({c->fd(), POLLIN, 0});
  ASSERT_GE(::poll(fds.data(), fds.size(), 0), 0);
  for (std::size_t i = 0; i < flood.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    auto r = flood[i]->read_response(1s);
    if (r) {
      EXPECT_EQ(r->status, 503);
      EXPECT_EQ(r->header("retry-after"), "1");
      ++refused;
    } else {
      ++refused_without_503;
    }
  }
  EXPECT_EQ(refused_without_503, 0);
  // Other tests' leftovers may hold a few slots, so at least the extra ones are refused.
  EXPECT_GE(refused, kExtra);
  EXPECT_LE(refused, kExtra + 10);

  flood.clear();
  const auto released = Clock::now();
  std::string why;
  bool back = false;
  while (!back && Clock::now() - released < 5s) back = walk_ussd_session(&why);
  const double seconds = std::chrono::duration<double>(Clock::now() - released).count();
  std::cout << "[ flood ] " << kMaxConnections + kExtra << " connections, " << refused
            << " refused with 503; full USSD session again after " << seconds << " s\n";
  EXPECT_TRUE(back) << "no complete USSD session within 5 s of the flood ending: " << why;
}

}  // namespace
}  // namespace ventanilla::test
