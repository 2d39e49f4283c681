#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ventanilla::text {

enum class EncodingPolicy { kGsm7, kAuto, kUcs2 };
enum class Encoding { kGsm7, kUcs2 };

struct EncodedText {
  std::string text;  // UTF-8 after the policy was applied
  Encoding encoding = Encoding::kGsm7;
  std::size_t units = 0;  // septets (GSM-7) or UTF-16 code units (UCS-2)
};

// UTF-16 code units (astral code points count 2). Invalid bytes count as '?' (1).
std::size_t utf16_units(std::string_view utf8) noexcept;

// Characters (code points) as a person counts them; invalid bytes count as '?' (1).
std::size_t code_points(std::string_view utf8);

// kGsm7: transliterate, never UCS-2. kAuto: GSM-7 if representable, else UCS-2 unchanged.
// kUcs2: always UCS-2. Invalid UTF-8 bytes are replaced by '?' in `text`. Pure, thread-safe.
EncodedText apply_policy(std::string_view utf8, EncodingPolicy policy);

}  // namespace ventanilla::text
