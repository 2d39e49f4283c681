#pragma once
// Laying one screen out on a route: a title repeated on every page, a body broken between words,
// numbered items, and a navigation line that is always there. Whatever the content, every page
// fits the route's screen; what does not fit moves to the next page ("98 More"), and only a single
// line longer than a whole screen is shortened (at a word, with "...").
//
// Paging is recomputed from the content on every hop (it is cheap and deterministic), so the
// session stores only the page number.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "text/screen_fit.hpp"

namespace ventanilla::dialog {

struct ScreenContent {
  // One line before everything ("Invalid option"), shown when show_hint: above the title when
  // there is room, else in its place. Every page keeps room for it in the title's place whether
  // shown or not, so showing it never moves a page break: give it on every hop.
  std::string_view hint;
  bool show_hint = true;
  std::string_view title;              // repeated at the top of every page, or ""
  std::string_view body;               // paged between words; '\n' starts a new line
  std::span<const std::string> items;  // "1 Guatemala", one per line, after the body
  // Navigation entries, already numbered ("0 Back"); empty ones are left out. next/previous
  // appear only where there is a next/previous page.
  std::string_view next;
  std::string_view previous;
  std::string_view back;
  std::string_view home;
};

struct PageLayout {
  std::string text;      // UTF-8, before the route's encoding policy is applied
  std::size_t page = 0;  // the page laid out (the one asked for, or the last)
  std::size_t page_count = 1;
  bool shortened = false;  // a line had to be cut to fit (check reports it for fixed texts)
  // The longest line that had to be cut, as it was before cutting, so check can say by how much.
  text::TextCost longest_cut;
};

PageLayout layout_page(const ScreenContent& content, std::size_t page,
                       const text::ScreenLimit& limit);

}  // namespace ventanilla::dialog
