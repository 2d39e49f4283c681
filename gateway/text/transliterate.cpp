#include "text/transliterate.hpp"

#include <utf8proc.h>

#include "text/gsm7.hpp"

namespace ventanilla::text {
namespace {

struct Replacement {
  char32_t from;
  std::string_view to;
};

constexpr Replacement kTable[] = {
    {U'\u2018', "'"},  {U'\u2019', "'"},  {U'\u201A', "'"},   {U'\u201C', "\""}, {U'\u201D', "\""},
    {U'\u201E', "\""}, {U'\u00AB', "\""}, {U'\u00BB', "\""},  {U'\u2013', "-"},  {U'\u2014', "-"},
    {U'\u2010', "-"},  {U'\u2011', "-"},  {U'\u2026', "..."}, {U'\u00A0', " "},  {U'\u202F', " "},
    {U'\u0153', "oe"}, {U'\u0152', "OE"}, {U'\u2022', "-"},   {U'\u00B0', "o"},  {U'\u00BA', "o"},
    {U'\u00AA', "a"},  {U'`', "'"},       {U'\t', " "},
};

}  // namespace

std::string transliterate_gsm7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = 0;
    i += decode_one(utf8, i, cp);
    if (gsm7_septets(cp) != 0) {
      append_utf8(out, cp);
      continue;
    }
    bool done = false;
    for (const auto& r : kTable) {
      if (r.from == cp) {
        out += r.to;
        done = true;
        break;
      }
    }
    if (done) continue;
    utf8proc_int32_t buf[18];
    int last = 0;
    const auto n = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(cp), buf, 18,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK),
        &last);
    std::string piece;
    bool ok = n > 0 && n <= 18;
    for (utf8proc_ssize_t k = 0; ok && k < n; ++k) {
      const auto c = static_cast<char32_t>(buf[k]);
      if (gsm7_septets(c) == 0) {
        ok = false;
      } else {
        append_utf8(piece, c);
      }
    }
    out += ok ? piece : std::string("?");
  }
  return out;
}

}  // namespace ventanilla::text
