// Fault injection against the real `ventanilla serve` (issue #8; code-style.md "Durability,
// SQLite-style"): the fault-injecting VFS (tests/support/fault_vfs/fault_vfs.cpp) is LD_PRELOADed
// into the server and armed through its control file, so a write, a sync or the whole disk fails
// at a chosen point while a carrier talks to the gateway. Then:
//   - an inbound SMS whose write failed is refused with 503 + Retry-After, never a 2xx; once the
//     fault clears, the carrier's retry of the same message is accepted, exactly once;
//   - a USSD hop whose write failed gets the localized END apology in the session's language,
//     never a CON pretending the step was saved; the next session works;
//   - a foreign connection holding the write lock (SQLITE_BUSY past storage.busy_timeout_ms)
//     gets the same answers within a bounded time, never a hang, and writes succeed once the lock
//     is released;
//   - after every case the process is alive, /healthz and /readyz answer (readyz back to 200),
//     PRAGMA integrity_check is ok and every row the gateway acknowledged is in the database.
//
// Two servers, started on first use: storage.synchronous = "full" (the writer fdatasyncs the WAL
// itself, so a "sync" fault hits that fdatasync) and "extra" (SQLite syncs the WAL in COMMIT, so a
// "sync" fault hits the VFS's xSync). Each test uses fresh numbers, message ids and sessions.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "inbound/ussd_hop.hpp"
#include "storage/database.hpp"
#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kKannelSecret = "9f3c2a7e5b1d4c8f0e6a2b9d7c5e3f1a";
constexpr std::string_view kUssdRoute = "/v1/africastalking/ussd";
// SQLite's busy wait for the server's write connection: small, so the BUSY case is quick.
constexpr std::string_view kBusyTimeoutMs = "200";
// "Answers at all": far above busy_timeout and the 5 s handler deadline, far below a hang.
constexpr auto kAnswerWithin = 10s;

// The error.apology texts of the shipped menus (menus/texts/*.toml) as a GSM-7 screen shows them.
struct Language {
  std::string_view code;
  std::string_view menu_choice;  // on the first screen
  std::string_view apology;
};
constexpr Language kSpanish{
    "es", "1", "END Lo sentimos, hubo un error. Por favor, marque de nuevo mas tarde."};
constexpr Language kEnglish{"en", "2", "END Sorry, something went wrong. Please dial again later."};
constexpr Language kFrench{"fr", "3",
                           "END Désolé, une erreur s'est produite. Veuillez rappeler plus tard."};

// The language of an apology screen, or "" when `body` is not one.
std::string_view apology_language(std::string_view body) {
  for (const auto& l : {kSpanish, kEnglish, kFrench}) {
    if (body == l.apology) return l.code;
  }
  return {};
}
bool is_apology(std::string_view body) { return !apology_language(body).empty(); }

// --- A server with the fault VFS ---------------------------------------------------------------

class FaultServer {
 public:
  explicit FaultServer(std::string_view synchronous) : control_(dir_.file("fault-control")) {
    arm("off");
    ServeOptions options{.seed_directory = true};
    options.extra_args = {"--set", "storage.synchronous=" + std::string(synchronous), "--set",
                          "storage.busy_timeout_ms=" + std::string(kBusyTimeoutMs)};
    options.env = {{"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)},
                   {"VENTANILLA_FAULT_CONTROL", control_}};
    // Exported by the shell for the exec'd server only (not for the shell). An ASan server checks
    // that its runtime is the first library loaded; the preloaded VFS comes first on purpose.
    options.wrapper_shell =
        "export LD_PRELOAD='" + std::string(VENTANILLA_FAULT_VFS) +
        "' ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\"";
    server_ = std::make_unique<ServeProcess>(dir_, std::move(options));
  }

  ServeProcess& server() { return *server_; }
  std::uint16_t port() { return server_->port(); }

  // One control line (fault_vfs.cpp); renamed into place so the VFS sees a new file each time.
  void arm(std::string_view line) {
    const std::string next = control_ + ".next";
    {
      std::ofstream out(next, std::ios::trunc);
      out << line << '\n';
    }
    std::filesystem::rename(next, control_);
  }
  // Faults injected since the last call ("write 1", "fdatasync 2", ...).
  std::vector<std::string> take_fired() {
    // Moved aside first, so a line the server appends meanwhile is kept for the next call.
    const std::string taken = control_ + ".log.taken";
    std::error_code missing;
    std::filesystem::rename(control_ + ".log", taken, missing);
    std::vector<std::string> lines;
    {
      std::ifstream in(taken);
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    std::filesystem::remove(taken, missing);
    return lines;
  }

  // Every SMS id and USSD hop the gateway acknowledged, for the "nothing acked lost" check.
  std::vector<std::string> acked_sms;
  struct AckedHop {
    std::string session, text, body;
  };
  std::vector<AckedHop> acked_hops;

 private:
  TempDir dir_{"ventanilla-fault"};
  std::string control_;
  std::unique_ptr<ServeProcess> server_;
};

enum class Sync { kFull, kExtra };

FaultServer& server_for(Sync sync) {
  static std::map<Sync, std::unique_ptr<FaultServer>> servers;
  auto& s = servers[sync];
  if (!s) s = std::make_unique<FaultServer>(sync == Sync::kFull ? "full" : "extra");
  return *s;
}

// The server for `sync`, or nullptr (with the reason printed) when it did not start.
FaultServer* started(Sync sync) {
  try {
    return &server_for(sync);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "server did not start: " << e.what();
    return nullptr;
  }
}

// --- Carrier requests ---------------------------------------------------------------------------

struct Sms {
  std::string id;
  std::string from;  // digits, as Kannel's %p
  std::string text;
};

Sms fresh_sms() {
  static std::atomic<int> counter{0};
  const int n = ++counter;
  return {"fault-" + std::to_string(::getpid()) + "-" + std::to_string(n),
          "5025" + std::to_string(4100000 + n * 11), "hola"};
}

std::optional<RawResponse> send_sms(FaultServer& s, const Sms& m) {
  const std::string target = "/v1/kannel/sms/" + std::string(kKannelSecret) +
                             "?from=" + form_encode(m.from) +
                             "&to=12345&text=" + form_encode(m.text) + "&id=" + form_encode(m.id) +
                             "&smsc=FAKE&coding=0&charset=UTF-8";
  return round_trip(s.port(), get_request(target), kAnswerWithin);
}

// A carrier USSD session: cumulative text, one hop per post.
class UssdCaller {
 public:
  UssdCaller(FaultServer& server, std::string phone) : server_(server), phone_(std::move(phone)) {
    static std::atomic<int> counter{0};
    session_ = "fault-session-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  }
  // The reply to the next input (the first hop when `input` is empty), nullopt without an answer.
  std::optional<RawResponse> press(std::string_view input) {
    if (!input.empty()) text_ += text_.empty() ? std::string(input) : "*" + std::string(input);
    const std::string body =
        "sessionId=" + form_encode(session_) + "&serviceCode=" + form_encode("*123#") +
        "&phoneNumber=" + form_encode(phone_) + "&networkCode=704001&text=" + form_encode(text_);
    auto r = round_trip(server_.port(), post_request(kUssdRoute, body), kAnswerWithin);
    if (r && r->status == 200 && r->body.rfind("CON ", 0) == 0) {
      server_.acked_hops.push_back({session_, text_, r->body});
    }
    return r;
  }

 private:
  FaultServer& server_;
  std::string phone_;
  std::string session_;
  std::string text_;
};

std::string fresh_phone() {
  static std::atomic<int> counter{0};
  return "+5025" + std::to_string(5200000 + ++counter * 13);
}

// --- Checks ------------------------------------------------------------------------------------

// The dedupe row of a Kannel message: one per message the gateway committed.
constexpr std::string_view kCountSmsRows =
    "SELECT COUNT(*) FROM inbound_seen WHERE carrier = 'kannel' AND dedupe_key = ?1";

std::int64_t sms_rows(FaultServer& s, const std::string& id) {
  auto db = storage::Database::open(s.server().db_path());
  if (!db) throw std::runtime_error(db.error().message());
  auto select = db->prepare(kCountSmsRows);
  const std::string key = "id:" + id;
  select.bind(1, key);
  return select.step() ? select.column_int64(0) : -1;
}

// Polls /readyz until it says ready (its database probe is cached for a second).
std::optional<Clock::duration> ready_within(FaultServer& s, Clock::duration limit) {
  const auto start = Clock::now();
  do {
    auto r = round_trip(s.port(), get_request("/readyz"), kAnswerWithin);
    if (r && r->status == 200) return Clock::now() - start;
    std::this_thread::sleep_for(50ms);
  } while (Clock::now() - start < limit);
  return std::nullopt;
}

// The server survived and kept its promises: alive, answering, ready again, the database sound,
// every acknowledged SMS and USSD hop stored (the hop with the very reply it was sent).
void expect_server_recovered(FaultServer& s) {
  EXPECT_TRUE(s.server().process().running()) << "the server died";
  const auto health = round_trip(s.port(), get_request("/healthz"), kAnswerWithin);
  ASSERT_TRUE(health.has_value()) << "/healthz did not answer";
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(ready_within(s, 5s).has_value()) << "/readyz not back to 200";

  auto db = storage::Database::open(s.server().db_path());
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_EQ(db->integrity_check(), "ok");
  auto sms = db->prepare(kCountSmsRows);
  for (const auto& id : s.acked_sms) {
    const std::string key = "id:" + id;
    sms.bind(1, key);
    EXPECT_TRUE(sms.step() && sms.column_int64(0) == 1) << "acknowledged SMS lost: " << id;
    sms.reset();
  }
  auto hop =
      db->prepare("SELECT reply FROM inbound_seen WHERE carrier = 'at-ussd' AND dedupe_key = ?1");
  for (const auto& h : s.acked_hops) {
    const std::string key = inbound::hop_dedupe_key(h.session, h.text);
    hop.bind(1, key);
    EXPECT_TRUE(hop.step() && hop.column_text(0) == h.body)
        << "acknowledged USSD hop lost: session " << h.session << " text \"" << h.text << "\"";
    hop.reset();
  }
}

// --- Faults ------------------------------------------------------------------------------------

struct FaultCase {
  std::string name;
  Sync sync;
  std::string control;  // the VFS control line
  bool forever;         // still failing until cleared (else it passes by itself after firing)
  Language language;    // of the USSD session
};

std::vector<FaultCase> fault_cases() {
  return {
      {"write_1_once", Sync::kFull, "write 1 once", false, kEnglish},
      // A later frame of a commit: the WAL already holds part of the transaction.
      {"write_3_once", Sync::kFull, "write 3 once", false, kFrench},
      {"write_1_forever", Sync::kFull, "write 1 forever", true, kSpanish},
      {"disk_full", Sync::kFull, "full", true, kEnglish},
      // synchronous=full: the writer's own fdatasync of the WAL fails after COMMIT...
      {"fdatasync_1_once", Sync::kFull, "fdatasync 1 once", false, kFrench},
      {"fdatasync_1_forever", Sync::kFull, "fdatasync 1 forever", true, kEnglish},
      // ...or whichever sync comes first (SQLite's sync of a restarted WAL's header in COMMIT).
      {"sync_1_once", Sync::kFull, "sync 1 once", false, kSpanish},
      // synchronous=extra: SQLite's xSync of the WAL fails inside COMMIT.
      {"extra_sync_1_once", Sync::kExtra, "sync 1 once", false, kSpanish},
      {"extra_sync_1_forever", Sync::kExtra, "sync 1 forever", true, kEnglish},
      {"extra_disk_full", Sync::kExtra, "full", true, kFrench},
  };
}

// Most fresh messages (or hops) tried before the armed fault must have fired.
constexpr int kMaxTries = 5;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// An inbound SMS while the fault is armed: refused with 503 + Retry-After (messages that went
// through before the fault fired are acknowledged and must be kept); the carrier's retry after the
// fault clears is accepted, once.
void check_sms(FaultServer& s, const FaultCase& c) {
  s.arm(c.control);
  std::optional<Sms> refused;
  Clock::duration refused_after{};
  for (int i = 0; i < kMaxTries && !refused; ++i) {
    const Sms m = fresh_sms();
    const auto start = Clock::now();
    const auto r = send_sms(s, m);
    ASSERT_TRUE(r.has_value()) << "no answer within " << kAnswerWithin.count() << " s";
    if (r->status == 200) {
      s.acked_sms.push_back(m.id);
      continue;
    }
    refused_after = Clock::now() - start;
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_TRUE(r->header("retry-after").has_value()) << "503 without Retry-After";
    refused = m;
  }
  ASSERT_TRUE(refused) << "no message was refused in " << kMaxTries << " tries";
  const auto fired = s.take_fired();
  EXPECT_FALSE(fired.empty()) << "refused, but no fault was injected";
  // Only the writer's own fdatasync fails after COMMIT: the message is then stored, its
  // durability unknown, and the retry is answered from it. Any other fault stores nothing.
  const bool after_commit = std::any_of(fired.begin(), fired.end(), [](const std::string& f) {
    return f.rfind("fdatasync", 0) == 0;
  });
  EXPECT_EQ(sms_rows(s, refused->id), after_commit ? 1 : 0);

  if (c.forever) {  // the carrier retries while the disk is still failing
    const auto again = send_sms(s, *refused);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, 503) << again->body;
    // Still serving meanwhile: alive, and readiness answers (whatever it reports).
    const auto health = round_trip(s.port(), get_request("/healthz"), kAnswerWithin);
    ASSERT_TRUE(health.has_value()) << "/healthz did not answer during the fault";
    EXPECT_EQ(health->status, 200);
    EXPECT_TRUE(round_trip(s.port(), get_request("/readyz"), kAnswerWithin).has_value())
        << "/readyz did not answer during the fault";
  }

  s.arm("off");
  const auto start = Clock::now();
  const auto accepted = send_sms(s, *refused);
  const auto recovered_after = Clock::now() - start;
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  if (accepted->status == 200) s.acked_sms.push_back(refused->id);
  const auto replayed = send_sms(s, *refused);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(replayed->status, 200);
  EXPECT_EQ(replayed->body, accepted->body) << "a retry must get the identical reply";
  EXPECT_EQ(sms_rows(s, refused->id), 1);
  std::printf("%-22s SMS: 503 in %.1f ms; retry after clearing accepted in %.1f ms\n",
              c.name.c_str(), ms(refused_after), ms(recovered_after));
}

// A USSD hop while the fault is armed: the END apology in the session's language (hops that went
// through before the fault fired are acknowledged and must be kept); after clearing, a new
// session of the same caller works.
void check_ussd(FaultServer& s, const FaultCase& c) {
  const std::string phone = fresh_phone();
  UssdCaller caller(s, phone);
  const auto first = caller.press("");
  ASSERT_TRUE(first && first->body.rfind("CON ", 0) == 0);
  const auto chosen = caller.press(c.language.menu_choice);
  ASSERT_TRUE(chosen && chosen->body.rfind("CON ", 0) == 0);

  s.arm(c.control);
  std::optional<RawResponse> apology;
  for (int i = 0; i < kMaxTries && !apology; ++i) {
    auto r = caller.press("1");
    ASSERT_TRUE(r.has_value()) << "no answer within " << kAnswerWithin.count() << " s";
    EXPECT_EQ(r->status, 200);
    if (is_apology(r->body)) {
      apology = std::move(r);
    } else if (r->body.rfind("END ", 0) == 0) {
      break;  // the walk ended before the fault fired
    }
  }
  ASSERT_TRUE(apology) << "no hop got the apology";
  EXPECT_EQ(apology->body, c.language.apology) << "apology not in the session's language";
  EXPECT_FALSE(s.take_fired().empty()) << "apology, but no fault was injected";

  s.arm("off");
  UssdCaller next(s, phone);
  const auto again = next.press("");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body.rfind("CON ", 0), 0u) << again->body;
  const auto step = next.press("1");
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->body.rfind("CON ", 0), 0u) << step->body;
}

// One test over the whole table: a server start costs more than all the cases together, and
// ctest runs each TEST in its own process.
TEST(FaultInjection, FailedWritesAreRefusedOrApologizedAndTheServerRecovers) {
  for (const FaultCase& c : fault_cases()) {
    SCOPED_TRACE("fault case " + c.name + " (\"" + c.control + "\")");
    FaultServer* server = started(c.sync);
    ASSERT_NE(server, nullptr);
    FaultServer& s = *server;
    s.arm("off");
    s.take_fired();
    check_sms(s, c);
    s.arm("off");
    expect_server_recovered(s);
    check_ussd(s, c);
    s.arm("off");
    expect_server_recovered(s);
  }
}

// --- After a failed WAL sync, nothing is acknowledged until a checkpoint repairs it ----------

// Value of an unlabelled counter in /metrics, or -1.
double metric(FaultServer& s, std::string_view name) {
  const auto r = round_trip(s.port(), get_request("/metrics"), kAnswerWithin);
  if (!r || r->status != 200) return -1;
  const std::string prefix = "\n" + std::string(name) + " ";
  const auto at = r->body.find(prefix);
  if (at == std::string::npos) return -1;
  return std::strtod(r->body.c_str() + at + prefix.size(), nullptr);
}

// A failed fdatasync may have lost WAL pages on disk, and SQLite's recovery stops at the first bad
// frame: a later message, although its own sync succeeds, would be lost with them at a crash.
// So the writer acknowledges nothing until a TRUNCATE checkpoint has moved every committed frame
// into the synced database file. The test keeps that checkpoint failing (every VFS sync fails;
// the writer's own fdatasync works again) and sees the next message refused unrun; once the
// syncs work, the checkpoint runs and both messages are accepted, once each.
TEST(FaultInjection, AfterAFailedWalSyncNothingIsAcknowledgedUntilACheckpointRewritesTheDatabase) {
  FaultServer* server = started(Sync::kFull);
  ASSERT_NE(server, nullptr);
  FaultServer& s = *server;
  s.arm("off");
  s.take_fired();
  const double checkpoints_before = metric(s, "ventanilla_storage_recovery_checkpoints_total");
  ASSERT_GE(checkpoints_before, 0) << "no recovery checkpoint counter in /metrics";

  s.arm("fdatasync 1 once");
  const Sms unknown = fresh_sms();
  const auto first = send_sms(s, unknown);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->status, 503) << first->body;
  EXPECT_EQ(sms_rows(s, unknown.id), 1) << "committed, durability unknown";
  EXPECT_EQ(s.take_fired(), std::vector<std::string>{"fdatasync 1"});
  EXPECT_GE(metric(s, "ventanilla_storage_wal_sync_failures_total"), 1);

  s.arm("sync 1 forever");  // the checkpoint's syncs fail; the WAL's own fdatasync works
  const Sms later = fresh_sms();
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto held = send_sms(s, later);
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->status, 503) << "acknowledged before the failed sync was repaired";
    EXPECT_TRUE(held->header("retry-after").has_value());
  }
  EXPECT_EQ(sms_rows(s, later.id), 0) << "a held write must not run";
  EXPECT_FALSE(s.take_fired().empty()) << "the recovery checkpoint never synced";
  EXPECT_EQ(metric(s, "ventanilla_storage_recovery_checkpoints_total"), checkpoints_before);
  EXPECT_GE(metric(s, "ventanilla_storage_held_jobs_total"), 2);

  s.arm("off");
  const auto accepted = send_sms(s, later);
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  if (accepted->status == 200) s.acked_sms.push_back(later.id);
  EXPECT_EQ(metric(s, "ventanilla_storage_recovery_checkpoints_total"), checkpoints_before + 1);
  const auto retried = send_sms(s, unknown);
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->status, 200) << retried->body;
  if (retried->status == 200) s.acked_sms.push_back(unknown.id);
  EXPECT_EQ(sms_rows(s, unknown.id), 1);
  EXPECT_EQ(sms_rows(s, later.id), 1);
  expect_server_recovered(s);
}

// --- SQLITE_BUSY: a foreign connection holds the write lock -------------------------------------

class ForeignWriteLock {
 public:
  explicit ForeignWriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5'000);  // the server may be mid-commit
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("BEGIN IMMEDIATE: ") + sqlite3_errmsg(db_));
  }
  ForeignWriteLock(const ForeignWriteLock&) = delete;
  ForeignWriteLock& operator=(const ForeignWriteLock&) = delete;
  ~ForeignWriteLock() { release(); }
  void release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(FaultInjectionBusy, WriteLockHeldElsewhereGives503AndApologyThenRecovers) {
  FaultServer* server = started(Sync::kFull);
  ASSERT_NE(server, nullptr);
  FaultServer& s = *server;
  const std::string phone = fresh_phone();
  UssdCaller caller(s, phone);
  ASSERT_TRUE(caller.press(""));
  const auto chosen = caller.press(kEnglish.menu_choice);
  ASSERT_TRUE(chosen && chosen->body.rfind("CON ", 0) == 0);

  ForeignWriteLock lock(s.server().db_path());
  const Sms m = fresh_sms();
  auto start = Clock::now();
  const auto refused = send_sms(s, m);
  const auto sms_answer = Clock::now() - start;
  ASSERT_TRUE(refused.has_value()) << "no answer within " << kAnswerWithin.count() << " s";
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_TRUE(refused->header("retry-after").has_value()) << "503 without Retry-After";

  start = Clock::now();
  const auto hop = caller.press("1");
  const auto ussd_answer = Clock::now() - start;
  ASSERT_TRUE(hop.has_value()) << "no answer within " << kAnswerWithin.count() << " s";
  EXPECT_EQ(hop->status, 200);
  // The hop's job never ran (BEGIN failed); the writer's read outside the transaction found the
  // session's language.
  EXPECT_EQ(hop->body, kEnglish.apology) << "apology not in the session's language";

  const auto health = round_trip(s.port(), get_request("/healthz"), kAnswerWithin);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(round_trip(s.port(), get_request("/readyz"), kAnswerWithin).has_value());

  lock.release();
  start = Clock::now();
  const auto accepted = send_sms(s, m);
  const auto recovery = Clock::now() - start;
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  if (accepted->status == 200) s.acked_sms.push_back(m.id);
  EXPECT_EQ(sms_rows(s, m.id), 1);
  UssdCaller next(s, phone);
  const auto again = next.press("");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body.rfind("CON ", 0), 0u) << again->body;

  RecordProperty("busy_sms_503_ms", static_cast<int>(ms(sms_answer)));
  RecordProperty("busy_ussd_apology_ms", static_cast<int>(ms(ussd_answer)));
  RecordProperty("recovered_sms_ms", static_cast<int>(ms(recovery)));
  std::printf(
      "busy_timeout %s ms: SMS 503 after %.1f ms, USSD apology (%s) after %.1f ms; after release "
      "the retry was accepted in %.1f ms\n",
      std::string(kBusyTimeoutMs).c_str(), ms(sms_answer),
      std::string(apology_language(hop->body)).c_str(), ms(ussd_answer), ms(recovery));
  expect_server_recovered(s);
}

}  // namespace
}  // namespace ventanilla::test
