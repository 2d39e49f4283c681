#pragma once
// JSON webhook bodies (Infobip, the generic SMS and USSD routes), decoded as strictly as form
// bodies (form_body.hpp): RFC 8259 §4 only says member names SHOULD be unique, and Boost.JSON
// 1.81 silently keeps one of two same-named members. A repeated member is an error naming it,
// never a silent guess, because a mangled phone number or message id would be pseudonymized or
// deduplicated wrongly.

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace ventanilla::carriers {

// The body as a JSON object, parsed with boost::json::parse's defaults (max_depth 32, strict
// UTF-8 inside strings, no comments, no trailing commas, nothing after the value).
// Errors (kInvalidArgument, with `where`), checked in this order: "body: not valid JSON",
// "body: not a JSON object", "<path>: given twice" (see duplicate_member). Values are never
// echoed: bodies hold phone numbers.
Result<boost::json::object> parse_json_object(std::string_view body, std::string_view where);

// The first member named twice within one object, as the path to it: "id",
// "results[0].messageId", "a.b[2].c". Objects are separate scopes: the same name in two objects
// (nested, or side by side in an array) is fine. A name that is not printable ASCII of at most
// kMaxShownNameBytes is shown as kHiddenName. nullopt when no object repeats a name, and when
// `body` is not valid JSON (parse it first to tell the two apart).
std::optional<std::string> duplicate_member(std::string_view body);

inline constexpr std::size_t kMaxShownNameBytes = 64;
inline constexpr std::string_view kHiddenName = "(a name not shown)";

}  // namespace ventanilla::carriers
