#pragma once
// Small pieces every carrier route shares: the wall clock as stored (Unix ms), and the encoding
// policy named in the configuration.

#include <chrono>
#include <cstdint>
#include <string_view>

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

}  // namespace ventanilla::app
