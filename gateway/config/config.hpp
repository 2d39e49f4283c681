#pragma once
// Typed configuration. Loaded from TOML (config/ventanilla.toml by default) plus `--set KEY=VALUE`
// overrides. Every field has a safe default, so an empty file is a valid local configuration.
// Durations are in milliseconds unless the name says otherwise; sizes are in bytes.
// Every function here is pure (load_config only reads its file): callable from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::config {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  std::uint32_t io_threads = 2;           // 1..64

  bool operator==(const ServerConfig&) const = default;
};

struct LimitsConfig {
  std::uint32_t max_header_bytes = 8 * 1024;  // request line + headers; over it → 431
  std::uint32_t max_header_count = 100;       // over it → 431
  std::uint32_t max_url_bytes = 4 * 1024;  // request target; over it → 414 (<= max_header_bytes)
  std::uint64_t max_body_bytes = 1024 * 1024;    // global cap; routes may be tighter → 413
  std::uint64_t webhook_body_bytes = 16 * 1024;  // cap for carrier webhook routes
  std::uint32_t header_timeout_ms = 10'000;      // from first byte to end of headers
  std::uint32_t body_timeout_ms = 10'000;        // reading the body
  std::uint32_t idle_timeout_ms = 30'000;        // keep-alive wait for the next request
  std::uint32_t write_timeout_ms = 10'000;       // writing one response
  std::uint32_t handler_timeout_ms = 5'000;      // one handler run
  std::uint32_t max_connections = 1024;          // beyond it new connections get 503 and close
  std::uint32_t max_inflight = 256;  // requests being handled; beyond it 503 + Retry-After
  // Shares of max_inflight (percent, 1..100) up to which admin and SMS requests are admitted;
  // USSD is admitted up to 100 %, so under load admin is shed first, then SMS, then USSD.
  // shed_admin_at_percent <= shed_sms_at_percent.
  std::uint32_t shed_admin_at_percent = 50;
  std::uint32_t shed_sms_at_percent = 80;
  std::uint32_t retry_after_s = 1;          // Retry-After on shed requests and refused connections
  std::uint32_t drain_timeout_ms = 10'000;  // graceful stop: finish what was read, then force

  bool operator==(const LimitsConfig&) const = default;
};

enum class Synchronous { kOff, kNormal, kFull, kExtra };

struct StorageConfig {
  std::string path = "var/ventanilla.db";
  Synchronous synchronous = Synchronous::kFull;
  // Below limits.handler_timeout_ms, so a write that cannot get the lock fails (and is answered
  // from that) before the handler deadline answers for it.
  std::uint32_t busy_timeout_ms = 2'000;
  std::uint32_t group_commit_max = 64;  // most write jobs sharing one COMMIT (1..4096)
  std::uint32_t wal_autocheckpoint_pages = 1000;

  bool operator==(const StorageConfig&) const = default;
};

struct PrivacyConfig {
  std::string key_file = "var/secret.key";  // 32-byte key, hex, mode 0600
  bool create_key_if_missing = true;        // local default; production sets false

  bool operator==(const PrivacyConfig&) const = default;
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  bool access_log = false;  // one line per request (route name, status, latency; never the query)

  bool operator==(const LogConfig&) const = default;
};

struct ContentConfig {
  std::string data_dir = "data";             // seed hub directory and gazetteer
  std::string menus_dir = "menus";           // seed menus and translations
  bool seed_on_empty = true;                 // import data/ and menus/ on first start
  std::uint32_t reload_interval_ms = 2'000;  // how often serve looks for newly imported data

  bool operator==(const ContentConfig&) const = default;
};

// The Africa's Talking-style USSD route (POST form → "CON …"/"END …").
struct UssdConfig {
  bool enabled = true;
  std::string path = "/v1/africastalking/ussd";
  std::uint32_t screen_septets = 182;     // some carriers use 160 or 140
  std::string encoding = "gsm7";          // gsm7 (transliterate), auto, ucs2
  std::uint32_t session_timeout_s = 180;  // a session's state lives this long after its last hop
  std::uint32_t resume_window_s = 600;    // a dropped session can be continued within this
  std::uint32_t reply_retention_h = 48;   // stored replies answer carrier retries this long
  std::string default_country;            // ISO2 when neither network nor number tells; "" none
  std::uint32_t purge_interval_s = 60;    // how often expired sessions and replies are deleted
  // The SMS [[route]] whose sender delivers "send me this by SMS" from USSD sessions. "" = none:
  // such messages stay queued (start-up warns) until a sender is configured.
  std::string sms_route;
  // A capability secret (environment variable or 0600 file, at least 16 characters): the carrier
  // is given PATH/SECRET and any other path under PATH is a 404. None: the route is open, which
  // only the local default (loopback) may be; production configs always set one.
  std::string secret_env;
  std::string secret_file;

  bool operator==(const UssdConfig&) const = default;
};

// One carrier webhook route ([[route]] tables; several per carrier allowed): SMS for every
// carrier but "generic-ussd", which is a USSD route (the generic JSON protocol's USSD variant,
// on the [ussd] session settings). Secrets are never written here: a route names the environment
// variable or the 0600 file that holds one.
struct RouteConfig {
  std::string name;     // unique; metrics label and log tag (default: the carrier)
  std::string carrier;  // twilio, vonage, infobip, kannel, africastalking, generic, generic-ussd
  std::string path;     // capability carriers (kannel, infobip, africastalking): the prefix; the
                        // secret is the path's last segment, so the URL given is PATH/SECRET
  bool enabled = true;
  std::string secret_env;                  // environment variable holding the secret
  std::string secret_file;                 // or a file (mode 0600) holding it
  std::string previous_secret_env;         // during a rotation: the old secret, still accepted
  std::string previous_secret_file;        // the same from a file (mode 0600)
  std::string if_secret_missing = "fail";  // "fail" stops start-up; "skip" leaves the route off
  std::string public_url;                  // exact URL configured at the carrier (Twilio signs it)
  std::string trusted_proxies;        // CIDRs (comma-separated) whose X-Forwarded-* are believed
  std::string allow_from;             // CIDRs allowed to call the route ("" = any)
  std::string default_country;        // ISO2 for numbers and lists when nothing else tells
  std::string default_language;       // language of a new conversation ("" = ask)
  std::uint32_t sms_segments = 1;     // most segments one reply may take (1 = one cheap SMS)
  std::string encoding = "gsm7";      // gsm7, auto, ucs2 (generic-ussd: default [ussd].encoding)
  std::string signature = "md5hash";  // vonage: md5hash, md5, sha1, sha256, sha512
  std::uint32_t conversation_timeout_s = 900;  // an SMS conversation ends after this quiet time
  // generic-ussd only: septets of one screen. The loader fills it from [ussd].screen_septets when
  // the table does not set it (0 = not a USSD route).
  std::uint32_t screen_septets = 0;
  // generic-ussd only: the SMS route whose sender delivers this route's SMS ("" = none).
  std::string sms_route;

  // Outbound: how this route's carrier API is reached to send SMS (the outbox). send_url "" =
  // this route sends nothing. The credential, like the webhook secret, comes from an environment
  // variable or a 0600 file, never from this file.
  std::string send_url;          // API base, e.g. https://api.twilio.com
  std::string send_account;      // AccountSid / api_key / username (carrier's name for it)
  std::string send_secret_env;   // AuthToken / api_secret / apiKey / password
  std::string send_secret_file;  // or a file (mode 0600) holding it
  std::string send_from;         // our shortcode, long number or sender id
  std::uint32_t send_rate = 10;  // most messages per second to this carrier (1..1000)
  // Delivery reports: where the carrier posts them, on our side (default: the route path with
  // its last segment "sms" replaced by "status", or PATH-status; capability carriers append the
  // secret as for the webhook), and the public URL it has from outside ("" = no per-message
  // callback URL is sent; carriers configured on their dashboard still report).
  std::string status_path;
  std::string status_url;
  std::uint32_t line = 0;  // where the table starts in the file, for later messages

  bool is_ussd() const noexcept { return carrier == "generic-ussd"; }

  bool operator==(const RouteConfig&) const = default;
};

// The outbox senders: leasing, retries and the HTTP client shared by every route that sends.
struct OutboundConfig {
  bool enabled = true;                   // false: nothing is sent (messages stay queued)
  std::uint32_t poll_interval_ms = 500;  // how often each sender looks for due messages
  std::uint32_t lease_s = 60;            // a message taken for sending is held this long
  std::uint32_t batch = 16;              // most messages one sender takes at once
  std::uint32_t concurrent_calls = 4;    // carrier calls in flight per sending route
  std::uint32_t max_attempts = 8;        // then the message ends 'failed'
  std::uint32_t retry_base_ms = 2'000;   // first retry delay; doubles per attempt, with jitter
  std::uint32_t retry_cap_s = 3'600;     // longest delay between attempts
  std::uint32_t connect_timeout_ms = 5'000;
  std::uint32_t request_timeout_ms = 15'000;  // one whole call to a carrier
  std::string ca_file;                       // extra CA certificates (PEM) besides the system store
  std::uint32_t finished_retention_h = 168;  // sent/failed rows are purged after this
  std::uint32_t max_queue_age_h = 72;        // unsent messages older than this fail as expired

  bool operator==(const OutboundConfig&) const = default;
};

// The staff API and console (issue #7): their own listener, loopback by default, so they are
// reachable only from the machine (or through the nginx site's allow-listed /admin/).
struct AdminConfig {
  std::string listen = "127.0.0.1:8081";  // "" turns the admin API off

  bool operator==(const AdminConfig&) const = default;
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  StorageConfig storage;
  PrivacyConfig privacy;
  LogConfig log;
  ContentConfig content;
  UssdConfig ussd;
  OutboundConfig outbound;
  AdminConfig admin;
  std::vector<RouteConfig> routes;
  std::string source;  // the file it came from ("" = built-in defaults), for messages

  bool operator==(const Config&) const = default;
};

// One `--set KEY=VALUE` override, e.g. {"server.io_threads", "4"}.
struct Override {
  std::string key;
  std::string value;
};

// Parses TOML text, then applies `overrides` in order, then runs the cross-field checks
// (max_url_bytes <= max_header_bytes, webhook_body_bytes <= max_body_bytes).
// `source_name` is used in error messages: `source_name:LINE: section.key: what`.
// Unknown sections or keys, wrong types, out-of-range values and TOML syntax errors are errors.
// All problems are reported: Error::where is empty and Error::detail holds one line per problem
// (no trailing newline), file problems in file order, then override problems as
// `--set: section.key: what` in argument order. A cross-field problem is reported where the
// later of its two values was set. On success Config::source is `source_name`.
// An override VALUE is parsed as a TOML value (`4`, `true`, `"x"`); text that is not one TOML
// value is taken as a bare string (`/tmp/x.db`, `info`, `127.0.0.1:9000`).
Result<Config> parse_config(std::string_view toml_text, std::string_view source_name,
                            const std::vector<Override>& overrides = {});

// Reads and parses a file. A missing or unreadable file is an error with Error::where = path
// (kNotFound, kPermissionDenied, or kInvalidArgument for a directory or a file over 1 MiB).
Result<Config> load_config(const std::string& path, const std::vector<Override>& overrides = {});

// Parses "KEY=VALUE" from the command line: splits at the first '='. No '=' or an empty KEY is
// kInvalidArgument with where = "--set". The key is not checked here (parse_config does it).
Result<Override> parse_override(std::string_view arg);

// Every key the loader accepts, as `section.key`, in declaration order.
std::vector<std::string_view> known_keys();

std::string_view to_string(Synchronous s) noexcept;
std::string_view to_string(LogLevel l) noexcept;

}  // namespace ventanilla::config
