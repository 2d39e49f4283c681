#pragma once
// Checks every carrier protocol applies to ids and codes before trusting them (message ids end up
// in dedupe keys and logs: printable ASCII only, never control bytes or spaces).

#include <algorithm>
#include <string_view>

namespace ventanilla::carriers {

// Visible ASCII (0x21..0x7E), no spaces: what carrier message and session ids are made of.
inline bool printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace ventanilla::carriers
