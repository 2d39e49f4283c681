#include "text/encoding.hpp"

#include "text/gsm7.hpp"
#include "text/transliterate.hpp"

namespace ventanilla::text {

std::size_t utf16_units(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    i += decode_one(utf8, i, cp);
    n += cp > 0xFFFF ? 2 : 1;
  }
  return n;
}

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < utf8.size(); ++n) {
    char32_t cp = 0;
    i += decode_one(utf8, i, cp);
  }
  return n;
}

EncodedText apply_policy(std::string_view utf8, EncodingPolicy policy) {
  EncodedText r;
  if (policy == EncodingPolicy::kGsm7) {
    r.text = transliterate_gsm7(utf8);  // which reads invalid bytes as '?' too
  } else {
    // Re-encoding normalises invalid bytes to '?'.
    r.text.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
      char32_t cp = 0;
      i += decode_one(utf8, i, cp);
      append_utf8(r.text, cp);
    }
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
