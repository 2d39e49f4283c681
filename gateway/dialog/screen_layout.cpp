#include "dialog/screen_layout.hpp"

#include <algorithm>
#include <vector>

#include "text/encoding.hpp"

namespace ventanilla::dialog {

namespace {

using text::ScreenLimit;
using text::TextCost;

// One piece that never breaks: a body word or an item line. `newline` says it starts a line.
struct Unit {
  std::string_view text;
  TextCost cost;
  bool newline = false;
};

const TextCost kSeparator{1, 1, true};  // ' ' or '\n': one septet, one UTF-16 unit

bool fits(const TextCost& cost, const ScreenLimit& limit) {
  return text::screen_fit(cost, limit).fits();
}

std::vector<Unit> make_units(const ScreenContent& c) {
  std::vector<Unit> units;
  units.reserve(c.items.size() + c.body.size() / 4 + 1);
  bool newline = true;
  std::string_view body = c.body;
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] == '\n') {
      newline = true;
      ++i;
      continue;
    }
    if (body[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < body.size() && body[j] != ' ' && body[j] != '\n') ++j;
    const std::string_view word = body.substr(i, j - i);
    units.push_back({word, text::text_cost(word), newline});
    newline = false;
    i = j;
  }
  for (const auto& item : c.items) units.push_back({item, text::text_cost(item), true});
  return units;
}

struct Footer {
  std::string text;
  TextCost cost;
};

Footer footer(const ScreenContent& c, bool previous, bool next) {
  Footer f;
  auto add = [&f](std::string_view entry) {
    if (entry.empty()) return;
    if (!f.text.empty()) f.text += ' ';
    f.text += entry;
  };
  if (next) add(c.next);
  if (previous) add(c.previous);
  add(c.back);
  add(c.home);
  f.cost = text::text_cost(f.text);
  return f;
}

// The page as [first, last) units plus, for an over-long single unit, its shortened text.
struct PageSpan {
  std::size_t first = 0;
  std::size_t last = 0;
  std::string shortened;    // replaces units[first] when not empty
  TextCost shortened_from;  // the cost of units[first] before it was shortened
  bool more = false;
};

// Packs one page starting at unit `start`: everything left if it fits with the last page's
// navigation, else as many units as fit beside "next".
PageSpan pack(const std::vector<Unit>& units, std::size_t start, bool previous,
              std::string_view header, const TextCost& header_cost, const ScreenContent& c,
              const ScreenLimit& limit) {
  PageSpan span;
  span.first = start;
  auto content_cost = [&](std::size_t from, std::size_t to, const Footer& f) {
    TextCost cost = header_cost;
    for (std::size_t u = from; u < to; ++u) {
      if (u > from || !header.empty()) cost += kSeparator;
      cost += units[u].cost;
    }
    if (!f.text.empty()) cost += kSeparator + f.cost;
    return cost;
  };
  if (fits(content_cost(start, units.size(), footer(c, previous, false)), limit)) {
    span.last = units.size();
    return span;
  }
  const Footer f = footer(c, previous, true);
  std::size_t u = start;
  while (u < units.size() && fits(content_cost(start, u + 1, f), limit)) ++u;
  if (u == start) {
    // One unit alone is longer than the page: shorten it.
    TextCost reserved = header_cost;
    if (!header.empty()) reserved += kSeparator;
    if (!f.text.empty()) reserved += kSeparator + f.cost;
    span.shortened = text::truncate_to_fit(units[start].text, reserved, limit);
    span.shortened_from = text::text_cost(units[start].text);
    u = start + 1;
  }
  span.last = u;
  span.more = span.last < units.size();
  return span;
}

}  // namespace

PageLayout layout_page(const ScreenContent& c, std::size_t wanted, const ScreenLimit& limit) {
  const std::vector<Unit> units = make_units(c);
  PageLayout out;

  std::string title(c.title);
  TextCost title_cost = text::text_cost(title);
  std::string hint(c.hint);
  // Header and navigation must leave room for a line of content; a title or hint that does not
  // is cut.
  {
    TextCost reserve = footer(c, true, true).cost + kSeparator + kSeparator;
    reserve.gsm7_septets += 12;
    reserve.ucs2_units += 12;
    if (!title.empty() && !fits(title_cost + reserve, limit)) {
      out.longest_cut = title_cost;
      title = text::truncate_to_fit(title, reserve, limit);
      title_cost = text::text_cost(title);
      out.shortened = true;
    }
    TextCost hint_room = text::text_cost(hint);
    hint_room.gsm7_native = true;  // the hint's room counts as GSM-7 (below)
    if (!hint.empty() && !fits(hint_room + reserve, limit)) {
      hint = text::truncate_to_fit(hint, reserve, limit);
    }
  }
  // Every page keeps room for the hint in the title's place, shown or not: a hint that moved a
  // page break would hide the words between the two breaks (on neither page 1-with-hint nor page
  // 2). Its room counts as GSM-7 so that, under policy auto, a hint never turns GSM-7 pages into
  // UCS-2 ones; on a full GSM-7 page it is shown transliterated (the septets kept for it).
  TextCost header_cost = title_cost;
  if (!hint.empty()) {
    const TextCost hint_cost = text::text_cost(hint);
    header_cost.gsm7_septets = std::max(title_cost.gsm7_septets, hint_cost.gsm7_septets);
    header_cost.ucs2_units = std::max(title_cost.ucs2_units, hint_cost.ucs2_units);
  }
  // Only its emptiness matters to packing (a separator follows a non-empty header).
  const std::string_view header = title.empty() ? std::string_view(hint) : std::string_view(title);

  // Every page is packed (the count is shown as "98 More" and bounds "98"); cheap: a screen
  // holds at most a few dozen units.
  PageSpan chosen;
  std::size_t start = 0;
  std::size_t page = 0;
  for (;;) {
    PageSpan span = pack(units, start, page > 0, header, header_cost, c, limit);
    if (page <= wanted) {
      chosen = span;
      out.page = page;
    }
    if (!span.shortened.empty()) {  // any page: check reports it
      out.shortened = true;
      if (span.shortened_from.gsm7_septets > out.longest_cut.gsm7_septets) {
        out.longest_cut = span.shortened_from;
      }
    }
    if (!span.more) break;
    start = span.last;
    ++page;
  }
  out.page_count = page + 1;

  std::string text;
  text.reserve(limit.septets + 16);
  text = title;
  for (std::size_t u = chosen.first; u < chosen.last; ++u) {
    const std::string_view piece = (u == chosen.first && !chosen.shortened.empty())
                                       ? std::string_view(chosen.shortened)
                                       : units[u].text;
    if (!text.empty()) text += (u == chosen.first || units[u].newline) ? '\n' : ' ';
    text += piece;
  }
  const Footer f = footer(c, out.page > 0, chosen.more);
  if (!f.text.empty()) {
    if (!text.empty()) text += '\n';
    text += f.text;
  }
  if (c.show_hint && !hint.empty()) {
    // Above the title when there is room, else in its place (the room kept for it).
    const std::string_view after_title = std::string_view(text).substr(title.size());
    std::string with_hint = hint + (text.empty() ? "" : "\n") + text;
    if (!fits(text::text_cost(with_hint), limit)) {
      with_hint = hint + (title.empty() && !text.empty() ? "\n" : "");
      with_hint += after_title;
    }
    if (!fits(text::text_cost(with_hint), limit)) {
      // Policy auto on a GSM-7 page: the hint's GSM-7 form costs the septets kept for it.
      std::string gsm = text::apply_policy(hint, text::EncodingPolicy::kGsm7).text;
      with_hint = gsm + (title.empty() && !text.empty() ? "\n" : "");
      with_hint += after_title;
    }
    text = std::move(with_hint);
  }
  out.text = std::move(text);
  return out;
}

}  // namespace ventanilla::dialog
