#include "text/screen_fit.hpp"

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

TextCost text_cost(std::string_view utf8) {
  TextCost cost;
  bool ascii_gsm = true;
  for (const char c : utf8) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      ascii_gsm = false;
      break;
    }
  }
  if (ascii_gsm) {
    // The common case (menus after transliteration, digits, ASCII names): one pass, no copies.
    for (const char c : utf8) {
      const std::size_t septets = gsm7_septets(static_cast<unsigned char>(c));
      if (septets == 0) {
        cost.gsm7_native = false;
        cost.gsm7_septets += 1;  // transliterated to '?' or a one-septet look-alike
      } else {
        cost.gsm7_septets += septets;
      }
      cost.ucs2_units += 1;
    }
    if (!cost.gsm7_native) cost.gsm7_septets = apply_policy(utf8, EncodingPolicy::kGsm7).units;
    return cost;
  }
  const auto native = septet_count(utf8);
  cost.gsm7_native = native.has_value();
  cost.gsm7_septets = native ? *native : apply_policy(utf8, EncodingPolicy::kGsm7).units;
  cost.ucs2_units = utf16_units(utf8);
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
