#pragma once
// Typed configuration. Loaded from TOML (config/ventanilla.toml by default) plus `--set KEY=VALUE`
// overrides. Every field has a safe default, so an empty file is a valid local configuration.
// Durations are in milliseconds unless the name says otherwise; sizes are in bytes.

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::config {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  std::uint32_t io_threads = 2;           // 1..64
};

struct LimitsConfig {
  std::uint32_t max_header_bytes = 8 * 1024;   // request line + headers; over it → 431
  std::uint32_t max_header_count = 100;        // over it → 431
  std::uint32_t max_url_bytes = 4 * 1024;      // request target; over it → 414 (< max_header_bytes)
  std::uint64_t max_body_bytes = 1024 * 1024;  // global cap; routes may be tighter → 413
  std::uint64_t webhook_body_bytes = 16 * 1024;  // cap for carrier webhook routes
  std::uint32_t header_timeout_ms = 10'000;    // from first byte to end of headers
  std::uint32_t body_timeout_ms = 10'000;      // reading the body
  std::uint32_t idle_timeout_ms = 30'000;      // keep-alive wait for the next request
  std::uint32_t write_timeout_ms = 10'000;     // writing one response
  std::uint32_t handler_timeout_ms = 5'000;    // one handler run
  std::uint32_t max_connections = 1024;        // beyond it new connections get 503 and close
  std::uint32_t max_inflight = 256;            // requests being handled; beyond it 503 + Retry-After
  std::uint32_t retry_after_s = 1;             // Retry-After on shed requests
  std::uint32_t drain_timeout_ms = 10'000;     // graceful stop: finish what was read, then force
};

enum class Synchronous { kOff, kNormal, kFull, kExtra };

struct StorageConfig {
  std::string path = "var/ventanilla.db";
  Synchronous synchronous = Synchronous::kFull;
  std::uint32_t busy_timeout_ms = 5'000;
  std::uint32_t group_commit_max = 64;  // most write jobs sharing one COMMIT (1..4096)
  std::uint32_t wal_autocheckpoint_pages = 1000;
};

struct PrivacyConfig {
  std::string key_file = "var/secret.key";  // 32-byte key, hex, mode 0600
  bool create_key_if_missing = true;        // local default; production sets false
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  bool access_log = false;  // one line per request (route name, status, latency; never the query)
};

struct ContentConfig {
  std::string data_dir = "data";    // seed hub directory and gazetteer
  std::string menus_dir = "menus";  // seed menus and translations
  bool seed_on_empty = true;        // import data/ and menus/ on first start
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  StorageConfig storage;
  PrivacyConfig privacy;
  LogConfig log;
  ContentConfig content;
  std::string source;  // the file it came from ("" = built-in defaults), for messages
};

// One `--set KEY=VALUE` override, e.g. {"server.io_threads", "4"}.
struct Override {
  std::string key;
  std::string value;
};

// Parses TOML text. `source_name` is used in error messages: `source_name:LINE: key: what`.
// Unknown sections or keys, wrong types and out-of-range values are errors. All problems are
// reported: Error::where is empty and Error::detail holds one line per problem, in file order,
// each `source_name:LINE: key: what` (overrides report as `--set:key: what`).
Result<Config> parse_config(std::string_view toml_text, std::string_view source_name,
                            const std::vector<Override>& overrides = {});

// Reads and parses a file. A missing file is an error naming the path.
Result<Config> load_config(const std::string& path, const std::vector<Override>& overrides = {});

// Parses "KEY=VALUE" from the command line.
Result<Override> parse_override(std::string_view arg);

std::string_view to_string(Synchronous s) noexcept;
std::string_view to_string(LogLevel l) noexcept;

}  // namespace ventanilla::config
