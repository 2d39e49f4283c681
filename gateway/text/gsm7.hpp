#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ventanilla::text {

// GSM 03.38 default alphabet + extension table (carrier-protocols.md §7.1/7.2).
// Pure, thread-safe. Invalid UTF-8 bytes decode as '?' (U+003F), never crash.

// Septets one code point costs: 1 (basic), 2 (extension: ^ { } [ ] ~ \ | € FF), 0 if absent.
std::size_t gsm7_septets(char32_t cp) noexcept;

bool is_gsm7(std::u32string_view text) noexcept;
bool is_gsm7(std::string_view utf8) noexcept;

// Total septets, or nullopt if any code point (or invalid byte) is not representable.
std::optional<std::size_t> septet_count(std::string_view utf8) noexcept;

// UTF-8 → code points; each invalid byte becomes U'?'.
std::u32string decode_utf8(std::string_view utf8);
// One step of decode_utf8 without its buffer: the code point that starts at utf8[at] (at <
// utf8.size()) into `cp`, returning its length in bytes; an invalid byte is U'?' of length 1.
std::size_t decode_one(std::string_view utf8, std::size_t at, char32_t& cp) noexcept;
// Appends cp as UTF-8.
void append_utf8(std::string& out, char32_t cp);

}  // namespace ventanilla::text
