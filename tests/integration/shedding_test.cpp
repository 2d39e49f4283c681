// Overload against the real `ventanilla serve` (issue #8 "Hostile clients", reliability.md):
//
// 1. Three times max_inflight concurrent carrier requests, inbound SMS and USSD hops mixed, while
//    the storage writer is stalled by a write lock the test holds from its own SQLite connection
//    (BEGIN IMMEDIATE; the server's busy_timeout outlasts it). SMS is shed first (at 80 % of
//    max_inflight) with 503 + the configured Retry-After, USSD only at 100 % and then with the
//    protocol's session-ending apology (200 "END ..."); the admitted requests all complete once
//    the lock is released, and the time until a new request is served again is printed.
// 2. A connection flood past limits.max_connections: every extra connection gets 503 with the
//    configured Retry-After, and service comes back once the flood lets go.
//
// The recovery times are figures for reliability.md; the bounds asserted here are generous
// liveness limits, not goals.

#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kAtSmsSecret = "7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";
constexpr int kMaxInflight = 10;
constexpr int kSmsAdmittedBelow = 8;  // shed_sms_at_percent = 80
constexpr std::string_view kRetryAfter = "3";

// One value from /metrics (the line that starts with `series` followed by a space).
std::optional<double> metric(std::uint16_t port, std::string_view series) {
  auto r = round_trip(port, get_request("/metrics"), 5s);
  if (!r || r->status != 200) return std::nullopt;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.rfind(series, 0) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

std::string sms_request(int n) {
  const std::string body =
      "linkId=L" + std::to_string(n) + "&text=hola&to=40404&id=shed-sms-" + std::to_string(n) +
      "&date=2026-11-29+04%3A02%3A33&networkCode=70401&from=%2B5025" + std::to_string(7000000 + n);
  return post_request("/v1/africastalking/sms/" + std::string(kAtSmsSecret), body);
}

std::string ussd_request(int n) {
  const std::string body = "sessionId=shed-ussd-" + std::to_string(n) +
                           "&serviceCode=%2A123%23&phoneNumber=%2B5025" +
                           std::to_string(8000000 + n) + "&networkCode=704001&text=";
  return post_request("/v1/africastalking/ussd", body);
}

// The test's own write lock on the server's database: while held, the storage writer waits in
// its busy handler and every request that needs a commit stays in flight.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("BEGIN IMMEDIATE: ") + sqlite3_errmsg(db_));
  }
  ~WriteLock() {
    release();
    sqlite3_close(db_);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;
  void release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = true;
};

// Reads the server's stderr all along: every shed request is logged, and a server blocked on a
// full pipe answers nobody.
class LogDrain {
 public:
  explicit LogDrain(ServeProcess& serve)
      : thread_([this, &serve] {
          while (!stop_) serve.log_lines(50ms);
        }) {}
  ~LogDrain() {
    stop_ = true;
    thread_.join();
  }
  LogDrain(const LogDrain&) = delete;
  LogDrain& operator=(const LogDrain&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Shedding, AtThreeTimesCapacitySmsIsShedBeforeUssdAndServiceRecoversAfterTheStall) {
  TempDir dir{"ventanilla-shedding"};
  ServeOptions options{.seed_directory = true};  // the USSD menus, for the apology
  options.extra_args = {"--set", "limits.max_inflight=" + std::to_string(kMaxInflight),
                        "--set", "limits.shed_sms_at_percent=80",
                        "--set", "limits.retry_after_s=" + std::string(kRetryAfter),
                        "--set", "limits.handler_timeout_ms=30000",
                        "--set", "storage.busy_timeout_ms=30000"};
  options.env = {{"VENTANILLA_AT_SMS_SECRET", std::string(kAtSmsSecret)}};
  ServeProcess serve(dir, options);
  LogDrain drain(serve);
  const auto port = serve.port();
  // Both routes work before the stall.
  auto warm_sms = round_trip(port, sms_request(0), 10s);
  ASSERT_TRUE(warm_sms);
  ASSERT_EQ(warm_sms->status, 200) << warm_sms->body;
  auto warm_ussd = round_trip(port, ussd_request(0), 10s);
  ASSERT_TRUE(warm_ussd);
  ASSERT_EQ(warm_ussd->status, 200) << warm_ussd->body;
  ASSERT_EQ(warm_ussd->body.rfind("CON ", 0), 0u) << warm_ussd->body;

  auto lock = std::make_unique<WriteLock>(serve.db_path());
  constexpr int kBurst = 3 * kMaxInflight;
  struct Sent {
    bool sms;
    std::unique_ptr<RawConnection> connection;
    std::optional<RawResponse> response;
  };
  std::vector<Sent> sent;
  for (int i = 1; i <= kBurst; ++i) {
    const bool sms = i % 2 == 1;
    sent.push_back({sms, std::make_unique<RawConnection>(port), std::nullopt});
    ASSERT_TRUE(sent.back().connection->send(sms ? sms_request(i) : ussd_request(i)));
  }
  // Exactly max_inflight requests are admitted (USSD fills what SMS may not), so the other
  // 2 x max_inflight are answered at once, while the stall holds the admitted ones.
  int answered = 0;
  const auto burst_deadline = Clock::now() + 10s;
  while (answered < kBurst - kMaxInflight && Clock::now() < burst_deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (sent[i].response) continue;
      fds.push_back({sent[i].connection->fd(), POLLIN, 0});
      index.push_back(i);
    }
    ASSERT_GE(::poll(fds.data(), fds.size(), 100), 0);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto& s = sent[index[k]];
      s.response = s.connection->read_response(2s);
      ASSERT_TRUE(s.response) << "a connection closed without a reply";
      ++answered;
    }
  }
  ASSERT_EQ(answered, kBurst - kMaxInflight);
  EXPECT_EQ(metric(port, "ventanilla_http_inflight"), kMaxInflight);

  int sms_admitted = 0;
  int ussd_admitted = 0;
  int sms_shed = 0;
  int ussd_shed = 0;
  for (const auto& s : sent) {
    if (!s.response) {
      ++(s.sms ? sms_admitted : ussd_admitted);
      continue;
    }
    if (s.sms) {
      ++sms_shed;
      EXPECT_EQ(s.response->status, 503) << s.response->body;
      EXPECT_EQ(s.response->header("retry-after"), kRetryAfter);
    } else {
      ++ussd_shed;
      EXPECT_EQ(s.response->status, 200) << "a shed USSD hop ends the session, never a 5xx";
      EXPECT_EQ(s.response->body.rfind("END Lo sentimos", 0), 0u) << s.response->body;
      EXPECT_FALSE(s.response->header("retry-after"));
    }
  }
  // The order: SMS stops being admitted at 80 %, USSD goes on to 100 %.
  EXPECT_LE(sms_admitted, kSmsAdmittedBelow);
  EXPECT_EQ(sms_admitted + ussd_admitted, kMaxInflight);
  EXPECT_GE(ussd_admitted, kMaxInflight - kSmsAdmittedBelow);
  EXPECT_EQ(metric(port, R"(ventanilla_http_shed_total{reason="inflight",class="sms"})"), sms_shed);
  EXPECT_EQ(metric(port, R"(ventanilla_http_shed_total{reason="inflight",class="ussd"})"),
            ussd_shed);

  lock->release();
  const auto released = Clock::now();
  for (auto& s : sent) {
    if (s.response) continue;
    auto r = s.connection->read_response(20s);
    ASSERT_TRUE(r) << "an admitted request never completed";
    EXPECT_EQ(r->status, 200) << r->body;
    if (!s.sms) {
      EXPECT_EQ(r->body.rfind("CON ", 0), 0u) << r->body;
    }
  }
  const double drained_s = std::chrono::duration<double>(Clock::now() - released).count();
  // Recovery: a new SMS, the class shed first, is served again.
  std::optional<RawResponse> again;
  for (int n = kBurst + 1; !(again && again->status == 200) && Clock::now() - released < 10s; ++n) {
    again = round_trip(port, sms_request(n), 10s);
    if (!again || again->status != 200) std::this_thread::sleep_for(20ms);
  }
  const double recovery_s = std::chrono::duration<double>(Clock::now() - released).count();
  std::cout << "[ shed ] " << kBurst << " concurrent requests at max_inflight " << kMaxInflight
            << ": SMS " << sms_admitted << " admitted / " << sms_shed << " shed (503), USSD "
            << ussd_admitted << " admitted / " << ussd_shed
            << " shed (END apology); after the stall: admitted ones done in " << drained_s
            << " s, new SMS served " << recovery_s << " s after release\n";
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << "not served again within 10 s of the stall ending";
  EXPECT_EQ(metric(port, "ventanilla_http_inflight"), 0);
}

TEST(Shedding, ConnectionFloodPastTheLimitGets503WithTheConfiguredRetryAfterThenRecovers) {
  constexpr int kMaxConnections = 8;  // the smallest limit the configuration allows
  constexpr int kExtra = 12;
  TempDir dir{"ventanilla-conn-flood"};
  ServeOptions options;
  options.extra_args = {"--set", "limits.max_connections=" + std::to_string(kMaxConnections),
                        "--set", "limits.retry_after_s=" + std::string(kRetryAfter)};
  ServeProcess serve(dir, options);
  LogDrain drain(serve);
  const auto port = serve.port();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kMaxConnections; ++i) {
    held.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(held.back()->send(get_request("/healthz")));
    ASSERT_TRUE(held.back()->read_response());  // accepted, counted, kept alive
  }
  for (int i = 0; i < kExtra; ++i) {
    auto refused = round_trip(port, get_request("/healthz"), 5s);
    ASSERT_TRUE(refused) << "extra connection " << i;
    EXPECT_EQ(refused->status, 503);
    EXPECT_EQ(refused->header("retry-after"), kRetryAfter);
  }
  held.clear();
  const auto released = Clock::now();
  std::optional<RawResponse> again;
  int refused_while_closing = 0;  // until the server has seen the held connections close
  while (!(again && again->status == 200) && Clock::now() - released < 10s) {
    again = round_trip(port, get_request("/healthz"), 5s);
    if (again && again->status == 503) ++refused_while_closing;
    if (!again || again->status != 200) std::this_thread::sleep_for(10ms);
  }
  const double recovery_s = std::chrono::duration<double>(Clock::now() - released).count();
  std::cout << "[ flood ] " << kMaxConnections + kExtra << " connections against "
            << kMaxConnections << ": " << kExtra << " refused (503, Retry-After " << kRetryAfter
            << "); served again " << recovery_s << " s after the flood let go\n";
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(metric(port, R"(ventanilla_http_shed_total{reason="connections"})"),
            kExtra + refused_while_closing);
}

}  // namespace
}  // namespace ventanilla::test
