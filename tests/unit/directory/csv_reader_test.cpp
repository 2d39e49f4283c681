#include "directory/csv_reader.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace ventanilla::directory {
namespace {

template <class Case>
std::string case_name(const testing::TestParamInfo<Case>& param_info) {
  return param_info.param.name;
}

using Rows = std::vector<std::vector<std::string>>;

Rows values_of(const CsvTable& table) {
  Rows rows;
  for (const CsvRecord& r : table.records) {
    std::vector<std::string> fields;
    for (const CsvField& f : r.fields) fields.push_back(f.value);
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::vector<std::string> problems_of(const CsvTable& table) {
  std::vector<std::string> out;
  for (const CsvProblem& p : table.problems) {
    out.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.reason);
  }
  return out;
}

struct ParseCase {
  std::string name;
  std::string text;
  Rows rows;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

class CsvParses : public testing::TestWithParam<ParseCase> {};

TEST_P(CsvParses, GivesTheFieldsWithoutProblems) {
  const CsvTable table = parse_csv(GetParam().text);
  EXPECT_EQ(problems_of(table), std::vector<std::string>{});
  EXPECT_EQ(values_of(table), GetParam().rows);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc4180, CsvParses,
    testing::Values(
        ParseCase{"plain", "a,b,c\n1,2,3\n", {{"a", "b", "c"}, {"1", "2", "3"}}},
        ParseCase{"last_record_without_line_end", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}},
        ParseCase{"crlf_line_ends", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}},
        ParseCase{"empty_fields", ",x,\n", {{"", "x", ""}}},
        ParseCase{"trailing_comma_at_end_of_file", "a,", {{"a", ""}}},
        ParseCase{"quoted_comma",
                  "\"Reforma 113, Col. Centro\",x\n",
                  {{"Reforma 113, Col. Centro", "x"}}},
        ParseCase{"doubled_quotes", "\"say \"\"hola\"\"\",\"\"\n", {{"say \"hola\"", ""}}},
        ParseCase{"embedded_lf", "\"line one\nline two\",x\n", {{"line one\nline two", "x"}}},
        ParseCase{"embedded_crlf", "\"one\r\ntwo\"\r\n", {{"one\r\ntwo"}}},
        ParseCase{"blank_line_is_one_empty_field", "a\n\nb\n", {{"a"}, {""}, {"b"}}},
        ParseCase{"byte_order_mark_skipped",
                  "\xEF\xBB\xBF"
                  "a,b\n",
                  {{"a", "b"}}},
        ParseCase{"multibyte_utf8",
                  "Ñandú,Quetzaltenango 😀,日本\n",
                  {{"Ñandú", "Quetzaltenango 😀", "日本"}}},
        ParseCase{"empty_input", "", {}}),
    case_name<ParseCase>);

struct ProblemCase {
  std::string name;
  std::string text;
  std::vector<std::string> problems;  // "LINE:COLUMN: reason"
  std::size_t clean_records;
};

void PrintTo(const ProblemCase& c, std::ostream* os) { *os << c.name; }

class CsvRejects : public testing::TestWithParam<ProblemCase> {};

TEST_P(CsvRejects, ReportsTheLineColumnAndReason) {
  const CsvTable table = parse_csv(GetParam().text);
  EXPECT_EQ(problems_of(table), GetParam().problems);
  std::size_t clean = 0;
  for (const CsvRecord& r : table.records) clean += r.clean ? 1 : 0;
  EXPECT_EQ(clean, GetParam().clean_records);
}

INSTANTIATE_TEST_SUITE_P(
    Problems, CsvRejects,
    testing::Values(
        ProblemCase{"unclosed_quote", "a,b\nx,\"never closed\ny,z\n", {"2:2: unclosed quote"}, 1},
        ProblemCase{"text_after_closing_quote",
                    "\"ab\"c,d\nok,ok\n",
                    {"1:1: text after the closing quote of a quoted field"},
                    1},
        ProblemCase{"quote_inside_unquoted_field",
                    "a,b\"c\nok,ok\n",
                    {"1:2: quote inside an unquoted field (quote the whole field)"},
                    1},
        ProblemCase{"lone_continuation_byte",
                    "a,\x80\n",
                    {"1:2: invalid UTF-8 (unexpected continuation byte)"},
                    0},
        ProblemCase{"truncated_sequence_at_field_end",
                    "\xC3,b\n",
                    {"1:1: invalid UTF-8 (truncated sequence)"},
                    0},
        ProblemCase{"truncated_sequence_before_ascii",
                    "x,y,\xE2\x82z\n",
                    {"1:3: invalid UTF-8 (truncated sequence)"},
                    0},
        ProblemCase{
            "overlong_two_bytes", "\xC0\xAF\n", {"1:1: invalid UTF-8 (overlong encoding)"}, 0},
        ProblemCase{"overlong_three_bytes",
                    "\xE0\x80\xAF\n",
                    {"1:1: invalid UTF-8 (overlong encoding)"},
                    0},
        ProblemCase{"overlong_four_bytes",
                    "\xF0\x80\x80\xAF\n",
                    {"1:1: invalid UTF-8 (overlong encoding)"},
                    0},
        ProblemCase{"surrogate", "\xED\xA0\x80\n", {"1:1: invalid UTF-8 (surrogate U+D800)"}, 0},
        ProblemCase{
            "beyond_unicode", "\xF4\x90\x80\x80\n", {"1:1: invalid UTF-8 (beyond U+10FFFF)"}, 0},
        ProblemCase{"byte_never_in_utf8", "\xFF\n", {"1:1: invalid UTF-8 (byte 0xFF)"}, 0},
        ProblemCase{"latin1_instead_of_utf8",
                    "Ciudad de M\xE9xico,x\n",
                    {"1:1: invalid UTF-8 (truncated sequence)"},
                    0},
        ProblemCase{"nul_byte", std::string("a,b\0c\n", 6), {"1:2: NUL byte"}, 0},
        ProblemCase{"tab", "a\tb\n", {"1:1: control character U+0009"}, 0},
        ProblemCase{"bare_cr_unquoted", "a\rb\n", {"1:1: control character U+000D"}, 0},
        ProblemCase{"bare_cr_quoted", "\"a\rb\"\n", {"1:1: control character U+000D"}, 0},
        ProblemCase{"delete", "a\x7F\n", {"1:1: control character U+007F"}, 0},
        ProblemCase{"c1_control", "a\xC2\x85\n", {"1:1: control character U+0085"}, 0},
        ProblemCase{
            "bidi_override", "x,abc\xE2\x80\xAE\n", {"1:2: bidirectional control U+202E"}, 0},
        // A second BOM right after the skipped one, and one mid-field (the fuzzer's find).
        ProblemCase{"bom_after_the_bom",
                    "\xEF\xBB\xBF\xEF\xBB\xBF"
                    "c,d\n",
                    {"1:1: byte order mark U+FEFF inside a field"},
                    0},
        ProblemCase{"bom_mid_field",
                    "x,a\xEF\xBB\xBF" "b\n",
                    {"1:2: byte order mark U+FEFF inside a field"},
                    0},
        ProblemCase{"line_break_in_unquoted_field_ends_the_record", "a\nb\n", {}, 2},
        ProblemCase{"bad_byte_on_a_later_line_of_a_quoted_field",
                    "h\n\"one\ntwo\nthr\xFF\"\nok\n",
                    {"4:1: invalid UTF-8 (byte 0xFF)"},
                    2},
        ProblemCase{"every_bad_record_reported_and_good_ones_kept",
                    "h1,h2\n\xFF,ok\nok,ok\nok,\x01\nok,ok\n",
                    {"2:1: invalid UTF-8 (byte 0xFF)", "4:2: control character U+0001"},
                    3},
        ProblemCase{"two_bad_fields_in_one_record",
                    "\x01,\xFF\n",
                    {"1:1: control character U+0001", "1:2: invalid UTF-8 (byte 0xFF)"},
                    0}),
    case_name<ProblemCase>);

TEST(CsvReader, RecordsAndFieldsKnowTheLineTheyStartOn) {
  const CsvTable table = parse_csv("h1,h2\n\"multi\nline\",b\nc,\"d\ne\"\nf,g\n");
  ASSERT_EQ(table.records.size(), 4u);
  EXPECT_EQ(table.records[1].line, 2u);
  EXPECT_EQ(table.records[1].fields[1].line, 3u);  // "b" follows the two-line field
  EXPECT_EQ(table.records[2].line, 4u);
  EXPECT_EQ(table.records[2].fields[1].line, 4u);
  EXPECT_EQ(table.records[3].line, 6u);
}

TEST(CsvReader, CrlfCountsAsOneLine) {
  const CsvTable table = parse_csv("a\r\nb\r\n\xFF\r\n");
  EXPECT_EQ(problems_of(table), std::vector<std::string>{"3:1: invalid UTF-8 (byte 0xFF)"});
}

TEST(CsvReader, CheckFieldTextGivesTheOffset) {
  std::size_t offset = 99;
  EXPECT_EQ(check_field_text("abc\xC3", false, &offset), "invalid UTF-8 (truncated sequence)");
  EXPECT_EQ(offset, 3u);
  EXPECT_EQ(check_field_text("a\nb", false), "control character U+000A");
  EXPECT_EQ(check_field_text("a\nb", true), "");
  EXPECT_EQ(check_field_text("Usulután ñ ü € 😀", false), "");
}

std::string write(const std::vector<std::vector<std::string_view>>& rows) {
  std::string out;
  for (const auto& row : rows) append_csv_record(out, row);
  return out;
}

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(write({{"a", "b c", ""}}), "a,b c,\n");
  EXPECT_EQ(write({{"Reforma 113, Col. Centro"}}), "\"Reforma 113, Col. Centro\"\n");
  EXPECT_EQ(write({{"say \"hola\""}}), "\"say \"\"hola\"\"\"\n");
  EXPECT_EQ(write({{"one\ntwo", "x"}}), "\"one\ntwo\",x\n");
  EXPECT_EQ(write({{"a\rb"}}), "\"a\rb\"\n");
  EXPECT_EQ(write({{"'single' quotes; semicolons|pipes"}}), "'single' quotes; semicolons|pipes\n");
}

TEST(CsvWriter, LoneEmptyFieldIsQuotedSoItIsNotABlankLine) {
  EXPECT_EQ(write({{""}}), "\"\"\n");
  EXPECT_EQ(values_of(parse_csv(write({{""}}))), Rows{{""}});
}

TEST(CsvWriter, ReadBackGivesTheSameFields) {
  const Rows rows = {{"id", "name", "notes"},
                     {"x", "Ventanilla \"VIMMIG\", Salcajá", "line 1\nline 2"},
                     {"", ",", "\"\""},
                     {"crlf", "a\r\nb", " spaced "}};
  std::string text;
  for (const auto& row : rows) {
    std::vector<std::string_view> views(row.begin(), row.end());
    append_csv_record(text, views);
  }
  const CsvTable table = parse_csv(text);
  EXPECT_EQ(problems_of(table), std::vector<std::string>{});
  EXPECT_EQ(values_of(table), rows);
}

}  // namespace
}  // namespace ventanilla::directory
