#pragma once
// Place search: from whatever a migrant types ("xela", "tapachla", "Cd. de Mexico", "Pedro Sula
// San") to the towns it most likely means, best first.
//
// Matching works on folded tokens (text_fold.hpp), in any order, against each place's name, its
// ASCII name, its aliases (aliases.csv) and its GeoNames alternate names. A query word may also
// name the place's admin1 or country ("san pedro chiapas", "progreso yoro"); function words ("de",
// "la") and area words ("estado", "department") may be missing on either side. Tiers, strongest
// first (score in parentheses):
//   exact     the query is the place's name (1.0), or its words in another order (0.88);
//   alias     ... one of its curated aliases (1.0 / 0.88). An alias is an exact name people use,
//             so it shares the exact tier: "Juárez" finds Ciudad Juárez before the villages
//             named Juárez because, within a tier, prominence decides;
//   alt_name  ... one of its GeoNames alternate names (0.9 / 0.86);
//   prefix    every query word is in the name, which has more words, or the last query word is
//             unfinished ("quetzal") (about 0.75–0.8);
//   typo      as above with spelling mistakes, per query word at most 0 edits for 1–3 characters
//             (too short to tell a typo from another word), 1 for 4–7, 2 for 8 or more (about 0.5–
//             0.66); Damerau–Levenshtein (optimal string alignment);
//   near_miss only when nothing above matched: one more edit per word, prefixes in any word, and
//             one word may match nothing (0.4 and below).
// Within a tier, fewer edits and fewer extra name words rank higher, naming the right admin1 adds
// a little; ties go to administrative seats (capital > admin1 seat > municipal seat > other
// seats > other places) and then population. Two rows for one town (same folded name, admin1 and
// admin2, within 10 km: GeoNames lists some twice) come back once.
//
// Work per query is bounded whatever the input: it is cut to kMaxQueryBytes (at a word boundary)
// and its first kMaxQueryTokens distinct words; each word has a bounded number of dictionary
// candidates (only the first 4 words get misspelling candidates); each scan and each query
// verify a bounded number of names, most prominent places first. Pure and thread-safe: concurrent
// calls on one Directory are fine. Each calling thread keeps about 0.3 MB of scratch buffers for
// its lifetime, so a query allocates little beyond its results.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "directory/directory.hpp"

namespace ventanilla::directory {

enum class MatchKind : std::uint8_t { kExact, kAlias, kAltName, kPrefix, kTypo, kNearMiss };

// "exact", "alias", "alt_name", "prefix", "typo", "near_miss".
std::string_view to_string(MatchKind kind) noexcept;

inline constexpr std::size_t kMaxQueryBytes = 256;
inline constexpr std::size_t kMaxQueryTokens = 8;
inline constexpr std::size_t kMaxSearchLimit = 50;

struct SearchOptions {
  std::string country;    // ISO2 ("GT"); empty searches every country (CLI only: USSD sets it)
  std::string admin1;     // admin1 code within `country`; empty for any
  std::size_t limit = 5;  // most results returned; clamped to 1..kMaxSearchLimit
};

struct PlaceMatch {
  const Place* place = nullptr;  // into the Directory searched
  double score = 0;              // in (0, 1]; higher is better; only ordering is meaningful
  MatchKind kind = MatchKind::kExact;
  std::string_view matched_name;  // the name, alias or alternate name that matched
  std::string label;              // place name, plus " — Admin1" when the name repeats in the
                                  // results (" — Admin2, Admin1" when that repeats too, and
                                  // ", CC" when the results span countries)
  std::uint8_t edits = 0;         // spelling edits needed (typo and near_miss)
};

// Best matches for `query` (any bytes: UTF-8 expected, anything else is tolerated), at most
// options.limit, best first. Empty when the query has no letters or digits, is a single character,
// names an unknown country, or nothing is even near.
std::vector<PlaceMatch> search_places(const Directory& directory, std::string_view query,
                                      const SearchOptions& options);

// The labels search_places gives these places when they are its results, in order: the name,
// told apart as PlaceMatch::label says where names repeat. For a list shown again later from
// stored place ids, without searching again.
std::vector<std::string> place_labels(const Directory& directory,
                                      std::span<const Place* const> places);

}  // namespace ventanilla::directory
