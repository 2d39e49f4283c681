#pragma once
// gettext PO files, as translators' tools (Poedit, Weblate) read and write them: one entry per
// message, msgctxt = the message id ("need.hub"), msgid = the reference (Spanish) text, msgstr =
// the translation. Parsing is strict and line-numbered ("fr.po:12: ..."), because a half-read
// file would silently drop translations.
//
// Supported: translator comments (# ...), extracted comments (#. ...), references (#: ...), flags
// (#, fuzzy), previous msgid (#| msgid "..."), msgctxt/msgid/msgstr with continuation lines,
// the escapes \" \\ \n \t. Not supported (refused with a message): plural forms (msgid_plural,
// msgstr[n]) — menu texts have none — and obsolete entries (#~) are skipped.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::admin {

struct PoEntry {
  std::vector<std::string> translator_comments;  // "# ..." lines, without "# "
  std::vector<std::string> extracted_comments;   // "#. ..."
  std::vector<std::string> references;           // "#: ..."
  std::vector<std::string> flags;                // "fuzzy", "c-format" ...
  std::optional<std::string> previous_msgid;     // "#| msgid ..."
  std::string context;                           // msgctxt
  std::string msgid;
  std::string msgstr;
  std::uint32_t line = 0;  // of the msgid keyword

  bool fuzzy() const;
};

struct PoFile {
  std::string header;  // the msgstr of the entry with an empty msgid ("Content-Type: ...\n...")
  std::vector<PoEntry> entries;
};

// Errors: kInvalidArgument, where = "NAME:LINE".
Result<PoFile> parse_po(std::string_view text, std::string_view name);

std::string write_po(const PoFile& file);

// "..." with PO escapes.
std::string po_quote(std::string_view text);

}  // namespace ventanilla::admin
