#pragma once
// Process-wide logging on spdlog: one set of sinks shared by a default logger and by named
// component loggers ("http", "storage", "app", ...). Lines look like
//   2026-03-01T12:00:00.123 info [http] req=3f2a9c0b1d4e5f60 route=healthz status=200
// Privacy: never pass a PhoneNumber (it cannot be formatted anyway) or a message body; log a
// SubscriberId (prints only its log tag) and a RequestId.
//
// Thread-safety: every function here may be called from any thread at any time, including while
// other threads log. Loggers are synchronous; each line is written under one lock.

#include <fmt/format.h>
#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace ventanilla::logging {

inline constexpr std::string_view kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v";
inline constexpr std::string_view kDefaultLoggerName = "ventanilla";

// Sets the level of every logger (existing and future) and makes the "ventanilla" logger spdlog's
// default, so a stray spdlog::info() lands in the same sinks. May be called again (tests).
// Loggers obtained before init() are valid and keep working; they log at info until then.
void init(spdlog::level::level_enum level);

// "trace", "debug", "info", "warn"/"warning", "error", "critical", "off"; nullopt otherwise.
std::optional<spdlog::level::level_enum> level_from_name(std::string_view name) noexcept;

// Accepts any level enum with a to_string() found by argument-dependent lookup that yields one of
// the names above (config::LogLevel does), so common/ need not depend on config/.
// Throws std::invalid_argument for a name level_from_name() does not know.
template <class Level>
requires std::is_enum_v<Level> && requires(Level l) {
  { to_string(l) } -> std::convertible_to<std::string_view>;
}
void init(Level level) {
  const auto parsed = level_from_name(to_string(level));
  if (!parsed) throw std::invalid_argument("unknown log level name");
  init(*parsed);
}

// The logger for a component, created on first use with the shared sinks and current level.
// The same name always returns the same logger. Takes a lock: keep the pointer, do not call this
// per request.
std::shared_ptr<spdlog::logger> get(std::string_view component);

void set_level(spdlog::level::level_enum level);
spdlog::level::level_enum level() noexcept;

// Attaches an extra sink to every logger, existing and future, until remove_sink(). Its formatter
// is replaced with kPattern so it sees the same lines as stderr. For tests (a capturing sink) and
// for future outputs (a file); safe while other threads log.
void add_sink(spdlog::sink_ptr sink);
void remove_sink(const spdlog::sink_ptr& sink);

// Identifies one HTTP request in the logs: 16 lowercase hex characters, a random per-process
// 64-bit base plus a counter, so ids are unique within a process and unlikely to repeat across
// restarts. Not a secret and not unpredictable. next() is lock-free and never fails.
class RequestId {
 public:
  static constexpr std::size_t kSize = 16;

  static RequestId next() noexcept;

  std::string_view view() const noexcept { return {chars_.data(), chars_.size()}; }
  friend bool operator==(const RequestId&, const RequestId&) noexcept = default;

 private:
  RequestId() noexcept = default;

  std::array<char, kSize> chars_{};
};

}  // namespace ventanilla::logging

template <>
struct fmt::formatter<ventanilla::logging::RequestId> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ventanilla::logging::RequestId& id, FormatContext& ctx) const
      -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(id.view(), ctx);
  }
};
