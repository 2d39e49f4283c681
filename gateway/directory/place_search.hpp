#pragma once
// Place search: from whatever a migrant types ("xela", "tapachla", "Cd. de Mexico", "Pedro Sula
// San") to the towns it most likely means, best first.
//
// Matching works on folded tokens (text_fold.hpp), in any order, against each place's name, its
// ASCII name, its aliases (aliases.csv) and its GeoNames alternate names. A query token may also
// match the place's admin1 or country name ("san pedro chiapas"). Tiers, strongest first:
//   exact     the whole query is the place's name (or its tokens in another order);
//   alias     ... one of its aliases;
//   alt_name  ... one of its alternate names;
//   prefix    every query token is in the name, the last one possibly unfinished ("quetzal");
//   typo      as prefix, but with spelling mistakes: per query token at most 0 edits for 1–3
//             characters, 1 for 4–7, 2 for 8 or more (Damerau–Levenshtein);
//   near_miss only when nothing above matched: one more edit per token, prefixes anywhere, and
//             one query token may match nothing.
// Within a tier fewer edits and fewer extra name words rank higher; ties go to administrative
// seats (capital > admin1 seat > municipal seat > other) and then population.
//
// Work per query is bounded whatever the input: it is cut to kMaxQueryBytes and kMaxQueryTokens,
// each token has at most a fixed number of dictionary candidates, and each pass examines at most
// a fixed number of names (the most prominent places first). Pure and thread-safe: concurrent
// calls on one Directory are fine (per-thread scratch buffers).

#include <cstddef>
#include <cstdint>
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
  const Place* place = nullptr;     // into the Directory searched
  double score = 0;                 // in (0, 1]; higher is better; only ordering is meaningful
  MatchKind kind = MatchKind::kExact;
  std::string_view matched_name;    // the name, alias or alternate name that matched
  std::string label;                // place name, plus " — Admin1" when the name repeats in the
                                    // results (" — Admin2, Admin1" when that repeats too, and
                                    // ", CC" when the results span countries)
  std::uint8_t edits = 0;           // spelling edits needed (typo and near_miss)
};

// Best matches for `query` (any bytes: UTF-8 expected, anything else is tolerated), at most
// options.limit, best first. Empty when the query has no letters or digits, is a single character,
// names an unknown country, or nothing is even near.
std::vector<PlaceMatch> search_places(const Directory& directory, std::string_view query,
                                      const SearchOptions& options);

}  // namespace ventanilla::directory
