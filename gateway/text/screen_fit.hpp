#pragma once
// Fitting text to one USSD screen (or one SMS): what a piece of text costs on a route, whether it
// fits, and how to shorten it without cutting a word.
//
// A route's screen is given in GSM-7 septets (182 on most networks, 160 or 140 on some). When the
// route's policy lets a screen go out as UCS-2, the same octets hold half as many UTF-16 units:
// 182 septets = 160 octets = 80 UCS-2 characters.
//
// Costs are additive: every encoding here maps code point by code point (transliteration too),
// so the cost of a page is the sum of its lines' costs and the layout can measure each part once.

#include <cstddef>
#include <string>
#include <string_view>

#include "text/encoding.hpp"

namespace ventanilla::text {

struct ScreenLimit {
  std::size_t septets = 182;
  EncodingPolicy policy = EncodingPolicy::kGsm7;

  std::size_t ucs2_units() const noexcept { return (septets * 7 + 7) / 8 / 2; }
  bool operator==(const ScreenLimit&) const = default;
};

struct TextCost {
  std::size_t gsm7_septets = 0;  // after transliteration, as policy gsm7 sends it
  std::size_t ucs2_units = 0;    // UTF-16 code units, as UCS-2 sends it
  bool gsm7_native = true;       // every character is GSM-7 as written (policy auto keeps GSM-7)

  TextCost& operator+=(const TextCost& other) noexcept {
    gsm7_septets += other.gsm7_septets;
    ucs2_units += other.ucs2_units;
    gsm7_native = gsm7_native && other.gsm7_native;
    return *this;
  }
  friend TextCost operator+(TextCost a, const TextCost& b) noexcept { return a += b; }
};

TextCost text_cost(std::string_view utf8);

// How `cost` goes out on a route: the encoding the policy picks, the units it takes and the
// screen's capacity in those units.
struct ScreenFit {
  Encoding encoding = Encoding::kGsm7;
  std::size_t units = 0;
  std::size_t capacity = 0;
  bool fits() const noexcept { return units <= capacity; }
};
ScreenFit screen_fit(const TextCost& cost, const ScreenLimit& limit) noexcept;

// `utf8` shortened so that `reserved` plus the result fits the screen: the longest prefix that ends
// at a word boundary, followed by "..." (a word is never cut; only a single word longer than the
// whole screen is cut, at a character boundary). Returns `utf8` unchanged when it already fits.
std::string truncate_to_fit(std::string_view utf8, const TextCost& reserved,
                            const ScreenLimit& limit);

}  // namespace ventanilla::text
