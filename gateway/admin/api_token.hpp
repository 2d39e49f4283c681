#pragma once
// Admin API tokens: "vta_" + 43 base64url characters (256 random bits). The prefix makes a leaked
// token greppable (secret scanners, log audits); only its SHA-256 is stored, and the token itself
// is shown once, when it is made.

#include <string>
#include <string_view>

namespace ventanilla::admin {

inline constexpr std::string_view kTokenPrefix = "vta_";
inline constexpr std::size_t kTokenLength = 4 + 43;

struct NewApiToken {
  std::string token;   // give to the user once; never store or log it
  std::string sha256;  // what the database keeps
  std::string hint;    // "vta_AbCd": the first 8 characters, for listings and the audit log
};

// 256 random bits from OpenSSL's CSPRNG as 43 base64url characters: tokens, session cookies and
// CSRF tokens. Throws std::runtime_error if it has no entropy.
std::string random_secret();

// Draws 32 bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it has no entropy.
NewApiToken generate_api_token();

// True for exactly the shape generate_api_token() makes; anything else is refused before any
// database lookup.
bool is_api_token_shape(std::string_view candidate) noexcept;

std::string api_token_sha256(std::string_view token);

}  // namespace ventanilla::admin
