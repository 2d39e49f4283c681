#include "common/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <utility>

namespace ventanilla::logging {

namespace {

// Every logger has exactly one sink, this fan-out. Adding or removing a sink then touches one
// object whose own mutex already serialises logging, instead of every logger's unsynchronised
// sink vector.
struct State {
  State() : fanout(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
    // The fan-out's lock serialises its children, so the stderr child needs none of its own.
    auto stderr_sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>();
    stderr_sink->set_pattern(std::string(kPattern));
    fanout->add_sink(std::move(stderr_sink));
  }

  std::shared_ptr<spdlog::logger> make_logger(std::string name) const {
    auto logger = std::make_shared<spdlog::logger>(std::move(name), fanout);
    logger->set_level(current_level);
    logger->flush_on(spdlog::level::warn);
    return logger;
  }

  std::mutex mutex;  // guards loggers and current_level
  std::shared_ptr<spdlog::sinks::dist_sink_mt> fanout;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  spdlog::level::level_enum current_level = spdlog::level::info;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> get_locked(State& s, std::string_view component) {
  if (auto it = s.loggers.find(component); it != s.loggers.end()) return it->second;
  auto logger = s.make_logger(std::string(component));
  s.loggers.emplace(std::string(component), logger);
  return logger;
}

std::uint64_t random_base() noexcept {
  try {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ std::uint64_t{rd()};
  } catch (...) {
    // No entropy source: ids only need to differ between restarts, which time and pid give.
    constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15U;
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    const auto pid = static_cast<std::uint64_t>(::getpid());
    return (static_cast<std::uint64_t>(now) * kGolden) ^ pid;
  }
}

}  // namespace

void init(spdlog::level::level_enum level) {
  auto& s = state();
  std::shared_ptr<spdlog::logger> default_logger;
  {
    std::lock_guard lock(s.mutex);
    s.current_level = level;
    for (auto& [name, logger] : s.loggers) logger->set_level(level);
    default_logger = get_locked(s, kDefaultLoggerName);
  }
  spdlog::set_default_logger(std::move(default_logger));
}

std::optional<spdlog::level::level_enum> level_from_name(std::string_view name) noexcept {
  using spdlog::level::level_enum;
  static constexpr std::array<std::pair<std::string_view, level_enum>, 8> kNames{{
      {"trace", level_enum::trace},
      {"debug", level_enum::debug},
      {"info", level_enum::info},
      {"warn", level_enum::warn},
      {"warning", level_enum::warn},
      {"error", level_enum::err},
      {"critical", level_enum::critical},
      {"off", level_enum::off},
  }};
  for (const auto& [text, value] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> get(std::string_view component) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return get_locked(s, component);
}

void set_level(spdlog::level::level_enum level) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.current_level = level;
  for (auto& [name, logger] : s.loggers) logger->set_level(level);
}

spdlog::level::level_enum level() noexcept {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return s.current_level;
}

void add_sink(spdlog::sink_ptr sink) {
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(std::string(kPattern)));
  state().fanout->add_sink(std::move(sink));
}

void remove_sink(const spdlog::sink_ptr& sink) { state().fanout->remove_sink(sink); }

RequestId RequestId::next() noexcept {
  static const std::uint64_t base = random_base();
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t v = base + counter.fetch_add(1, std::memory_order_relaxed);
  constexpr std::string_view kDigits = "0123456789abcdef";
  RequestId id;
  for (std::size_t i = 0; i < kSize; ++i) {
    id.chars_[kSize - 1 - i] = kDigits[(v >> (4 * i)) & 0xf];
  }
  return id;
}

}  // namespace ventanilla::logging
