#include "admin/api_token.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "storage/audit_store.hpp"

namespace ventanilla::admin {

namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_base64url(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string base64url(const unsigned char* bytes, std::size_t size) {
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const unsigned v = (unsigned{bytes[i]} << 16U) | (unsigned{bytes[i + 1]} << 8U) | bytes[i + 2];
    for (unsigned shift : {18U, 12U, 6U, 0U}) out.push_back(kBase64Url[(v >> shift) & 0x3FU]);
  }
  if (size - i == 1) {
    const unsigned v = unsigned{bytes[i]} << 16U;
    out.push_back(kBase64Url[(v >> 18U) & 0x3FU]);
    out.push_back(kBase64Url[(v >> 12U) & 0x3FU]);
  } else if (size - i == 2) {
    const unsigned v = (unsigned{bytes[i]} << 16U) | (unsigned{bytes[i + 1]} << 8U);
    out.push_back(kBase64Url[(v >> 18U) & 0x3FU]);
    out.push_back(kBase64Url[(v >> 12U) & 0x3FU]);
    out.push_back(kBase64Url[(v >> 6U) & 0x3FU]);
  }
  return out;
}

}  // namespace

std::string random_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no secret made");
  }
  return base64url(bytes.data(), bytes.size());
}

NewApiToken generate_api_token() {
  NewApiToken t;
  t.token = std::string(kTokenPrefix) + random_secret();
  t.sha256 = api_token_sha256(t.token);
  t.hint = t.token.substr(0, 8);
  return t;
}

bool is_api_token_shape(std::string_view candidate) noexcept {
  if (candidate.size() != kTokenLength || !candidate.starts_with(kTokenPrefix)) return false;
  for (const char c : candidate.substr(kTokenPrefix.size())) {
    if (!is_base64url(c)) return false;
  }
  return true;
}

std::string api_token_sha256(std::string_view token) { return storage::sha256_hex(token); }

}  // namespace ventanilla::admin
