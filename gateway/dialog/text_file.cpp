#include "dialog/text_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

namespace ventanilla::dialog {

namespace {

Result<toml::table> parse(std::string_view content, std::string_view path) {
  try {
    return toml::parse(content, path);
  } catch (const toml::parse_error& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}:{}", path, e.source().begin.line),
                      std::string(e.description()));
  }
}

// Calls visit(id, node) for every value, ids joined with '.' as MenuSet names messages (a quoted
// key may hold a dot itself: `"text.MX"` under [pathways] is "pathways.text.MX").
template <class Visit>
void flatten(const toml::table& table, const std::string& prefix, const Visit& visit) {
  for (const auto& [key, node] : table) {
    const std::string id =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, id, visit);
    } else {
      visit(id, node);
    }
  }
}

// Byte offset of (line, column), both 1-based, columns counted in code points as toml++ does.
std::size_t offset_of(std::string_view content, std::uint32_t line, std::uint32_t column) {
  std::size_t at = 0;
  for (std::uint32_t l = 1; l < line && at < content.size(); ++l) {
    const auto nl = content.find('\n', at);
    if (nl == std::string_view::npos) return content.size();
    at = nl + 1;
  }
  for (std::uint32_t c = 1; c < column && at < content.size(); ++c) {
    ++at;
    while (at < content.size() && (static_cast<unsigned char>(content[at]) & 0xC0U) == 0x80U) ++at;
  }
  return at;
}

}  // namespace

std::string toml_basic_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20U || c == 0x7F) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

Result<std::vector<TextEntry>> read_text_file(std::string_view content, std::string_view path) {
  auto root = parse(content, path);
  if (!root) return root.error();
  std::vector<TextEntry> entries;
  flatten(*root, "", [&entries](const std::string& id, const toml::node& node) {
    if (const auto* s = node.as_string()) {
      entries.push_back({id, s->get(), static_cast<std::uint32_t>(node.source().begin.line)});
    }
  });
  std::stable_sort(entries.begin(), entries.end(),
                   [](const TextEntry& a, const TextEntry& b) { return a.line < b.line; });
  return entries;
}

Result<std::string> replace_text(std::string_view content, std::string_view path,
                                 std::string_view id, std::string_view text) {
  auto root = parse(content, path);
  if (!root) return root.error();
  const toml::node* node = nullptr;
  flatten(*root, "", [&node, id](const std::string& candidate, const toml::node& n) {
    if (candidate == id) node = &n;
  });
  if (node == nullptr) {
    return make_error(ErrorCode::kNotFound, std::string(id),
                      "no such text in " + std::string(path));
  }
  if (!node->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, std::string(id), "not a text (a TOML string)");
  }
  const auto& region = node->source();
  const std::size_t begin = offset_of(content, region.begin.line, region.begin.column);
  const std::size_t end = offset_of(content, region.end.line, region.end.column);
  std::string out;
  out.reserve(content.size() + text.size());
  out.append(content.substr(0, begin));
  out += toml_basic_string(text);
  out.append(content.substr(end));
  return out;
}

}  // namespace ventanilla::dialog
