#include "admin/po_file.hpp"

#include <algorithm>

namespace ventanilla::admin {

namespace {

Error at(std::string_view name, std::uint32_t line, std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, std::string(name) + ":" + std::to_string(line),
                    std::move(detail));
}

// Parses a quoted PO string ("..." with escapes) starting at s[0] == '"'; returns its value, or
// nullopt with `error` set.
std::optional<std::string> unquote(std::string_view s, std::string& error) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    error = "expected a \"quoted string\"";
    return std::nullopt;
  }
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      error = "unescaped \" inside a string";
      return std::nullopt;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == s.size()) {
      error = "string ends with a lone backslash";
      return std::nullopt;
    }
    switch (s[i]) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      default:
        error = std::string("unsupported escape \\") + s[i];
        return std::nullopt;
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void write_string(std::string& out, std::string_view keyword, std::string_view value) {
  // Multi-line values as Poedit writes them: "" then one continuation line per \n-ended piece.
  if (value.find('\n') == std::string_view::npos || value.find('\n') == value.size() - 1) {
    out += std::string(keyword) + " " + po_quote(value) + "\n";
    return;
  }
  out += std::string(keyword) + " \"\"\n";
  std::size_t start = 0;
  while (start < value.size()) {
    const auto nl = value.find('\n', start);
    const auto end = nl == std::string_view::npos ? value.size() : nl + 1;
    out += po_quote(value.substr(start, end - start)) + "\n";
    start = end;
  }
}

}  // namespace

bool PoEntry::fuzzy() const {
  return std::find(flags.begin(), flags.end(), "fuzzy") != flags.end();
}

std::string po_quote(std::string_view text) {
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
        out.push_back(c);
    }
  }
  return out + "\"";
}

Result<PoFile> parse_po(std::string_view text, std::string_view name) {
  PoFile file;
  PoEntry entry;
  enum class Field { kNone, kContext, kId, kStr } field = Field::kNone;
  bool has_id = false;
  bool has_str = false;
  bool seen_header = false;
  std::uint32_t line_no = 0;

  auto finish = [&]() -> std::optional<Error> {
    if (!has_id && !has_str && entry.context.empty()) {
      if (!entry.translator_comments.empty() || !entry.flags.empty()) entry = PoEntry{};
      return std::nullopt;
    }
    if (!has_id) return at(name, line_no, "entry without msgid");
    if (!has_str) return at(name, entry.line, "msgid without msgstr");
    if (entry.msgid.empty() && entry.context.empty()) {
      if (seen_header) return at(name, entry.line, "a second header entry (empty msgid)");
      seen_header = true;
      file.header = entry.msgstr;
    } else {
      file.entries.push_back(std::move(entry));
    }
    entry = PoEntry{};
    has_id = has_str = false;
    field = Field::kNone;
    return std::nullopt;
  };

  std::size_t pos = 0;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a BOM some editors add
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::string_view line = trim(raw);
    std::string error;
    if (line.empty()) {
      if (auto e = finish()) return *e;
      continue;
    }
    if (line.starts_with("#~")) continue;  // obsolete entry
    if (line.starts_with("#")) {
      // A comment after msgid/msgstr starts the next entry.
      if (has_str) {
        if (auto e = finish()) return *e;
      }
      if (line.starts_with("#.")) {
        entry.extracted_comments.emplace_back(trim(line.substr(2)));
      } else if (line.starts_with("#:")) {
        entry.references.emplace_back(trim(line.substr(2)));
      } else if (line.starts_with("#,")) {
        std::string_view flags = line.substr(2);
        while (!flags.empty()) {
          const auto comma = flags.find(',');
          const auto flag = trim(flags.substr(0, comma));
          if (!flag.empty()) entry.flags.emplace_back(flag);
          if (comma == std::string_view::npos) break;
          flags.remove_prefix(comma + 1);
        }
      } else if (line.starts_with("#|")) {
        const auto rest = trim(line.substr(2));
        if (rest.starts_with("msgid ")) {
          auto value = unquote(trim(rest.substr(6)), error);
          if (!value) return at(name, line_no, "#| msgid: " + error);
          entry.previous_msgid = std::move(*value);
        }
      } else {
        std::string_view comment = line.substr(1);
        if (comment.starts_with(" ")) comment.remove_prefix(1);
        entry.translator_comments.emplace_back(comment);
      }
      continue;
    }
    if (line.starts_with("\"")) {
      auto value = unquote(line, error);
      if (!value) return at(name, line_no, error);
      switch (field) {
        case Field::kContext:
          entry.context += *value;
          break;
        case Field::kId:
          entry.msgid += *value;
          break;
        case Field::kStr:
          entry.msgstr += *value;
          break;
        case Field::kNone:
          return at(name, line_no, "a string continues no keyword");
      }
      continue;
    }
    const auto space = line.find_first_of(" \t");
    const std::string_view keyword = line.substr(0, space);
    const std::string_view rest = space == std::string_view::npos ? "" : trim(line.substr(space));
    if (keyword == "msgid_plural" || keyword.starts_with("msgstr[")) {
      return at(name, line_no, "plural forms are not used by menu texts");
    }
    if (keyword != "msgctxt" && keyword != "msgid" && keyword != "msgstr") {
      return at(name, line_no, "unknown keyword '" + std::string(keyword.substr(0, 20)) + "'");
    }
    if (keyword == "msgctxt" || (keyword == "msgid" && has_str)) {
      if (has_str) {
        if (auto e = finish()) return *e;
      }
    }
    auto value = unquote(rest, error);
    if (!value) return at(name, line_no, std::string(keyword) + ": " + error);
    if (keyword == "msgctxt") {
      if (has_id) return at(name, line_no, "msgctxt after msgid");
      entry.context = std::move(*value);
      field = Field::kContext;
    } else if (keyword == "msgid") {
      if (has_id) return at(name, line_no, "msgid twice in one entry");
      entry.msgid = std::move(*value);
      entry.line = line_no;
      has_id = true;
      field = Field::kId;
    } else {
      if (!has_id) return at(name, line_no, "msgstr before msgid");
      if (has_str) return at(name, line_no, "msgstr twice in one entry");
      entry.msgstr = std::move(*value);
      has_str = true;
      field = Field::kStr;
    }
  }
  if (auto e = finish()) return *e;
  return file;
}

std::string write_po(const PoFile& file) {
  std::string out;
  out += "msgid \"\"\n";
  write_string(out, "msgstr", file.header);
  for (const auto& e : file.entries) {
    out += "\n";
    for (const auto& c : e.translator_comments) out += c.empty() ? "#\n" : "# " + c + "\n";
    for (const auto& c : e.extracted_comments) out += "#. " + c + "\n";
    for (const auto& r : e.references) out += "#: " + r + "\n";
    if (!e.flags.empty()) {
      out += "#,";
      for (std::size_t i = 0; i < e.flags.size(); ++i) out += (i ? ", " : " ") + e.flags[i];
      out += "\n";
    }
    if (e.previous_msgid) out += "#| msgid " + po_quote(*e.previous_msgid) + "\n";
    if (!e.context.empty()) out += "msgctxt " + po_quote(e.context) + "\n";
    write_string(out, "msgid", e.msgid);
    write_string(out, "msgstr", e.msgstr);
  }
  return out;
}

}  // namespace ventanilla::admin
