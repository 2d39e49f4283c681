#include "directory/csv_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace ventanilla::directory {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

std::string fail(std::size_t at, std::size_t* offset, std::string reason) {
  if (offset != nullptr) *offset = at;
  return reason;
}

bool is_line_end(std::string_view text, std::size_t pos) noexcept {
  return text[pos] == '\n' || (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n');
}

}  // namespace

std::string check_field_text(std::string_view text, bool allow_line_breaks, std::size_t* offset) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == 0) return fail(i, offset, "NUL byte");
      if (c < 0x20 || c == 0x7F) {
        if (allow_line_breaks && c == '\n') {
          ++i;
          continue;
        }
        if (allow_line_breaks && c == '\r' && i + 1 < n && text[i + 1] == '\n') {
          i += 2;
          continue;
        }
        return fail(i, offset, fmt::format("control character U+{:04X}", c));
      }
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    std::uint32_t smallest = 0;
    if (c >= 0xC0 && c <= 0xDF) {
      length = 2;
      code_point = c & 0x1Fu;
      smallest = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code_point = c & 0x0Fu;
      smallest = 0x800;
    } else if (c >= 0xF0 && c <= 0xF7) {
      length = 4;
      code_point = c & 0x07u;
      smallest = 0x10000;
    } else if (c <= 0xBF) {
      return fail(i, offset, "invalid UTF-8 (unexpected continuation byte)");
    } else {
      return fail(i, offset, fmt::format("invalid UTF-8 (byte 0x{:02X})", c));
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (i + k >= n || (static_cast<unsigned char>(text[i + k]) & 0xC0u) != 0x80u) {
        return fail(i, offset, "invalid UTF-8 (truncated sequence)");
      }
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    }
    if (code_point < smallest) return fail(i, offset, "invalid UTF-8 (overlong encoding)");
    if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      return fail(i, offset, fmt::format("invalid UTF-8 (surrogate U+{:04X})", code_point));
    }
    if (code_point > 0x10FFFF) return fail(i, offset, "invalid UTF-8 (beyond U+10FFFF)");
    if (code_point <= 0x9F) {
      return fail(i, offset, fmt::format("control character U+{:04X}", code_point));
    }
    if ((code_point >= 0x202A && code_point <= 0x202E) ||
        (code_point >= 0x2066 && code_point <= 0x2069)) {
      return fail(i, offset, fmt::format("bidirectional control U+{:04X}", code_point));
    }
    // Invisible, and at the start of a file it is taken for the byte order mark: a field that
    // began with one would lose it on the next export and import (found by fuzzing).
    if (code_point == 0xFEFF) return fail(i, offset, "byte order mark U+FEFF inside a field");
    i += length;
  }
  return {};
}

CsvTable parse_csv(std::string_view text) {
  CsvTable table;
  const std::size_t n = text.size();
  std::size_t pos = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
  std::size_t line = 1;
  auto problem = [&table](std::size_t at_line, std::size_t column, std::string reason) {
    table.problems.push_back({at_line, column, std::move(reason)});
  };

  while (pos < n) {
    CsvRecord record;
    record.line = line;
    for (;;) {
      CsvField field;
      field.line = line;
      const std::size_t column = record.fields.size() + 1;
      const bool quoted = pos < n && text[pos] == '"';
      if (quoted) {
        ++pos;
        bool closed = false;
        while (pos < n) {
          const char c = text[pos];
          if (c == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field.value += '"';
              pos += 2;
              continue;
            }
            ++pos;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field.value += c;
          ++pos;
        }
        if (!closed) {
          // Everything to the end of the file is inside the quote: no later record can be trusted.
          problem(field.line, column, "unclosed quote");
          return table;
        }
        if (pos < n && text[pos] != ',' && !is_line_end(text, pos)) {
          problem(line, column, "text after the closing quote of a quoted field");
          field.clean = false;
          while (pos < n && text[pos] != ',' && text[pos] != '\n') ++pos;
        }
      } else {
        const std::size_t start = pos;
        bool quote_seen = false;
        while (pos < n && text[pos] != ',' && !is_line_end(text, pos)) {
          if (text[pos] == '"' && !quote_seen) {
            problem(line, column, "quote inside an unquoted field (quote the whole field)");
            quote_seen = true;
            field.clean = false;
          }
          ++pos;
        }
        field.value.assign(text.substr(start, pos - start));
      }

      std::size_t offset = 0;
      std::string why = check_field_text(field.value, quoted, &offset);
      if (!why.empty()) {
        const auto before = std::string_view(field.value).substr(0, offset);
        const auto breaks =
            static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
        problem(field.line + breaks, column, std::move(why));
        field.clean = false;
      }
      record.clean = record.clean && field.clean;
      record.fields.push_back(std::move(field));

      if (pos >= n) break;
      if (text[pos] == ',') {
        ++pos;
        continue;
      }
      if (text[pos] == '\r') ++pos;
      ++pos;  // '\n'
      ++line;
      break;
    }
    table.records.push_back(std::move(record));
  }
  return table;
}

bool csv_needs_quotes(std::string_view field) noexcept {
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

void append_csv_record(std::string& out, std::span<const std::string_view> fields) {
  if (fields.size() == 1 && fields.front().empty()) {
    out += "\"\"\n";
    return;
  }
  bool first = true;
  for (const std::string_view field : fields) {
    if (!first) out += ',';
    first = false;
    if (!csv_needs_quotes(field)) {
      out += field;
      continue;
    }
    out += '"';
    for (const char c : field) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
}

}  // namespace ventanilla::directory
