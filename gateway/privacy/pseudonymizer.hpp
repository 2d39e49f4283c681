#pragma once
// Turns PhoneNumbers into SubscriberIds with a keyed hash (docs/reliability.md §3: an unkeyed
// hash of an MSISDN is reversible by enumerating the country's number space; HMAC with a key kept
// outside the database is the minimum).
//
// Keys: k_pseudo is the 256-bit key from the key file. k_log = HMAC-SHA256(k_pseudo,
// "ventanilla/log-tag/v1") keys the log tags (see subscriber_id.hpp); the label cannot collide with
// an E.164 input because it does not start with '+'. Rotating the key file changes every id and
// tag, which unlinks old pseudonyms on purpose.
//
// Key file format: 64 hex characters (a 256-bit key), optionally followed by one '\n'. The file
// must be a regular file whose mode grants nothing to group or others (0600 or 0400).
//
// Thread-safety: pseudonymize() and restore() are const and may be called from any thread
// concurrently (a short internal lock guards the pre-keyed OpenSSL contexts, so the hot path does
// no key set-up and few allocations). Move-only; key material (held inside OpenSSL's contexts) is
// wiped when the Pseudonymizer is destroyed.

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
