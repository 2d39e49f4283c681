#include "text/segments.hpp"

#include "text/gsm7.hpp"

namespace ventanilla::text {

SegmentInfo count_segments(const EncodedText& text) {
  const bool gsm = text.encoding == Encoding::kGsm7;
  const std::size_t single = gsm ? 160 : 70;
  const std::size_t multi = gsm ? 153 : 67;
  SegmentInfo info;
  const std::u32string cps = decode_utf8(text.text);
  for (char32_t cp : cps) {
    std::size_t w = gsm ? gsm7_septets(cp) : (cp > 0xFFFF ? 2 : 1);
    if (w == 0) w = 1;  // not GSM-7 although labelled so: count as one septet
    info.units += w;
  }
  if (info.units == 0) return info;
  if (info.units <= single) {
    info.segments = 1;
    return info;
  }
  // Greedy packing: a 2-unit character that does not fit opens a new segment.
  std::size_t used = 0;
  info.segments = 1;
  for (char32_t cp : cps) {
    std::size_t w = gsm ? gsm7_septets(cp) : (cp > 0xFFFF ? 2 : 1);
    if (w == 0) w = 1;
    if (used + w > multi) {
      ++info.segments;
      used = 0;
    }
    used += w;
  }
  return info;
}

}  // namespace ventanilla::text
