#include "text/gsm7.hpp"

#include <utf8proc.h>

#include <array>
#include <cstdint>

namespace ventanilla::text {
namespace {

// Basic table ordered by GSM code (0x00..0x7F); index 0x1B (ESC) is never matched.
constexpr std::u32string_view kBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1B"
    U"ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
static_assert(kBasic.size() == 128);

constexpr std::u32string_view kExtension = U"\f^{}\\[~]|€";

// Septets per code point below kTableSize (Latin, Greek: every GSM character but €), built once
// from the tables above: the hot path of every screen measurement is one array read.
constexpr std::size_t kTableSize = 0x400;

constexpr std::array<std::uint8_t, kTableSize> make_septet_table() {
  std::array<std::uint8_t, kTableSize> table{};
  for (const char32_t cp : kBasic) {
    if (cp < kTableSize && cp != U'\x1B') table[cp] = 1;
  }
  for (const char32_t cp : kExtension) {
    if (cp < kTableSize) table[cp] = 2;
  }
  return table;
}

constexpr std::array<std::uint8_t, kTableSize> kSeptets = make_septet_table();

}  // namespace

std::size_t gsm7_septets(char32_t cp) noexcept {
  if (cp < kTableSize) return kSeptets[cp];
  return cp == U'€' ? 2 : 0;
}

bool is_gsm7(std::u32string_view text) noexcept {
  for (char32_t cp : text) {
    if (gsm7_septets(cp) == 0) return false;
  }
  return true;
}

bool is_gsm7(std::string_view utf8) noexcept { return septet_count(utf8).has_value(); }

std::optional<std::size_t> septet_count(std::string_view utf8) noexcept {
  std::size_t total = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    i += decode_one(utf8, i, cp);  // an invalid byte reads as '?': 1 septet
    const std::size_t s = gsm7_septets(cp);
    if (s == 0) return std::nullopt;
    total += s;
  }
  return total;
}

std::size_t decode_one(std::string_view utf8, std::size_t at, char32_t& cp) noexcept {
  const auto byte = static_cast<unsigned char>(utf8[at]);
  if (byte < 0x80) {
    cp = byte;
    return 1;
  }
  utf8proc_int32_t decoded = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data() + at);
  const auto n = utf8proc_iterate(p, static_cast<utf8proc_ssize_t>(utf8.size() - at), &decoded);
  if (n <= 0) {
    cp = U'?';
    return 1;
  }
  cp = static_cast<char32_t>(decoded);
  return static_cast<std::size_t>(n);
}

std::u32string decode_utf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    i += decode_one(utf8, i, cp);
    out.push_back(cp);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
    return;
  }
  utf8proc_uint8_t buf[4];
  const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

}  // namespace ventanilla::text
