#pragma once
// One language's texts file (menus/texts/<lang>.toml) as the console edits it: the list of its
// texts by message id ("need.hub" is key `hub` of table [need]), and the rewrite of one text in
// place. The rewrite changes only the bytes of that one value — comments, order, spacing and
// every other text stay byte for byte — so `ventanilla export` and a diff of versions show staff
// exactly what they changed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::dialog {

struct TextEntry {
  std::string id;
  std::string text;
  std::uint32_t line = 0;
};

// Every string value of the file, in file order. Errors: kInvalidArgument "PATH:LINE: ..." when
// the file is not valid TOML.
Result<std::vector<TextEntry>> read_text_file(std::string_view content, std::string_view path);

// `content` with the text `id` set to `text` (written as a TOML basic string; a newline in `text`
// becomes \n). Errors: kNotFound (where = id) when the file has no such text; kInvalidArgument
// when the file is not valid TOML or `id` is not a string.
Result<std::string> replace_text(std::string_view content, std::string_view path,
                                 std::string_view id, std::string_view text);

// `text` as a TOML basic string literal, quotes included.
std::string toml_basic_string(std::string_view text);

}  // namespace ventanilla::dialog
