#pragma once
// The immutable in-memory directory: every record from data/ plus the indexes that place search
// and nearest-hub lookups need. Built once per import or publish and shared as
// std::shared_ptr<const Directory>; a new snapshot replaces the old one by pointer swap, and
// readers in flight keep the one they started with.
//
// Thread safety: a built Directory is never modified, so any number of threads may read it at
// once. Every pointer and string_view it hands out stays valid as long as the snapshot lives.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "directory/records.hpp"

namespace ventanilla::directory {

// How a name entry relates to its place. Order matters: a lower value is the stronger name.
enum class NameKind : std::uint8_t { kName, kAsciiName, kAlias, kAltName };

// ---- Search index (read by place_search.cpp; not a stable interface for other components) ----

// One searchable name of one place: its main name, its ASCII name when that folds differently,
// an alias from aliases.csv, or a GeoNames alternate name.
struct NameEntry {
  std::uint32_t place = 0;         // index into Directory::places()
  std::uint32_t tokens_begin = 0;  // into CountryIndex::entry_tokens
  std::uint8_t token_count = 0;
  NameKind kind = NameKind::kName;
  std::uint16_t alt_index = 0;  // kAltName: index into Place::alt_names; kAlias: alias index
};

// The search index of one country. Entries are ordered by place prominence (see
// Directory::prominence()), so every postings list is in prominence order too and a search that
// stops early has seen the most prominent places first.
struct CountryIndex {
  std::string country;
  std::vector<NameEntry> entries;
  std::vector<std::uint32_t> entry_tokens;  // token ids, in name order
  // Token dictionary: id → folded text; sorted_tokens lists ids in text order (binary search and
  // prefix ranges); postings in CSR form: entries containing token t are
  // postings[postings_begin[t] .. postings_begin[t + 1]), ascending, without duplicates.
  std::vector<std::string> token_text;
  std::vector<std::uint8_t> token_stopword;
  std::vector<std::uint32_t> sorted_tokens;
  std::vector<std::uint32_t> postings_begin;
  std::vector<std::uint32_t> postings;
  // Token ids grouped by byte length (CSR again): typo candidates come from nearby lengths only.
  // by_length_signature[i] is token_signature() of by_length[i], contiguous for the filter scan.
  std::vector<std::uint32_t> length_begin;
  std::vector<std::uint32_t> by_length;
  std::vector<std::uint64_t> by_length_signature;
  // Whole folded names, sorted by text: exact, alias and alternate-name lookups.
  struct FullKey {
    std::string text;
    std::uint32_t entry;
  };
  std::vector<FullKey> full_keys;

  // Token id for `folded`, or kNoToken.
  static constexpr std::uint32_t kNoToken = 0xFFFFFFFF;
  std::uint32_t find_token(std::string_view folded) const noexcept;
  std::size_t postings_size(std::uint32_t token) const noexcept {
    return postings_begin[token + 1] - postings_begin[token];
  }
};

// Folded tokens that qualify a place without being part of its name: its admin1 (name and display
// name, without generic words such as "department") and its country's names. "san pedro
// chiapas" then finds San Pedro in Chiapas.
struct Qualifier {
  std::vector<std::string> tokens;  // admin1 words first, then country words
  std::size_t admin1_words = 0;     // how many of tokens are admin1 words
};

class Directory {
 public:
  // Builds the snapshot and its indexes from validated data (load_directory_files or
  // storage::load_directory). Aliases whose target place or admin1 is unknown are ignored (the
  // loader reports them); count_ignored_aliases() says how many. Never fails.
  static std::shared_ptr<const Directory> build(DirectoryData data);

  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  const std::vector<Country>& countries() const noexcept { return data_.countries; }
  const std::vector<Admin1>& admin1_areas() const noexcept { return data_.admin1; }
  const std::vector<Admin2>& admin2_areas() const noexcept { return data_.admin2; }
  const std::vector<Place>& places() const noexcept { return data_.places; }
  const std::vector<Service>& services() const noexcept { return data_.services; }
  const std::vector<Hub>& hubs() const noexcept { return data_.hubs; }
  const std::vector<Alias>& aliases() const noexcept { return data_.aliases; }
  bool empty() const noexcept { return data_.places.empty() && data_.hubs.empty(); }

  // Lookups return nullptr when nothing matches. Country codes are ISO 3166-1 alpha-2, upper case.
  const Country* country(std::string_view iso2) const noexcept;
  const Country* country_by_mcc(std::string_view mcc) const noexcept;
  // Exact calling code without '+' ("502").
  const Country* country_by_calling_code(std::string_view calling_code) const noexcept;
  // The country whose calling code is the longest prefix of an international number given as
  // digits without '+' ("50255551234" → GT).
  const Country* country_for_number(std::string_view digits) const noexcept;
  const Place* place(std::string_view id) const noexcept;
  const Hub* hub(std::string_view id) const noexcept;
  const Service* service(std::string_view code) const noexcept;
  const Admin1* admin1(std::string_view country, std::string_view code) const noexcept;
  const Admin2* admin2(std::string_view country, std::string_view admin1_code,
                       std::string_view code) const noexcept;
  // The most prominent place of an admin1 area (its capital, as a rule): where a caller who
  // names only the area is located. nullptr for an unknown area or one without places.
  const Place* admin1_seat(std::string_view country, std::string_view code) const noexcept;

  // What a migrant reads for the place's admin1: the display name from aliases.csv, else the
  // GeoNames name, else the code.
  std::string_view admin1_display_name(const Place& place) const noexcept;
  // The admin2 (municipality) name without GeoNames' "Municipio de " prefix; "" when unknown.
  std::string_view admin2_display_name(const Place& place) const noexcept;

  // Index of `place` in places() (the pointer must come from this snapshot).
  std::uint32_t index_of(const Place& place) const noexcept {
    return static_cast<std::uint32_t>(&place - data_.places.data());
  }
  // 0 for the most prominent place: capitals, then admin1 seats, municipal seats, other seats,
  // ordinary places, then abandoned or historical ones; by population within each class.
  std::uint32_t prominence(std::uint32_t place_index) const noexcept {
    return prominence_[place_index];
  }
  // 5 PPLC, 4 PPLA, 3 PPLA2, 2 PPLA3/PPLA4, 1 other populated places, 0 PPLQ/PPLH (abandoned).
  static int seat_rank(std::string_view feature_code) noexcept;

  // Search index of one country, or nullptr (no places there).
  const CountryIndex* index(std::string_view iso2) const noexcept;
  const std::vector<CountryIndex>& indexes() const noexcept { return indexes_; }
  // Qualifier of a place, by index into qualifiers() (places of one admin1 share one).
  std::uint32_t qualifier_index(std::uint32_t place_index) const noexcept {
    return place_qualifier_[place_index];
  }
  const std::vector<Qualifier>& qualifiers() const noexcept { return qualifiers_; }
  // Every qualifier word of every place, sorted and unique.
  const std::vector<std::string>& qualifier_words() const noexcept { return qualifier_words_; }
  // The original spelling of a name entry (place name, alias or alternate name).
  std::string_view entry_text(const NameEntry& entry) const noexcept;

  static constexpr std::int32_t kUnknownDay = std::numeric_limits<std::int32_t>::min();
  // Per-hub data precomputed for nearest_hubs(), parallel to hubs().
  struct HubPoint {
    double lat_rad = 0;
    double lon_rad = 0;
    double cos_lat = 1;
    std::uint64_t services = 0;  // bit i set when the hub offers services()[i] (first 64 codes)
    std::int32_t source_day = kUnknownDay;  // days since 1970-01-01, kUnknownDay when undated
    bool info_hub = false;
  };
  const std::vector<HubPoint>& hub_points() const noexcept { return hub_points_; }
  // Bit for a service code in HubPoint::services; 0 when the code is unknown.
  std::uint64_t service_bit(std::string_view code) const noexcept;

  std::size_t count_ignored_aliases() const noexcept { return ignored_aliases_; }

  // Estimated heap and object bytes held by this snapshot (records and indexes), for the
  // benchmark and the start-up log.
  std::size_t memory_bytes() const noexcept;

 private:
  explicit Directory(DirectoryData data);
  void build_indexes();
  void build_hub_points();

  DirectoryData data_;
  std::vector<std::uint32_t> prominence_;       // per place
  std::vector<std::uint32_t> place_admin1_;     // per place: index into admin1_areas() or npos
  std::vector<std::uint32_t> admin1_seat_;      // per admin1 area: its most prominent place
  std::vector<std::uint32_t> place_qualifier_;  // per place: index into qualifiers_
  std::vector<Qualifier> qualifiers_;
  std::vector<std::string> qualifier_words_;
  std::vector<CountryIndex> indexes_;
  std::vector<HubPoint> hub_points_;
  // Sorted (key, index) tables for id lookups.
  std::vector<std::uint32_t> places_by_id_;
  std::vector<std::uint32_t> hubs_by_id_;
  std::vector<std::uint32_t> admin2_sorted_;  // by (country, admin1_code, code)
  std::size_t ignored_aliases_ = 0;
};

// Days since 1970-01-01 for "YYYY", "YYYY-MM" or "YYYY-MM-DD" (missing parts count as the
// first month or day); Directory::kUnknownDay for anything else.
std::int32_t parse_source_day(std::string_view date) noexcept;

}  // namespace ventanilla::directory
