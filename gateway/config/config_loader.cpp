#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "config/listen_address.hpp"

namespace ventanilla::config {
namespace {

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kMinTimeoutMs = 100;
constexpr std::int64_t kMaxTimeoutMs = 10 * 60 * 1000;
constexpr std::int64_t kMaxBodyBytes = 64 * kMiB;
constexpr std::int64_t kMaxHeaderBytes = 64 * kKiB;
// A config file is a few KiB; the cap keeps a path like /dev/zero from eating memory.
constexpr std::size_t kMaxFileBytes = 1024 * 1024;

constexpr std::string_view kOverrideSource = "--set";

using Target =
    std::variant<std::uint32_t*, std::uint64_t*, bool*, std::string*, Synchronous*, LogLevel*>;

// Extra validation for a string value: returns the problem, or "" when the value is fine.
using StringCheck = std::string (*)(std::string_view);

struct Field {
  std::string_view key;  // "section.name"
  Target (*target)(Config&);
  std::int64_t min = 0;  // integers only, inclusive
  std::int64_t max = 0;
  StringCheck check = nullptr;
  bool allow_empty = false;  // strings only: "" is a meaningful value ("none")
};

std::string check_listen(std::string_view value) {
  auto parsed = parse_listen_address(value);
  return parsed ? std::string() : parsed.error().detail;
}

std::string check_optional_listen(std::string_view value) {
  return value.empty() ? std::string() : check_listen(value);
}

std::string check_route_path(std::string_view value) {
  if (value.size() < 2 || value.front() != '/' ||
      value.find_first_of("?# ") != std::string_view::npos)
    return "must be a path starting with / (no query, no spaces)";
  return {};
}

std::string check_encoding(std::string_view value) {
  return value == "gsm7" || value == "auto" || value == "ucs2" ? std::string()
                                                               : "must be one of gsm7, auto, ucs2";
}

std::string check_country(std::string_view value) {
  const bool ok = value.empty() || (value.size() == 2 && value[0] >= 'A' && value[0] <= 'Z' &&
                                    value[1] >= 'A' && value[1] <= 'Z');
  return ok ? std::string() : "must be an ISO 3166 alpha-2 code in capitals (\"GT\") or empty";
}

std::string check_env_name(std::string_view value);  // with the route checks below
std::string check_optional_env_name(std::string_view value) {
  return value.empty() ? std::string() : check_env_name(value);
}

// The single list of keys: parsing, overrides, known_keys() and the example-file test all use it.
constexpr auto kFields = std::to_array<Field>({
    {"server.listen", [](Config& c) -> Target { return &c.server.listen; }, 0, 0, check_listen},
    {"server.io_threads", [](Config& c) -> Target { return &c.server.io_threads; }, 1, 64},

    {"limits.max_header_bytes", [](Config& c) -> Target { return &c.limits.max_header_bytes; },
     kKiB, kMaxHeaderBytes},
    {"limits.max_header_count", [](Config& c) -> Target { return &c.limits.max_header_count; }, 8,
     1000},
    {"limits.max_url_bytes", [](Config& c) -> Target { return &c.limits.max_url_bytes; }, 256,
     kMaxHeaderBytes},
    {"limits.max_body_bytes", [](Config& c) -> Target { return &c.limits.max_body_bytes; }, kKiB,
     kMaxBodyBytes},
    {"limits.webhook_body_bytes", [](Config& c) -> Target { return &c.limits.webhook_body_bytes; },
     kKiB, kMaxBodyBytes},
    {"limits.header_timeout_ms", [](Config& c) -> Target { return &c.limits.header_timeout_ms; },
     kMinTimeoutMs, kMaxTimeoutMs},
    {"limits.body_timeout_ms", [](Config& c) -> Target { return &c.limits.body_timeout_ms; },
     kMinTimeoutMs, kMaxTimeoutMs},
    {"limits.idle_timeout_ms", [](Config& c) -> Target { return &c.limits.idle_timeout_ms; },
     kMinTimeoutMs, kMaxTimeoutMs},
    {"limits.write_timeout_ms", [](Config& c) -> Target { return &c.limits.write_timeout_ms; },
     kMinTimeoutMs, kMaxTimeoutMs},
    {"limits.handler_timeout_ms", [](Config& c) -> Target { return &c.limits.handler_timeout_ms; },
     kMinTimeoutMs, kMaxTimeoutMs},
    {"limits.max_connections", [](Config& c) -> Target { return &c.limits.max_connections; }, 8,
     1'000'000},
    {"limits.max_inflight", [](Config& c) -> Target { return &c.limits.max_inflight; }, 1, 100'000},
    {"limits.shed_admin_at_percent",
     [](Config& c) -> Target { return &c.limits.shed_admin_at_percent; }, 1, 100},
    {"limits.shed_sms_at_percent",
     [](Config& c) -> Target { return &c.limits.shed_sms_at_percent; }, 1, 100},
    {"limits.retry_after_s", [](Config& c) -> Target { return &c.limits.retry_after_s; }, 1, 3600},
    {"limits.drain_timeout_ms", [](Config& c) -> Target { return &c.limits.drain_timeout_ms; }, 0,
     kMaxTimeoutMs},

    {"storage.path", [](Config& c) -> Target { return &c.storage.path; }},
    {"storage.synchronous", [](Config& c) -> Target { return &c.storage.synchronous; }},
    {"storage.busy_timeout_ms", [](Config& c) -> Target { return &c.storage.busy_timeout_ms; }, 0,
     60'000},
    {"storage.group_commit_max", [](Config& c) -> Target { return &c.storage.group_commit_max; }, 1,
     4096},
    {"storage.wal_autocheckpoint_pages",
     [](Config& c) -> Target { return &c.storage.wal_autocheckpoint_pages; }, 0, 1'000'000},

    {"privacy.key_file", [](Config& c) -> Target { return &c.privacy.key_file; }},
    {"privacy.create_key_if_missing",
     [](Config& c) -> Target { return &c.privacy.create_key_if_missing; }},

    {"log.level", [](Config& c) -> Target { return &c.log.level; }},
    {"log.access_log", [](Config& c) -> Target { return &c.log.access_log; }},

    {"content.data_dir", [](Config& c) -> Target { return &c.content.data_dir; }},
    {"content.menus_dir", [](Config& c) -> Target { return &c.content.menus_dir; }},
    {"content.seed_on_empty", [](Config& c) -> Target { return &c.content.seed_on_empty; }},
    {"content.reload_interval_ms",
     [](Config& c) -> Target { return &c.content.reload_interval_ms; }, 100, kMaxTimeoutMs},

    {"ussd.enabled", [](Config& c) -> Target { return &c.ussd.enabled; }},
    {"ussd.path", [](Config& c) -> Target { return &c.ussd.path; }, 0, 0, check_route_path},
    {"ussd.screen_septets", [](Config& c) -> Target { return &c.ussd.screen_septets; }, 100, 400},
    {"ussd.encoding", [](Config& c) -> Target { return &c.ussd.encoding; }, 0, 0, check_encoding},
    {"ussd.session_timeout_s", [](Config& c) -> Target { return &c.ussd.session_timeout_s; }, 1,
     3600},
    {"ussd.resume_window_s", [](Config& c) -> Target { return &c.ussd.resume_window_s; }, 0, 86400},
    {"ussd.reply_retention_h", [](Config& c) -> Target { return &c.ussd.reply_retention_h; }, 1,
     24 * 30},
    {"ussd.default_country", [](Config& c) -> Target { return &c.ussd.default_country; }, 0, 0,
     check_country, true},
    {"ussd.purge_interval_s", [](Config& c) -> Target { return &c.ussd.purge_interval_s; }, 1,
     3600},
    {"ussd.sms_route", [](Config& c) -> Target { return &c.ussd.sms_route; }, 0, 0, nullptr, true},
    {"ussd.secret_env", [](Config& c) -> Target { return &c.ussd.secret_env; }, 0, 0,
     check_optional_env_name, true},
    {"ussd.secret_file", [](Config& c) -> Target { return &c.ussd.secret_file; }, 0, 0, nullptr,
     true},

    {"admin.listen", [](Config& c) -> Target { return &c.admin.listen; }, 0, 0,
     check_optional_listen, true},

    {"outbound.enabled", [](Config& c) -> Target { return &c.outbound.enabled; }},
    {"outbound.poll_interval_ms", [](Config& c) -> Target { return &c.outbound.poll_interval_ms; },
     10, 60'000},
    {"outbound.lease_s", [](Config& c) -> Target { return &c.outbound.lease_s; }, 5, 3600},
    {"outbound.batch", [](Config& c) -> Target { return &c.outbound.batch; }, 1, 500},
    {"outbound.concurrent_calls", [](Config& c) -> Target { return &c.outbound.concurrent_calls; },
     1, 64},
    {"outbound.max_attempts", [](Config& c) -> Target { return &c.outbound.max_attempts; }, 1, 100},
    {"outbound.retry_base_ms", [](Config& c) -> Target { return &c.outbound.retry_base_ms; }, 10,
     3'600'000},
    {"outbound.retry_cap_s", [](Config& c) -> Target { return &c.outbound.retry_cap_s; }, 1, 86400},
    {"outbound.connect_timeout_ms",
     [](Config& c) -> Target { return &c.outbound.connect_timeout_ms; }, 10, 120'000},
    {"outbound.request_timeout_ms",
     [](Config& c) -> Target { return &c.outbound.request_timeout_ms; }, 10, 600'000},
    {"outbound.ca_file", [](Config& c) -> Target { return &c.outbound.ca_file; }, 0, 0, nullptr,
     true},
    {"outbound.max_queue_age_h", [](Config& c) -> Target { return &c.outbound.max_queue_age_h; }, 1,
     24 * 366},
    {"outbound.finished_retention_h",
     [](Config& c) -> Target { return &c.outbound.finished_retention_h; }, 1, 24 * 366},
});

// ---- [[route]] tables ----------------------------------------------------------------------

constexpr std::array<std::string_view, 7> kCarriers{
    "twilio", "vonage", "infobip", "kannel", "africastalking", "generic", "generic-ussd"};

std::string check_carrier(std::string_view value) {
  if (std::find(kCarriers.begin(), kCarriers.end(), value) != kCarriers.end()) return {};
  return "must be one of twilio, vonage, infobip, kannel, africastalking, generic, generic-ussd";
}

std::string check_env_name(std::string_view value) {
  const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  return ok ? std::string() : "must be an environment variable name (A-Z, 0-9, _)";
}

std::string check_if_missing(std::string_view value) {
  return value == "fail" || value == "skip" ? std::string() : "must be one of fail, skip";
}

std::string check_signature(std::string_view value) {
  return value == "md5hash" || value == "md5" || value == "sha1" || value == "sha256" ||
                 value == "sha512"
             ? std::string()
             : "must be one of md5hash, md5, sha1, sha256, sha512";
}

std::string check_public_url(std::string_view value) {
  if (value.empty()) return {};
  return value.starts_with("https://") || value.starts_with("http://")
             ? std::string()
             : "must be an absolute http(s) URL";
}

std::string check_language(std::string_view value) {
  const bool ok = value.empty() || (value.size() == 2 && value[0] >= 'a' && value[0] <= 'z' &&
                                    value[1] >= 'a' && value[1] <= 'z');
  return ok ? std::string() : "must be a two-letter language code (\"es\") or empty";
}

using RouteTarget =
    std::variant<std::string RouteConfig::*, std::uint32_t RouteConfig::*, bool RouteConfig::*>;

struct RouteField {
  std::string_view key;
  RouteTarget target;
  std::int64_t min = 0;
  std::int64_t max = 0;
  StringCheck check = nullptr;
  bool allow_empty = true;
};

const std::array<RouteField, 29>& route_fields() {
  static const std::array<RouteField, 29> kRouteFields{{
      {"name", &RouteConfig::name, 0, 0, nullptr, false},
      {"carrier", &RouteConfig::carrier, 0, 0, check_carrier, false},
      {"path", &RouteConfig::path, 0, 0, check_route_path, false},
      {"enabled", &RouteConfig::enabled},
      {"secret_env", &RouteConfig::secret_env, 0, 0, check_env_name, false},
      {"secret_file", &RouteConfig::secret_file, 0, 0, nullptr, false},
      {"previous_secret_env", &RouteConfig::previous_secret_env, 0, 0, check_env_name, false},
      {"previous_secret_file", &RouteConfig::previous_secret_file, 0, 0, nullptr, false},
      {"if_secret_missing", &RouteConfig::if_secret_missing, 0, 0, check_if_missing, false},
      {"public_url", &RouteConfig::public_url, 0, 0, check_public_url},
      {"trusted_proxies", &RouteConfig::trusted_proxies},
      {"allow_from", &RouteConfig::allow_from},
      {"default_country", &RouteConfig::default_country, 0, 0, check_country},
      {"default_language", &RouteConfig::default_language, 0, 0, check_language},
      {"sms_segments", &RouteConfig::sms_segments, 1, 10},
      {"encoding", &RouteConfig::encoding, 0, 0, check_encoding, false},
      {"signature", &RouteConfig::signature, 0, 0, check_signature, false},
      {"conversation_timeout_s", &RouteConfig::conversation_timeout_s, 30, 86400},
      {"screen_septets", &RouteConfig::screen_septets, 100, 400},  // as ussd.screen_septets
      {"sms_route", &RouteConfig::sms_route, 0, 0, nullptr, false},
      {"send_url", &RouteConfig::send_url, 0, 0, check_public_url},
      {"send_account", &RouteConfig::send_account},
      {"send_secret_env", &RouteConfig::send_secret_env, 0, 0, check_env_name, false},
      {"send_secret_file", &RouteConfig::send_secret_file, 0, 0, nullptr, false},
      {"send_from", &RouteConfig::send_from},
      {"send_rate", &RouteConfig::send_rate, 1, 1000},
      {"status_path", &RouteConfig::status_path, 0, 0, check_route_path, false},
      {"status_url", &RouteConfig::status_url, 0, 0, check_public_url},
  }};
  return kRouteFields;
}

// `key` must not exceed `upper`; both are integer fields of kFields.
struct CrossBound {
  std::string_view key;
  std::string_view upper;
};
constexpr std::array kCrossBounds{
    CrossBound{"limits.max_url_bytes", "limits.max_header_bytes"},
    CrossBound{"limits.webhook_body_bytes", "limits.max_body_bytes"},
    // Admin work is shed no later than SMS: the order admin → SMS → USSD is the point.
    CrossBound{"limits.shed_admin_at_percent", "limits.shed_sms_at_percent"},
};

constexpr std::array<std::pair<std::string_view, Synchronous>, 4> kSynchronousNames{{
    {"off", Synchronous::kOff},
    {"normal", Synchronous::kNormal},
    {"full", Synchronous::kFull},
    {"extra", Synchronous::kExtra},
}};

constexpr std::array<std::pair<std::string_view, LogLevel>, 6> kLogLevelNames{{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
    {"off", LogLevel::kOff},
}};

const Field* find_field(std::string_view key) {
  const auto* it =
      std::find_if(kFields.begin(), kFields.end(), [key](const Field& f) { return f.key == key; });
  return it == kFields.end() ? nullptr : it;
}

std::size_t field_index(const Field& field) {
  return static_cast<std::size_t>(&field - kFields.data());
}

bool is_section(std::string_view name) {
  if (name == "route") return true;
  return std::any_of(kFields.begin(), kFields.end(), [name](const Field& f) {
    return f.key.size() > name.size() && f.key.starts_with(name) && f.key[name.size()] == '.';
  });
}

// Keys can be quoted TOML strings holding newlines or escape sequences; keep each problem on one
// printable line.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
  }
  return "unknown";
}

// Each assign() stores `node` into `out` or returns what is wrong with it ("" = stored).
std::string expect_type(const toml::node& node, toml::node_type want) {
  if (node.type() == want) return {};
  return "expected " + std::string(type_name(want)) + ", got " +
         std::string(type_name(node.type()));
}

std::string between(std::int64_t min, std::int64_t max) {
  return "must be between " + std::to_string(min) + " and " + std::to_string(max);
}

template <class Int>
std::string assign(const Field& field, const toml::node& node, Int& out) {
  if (auto problem = expect_type(node, toml::node_type::integer); !problem.empty()) return problem;
  const std::int64_t value = node.value_exact<std::int64_t>().value_or(0);
  if (value < field.min || value > field.max) return between(field.min, field.max);
  out = static_cast<Int>(value);
  return {};
}

std::string assign(const Field&, const toml::node& node, bool& out) {
  if (auto problem = expect_type(node, toml::node_type::boolean); !problem.empty()) return problem;
  out = node.value_exact<bool>().value_or(false);
  return {};
}

std::string assign(const Field& field, const toml::node& node, std::string& out) {
  if (auto problem = expect_type(node, toml::node_type::string); !problem.empty()) return problem;
  std::string value = node.value_exact<std::string>().value_or(std::string());
  if (value.empty() && !field.allow_empty) return "must not be empty";
  // Paths and hosts end up in C APIs, where a NUL would silently shorten them.
  if (value.find('\0') != std::string::npos) return "must not contain a NUL character";
  if (field.check != nullptr) {
    if (auto problem = field.check(value); !problem.empty()) return problem;
  }
  out = std::move(value);
  return {};
}

template <class Enum, std::size_t N>
std::string assign_enum(const toml::node& node,
                        const std::array<std::pair<std::string_view, Enum>, N>& names, Enum& out) {
  if (auto problem = expect_type(node, toml::node_type::string); !problem.empty()) return problem;
  const std::string value = node.value_exact<std::string>().value_or(std::string());
  for (const auto& [name, e] : names) {
    if (name == value) {
      out = e;
      return {};
    }
  }
  std::string problem = "must be one of ";
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) problem += ", ";
    problem += names[i].first;
  }
  return problem;
}

std::string assign(const Field&, const toml::node& node, Synchronous& out) {
  return assign_enum(node, kSynchronousNames, out);
}

std::string assign(const Field&, const toml::node& node, LogLevel& out) {
  return assign_enum(node, kLogLevelNames, out);
}

std::string apply(const Field& field, const toml::node& node, Config& config) {
  return std::visit([&](auto* out) { return assign(field, node, *out); }, field.target(config));
}

std::int64_t integer_value(const Field& field, Config& config) {
  return std::visit(
      [](auto* value) -> std::int64_t {
        using T = std::remove_pointer_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::uint64_t>) {
          return static_cast<std::int64_t>(*value);
        } else {
          return 0;
        }
      },
      field.target(config));
}

// Where a problem or a value comes from. Sorting by (group, a, b) gives the reporting order:
// file problems by position, then overrides by argument index.
struct Origin {
  enum Group : int { kFile = 0, kOverride = 1 };
  int group = kFile;
  std::size_t a = 0;   // line, or override index
  std::size_t b = 0;   // column
  std::string prefix;  // "source:LINE" or "--set"

  auto order() const { return std::tie(group, a, b); }
};

struct Problem {
  Origin origin;
  std::string text;
};

class Loader {
 public:
  explicit Loader(std::string_view source) : source_(source) {}

  void load_document(const toml::table& root) {
    for (auto&& [section_key, section_node] : root) {
      const Origin section_at = file_origin(section_key.source(), section_node.source());
      const std::string section_name = printable(section_key.str());
      if (!is_section(section_key.str())) {
        add(section_at,
            section_name + ": unknown " + (section_node.is_table() ? "section" : "key"));
        continue;
      }
      if (section_key.str() == "route") {
        load_routes(section_node, section_at);
        continue;
      }
      const toml::table* section = section_node.as_table();
      if (section == nullptr) {
        add(section_at, section_name + ": " + expect_type(section_node, toml::node_type::table));
        continue;
      }
      for (auto&& [key, node] : *section) {
        const std::string full = std::string(section_key.str()) + "." + std::string(key.str());
        set(find_field(full), printable(full), node, file_origin(key.source(), node.source()));
      }
    }
  }

  // [[route]] tables: each one a RouteConfig; problems carry the line of the offending key.
  void load_routes(const toml::node& node, const Origin& at) {
    const toml::array* array = node.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      add(at, "route: expected [[route]] tables");
      return;
    }
    for (const auto& element : *array) {
      const toml::table& table = *element.as_table();
      RouteConfig route;
      route.line = static_cast<std::uint32_t>(table.source().begin.line);
      bool ok = true;
      bool encoding_set = false;
      for (auto&& [key, value] : table) {
        const Origin key_at = file_origin(key.source(), value.source());
        const std::string shown = "route." + printable(key.str());
        const auto& fields = route_fields();
        const std::string_view name =
            key.str();  // a structured binding cannot be captured (clang 14)
        const auto* field = std::find_if(fields.begin(), fields.end(),
                                         [name](const RouteField& f) { return f.key == name; });
        if (field == fields.end()) {
          add(key_at, shown + ": unknown key");
          ok = false;
          continue;
        }
        if (auto problem = assign_route(*field, value, route); !problem.empty()) {
          add(key_at, shown + ": " + problem);
          ok = false;
        }
        if (key.str() == "encoding") encoding_set = true;
      }
      const Origin table_at{Origin::kFile, route.line, 0,
                            std::string(source_) + ":" + std::to_string(route.line)};
      if (route.carrier.empty() && ok) {
        add(table_at, "route: carrier is required");
        ok = false;
      }
      if (route.path.empty() && route.is_ussd()) route.path = "/v1/generic/ussd";
      if (route.path.empty() && ok) {
        add(table_at, "route: path is required");
        ok = false;
      }
      if (route.secret_env.empty() && route.secret_file.empty() && ok) {
        add(table_at, "route " + (route.name.empty() ? route.carrier : route.name) +
                          ": a secret is required (secret_env or secret_file)");
        ok = false;
      }
      // SMS routes fit replies with sms_segments; a screen size there would be silently ignored.
      if (route.screen_septets != 0 && !route.is_ussd() && ok) {
        add(table_at, "route " + (route.name.empty() ? route.carrier : route.name) +
                          ": screen_septets applies to carrier generic-ussd only (SMS routes use "
                          "sms_segments)");
        ok = false;
      }
      if (!route.sms_route.empty() && !route.is_ussd() && ok) {
        add(table_at, "route " + (route.name.empty() ? route.carrier : route.name) +
                          ": sms_route applies to carrier generic-ussd only (an SMS route sends "
                          "its own replies)");
        ok = false;
      }
      const bool has_sender = route.carrier != "generic" && !route.is_ussd();
      if (!route.send_url.empty() && !has_sender && ok) {
        add(table_at, "route " + (route.name.empty() ? route.carrier : route.name) + ": carrier " +
                          route.carrier + " has no sending API (send_url)");
        ok = false;
      }
      if (!route.send_url.empty() && route.send_secret_env.empty() &&
          route.send_secret_file.empty() && ok) {
        add(table_at, "route " + (route.name.empty() ? route.carrier : route.name) +
                          ": send_url needs a credential (send_secret_env or send_secret_file)");
        ok = false;
      }
      if (route.status_path.empty() && !route.is_ussd() && !route.path.empty()) {
        // "/v1/twilio/sms" -> "/v1/twilio/status"; any other path gets "-status".
        route.status_path = route.path.ends_with("/sms")
                                ? route.path.substr(0, route.path.size() - 3) + "status"
                                : route.path + "-status";
      }
      if (route.name.empty()) route.name = route.carrier;
      for (const auto& other : config_.routes) {
        if (other.name == route.name && ok) {
          add(table_at, "route " + route.name + ": name already used (line " +
                            std::to_string(other.line) + "); give each route a unique name");
          ok = false;
        }
        if (other.path == route.path && ok) {
          add(table_at, "route " + route.name + ": path " + route.path + " already used by route " +
                            other.name);
          ok = false;
        }
        if (!route.status_path.empty() && ok &&
            (other.path == route.status_path || other.status_path == route.status_path ||
             other.status_path == route.path)) {
          add(table_at, "route " + route.name + ": status path " + route.status_path +
                            " clashes with route " + other.name);
          ok = false;
        }
      }
      if (ok) {
        if (route.is_ussd()) ussd_routes_.push_back({config_.routes.size(), encoding_set});
        config_.routes.push_back(std::move(route));
      }
    }
  }

  // A generic-ussd route without its own screen size or encoding takes [ussd]'s, as set by the
  // whole file and every override (so this runs last).
  // ussd.sms_route and generic-ussd routes' sms_route must name an SMS route that sends.
  void check_sms_routes() {
    auto check = [this](const std::string& name, const std::string& who, std::uint32_t line) {
      if (name.empty()) return;
      const auto it = std::find_if(config_.routes.begin(), config_.routes.end(),
                                   [&](const RouteConfig& r) { return r.name == name; });
      std::string problem;
      if (it == config_.routes.end()) {
        problem = "names no [[route]]";
      } else if (it->send_url.empty()) {
        problem = "names route " + name + ", which has no send_url";
      }
      if (problem.empty()) return;
      add(Origin{Origin::kFile, line, 0,
                 line == 0 ? std::string(source_)
                           : std::string(source_) + ":" + std::to_string(line)},
          who + ": sms_route " + name + " " + problem);
    };
    check(config_.ussd.sms_route, "ussd", 0);
    for (const auto& r : config_.routes) check(r.sms_route, "route " + r.name, r.line);
  }

  void resolve_ussd_routes() {
    for (const auto& [index, encoding_set] : ussd_routes_) {
      RouteConfig& route = config_.routes[index];
      if (route.screen_septets == 0) route.screen_septets = config_.ussd.screen_septets;
      if (!encoding_set) route.encoding = config_.ussd.encoding;
    }
  }

  static std::string assign_route(const RouteField& field, const toml::node& node,
                                  RouteConfig& route) {
    return std::visit(
        [&](auto member) -> std::string {
          using T = std::remove_reference_t<decltype(route.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            if (auto p = expect_type(node, toml::node_type::string); !p.empty()) return p;
            std::string value = node.value_exact<std::string>().value_or(std::string());
            if (value.empty() && !field.allow_empty) return "must not be empty";
            if (value.find('\0') != std::string::npos) return "must not contain a NUL character";
            if (field.check != nullptr) {
              if (auto p = field.check(value); !p.empty()) return p;
            }
            route.*member = std::move(value);
            return {};
          } else if constexpr (std::is_same_v<T, bool>) {
            if (auto p = expect_type(node, toml::node_type::boolean); !p.empty()) return p;
            route.*member = node.value_exact<bool>().value_or(false);
            return {};
          } else {
            if (auto p = expect_type(node, toml::node_type::integer); !p.empty()) return p;
            const std::int64_t v = node.value_exact<std::int64_t>().value_or(0);
            if (v < field.min || v > field.max) return between(field.min, field.max);
            route.*member = static_cast<T>(v);
            return {};
          }
        },
        field.target);
  }

  void syntax_error(const toml::parse_error& error) {
    syntax_failed_ = true;
    std::string description(error.description());
    std::replace_if(
        description.begin(), description.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    add(file_origin(error.source(), error.source()), printable(description));
  }

  void apply_override(std::size_t index, const Override& override_arg) {
    // "v = VALUE" accepts exactly the TOML value syntax; anything else (or more than one key,
    // e.g. a VALUE smuggling a newline) is the operator's literal string.
    toml::table holder;
    try {
      const std::string document = "v = " + override_arg.value;
      holder = toml::parse(document, kOverrideSource);
    } catch (const toml::parse_error&) {
      holder = toml::table();
    }
    if (holder.size() != 1 || !holder.contains("v")) {
      holder = toml::table();
      holder.insert_or_assign("v", override_arg.value);
    }
    Origin at{Origin::kOverride, index, 0, std::string(kOverrideSource)};
    set(find_field(override_arg.key), printable(override_arg.key), *holder.get("v"), std::move(at));
  }

  void check_cross_fields() {
    if (syntax_failed_) return;  // the file's values are unknown, so any verdict would be noise
    for (const auto& bound : kCrossBounds) {
      const Field& key = *find_field(bound.key);
      const Field& upper = *find_field(bound.upper);
      if (failed_[field_index(key)] || failed_[field_index(upper)]) continue;
      const std::int64_t value = integer_value(key, config_);
      const std::int64_t limit = integer_value(upper, config_);
      if (value <= limit) continue;
      add(latest_origin(key, upper), std::string(key.key) + ": " + between(key.min, limit) + " (" +
                                         std::string(upper.key) + ")");
    }
  }

  Result<Config> finish() && {
    if (problems_.empty()) {
      config_.source = std::string(source_);
      return std::move(config_);
    }
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& x, const Problem& y) {
      return x.origin.order() < y.origin.order();
    });
    std::string detail;
    for (const auto& problem : problems_) {
      if (!detail.empty()) detail += '\n';
      detail += problem.origin.prefix + ": " + problem.text;
    }
    return make_error(ErrorCode::kInvalidArgument, "", std::move(detail));
  }

 private:
  void set(const Field* field, const std::string& shown_key, const toml::node& node, Origin at) {
    if (field == nullptr) {
      add(std::move(at), shown_key + ": unknown key");
      return;
    }
    const std::size_t index = field_index(*field);
    if (auto problem = apply(*field, node, config_); !problem.empty()) {
      failed_[index] = true;
      add(std::move(at), shown_key + ": " + problem);
      return;
    }
    // An override may replace a bad file value: the file's problem is still reported, but the
    // cross-field checks may now use this valid value.
    failed_[index] = false;
    origins_[index] = std::move(at);
  }

  Origin file_origin(const toml::source_region& preferred, const toml::source_region& fallback) {
    const toml::source_position pos = preferred.begin ? preferred.begin : fallback.begin;
    return Origin{Origin::kFile, pos.line, pos.column,
                  std::string(source_) + ":" + std::to_string(pos.line)};
  }

  // Blame the value set last: that change is the one that broke the pair.
  Origin latest_origin(const Field& key, const Field& upper) const {
    const auto& x = origins_[field_index(key)];
    const auto& y = origins_[field_index(upper)];
    if (!x && !y) {
      // Unreachable while the defaults satisfy every bound; kept so a bad default still reports.
      return Origin{Origin::kFile, 0, 0, std::string(source_)};
    }
    if (!x) return *y;
    if (!y) return *x;
    return x->order() < y->order() ? *y : *x;
  }

  void add(Origin at, std::string text) { problems_.push_back({std::move(at), std::move(text)}); }

  std::string_view source_;
  Config config_;
  std::vector<Problem> problems_;
  std::array<bool, kFields.size()> failed_{};
  std::array<std::optional<Origin>, kFields.size()> origins_{};
  bool syntax_failed_ = false;
  struct UssdRouteDefaults {
    std::size_t index;  // into config_.routes
    bool encoding_set;
  };
  std::vector<UssdRouteDefaults> ussd_routes_;
};

Error read_error(const std::string& path, int error_number) {
  const ErrorCode code = error_number == ENOENT   ? ErrorCode::kNotFound
                         : error_number == EACCES ? ErrorCode::kPermissionDenied
                                                  : ErrorCode::kInvalidArgument;
  return make_error(code, path,
                    "cannot read config file: " +
                        std::error_code(error_number, std::generic_category()).message());
}

Result<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_error(path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return read_error(path, errno);
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::kInvalidArgument, path, "cannot read config file: not a file");
  }
  std::string text;
  std::array<char, 8192> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return read_error(path, errno);
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxFileBytes) {
      return make_error(
          ErrorCode::kInvalidArgument, path,
          "cannot read config file: larger than " + std::to_string(kMaxFileBytes) + " bytes");
    }
  }
  return text;
}

}  // namespace

Result<Config> parse_config(std::string_view toml_text, std::string_view source_name,
                            const std::vector<Override>& overrides) {
  Loader loader(source_name);
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    loader.load_document(root);
  } catch (const toml::parse_error& error) {
    loader.syntax_error(error);
  }
  for (std::size_t i = 0; i < overrides.size(); ++i) loader.apply_override(i, overrides[i]);
  loader.check_cross_fields();
  loader.resolve_ussd_routes();
  loader.check_sms_routes();
  return std::move(loader).finish();
}

Result<Config> load_config(const std::string& path, const std::vector<Override>& overrides) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_config(*text, path, overrides);
}

Result<Override> parse_override(std::string_view arg) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument, std::string(kOverrideSource),
                      "expected KEY=VALUE");
  }
  if (eq == 0) {
    return make_error(ErrorCode::kInvalidArgument, std::string(kOverrideSource),
                      "expected KEY=VALUE, the key is empty");
  }
  return Override{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

std::vector<std::string_view> known_keys() {
  std::vector<std::string_view> keys;
  keys.reserve(kFields.size());
  for (const auto& field : kFields) keys.push_back(field.key);
  return keys;
}

std::string_view to_string(Synchronous s) noexcept {
  for (const auto& [name, value] : kSynchronousNames) {
    if (value == s) return name;
  }
  return "unknown";
}

std::string_view to_string(LogLevel l) noexcept {
  for (const auto& [name, value] : kLogLevelNames) {
    if (value == l) return name;
  }
  return "unknown";
}

}  // namespace ventanilla::config
