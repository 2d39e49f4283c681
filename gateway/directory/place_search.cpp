#include "directory/place_search.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>

#include "directory/text_fold.hpp"

namespace ventanilla::directory {

namespace {

// Bounds on the work one query may cause, whatever it contains.
constexpr std::size_t kMaxTypoCandidates = 64;   // dictionary tokens per query token
constexpr std::size_t kMaxPrefixCandidates = 256;
constexpr std::size_t kMaxExaminedEntries = 4000;  // names verified per pass and country
constexpr std::size_t kMaxFullKeyHits = 256;

// Scores (internal units, 1000 = exact). Tiers never overlap: the lowest typo score is above the
// highest near miss, and so on up.
constexpr int kScoreExact = 1000;
constexpr int kScoreAlias = 950;
constexpr int kScoreAltName = 900;
constexpr int kScoreReorderedName = 880;
constexpr int kScoreReorderedAlias = 870;
constexpr int kScoreReorderedAltName = 860;
constexpr int kScorePrefix = 800;
constexpr int kScoreTypo = 700;
constexpr int kScoreNearMiss = 400;

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
  bool stopword = false;
  bool maybe_qualifier = false;  // equals some admin1 or country word
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

// Per-thread buffers, so a query allocates nothing once the thread has warmed up.
struct Scratch {
  FoldedText query;
  std::vector<QueryToken> tokens;
  std::size_t token_count = 0;
  std::vector<std::uint32_t> place_stamp;
  std::vector<std::uint32_t> place_slot;
  std::vector<std::uint32_t> qualifier_stamp;
  std::vector<std::uint32_t> qualifier_mask;  // bit i: query token i matches that qualifier
  std::uint32_t epoch = 0;
  std::uint32_t qualifier_epoch = 0;  // bumped per pass: the edit allowance differs
  std::vector<Found> found;
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
    if (pass == Pass::kNearMiss && non_stopwords() >= 2) {
      // One query token may be unmatched, so no single token can drive: try each in turn.
      for (std::size_t i = 0; i < s_.token_count; ++i) {
        const auto& t = s_.tokens[i];
        if (!t.stopword && !t.candidates.empty()) scan_driver(ix, i, pass, 1);
      }
      return;
    }
    const std::size_t driver = pick_driver();
    if (driver < s_.token_count) scan_driver(ix, driver, pass, 0);
  }

  bool has_strong_match() const {
    return std::any_of(s_.found.begin(), s_.found.end(),
                       [](const Found& f) { return f.score >= kScoreReorderedAltName; });
  }

 private:
  std::size_t non_stopwords() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s_.token_count; ++i) if (!s_.tokens[i].stopword) ++n;
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
        case NameKind::kAsciiName: record(ix, it->entry, kScoreExact, MatchKind::kExact, 0); break;
        case NameKind::kAlias: record(ix, it->entry, kScoreAlias, MatchKind::kAlias, 0); break;
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
    for (std::size_t i = 0; i < s_.token_count; ++i) {
      QueryToken& qt = s_.tokens[i];
      auto& out = qt.candidates;
      out.clear();
      const std::uint32_t exact = ix.find_token(qt.text);
      if (exact != CountryIndex::kNoToken) out.push_back({exact, 0, false});
      if (!qt.stopword) {
        const bool last = i + 1 == s_.token_count;
        if (qt.text.size() >= 3 && (last || pass == Pass::kNearMiss)) add_prefixes(ix, qt, exact);
        const bool want_typos = pass != Pass::kStrict || exact == CountryIndex::kNoToken;
        const int k = max_edits(qt.text.size(), pass);
        if (want_typos && k > 0) {
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
      out.erase(std::unique(out.begin(), out.end(),
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

  void add_prefixes(const CountryIndex& ix, QueryToken& qt, std::uint32_t exact) {
    auto it = std::lower_bound(
        ix.sorted_tokens.begin(), ix.sorted_tokens.end(), qt.text,
        [&ix](std::uint32_t t, std::string_view s) { return std::string_view(ix.token_text[t]) < s; });
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
    const std::size_t lo = len > static_cast<std::size_t>(k) ? len - static_cast<std::size_t>(k) : 1;
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
      if (d >= 1 && d <= static_cast<std::size_t>(k)) typos.emplace_back(static_cast<std::uint8_t>(d), t);
    }
    if (typos.size() > kMaxTypoCandidates) {
      std::nth_element(typos.begin(), typos.begin() + kMaxTypoCandidates, typos.end());
      typos.resize(kMaxTypoCandidates);
    }
    for (const auto& [d, t] : typos) qt.candidates.push_back({t, d, false});
  }

  // The token whose candidates occur in the fewest names, preferring words that cannot be read as
  // an admin1 or country qualifier (a qualifier need not be in the name at all).
  std::size_t pick_driver() const {
    std::size_t best = s_.token_count;
    for (int round = 0; round < 2 && best == s_.token_count; ++round) {
      for (std::size_t i = 0; i < s_.token_count; ++i) {
        const auto& t = s_.tokens[i];
        if (t.stopword || t.candidates.empty()) continue;
        if (round == 0 && t.maybe_qualifier) continue;
        if (best == s_.token_count || t.postings < s_.tokens[best].postings) best = i;
      }
    }
    return best;
  }

  void scan_driver(const CountryIndex& ix, std::size_t driver, Pass pass, int allowed_unmatched) {
    const auto& candidates = s_.tokens[driver].candidates;
    std::size_t examined = 0;
    auto visit = [&](std::uint32_t entry) {
      ++examined;
      evaluate(ix, entry, pass, allowed_unmatched);
    };
    if (candidates.size() == 1) {
      const auto t = candidates.front().token;
      const auto* p = ix.postings.data() + ix.postings_begin[t];
      const auto* end = ix.postings.data() + ix.postings_begin[t + 1];
      for (; p != end && examined < kMaxExaminedEntries; ++p) visit(*p);
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
    while (!heap.empty() && examined < kMaxExaminedEntries) {
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

  // Whether query token i names the place's admin1 or country, memoized per qualifier.
  bool qualifies(std::uint32_t place, std::size_t i, Pass pass) {
    const auto q = dir_.qualifier_index(place);
    if (s_.qualifier_stamp[q] != s_.qualifier_epoch) {
      s_.qualifier_stamp[q] = s_.qualifier_epoch;
      std::uint32_t mask = 0;
      const auto& words = dir_.qualifiers()[q].tokens;
      for (std::size_t t = 0; t < s_.token_count; ++t) {
        const auto& qt = s_.tokens[t];
        if (qt.stopword) continue;
        const auto k = static_cast<std::size_t>(max_edits(qt.text.size(), pass));
        for (const auto& w : words) {
          if (bounded_edit_distance(qt.text, w, k) <= k) {
            mask |= 1u << t;
            break;
          }
        }
      }
      s_.qualifier_mask[q] = mask;
    }
    return (s_.qualifier_mask[q] >> i) & 1u;
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
      } else if (!qt.stopword && !qualifies(e.place, i, pass)) {
        if (++unmatched > allowed_unmatched) return;
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
    const auto edits = static_cast<std::uint8_t>(std::min(cost, 255));
    if (pass == Pass::kNearMiss) {
      record(ix, entry_id, kScoreNearMiss - edit_penalty - 60 * unmatched - extra_penalty - prefix_penalty,
             MatchKind::kNearMiss, edits);
    } else if (cost > 0) {
      record(ix, entry_id, kScoreTypo - edit_penalty - extra_penalty - prefix_penalty,
             MatchKind::kTypo, edits);
    } else if (prefix || extras > 0) {
      record(ix, entry_id, kScorePrefix - extra_penalty - prefix_penalty, MatchKind::kPrefix, 0);
    } else if (e.kind == NameKind::kAlias) {
      record(ix, entry_id, kScoreReorderedAlias, MatchKind::kAlias, 0);
    } else if (e.kind == NameKind::kAltName) {
      record(ix, entry_id, kScoreReorderedAltName, MatchKind::kAltName, 0);
    } else {
      record(ix, entry_id, kScoreReorderedName, MatchKind::kExact, 0);
    }
  }

  const Directory& dir_;
  const SearchOptions& options_;
  Scratch& s_;
};

std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // Do not split a multi-byte sequence: back off over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
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
    s.qualifier_mask.assign(qualifiers, 0);
  }
  if (++s.epoch == 0) {
    // Wrapped: stale stamps could now look current.
    std::fill(s.place_stamp.begin(), s.place_stamp.end(), 0);
    s.epoch = 1;
  }
  s.found.clear();
}

// Whether `token` equals any admin1 or country word (exactly).
bool is_qualifier_word(const Directory& dir, std::string_view token) {
  for (const auto& q : dir.qualifiers()) {
    for (const auto& w : q.tokens) {
      if (w == token) return true;
    }
  }
  return false;
}

void make_labels(const Directory& dir, std::vector<PlaceMatch>& out, Scratch& s) {
  auto& keys = s.label_keys;
  keys.clear();
  for (const auto& m : out) {
    s.label_fold.assign(m.place->name);
    keys.emplace_back(s.label_fold.text());
  }
  bool many_countries = false;
  for (const auto& m : out) many_countries = many_countries || m.place->country != out[0].place->country;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const Place& p = *out[i].place;
    bool same_name = false;
    bool same_admin1 = false;
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (j == i || keys[j] != keys[i]) continue;
      same_name = true;
      same_admin1 = same_admin1 || (out[j].place->country == p.country &&
                                    out[j].place->admin1_code == p.admin1_code);
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
    out[i].label = std::move(label);
  }
}

}  // namespace

std::string_view to_string(MatchKind kind) noexcept {
  switch (kind) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kAlias: return "alias";
    case MatchKind::kAltName: return "alt_name";
    case MatchKind::kPrefix: return "prefix";
    case MatchKind::kTypo: return "typo";
    case MatchKind::kNearMiss: return "near_miss";
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
  s.query.assign(truncate_utf8(query, kMaxQueryBytes));
  s.token_count = std::min(s.query.size(), kMaxQueryTokens);
  if (s.token_count < s.query.size()) {
    // Keep the full-key lookup consistent with the tokens actually used.
    const auto last = s.query.token(s.token_count - 1);
    const auto end = static_cast<std::size_t>(last.data() + last.size() - s.query.text().data());
    const std::string cut(s.query.text().substr(0, end));
    s.query.assign(cut);
  }
  if (s.tokens.size() < s.token_count) s.tokens.resize(s.token_count);
  std::size_t letters = 0;
  for (std::size_t i = 0; i < s.token_count; ++i) {
    QueryToken& qt = s.tokens[i];
    qt.text = s.query.token(i);
    qt.signature = token_signature(qt.text);
    qt.pattern.assign(qt.text);
    qt.stopword = is_stopword(qt.text);
    qt.maybe_qualifier = !qt.stopword && is_qualifier_word(directory, qt.text);
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
  if (found.size() > limit) {
    std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(limit),
                     found.end(), better);
    found.resize(limit);
  }
  std::sort(found.begin(), found.end(), better);

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

}  // namespace ventanilla::directory
