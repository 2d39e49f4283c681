#include "dialog/keywords.hpp"

#include <array>
#include <utility>

#include "directory/text_fold.hpp"

namespace ventanilla::dialog {

namespace {

constexpr std::array<std::pair<std::string_view, Keyword>, 6> kKeywordTexts{{
    {messages::kKeywordsStop, Keyword::kStop},
    {messages::kKeywordsStart, Keyword::kStart},
    {messages::kKeywordsErase, Keyword::kErase},
    {messages::kKeywordsMenu, Keyword::kMenu},
    {messages::kKeywordsHub, Keyword::kHub},
    {messages::kKeywordsHelp, Keyword::kHelp},
}};

// Words every language understands, whatever the content says (carriers and regulators treat
// them as universal).
constexpr std::array<std::pair<std::string_view, Keyword>, 4> kUniversal{{
    {"stop", Keyword::kStop},
    {"start", Keyword::kStart},
    {"help", Keyword::kHelp},
    {"menu", Keyword::kMenu},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// True when the folded word `word` is one of the space-separated words of `list`.
bool listed(std::string_view list, std::string_view word) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && list[i] == ' ') ++i;
    std::size_t j = i;
    while (j < list.size() && list[j] != ' ') ++j;
    if (j > i && directory::fold(list.substr(i, j - i)) == word) return true;
    i = j;
  }
  return false;
}

}  // namespace

std::optional<KeywordMatch> match_keyword(const MenuSet& menus, std::string_view text) {
  text = trim(text);
  std::size_t end = 0;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n') ++end;
  if (end == 0) return std::nullopt;
  const std::string word = directory::fold(text.substr(0, end));
  if (word.empty()) return std::nullopt;
  const std::string rest(trim(text.substr(end)));

  std::optional<KeywordMatch> found;
  for (std::size_t l = 0; l < menus.languages().size() && !found; ++l) {
    for (const auto& [id, keyword] : kKeywordTexts) {
      if (listed(menus.text(l, id), word)) {
        found = KeywordMatch{keyword, rest, l};
        break;
      }
    }
  }
  if (!found) {
    for (const auto& [universal, keyword] : kUniversal) {
      if (word == universal) {
        found = KeywordMatch{keyword, rest, 0};
        break;
      }
    }
  }
  if (found && found->keyword == Keyword::kHelp && !found->rest.empty())
    found->keyword = Keyword::kHub;
  return found;
}

}  // namespace ventanilla::dialog
