#include "carriers/form_body.hpp"

#include <fmt/format.h>

namespace ventanilla::carriers {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error form_error(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "form", std::move(detail));
}

}  // namespace

std::optional<std::string> form_decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      const int hi = hex_digit(encoded[i + 1]);
      const int lo = hex_digit(encoded[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<FormFields> FormFields::parse(std::string_view body) {
  FormFields form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2": tolerated, as every form decoder does
    const auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    if (!name) return form_error("a field name has a malformed %-escape");
    if (name->empty()) return form_error("a field has no name");
    auto value =
        form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value) return form_error(fmt::format("field {}: malformed %-escape", *name));
    if (form.get(*name)) return form_error(fmt::format("field {}: given twice", *name));
    if (form.fields_.size() == kMaxFields)
      return form_error(fmt::format("more than {} fields", kMaxFields));
    form.fields_.emplace_back(std::move(*name), std::move(*value));
  }
  return form;
}

std::optional<std::string_view> FormFields::get(std::string_view name) const noexcept {
  for (const auto& [k, v] : fields_)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

}  // namespace ventanilla::carriers
