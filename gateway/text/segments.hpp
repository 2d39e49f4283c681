#pragma once

#include <cstddef>

#include "text/encoding.hpp"

namespace ventanilla::text {

struct SegmentInfo {
  std::size_t segments = 0;  // 0 for empty text
  std::size_t units = 0;     // total septets / UTF-16 units
};

// GSM-7: ≤160 septets → 1, else 153-septet segments where an ESC pair never straddles.
// UCS-2: ≤70 units → 1, else 67-unit segments where a surrogate pair never straddles.
// Pure, thread-safe.
SegmentInfo count_segments(const EncodedText& text);

}  // namespace ventanilla::text
