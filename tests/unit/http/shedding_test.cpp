// Priority shedding at the HTTP layer (issue #8 "Hostile clients"): with routes of every shed class
// whose handlers hold their slot until the test releases them, in-flight work fills up step by
// step and each class is refused exactly at its share of max_inflight — admin at 50 %, SMS at
// 80 %, USSD only at 100 % and then with its own reply instead of a 503 — and everything is
// admitted again once the work drains.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "http/load_gauge.hpp"
#include "support/in_process_server.hpp"
#include "support/raw_http.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;
using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using http::RequestContext;
using http::ShedClass;

constexpr std::string_view kUssdShedBody = "END Lo sentimos, intente de nuevo.";

// Handlers wait here until released: the work they stand for keeps its in-flight slot meanwhile.
struct Gate {
  std::atomic<bool> open{false};
};

http::AsyncHandler held_handler(std::shared_ptr<Gate> gate, std::string answer) {
  return
      [gate, answer](const HttpRequest&, RequestContext&) -> boost::asio::awaitable<HttpResponse> {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        while (!gate->open.load()) {
          timer.expires_after(2ms);
          co_await timer.async_wait(boost::asio::use_awaitable);
        }
        co_return HttpResponse::text(200, answer);
      };
}

http::Router class_router(const std::shared_ptr<Gate>& gate) {
  auto ussd_shed =
      std::make_shared<const HttpResponse>(HttpResponse::text(200, std::string(kUssdShedBody)));
  http::Router router;
  router.add({.name = "healthz",
              .path = "/healthz",
              .methods = {Method::kGet},
              .handler = http::SyncHandler([](const HttpRequest&, RequestContext&) {
                return HttpResponse::text(200, "ok\n");
              }),
              .options = {.exempt_from_shedding = true}});
  router.add({.name = "admin",
              .path = "/admin",
              .methods = {Method::kPost},
              .handler = held_handler(gate, "admin done"),
              .options = {.shed_class = ShedClass::kAdmin}});
  router.add({.name = "sms",
              .path = "/sms",
              .methods = {Method::kPost},
              .handler = held_handler(gate, "sms done"),
              .options = {.requires_content_length = true, .shed_class = ShedClass::kSms}});
  router.add({.name = "ussd",
              .path = "/ussd",
              .methods = {Method::kPost},
              .handler = held_handler(gate, "CON menu"),
              .options = {.requires_content_length = true,
                          .shed_class = ShedClass::kUssd,
                          .shed_reply = [ussd_shed] { return ussd_shed; }}});
  return router;
}

http::ServerLimits class_limits() {
  http::ServerLimits l;
  l.max_inflight = 10;
  l.shed_admin_at_percent = 50;
  l.shed_sms_at_percent = 80;
  l.retry_after_s = 4;
  l.header_timeout = 5s;
  l.body_timeout = 5s;
  l.idle_timeout = 5s;
  l.handler_timeout = 30s;  // longer than any test: the gate, not the deadline, ends the work
  return l;
}

// Polls until the server counts `n` requests in flight; false after `limit`.
bool wait_inflight(InProcessServer& server, std::uint32_t n, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (server.metrics().inflight() != n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

enum class Outcome { kAdmitted, k503, kShedReply };

struct Step {
  std::string_view path;
  Outcome outcome;
  std::uint32_t inflight_after;
};

std::string describe(const Step& s) {
  return std::string(s.path) + " at " + std::to_string(s.inflight_after) + " in flight";
}

TEST(Shedding, ClassesAreRefusedInTheOrderAdminSmsUssdAndAllReturnAfterTheWorkDrains) {
  auto gate = std::make_shared<Gate>();
  InProcessServer server(class_router(gate), class_limits());
  // max_inflight 10: admin admitted below 5, SMS below 8, USSD below 10.
  const std::vector<Step> steps = {
      {"/admin", Outcome::kAdmitted, 1},  {"/admin", Outcome::kAdmitted, 2},
      {"/admin", Outcome::kAdmitted, 3},  {"/admin", Outcome::kAdmitted, 4},
      {"/admin", Outcome::kAdmitted, 5},  {"/admin", Outcome::k503, 5},
      {"/sms", Outcome::kAdmitted, 6},    {"/ussd", Outcome::kAdmitted, 7},
      {"/sms", Outcome::kAdmitted, 8},    {"/admin", Outcome::k503, 8},
      {"/sms", Outcome::k503, 8},         {"/ussd", Outcome::kAdmitted, 9},
      {"/ussd", Outcome::kAdmitted, 10},  {"/ussd", Outcome::kShedReply, 10},
      {"/sms", Outcome::k503, 10},        {"/admin", Outcome::k503, 10},
      {"/ussd", Outcome::kShedReply, 10},
  };
  std::vector<std::unique_ptr<RawConnection>> held;
  for (const auto& step : steps) {
    SCOPED_TRACE(describe(step));
    if (step.outcome == Outcome::kAdmitted) {
      held.push_back(std::make_unique<RawConnection>(server.port()));
      ASSERT_TRUE(held.back()->send(post_request(step.path, "x")));
      ASSERT_TRUE(wait_inflight(server, step.inflight_after))
          << "in flight: " << server.metrics().inflight();
      continue;
    }
    auto r = round_trip(server.port(), post_request(step.path, "x"), 5s);
    ASSERT_TRUE(r);
    if (step.outcome == Outcome::k503) {
      EXPECT_EQ(r->status, 503);
      EXPECT_EQ(r->header("retry-after"), "4");
    } else {
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, kUssdShedBody);
      EXPECT_FALSE(r->header("retry-after"));
    }
    EXPECT_EQ(server.metrics().inflight(), step.inflight_after);
  }
  auto health = round_trip(server.port(), get_request("/healthz"), 5s);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << "exempt routes answer at 100 %";
  EXPECT_EQ(server.metrics().shed(ShedClass::kAdmin), 3u);
  EXPECT_EQ(server.metrics().shed(ShedClass::kSms), 2u);
  EXPECT_EQ(server.metrics().shed(ShedClass::kUssd), 2u);
  EXPECT_EQ(server.metrics().shed(http::ShedReason::kInflight), 7u);

  gate->open = true;
  for (auto& c : held) {
    auto r = c->read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  ASSERT_TRUE(wait_inflight(server, 0));
  for (const std::string_view path : {"/admin", "/sms", "/ussd"}) {
    auto r = round_trip(server.port(), post_request(path, "x"), 5s);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_NE(r->body, kUssdShedBody) << path;
  }
  std::string rendered;
  server.metrics().render(rendered);
  for (const char* line : {"ventanilla_http_shed_total{reason=\"inflight\",class=\"admin\"} 3\n",
                           "ventanilla_http_shed_total{reason=\"inflight\",class=\"sms\"} 2\n",
                           "ventanilla_http_shed_total{reason=\"inflight\",class=\"ussd\"} 2\n",
                           "ventanilla_http_inflight 0\n"}) {
    EXPECT_NE(rendered.find(line), std::string::npos) << line << rendered;
  }
}

// A slot is taken once the body is in, not when the header is routed: requests whose bodies
// trickle in (slowhttptest -B) hold connections, bounded by body_timeout, but never in-flight
// slots, so they cannot shed legitimate work. Before the fix, 12 unfinished bodies at
// max_inflight 10 made the next USSD hop get the shed reply.
TEST(Shedding, UnfinishedBodiesHoldNoInflightSlot) {
  auto gate = std::make_shared<Gate>();
  gate->open = true;
  InProcessServer server(class_router(gate), class_limits());
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 12; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    // The header announces 100 bytes; one arrives.
    ASSERT_TRUE(
        slow.back()->send("POST /ussd HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nx"));
  }
  std::this_thread::sleep_for(100ms);  // every slow header routed (the server reads them at once)
  EXPECT_EQ(server.metrics().inflight(), 0u);
  for (const std::string_view path : {"/ussd", "/sms", "/admin"}) {
    auto r = round_trip(server.port(), post_request(path, "x"), 5s);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_NE(r->body, kUssdShedBody) << path << ": shed while only slow bodies were pending";
  }
  EXPECT_EQ(server.metrics().shed(http::ShedReason::kInflight), 0u);
}

// The admin API will have a listener of its own: given the carrier listener's gauge, its work
// counts against the same budget, so carrier load sheds admin work there and vice versa.
TEST(Shedding, ServersSharingAGaugeShedAgainstOneBudget) {
  auto gate = std::make_shared<Gate>();
  auto load = std::make_shared<http::LoadGauge>();
  InProcessServer carrier(class_router(gate), class_limits(), 2, load);
  InProcessServer admin(class_router(gate), class_limits(), 1, load);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (std::uint32_t i = 1; i <= 5; ++i) {
    held.push_back(std::make_unique<RawConnection>(carrier.port()));
    ASSERT_TRUE(held.back()->send(post_request("/ussd", "x")));
    ASSERT_TRUE(wait_inflight(carrier, i));
  }
  EXPECT_EQ(admin.metrics().inflight(), 5u) << "both show the shared gauge";
  auto refused = round_trip(admin.port(), post_request("/admin", "x"), 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << "admin is shed at 50 % of the shared budget";
  EXPECT_EQ(admin.metrics().shed(ShedClass::kAdmin), 1u);
  gate->open = true;
  for (auto& c : held) ASSERT_TRUE(c->read_response(5s));
  ASSERT_TRUE(wait_inflight(carrier, 0));
  auto admitted = round_trip(admin.port(), post_request("/admin", "x"), 5s);
  ASSERT_TRUE(admitted);
  EXPECT_EQ(admitted->status, 200);
}

// A USSD handler past its deadline is answered like a shed hop: a 503 would reach the user as
// a carrier error page.
TEST(Shedding, UssdHandlerPastItsDeadlineGetsTheShedReply) {
  auto gate = std::make_shared<Gate>();
  auto limits = class_limits();
  limits.handler_timeout = 200ms;
  InProcessServer server(class_router(gate), limits);
  auto ussd = round_trip(server.port(), post_request("/ussd", "x"), 5s);
  ASSERT_TRUE(ussd);
  EXPECT_EQ(ussd->status, 200);
  EXPECT_EQ(ussd->body, kUssdShedBody);
  auto sms = round_trip(server.port(), post_request("/sms", "x"), 5s);
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->status, 503);
  EXPECT_EQ(sms->header("retry-after"), "4");
  gate->open = true;
}

TEST(Shedding, RefusedConnectionsCarryTheConfiguredRetryAfter) {
  auto gate = std::make_shared<Gate>();
  auto limits = class_limits();
  limits.max_connections = 2;
  limits.retry_after_s = 9;
  InProcessServer server(class_router(gate), limits);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->send(get_request("/healthz")));
    ASSERT_TRUE(held.back()->read_response());  // accepted and counted
  }
  auto refused = round_trip(server.port(), get_request("/healthz"), 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("retry-after"), "9");
  gate->open = true;
}

struct ShareCase {
  std::uint32_t max_inflight;
  std::uint32_t percent;
  std::uint32_t want;
};

TEST(Shedding, ShareOfMaxInflightRoundsUpSoEveryClassKeepsASlot) {
  for (const auto& c : std::vector<ShareCase>{{10, 50, 5},
                                              {10, 80, 8},
                                              {10, 100, 10},
                                              {256, 50, 128},
                                              {256, 80, 205},
                                              {1, 1, 1},
                                              {1, 50, 1},
                                              {3, 34, 2},
                                              {100'000, 1, 1000}}) {
    EXPECT_EQ(http::share_of(c.max_inflight, c.percent), c.want)
        << c.percent << " % of " << c.max_inflight;
  }
}

}  // namespace
}  // namespace ventanilla::test
