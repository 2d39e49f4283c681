#include "carriers/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "carriers/field_checks.hpp"

namespace ventanilla::carriers {

namespace {

using boost::json::string_view;
using boost::system::error_code;

// A boost::json::basic_parser handler that builds nothing: it keeps, for each open object, the
// names seen so far, and notes the first name seen twice in the same object. Depth is bounded
// by the parser's max_depth, so the stack of scopes is too.
class DuplicateFinder {
 public:
  // No limits of its own: the caller has already parsed the body with boost::json::parse.
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();

  const std::optional<std::string>& duplicate() const noexcept { return duplicate_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code&) {
    enter_value();
    scopes_.push_back(Scope{true, {}, {}, 0});
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    scopes_.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) {
    enter_value();
    scopes_.push_back(Scope{false, {}, {}, 0});
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    scopes_.pop_back();
    return true;
  }

  bool on_key_part(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    Scope& scope = scopes_.back();
    // Read on after the first repeat: it only counts if the whole body is valid JSON.
    if (!scope.names.insert(key_).second && !duplicate_) duplicate_ = path_to(key_);
    scope.current_name = std::move(key_);
    key_.clear();
    return true;
  }

  // Leaves count as one array element each; only their last event marks them.
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return leaf(); }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return leaf(); }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return leaf(); }
  bool on_double(double, string_view, error_code&) { return leaf(); }
  bool on_bool(bool, error_code&) { return leaf(); }
  bool on_null(error_code&) { return leaf(); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  struct Scope {
    bool is_object;
    std::set<std::string, std::less<>> names;  // object: names seen so far
    std::string current_name;                  // object: the member being read
    std::size_t elements;                      // array: elements begun so far
  };

  void enter_value() {
    if (!scopes_.empty() && !scopes_.back().is_object) ++scopes_.back().elements;
  }
  bool leaf() {
    enter_value();
    return true;
  }

  static void append_name(std::string& path, std::string_view name) {
    if (!path.empty()) path += '.';
    const bool shown = name.size() <= kMaxShownNameBytes && !name.empty() && printable_ascii(name);
    path.append(shown ? name : kHiddenName);
  }

  // "results[0].messageId": each enclosing scope's position, then the repeated name.
  std::string path_to(std::string_view repeated) const {
    std::string path;
    for (std::size_t i = 0; i + 1 < scopes_.size(); ++i) {
      const Scope& scope = scopes_[i];
      if (scope.is_object) {
        append_name(path, scope.current_name);
      } else {
        path += '[';
        path += std::to_string(scope.elements - 1);
        path += ']';
      }
    }
    append_name(path, repeated);
    return path;
  }

  std::vector<Scope> scopes_;
  std::string key_;  // the name being read, when it comes in parts
  std::optional<std::string> duplicate_;
};

}  // namespace

std::optional<std::string> duplicate_member(std::string_view body) {
  // The same options as boost::json::parse's default, so both see the same document.
  boost::json::basic_parser<DuplicateFinder> parser{boost::json::parse_options{}};
  error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  // write_some stops after the first value; boost::json::parse calls anything after it an error.
  if (ec || used != body.size()) return std::nullopt;
  return parser.handler().duplicate();
}

Result<boost::json::object> parse_json_object(std::string_view body, std::string_view where) {
  auto invalid = [where](std::string detail) {
    return make_error(ErrorCode::kInvalidArgument, std::string(where), std::move(detail));
  };
  error_code ec;
  // Boost.JSON refuses invalid UTF-8 inside strings, so every string comes out valid UTF-8.
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return invalid("body: not valid JSON");
  boost::json::object* object = doc.if_object();
  if (!object) return invalid("body: not a JSON object");
  if (auto repeated = duplicate_member(body)) return invalid(*repeated + ": given twice");
  return std::move(*object);
}

}  // namespace ventanilla::carriers
