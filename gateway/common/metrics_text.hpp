#pragma once
// The Prometheus text format for one counter, shared by every component that renders its own
// part of /metrics (routes, storage, the outbox) without depending on the HTTP layer.

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace ventanilla::metrics_text {

inline void append_counter(std::string& out, std::string_view name, std::string_view help,
                           std::uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help,
                 name, name, value);
}

}  // namespace ventanilla::metrics_text
