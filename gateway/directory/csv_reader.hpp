#pragma once
// RFC 4180 CSV as data/*.csv uses it: comma-separated, fields quoted with '"' only when they hold
// a comma, a quote or a line break, quotes doubled inside quoted fields, records ending in "\n" or
// "\r\n" (the last one may lack it). Text must be UTF-8.
//
// The reader never stops at the first problem: it reports every malformed field with its line and
// column and keeps going, so a file with ten bad rows yields ten problems in one pass. Records
// with problems are still returned, marked not clean, so a caller can tell that a key exists
// without trusting the record. An unclosed quote swallows the rest of the file (nothing after it
// can be told apart from the quoted field): it is reported once, at the line where the field
// opened, and that record is dropped.
//
// Rejected in any field: invalid UTF-8 (stray or missing continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF), NUL, C0 controls (a line break is allowed only inside
// a quoted field), DEL, C1 controls (U+0080–U+009F: mojibake from a cp1252 round trip) and the
// bidirectional embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069), which can
// make a hub name read differently from what it is. A UTF-8 byte order mark at the very start is
// skipped; anywhere else U+FEFF is rejected (invisible, and it would not survive a round trip at
// the start of a file).
//
// Pure functions; safe from any thread.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ventanilla::directory {

struct CsvField {
  std::string value;     // unquoted, doubled quotes undone, line breaks kept as written
  std::size_t line = 0;  // 1-based physical line where the field starts
  bool clean = true;     // false when a problem was reported for this field
};

struct CsvRecord {
  std::size_t line = 0;          // 1-based physical line where the record starts
  std::vector<CsvField> fields;  // column N (1-based) is fields[N - 1]
  bool clean = true;             // false when any field has a problem
};

struct CsvProblem {
  std::size_t line = 0;    // 1-based physical line of the offending byte
  std::size_t column = 0;  // 1-based field index within the record
  std::string reason;      // "invalid UTF-8 (truncated sequence)", "unclosed quote", ...
};

struct CsvTable {
  std::vector<CsvRecord> records;    // in file order, header included, clean or not
  std::vector<CsvProblem> problems;  // in file order
};

CsvTable parse_csv(std::string_view text);

// The first problem in `text` as a field value (same rules as the reader), or "" when it is
// clean. `offset` receives the byte offset of the problem. For checks on values that did not come
// through parse_csv (export of data edited elsewhere).
std::string check_field_text(std::string_view text, bool allow_line_breaks,
                             std::size_t* offset = nullptr);

// True when the field must be quoted: it holds ',', '"', '\r' or '\n'.
bool csv_needs_quotes(std::string_view field) noexcept;

// Appends one record and its "\n". Fields are quoted only when csv_needs_quotes() says so, except
// that a record made of one empty field is written as "" so it does not read back as a blank line.
// This is what Python's csv.writer(QUOTE_MINIMAL, lineterminator="\n") writes, which is how the
// shipped files were made: write(parse(file)) == file for them.
void append_csv_record(std::string& out, std::span<const std::string_view> fields);

}  // namespace ventanilla::directory
