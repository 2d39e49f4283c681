// The operator verbs for the database, on the real binary: `backup` while `serve` runs and
// writes, `restore` (refused under a running server, refusing bad backups without touching the
// database), `purge`, the one-serve-per-database lock, and SIGHUP reloading the content.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kKannelSecret = "0c7b3e9f2a6d4815b9e3c7a1f5d2e8b4";
const std::string kConfig = std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml";
const std::string kData = std::string(VENTANILLA_SOURCE_DIR) + "/data";
const std::string kMenus = std::string(VENTANILLA_SOURCE_DIR) + "/menus";

std::string describe(const RunResult& r) {
  return r.status.describe() + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

// A CLI verb against `db`, with the repository's configuration.
RunResult run_verb(std::vector<std::string> args, const std::string& db) {
  args.insert(args.end(), {"--config", kConfig, "--db", db});
  return run_ventanilla(args, 60s);
}

// A plain SQLite connection for looking into (and preparing) databases behind the binary's back.
class Sql {
 public:
  explicit Sql(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;
  ~Sql() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message != nullptr ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error(text + " in: " + sql);
    }
  }
  // The first column of the first row as text ("" without a row).
  std::string text(const std::string& sql, const std::string& bind = {}) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    }
    if (!bind.empty()) sqlite3_bind_text(stmt, 1, bind.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    }
    return out;
  }
  std::int64_t number(const std::string& sql, const std::string& bind = {}) {
    const std::string t = text(sql, bind);
    return t.empty() ? 0 : std::stoll(t);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A Ventanilla database with the shipped directory and menus, made by `import`.
std::string imported_database(const TempDir& dir, const std::string& name) {
  const std::string db = dir.file(name);
  const RunResult r = run_verb({"import", kData, "--menus", kMenus}, db);
  if (!r.status.success()) throw std::runtime_error("import failed: " + describe(r));
  return db;
}

// Stops a server the way systemd does and waits for it to end.
void stop(ServeProcess& server) {
  server.process().kill(SIGTERM);
  const auto status = server.process().wait_for(20s);
  ASSERT_TRUE(status.has_value()) << "serve did not stop on SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
}

// --- Backup under load, then restore -----------------------------------------------------------

struct Acked {
  std::string id;
  std::string from;
  std::string reply;
  SteadyClock::time_point at;
};

std::string kannel_get(const std::string& id, const std::string& from) {
  return get_request("/v1/kannel/sms/" + std::string(kKannelSecret) + "?from=" + from +
                     "&to=12345&text=hola&id=" + id + "&smsc=FAKE&coding=0&charset=UTF-8");
}

TEST(BackupRestore, BackupUnderLoadHoldsEveryAcknowledgedMessageAndRestoresIntoAWorkingServer) {
  TempDir dir("ventanilla-backup-load");
  ServeOptions options{.seed_directory = true};
  options.env = {{"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)}};
  auto server = std::make_unique<ServeProcess>(dir, options);
  const std::string db = server->db_path();
  const std::uint16_t port = server->port();

  // Two carriers' worth of inbound SMS, each remembering what was acknowledged and when.
  std::mutex mutex;
  std::vector<Acked> acked;
  std::vector<std::string> failures;
  std::atomic<bool> stop_load{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&, t] {
      for (int n = 0; !stop_load; ++n) {
        const std::string id = "load-" + std::to_string(t) + "-" + std::to_string(n);
        // A new sender each time: 502 + 8 digits (Guatemala).
        const std::string from =
            "5025" + std::to_string(t) + std::to_string(1'000'000 + n).substr(1);
        auto r = round_trip(port, kannel_get(id, from));
        const auto at = SteadyClock::now();
        std::lock_guard lock(mutex);
        if (r && r->status == 200) {
          acked.push_back({id, from, r->body, at});
        } else {
          failures.push_back(id + ": " + (r ? std::to_string(r->status) : "no reply"));
        }
      }
    });
  }
  auto acked_count = [&] {
    std::lock_guard lock(mutex);
    return acked.size();
  };
  const auto wait_until = SteadyClock::now() + 30s;
  while (acked_count() < 40 && SteadyClock::now() < wait_until) std::this_thread::sleep_for(20ms);

  const std::string backup = dir.file("backup.db");
  const auto backup_started = SteadyClock::now();
  const RunResult b = run_verb({"backup", backup}, db);
  const std::size_t acked_during_backup = acked_count();
  // Keep writing a little after, so the copy also raced writes at its end.
  std::this_thread::sleep_for(200ms);
  stop_load = true;
  for (auto& t : load) t.join();

  ASSERT_TRUE(b.status.success()) << describe(b);
  EXPECT_EQ(b.out.rfind("backup " + backup + ": ", 0), 0U) << b.out;
  EXPECT_NE(b.out.find(" bytes, "), std::string::npos) << b.out;
  EXPECT_NE(b.out.find(" pages, "), std::string::npos) << b.out;
  EXPECT_NE(b.out.find(" ms, schema version "), std::string::npos) << b.out;
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  ASSERT_GE(acked_during_backup, 40U);

  std::vector<Acked> before_backup;
  for (const auto& a : acked) {
    if (a.at < backup_started) before_backup.push_back(a);
  }
  ASSERT_FALSE(before_backup.empty());
  {
    Sql copy(backup);
    EXPECT_EQ(copy.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(copy.text("PRAGMA journal_mode"), "delete");
    std::size_t missing = 0;
    for (const auto& a : before_backup) {
      if (copy.number("SELECT count(*) FROM inbound_seen WHERE dedupe_key = ?1", "id:" + a.id) !=
          1) {
        ++missing;
      }
    }
    EXPECT_EQ(missing, 0U) << "of " << before_backup.size() << " acknowledged before the backup";
  }
  EXPECT_EQ(fs::status(backup).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  stop(*server);
  server.reset();

  const RunResult r = run_verb({"restore", backup}, db);
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("restored " + backup + " into " + db), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the previous database is kept as " + db + ".before-restore-"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(db + "-wal"));

  ServeProcess again(dir, options);
  const auto ready = round_trip(again.port(), get_request("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  // A carrier retry of a message acknowledged before the backup: the same reply, nothing new.
  const Acked& replayed = before_backup.front();
  const std::int64_t rows_before = Sql(db).number("SELECT count(*) FROM inbound_seen");
  const auto replay = round_trip(again.port(), kannel_get(replayed.id, replayed.from));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 200);
  EXPECT_EQ(replay->body, replayed.reply);
  Sql restored(db);
  EXPECT_EQ(restored.number("SELECT count(*) FROM inbound_seen"), rows_before);
  EXPECT_EQ(restored.number("SELECT count(*) FROM inbound_seen WHERE dedupe_key = ?1",
                            "id:" + replayed.id),
            1);
}

// --- The lock ------------------------------------------------------------------------------------

TEST(BackupRestore, RestoreAndASecondServeAreRefusedWhileServeRuns) {
  TempDir dir("ventanilla-lock");
  ServeProcess server(dir);
  const std::string db = server.db_path();
  const std::string backup = dir.file("b.db");
  ASSERT_TRUE(run_verb({"backup", backup}, db).status.success());
  const auto files_before = names_in(dir.path());

  const RunResult r = run_verb({"restore", backup}, db);
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_NE(r.err.find("ventanilla restore: another ventanilla serve holds " + db +
                       ".lock (it is using " + db + "): stop it before restoring"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(names_in(dir.path()), files_before);  // no staging copy, no before-restore file

  const RunResult second = run_ventanilla(
      {"serve", "--config", kConfig, "--listen", "127.0.0.1:0", "--db", db, "--set",
       "privacy.key_file=" + dir.file("secret.key"), "--set", "content.seed_on_empty=false"},
      30s);
  EXPECT_EQ(second.status.code, 1) << describe(second);
  EXPECT_NE(second.err.find("another ventanilla serve holds " + db + ".lock"), std::string::npos)
      << second.err;
  // The first server is unaffected.
  const auto health = round_trip(server.port(), get_request("/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  stop(server);
  const RunResult after = run_verb({"restore", backup}, db);
  EXPECT_TRUE(after.status.success()) << describe(after);
}

// --- Restore refusing bad backups ----------------------------------------------------------------

TEST(BackupRestore, RestoreRefusesBadBackupsAndLeavesTheDatabaseUntouched) {
  TempDir dir("ventanilla-restore-bad");
  const std::string db = imported_database(dir, "v.db");
  const std::string good = dir.file("good.db");
  ASSERT_TRUE(run_verb({"backup", good}, db).status.success());

  write_file(dir.file("notes.db"), std::string(10'000, 'n'));
  fs::copy_file(good, dir.file("truncated.db"));
  fs::resize_file(dir.file("truncated.db"), fs::file_size(good) / 2);
  fs::copy_file(good, dir.file("newer.db"));
  Sql(dir.file("newer.db"))
      .exec(
          "INSERT INTO schema_migrations(version, name, checksum, applied_at) "
          "VALUES (999, 'future', 'x', 'now')");
  fs::copy_file(good, dir.file("foreign.db"));
  Sql(dir.file("foreign.db")).exec("DROP TABLE schema_migrations");

  struct Case {
    std::string backup;
    std::string message;
  };
  const std::vector<Case> cases = {
      {dir.file("missing.db"), "cannot restore " + dir.file("missing.db") + ": no such file"},
      {dir.file("notes.db"), "cannot restore " + dir.file("notes.db") + ": not a SQLite database"},
      {dir.file("truncated.db"),
       "cannot restore " + dir.file("truncated.db") + ": damaged or truncated SQLite database"},
      {dir.file("newer.db"), dir.file("newer.db") + ": schema version 999 is newer than this "
                                                    "binary knows"},
      {dir.file("foreign.db"), dir.file("foreign.db") + ": not a Ventanilla database"},
  };
  const std::string db_bytes = read_file(db);
  // What a restore may leave: its lock file (never removed, see maintenance_commands.hpp).
  auto files = names_in(dir.path());
  files.insert("v.db.lock");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.backup);
    const RunResult r = run_verb({"restore", c.backup}, db);
    EXPECT_EQ(r.status.code, 1) << describe(r);
    EXPECT_NE(r.err.find("ventanilla restore: " + c.message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the current database is unchanged"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(db), db_bytes);
    EXPECT_EQ(names_in(dir.path()), files);
  }
  EXPECT_EQ(Sql(db).text("PRAGMA integrity_check"), "ok");
}

// --- Backup destinations
// ---------------------------------------------------------------------------

TEST(BackupRestore, BackupRefusesToOverwriteAndKeepPrunesOnlyOldBackups) {
  TempDir dir("ventanilla-backup-keep");
  const std::string db = imported_database(dir, "v.db");

  write_file(dir.file("taken.db"), "precious");
  const RunResult taken = run_verb({"backup", dir.file("taken.db")}, db);
  EXPECT_EQ(taken.status.code, 1) << describe(taken);
  EXPECT_NE(taken.err.find("ventanilla backup: " + dir.file("taken.db") +
                           ": already exists; refusing to overwrite it"),
            std::string::npos)
      << taken.err;
  EXPECT_EQ(read_file(dir.file("taken.db")), "precious");

  const fs::path backups = dir.path() / "backups";
  fs::create_directories(backups / "ventanilla-20200101T000000Z.db");  // a directory: not a backup
  const std::string real = dir.file("real.db");
  ASSERT_TRUE(run_verb({"backup", real}, db).status.success());
  const std::vector<std::string> old = {"ventanilla-20240101T000000Z.db",
                                        "ventanilla-20250301T120000Z.db",
                                        "ventanilla-20250615T080910Z.db"};
  for (const auto& name : old) fs::copy_file(real, backups / name);
  const std::map<std::string, std::string> others = {
      {"notes.txt", "keep me"},
      {"ventanilla-latest.db", "not a timestamp"},
      {"ventanilla-20230101T000000Z.db.gz", "compressed"},
      {"other-20230101T000000Z.db", "someone else's"},
      {"ventanilla-2023010T000000Z.db", "one digit short"},
  };
  for (const auto& [name, bytes] : others) write_file(backups / name, bytes);

  const RunResult r = run_verb({"backup", backups.string(), "--keep", "2"}, db);
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("removed old backup " + (backups / old[0]).string()), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed old backup " + (backups / old[1]).string()), std::string::npos)
      << r.out;

  std::set<std::string> expected = {old[2], "ventanilla-20200101T000000Z.db"};
  for (const auto& [name, bytes] : others) expected.insert(name);
  std::string made;
  for (const auto& name : names_in(backups)) {
    if (expected.count(name) == 0) made = name;
  }
  EXPECT_EQ(made.rfind("ventanilla-20", 0), 0U) << made;
  EXPECT_NE(r.out.find("backup " + (backups / made).string() + ": "), std::string::npos) << r.out;
  expected.insert(made);
  EXPECT_EQ(names_in(backups), expected);
  for (const auto& [name, bytes] : others) EXPECT_EQ(read_file(backups / name), bytes) << name;
  EXPECT_EQ(Sql((backups / made).string()).text("PRAGMA integrity_check"), "ok");

  const RunResult not_dir = run_verb({"backup", dir.file("x.db"), "--keep", "2"}, db);
  EXPECT_EQ(not_dir.status.code, 2) << describe(not_dir);
  EXPECT_NE(not_dir.err.find("--keep applies to a backup directory"), std::string::npos)
      << not_dir.err;
}

// --- Purge ---------------------------------------------------------------------------------------

TEST(BackupRestore, PurgeDeletesExpiredRowsAndKeepsFreshOnesWhileServeRuns) {
  TempDir dir("ventanilla-purge");
  ServeProcess server(dir);
  const std::string db = server.db_path();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::int64_t day = 24LL * 3600 * 1000;
  {
    Sql sql(db);
    const auto session = [&](const std::string& key, std::int64_t updated) {
      sql.exec(
          "INSERT INTO sessions(carrier, session_key, subscriber, state, consumed, "
          "created_ms, updated_ms, expires_ms) VALUES ('at-ussd', '" +
          key + "', 'sub', '{}', 0, " + std::to_string(updated) + ", " + std::to_string(updated) +
          ", " + std::to_string(updated + 180'000) + ")");
    };
    session("old-session", now - 2 * day);
    session("fresh-session", now);
    const auto reply = [&](const std::string& key, std::int64_t expires) {
      sql.exec(
          "INSERT INTO inbound_seen(carrier, dedupe_key, reply, created_ms, expires_ms) "
          "VALUES ('kannel', '" +
          key + "', 'r', " + std::to_string(expires - 2 * day) + ", " + std::to_string(expires) +
          ")");
    };
    reply("old-reply", now - 1000);
    reply("fresh-reply", now + day);
    const auto outbox = [&](const std::string& key, std::int64_t updated) {
      sql.exec(
          "INSERT INTO outbox(idempotency_key, subscriber, destination_sealed, body, route, "
          "status, next_attempt_ms, created_ms, updated_ms) VALUES ('" +
          key + "', 'sub', x'00', 'b', 'kannel', 'sent', 0, " + std::to_string(updated) + ", " +
          std::to_string(updated) + ")");
    };
    outbox("old-sent", now - 30 * day);  // finished_retention_h = 168 by default
    outbox("fresh-sent", now - day);
  }

  const RunResult r = run_verb({"purge"}, db);
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_NE(r.out.find("sessions: 1 deleted\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inbound_seen (stored replies): 1 deleted\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sms_parts: 0 deleted\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outbox (sent/failed) and delivery_reports_seen: 1 deleted\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("wal checkpoint: "), std::string::npos) << r.out;

  Sql sql(db);
  EXPECT_EQ(sql.text("SELECT group_concat(session_key) FROM sessions"), "fresh-session");
  EXPECT_EQ(sql.text("SELECT group_concat(dedupe_key) FROM inbound_seen"), "fresh-reply");
  EXPECT_EQ(sql.text("SELECT group_concat(idempotency_key) FROM outbox"), "fresh-sent");
  // The server kept serving throughout.
  const auto ready = round_trip(server.port(), get_request("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
}

// --- SIGHUP
// ----------------------------------------------------------------------------------------

TEST(BackupRestore, SighupReloadsTheMenusAtOnce) {
  TempDir dir("ventanilla-sighup");
  ServeProcess server(
      dir, {.extra_args = {"--set", "content.reload_interval_ms=600000"}, .seed_directory = true});
  auto first_screen = [&server](const std::string& session) {
    const std::string body = "sessionId=" + session +
                             "&serviceCode=%2A123%23&phoneNumber=%2B50255551234"
                             "&networkCode=704001&text=";
    auto r = round_trip(server.port(), post_request("/v1/africastalking/ussd", body));
    return r ? r->body : std::string("<no reply>");
  };
  EXPECT_EQ(first_screen("hup-1").rfind("CON Ventanilla: informacion para migrantes", 0), 0U);

  // The repository's menus with one Spanish text changed, imported by the CLI.
  const fs::path menus = dir.path() / "menus";
  fs::copy(kMenus, menus, fs::copy_options::recursive);
  const fs::path es = menus / "texts/es.toml";
  std::string text = read_file(es);
  const std::string old_title =
      "title = \"Ventanilla: información para migrantes. Elija su idioma:\"";
  const auto at = text.find(old_title);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, old_title.size(), "title = \"Ventanilla recargada. Elija su idioma:\"");
  write_file(es, text);
  const RunResult imported =
      run_ventanilla({"import", "--config", kConfig, "--db", server.db_path(), kData, "--menus",
                      menus.string(), "--set", "privacy.key_file=" + dir.file("secret.key")});
  ASSERT_TRUE(imported.status.success()) << describe(imported);

  // Polling is ten minutes away: only the signal can bring the new text in.
  EXPECT_EQ(first_screen("hup-2").rfind("CON Ventanilla: informacion para migrantes", 0), 0U);
  server.process().kill(SIGHUP);
  ASSERT_TRUE(server.log_contains("content reloaded: directory version ", 10s));
  bool reloaded_menus_2 = false;
  for (const auto& line : server.log_lines()) {
    if (line.find("content reloaded: directory version ") != std::string::npos &&
        line.ends_with(", menus version 2")) {
      reloaded_menus_2 = true;
    }
  }
  EXPECT_TRUE(reloaded_menus_2);
  EXPECT_EQ(first_screen("hup-3").rfind("CON Ventanilla recargada. Elija su idioma:", 0), 0U)
      << first_screen("hup-3");
  EXPECT_TRUE(server.process().running());

  // SIGTERM still stops it gracefully.
  stop(server);
}

}  // namespace
}  // namespace ventanilla::test
