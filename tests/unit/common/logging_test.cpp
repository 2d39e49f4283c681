#include "common/logging.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "support/capturing_sink.hpp"

namespace ventanilla::logging {
namespace {

// "2026-03-01T12:00:00.123": 'd' stands for a digit. (Hand-rolled: GCC 12 warns inside
// std::regex under the sanitizer flags.)
constexpr std::string_view kTimestampShape = "dddd-dd-ddTdd:dd:dd.ddd";
constexpr std::size_t kTimestampSize = kTimestampShape.size();

bool has_timestamp_prefix(std::string_view line) {
  if (line.size() < kTimestampSize) return false;
  for (std::size_t i = 0; i < kTimestampSize; ++i) {
    const char want = kTimestampShape[i];
    const char c = line[i];
    if (want == 'd' ? (c < '0' || c > '9') : c != want) return false;
  }
  return true;
}

// Restores the process-wide level whatever a test does to it.
class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = level(); }
  void TearDown() override { set_level(saved_); }

 private:
  spdlog::level::level_enum saved_ = spdlog::level::info;
};

TEST_F(LoggingTest, ComponentLineReachesTheCaptureInTheSharedPattern) {
  test::CapturingSink capture;
  set_level(spdlog::level::info);
  get("storage")->info("checkpoint done in {} ms", 12);
  const auto lines = capture.lines();
  ASSERT_EQ(lines.size(), 1u) << capture.text();
  EXPECT_TRUE(has_timestamp_prefix(lines[0])) << lines[0];
  EXPECT_EQ(lines[0].substr(kTimestampSize), " info [storage] checkpoint done in 12 ms");
}

TEST_F(LoggingTest, SameComponentNameGivesTheSameLogger) {
  EXPECT_EQ(get("http"), get("http"));
  EXPECT_NE(get("http"), get("app"));
  EXPECT_EQ(get("http")->name(), "http");
}

TEST_F(LoggingTest, LoggersCreatedAfterAttachingAreCapturedToo) {
  test::CapturingSink capture;
  get("component-made-after-attach")->warn("late logger");
  EXPECT_TRUE(capture.contains("warning [component-made-after-attach] late logger"))
      << capture.text();
}

TEST_F(LoggingTest, RemovedSinkReceivesNothingMore) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  add_sink(sink);
  get("app")->info("while attached");
  remove_sink(sink);
  get("app")->info("after removal");
  EXPECT_NE(out.str().find("[app] while attached"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("after removal"), std::string::npos) << out.str();
}

TEST_F(LoggingTest, ClearForgetsCapturedLines) {
  test::CapturingSink capture;
  get("app")->info("first");
  capture.clear();
  get("app")->info("second");
  EXPECT_FALSE(capture.contains("first"));
  EXPECT_TRUE(capture.contains("second"));
}

TEST_F(LoggingTest, SetLevelAppliesToExistingAndNewLoggers) {
  test::CapturingSink capture;
  auto existing = get("http");
  set_level(spdlog::level::warn);
  existing->info("filtered info");
  get("brand-new-at-warn")->info("filtered too");
  existing->warn("kept warning");
  EXPECT_FALSE(capture.contains("filtered"));
  EXPECT_TRUE(capture.contains("kept warning"));
  EXPECT_EQ(level(), spdlog::level::warn);
}

TEST_F(LoggingTest, InitSetsLevelAndMakesTheDefaultLoggerShareTheSinks) {
  test::CapturingSink capture;
  init(spdlog::level::debug);
  EXPECT_EQ(level(), spdlog::level::debug);
  spdlog::debug("through the spdlog default logger");
  EXPECT_TRUE(capture.contains("debug [ventanilla] through the spdlog default logger"))
      << capture.text();
}

struct LevelName {
  std::string_view name;
  std::optional<spdlog::level::level_enum> level;
};

TEST(LoggingLevels, NamesParse) {
  using spdlog::level::level_enum;
  for (const auto& [name, want] : std::vector<LevelName>{{"trace", level_enum::trace},
                                                         {"debug", level_enum::debug},
                                                         {"info", level_enum::info},
                                                         {"warn", level_enum::warn},
                                                         {"warning", level_enum::warn},
                                                         {"error", level_enum::err},
                                                         {"critical", level_enum::critical},
                                                         {"off", level_enum::off},
                                                         {"", std::nullopt},
                                                         {"INFO", std::nullopt},
                                                         {"verbose", std::nullopt}}) {
    EXPECT_EQ(level_from_name(name), want) << name;
  }
}

}  // namespace

// A level enum from another component, found through ADL, as config::LogLevel is.
namespace other_component {
enum class Level { kWarn, kBogus };
inline std::string_view to_string(Level l) { return l == Level::kWarn ? "warn" : "bogus"; }
}  // namespace other_component

namespace {

TEST_F(LoggingTest, InitAcceptsAnyEnumWithANamedToString) {
  init(other_component::Level::kWarn);
  EXPECT_EQ(level(), spdlog::level::warn);
  EXPECT_THROW(init(other_component::Level::kBogus), std::invalid_argument);
  EXPECT_EQ(level(), spdlog::level::warn);
}

TEST_F(LoggingTest, LinesFromManyThreadsAreAllCapturedWhileSinksComeAndGo) {
  test::CapturingSink capture;
  set_level(spdlog::level::info);
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      auto log = get(fmt::format("worker{}", t));
      for (int i = 0; i < kLinesEach; ++i) log->info("line {}", i);
    });
  }
  for (int i = 0; i < 50; ++i) test::CapturingSink transient;  // attach/detach under load
  for (auto& th : threads) th.join();
  EXPECT_EQ(capture.lines().size(), std::size_t{kThreads * kLinesEach});
}

TEST(RequestId, IsSixteenLowercaseHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = RequestId::next();
    ASSERT_EQ(id.view().size(), RequestId::kSize);
    ASSERT_EQ(id.view().find_first_not_of("0123456789abcdef"), std::string_view::npos) << id.view();
    seen.emplace(id.view());
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(RequestId, FormatsAsItsText) {
  const auto id = RequestId::next();
  EXPECT_EQ(fmt::format("req={}", id), "req=" + std::string(id.view()));
  EXPECT_EQ(id, id);
  EXPECT_FALSE(id == RequestId::next());
}

// The privacy promise end to end (docs/reliability.md §3): a handler that pseudonymizes the
// sender and logs the result leaves neither the number nor the stored id in the logs.
TEST_F(LoggingTest, LoggedSubscriberIdLeaksNeitherNumberNorStoredId) {
  test::CapturingSink capture;
  set_level(spdlog::level::trace);
  const auto pseudonymizer = privacy::Pseudonymizer::from_hex(
                                 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
                                 .value();
  const auto number = privacy::PhoneNumber::parse("+502 5555-0123").value();
  const auto id = pseudonymizer.pseudonymize(number);
  const auto request = RequestId::next();

  get("app")->info("req={} sms from {} routed to menu {}", request, id, "inicio");
  get("http")->debug("req={} subscriber={:>12}", request, id);

  const std::string text = capture.text();
  ASSERT_EQ(capture.lines().size(), 2u) << text;
  EXPECT_TRUE(capture.contains(fmt::format("sms from s:{} routed", id.log_tag()))) << text;
  EXPECT_TRUE(capture.contains(std::string(request.view()))) << text;
  for (const std::string_view secret :
       {number.digits(), number.e164(), number.digits().substr(3), std::string_view("5555-0123"),
        id.value(), id.value().substr(0, 16), id.value().substr(0, 8), id.value().substr(56)}) {
    EXPECT_FALSE(capture.contains(secret)) << secret << " leaked into:\n" << text;
  }
}

}  // namespace
}  // namespace ventanilla::logging
