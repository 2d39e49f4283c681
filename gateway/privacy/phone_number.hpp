#pragma once
// A raw subscriber number (MSISDN) in E.164 form. The most sensitive value the gateway handles.
//
// PhoneNumber deliberately has no operator<< and no fmt::formatter, and converts to nothing, so it
// cannot reach a log line by accident; the pipeline turns it into a SubscriberId
// (pseudonymizer.hpp) straight away. Only the outbound queue should ever read e164() again.
//
// The number lives in a fixed in-object buffer (no heap copy to leak), wiped on destruction.
// Value type: copyable, immutable, safe to share between threads for reading.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"

namespace ventanilla::privacy {

class PhoneNumber {
 public:
  static constexpr std::size_t kMinDigits = 8;   // shortest plausible international number
  static constexpr std::size_t kMaxDigits = 15;  // E.164 maximum

  // Accepts what carriers send: "+50255550000", "50255550000" (international, no '+'),
  // "0050255550000" (international call prefix), with spaces, '-', '.', '(' and ')' anywhere.
  // A '+' may appear once, before any digit. After the prefix the number must start with a
  // country code (not 0) and have kMinDigits..kMaxDigits digits.
  // Errors: kInvalidArgument (empty, other characters, misplaced '+', national 0 prefix) or
  // kOutOfRange (digit count). The error never contains the input or any digit from it.
  static Result<PhoneNumber> parse(std::string_view raw);

  PhoneNumber(const PhoneNumber&) noexcept = default;
  PhoneNumber& operator=(const PhoneNumber&) noexcept = default;
  ~PhoneNumber();  // wipes the buffer

  // "+50255550000". Views into this object: valid while it lives.
  std::string_view e164() const noexcept { return {buf_.data(), size_}; }
  // "50255550000" (e164() without the '+').
  std::string_view digits() const noexcept { return e164().substr(1); }

  friend bool operator==(const PhoneNumber& a, const PhoneNumber& b) noexcept {
    return a.e164() == b.e164();
  }

 private:
  PhoneNumber() noexcept = default;

  std::array<char, 1 + kMaxDigits> buf_{};
  std::uint8_t size_ = 0;
};

}  // namespace ventanilla::privacy
