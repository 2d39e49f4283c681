#include "text/sms_split.hpp"

#include <string_view>

#include "text/screen_fit.hpp"

namespace ventanilla::text {

namespace {

constexpr std::size_t kGsm7Single = 160;
constexpr std::size_t kUcs2Single = 70;

std::size_t cost_of(std::string_view utf8, Encoding encoding) {
  const TextCost c = text_cost(utf8);
  return encoding == Encoding::kGsm7 ? c.gsm7_septets : c.ucs2_units;
}

// Length of the UTF-8 sequence starting with `lead` (1 for stray continuation bytes).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::vector<std::string> split_into_single_sms(const EncodedText& text) {
  std::vector<std::string> parts;
  if (text.text.empty()) return parts;
  const std::size_t capacity = text.encoding == Encoding::kGsm7 ? kGsm7Single : kUcs2Single;
  const std::size_t space = 1;  // ' ' costs one septet or one UTF-16 unit
  if (cost_of(text.text, text.encoding) <= capacity) {
    parts.push_back(text.text);
    return parts;
  }
  std::string current;
  std::size_t current_cost = 0;
  auto flush = [&] {
    if (!current.empty()) parts.push_back(std::move(current));
    current.clear();
    current_cost = 0;
  };
  std::string_view rest = text.text;
  while (!rest.empty()) {
    const auto end = rest.find(' ');
    const std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (word.empty()) continue;  // runs of spaces collapse at a break
    const std::size_t word_cost = cost_of(word, text.encoding);
    if (!current.empty() && current_cost + space + word_cost <= capacity) {
      current += ' ';
      current += word;
      current_cost += space + word_cost;
      continue;
    }
    flush();
    if (word_cost <= capacity) {
      current = word;
      current_cost = word_cost;
      continue;
    }
    // A word longer than one SMS: cut it at character boundaries.
    std::size_t i = 0;
    while (i < word.size()) {
      const std::size_t n =
          std::min(sequence_length(static_cast<unsigned char>(word[i])), word.size() - i);
      const std::string_view ch = word.substr(i, n);
      const std::size_t ch_cost = cost_of(ch, text.encoding);
      if (current_cost + ch_cost > capacity) flush();
      current += ch;
      current_cost += ch_cost;
      i += n;
    }
  }
  flush();
  return parts;
}

}  // namespace ventanilla::text
