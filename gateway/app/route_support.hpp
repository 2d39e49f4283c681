#pragma once
// Small pieces every carrier route shares: the wall clock as stored (Unix ms), the encoding
// policy named in the configuration, and the capability-secret check.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "privacy/constant_time.hpp"
#include "text/encoding.hpp"

namespace ventanilla::app {

inline std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::chrono::sys_days today() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

// "gsm7", "auto", "ucs2" (validated by the configuration loader).
inline text::EncodingPolicy encoding_policy(std::string_view name) {
  if (name == "ucs2") return text::EncodingPolicy::kUcs2;
  if (name == "auto") return text::EncodingPolicy::kAuto;
  return text::EncodingPolicy::kGsm7;
}

// A capability route's check: the segment after `prefix` + "/" in `path` equals one of `secrets`
// (current first, then previous during a rotation). Every candidate is compared, in constant
// time, so neither a match nor its position shows in the timing.
inline bool capability_secret_matches(std::string_view path, std::string_view prefix,
                                      const std::vector<std::string>& secrets) noexcept {
  const std::string_view secret = path.substr(std::min(path.size(), prefix.size() + 1));
  bool ok = false;
  for (const auto& candidate : secrets) ok = privacy::constant_time_equal(secret, candidate) || ok;
  return ok;
}

}  // namespace ventanilla::app
