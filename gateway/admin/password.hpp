#pragma once
// Console passwords: Argon2id (libargon2, the reference implementation, from Debian) with
// OWASP's baseline cost — 19 MiB, 2 passes, 1 lane — and a 16-byte random salt, stored as the
// self-describing encoded string ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), so raising the
// cost later needs no schema change: old hashes still verify with the parameters they carry.

#include <optional>
#include <string>
#include <string_view>

namespace ventanilla::admin {

inline constexpr std::size_t kMinPasswordChars = 12;
inline constexpr std::size_t kMaxPasswordBytes = 256;  // Argon2 takes any length; bodies do not
inline constexpr std::size_t kMaxPasswordChars = kMaxPasswordBytes;

// Why `password` is not acceptable, or nullopt: too short (characters), too long (bytes).
std::optional<std::string> password_problem(std::string_view password);

// Throws std::runtime_error if the CSPRNG or libargon2 fail (out of memory).
std::string hash_password(std::string_view password);

// Constant-time comparison inside libargon2. False for a malformed `encoded` too.
bool verify_password(std::string_view encoded, std::string_view password);

// A hash of a password nobody has, to verify against when the username is unknown, so the answer
// takes the same time whether or not the account exists.
const std::string& decoy_password_hash();

}  // namespace ventanilla::admin
