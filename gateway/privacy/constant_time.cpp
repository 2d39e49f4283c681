#include "privacy/constant_time.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace ventanilla::privacy {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  // Both results are computed before either is looked at; `&` (not `&&`) keeps the compiler from
  // skipping the content comparison when the sizes differ.
  const int content = CRYPTO_memcmp(a.data(), b.data(), n);
  const bool same_size = a.size() == b.size();
  return static_cast<bool>(static_cast<unsigned>(same_size) & static_cast<unsigned>(content == 0));
}

}  // namespace ventanilla::privacy
