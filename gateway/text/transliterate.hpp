#pragma once

#include <string>
#include <string_view>

namespace ventanilla::text {

// UTF-8 → UTF-8 whose every code point is GSM-7 (basic or extension). GSM-7 characters
// (é è ù ì ò Ç Ø ø Å å Ä Ö Ñ Ü ä ö ñ ü à É ß Æ æ ¿ ¡ …) are kept. Others: a small table
// (typographic quotes/dashes/ellipsis/NBSP, œ Œ « »), then NFKD with marks dropped
// (á→a, ç→c, ã→a, À→A), anything left → '?'. Lower-case ç becomes c (GSM has only Ç).
// Invalid UTF-8 bytes become '?'. Pure, thread-safe.
std::string transliterate_gsm7(std::string_view utf8);

}  // namespace ventanilla::text
