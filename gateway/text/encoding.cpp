#include "text/encoding.hpp"

#include "text/gsm7.hpp"
#include "text/transliterate.hpp"

namespace ventanilla::text {

std::size_t utf16_units(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (char32_t cp : decode_utf8(utf8)) n += cp > 0xFFFF ? 2 : 1;
  return n;
}

std::size_t code_points(std::string_view utf8) { return decode_utf8(utf8).size(); }

EncodedText apply_policy(std::string_view utf8, EncodingPolicy policy) {
  EncodedText r;
  // Re-encoding through decode_utf8 normalises invalid bytes to '?'.
  std::string clean;
  clean.reserve(utf8.size());
  for (char32_t cp : decode_utf8(utf8)) append_utf8(clean, cp);
  if (policy == EncodingPolicy::kGsm7) {
    r.text = transliterate_gsm7(clean);
  } else {
    r.text = std::move(clean);
  }
  if (policy != EncodingPolicy::kUcs2) {
    if (auto s = septet_count(r.text)) {
      r.encoding = Encoding::kGsm7;
      r.units = *s;
      return r;
    }
  }
  r.encoding = Encoding::kUcs2;
  r.units = utf16_units(r.text);
  return r;
}

}  // namespace ventanilla::text
