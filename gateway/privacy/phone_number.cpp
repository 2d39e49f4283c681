#include "privacy/phone_number.hpp"

#include <openssl/crypto.h>

namespace ventanilla::privacy {

namespace {

bool is_separator(char c) noexcept {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// Error texts name the rule, never the input: they end up in logs and HTTP replies.
Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "", std::move(detail));
}

}  // namespace

Result<PhoneNumber> PhoneNumber::parse(std::string_view raw) {
  // Room for the "00" international prefix plus one digit too many, so an overlong number is
  // detected without writing past the buffer.
  std::array<char, kMaxDigits + 3> digits{};
  // The stack copy of the digits is wiped on every exit path.
  struct Wipe {
    std::array<char, kMaxDigits + 3>& d;
    ~Wipe() { OPENSSL_cleanse(d.data(), d.size()); }
  } wipe{digits};
  std::size_t count = 0;
  bool plus = false;
  bool too_long = false;
  for (const char c : raw) {
    if (c >= '0' && c <= '9') {
      if (count < digits.size()) {
        digits[count++] = c;
      } else {
        too_long = true;
      }
    } else if (c == '+') {
      if (plus || count > 0) return invalid("phone number has a '+' that is not at the start");
      plus = true;
    } else if (!is_separator(c)) {
      return invalid(
          "phone number may contain only digits, a leading '+', spaces, '-', '.', '(' and ')'");
    }
  }

  if (count == 0 && !too_long) return invalid("phone number is empty");
  std::size_t start = 0;
  if (!plus && count >= 2 && digits[0] == '0' && digits[1] == '0') start = 2;
  const std::size_t n = count - start;
  if (too_long || n > kMaxDigits || n < kMinDigits) {
    return make_error(ErrorCode::kOutOfRange, "",
                      "phone number must have 8 to 15 digits after the international prefix");
  }
  // E.164 country codes never start with 0; a leading 0 is a national trunk prefix, and we cannot
  // know which country it belongs to.
  if (digits[start] == '0') {
    return invalid("phone number must start with a country code, not a national 0 prefix");
  }
  PhoneNumber number;
  number.buf_[0] = '+';
  for (std::size_t i = 0; i < n; ++i) number.buf_[1 + i] = digits[start + i];
  number.size_ = static_cast<std::uint8_t>(1 + n);
  return number;
}

PhoneNumber::~PhoneNumber() { OPENSSL_cleanse(buf_.data(), buf_.size()); }

}  // namespace ventanilla::privacy
