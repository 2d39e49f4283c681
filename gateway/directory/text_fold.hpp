#pragma once
// Search folding for place names: what a migrant types on a feature phone and what the gazetteer
// holds are both reduced to the same lowercase, accent-free tokens before they are compared.
//
// fold("Cd. de México") == "ciudad de mexico"; fold("San-Pedro  SULA!") == "san pedro sula".
//
// Rules, in order: Unicode NFKD + case folding + mark stripping (utf8proc); apostrophes vanish
// ("Matthew's" → "matthews"); any other character that is not a letter or a digit separates
// tokens (punctuation, symbols, emoji, controls, invalid UTF-8); then whole tokens that are
// common abbreviations are expanded ("cd" → "ciudad", "sta" → "santa", "s" → "san", ...; see
// expand_abbreviation()). Letters outside Latin stay as UTF-8 (folded), so Cyrillic or Han
// alternate names still match themselves. Pure; thread-safe except that one FoldedText must not be
// used by two threads at once.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ventanilla::directory {

// A folded text and its tokens. Reuse one instance across calls to avoid allocations: assign()
// keeps the buffers' capacity.
class FoldedText {
 public:
  FoldedText() = default;
  explicit FoldedText(std::string_view utf8) { assign(utf8); }

  // Folds `utf8` (any bytes; invalid UTF-8 separates tokens). Linear in the input size.
  void assign(std::string_view utf8);

  // Tokens joined by single spaces, no leading or trailing space ("" when there are no tokens).
  std::string_view text() const noexcept { return text_; }
  std::size_t size() const noexcept { return spans_.size(); }
  bool empty() const noexcept { return spans_.empty(); }
  // Views into text(); valid until the next assign().
  std::string_view token(std::size_t i) const noexcept {
    return std::string_view(text_).substr(spans_[i].first, spans_[i].second);
  }

 private:
  void finish_token();

  std::string text_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans_;  // (offset, length) in text_
  std::size_t token_start_ = 0;
};

// Convenience for build time and tests: FoldedText(utf8).text() as a string.
std::string fold(std::string_view utf8);

// The expansion of a whole folded token when it is a known abbreviation ("cd" → "ciudad"),
// else an empty view. Only whole tokens: "cdmx" and "colima" are left alone.
std::string_view expand_abbreviation(std::string_view folded_token) noexcept;

// Spanish/English function words that do not distinguish places ("de", "la", "del", "el", "los",
// "las", "y", "the", "of"). Matching ignores them when they are missing or extra.
bool is_stopword(std::string_view folded_token) noexcept;

// Words that say what kind of area a name is, not which one ("estado", "department",
// "provincia", "district", "municipio", "state", "city"): a query may carry them ("Estado de
// México"), GeoNames' admin1 names do ("Yoro Department"), and neither should decide a match.
bool is_area_word(std::string_view folded_token) noexcept;

// Optimal-string-alignment Damerau–Levenshtein distance between two folded tokens (insertions,
// deletions, substitutions and adjacent transpositions, each cost 1), compared byte by byte.
// Returns max_distance + 1 as soon as the distance is known to exceed max_distance, and for
// inputs longer than kMaxEditTokenBytes (unless they are equal). O(len × (2·max + 1)) time, no
// allocation.
inline constexpr std::size_t kMaxEditTokenBytes = 48;
std::size_t bounded_edit_distance(std::string_view a, std::string_view b,
                                  std::size_t max_distance) noexcept;

// The same distance as bounded_edit_distance() for one pattern against many texts, by Hyyrö's
// bit-parallel algorithm (2003): O(len(text)) word operations per text, after an O(len(pattern))
// set-up. For the typo scan, where one query token meets hundreds of dictionary tokens.
class EditDistancePattern {
 public:
  explicit EditDistancePattern(std::string_view pattern) noexcept { assign(pattern); }
  EditDistancePattern() = default;
  // Copies the pattern. A pattern longer than kMaxEditTokenBytes matches nothing.
  void assign(std::string_view pattern) noexcept;

  // bounded_edit_distance(pattern, text, max_distance), except for over-long patterns.
  std::size_t distance(std::string_view text, std::size_t max_distance) const noexcept;

 private:
  std::array<char, kMaxEditTokenBytes> pattern_{};
  std::size_t size_ = 0;
  bool too_long_ = false;
  std::array<std::uint64_t, 256> masks_{};  // bit i set where pattern byte i is the index
};

// A 64-bit multiset sketch of a folded token: two bits per letter a–z set as a thermometer (01 =
// once, 11 = twice or more), two for digits, two for non-ASCII bytes. For tokens x and y,
// popcount(sx & ~sy) <= the number of characters x has that y lacks (capped per letter), so
//   max(popcount(sx & ~sy), popcount(sy & ~sx)) <= edit distance(x, y),
// a filter that rejects most dictionary tokens before any distance is computed.
std::uint64_t token_signature(std::string_view folded_token) noexcept;

// Writes to `out` the positions i < count whose signature could be within `max_distance` edits
// of `query` (see token_signature) and returns how many; `out` needs room for `count`. Uses the
// CPU's POPCNT instruction where available.
std::size_t filter_by_signature(const std::uint64_t* signatures, std::size_t count,
                                std::uint64_t query, int max_distance, std::uint32_t* out) noexcept;

}  // namespace ventanilla::directory
