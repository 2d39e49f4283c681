#include "admin/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "text/encoding.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::uint32_t kPasses = 2;
constexpr std::uint32_t kMemoryKib = 19 * 1024;
constexpr std::uint32_t kLanes = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

}  // namespace

std::optional<std::string> password_problem(std::string_view password) {
  if (text::code_points(password) < kMinPasswordChars) {
    return "must have at least " + std::to_string(kMinPasswordChars) + " characters";
  }
  if (password.size() > kMaxPasswordBytes) {
    return "must have at most " + std::to_string(kMaxPasswordBytes) + " bytes";
  }
  return std::nullopt;
}

std::string hash_password(std::string_view password) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no password hash made");
  }
  std::string encoded(
      argon2_encodedlen(kPasses, kMemoryKib, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  const int rc =
      argon2id_hash_encoded(kPasses, kMemoryKib, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  const std::string terminated(encoded);  // libargon2 wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

const std::string& decoy_password_hash() {
  static const std::string decoy = hash_password("decoy: no account has this password");
  return decoy;
}

}  // namespace ventanilla::admin
