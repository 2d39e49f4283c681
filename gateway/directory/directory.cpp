#include "directory/directory.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "directory/text_fold.hpp"

namespace ventanilla::directory {

namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFF;
// Names longer than this many tokens are cut: no real place name comes close, and the cap keeps
// per-entry work bounded.
constexpr std::size_t kMaxNameTokens = 16;

std::size_t heap_bytes(const std::string& s) {
  // libstdc++ keeps up to 15 chars inline.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

template <class T>
std::size_t vector_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

std::size_t strings_bytes(const std::vector<std::string>& v) {
  std::size_t total = vector_bytes(v);
  for (const auto& s : v) total += heap_bytes(s);
  return total;
}

void add_tokens(FoldedText& folded, std::string_view text, std::vector<std::string>& out) {
  folded.assign(text);
  for (std::size_t i = 0; i < folded.size(); ++i) {
    const auto token = folded.token(i);
    if (is_stopword(token) || is_area_word(token)) continue;
    if (std::find(out.begin(), out.end(), token) == out.end()) out.emplace_back(token);
  }
}

// Builds one country's index from its places (already in prominence order).
class IndexBuilder {
 public:
  IndexBuilder(CountryIndex& index, const DirectoryData& data) : index_(index), data_(data) {}

  void add_place(std::uint32_t place_index, const std::vector<std::uint32_t>& alias_indexes) {
    const Place& p = data_.places[place_index];
    place_keys_.clear();
    add_entry(place_index, NameKind::kName, 0, p.name);
    add_entry(place_index, NameKind::kAsciiName, 0, p.ascii_name);
    for (const auto a : alias_indexes) {
      add_entry(place_index, NameKind::kAlias, a, data_.aliases[a].alias);
    }
    for (std::size_t i = 0; i < p.alt_names.size() && i <= 0xFFFF; ++i) {
      add_entry(place_index, NameKind::kAltName, static_cast<std::uint16_t>(i), p.alt_names[i]);
    }
  }

  void finish() {
    auto& ix = index_;
    const auto token_count = static_cast<std::uint32_t>(ix.token_text.size());
    ix.token_stopword.resize(token_count);
    std::size_t max_len = 0;
    for (std::uint32_t t = 0; t < token_count; ++t) {
      ix.token_stopword[t] = is_stopword(ix.token_text[t]) ? 1 : 0;
      max_len = std::max(max_len, ix.token_text[t].size());
    }
    ix.sorted_tokens.resize(token_count);
    std::iota(ix.sorted_tokens.begin(), ix.sorted_tokens.end(), 0u);
    std::sort(
        ix.sorted_tokens.begin(), ix.sorted_tokens.end(),
        [&ix](std::uint32_t a, std::uint32_t b) { return ix.token_text[a] < ix.token_text[b]; });

    // Postings: count, prefix-sum, fill. Entries are visited in id order, so each list comes out
    // ascending; a token repeated within one name is recorded once.
    ix.postings_begin.assign(token_count + 1, 0);
    for (std::uint32_t e = 0; e < ix.entries.size(); ++e) {
      for_each_distinct_token(e, [&ix](std::uint32_t t) { ++ix.postings_begin[t + 1]; });
    }
    for (std::uint32_t t = 0; t < token_count; ++t)
      ix.postings_begin[t + 1] += ix.postings_begin[t];
    ix.postings.resize(ix.postings_begin[token_count]);
    std::vector<std::uint32_t> fill(ix.postings_begin.begin(), ix.postings_begin.end() - 1);
    for (std::uint32_t e = 0; e < ix.entries.size(); ++e) {
      for_each_distinct_token(e, [&ix, &fill, e](std::uint32_t t) { ix.postings[fill[t]++] = e; });
    }

    ix.length_begin.assign(max_len + 2, 0);
    for (std::uint32_t t = 0; t < token_count; ++t) ++ix.length_begin[ix.token_text[t].size() + 1];
    for (std::size_t l = 0; l + 1 < ix.length_begin.size(); ++l) {
      ix.length_begin[l + 1] += ix.length_begin[l];
    }
    ix.by_length.resize(token_count);
    std::vector<std::uint32_t> at(ix.length_begin.begin(), ix.length_begin.end() - 1);
    for (std::uint32_t t = 0; t < token_count; ++t) ix.by_length[at[ix.token_text[t].size()]++] = t;
    ix.by_length_signature.resize(token_count);
    for (std::size_t i = 0; i < token_count; ++i) {
      ix.by_length_signature[i] = token_signature(ix.token_text[ix.by_length[i]]);
    }

    std::sort(ix.full_keys.begin(), ix.full_keys.end(),
              [](const CountryIndex::FullKey& a, const CountryIndex::FullKey& b) {
                return a.text != b.text ? a.text < b.text : a.entry < b.entry;
              });
    ix.entries.shrink_to_fit();
    ix.entry_tokens.shrink_to_fit();
    ix.full_keys.shrink_to_fit();
    ix.token_text.shrink_to_fit();
  }

 private:
  template <class F>
  void for_each_distinct_token(std::uint32_t e, F&& f) {
    const auto& entry = index_.entries[e];
    const auto* tokens = index_.entry_tokens.data() + entry.tokens_begin;
    for (std::size_t i = 0; i < entry.token_count; ++i) {
      if (std::find(tokens, tokens + i, tokens[i]) == tokens + i) f(tokens[i]);
    }
  }

  void add_entry(std::uint32_t place_index, NameKind kind, std::uint32_t alt_index,
                 std::string_view text) {
    folded_.assign(text);
    if (folded_.empty()) return;
    const std::string_view key = folded_.text();
    // The same folded name twice for one place (an accented alternate name equal to the main
    // name) would only duplicate postings: keep the first, strongest kind.
    if (std::find(place_keys_.begin(), place_keys_.end(), key) != place_keys_.end()) return;
    place_keys_.emplace_back(key);

    NameEntry entry;
    entry.place = place_index;
    entry.kind = kind;
    entry.alt_index = static_cast<std::uint16_t>(alt_index);
    entry.tokens_begin = static_cast<std::uint32_t>(index_.entry_tokens.size());
    const std::size_t n = std::min(folded_.size(), kMaxNameTokens);
    for (std::size_t i = 0; i < n; ++i) index_.entry_tokens.push_back(token_id(folded_.token(i)));
    entry.token_count = static_cast<std::uint8_t>(n);
    const auto entry_id = static_cast<std::uint32_t>(index_.entries.size());
    index_.entries.push_back(entry);
    index_.full_keys.push_back({std::string(key), entry_id});
  }

  std::uint32_t token_id(std::string_view token) {
    auto [it, inserted] =
        ids_.try_emplace(std::string(token), static_cast<std::uint32_t>(index_.token_text.size()));
    if (inserted) index_.token_text.emplace_back(token);
    return it->second;
  }

  CountryIndex& index_;
  const DirectoryData& data_;
  FoldedText folded_;
  std::vector<std::string> place_keys_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

}  // namespace

std::uint32_t CountryIndex::find_token(std::string_view folded) const noexcept {
  const auto it = std::lower_bound(
      sorted_tokens.begin(), sorted_tokens.end(), folded,
      [this](std::uint32_t t, std::string_view s) { return std::string_view(token_text[t]) < s; });
  if (it != sorted_tokens.end() && token_text[*it] == folded) return *it;
  return kNoToken;
}

int Directory::seat_rank(std::string_view feature_code) noexcept {
  if (feature_code == "PPLC") return 5;
  if (feature_code == "PPLA") return 4;
  if (feature_code == "PPLA2") return 3;
  if (feature_code == "PPLA3" || feature_code == "PPLA4") return 2;
  if (feature_code == "PPLQ" || feature_code == "PPLH" || feature_code == "PPLW") return 0;
  return 1;
}

std::int32_t parse_source_day(std::string_view date) noexcept {
  auto number = [&date](std::size_t pos, std::size_t len, int& out) {
    if (date.size() < pos + len) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (date[i] < '0' || date[i] > '9') return false;
      v = v * 10 + (date[i] - '0');
    }
    out = v;
    return true;
  };
  int y = 0;
  int m = 1;
  int d = 1;
  if (!number(0, 4, y)) return Directory::kUnknownDay;
  if (date.size() == 7 || date.size() == 10) {
    if (date[4] != '-' || !number(5, 2, m)) return Directory::kUnknownDay;
  }
  if (date.size() == 10) {
    if (date[7] != '-' || !number(8, 2, d)) return Directory::kUnknownDay;
  }
  if (date.size() != 4 && date.size() != 7 && date.size() != 10) return Directory::kUnknownDay;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return Directory::kUnknownDay;
  return static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

std::shared_ptr<const Directory> Directory::build(DirectoryData data) {
  // Not make_shared: the constructor is private.
  return std::shared_ptr<const Directory>(new Directory(std::move(data)));
}

Directory::Directory(DirectoryData data) : data_(std::move(data)) {
  const auto& places = data_.places;
  const auto n = static_cast<std::uint32_t>(places.size());

  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&places](std::uint32_t a, std::uint32_t b) {
    const int ra = seat_rank(places[a].feature_code);
    const int rb = seat_rank(places[b].feature_code);
    if (ra != rb) return ra > rb;
    const auto pa = places[a].population.value_or(0);
    const auto pb = places[b].population.value_or(0);
    if (pa != pb) return pa > pb;
    return a < b;
  });
  prominence_.resize(n);
  for (std::uint32_t r = 0; r < n; ++r) prominence_[order[r]] = r;

  places_by_id_.resize(n);
  std::iota(places_by_id_.begin(), places_by_id_.end(), 0u);
  std::sort(places_by_id_.begin(), places_by_id_.end(),
            [&places](std::uint32_t a, std::uint32_t b) { return places[a].id < places[b].id; });
  const auto& hubs = data_.hubs;
  hubs_by_id_.resize(hubs.size());
  std::iota(hubs_by_id_.begin(), hubs_by_id_.end(), 0u);
  std::sort(hubs_by_id_.begin(), hubs_by_id_.end(),
            [&hubs](std::uint32_t a, std::uint32_t b) { return hubs[a].id < hubs[b].id; });

  const auto& admin2 = data_.admin2;
  admin2_sorted_.resize(admin2.size());
  std::iota(admin2_sorted_.begin(), admin2_sorted_.end(), 0u);
  std::sort(admin2_sorted_.begin(), admin2_sorted_.end(),
            [&admin2](std::uint32_t a, std::uint32_t b) {
              return std::tie(admin2[a].country, admin2[a].admin1_code, admin2[a].code) <
                     std::tie(admin2[b].country, admin2[b].admin1_code, admin2[b].code);
            });

  build_indexes();
  build_hub_points();
}

void Directory::build_indexes() {
  const auto& places = data_.places;
  const auto n = static_cast<std::uint32_t>(places.size());
  FoldedText folded;

  // Qualifiers: one per admin1 area, then one per country for places whose admin1 is unknown.
  std::vector<std::vector<std::string>> country_tokens(data_.countries.size());
  for (std::size_t c = 0; c < data_.countries.size(); ++c) {
    add_tokens(folded, data_.countries[c].name_es, country_tokens[c]);
    add_tokens(folded, data_.countries[c].name_en, country_tokens[c]);
  }
  auto country_index = [this](std::string_view iso2) -> std::size_t {
    for (std::size_t c = 0; c < data_.countries.size(); ++c) {
      if (data_.countries[c].iso2 == iso2) return c;
    }
    return data_.countries.size();
  };
  qualifiers_.resize(data_.admin1.size() + data_.countries.size() + 1);
  for (std::size_t a = 0; a < data_.admin1.size(); ++a) {
    const auto& area = data_.admin1[a];
    auto& tokens = qualifiers_[a].tokens;
    add_tokens(folded, area.name, tokens);
    add_tokens(folded, area.display_name, tokens);
    for (const auto& alias : data_.aliases) {
      if (alias.kind == "admin1" && alias.country == area.country && alias.target == area.code) {
        add_tokens(folded, alias.alias, tokens);
      }
    }
    qualifiers_[a].admin1_words = tokens.size();
    if (const auto c = country_index(area.country); c < country_tokens.size()) {
      for (const auto& t : country_tokens[c]) tokens.push_back(t);
    }
  }
  for (std::size_t c = 0; c < data_.countries.size(); ++c) {
    qualifiers_[data_.admin1.size() + c].tokens = country_tokens[c];
  }
  // The last qualifier is empty: places of a country the data does not describe.
  for (const auto& q : qualifiers_) {
    qualifier_words_.insert(qualifier_words_.end(), q.tokens.begin(), q.tokens.end());
  }
  std::sort(qualifier_words_.begin(), qualifier_words_.end());
  qualifier_words_.erase(std::unique(qualifier_words_.begin(), qualifier_words_.end()),
                         qualifier_words_.end());

  std::vector<std::uint32_t> admin1_sorted(data_.admin1.size());
  std::iota(admin1_sorted.begin(), admin1_sorted.end(), 0u);
  const auto& admin1 = data_.admin1;
  auto admin1_less = [&admin1](std::uint32_t a, std::uint32_t b) {
    return std::tie(admin1[a].country, admin1[a].code) <
           std::tie(admin1[b].country, admin1[b].code);
  };
  std::sort(admin1_sorted.begin(), admin1_sorted.end(), admin1_less);
  place_admin1_.assign(n, kNone);
  place_qualifier_.assign(n, static_cast<std::uint32_t>(qualifiers_.size() - 1));
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto& p = places[i];
    const auto it = std::lower_bound(
        admin1_sorted.begin(), admin1_sorted.end(), i, [&](std::uint32_t a, std::uint32_t) {
          return std::tie(admin1[a].country, admin1[a].code) < std::tie(p.country, p.admin1_code);
        });
    if (it != admin1_sorted.end() && admin1[*it].country == p.country &&
        admin1[*it].code == p.admin1_code) {
      place_admin1_[i] = *it;
      place_qualifier_[i] = *it;
    } else if (const auto c = country_index(p.country); c < data_.countries.size()) {
      place_qualifier_[i] = static_cast<std::uint32_t>(data_.admin1.size() + c);
    }
  }
  admin1_seat_.assign(data_.admin1.size(), kNone);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto a = place_admin1_[i];
    if (a == kNone) continue;
    auto& seat = admin1_seat_[a];
    if (seat == kNone || prominence_[i] < prominence_[seat]) seat = i;
  }

  // Place aliases, grouped by target place.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> place_aliases;  // (place, alias index)
  for (std::size_t a = 0; a < data_.aliases.size(); ++a) {
    const auto& alias = data_.aliases[a];
    if (alias.kind == "admin1") {
      if (this->admin1(alias.country, alias.target) == nullptr) ++ignored_aliases_;
      continue;
    }
    const Place* target = place(alias.target);
    if (alias.kind != "place" || target == nullptr || target->country != alias.country ||
        a > 0xFFFF) {
      ++ignored_aliases_;
      continue;
    }
    place_aliases.emplace_back(index_of(*target), static_cast<std::uint32_t>(a));
  }
  std::sort(place_aliases.begin(), place_aliases.end());

  // Countries in first-seen order of the countries table, then any others the places use.
  std::vector<std::string> codes;
  for (const auto& c : data_.countries) codes.push_back(c.iso2);
  for (const auto& p : places) {
    if (std::find(codes.begin(), codes.end(), p.country) == codes.end()) codes.push_back(p.country);
  }
  std::vector<std::uint32_t> by_prominence(n);
  for (std::uint32_t i = 0; i < n; ++i) by_prominence[prominence_[i]] = i;
  std::vector<std::uint32_t> aliases_of;
  for (const auto& code : codes) {
    CountryIndex index;
    index.country = code;
    IndexBuilder builder(index, data_);
    for (const auto i : by_prominence) {
      if (places[i].country != code) continue;
      aliases_of.clear();
      auto it = std::lower_bound(place_aliases.begin(), place_aliases.end(),
                                 std::make_pair(i, std::uint32_t{0}));
      for (; it != place_aliases.end() && it->first == i; ++it) aliases_of.push_back(it->second);
      builder.add_place(i, aliases_of);
    }
    builder.finish();
    if (!index.entries.empty()) indexes_.push_back(std::move(index));
  }
}

void Directory::build_hub_points() {
  constexpr double kRad = std::numbers::pi / 180.0;
  hub_points_.reserve(data_.hubs.size());
  for (const auto& h : data_.hubs) {
    HubPoint p;
    p.lat_rad = h.lat * kRad;
    p.lon_rad = h.lon * kRad;
    p.cos_lat = std::cos(p.lat_rad);
    for (const auto& code : h.services) p.services |= service_bit(code);
    p.source_day = parse_source_day(h.source_date);
    p.info_hub = h.hub_type == "info_hub";
    hub_points_.push_back(p);
  }
}

std::uint64_t Directory::service_bit(std::string_view code) const noexcept {
  for (std::size_t i = 0; i < data_.services.size() && i < 64; ++i) {
    if (data_.services[i].code == code) return std::uint64_t{1} << i;
  }
  return 0;
}

const Country* Directory::country(std::string_view iso2) const noexcept {
  for (const auto& c : data_.countries) {
    if (c.iso2 == iso2) return &c;
  }
  return nullptr;
}

const Country* Directory::country_by_mcc(std::string_view mcc) const noexcept {
  for (const auto& c : data_.countries) {
    if (!c.mcc.empty() && c.mcc == mcc) return &c;
  }
  return nullptr;
}

const Country* Directory::country_by_calling_code(std::string_view calling_code) const noexcept {
  for (const auto& c : data_.countries) {
    if (!c.calling_code.empty() && c.calling_code == calling_code) return &c;
  }
  return nullptr;
}

const Country* Directory::country_for_number(std::string_view digits) const noexcept {
  const Country* best = nullptr;
  for (const auto& c : data_.countries) {
    if (c.calling_code.empty() || !digits.starts_with(c.calling_code)) continue;
    if (best == nullptr || c.calling_code.size() > best->calling_code.size()) best = &c;
  }
  return best;
}

const Place* Directory::place(std::string_view id) const noexcept {
  const auto& places = data_.places;
  const auto it = std::lower_bound(
      places_by_id_.begin(), places_by_id_.end(), id,
      [&places](std::uint32_t i, std::string_view key) { return places[i].id < key; });
  if (it != places_by_id_.end() && places[*it].id == id) return &places[*it];
  return nullptr;
}

const Hub* Directory::hub(std::string_view id) const noexcept {
  const auto& hubs = data_.hubs;
  const auto it =
      std::lower_bound(hubs_by_id_.begin(), hubs_by_id_.end(), id,
                       [&hubs](std::uint32_t i, std::string_view key) { return hubs[i].id < key; });
  if (it != hubs_by_id_.end() && hubs[*it].id == id) return &hubs[*it];
  return nullptr;
}

const Service* Directory::service(std::string_view code) const noexcept {
  for (const auto& s : data_.services) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

const Admin1* Directory::admin1(std::string_view country, std::string_view code) const noexcept {
  for (const auto& a : data_.admin1) {
    if (a.country == country && a.code == code) return &a;
  }
  return nullptr;
}

const Place* Directory::admin1_seat(std::string_view country,
                                    std::string_view code) const noexcept {
  const Admin1* area = admin1(country, code);
  if (area == nullptr) return nullptr;
  const auto seat = admin1_seat_[static_cast<std::size_t>(area - data_.admin1.data())];
  return seat == kNone ? nullptr : &data_.places[seat];
}

const Admin2* Directory::admin2(std::string_view country, std::string_view admin1_code,
                                std::string_view code) const noexcept {
  if (code.empty()) return nullptr;
  const auto& areas = data_.admin2;
  const auto key = std::tie(country, admin1_code, code);
  const auto it = std::lower_bound(
      admin2_sorted_.begin(), admin2_sorted_.end(), key, [&areas](std::uint32_t i, const auto& k) {
        return std::tuple<std::string_view, std::string_view, std::string_view>(
                   areas[i].country, areas[i].admin1_code, areas[i].code) < k;
      });
  if (it != admin2_sorted_.end() && areas[*it].country == country &&
      areas[*it].admin1_code == admin1_code && areas[*it].code == code) {
    return &areas[*it];
  }
  return nullptr;
}

std::string_view Directory::admin1_display_name(const Place& place) const noexcept {
  const auto a = place_admin1_[index_of(place)];
  if (a == kNone) return place.admin1_code;
  const auto& area = data_.admin1[a];
  if (!area.display_name.empty()) return area.display_name;
  if (!area.name.empty()) return area.name;
  return area.code;
}

std::string_view Directory::admin2_display_name(const Place& place) const noexcept {
  const Admin2* a = admin2(place.country, place.admin1_code, place.admin2_code);
  if (a == nullptr) return {};
  std::string_view name = a->name;
  constexpr std::string_view kPrefix = "Municipio de ";
  if (name.starts_with(kPrefix) && name.size() > kPrefix.size()) name.remove_prefix(kPrefix.size());
  return name;
}

const CountryIndex* Directory::index(std::string_view iso2) const noexcept {
  for (const auto& ix : indexes_) {
    if (ix.country == iso2) return &ix;
  }
  return nullptr;
}

std::string_view Directory::entry_text(const NameEntry& entry) const noexcept {
  const Place& p = data_.places[entry.place];
  switch (entry.kind) {
    case NameKind::kName:
      return p.name;
    case NameKind::kAsciiName:
      return p.ascii_name;
    case NameKind::kAlias:
      return data_.aliases[entry.alt_index].alias;
    case NameKind::kAltName:
      return p.alt_names[entry.alt_index];
  }
  return p.name;
}

std::size_t Directory::memory_bytes() const noexcept {
  std::size_t total = sizeof(Directory);
  total += vector_bytes(data_.countries);
  for (const auto& c : data_.countries) {
    total += heap_bytes(c.iso2) + heap_bytes(c.name_es) + heap_bytes(c.name_en) +
             heap_bytes(c.calling_code) + heap_bytes(c.mcc);
  }
  total += vector_bytes(data_.admin1);
  for (const auto& a : data_.admin1) {
    total += heap_bytes(a.country) + heap_bytes(a.code) + heap_bytes(a.name) +
             heap_bytes(a.display_name);
  }
  total += vector_bytes(data_.admin2);
  for (const auto& a : data_.admin2) {
    total +=
        heap_bytes(a.country) + heap_bytes(a.admin1_code) + heap_bytes(a.code) + heap_bytes(a.name);
  }
  total += vector_bytes(data_.places);
  for (const auto& p : data_.places) {
    total += heap_bytes(p.id) + heap_bytes(p.country) + heap_bytes(p.admin1_code) +
             heap_bytes(p.admin2_code) + heap_bytes(p.name) + heap_bytes(p.ascii_name) +
             heap_bytes(p.feature_code) + heap_bytes(p.source) + strings_bytes(p.alt_names);
  }
  total += vector_bytes(data_.services);
  for (const auto& s : data_.services) {
    total += heap_bytes(s.code) + heap_bytes(s.label_en) + heap_bytes(s.label_es);
  }
  total += vector_bytes(data_.hubs);
  for (const auto& h : data_.hubs) {
    total += heap_bytes(h.id) + heap_bytes(h.country) + heap_bytes(h.hub_type) +
             heap_bytes(h.name) + heap_bytes(h.admin1) + heap_bytes(h.municipality) +
             heap_bytes(h.address) + heap_bytes(h.phone) + heap_bytes(h.hours) +
             strings_bytes(h.services) + heap_bytes(h.operator_name) + heap_bytes(h.source_url) +
             heap_bytes(h.confidence) + heap_bytes(h.admin1_code) + heap_bytes(h.source_date) +
             heap_bytes(h.notes);
  }
  total += vector_bytes(data_.aliases);
  for (const auto& a : data_.aliases) {
    total +=
        heap_bytes(a.country) + heap_bytes(a.kind) + heap_bytes(a.alias) + heap_bytes(a.target);
  }
  total += vector_bytes(prominence_) + vector_bytes(place_admin1_) + vector_bytes(admin1_seat_) +
           vector_bytes(place_qualifier_) + vector_bytes(qualifiers_) + vector_bytes(indexes_) +
           vector_bytes(hub_points_) + vector_bytes(places_by_id_) + vector_bytes(hubs_by_id_) +
           vector_bytes(admin2_sorted_);
  for (const auto& q : qualifiers_) total += strings_bytes(q.tokens);
  total += strings_bytes(qualifier_words_);
  for (const auto& ix : indexes_) {
    total += heap_bytes(ix.country) + vector_bytes(ix.entries) + vector_bytes(ix.entry_tokens) +
             strings_bytes(ix.token_text) + vector_bytes(ix.by_length_signature) +
             vector_bytes(ix.token_stopword) + vector_bytes(ix.sorted_tokens) +
             vector_bytes(ix.postings_begin) + vector_bytes(ix.postings) +
             vector_bytes(ix.length_begin) + vector_bytes(ix.by_length) +
             vector_bytes(ix.full_keys);
    for (const auto& k : ix.full_keys) total += heap_bytes(k.text);
  }
  return total;
}

}  // namespace ventanilla::directory
