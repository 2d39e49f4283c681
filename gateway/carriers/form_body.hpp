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

// The inverse, for the bodies and queries we send: ASCII letters, digits and RFC 3986's
// unreserved "-_.~" kept, space as '+', every other byte %XX (uppercase hex). A '+' in a phone
// number therefore becomes %2B, which every carrier decodes back to '+' (Kannel would read a bare
// '+' as a space, §5.5).
std::string form_encode(std::string_view bytes);

// Appends `name=value` (both encoded) to a form body or query, with '&' when it is not the first.
void append_form_field(std::string& out, std::string_view name, std::string_view value);

}  // namespace ventanilla::carriers
