#pragma once
// SMS keywords: words that act anywhere in a conversation, before any menu — STOP and its
// translations, START, HELP, MENU, the erase request, and "CENTRO <town>"-style direct lookups.
// They are content (menus/texts/<lang>.toml [keywords]); every language's words are recognised
// whatever language the sender chose, because a migrant may not have chosen one yet.
//
// Matching folds case and accents ("Ède" = "ED" = "èd") and looks only at the first word, so
// "stop please" stops and "parada 5" does not. Pure.

#include <optional>
#include <string>
#include <string_view>

#include "dialog/menu_set.hpp"

namespace ventanilla::dialog {

enum class Keyword { kStop, kStart, kHelp, kMenu, kErase, kHub };

struct KeywordMatch {
  Keyword keyword = Keyword::kHelp;
  std::string rest;      // what follows the keyword, trimmed ("Tapachula")
  std::size_t language;  // the language whose word matched (index into MenuSet::languages())
};

// The keyword `text` starts with, if any. HELP followed by words is a hub lookup ("AYUDA
// Tapachula" asks where to get help in Tapachula).
std::optional<KeywordMatch> match_keyword(const MenuSet& menus, std::string_view text);

}  // namespace ventanilla::dialog
