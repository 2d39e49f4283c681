#include "config/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/listen_address.hpp"

namespace ventanilla::config {
namespace {

constexpr const char* kSource = "t.toml";

template <class Case>
std::string case_name(const testing::TestParamInfo<Case>& param_info) {
  return param_info.param.name;
}

// Failure messages name the case instead of dumping its bytes.
template <class Case>
requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The error detail for `text`, or "<ok>" when it parses.
std::string errors_of(std::string_view text, const std::vector<Override>& overrides = {}) {
  auto result = parse_config(text, kSource, overrides);
  if (result) return "<ok>";
  EXPECT_EQ(result.error().where, "");
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  return result.error().detail;
}

Config parse_ok(std::string_view text, const std::vector<Override>& overrides = {}) {
  auto result = parse_config(text, kSource, overrides);
  EXPECT_TRUE(result) << (result ? "" : result.error().detail);
  return result ? *result : Config{};
}

struct KeyInfo {
  std::string key;  // section.key
  std::uint32_t line;
  bool integer;
};

// Every two-level key of a TOML document.
std::vector<KeyInfo> keys_of(const toml::table& root) {
  std::vector<KeyInfo> keys;
  for (auto&& [section, node] : root) {
    const toml::table* table = node.as_table();
    if (table == nullptr) continue;
    for (auto&& [key, value] : *table) {
      keys.push_back({std::string(section.str()) + "." + std::string(key.str()),
                      key.source().begin.line, value.is_integer()});
    }
  }
  return keys;
}

std::set<std::string> key_set(std::string_view text) {
  std::set<std::string> keys;
  for (const auto& info : keys_of(toml::parse(text))) keys.insert(info.key);
  return keys;
}

std::set<std::string> known_key_set() {
  std::set<std::string> keys;
  for (const auto key : known_keys()) keys.emplace(key);
  return keys;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A fresh directory under /tmp, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "config_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, std::string_view text) const {
    const std::string file = (path_ / name).string();
    std::ofstream(file) << text;
    return file;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// --- valid input ----------------------------------------------------------------------------

constexpr std::string_view kFullFile = R"([server]
listen = "[::1]:9090"
io_threads = 8

[limits]
max_header_bytes = 16384
max_header_count = 50
max_url_bytes = 2048
max_body_bytes = 2097152
webhook_body_bytes = 32768
header_timeout_ms = 2000
body_timeout_ms = 3000
idle_timeout_ms = 4000
write_timeout_ms = 5000
handler_timeout_ms = 6000
max_connections = 100
max_inflight = 10
shed_admin_at_percent = 40
shed_sms_at_percent = 60
retry_after_s = 7
drain_timeout_ms = 0

[storage]
path = "/srv/v.db"
synchronous = "normal"
busy_timeout_ms = 0
group_commit_max = 1
wal_autocheckpoint_pages = 0

[privacy]
key_file = "/etc/ventanilla/key"
create_key_if_missing = false

[log]
level = "debug"
access_log = true

[content]
data_dir = "/srv/data"
menus_dir = "/srv/menus"
seed_on_empty = false
reload_interval_ms = 500

[ussd]
enabled = false
path = "/v1/at/ussd-secret"
screen_septets = 160
encoding = "auto"
session_timeout_s = 120
resume_window_s = 300
reply_retention_h = 72
default_country = "GT"
purge_interval_s = 30
sms_route = ""
secret_env = "VENTANILLA_AT_USSD_SECRET"
secret_file = "/etc/ventanilla/secrets/africastalking-ussd"

[outbound]
enabled = false
poll_interval_ms = 250
lease_s = 30
batch = 8
concurrent_calls = 2
max_attempts = 5
retry_base_ms = 500
retry_cap_s = 600
connect_timeout_ms = 1000
request_timeout_ms = 2000
ca_file = "/etc/ssl/extra.pem"
finished_retention_h = 24
max_queue_age_h = 12

[admin]
listen = "127.0.0.1:9091"
)";

TEST(ParseConfig, FullFileSetsEveryField) {
  ASSERT_EQ(key_set(kFullFile), known_key_set()) << "kFullFile must set every key";
  Config want;
  want.server = {"[::1]:9090", 8};
  want.limits = {16384, 50,   2048, 2097152, 32768, 2000, 3000, 4000,
                 5000,  6000, 100,  10,      40,    60,   7,    0};
  want.storage = {"/srv/v.db", Synchronous::kNormal, 0, 1, 0};
  want.privacy = {"/etc/ventanilla/key", false};
  want.log = {LogLevel::kDebug, true};
  want.content = {"/srv/data", "/srv/menus", false, 500};
  want.ussd = {false,
               "/v1/at/ussd-secret",
               160,
               "auto",
               120,
               300,
               72,
               "GT",
               30,
               "",
               "VENTANILLA_AT_USSD_SECRET",
               "/etc/ventanilla/secrets/africastalking-ussd"};
  want.outbound = {false, 250, 30, 8, 2, 5, 500, 600, 1000, 2000, "/etc/ssl/extra.pem", 24, 12};
  want.admin = {"127.0.0.1:9091"};
  want.source = kSource;
  EXPECT_EQ(parse_ok(kFullFile), want);
}

TEST(ParseConfig, EmptyFileGivesDefaults) {
  Config want;
  want.source = kSource;
  EXPECT_EQ(parse_ok(""), want);
  EXPECT_EQ(parse_ok("# only a comment\n\n"), want);
  EXPECT_EQ(parse_ok("[server]\n[limits]\n"), want);
}

TEST(ParseConfig, InlineTableSectionIsAccepted) {
  EXPECT_EQ(parse_ok("server = { io_threads = 3 }\n").server.io_threads, 3u);
}

TEST(ParseConfig, RangeBoundsAreInclusive) {
  const Config low = parse_ok(
      "[server]\nio_threads = 1\n[limits]\nmax_header_bytes = 1024\nmax_url_bytes = 256\n"
      "max_body_bytes = 1024\nwebhook_body_bytes = 1024\nheader_timeout_ms = 100\n"
      "drain_timeout_ms = 0\n");
  EXPECT_EQ(low.server.io_threads, 1u);
  EXPECT_EQ(low.limits.max_url_bytes, 256u);
  const Config high = parse_ok(
      "[server]\nio_threads = 64\n[limits]\nmax_header_bytes = 65536\nmax_url_bytes = 65536\n"
      "max_body_bytes = 67108864\nwebhook_body_bytes = 67108864\nidle_timeout_ms = 600000\n");
  EXPECT_EQ(high.limits.max_body_bytes, 67108864u);
  EXPECT_EQ(high.limits.webhook_body_bytes, 67108864u);
}

// --- one problem each ---------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  const char* text;
  const char* want;
};

class ParseConfigError : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseConfigError, ReportsExactMessage) {
  EXPECT_EQ(errors_of(GetParam().text), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseConfigError,
    testing::Values(
        ErrorCase{"UnknownKey", "[server]\nport = 1\n", "t.toml:2: server.port: unknown key"},
        ErrorCase{"UnknownSection", "[tls]\ncert = \"x\"\n", "t.toml:1: tls: unknown section"},
        ErrorCase{"KeyOutsideSection", "\nlisten = \"x\"\n", "t.toml:2: listen: unknown key"},
        ErrorCase{"NestedTable", "[server]\n[server.tls]\nx = 1\n",
                  "t.toml:2: server.tls: unknown key"},
        ErrorCase{"DottedKey", "[limits]\nfoo.bar = 1\n", "t.toml:2: limits.foo: unknown key"},
        ErrorCase{"KeyWithNewline", "[server]\n\"a\\nb\" = 1\n",
                  "t.toml:2: server.a\\x0ab: unknown key"},
        ErrorCase{"SectionNotTable", "server = 1\n",
                  "t.toml:1: server: expected table, got integer"},
        ErrorCase{"ArrayOfTables", "[[server]]\nio_threads = 2\n",
                  "t.toml:1: server: expected table, got array"},
        ErrorCase{"IntegerGotString", "[server]\nio_threads = \"4\"\n",
                  "t.toml:2: server.io_threads: expected integer, got string"},
        ErrorCase{"IntegerGotFloat", "[limits]\nretry_after_s = 1.5\n",
                  "t.toml:2: limits.retry_after_s: expected integer, got float"},
        ErrorCase{"BooleanGotInteger", "[log]\naccess_log = 1\n",
                  "t.toml:2: log.access_log: expected boolean, got integer"},
        ErrorCase{"StringGotBoolean", "[storage]\npath = true\n",
                  "t.toml:2: storage.path: expected string, got boolean"},
        ErrorCase{"StringGotArray", "[content]\ndata_dir = [\"a\"]\n",
                  "t.toml:2: content.data_dir: expected string, got array"},
        ErrorCase{"EnumGotInteger", "[log]\nlevel = 3\n",
                  "t.toml:2: log.level: expected string, got integer"},
        ErrorCase{"SynchronousUnknown", "[storage]\nsynchronous = \"FULL\"\n",
                  "t.toml:2: storage.synchronous: must be one of off, normal, full, extra"},
        ErrorCase{"LogLevelUnknown", "[log]\nlevel = \"verbose\"\n",
                  "t.toml:2: log.level: must be one of trace, debug, info, warn, error, off"},
        ErrorCase{"UssdEncodingUnknown", "[ussd]\nencoding = \"utf8\"\n",
                  "t.toml:2: ussd.encoding: must be one of gsm7, auto, ucs2"},
        ErrorCase{"UssdCountryLowerCase", "[ussd]\ndefault_country = \"gt\"\n",
                  "t.toml:2: ussd.default_country: must be an ISO 3166 alpha-2 code in capitals "
                  "(\"GT\") or empty"},
        ErrorCase{"UssdPathWithQuery", "[ussd]\npath = \"/v1/ussd?x=1\"\n",
                  "t.toml:2: ussd.path: must be a path starting with / (no query, no spaces)"},
        ErrorCase{"UssdScreenTooSmall", "[ussd]\nscreen_septets = 99\n",
                  "t.toml:2: ussd.screen_septets: must be between 100 and 400"},
        ErrorCase{"BelowRange", "[server]\nio_threads = 0\n",
                  "t.toml:2: server.io_threads: must be between 1 and 64"},
        ErrorCase{"AboveRange", "[server]\nio_threads = 65\n",
                  "t.toml:2: server.io_threads: must be between 1 and 64"},
        ErrorCase{"Negative", "[limits]\nmax_connections = -1\n",
                  "t.toml:2: limits.max_connections: must be between 8 and 1000000"},
        ErrorCase{"BodyOver64MiB", "[limits]\nmax_body_bytes = 67108865\n",
                  "t.toml:2: limits.max_body_bytes: must be between 1024 and 67108864"},
        ErrorCase{"HeaderBytesTooSmall", "[limits]\nmax_header_bytes = 1023\n",
                  "t.toml:2: limits.max_header_bytes: must be between 1024 and 65536"},
        ErrorCase{"TimeoutTooShort", "[limits]\nidle_timeout_ms = 99\n",
                  "t.toml:2: limits.idle_timeout_ms: must be between 100 and 600000"},
        ErrorCase{"DrainTooLong", "[limits]\ndrain_timeout_ms = 600001\n",
                  "t.toml:2: limits.drain_timeout_ms: must be between 0 and 600000"},
        ErrorCase{"BusyTimeoutTooLong", "[storage]\nbusy_timeout_ms = 60001\n",
                  "t.toml:2: storage.busy_timeout_ms: must be between 0 and 60000"},
        ErrorCase{"GroupCommitZero", "[storage]\ngroup_commit_max = 0\n",
                  "t.toml:2: storage.group_commit_max: must be between 1 and 4096"},
        ErrorCase{"Int64Max", "[limits]\nmax_inflight = 9223372036854775807\n",
                  "t.toml:2: limits.max_inflight: must be between 1 and 100000"},
        ErrorCase{"EmptyPath", "[storage]\npath = \"\"\n",
                  "t.toml:2: storage.path: must not be empty"},
        ErrorCase{"EmptyKeyFile", "[privacy]\nkey_file = \"\"\n",
                  "t.toml:2: privacy.key_file: must not be empty"},
        ErrorCase{"NulInPath", "[content]\ndata_dir = \"a\\u0000b\"\n",
                  "t.toml:2: content.data_dir: must not contain a NUL character"},
        ErrorCase{"ListenWithoutPort", "[server]\nlisten = \"localhost\"\n",
                  "t.toml:2: server.listen: expected HOST:PORT (IPv4, [IPv6] or a host name)"},
        ErrorCase{"ListenBadPort", "[server]\nlisten = \"127.0.0.1:70000\"\n",
                  "t.toml:2: server.listen: port must be between 0 and 65535"},
        ErrorCase{"UrlOverHeaderBytes", "[limits]\nmax_header_bytes = 2048\n",
                  "t.toml:2: limits.max_url_bytes: must be between 256 and 2048 "
                  "(limits.max_header_bytes)"},
        ErrorCase{"CrossFieldBlamesLaterLineUrlFirst",
                  "[limits]\nmax_url_bytes = 3000\nmax_header_bytes = 2048\n",
                  "t.toml:3: limits.max_url_bytes: must be between 256 and 2048 "
                  "(limits.max_header_bytes)"},
        ErrorCase{"CrossFieldBlamesLaterLineHeaderFirst",
                  "[limits]\nmax_header_bytes = 2048\nmax_url_bytes = 3000\n",
                  "t.toml:3: limits.max_url_bytes: must be between 256 and 2048 "
                  "(limits.max_header_bytes)"},
        ErrorCase{"WebhookOverBody", "[limits]\nmax_body_bytes = 8192\n",
                  "t.toml:2: limits.webhook_body_bytes: must be between 1024 and 8192 "
                  "(limits.max_body_bytes)"},
        // An invalid side makes the cross-field verdict meaningless: only the range is reported.
        ErrorCase{"CrossFieldSkippedWhenSideInvalid", "[limits]\nmax_header_bytes = 100\n",
                  "t.toml:2: limits.max_header_bytes: must be between 1024 and 65536"}),
    case_name<ErrorCase>);

// --- syntax errors --------------------------------------------------------------------------

struct SyntaxCase {
  const char* name;
  const char* text;
  const char* want_prefix;
};

class ParseConfigSyntax : public testing::TestWithParam<SyntaxCase> {};

TEST_P(ParseConfigSyntax, ReportsLineAndDescription) {
  const std::string detail = errors_of(GetParam().text);
  const std::string prefix = GetParam().want_prefix;
  ASSERT_TRUE(detail.starts_with(prefix)) << detail;
  EXPECT_GT(detail.size(), prefix.size()) << "toml++'s description is missing";
  EXPECT_EQ(detail.find('\n'), std::string::npos) << detail;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseConfigSyntax,
    testing::Values(
        SyntaxCase{"MissingValue", "[server]\nio_threads = 2\nlisten = \n", "t.toml:3: "},
        SyntaxCase{"DuplicateKey", "[server]\nio_threads = 1\n\nio_threads = 2\n", "t.toml:4: "},
        SyntaxCase{"UnterminatedString", "[storage]\npath = \"abc\n", "t.toml:2: "},
        SyntaxCase{"BrokenHeader", "# comment\n\n\n[server\n", "t.toml:4: "}),
    case_name<SyntaxCase>);

TEST(ParseConfig, SyntaxErrorAndOverrideErrorAreBothReported) {
  const std::string detail = errors_of("[server\n", {{"server.nope", "1"}});
  EXPECT_TRUE(detail.starts_with("t.toml:1: ")) << detail;
  EXPECT_TRUE(detail.ends_with("\n--set: server.nope: unknown key")) << detail;
}

// --- many problems --------------------------------------------------------------------------

TEST(ParseConfig, ReportsEveryProblemInFileOrder) {
  // Sections are deliberately out of alphabetical order: the report follows the file.
  constexpr std::string_view kText = R"([storage]
path = ""
synchronous = "x"
[limits]
max_inflight = 0
bogus = 1
[server]
io_threads = "2"
[extra]
)";
  EXPECT_EQ(errors_of(kText, {{"server.nope", "1"}, {"log.level", "loud"}}),
            "t.toml:2: storage.path: must not be empty\n"
            "t.toml:3: storage.synchronous: must be one of off, normal, full, extra\n"
            "t.toml:5: limits.max_inflight: must be between 1 and 100000\n"
            "t.toml:6: limits.bogus: unknown key\n"
            "t.toml:8: server.io_threads: expected integer, got string\n"
            "t.toml:9: extra: unknown section\n"
            "--set: server.nope: unknown key\n"
            "--set: log.level: must be one of trace, debug, info, warn, error, off");
}

TEST(ParseConfig, BadFileValueStaysReportedEvenIfOverridden) {
  EXPECT_EQ(errors_of("[server]\nio_threads = 0\n", {{"server.io_threads", "4"}}),
            "t.toml:2: server.io_threads: must be between 1 and 64");
}

// --- overrides ------------------------------------------------------------------------------

struct OverrideCase {
  const char* name;
  std::vector<Override> overrides;
  std::function<bool(const Config&)> check;
};

class OverrideOk : public testing::TestWithParam<OverrideCase> {};

TEST_P(OverrideOk, Applies) {
  const Config config = parse_ok("[server]\nio_threads = 2\n", GetParam().overrides);
  EXPECT_TRUE(GetParam().check(config));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OverrideOk,
    testing::Values(
        OverrideCase{"Integer",
                     {{"server.io_threads", "4"}},
                     [](const Config& c) { return c.server.io_threads == 4; }},
        OverrideCase{"IntegerWithUnderscores",
                     {{"limits.max_body_bytes", "2_097_152"}},
                     [](const Config& c) { return c.limits.max_body_bytes == 2097152; }},
        OverrideCase{"Boolean",
                     {{"log.access_log", "true"}},
                     [](const Config& c) { return c.log.access_log; }},
        OverrideCase{"BareString",
                     {{"storage.path", "/tmp/x.db"}},
                     [](const Config& c) { return c.storage.path == "/tmp/x.db"; }},
        OverrideCase{"QuotedString",
                     {{"storage.path", "\"/tmp/q.db\""}},
                     [](const Config& c) { return c.storage.path == "/tmp/q.db"; }},
        OverrideCase{"LiteralString",
                     {{"content.data_dir", "'C:\\data'"}},
                     [](const Config& c) { return c.content.data_dir == "C:\\data"; }},
        OverrideCase{"BareStringWithSpace",
                     {{"content.menus_dir", "my menus"}},
                     [](const Config& c) { return c.content.menus_dir == "my menus"; }},
        OverrideCase{"BareListen",
                     {{"server.listen", "0.0.0.0:9000"}},
                     [](const Config& c) { return c.server.listen == "0.0.0.0:9000"; }},
        OverrideCase{"BareEnum",
                     {{"log.level", "debug"}},
                     [](const Config& c) { return c.log.level == LogLevel::kDebug; }},
        OverrideCase{"QuotedEnum",
                     {{"storage.synchronous", "\"extra\""}},
                     [](const Config& c) { return c.storage.synchronous == Synchronous::kExtra; }},
        OverrideCase{"LaterOverrideWins",
                     {{"server.io_threads", "3"}, {"server.io_threads", "5"}},
                     [](const Config& c) { return c.server.io_threads == 5; }},
        // A newline cannot smuggle a second key in: the whole VALUE becomes the string.
        OverrideCase{"NewlineIsNotASecondKey",
                     {{"storage.path", "x.db\nlimits.max_inflight = 1"}},
                     [](const Config& c) {
                       return c.storage.path == "x.db\nlimits.max_inflight = 1" &&
                              c.limits.max_inflight == 256;
                     }},
        OverrideCase{"CrossFieldUsesFinalValues",
                     {{"limits.max_header_bytes", "2048"}, {"limits.max_url_bytes", "1024"}},
                     [](const Config& c) {
                       return c.limits.max_header_bytes == 2048 && c.limits.max_url_bytes == 1024;
                     }}),
    case_name<OverrideCase>);

TEST(Override, FileValueIsReplacedAndOthersKept) {
  const Config config = parse_ok("[server]\nio_threads = 2\nlisten = \"localhost:1\"\n",
                                 {{"server.io_threads", "7"}});
  EXPECT_EQ(config.server.io_threads, 7u);
  EXPECT_EQ(config.server.listen, "localhost:1");
}

TEST(Override, CrossFieldCheckRunsAfterOverrides) {
  // The file alone is invalid; the override repairs it.
  EXPECT_EQ(parse_ok("[limits]\nmax_header_bytes = 2048\n", {{"limits.max_url_bytes", "1024"}})
                .limits.max_url_bytes,
            1024u);
}

struct OverrideErrorCase {
  const char* name;
  const char* file;
  Override override_arg;
  const char* want;
};

class OverrideError : public testing::TestWithParam<OverrideErrorCase> {};

TEST_P(OverrideError, ReportsExactMessage) {
  EXPECT_EQ(errors_of(GetParam().file, {GetParam().override_arg}), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OverrideError,
    testing::Values(
        OverrideErrorCase{
            "UnknownKey", "", {"server.nope", "1"}, "--set: server.nope: unknown key"},
        OverrideErrorCase{"UnknownSection", "", {"nope", "1"}, "--set: nope: unknown key"},
        OverrideErrorCase{"IntegerGotString",
                          "",
                          {"server.io_threads", "four"},
                          "--set: server.io_threads: expected integer, got string"},
        OverrideErrorCase{"BooleanGotString",
                          "",
                          {"log.access_log", "yes"},
                          "--set: log.access_log: expected boolean, got string"},
        OverrideErrorCase{"StringGotInteger",
                          "",
                          {"storage.path", "123"},
                          "--set: storage.path: expected string, got integer"},
        OverrideErrorCase{"OutOfRange",
                          "",
                          {"server.io_threads", "0"},
                          "--set: server.io_threads: must be between 1 and 64"},
        OverrideErrorCase{"EnumUnknown",
                          "",
                          {"log.level", "loud"},
                          "--set: log.level: must be one of trace, debug, info, warn, error, off"},
        OverrideErrorCase{
            "EmptyValue", "", {"storage.path", ""}, "--set: storage.path: must not be empty"},
        OverrideErrorCase{"BadListen",
                          "",
                          {"server.listen", "[::1]"},
                          "--set: server.listen: expected HOST:PORT (IPv4, [IPv6] or a host name)"},
        OverrideErrorCase{"CrossFieldAgainstDefault",
                          "",
                          {"limits.max_header_bytes", "2048"},
                          "--set: limits.max_url_bytes: must be between 256 and 2048 "
                          "(limits.max_header_bytes)"},
        OverrideErrorCase{"CrossFieldBlamesOverrideOverFile",
                          "[limits]\nmax_url_bytes = 4096\n",
                          {"limits.max_header_bytes", "2048"},
                          "--set: limits.max_url_bytes: must be between 256 and 2048 "
                          "(limits.max_header_bytes)"},
        OverrideErrorCase{"WebhookAgainstOverriddenBody",
                          "[limits]\nwebhook_body_bytes = 4096\n",
                          {"limits.max_body_bytes", "2048"},
                          "--set: limits.webhook_body_bytes: must be between 1024 and 2048 "
                          "(limits.max_body_bytes)"}),
    case_name<OverrideErrorCase>);

TEST(Override, EveryEnumNameRoundTrips) {
  for (const auto s :
       {Synchronous::kOff, Synchronous::kNormal, Synchronous::kFull, Synchronous::kExtra}) {
    EXPECT_EQ(
        parse_ok("", {{"storage.synchronous", std::string(to_string(s))}}).storage.synchronous, s);
  }
  for (const auto l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                       LogLevel::kError, LogLevel::kOff}) {
    EXPECT_EQ(parse_ok("", {{"log.level", std::string(to_string(l))}}).log.level, l);
  }
}

struct SplitCase {
  const char* arg;
  const char* key;  // nullptr: an error is expected
  const char* value;
};

void PrintTo(const SplitCase& c, std::ostream* os) { *os << '"' << c.arg << '"'; }

class ParseOverride : public testing::TestWithParam<SplitCase> {};

TEST_P(ParseOverride, SplitsAtFirstEquals) {
  const auto result = parse_override(GetParam().arg);
  if (GetParam().key == nullptr) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().where, "--set");
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    return;
  }
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->key, GetParam().key);
  EXPECT_EQ(result->value, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseOverride,
                         testing::Values(SplitCase{"server.io_threads=4", "server.io_threads", "4"},
                                         SplitCase{"a=b=c", "a", "b=c"},
                                         SplitCase{"storage.path=", "storage.path", ""},
                                         SplitCase{"=4", nullptr, nullptr},
                                         SplitCase{"server.io_threads", nullptr, nullptr},
                                         SplitCase{"", nullptr, nullptr}));

// --- listen ---------------------------------------------------------------------------------

struct ListenCase {
  const char* text;
  const char* host;  // nullptr: invalid, `problem` is the detail
  std::uint16_t port;
  const char* problem;
};

void PrintTo(const ListenCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class Listen : public testing::TestWithParam<ListenCase> {};

TEST_P(Listen, Parses) {
  const ListenCase& c = GetParam();
  const auto result = parse_listen_address(c.text);
  if (c.host == nullptr) {
    ASSERT_FALSE(result) << c.text;
    EXPECT_EQ(result.error().detail, c.problem) << c.text;
    return;
  }
  ASSERT_TRUE(result) << c.text << ": " << result.error().detail;
  EXPECT_EQ(result->host, c.host);
  EXPECT_EQ(result->port, c.port);
}

constexpr const char* kExpectedHostPort = "expected HOST:PORT (IPv4, [IPv6] or a host name)";
constexpr const char* kBadPort = "port must be between 0 and 65535";

INSTANTIATE_TEST_SUITE_P(
    Cases, Listen,
    testing::Values(
        ListenCase{"127.0.0.1:8080", "127.0.0.1", 8080, nullptr},
        ListenCase{"0.0.0.0:0", "0.0.0.0", 0, nullptr},
        ListenCase{"[::1]:8080", "::1", 8080, nullptr},
        ListenCase{"[::]:65535", "::", 65535, nullptr},
        ListenCase{"[::ffff:10.0.0.1]:1", "::ffff:10.0.0.1", 1, nullptr},
        ListenCase{"localhost:80", "localhost", 80, nullptr},
        ListenCase{"gw-1.example.org:443", "gw-1.example.org", 443, nullptr},
        ListenCase{"127.0.0.1:00080", "127.0.0.1", 80, nullptr},
        ListenCase{"", nullptr, 0, kExpectedHostPort},
        ListenCase{"127.0.0.1", nullptr, 0, kExpectedHostPort},
        ListenCase{"[::1]8080", nullptr, 0, kExpectedHostPort},
        ListenCase{"[::1]", nullptr, 0, kExpectedHostPort},
        ListenCase{"[::1:80", nullptr, 0, kExpectedHostPort},
        ListenCase{"[::1]:", nullptr, 0, kBadPort}, ListenCase{"127.0.0.1:", nullptr, 0, kBadPort},
        ListenCase{"host:65536", nullptr, 0, kBadPort},
        ListenCase{"host:123456", nullptr, 0, kBadPort},
        ListenCase{"host:-1", nullptr, 0, kBadPort}, ListenCase{"host:+80", nullptr, 0, kBadPort},
        ListenCase{"host:8o", nullptr, 0, kBadPort},
        ListenCase{":8080", nullptr, 0, "host is empty; use 0.0.0.0 for every interface"},
        ListenCase{"::1:8080", nullptr, 0, "an IPv6 address needs brackets, e.g. [::1]:8080"},
        ListenCase{"[zz::1]:80", nullptr, 0, "invalid IPv6 address"},
        ListenCase{"[127.0.0.1]:80", nullptr, 0, "invalid IPv6 address"},
        ListenCase{"256.0.0.1:80", nullptr, 0, "invalid IPv4 address"},
        ListenCase{"1.2.3:80", nullptr, 0, "invalid IPv4 address"},
        ListenCase{"-bad:80", nullptr, 0, "invalid host name"},
        ListenCase{"bad-:80", nullptr, 0, "invalid host name"},
        ListenCase{"a..b:80", nullptr, 0, "invalid host name"},
        ListenCase{"under_score:80", nullptr, 0, "invalid host name"},
        ListenCase{"spa ce:80", nullptr, 0, "invalid host name"}));

TEST(Listen, RejectsOverlongNames) {
  const std::string label(64, 'a');
  EXPECT_FALSE(parse_listen_address(label + ":80"));
  EXPECT_TRUE(parse_listen_address(std::string(63, 'a') + ":80"));
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefgh.";
  EXPECT_FALSE(parse_listen_address(long_name + "x:80"));
}

// --- files ----------------------------------------------------------------------------------

TEST(LoadConfig, ReadsFileAndNamesItInMessages) {
  TempDir dir;
  const std::string good = dir.write("good.toml", "[server]\nio_threads = 3\n");
  const auto config = load_config(good);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server.io_threads, 3u);
  EXPECT_EQ(config->source, good);

  const std::string bad = dir.write("bad.toml", "\n[server]\nio_threads = 0\n");
  const auto failed = load_config(bad, {{"log.level", "loud"}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().detail, bad +
                                       ":3: server.io_threads: must be between 1 and 64\n"
                                       "--set: log.level: must be one of trace, debug, info, "
                                       "warn, error, off");
}

TEST(LoadConfig, MissingFileNamesThePath) {
  TempDir dir;
  const std::string path = dir.path() + "/absent.toml";
  const auto result = load_config(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(result.error().where, path);
  EXPECT_NE(result.error().message().find(path), std::string::npos);
}

TEST(LoadConfig, DirectoryIsAnError) {
  TempDir dir;
  const auto result = load_config(dir.path());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().where, dir.path());
}

TEST(LoadConfig, OversizedFileIsAnError) {
  TempDir dir;
  const std::string path = dir.write("big.toml", std::string(2 * 1024 * 1024, '\n'));
  const auto result = load_config(path);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().where, path);
}

const std::string kExamplePath =
    std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.example.toml";
const std::string kDefaultPath = std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml";

TEST(KnownKeys, AreUniqueAndDotted) {
  const auto keys = known_keys();
  EXPECT_EQ(known_key_set().size(), keys.size());
  for (const auto key : keys) {
    const auto dot = key.find('.');
    EXPECT_TRUE(dot != std::string_view::npos && dot > 0 && dot + 1 < key.size() &&
                key.find('.', dot + 1) == std::string_view::npos)
        << key;
  }
}

TEST(ExampleFile, DocumentsExactlyTheKnownKeys) {
  EXPECT_EQ(key_set(read_text(kExamplePath)), known_key_set());
}

TEST(ExampleFile, ShowsTheDefaults) {
  const auto config = load_config(kExamplePath);
  ASSERT_TRUE(config) << config.error().message();
  Config want;
  want.source = kExamplePath;
  EXPECT_EQ(*config, want);
}

TEST(ExampleFile, EveryKeyHasACommentWithDefaultAndRange) {
  const std::string text = read_text(kExamplePath);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (const auto& info : keys_of(toml::parse(text))) {
    // The comment block is the run of '#' lines right above the key (line is 1-based).
    std::string block;
    for (std::size_t i = info.line - 1; i > 0 && lines[i - 1].starts_with("#"); --i) {
      block = lines[i - 1] + "\n" + block;
    }
    EXPECT_FALSE(block.empty()) << info.key << " has no comment above it";
    EXPECT_NE(block.find("Default"), std::string::npos)
        << info.key << " does not state its default";
    if (info.integer) {
      EXPECT_NE(block.find("Range"), std::string::npos) << info.key << " does not state its range";
    }
  }
}

TEST(DefaultFile, IsTheLocalDevGateway) {
  const auto config = load_config(kDefaultPath);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config->storage.path, "var/ventanilla.db");
  EXPECT_EQ(config->privacy.key_file, "var/secret.key");
  EXPECT_TRUE(config->privacy.create_key_if_missing);
  EXPECT_TRUE(config->content.seed_on_empty);
}

}  // namespace
}  // namespace ventanilla::config

// --- [[route]] tables ---------------------------------------------------------------------------

namespace ventanilla::config {
namespace {

TEST(RouteTables, EveryKeyIsReadIntoItsRoute) {
  const Config c = parse_ok(R"(
[[route]]
name = "twilio-gt"
carrier = "twilio"
path = "/v1/twilio/sms"
secret_env = "VENTANILLA_TWILIO_AUTH_TOKEN"
previous_secret_env = "VENTANILLA_TWILIO_OLD"
if_secret_missing = "skip"
public_url = "https://sms.example.org/v1/twilio/sms"
trusted_proxies = "10.0.0.0/8"
default_country = "GT"
default_language = "es"
sms_segments = 2
encoding = "auto"
conversation_timeout_s = 600
send_url = "https://api.twilio.com"
send_account = "AC123"
send_secret_env = "VENTANILLA_TWILIO_SEND"
send_from = "+50255550000"
send_rate = 5
status_path = "/v1/twilio/dlr"
status_url = "https://sms.example.org/v1/twilio/dlr"

[[route]]
carrier = "kannel"
path = "/v1/kannel/sms"
secret_file = "/etc/ventanilla/kannel.secret"
previous_secret_file = "/etc/ventanilla/kannel.secret.old"
allow_from = "127.0.0.1/32"
send_url = "http://127.0.0.1:13013"
send_secret_file = "/etc/ventanilla/kannel.send"

[ussd]
sms_route = "kannel"
)");
  ASSERT_EQ(c.routes.size(), 2u);
  const RouteConfig& t = c.routes[0];
  EXPECT_EQ(t.name, "twilio-gt");
  EXPECT_EQ(t.carrier, "twilio");
  EXPECT_EQ(t.secret_env, "VENTANILLA_TWILIO_AUTH_TOKEN");
  EXPECT_EQ(t.previous_secret_env, "VENTANILLA_TWILIO_OLD");
  EXPECT_EQ(t.if_secret_missing, "skip");
  EXPECT_EQ(t.public_url, "https://sms.example.org/v1/twilio/sms");
  EXPECT_EQ(t.default_country, "GT");
  EXPECT_EQ(t.sms_segments, 2u);
  EXPECT_EQ(t.encoding, "auto");
  EXPECT_EQ(t.conversation_timeout_s, 600u);
  EXPECT_EQ(t.line, 2u);
  const RouteConfig& k = c.routes[1];
  EXPECT_EQ(k.name, "kannel");  // defaults to the carrier
  EXPECT_EQ(k.secret_file, "/etc/ventanilla/kannel.secret");
  EXPECT_EQ(k.previous_secret_file, "/etc/ventanilla/kannel.secret.old");
  EXPECT_EQ(k.if_secret_missing, "fail");
  EXPECT_EQ(k.sms_segments, 1u);
  EXPECT_EQ(k.encoding, "gsm7");
  EXPECT_EQ(t.send_url, "https://api.twilio.com");
  EXPECT_EQ(t.send_account, "AC123");
  EXPECT_EQ(t.send_secret_env, "VENTANILLA_TWILIO_SEND");
  EXPECT_EQ(t.send_from, "+50255550000");
  EXPECT_EQ(t.send_rate, 5u);
  EXPECT_EQ(t.status_path, "/v1/twilio/dlr");
  EXPECT_EQ(t.status_url, "https://sms.example.org/v1/twilio/dlr");
  EXPECT_EQ(k.send_secret_file, "/etc/ventanilla/kannel.send");
  EXPECT_EQ(k.send_rate, 10u);
  EXPECT_EQ(k.status_path, "/v1/kannel/status");  // "/sms" -> "/status"
  EXPECT_EQ(c.ussd.sms_route, "kannel");
}

struct RouteErrorCase {
  const char* name;
  const char* text;
  const char* error;
};

class RouteErrors : public testing::TestWithParam<RouteErrorCase> {};

TEST_P(RouteErrors, NameTheLineAndTheKey) {
  EXPECT_EQ(errors_of(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RouteErrors,
    testing::Values(
        RouteErrorCase{"UnknownCarrier",
                       "[[route]]\ncarrier = \"sms-r-us\"\npath = \"/x\"\nsecret_env = \"S\"\n",
                       "t.toml:2: route.carrier: must be one of twilio, vonage, infobip, kannel, "
                       "africastalking, generic, generic-ussd"},
        RouteErrorCase{"UnknownKey",
                       "[[route]]\ncarrier = \"twilio\"\npath = \"/x\"\nsecret = \"hunter2\"\n",
                       "t.toml:4: route.secret: unknown key"},
        RouteErrorCase{"NoSecretSource", "[[route]]\ncarrier = \"twilio\"\npath = \"/x\"\n",
                       "t.toml:1: route twilio: a secret is required (secret_env or secret_file)"},
        RouteErrorCase{"NoCarrier", "[[route]]\npath = \"/x\"\nsecret_env = \"S\"\n",
                       "t.toml:1: route: carrier is required"},
        RouteErrorCase{
            "BadEnvName",
            "[[route]]\ncarrier = \"vonage\"\npath = \"/x\"\nsecret_env = \"my secret\"\n",
            "t.toml:4: route.secret_env: must be an environment variable name (A-Z, "
            "0-9, _)"},
        RouteErrorCase{"SegmentsOutOfRange",
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/x\"\nsecret_env = \"S\"\n"
                       "sms_segments = 11\n",
                       "t.toml:5: route.sms_segments: must be between 1 and 10"},
        RouteErrorCase{"SendUrlWithoutCredential",
                       "[[route]]\ncarrier = \"twilio\"\npath = \"/t\"\nsecret_env = \"S\"\n"
                       "send_url = \"https://api.twilio.com\"\n",
                       "t.toml:1: route twilio: send_url needs a credential (send_secret_env or "
                       "send_secret_file)"},
        RouteErrorCase{"SendUrlOnGeneric",
                       "[[route]]\ncarrier = \"generic\"\npath = \"/g\"\nsecret_env = \"S\"\n"
                       "send_url = \"https://x.example\"\nsend_secret_env = \"T\"\n",
                       "t.toml:1: route generic: carrier generic has no sending API (send_url)"},
        RouteErrorCase{"SmsRouteOnSmsRoute",
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/k\"\nsecret_env = \"S\"\n"
                       "sms_route = \"kannel\"\n",
                       "t.toml:1: route kannel: sms_route applies to carrier generic-ussd only (an "
                       "SMS route sends its own replies)"},
        RouteErrorCase{"StatusPathClash",
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/v1/k/sms\"\nsecret_env = \"S\"\n"
                       "[[route]]\nname = \"k2\"\ncarrier = \"kannel\"\npath = \"/v1/k/status\"\n"
                       "secret_env = \"S\"\n",
                       "t.toml:5: route k2: status path /v1/k/status-status clashes with route "
                       "kannel"},
        RouteErrorCase{"UssdSmsRouteUnknown", "[ussd]\nsms_route = \"nope\"\n",
                       "t.toml: ussd: sms_route nope names no [[route]]"},
        RouteErrorCase{"UssdSmsRouteDoesNotSend",
                       "[ussd]\nsms_route = \"kannel\"\n"
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/k\"\nsecret_env = \"S\"\n",
                       "t.toml: ussd: sms_route kannel names route kannel, which has no send_url"},
        RouteErrorCase{"DuplicatePath",
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/x\"\nsecret_env = \"S\"\n"
                       "[[route]]\nname = \"k2\"\ncarrier = \"kannel\"\npath = \"/x\"\n"
                       "secret_env = \"S\"\n",
                       "t.toml:5: route k2: path /x already used by route kannel"},
        RouteErrorCase{"DuplicateName",
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/x\"\nsecret_env = \"S\"\n"
                       "[[route]]\ncarrier = \"kannel\"\npath = \"/y\"\nsecret_env = \"S\"\n",
                       "t.toml:5: route kannel: name already used (line 1); give each route a "
                       "unique name"},
        RouteErrorCase{"NotAnArrayOfTables", "route = 1\n",
                       "t.toml:1: route: expected [[route]] tables"},
        RouteErrorCase{"BadSignature",
                       "[[route]]\ncarrier = \"vonage\"\npath = \"/x\"\nsecret_env = \"S\"\n"
                       "signature = \"sha3\"\n",
                       "t.toml:5: route.signature: must be one of md5hash, md5, sha1, sha256, "
                       "sha512"},
        RouteErrorCase{"ScreenSeptetsOutOfRange",
                       "[[route]]\ncarrier = \"generic-ussd\"\nsecret_env = \"S\"\n"
                       "screen_septets = 99\n",
                       "t.toml:4: route.screen_septets: must be between 100 and 400"},
        RouteErrorCase{"ScreenSeptetsOnAnSmsRoute",
                       "[[route]]\ncarrier = \"twilio\"\npath = \"/x\"\nsecret_env = \"S\"\n"
                       "screen_septets = 160\n",
                       "t.toml:1: route twilio: screen_septets applies to carrier generic-ussd "
                       "only (SMS routes use sms_segments)"},
        RouteErrorCase{"GenericUssdDefaultPathTaken",
                       "[[route]]\ncarrier = \"generic\"\npath = \"/v1/generic/ussd\"\n"
                       "secret_env = \"S\"\n"
                       "[[route]]\ncarrier = \"generic-ussd\"\nsecret_env = \"S\"\n",
                       "t.toml:5: route generic-ussd: path /v1/generic/ussd already used by route "
                       "generic"}),
    case_name<RouteErrorCase>);

// A generic-ussd route is a USSD route: its screen defaults to [ussd]'s as finally configured
// (file and --set overrides), its path to /v1/generic/ussd; what the table sets wins.
TEST(RouteTables, GenericUssdScreenDefaultsToTheUssdSection) {
  const std::string text = R"(
[ussd]
screen_septets = 160
encoding = "auto"

[[route]]
carrier = "generic-ussd"
secret_env = "VENTANILLA_GENERIC_SECRET"

[[route]]
name = "ussd-partner"
carrier = "generic-ussd"
path = "/v1/partner/ussd"
secret_env = "VENTANILLA_PARTNER_SECRET"
screen_septets = 140
encoding = "gsm7"
default_country = "HN"
)";
  const Config c = parse_ok(text);
  ASSERT_EQ(c.routes.size(), 2u);
  const RouteConfig& defaulted = c.routes[0];
  EXPECT_TRUE(defaulted.is_ussd());
  EXPECT_EQ(defaulted.name, "generic-ussd");
  EXPECT_EQ(defaulted.path, "/v1/generic/ussd");
  EXPECT_EQ(defaulted.screen_septets, 160u);
  EXPECT_EQ(defaulted.encoding, "auto");
  const RouteConfig& own = c.routes[1];
  EXPECT_EQ(own.path, "/v1/partner/ussd");
  EXPECT_EQ(own.screen_septets, 140u);
  EXPECT_EQ(own.encoding, "gsm7");
  EXPECT_EQ(own.default_country, "HN");

  // Overrides of [ussd] reach the routes that did not choose for themselves.
  const Config overridden =
      parse_ok(text, {{"ussd.screen_septets", "120"}, {"ussd.encoding", "ucs2"}});
  ASSERT_EQ(overridden.routes.size(), 2u);
  EXPECT_EQ(overridden.routes[0].screen_septets, 120u);
  EXPECT_EQ(overridden.routes[0].encoding, "ucs2");
  EXPECT_EQ(overridden.routes[1].screen_septets, 140u);
  EXPECT_EQ(overridden.routes[1].encoding, "gsm7");

  // SMS routes are not USSD routes and get no screen.
  const Config sms =
      parse_ok("[[route]]\ncarrier = \"generic\"\npath = \"/x\"\nsecret_env = \"S\"\n");
  ASSERT_EQ(sms.routes.size(), 1u);
  EXPECT_FALSE(sms.routes[0].is_ussd());
  EXPECT_EQ(sms.routes[0].screen_septets, 0u);
}

TEST(DefaultFile, GenericUssdRouteIsOnWithTheGenericSecretOnly) {
  const auto config = load_config(kDefaultPath);
  ASSERT_TRUE(config) << config.error().message();
  const auto it = std::find_if(config->routes.begin(), config->routes.end(),
                               [](const RouteConfig& r) { return r.is_ussd(); });
  ASSERT_NE(it, config->routes.end());
  EXPECT_EQ(it->path, "/v1/generic/ussd");
  EXPECT_EQ(it->secret_env, "VENTANILLA_GENERIC_SECRET");
  EXPECT_EQ(it->if_secret_missing, "skip");
  EXPECT_EQ(it->screen_septets, config->ussd.screen_septets);
  EXPECT_EQ(it->encoding, config->ussd.encoding);
}

}  // namespace
}  // namespace ventanilla::config
