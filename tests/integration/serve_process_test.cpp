// The whole `ventanilla` binary as an operator runs it: exit codes, start-up facts in the log,
// health endpoints, SIGTERM under load, recovery after SIGKILL, descriptor exhaustion, and no raw
// phone number in the log.

#include "support/serve_process.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "support/raw_http.hpp"
#include "support/shipped_data.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

std::string sqlite_scalar(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST(ServeProcess, AnswersHealthReadinessAndMetrics) {
  TempDir dir;
  ServeProcess serve(dir);
  auto health = round_trip(serve.port(), get_request("/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto ready = round_trip(serve.port(), get_request("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find(R"("database":"writable")"), std::string::npos) << ready->body;
  auto metrics = round_trip(serve.port(), get_request("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  for (const char* name : {"ventanilla_http_requests_total{route=\"healthz\",status=\"200\"} 1",
                           "ventanilla_http_request_duration_seconds_bucket{route=\"readyz\"",
                           "ventanilla_http_open_connections",
                           "ventanilla_http_shed_total{reason=\"inflight\",class=\"ussd\"} 0",
                           "ventanilla_storage_commit_duration_seconds_count"}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name << "\n" << metrics->body;
  }
}

TEST(ServeProcess, LogsEffectivePragmasAndCreatesPrivateKeyOnFirstStart) {
  TempDir dir;
  ServeProcess serve(dir);
  EXPECT_TRUE(serve.log_contains("journal_mode=wal synchronous=FULL secure_delete=1"));
  EXPECT_TRUE(serve.log_contains("created a new pseudonymization key"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(serve.db_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "the database is private to the service account";
  EXPECT_EQ(sqlite_scalar(serve.db_path(), "PRAGMA journal_mode"), "wal");
}

TEST(ServeProcess, RefusesAKeyFileOthersCanRead) {
  TempDir dir;
  {
    std::ofstream key(dir.file("secret.key"));
    key << std::string(64, 'a') << "\n";
  }
  ::chmod(dir.file("secret.key").c_str(), 0644);
  auto r = run_ventanilla({"serve", "--listen", "127.0.0.1:0", "--db", dir.file("v.db"), "--set",
                           "privacy.key_file=" + dir.file("secret.key")});
  EXPECT_EQ(r.status.code, 2) << r.err;
  EXPECT_NE(r.err.find("secret.key"), std::string::npos) << r.err;
}

struct ExitCase {
  const char* name;
  std::vector<std::string> args;
  int code;
  const char* output_contains;
};

class ExitCodes : public ::testing::TestWithParam<ExitCase> {};

void PrintTo(const ExitCase& c, std::ostream* os) { *os << c.name; }

TEST_P(ExitCodes, MatchTheContract) {
  const auto& c = GetParam();
  auto r = run_ventanilla(c.args);
  EXPECT_EQ(r.status.code, c.code) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(c.output_contains), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExitCodes,
    ::testing::Values(
        ExitCase{"top_help", {"--help"}, 0, "Usage: ventanilla VERB"},
        ExitCase{"serve_help", {"serve", "--help"}, 0, "--listen"},
        ExitCase{"check_help", {"check", "--help"}, 0, "--set"},
        ExitCase{"no_verb", {}, 2, "missing verb"},
        ExitCase{"unknown_verb", {"fly"}, 2, "unknown verb 'fly'"},
        ExitCase{"unknown_option", {"serve", "--bogus"}, 2, "unknown option --bogus"},
        ExitCase{"unknown_config_key",
                 {"serve", "--set", "no.such.key=1", "--listen", "127.0.0.1:0"},
                 2,
                 "no.such.key"},
        ExitCase{"bad_value_type",
                 {"check", "--set", "server.io_threads=\"many\""},
                 2,
                 "server.io_threads"},
        ExitCase{"check_default_config",
                 {"check", "--config", VENTANILLA_SOURCE_DIR "/config/ventanilla.toml", "--data",
                  VENTANILLA_SOURCE_DIR "/data", "--menus", VENTANILLA_SOURCE_DIR "/menus"},
                 0,
                 "ok"},
        ExitCase{"missing_config_file",
                 {"check", "--config", "/nonexistent/v.toml"},
                 2,
                 "/nonexistent/v.toml"}),
    [](const ::testing::TestParamInfo<ExitCase>& p) { return std::string(p.param.name); });

TEST(ServeProcess, BadConfigFileNamesFileLineAndKey) {
  TempDir dir;
  {
    std::ofstream f(dir.file("bad.toml"));
    f << "[server]\nlisten = \"127.0.0.1:0\"\n\n[limits]\nmax_header_bytes = \"big\"\n";
  }
  auto r = run_ventanilla({"check", "--config", dir.file("bad.toml")});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find(dir.file("bad.toml") + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("max_header_bytes"), std::string::npos) << r.err;
}

TEST(ServeProcess, PortInUseIsAFailureNotAHang) {
  TempDir dir;
  ServeProcess first(dir);
  TempDir other;
  auto r = run_ventanilla({"serve", "--listen", "127.0.0.1:" + std::to_string(first.port()), "--db",
                           other.file("v.db"), "--set", "privacy.key_file=" + other.file("k"),
                           "--set", "content.seed_on_empty=false"});
  EXPECT_EQ(r.status.code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;
}

// Keep-alive clients hammer the server; SIGTERM lands mid-stream. Every response a client gets
// must be whole, no connection may end inside a response, and the process exits 0 in time.
TEST(ServeProcess, SigtermUnderLoadFinishesWhatWasReadAndExitsZero) {
  TempDir dir;
  ServeProcess serve(dir, {.extra_args = {"--set", "limits.drain_timeout_ms=2000"}});
  std::atomic<bool> go{true};
  std::atomic<int> complete{0};
  std::atomic<int> partial{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      const char* path = i % 3 == 0 ? "/readyz" : (i % 3 == 1 ? "/healthz" : "/metrics");
      while (go) {
        std::unique_ptr<RawConnection> c;
        try {
          c = std::make_unique<RawConnection>(serve.port());
        } catch (const std::exception&) {
          return;  // acceptor closed: the server is stopping
        }
        for (;;) {
          if (!c->send(get_request(path))) break;
          auto r = c->read_response(5s);
          if (!r) {
            if (!c->pending().empty()) partial++;  // bytes of a response, then a close
            break;
          }
          complete++;
          if (r->header("connection") == "close") break;
        }
      }
    });
  }
  std::this_thread::sleep_for(400ms);
  const int before = complete.load();
  serve.process().kill(SIGTERM);
  const auto signalled = std::chrono::steady_clock::now();
  auto status = serve.process().wait_for(10s);
  go = false;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(status.has_value()) << "did not exit";
  EXPECT_TRUE(status->success()) << status->describe();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 3s);
  EXPECT_GT(before, 50) << "the load never got going";
  EXPECT_EQ(partial.load(), 0);
  EXPECT_EQ(sqlite_scalar(serve.db_path(), "PRAGMA integrity_check"), "ok");
  // The final checkpoint folded the WAL back into the database.
  struct stat st {};
  if (::stat((serve.db_path() + "-wal").c_str(), &st) == 0) {
    EXPECT_EQ(st.st_size, 0);
  }
}

TEST(ServeProcess, SigkillDuringWritesLeavesASoundDatabaseThatServesAgain) {
  TempDir dir;
  for (int round = 0; round < 3; ++round) {
    ServeProcess serve(dir);
    std::atomic<bool> go{true};
    std::thread load([&] {
      while (go) {
        try {
          round_trip(serve.port(), get_request("/readyz"), 1s);
        } catch (const std::exception&) {
          return;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 100 * round));
    auto status = serve.process().kill_and_wait();
    go = false;
    load.join();
    EXPECT_TRUE(status.killed_by(SIGKILL)) << status.describe();
    EXPECT_EQ(sqlite_scalar(dir.file("ventanilla.db"), "PRAGMA integrity_check"), "ok");
    EXPECT_FALSE(
        sqlite_scalar(dir.file("ventanilla.db"), "SELECT value FROM meta WHERE key='created_at'")
            .empty());
  }
  ServeProcess again(dir);
  auto ready = round_trip(again.port(), get_request("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

// With few descriptors, the connection cap follows RLIMIT_NOFILE, so a flood is answered with
// 503s instead of exhausting descriptors (where the server could answer nothing at all), and the
// server serves normally once the flood is gone.
TEST(ServeProcess, DescriptorLimitCapsConnectionsSoFloodsGet503NotEmfile) {
  TempDir dir;
  ServeProcess serve(dir, {.extra_args = {"--set", "limits.max_connections=100000"},
                           .wrapper_shell = "ulimit -n 64"});
  EXPECT_TRUE(serve.log_contains("capped to", 1s));
  std::vector<std::unique_ptr<RawConnection>> flood;
  int refused = 0;
  for (int i = 0; i < 80; ++i) {
    auto c = std::make_unique<RawConnection>(serve.port());
    ASSERT_TRUE(c->send(get_request("/healthz")));
    auto r = c->read_response(3s);
    ASSERT_TRUE(r) << "connection " << i << " got no answer";
    if (r->status == 503) ++refused;
    if (r->status == 200) flood.push_back(std::move(c));  // keep it open
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(flood.size(), 0u);
  EXPECT_FALSE(serve.log_contains("accept failed", 200ms)) << "descriptors ran out";
  EXPECT_TRUE(serve.process().running());
  flood.clear();
  std::optional<RawResponse> health;
  for (int i = 0; i < 100 && !(health && health->status == 200); ++i) {
    std::this_thread::sleep_for(20ms);
    health = round_trip(serve.port(), get_request("/healthz"), 1s);
  }
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServeProcess, RawPhoneNumbersNeverReachTheLogOrTheDatabase) {
  TempDir dir;
  ServeProcess serve(
      dir, {.extra_args = {"--set", "log.access_log=true", "--set", "log.level=\"debug\""}});
  const std::string number = "50255550123";
  for (const char* path : {"/healthz?phoneNumber=%2B50255550123", "/nowhere?msisdn=50255550123",
                           "/readyz?from=+50255550123"}) {
    ASSERT_TRUE(round_trip(serve.port(), get_request(path, "X-Caller: +" + number + "\r\n")));
  }
  ASSERT_TRUE(round_trip(serve.port(),
                         post_request("/metrics", "phoneNumber=%2B" + number + "&text=hola")));
  ASSERT_TRUE(serve.log_contains("route=healthz status=200", 2s)) << "access log is on";
  serve.process().kill(SIGTERM);
  ASSERT_TRUE(serve.process().wait_for(10s));
  for (const auto& line : serve.log_lines(200ms)) {
    EXPECT_EQ(line.find(number), std::string::npos) << line;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(read_file(serve.db_path() + suffix).find(number), std::string::npos) << suffix;
  }
}

// The README's run command starts on an empty database: the seed hub directory is imported once,
// loaded into memory, and a later import is picked up without a restart.
TEST(ServeProcess, FirstStartImportsTheSeedDirectoryAndReloadsAfterImport) {
  TempDir dir;
  {
    ServeProcess serve(
        dir, {.extra_args = {"--set", "content.reload_interval_ms=100"}, .seed_directory = true});
    EXPECT_TRUE(serve.log_contains("first start: imported the hub directory"));
    EXPECT_TRUE(serve.log_contains("hub directory version 1 loaded"));
    auto ready = round_trip(serve.port(), get_request("/readyz"));
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    EXPECT_NE(ready->body.find(R"("content":"loaded")"), std::string::npos);
    // Bump the directory version the way an import does; the server swaps in a new snapshot.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(serve.db_path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                           "WHERE key = 'directory_version'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    EXPECT_TRUE(serve.log_contains("hub directory version 2 loaded", 5s));
    serve.process().kill(SIGTERM);
    ASSERT_TRUE(serve.process().wait_for(10s));
  }
  ServeProcess again(dir, {.seed_directory = true});
  EXPECT_FALSE(again.log_contains("first start: imported", 300ms)) << "imported twice";
}

}  // namespace
}  // namespace ventanilla::test
