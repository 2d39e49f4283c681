#pragma once
// Turns PhoneNumbers into SubscriberIds with a keyed hash (docs/reliability.md §3: an unkeyed
// hash of an MSISDN is reversible by enumerating the country's number space; HMAC with a key kept
// outside the database is the minimum).
//
// Keys: k_pseudo is the 256-bit key from the key file. k_log = HMAC-SHA256(k_pseudo,
// "ventanilla/log-tag/v1") keys the log tags (see subscriber_id.hpp); k_seal =
// HMAC-SHA256(k_pseudo, "ventanilla/seal/v1") is the AES-256-GCM key that seals numbers the outbox
// must keep (seal()). Neither label can collide with an E.164 input because neither starts with
// '+', and the two labels differ, so the three keys are independent. Rotating (or deleting) the key
// file changes every id and tag, which unlinks old pseudonyms on purpose, and makes old sealed
// numbers unreadable: a stolen database without the key file reveals no number.
//
// Key file format: 64 hex characters (a 256-bit key), optionally followed by one '\n'. The file
// must be a regular file whose mode grants nothing to group or others (0600 or 0400).
//
// Thread-safety: pseudonymize(), restore(), seal() and unseal() are const and may be called from
// any thread concurrently (a short internal lock guards the pre-keyed HMAC contexts, so the hot
// path does no key set-up and few allocations; seal/unseal use a fresh cipher context per call and
// need no lock). Move-only; key material (inside OpenSSL's contexts, and k_seal) is wiped when the
// Pseudonymizer is destroyed.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "privacy/phone_number.hpp"
#include "privacy/subscriber_id.hpp"

namespace ventanilla::privacy {

class Pseudonymizer {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // Reads the key from `path`. If the file does not exist and create_if_missing is true, creates
  // it (missing parent directories get mode 0700) with a fresh key from RAND_bytes, mode 0600;
  // the file appears at `path` only once complete (written to a temporary, fsynced, then linked,
  // so it never replaces an existing file). *created (if given) tells whether this call created it.
  // Errors (where = path): kNotFound (missing and not allowed to create), kPermissionDenied (mode
  // grants group/other access: the detail shows the mode and suggests `chmod 600`; or the file
  // cannot be opened), kInvalidArgument (not a regular file, wrong length, not hex; the detail
  // never shows the content), kInternal (I/O or RNG failure while creating).
  static Result<Pseudonymizer> from_key_file(const std::string& path, bool create_if_missing,
                                             bool* created = nullptr);

  // A key given as 64 hex characters (e.g. from an environment variable, or in tests).
  // kInvalidArgument if it is not exactly that; the error never shows the input.
  static Result<Pseudonymizer> from_hex(std::string_view key_hex);

  Pseudonymizer(Pseudonymizer&&) noexcept;
  Pseudonymizer& operator=(Pseudonymizer&&) noexcept;
  ~Pseudonymizer();

  // HMAC-SHA256(k_pseudo, number.e164()), plus its log tag. Deterministic for a given key.
  // Must not be called on a moved-from Pseudonymizer (nor restore()). Throws std::runtime_error
  // only if OpenSSL fails internally (out of memory).
  SubscriberId pseudonymize(const PhoneNumber& number) const;

  // Rebuilds a SubscriberId from a stored value() (64 lowercase hex), recomputing its log tag.
  // kInvalidArgument if `stored` is not 64 lowercase hex characters.
  Result<SubscriberId> restore(std::string_view stored) const;

  // Sealed numbers (for the outbox, which must send to the number later but must not store it in
  // clear). Format, in bytes: kSealVersion | 12-byte nonce | AES-256-GCM ciphertext of e164() |
  // 16-byte tag, under k_seal. `context` (e.g. the outbox row's idempotency key) is authenticated
  // as associated data, so a sealed value copied to another row fails to unseal. The nonce is
  // random (RAND_bytes), so sealing the same number twice gives different bytes; with random
  // 96-bit nonces one key should seal fewer than 2^32 numbers (NIST SP 800-38D), far beyond an
  // outbox's life between key rotations. The ciphertext is as long as e164(), so the length of a
  // sealed value shows how many digits the number has (kSealedMinBytes..kSealedMaxBytes).
  static constexpr unsigned char kSealVersion = 0x01;
  static constexpr std::size_t kSealNonceBytes = 12;
  static constexpr std::size_t kSealTagBytes = 16;
  static constexpr std::size_t kSealOverheadBytes = 1 + kSealNonceBytes + kSealTagBytes;
  static constexpr std::size_t kSealedMinBytes = kSealOverheadBytes + 1 + PhoneNumber::kMinDigits;
  static constexpr std::size_t kSealedMaxBytes = kSealOverheadBytes + 1 + PhoneNumber::kMaxDigits;

  // Returns the sealed bytes (binary, not text: store as a BLOB). Throws std::runtime_error only
  // if OpenSSL fails internally (RNG failure, out of memory).
  std::string seal(const PhoneNumber& number, std::string_view context) const;

  // The number sealed by seal() with the same key and the same `context`. Errors (never showing
  // the plaintext or the sealed bytes): kInvalidArgument (length outside
  // kSealedMinBytes..kSealedMaxBytes, or a version byte other than kSealVersion);
  // kPermissionDenied (authentication failed: another key, e.g. after rotation, another context,
  // or altered bytes); kInternal (authentic but not a valid number: only a seal() bug could do it).
  // Throws std::runtime_error only if OpenSSL fails internally (out of memory).
  Result<PhoneNumber> unseal(std::string_view sealed, std::string_view context) const;

 private:
  struct State;
  explicit Pseudonymizer(std::unique_ptr<State> state) noexcept;
  // `key` points at kKeyBytes bytes; the caller wipes its copy.
  static Result<Pseudonymizer> from_key(const unsigned char* key);
  static Result<Pseudonymizer> read_key_file(const std::string& path);
  static Result<Pseudonymizer> create_key_file(const std::string& path, bool* created);

  std::unique_ptr<State> state_;
};

}  // namespace ventanilla::privacy
