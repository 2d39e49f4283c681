// The staff-facing content verbs, run as the real binary: `check` (every menu screen in every
// language against the route limit), `simulate` (a terminal phone) and `import`/`export` of
// menus/ next to data/.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

namespace fs = std::filesystem;

const std::string kMenus = std::string(VENTANILLA_SOURCE_DIR) + "/menus";
const std::string kData = std::string(VENTANILLA_SOURCE_DIR) + "/data";

std::string describe(const RunResult& r) {
  return r.status.describe() + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A private copy of menus/ to break on purpose.
fs::path copy_of_menus(const TempDir& dir) {
  const fs::path copy = dir.path() / "menus";
  fs::copy(kMenus, copy, fs::copy_options::recursive);
  return copy;
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Replaces the first line starting with `prefix` by `line`; returns its 1-based number.
std::size_t replace_line(const fs::path& path, const std::string& prefix, const std::string& line) {
  std::string content = read_file(path);
  std::size_t number = 1;
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    if (content.compare(start, prefix.size(), prefix) == 0) {
      content.replace(start, end - start, line);
      write(path, content);
      return number;
    }
    ++number;
    start = end + 1;
  }
  ADD_FAILURE() << "no line starting with " << prefix << " in " << path;
  return 0;
}

std::vector<std::string> check_args(const TempDir& dir, const std::string& menus) {
  return {"check",
          "--menus",
          menus,
          "--data",
          kData,
          "--set",
          "privacy.key_file=\"" + dir.file("key") + "\""};
}

TEST(ContentCheck, ShippedContentPassesEveryScreenInEveryLanguage) {
  TempDir dir("ventanilla-check");
  const RunResult r = run_ventanilla(check_args(dir, kMenus), std::chrono::seconds(60));
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("5 languages"), std::string::npos) << r.out;
  // "..., 1409 screens checked: 0 error(s), 0 warning(s)" (no std::regex: GCC 12 under the asan
  // flags warns inside <regex>).
  const auto at = r.out.find(" screens checked: 0 error(s)");
  ASSERT_NE(at, std::string::npos) << r.out;
  const auto start = r.out.rfind(' ', at - 1) + 1;
  // Every node in five languages and six countries, every page: well over a thousand screens.
  EXPECT_GT(std::stoul(r.out.substr(start, at - start)), 1000u) << r.out;
}

TEST(ContentCheck, StructuralProblemsAreReportedWithFileAndLine) {
  TempDir dir("ventanilla-check");
  const fs::path menus = copy_of_menus(dir);
  const std::size_t kind_line =
      replace_line(menus / "menu.toml", "kind = \"info\"", "kind = \"infobox\"");
  const std::size_t goto_line =
      replace_line(menus / "menu.toml", "  { label = \"where.type_town\", goto = \"town\" },",
                   "  { label = \"where.type_town\", goto = \"nowhere\" },");
  // Drop one French translation.
  replace_line(menus / "texts/fr.toml", "invalid = ", "# removed");

  const RunResult r = run_ventanilla(check_args(dir, menus.string()), std::chrono::seconds(60));
  EXPECT_EQ(r.status.code, 1) << describe(r);
  const std::string m = menus.string() + "/";
  EXPECT_NE(r.err.find(m + "menu.toml:" + std::to_string(kind_line) + ": node risks: unknown kind"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(m + "menu.toml:" + std::to_string(goto_line) +
                       ": node where: leads to `nowhere`, which is not a node"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(m + "texts/fr.toml: [fr] missing translation of `hint.invalid`"),
            std::string::npos)
      << r.err;
}

TEST(ContentCheck, AScreenTooLongNamesFileLineLanguageNodeAndLimit) {
  TempDir dir("ventanilla-check");
  const fs::path menus = copy_of_menus(dir);
  // A French title of 200 characters cannot fit a 182-septet screen with its navigation line.
  const std::size_t line = replace_line(menus / "texts/fr.toml", "title = \"Dans quel",
                                        "title = \"" + std::string(200, 'x') + "\"");
  ASSERT_GT(line, 0u);
  const RunResult r = run_ventanilla(check_args(dir, menus.string()), std::chrono::seconds(60));
  EXPECT_EQ(r.status.code, 1) << describe(r);
  const std::string where =
      menus.string() + "/texts/fr.toml:" + std::to_string(line) + ": [fr] node ";
  EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
  // The line's length and the limit it had to be cut to.
  EXPECT_NE(r.err.find("a line of 200 GSM-7 units had to be cut to fit the screen's limit of 182"),
            std::string::npos)
      << r.err;
  // The other languages are untouched and not blamed.
  EXPECT_EQ(r.err.find("[es] node"), std::string::npos) << r.err;
}

TEST(ContentCheck, AUcs2RouteIsCheckedAgainstItsSmallerScreen) {
  TempDir dir("ventanilla-check");
  auto args = check_args(dir, kMenus);
  args.insert(args.end(), {"--set", "ussd.encoding=\"ucs2\""});
  const RunResult r = run_ventanilla(args, std::chrono::seconds(60));
  // UCS-2 fits 80 characters where GSM-7 fits 182: some fixed titles no longer fit beside their
  // navigation line, and check says which, in which language.
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_NE(r.err.find("UCS-2 units had to be cut to fit the screen's limit of 80 (route ussd)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("GSM-7 units"), std::string::npos) << r.err;
}

TEST(ContentCheck, EveryGenericUssdRouteIsCheckedAgainstItsOwnScreen) {
  TempDir dir("ventanilla-check");
  // check reads route secrets as serve does: this one is present and private.
  write(dir.path() / "gs", "generic-ussd-secret-0123456789\n");
  std::filesystem::permissions(dir.path() / "gs", std::filesystem::perms::owner_read);
  write(dir.path() / "v.toml",
        "[[route]]\nname = \"gu\"\ncarrier = \"generic-ussd\"\nsecret_file = \"" + dir.file("gs") +
            "\"\nencoding = \"ucs2\"\n");
  auto args = check_args(dir, kMenus);
  args.insert(args.end(), {"--config", dir.file("v.toml")});
  const RunResult r = run_ventanilla(args, std::chrono::seconds(60));
  // The [ussd] route (GSM-7, 182) passes; the generic route's UCS-2 screen does not, and check
  // names that route.
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_NE(r.err.find("UCS-2 units had to be cut to fit the screen's limit of 80 (route gu)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("(route ussd)"), std::string::npos) << r.err;
}

// systemd runs check before every start: a route whose secret serve could not read fails check the
// same way (exit 2, naming the route and the key), and a route serve would leave off is named.
TEST(ContentCheck, ReadsRouteSecretsAsServeDoes) {
  TempDir dir("ventanilla-check");
  const std::string missing = dir.file("no-such-secret");
  struct Case {
    const char* if_missing;
    int exit_code;
    const char* stream;  // "out" or "err"
    std::string says;
  };
  const Case cases[] = {
      {"fail", 2, "err", "route kx: secret_file " + missing + " does not exist"},
      {"skip", 0, "out", "route kx: off (secret_file " + missing + " does not exist)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.if_missing);
    write(dir.path() / "v.toml", std::string("[[route]]\nname = \"kx\"\ncarrier = \"kannel\"\n") +
                                     "path = \"/v1/kannel/sms\"\nsecret_file = \"" + missing +
                                     "\"\nif_secret_missing = \"" + c.if_missing + "\"\n");
    auto args = check_args(dir, kMenus);
    args.insert(args.end(), {"--config", dir.file("v.toml")});
    const RunResult r = run_ventanilla(args, std::chrono::seconds(60));
    EXPECT_EQ(r.status.code, c.exit_code) << describe(r);
    const std::string& text = std::string(c.stream) == "out" ? r.out : r.err;
    EXPECT_NE(text.find(c.says), std::string::npos) << describe(r);
  }
}

// Runs `ventanilla simulate ARGS` with `input` on stdin (a terminal phone's keystrokes).
std::string simulate(const std::string& args, const std::string& input) {
  TempDir dir("ventanilla-sim");
  write(dir.path() / "input", input);
  const std::string command = std::string(VENTANILLA_BINARY) + " simulate --menus " + kMenus +
                              " --data " + kData + " " + args + " < " + dir.file("input") + " 2>&1";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  EXPECT_EQ(::pclose(pipe), 0) << out;
  return out;
}

TEST(Simulate, ShowsEachScreenWithItsLengthAndEncoding) {
  const std::string out = simulate("--country GT", "1\n1\n1\n2\nxela\n");
  // The first screen: languages, with length and encoding.
  EXPECT_NE(out.find("GSM-7 · "), std::string::npos) << out;
  EXPECT_NE(out.find("/182 septets"), std::string::npos) << out;
  EXPECT_NE(out.find("CON Ventanilla"), std::string::npos) << out;
  // Guatemala first (the caller's country), then the need menu, then the town prompt.
  EXPECT_NE(out.find("1 Guatemala"), std::string::npos) << out;
  EXPECT_NE(out.find("Quetzaltenango"), std::string::npos) << out;
}

TEST(Simulate, RememberedLanguageSkipsTheLanguageScreen) {
  const std::string out = simulate("--lang en --country MX", "");
  EXPECT_EQ(out.find("Español"), std::string::npos) << out;
  EXPECT_NE(out.find("1 Mexico"), std::string::npos) << out;
}

TEST(Simulate, UnknownLanguageIsAUsageError) {
  const RunResult r =
      run_ventanilla({"simulate", "--lang", "xx", "--menus", kMenus, "--data", kData});
  EXPECT_EQ(r.status.code, 2) << describe(r);
  EXPECT_NE(r.err.find("no language 'xx'"), std::string::npos) << r.err;
}

std::int64_t menu_version(const std::string& db) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* stmt = nullptr;
  std::int64_t version = 0;
  if (sqlite3_prepare_v2(handle, "SELECT value FROM meta WHERE key = 'menu_version'", -1, &stmt,
                         nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = std::stoll(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return version;
}

TEST(MenusImportExport, ImportThenExportGivesTheSameFilesByteForByte) {
  TempDir dir("ventanilla-menus");
  const std::string db = dir.file("v.db");
  const RunResult first = run_ventanilla({"import", "--db", db, kData, "--menus", kMenus});
  ASSERT_TRUE(first.status.success()) << describe(first);
  EXPECT_NE(first.out.find("menus version 1 (was 0)"), std::string::npos) << first.out;
  const RunResult again = run_ventanilla({"import", "--db", db, kData, "--menus", kMenus});
  EXPECT_NE(again.out.find("nothing changed (menus version 1)"), std::string::npos) << again.out;

  const RunResult out =
      run_ventanilla({"export", "--db", db, dir.file("data"), "--menus", dir.file("menus")});
  ASSERT_TRUE(out.status.success()) << describe(out);
  for (const auto& entry : fs::recursive_directory_iterator(kMenus)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".toml") continue;
    const fs::path rel = fs::relative(entry.path(), kMenus);
    EXPECT_EQ(read_file(dir.path() / "menus" / rel), read_file(entry.path())) << rel;
  }
}

TEST(MenusImportExport, InvalidMenusImportNothing) {
  TempDir dir("ventanilla-menus");
  const std::string db = dir.file("v.db");
  ASSERT_TRUE(run_ventanilla({"import", "--db", db, kData, "--menus", kMenus}).status.success());
  const fs::path menus = copy_of_menus(dir);
  const std::size_t line = replace_line(menus / "menu.toml", "home = ", "home = \"nowhere\"");
  // A changed text too, so the import would otherwise publish a new version.
  replace_line(menus / "texts/es.toml", "title = \"Ventanilla", "title = \"Otro\"");
  const RunResult r = run_ventanilla({"import", "--db", db, kData, "--menus", menus.string()});
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_NE(r.err.find(menus.string() + "/menu.toml:" + std::to_string(line) +
                       ": leads to `nowhere`, which is not a node"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing imported"), std::string::npos) << r.err;
  EXPECT_EQ(menu_version(db), 1);
}

TEST(MenusImportExport, AnImportGoesLiveInARunningServerWithoutRestart) {
  TempDir dir("ventanilla-menus");
  ServeProcess server(
      dir, {.extra_args = {"--set", "content.reload_interval_ms=200"}, .seed_directory = true});
  auto first_screen = [&server](const std::string& session) {
    const std::string body = "sessionId=" + session +
                             "&serviceCode=%2A123%23&phoneNumber=%2B50255551234"
                             "&networkCode=704001&text=";
    auto r = round_trip(server.port(), post_request("/v1/africastalking/ussd", body));
    return r ? r->body : std::string("<no reply>");
  };
  EXPECT_EQ(first_screen("live-1").rfind("CON Ventanilla: informacion para migrantes", 0), 0u)
      << first_screen("live-1");

  const fs::path menus = copy_of_menus(dir);
  replace_line(menus / "texts/es.toml", "title = \"Ventanilla",
               "title = \"Bienvenida a Ventanilla. Elija su idioma:\"");
  const RunResult r =
      run_ventanilla({"import", "--db", server.db_path(), kData, "--menus", menus.string(), "--set",
                      "privacy.key_file=\"" + dir.file("cli.key") + "\""});
  ASSERT_TRUE(r.status.success()) << describe(r);
  ASSERT_TRUE(server.log_contains("menus version 2 loaded", std::chrono::seconds(5)));
  EXPECT_EQ(first_screen("live-2").rfind("CON Bienvenida a Ventanilla. Elija su idioma:", 0), 0u)
      << first_screen("live-2");
  // A session that started before the publish carries on (its reply is stored; a replay is
  // byte-identical even though the text changed since).
  EXPECT_EQ(first_screen("live-1").rfind("CON Ventanilla: informacion para migrantes", 0), 0u);
}

}  // namespace
}  // namespace ventanilla::test
