#pragma once
// Comparison of secrets (signatures, tokens, MACs) whose running time does not depend on where
// the inputs differ, so an attacker cannot find a valid value byte by byte.

#include <string_view>

namespace ventanilla::privacy {

// True when a and b are the same bytes. Time depends only on min(a.size(), b.size()): the content
// is always compared over that whole length (CRYPTO_memcmp), and the sizes are compared without an
// early exit on content. Sizes themselves are not secret (a signature's length is public).
// Thread-safe, no allocation.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace ventanilla::privacy
