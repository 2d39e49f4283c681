#include "admin/json_fields.hpp"

#include <cstdio>

#include "text/encoding.hpp"
#include "text/gsm7.hpp"

namespace ventanilla::admin {

namespace {

std::string code_point_name(char32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

}  // namespace

std::optional<std::string> text_problem(std::string_view text, bool multiline) {
  std::size_t position = 0;
  for (const char32_t cp : text::decode_utf8(text)) {
    ++position;
    const bool control = cp < 0x20U || (cp >= 0x7FU && cp <= 0x9FU);
    if (control && !(multiline && cp == U'\n')) {
      return "contains a control character (" + code_point_name(cp) + ") at character " +
             std::to_string(position);
    }
    const bool bidi = (cp >= 0x202AU && cp <= 0x202EU) || (cp >= 0x2066U && cp <= 0x2069U) ||
                      cp == 0x200EU || cp == 0x200FU || cp == 0x061CU;
    if (bidi) {
      return "contains a bidirectional control (" + code_point_name(cp) + ") at character " +
             std::to_string(position);
    }
  }
  return std::nullopt;
}

void JsonFields::fail(std::string_view name, std::string detail) {
  if (!error_)
    error_ = make_error(ErrorCode::kInvalidArgument, std::string(name), std::move(detail));
}

const boost::json::value* JsonFields::find(std::string_view name, bool required) {
  known_.emplace(name);
  const auto* value = object_.if_contains(name);
  if (value == nullptr && required) fail(name, "missing");
  return value;
}

std::optional<std::string> JsonFields::text(std::string_view name, std::size_t max_chars,
                                            bool required, bool multiline) {
  const auto* value = find(name, required);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  const std::string_view s = value->get_string();
  const std::size_t chars = text::code_points(s);
  if (chars == 0) {
    fail(name, "must not be empty");
    return std::nullopt;
  }
  if (chars > max_chars) {
    fail(name,
         std::to_string(chars) + " characters, over the limit of " + std::to_string(max_chars));
    return std::nullopt;
  }
  if (auto problem = text_problem(s, multiline)) {
    fail(name, std::move(*problem));
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::int64_t> JsonFields::integer(std::string_view name, std::int64_t min,
                                                std::int64_t max, bool required) {
  const auto* value = find(name, required);
  if (value == nullptr) return std::nullopt;
  std::optional<std::int64_t> n;
  if (value->is_int64()) n = value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(value->get_uint64());
  } else if (value->is_uint64()) {
    fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  if (!n) {
    fail(name, "must be an integer");
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonFields::boolean(std::string_view name, bool required) {
  const auto* value = find(name, required);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) {
    fail(name, "must be true or false");
    return std::nullopt;
  }
  return value->get_bool();
}

std::optional<std::vector<std::string>> JsonFields::texts(std::string_view name,
                                                          std::size_t max_items,
                                                          std::size_t max_chars, bool required) {
  const auto* value = find(name, required);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) {
    fail(name, "must be an array of strings");
    return std::nullopt;
  }
  const auto& items = value->get_array();
  if (items.size() > max_items) {
    fail(name,
         std::to_string(items.size()) + " items, over the limit of " + std::to_string(max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    if (!items[i].is_string()) {
      fail(where, "must be a string");
      return std::nullopt;
    }
    const std::string_view s = items[i].get_string();
    const std::size_t chars = text::code_points(s);
    if (chars == 0 || chars > max_chars) {
      fail(where, "must have 1 to " + std::to_string(max_chars) + " characters");
      return std::nullopt;
    }
    if (auto problem = text_problem(s)) {
      fail(where, std::move(*problem));
      return std::nullopt;
    }
    out.emplace_back(s);
  }
  return out;
}

std::optional<Error> JsonFields::finish() const {
  if (error_) return error_;
  for (const auto& member : object_) {
    if (!known_.contains(member.key())) {
      // The name is echoed only when it is plain: it could hold anything a client sent. An
      // empty name must still be named (found by the admin_json fuzz target).
      const std::string_view key = member.key();
      const bool shown = key.size() <= 64 && !text_problem(key);
      return make_error(ErrorCode::kInvalidArgument,
                        key.empty() ? "(an empty field name)"
                        : shown     ? std::string(key)
                                    : "(a field name not shown)",
                        "unknown field");
    }
  }
  return std::nullopt;
}

}  // namespace ventanilla::admin
