#include "text/screen_fit.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "text/gsm7.hpp"
#include "text/transliterate.hpp"

namespace ventanilla::text {

namespace {

// Bytes of the UTF-8 sequence starting at text[i] (1 for an invalid lead byte, which the encoders
// turn into a single '?').
std::size_t sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t n = 1;
  if (lead >= 0xF0 && lead < 0xF8) {
    n = 4;
  } else if (lead >= 0xE0) {
    n = lead < 0xF0 ? 3 : 1;
  } else if (lead >= 0xC2) {
    n = 2;
  }
  if (i + n > text.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

}  // namespace

namespace {

// Septets a code point costs once transliterated for GSM-7 (á → a: 1; œ → oe: 2; a combining
// mark: 0). Transliteration maps code point by code point, so the cost of a text is the sum of
// these; the table covers Latin and Greek, computed once with the real transliteration.
constexpr char32_t kTranslitTableSize = 0x400;

std::size_t transliterated_septets_slow(char32_t cp) {
  std::string one;
  append_utf8(one, cp);
  return septet_count(transliterate_gsm7(one)).value_or(1);
}

std::size_t transliterated_septets(char32_t cp) {
  static const std::array<std::uint8_t, kTranslitTableSize> table = [] {
    std::array<std::uint8_t, kTranslitTableSize> t{};
    for (char32_t c = 0; c < kTranslitTableSize; ++c) {
      t[c] = static_cast<std::uint8_t>(transliterated_septets_slow(c));
    }
    return t;
  }();
  return cp < kTranslitTableSize ? table[cp] : transliterated_septets_slow(cp);
}

}  // namespace

// One pass, no allocation for Latin text: this runs for every word of every screen.
TextCost text_cost(std::string_view utf8) {
  TextCost cost;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    char32_t cp = 0;
    std::size_t n = 1;
    if (byte < 0x80) {
      cp = byte;
    } else {
      n = sequence_length(utf8, i);
      if (n == 1) {
        // An invalid byte goes out as '?': one septet, one unit, GSM-7 as written.
        cost.gsm7_septets += 1;
        cost.ucs2_units += 1;
        ++i;
        continue;
      }
      cp = static_cast<unsigned char>(utf8[i]) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < n; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
      }
    }
    const std::size_t native = gsm7_septets(cp);
    if (native > 0) {
      cost.gsm7_septets += native;
    } else {
      cost.gsm7_native = false;
      cost.gsm7_septets += transliterated_septets(cp);
    }
    cost.ucs2_units += cp >= 0x10000 ? 2 : 1;
    i += n;
  }
  return cost;
}

ScreenFit screen_fit(const TextCost& cost, const ScreenLimit& limit) noexcept {
  const bool ucs2 = limit.policy == EncodingPolicy::kUcs2 ||
                    (limit.policy == EncodingPolicy::kAuto && !cost.gsm7_native);
  if (ucs2) return {Encoding::kUcs2, cost.ucs2_units, limit.ucs2_units()};
  return {Encoding::kGsm7, cost.gsm7_septets, limit.septets};
}

std::string truncate_to_fit(std::string_view utf8, const TextCost& reserved,
                            const ScreenLimit& limit) {
  if (screen_fit(reserved + text_cost(utf8), limit).fits()) return std::string(utf8);
  static constexpr std::string_view kEllipsis = "...";
  const TextCost base = reserved + text_cost(kEllipsis);
  // Walk code point by code point, remembering the last prefix that fit and the last one of those
  // that ended before a space.
  TextCost running = base;
  std::size_t fitting_end = 0;
  std::size_t word_end = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t n = sequence_length(utf8, i);
    if (utf8[i] == ' ' && i > 0 && utf8[i - 1] != ' ') word_end = i;
    running += text_cost(utf8.substr(i, n));
    if (!screen_fit(running, limit).fits()) break;
    i += n;
    fitting_end = i;
  }
  std::size_t end = word_end > 0 ? word_end : fitting_end;
  while (end > 0 && (utf8[end - 1] == ' ' || utf8[end - 1] == ',' || utf8[end - 1] == '.')) --end;
  std::string out(utf8.substr(0, end));
  out += kEllipsis;
  return out;
}

}  // namespace ventanilla::text
