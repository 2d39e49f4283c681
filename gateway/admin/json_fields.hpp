#pragma once
// Reading an admin request's JSON object field by field, strictly: every field a route does not
// know is an error (a typo such as "nmae" must not silently drop a change), texts are bounded and
// free of control characters and bidirectional overrides (which can make a text display
// differently from what it says, in the console and on a phone), and every error names the field.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::admin {

// Why `text` is not acceptable as a staff-entered text, or nullopt: "contains a control character
// (U+0007) at character 5", "contains a bidirectional override (U+202E) at character 1". Newline
// is allowed only when `multiline`. Assumes valid UTF-8 (Boost.JSON guarantees it).
std::optional<std::string> text_problem(std::string_view text, bool multiline = false);

class JsonFields {
 public:
  explicit JsonFields(const boost::json::object& object) : object_(object) {}

  // A string of 1..max_chars characters (code points). Missing: an error when required.
  std::optional<std::string> text(std::string_view name, std::size_t max_chars,
                                  bool required = true, bool multiline = false);
  // An integer in [min, max].
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max,
                                      bool required = true);

  std::optional<bool> boolean(std::string_view name, bool required = true);
  // An array of at most max_items strings, each 1..max_chars characters, as text() checks them.
  std::optional<std::vector<std::string>> texts(std::string_view name, std::size_t max_items,
                                                std::size_t max_chars, bool required = true);

  // After reading every field: the first error met, else an error naming the first unknown field.
  std::optional<Error> finish() const;

 private:
  const boost::json::value* find(std::string_view name, bool required);
  void fail(std::string_view name, std::string detail);

  const boost::json::object& object_;
  std::set<std::string, std::less<>> known_;
  std::optional<Error> error_;
};

}  // namespace ventanilla::admin
