#pragma once
// application/x-www-form-urlencoded bodies, as carriers post them (Africa's Talking, Twilio,
// Kannel post-url): `a=1&b=%2B502...`, '+' meaning a space. Decoding is strict: a malformed
// escape or a repeated field is an error naming the field, never a silent guess, because a
// mangled phone number or session id would be pseudonymized or deduplicated wrongly.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::carriers {

class FormFields {
 public:
  // Most fields and bytes accepted: carrier payloads are small; a flood of fields is an attack.
  static constexpr std::size_t kMaxFields = 64;

  // Errors (kInvalidArgument, where = "form"): bad %-escape (names the field), a field given
  // twice, more than kMaxFields fields, a field without a name.
  static Result<FormFields> parse(std::string_view body);

  // The decoded value, or nullopt when the field is absent.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
    return fields_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// %-decoding with '+' as space; nullopt on a malformed escape.
std::optional<std::string> form_decode(std::string_view encoded);

}  // namespace ventanilla::carriers
