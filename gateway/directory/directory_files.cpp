#include "directory/directory_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "directory/csv_reader.hpp"

namespace ventanilla::directory {

namespace {

constexpr std::array<std::string_view, 9> kCountriesHeader = {"iso2",         "name_es", "name_en",
                                                              "calling_code", "mcc",     "min_lat",
                                                              "max_lat",      "min_lon", "max_lon"};
constexpr std::array<std::string_view, 3> kAdmin1Header = {"country_iso2", "admin1_code",
                                                           "admin1_name"};
constexpr std::array<std::string_view, 4> kAdmin2Header = {"country_iso2", "admin1_code",
                                                           "admin2_code", "admin2_name"};
constexpr std::array<std::string_view, 3> kServicesHeader = {"code", "label_en", "label_es"};
constexpr std::array<std::string_view, 14> kPlacesHeader = {
    "country_iso2", "admin1",       "name",        "ascii_name",  "lat",
    "lon",          "population",   "admin1_code", "admin2_code", "admin2",
    "geonameid",    "feature_code", "alt_names",   "source"};
constexpr std::array<std::string_view, 5> kAliasesHeader = {"country_iso2", "kind", "alias",
                                                            "target", "display"};
constexpr std::array<std::string_view, 18> kHubsHeader = {
    "id",      "country_iso2", "hub_type",   "name",        "admin1",      "municipality",
    "address", "phone",        "hours",      "services",    "operator",    "lat",
    "lon",     "source_url",   "confidence", "admin1_code", "source_date", "notes"};
constexpr std::array<std::string_view, 5> kHubFactsHeader = {"hub_id", "field", "value",
                                                             "source_url", "source_date"};

// Column positions, 0-based (problems add 1).
enum CountryColumn : std::size_t {
  kCoIso2,
  kCoNameEs,
  kCoNameEn,
  kCoCallingCode,
  kCoMcc,
  kCoMinLat,
  kCoMaxLat,
  kCoMinLon,
  kCoMaxLon
};
enum Admin1Column : std::size_t { kA1Country, kA1Code, kA1Name };
enum Admin2Column : std::size_t { kA2Country, kA2Admin1, kA2Code, kA2Name };
enum ServiceColumn : std::size_t { kSvCode, kSvLabelEn, kSvLabelEs };
enum PlaceColumn : std::size_t {
  kPlCountry,
  kPlAdmin1,
  kPlName,
  kPlAscii,
  kPlLat,
  kPlLon,
  kPlPopulation,
  kPlAdmin1Code,
  kPlAdmin2Code,
  kPlAdmin2,
  kPlGeonameid,
  kPlFeature,
  kPlAltNames,
  kPlSource
};
enum AliasColumn : std::size_t { kAlCountry, kAlKind, kAlAlias, kAlTarget, kAlDisplay };
enum HubColumn : std::size_t {
  kHuId,
  kHuCountry,
  kHuType,
  kHuName,
  kHuAdmin1,
  kHuMunicipality,
  kHuAddress,
  kHuPhone,
  kHuHours,
  kHuServices,
  kHuOperator,
  kHuLat,
  kHuLon,
  kHuSourceUrl,
  kHuConfidence,
  kHuAdmin1Code,
  kHuSourceDate,
  kHuNotes
};
enum HubFactColumn : std::size_t { kHfHub, kHfField, kHfValue, kHfSourceUrl, kHfSourceDate };

constexpr std::array<std::string_view, 8> kHubTypes = {"info_hub",
                                                       "info_point",
                                                       "municipal_migrant_office",
                                                       "returnee_reception",
                                                       "asylum_office",
                                                       "migration_authority",
                                                       "shelter",
                                                       "refugee_center"};

constexpr char kAltNameSeparator = '|';
constexpr char kServiceSeparator = ';';
constexpr int kPlaceDecimals = 5;
constexpr int kBoxDecimals = 1;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_lower_alnum(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z'); }

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Values in messages: quoted, on one line, cut (on a UTF-8 boundary) so one absurd cell cannot
// flood the report, and never raw bytes the reader rejected.
std::string show(std::string_view value) {
  constexpr std::size_t kMax = 60;
  if (!check_field_text(value, true).empty()) return "(invalid text)";
  std::size_t cut = value.size();
  if (cut > kMax) {
    cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0u) == 0x80u) --cut;
  }
  std::string out = "'";
  for (const char c : value.substr(0, cut)) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += cut < value.size() ? "…'" : "'";
  return out;
}

std::string join_key(std::string_view a, std::string_view b) {
  std::string key(a);
  key += '\x1f';
  key += b;
  return key;
}

std::string join_key(std::string_view a, std::string_view b, std::string_view c) {
  return join_key(join_key(a, b), c);
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

bool is_slug(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-') {
      if (s[i - 1] == '-') return false;
    } else if (!is_lower_alnum(s[i])) {
      return false;
    }
  }
  return true;
}

std::string read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return {};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return {};
  }
  return std::move(buffer).str();
}

struct Problem {
  std::size_t file = 0;
  std::size_t line = 0;  // 0: the whole file
  std::size_t column = 0;
  std::string text;  // the full line
};

// What one country contributes to the checks of later files.
struct CountryFacts {
  std::string calling_code;
  std::optional<BoundingBox> bbox;  // nullopt when the row's box was unusable
};

class Loader;

// One data row under check: problems land on the row's field positions.
class RowCheck {
 public:
  RowCheck(Loader& loader, const CsvRecord& record)
      : loader_(loader), record_(record), ok_(record.clean) {}

  const std::string& operator[](std::size_t column) const { return record_.fields[column].value; }
  std::size_t line() const noexcept { return record_.line; }
  // False when the reader rejected this cell: its text must not be compared or shown.
  bool clean(std::size_t column) const { return record_.fields[column].clean; }
  bool ok() const noexcept { return ok_; }
  void problem(std::size_t column, std::string reason);

  bool require(std::size_t column, std::string_view what) {
    if (!(*this)[column].empty()) return true;
    problem(column, fmt::format("empty {}", what));
    return false;
  }

 private:
  Loader& loader_;
  const CsvRecord& record_;
  bool ok_;
};

class Loader {
 public:
  // From the files in `dir`, or from `texts` (file order), named `dir`/FILE (FILE when `dir` is
  // empty) in problems.
  explicit Loader(std::string dir, const DirectoryTexts* texts = nullptr)
      : dir_(std::move(dir)), texts_(texts) {}

  Result<DirectoryData> run();

  void report(std::size_t line, std::size_t column, std::string reason) {
    problems_.push_back(
        {file_, line, column, fmt::format("{}:{}:{}: {}", path(file_), line, column, reason)});
  }

 private:
  std::string path(std::size_t file) const {
    if (dir_.empty()) return std::string(kDirectoryFiles[file].name);
    return (std::filesystem::path(dir_) / kDirectoryFiles[file].name).string();
  }

  // The data rows of `file` with the right field count; nullopt when the file is unreadable or
  // its header is wrong (then nothing that depends on it is checked).
  std::optional<std::vector<CsvRecord>> read(std::size_t file);

  // First line a key was seen on; reports a duplicate (and returns false) when seen before.
  bool first_time(std::unordered_map<std::string, std::size_t>& seen, const std::string& key,
                  RowCheck& row, std::size_t column, std::string_view what, std::string_view shown);

  bool known_country(RowCheck& row, std::size_t column);
  bool known_admin1(RowCheck& row, std::size_t country_column, std::size_t code_column);
  // Parses lat and lon and checks range and the country's box; false on any problem.
  bool coordinates(RowCheck& row, std::size_t country_column, std::size_t lat_column,
                   std::size_t lon_column, double& lat, double& lon);
  void check_date(RowCheck& row, std::size_t column);

  void load_countries();
  void load_admin1();
  void load_admin2();
  void load_services();
  void load_places();
  void load_aliases();
  void load_hubs();
  void load_hub_facts();

  std::string dir_;
  const DirectoryTexts* texts_;  // null: read the files
  std::size_t file_ = 0;
  std::vector<Problem> problems_;
  DirectoryData data_;

  // nullopt: the file could not be used, so checks against it are skipped.
  std::optional<std::unordered_map<std::string, CountryFacts>> countries_;
  std::optional<std::unordered_map<std::string, std::size_t>> admin1_;  // key → data_.admin1 index
  std::optional<std::unordered_map<std::string, std::string>> admin2_;  // key → name
  std::optional<std::unordered_set<std::string>> services_;
  std::optional<std::unordered_map<std::string, std::string>> places_;  // id → country
  std::optional<std::unordered_set<std::string>> hubs_;
  // Every name an admin1 goes by (GeoNames name, display name, aliases): what hubs.csv may say.
  std::unordered_map<std::string, std::vector<std::string>> admin1_names_;
};

void RowCheck::problem(std::size_t column, std::string reason) {
  ok_ = false;
  // The reader already reported this field (bad UTF-8, stray quote): one problem per cell.
  if (!record_.fields[column].clean) return;
  loader_.report(record_.fields[column].line, column + 1, std::move(reason));
}

std::optional<std::vector<CsvRecord>> Loader::read(std::size_t file) {
  file_ = file;
  const auto& spec = kDirectoryFiles[file];
  std::string error;
  const std::string text = texts_ != nullptr ? std::string() : read_file(path(file), error);
  const std::string& content = texts_ != nullptr ? (*texts_)[file] : text;
  if (!error.empty()) {
    problems_.push_back({file, 0, 0, fmt::format("{}: cannot read: {}", path(file), error)});
    return std::nullopt;
  }
  CsvTable table = parse_csv(content);
  for (auto& p : table.problems) report(p.line, p.column, std::move(p.reason));

  const bool header_clean = table.problems.empty() || table.problems.front().line > 1;
  if (table.records.empty() || table.records.front().line != 1 || !table.records.front().clean) {
    if (header_clean) report(1, 1, fmt::format("missing header ({})", fmt::join(spec.header, ",")));
    return std::nullopt;
  }
  const CsvRecord& header = table.records.front();
  bool header_ok = true;
  for (std::size_t i = 0; i < std::max(header.fields.size(), spec.header.size()); ++i) {
    if (i >= spec.header.size()) {
      report(1, i + 1, fmt::format("unexpected header column {}", show(header.fields[i].value)));
    } else if (i >= header.fields.size()) {
      report(1, i + 1, fmt::format("missing header column '{}'", spec.header[i]));
    } else if (header.fields[i].value != spec.header[i]) {
      report(1, i + 1,
             fmt::format("header column {} should be '{}'", show(header.fields[i].value),
                         spec.header[i]));
    } else {
      continue;
    }
    header_ok = false;
    break;  // one header problem is enough: later columns are likely shifted
  }
  if (!header_ok) return std::nullopt;

  std::vector<CsvRecord> rows;
  rows.reserve(table.records.size() - 1);
  for (std::size_t i = 1; i < table.records.size(); ++i) {
    CsvRecord& record = table.records[i];
    const std::size_t expected = spec.header.size();
    if (record.fields.size() != expected) {
      const std::size_t found = record.fields.size();
      const std::size_t column = std::min(found, expected) + 1;
      const std::size_t line =
          found > expected ? record.fields[expected].line : record.fields.back().line;
      report(line, column, fmt::format("expected {} fields, found {}", expected, found));
      continue;
    }
    rows.push_back(std::move(record));
  }
  return rows;
}

bool Loader::first_time(std::unordered_map<std::string, std::size_t>& seen, const std::string& key,
                        RowCheck& row, std::size_t column, std::string_view what,
                        std::string_view shown) {
  const auto [it, inserted] = seen.try_emplace(key, row.line());
  if (inserted) return true;
  row.problem(column,
              fmt::format("duplicate {} {} (first on line {})", what, show(shown), it->second));
  return false;
}

bool Loader::known_country(RowCheck& row, std::size_t column) {
  if (!countries_) return false;
  if (countries_->count(row[column]) != 0) return true;
  row.problem(column, fmt::format("unknown country {}", show(row[column])));
  return false;
}

bool Loader::known_admin1(RowCheck& row, std::size_t country_column, std::size_t code_column) {
  if (!admin1_) return false;
  if (!row.require(code_column, "admin1_code")) return false;
  if (countries_ && countries_->count(row[country_column]) == 0) return false;  // reported
  if (admin1_->count(join_key(row[country_column], row[code_column])) != 0) return true;
  row.problem(code_column, fmt::format("unknown admin1 code {} for {}", show(row[code_column]),
                                       row[country_column]));
  return false;
}

bool Loader::coordinates(RowCheck& row, std::size_t country_column, std::size_t lat_column,
                         std::size_t lon_column, double& lat, double& lon) {
  struct Axis {
    std::size_t column;
    std::string_view name;
    double limit;
    double* value;
  };
  const std::array<Axis, 2> axes = {
      {{lat_column, "lat", 90.0, &lat}, {lon_column, "lon", 180.0, &lon}}};
  bool ok = true;
  for (const Axis& axis : axes) {
    const std::string& text = row[axis.column];
    if (text.empty()) {
      row.problem(axis.column, fmt::format("empty {}", axis.name));
      ok = false;
    } else if (!parse_decimal(text, *axis.value)) {
      row.problem(axis.column, fmt::format("{} is not a number: {}", axis.name, show(text)));
      ok = false;
    } else if (*axis.value < -axis.limit || *axis.value > axis.limit) {
      row.problem(axis.column, fmt::format("{} {} is out of range ({} to {})", axis.name, text,
                                           -axis.limit, axis.limit));
      ok = false;
    }
  }
  if (!ok || !countries_) return ok;
  const auto country = countries_->find(row[country_column]);
  if (country == countries_->end() || !country->second.bbox) return ok;
  const BoundingBox& box = *country->second.bbox;
  if (lat < box.min_lat || lat > box.max_lat) {
    row.problem(lat_column,
                fmt::format("lat {} is outside the bounding box of {} ({} to {})", row[lat_column],
                            row[country_column], format_coordinate(box.min_lat, kBoxDecimals),
                            format_coordinate(box.max_lat, kBoxDecimals)));
    ok = false;
  }
  if (lon < box.min_lon || lon > box.max_lon) {
    row.problem(lon_column,
                fmt::format("lon {} is outside the bounding box of {} ({} to {})", row[lon_column],
                            row[country_column], format_coordinate(box.min_lon, kBoxDecimals),
                            format_coordinate(box.max_lon, kBoxDecimals)));
    ok = false;
  }
  return ok;
}

void Loader::check_date(RowCheck& row, std::size_t column) {
  if (is_valid_source_date(row[column])) return;
  row.problem(column,
              fmt::format("bad date {} (want YYYY-MM-DD, YYYY-MM or YYYY)", show(row[column])));
}

void Loader::load_countries() {
  auto rows = read(kCountries);
  if (!rows) return;
  countries_.emplace();
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    Country c;
    c.iso2 = row[kCoIso2];
    const bool iso_ok =
        c.iso2.size() == 2 &&
        std::all_of(c.iso2.begin(), c.iso2.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
    if (!iso_ok)
      row.problem(kCoIso2, fmt::format("iso2 must be two capital letters: {}", show(c.iso2)));
    const bool fresh = iso_ok && first_time(seen, c.iso2, row, kCoIso2, "country", c.iso2);
    row.require(kCoNameEs, "name_es");
    row.require(kCoNameEn, "name_en");
    c.name_es = row[kCoNameEs];
    c.name_en = row[kCoNameEn];
    c.calling_code = row[kCoCallingCode];
    if (!all_digits(c.calling_code) || c.calling_code.size() > 3) {
      row.problem(kCoCallingCode,
                  fmt::format("calling_code must be 1 to 3 digits: {}", show(c.calling_code)));
    }
    c.mcc = row[kCoMcc];
    if (!all_digits(c.mcc) || c.mcc.size() != 3) {
      row.problem(kCoMcc, fmt::format("mcc must be 3 digits: {}", show(c.mcc)));
    }
    bool box_ok = true;
    const std::array<std::pair<std::size_t, double*>, 4> bounds = {{{kCoMinLat, &c.bbox.min_lat},
                                                                    {kCoMaxLat, &c.bbox.max_lat},
                                                                    {kCoMinLon, &c.bbox.min_lon},
                                                                    {kCoMaxLon, &c.bbox.max_lon}}};
    for (const auto& [column, value] : bounds) {
      const bool is_lat = column == kCoMinLat || column == kCoMaxLat;
      const double limit = is_lat ? 90.0 : 180.0;
      const auto name = kCountriesHeader[column];
      if (!parse_decimal(row[column], *value)) {
        row.problem(column, fmt::format("{} is not a number: {}", name, show(row[column])));
        box_ok = false;
      } else if (*value < -limit || *value > limit) {
        row.problem(column, fmt::format("{} {} is out of range ({} to {})", name, row[column],
                                        -limit, limit));
        box_ok = false;
      }
    }
    if (box_ok && c.bbox.min_lat >= c.bbox.max_lat) {
      row.problem(kCoMaxLat, "max_lat must be greater than min_lat");
      box_ok = false;
    }
    if (box_ok && c.bbox.min_lon >= c.bbox.max_lon) {
      row.problem(kCoMaxLon, "max_lon must be greater than min_lon");
      box_ok = false;
    }
    if (fresh) {
      CountryFacts facts{c.calling_code, std::nullopt};
      if (box_ok) facts.bbox = c.bbox;
      countries_->emplace(c.iso2, std::move(facts));
    }
    if (row.ok()) data_.countries.push_back(std::move(c));
  }
}

void Loader::load_admin1() {
  auto rows = read(kAdmin1);
  if (!rows) return;
  admin1_.emplace();
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    known_country(row, kA1Country);
    const bool has_code = row.require(kA1Code, "admin1_code");
    row.require(kA1Name, "admin1_name");
    const std::string key = join_key(row[kA1Country], row[kA1Code]);
    const bool fresh = has_code && first_time(seen, key, row, kA1Code, "admin1 code",
                                              fmt::format("{} {}", row[kA1Country], row[kA1Code]));
    if (fresh) admin1_->emplace(key, data_.admin1.size());
    // Kept even when the row is bad, so later files do not report it as unknown: the row's own
    // problem already fails the load.
    // An empty name (unreadable cell) is not compared by later files.
    const std::string name = row.clean(kA1Name) ? row[kA1Name] : std::string();
    Admin1 a{row[kA1Country], row[kA1Code], name, name};
    if (fresh) admin1_names_[key].push_back(a.name);
    data_.admin1.push_back(std::move(a));
  }
}

void Loader::load_admin2() {
  auto rows = read(kAdmin2);
  if (!rows) return;
  admin2_.emplace();
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    known_country(row, kA2Country);
    known_admin1(row, kA2Country, kA2Admin1);
    const bool has_code = row.require(kA2Code, "admin2_code");
    row.require(kA2Name, "admin2_name");
    const std::string key = join_key(row[kA2Country], row[kA2Admin1], row[kA2Code]);
    if (has_code &&
        first_time(seen, key, row, kA2Code, "admin2 code",
                   fmt::format("{} {} {}", row[kA2Country], row[kA2Admin1], row[kA2Code]))) {
      admin2_->emplace(key, row.clean(kA2Name) ? row[kA2Name] : std::string());
    }
    if (row.ok()) {
      data_.admin2.push_back({row[kA2Country], row[kA2Admin1], row[kA2Code], row[kA2Name]});
    }
  }
}

void Loader::load_services() {
  auto rows = read(kServices);
  if (!rows) return;
  services_.emplace();
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    const std::string& code = row[kSvCode];
    const bool code_ok = !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
      return is_lower_alnum(c) || c == '_';
    });
    if (!code_ok) {
      row.problem(kSvCode, fmt::format("service code must be lowercase letters, digits and '_': {}",
                                       show(code)));
    }
    if (code_ok && first_time(seen, code, row, kSvCode, "service code", code)) {
      services_->insert(code);
    }
    row.require(kSvLabelEn, "label_en");
    row.require(kSvLabelEs, "label_es");
    if (row.ok()) data_.services.push_back({code, row[kSvLabelEn], row[kSvLabelEs]});
  }
}

void Loader::load_places() {
  auto rows = read(kPlaces);
  if (!rows) return;
  places_.emplace();
  places_->reserve(rows->size());
  data_.places.reserve(rows->size());
  std::unordered_map<std::string, std::size_t> seen;
  seen.reserve(rows->size());
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    Place p;
    p.country = row[kPlCountry];
    known_country(row, kPlCountry);
    p.admin1_code = row[kPlAdmin1Code];
    const bool admin1_ok = known_admin1(row, kPlCountry, kPlAdmin1Code);
    if (admin1_ok) {
      const Admin1& a = data_.admin1[admin1_->at(join_key(p.country, p.admin1_code))];
      if (!a.name.empty() && row[kPlAdmin1] != a.name) {
        row.problem(kPlAdmin1, fmt::format("admin1 {} does not match admin1.csv ('{}' for {} {})",
                                           show(row[kPlAdmin1]), a.name, p.country, p.admin1_code));
      }
    }
    p.admin2_code = row[kPlAdmin2Code];
    if (admin1_ok && admin2_) {
      const std::string& admin2_name = row[kPlAdmin2];
      if (p.admin2_code.empty()) {
        if (!admin2_name.empty()) row.problem(kPlAdmin2, "admin2 given without admin2_code");
      } else {
        const auto it = admin2_->find(join_key(p.country, p.admin1_code, p.admin2_code));
        if (it == admin2_->end()) {
          // GeoNames assigns some admin2 codes its admin2 list lacks (see data/README.md); such a
          // code is kept only without a name, so export can write the row back unchanged.
          if (!admin2_name.empty()) {
            row.problem(kPlAdmin2Code, fmt::format("unknown admin2 code {} for {} {}",
                                                   show(p.admin2_code), p.country, p.admin1_code));
          }
        } else if (!it->second.empty() && it->second != admin2_name) {
          row.problem(kPlAdmin2, fmt::format("admin2 {} does not match admin2.csv ('{}' for {} {} "
                                             "{})",
                                             show(admin2_name), it->second, p.country,
                                             p.admin1_code, p.admin2_code));
        }
      }
    }
    p.name = row[kPlName];
    row.require(kPlName, "name");
    p.ascii_name = row[kPlAscii];
    if (row.require(kPlAscii, "ascii_name") &&
        !std::all_of(p.ascii_name.begin(), p.ascii_name.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      row.problem(kPlAscii,
                  fmt::format("ascii_name has non-ASCII characters: {}", show(p.ascii_name)));
    }
    coordinates(row, kPlCountry, kPlLat, kPlLon, p.lat, p.lon);
    const std::string& population = row[kPlPopulation];
    if (!population.empty()) {
      std::uint32_t value = 0;
      const auto [end, ec] =
          std::from_chars(population.data(), population.data() + population.size(), value);
      if (!all_digits(population) || ec != std::errc() ||
          end != population.data() + population.size()) {
        row.problem(kPlPopulation,
                    fmt::format("population is not a whole number: {}", show(population)));
      } else {
        p.population = value;
      }
    }
    const std::string& geonameid = row[kPlGeonameid];
    if (!geonameid.empty() && !all_digits(geonameid)) {
      row.problem(kPlGeonameid, fmt::format("geonameid must be digits: {}", show(geonameid)));
    }
    p.feature_code = row[kPlFeature];
    if (!std::all_of(p.feature_code.begin(), p.feature_code.end(),
                     [](char c) { return is_digit(c) || (c >= 'A' && c <= 'Z'); })) {
      row.problem(kPlFeature, fmt::format("feature_code must be capital letters and digits: {}",
                                          show(p.feature_code)));
    }
    p.alt_names = split_list(row[kPlAltNames], kAltNameSeparator);
    if (std::any_of(p.alt_names.begin(), p.alt_names.end(),
                    [](const std::string& s) { return s.empty(); })) {
      row.problem(kPlAltNames, "empty alternate name in alt_names (stray '|')");
    }
    p.source = row[kPlSource];
    row.require(kPlSource, "source");
    if (!p.ascii_name.empty()) {
      p.id = place_id(p.country, p.admin1_code, p.ascii_name, geonameid);
      if (first_time(seen, p.id, row, kPlGeonameid, "place id", p.id)) {
        places_->emplace(p.id, p.country);
      }
    }
    if (row.ok()) data_.places.push_back(std::move(p));
  }
}

void Loader::load_aliases() {
  auto rows = read(kAliases);
  if (!rows) return;
  std::unordered_map<std::string, std::size_t> seen;
  std::unordered_map<std::string, std::size_t> display_seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    Alias a;
    a.country = row[kAlCountry];
    const bool country_ok = known_country(row, kAlCountry);
    a.kind = row[kAlKind];
    const bool is_place = a.kind == "place";
    const bool is_admin1 = a.kind == "admin1";
    if (!is_place && !is_admin1) {
      row.problem(kAlKind, fmt::format("kind must be 'place' or 'admin1': {}", show(a.kind)));
    }
    a.alias = row[kAlAlias];
    if (row.require(kAlAlias, "alias")) {
      first_time(seen, join_key(a.country, a.kind, a.alias), row, kAlAlias, "alias", a.alias);
    }
    a.target = row[kAlTarget];
    if (row.require(kAlTarget, "target")) {
      if (is_place && country_ok && places_) {
        const auto it = places_->find(a.target);
        if (it == places_->end()) {
          row.problem(kAlTarget, fmt::format("unknown place id {}", show(a.target)));
        } else if (it->second != a.country) {
          row.problem(kAlTarget,
                      fmt::format("place {} is in {}, not {}", a.target, it->second, a.country));
        }
      }
      if (is_admin1) known_admin1(row, kAlCountry, kAlTarget);
    }
    const std::string& display = row[kAlDisplay];
    if (display != "yes" && !display.empty()) {
      row.problem(kAlDisplay, fmt::format("display must be 'yes' or empty: {}", show(display)));
    }
    a.display = display == "yes";
    if (a.display && is_place) {
      row.problem(kAlDisplay, "display names are for admin1 aliases only");
    }
    const std::string admin1_key = join_key(a.country, a.target);
    if (a.display && is_admin1) {
      first_time(display_seen, admin1_key, row, kAlDisplay, "display name for admin1",
                 fmt::format("{} {}", a.country, a.target));
    }
    if (is_admin1) admin1_names_[admin1_key].push_back(a.alias);
    if (row.ok() && is_admin1 && a.display && admin1_) {
      data_.admin1[admin1_->at(admin1_key)].display_name = a.alias;
    }
    if (row.ok()) data_.aliases.push_back(std::move(a));
  }
}

void Loader::load_hubs() {
  auto rows = read(kHubs);
  if (!rows) return;
  hubs_.emplace();
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    Hub h;
    h.id = row[kHuId];
    if (!is_slug(h.id)) {
      row.problem(kHuId, fmt::format("id must be lowercase letters and digits joined by '-': {}",
                                     show(h.id)));
    } else if (first_time(seen, h.id, row, kHuId, "hub id", h.id)) {
      hubs_->insert(h.id);
    }
    h.country = row[kHuCountry];
    const bool country_ok = known_country(row, kHuCountry);
    h.hub_type = row[kHuType];
    if (std::find(kHubTypes.begin(), kHubTypes.end(), h.hub_type) == kHubTypes.end()) {
      row.problem(kHuType, fmt::format("unknown hub_type {} (want one of {})", show(h.hub_type),
                                       fmt::join(kHubTypes, ", ")));
    }
    h.name = row[kHuName];
    row.require(kHuName, "name");
    h.admin1 = row[kHuAdmin1];
    h.admin1_code = row[kHuAdmin1Code];
    const bool admin1_known = known_admin1(row, kHuCountry, kHuAdmin1Code);
    if (row.require(kHuAdmin1, "admin1") && admin1_known) {
      const std::string key = join_key(h.country, h.admin1_code);
      const auto& names = admin1_names_[key];
      if (std::find(names.begin(), names.end(), h.admin1) == names.end()) {
        row.problem(kHuAdmin1, fmt::format("admin1 {} is not a name of admin1 code {} {} ('{}')",
                                           show(h.admin1), h.country, h.admin1_code,
                                           data_.admin1[admin1_->at(key)].display_name));
      }
    }
    h.municipality = row[kHuMunicipality];
    row.require(kHuMunicipality, "municipality");
    h.address = row[kHuAddress];
    h.phone = row[kHuPhone];
    if (!h.phone.empty() && country_ok) {
      const std::string prefix = "+" + countries_->at(h.country).calling_code;
      const bool prefixed = h.phone.starts_with(prefix) &&
                            (h.phone.size() == prefix.size() || h.phone[prefix.size()] == ' ');
      if (!prefixed) {
        row.problem(kHuPhone, fmt::format("phone must start with '{} ' ({})", prefix, h.country));
      }
    }
    h.hours = row[kHuHours];
    h.services = split_list(row[kHuServices], kServiceSeparator);
    std::unordered_set<std::string_view> listed;
    for (const std::string& code : h.services) {
      if (code.empty()) {
        row.problem(kHuServices, "empty service code in services (stray ';')");
      } else if (services_ && services_->count(code) == 0) {
        row.problem(kHuServices, fmt::format("unknown service code {}", show(code)));
      } else if (!listed.insert(code).second) {
        row.problem(kHuServices, fmt::format("service code {} listed twice", show(code)));
      }
    }
    h.operator_name = row[kHuOperator];
    coordinates(row, kHuCountry, kHuLat, kHuLon, h.lat, h.lon);
    h.source_url = row[kHuSourceUrl];
    if (!h.source_url.starts_with("https://") && !h.source_url.starts_with("http://")) {
      row.problem(kHuSourceUrl,
                  fmt::format("source_url must be an http(s) URL: {}", show(h.source_url)));
    }
    h.confidence = row[kHuConfidence];
    if (h.confidence != "confirmed" && h.confidence != "approximate") {
      row.problem(kHuConfidence, fmt::format("confidence must be 'confirmed' or 'approximate': {}",
                                             show(h.confidence)));
    }
    h.source_date = row[kHuSourceDate];
    check_date(row, kHuSourceDate);
    h.notes = row[kHuNotes];
    if (row.ok()) data_.hubs.push_back(std::move(h));
  }
}

void Loader::load_hub_facts() {
  auto rows = read(kHubFacts);
  if (!rows) return;
  std::unordered_map<std::string, std::size_t> seen;
  for (const CsvRecord& record : *rows) {
    RowCheck row(*this, record);
    HubFact f{row[kHfHub], row[kHfField], row[kHfValue], row[kHfSourceUrl], row[kHfSourceDate]};
    if (row.require(kHfHub, "hub_id") && hubs_ && hubs_->count(f.hub_id) == 0) {
      row.problem(kHfHub, fmt::format("unknown hub id {}", show(f.hub_id)));
    }
    if (f.field == "id" ||
        std::find(kHubsHeader.begin(), kHubsHeader.end(), f.field) == kHubsHeader.end()) {
      row.problem(kHfField,
                  fmt::format("field must be a hubs.csv column other than id: {}", show(f.field)));
    }
    row.require(kHfValue, "value");
    if (row.require(kHfSourceUrl, "source_url")) {
      first_time(seen, join_key(f.hub_id, f.field, f.source_url), row, kHfSourceUrl,
                 "fact from this source for", fmt::format("{} {}", f.hub_id, f.field));
    }
    check_date(row, kHfSourceDate);
    if (row.ok()) data_.hub_facts.push_back(std::move(f));
  }
}

Result<DirectoryData> Loader::run() {
  load_countries();
  load_admin1();
  load_admin2();
  load_services();
  load_places();
  load_aliases();
  load_hubs();
  load_hub_facts();
  if (problems_.empty()) return std::move(data_);

  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  std::string detail;
  for (const Problem& p : problems_) {
    if (!detail.empty()) detail += '\n';
    detail += p.text;
  }
  return make_error(ErrorCode::kInvalidArgument, "", std::move(detail));
}

// ---- export -------------------------------------------------------------------------------------

class FileBuilder {
 public:
  explicit FileBuilder(std::size_t file) : file_(file) {
    append_csv_record(text_, kDirectoryFiles[file].header);
  }

  // Appends a row, refusing text the loader would reject (it could not be read back).
  void row(std::initializer_list<std::string_view> fields) {
    ++rows_;
    std::size_t column = 0;
    for (const std::string_view field : fields) {
      ++column;
      const std::string why = check_field_text(field, true);
      if (!why.empty() && problem_.empty()) {
        problem_ = fmt::format("{} row {} column {} ('{}'): {}", kDirectoryFiles[file_].name, rows_,
                               column, kDirectoryFiles[file_].header[column - 1], why);
      }
    }
    append_csv_record(text_, std::span<const std::string_view>(fields.begin(), fields.size()));
  }

  void fail(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }
  std::size_t rows() const noexcept { return rows_; }
  const std::string& problem() const noexcept { return problem_; }
  const std::string& text() const noexcept { return text_; }

 private:
  std::size_t file_;
  std::size_t rows_ = 0;
  std::string text_;
  std::string problem_;
};

Result<void> write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto failure = [&](std::string_view what) {
    return make_error(ErrorCode::kUnavailable, path.string(),
                      fmt::format("{}: {}", what, std::strerror(errno)));
  };
  if (fd < 0) return failure("cannot create");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = failure("cannot write");
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = failure("cannot sync");
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = failure("cannot rename into place");
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

}  // namespace

constexpr std::array<DirectoryFileSpec, 8> kDirectoryFiles = {{
    {"countries.csv", kCountriesHeader},
    {"admin1.csv", kAdmin1Header},
    {"admin2.csv", kAdmin2Header},
    {"service_codes.csv", kServicesHeader},
    {"places.csv", kPlacesHeader},
    {"aliases.csv", kAliasesHeader},
    {"hubs.csv", kHubsHeader},
    {"hub_facts.csv", kHubFactsHeader},
}};

std::string place_id(std::string_view country, std::string_view admin1_code,
                     std::string_view ascii_name, std::string_view geonameid) {
  if (!geonameid.empty()) return std::string(geonameid);
  std::string id = "cj";
  for (const std::string_view part : {country, admin1_code, ascii_name}) {
    id += '-';
    bool pending_dash = false;
    bool any = false;
    for (char c : part) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (!is_lower_alnum(c)) {
        pending_dash = any;
        continue;
      }
      if (pending_dash) id += '-';
      pending_dash = false;
      any = true;
      id += c;
    }
  }
  return id;
}

std::string format_coordinate(double value, int min_decimals) {
  std::array<char, 512> buffer{};
  const auto [end, ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
  if (ec != std::errc()) return fmt::format("{}", value);
  std::string text(buffer.data(), end);
  const std::size_t dot = text.find('.');
  const std::size_t decimals = dot == std::string::npos ? 0 : text.size() - dot - 1;
  const auto wanted = static_cast<std::size_t>(std::max(min_decimals, 0));
  if (decimals < wanted) {
    if (dot == std::string::npos) text += '.';
    text.append(wanted - decimals, '0');
  }
  return text;
}

std::vector<std::string> split_list(std::string_view text, char separator) {
  std::vector<std::string> parts;
  if (text.empty()) return parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool parse_decimal(std::string_view text, double& value) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == int_start) return false;
  if (i < text.size()) {
    if (text[i] != '.') return false;
    const std::size_t frac_start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == frac_start || i != text.size()) return false;
  }
  double parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  value = parsed;
  return true;
}

bool is_valid_source_date(std::string_view text) {
  if (text.empty()) return true;
  if (text.size() != 4 && text.size() != 7 && text.size() != 10) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 4 || i == 7;
    if (dash_position ? text[i] != '-' : !is_digit(text[i])) return false;
  }
  auto number = [&text](std::size_t at, std::size_t length) {
    int n = 0;
    for (std::size_t i = at; i < at + length; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  const int year = number(0, 4);
  if (year < 1900 || year > 2099) return false;
  if (text.size() == 4) return true;
  const int month = number(5, 2);
  if (month < 1 || month > 12) return false;
  if (text.size() == 7) return true;
  const int day = number(8, 2);
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int last = kDays[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0);
  return day >= 1 && day <= last;
}

Result<DirectoryData> load_directory_files(const std::string& dir) { return Loader(dir).run(); }

Result<DirectoryData> load_directory_texts(const DirectoryTexts& texts,
                                           std::string_view shown_dir) {
  return Loader(std::string(shown_dir), &texts).run();
}

Result<DirectoryTexts> render_directory_files(const DirectoryData& data) {
  std::vector<FileBuilder> files;
  files.reserve(kDirectoryFiles.size());
  for (std::size_t i = 0; i < kDirectoryFiles.size(); ++i) files.emplace_back(i);

  for (const Country& c : data.countries) {
    const auto min_lat = format_coordinate(c.bbox.min_lat, kBoxDecimals);
    const auto max_lat = format_coordinate(c.bbox.max_lat, kBoxDecimals);
    const auto min_lon = format_coordinate(c.bbox.min_lon, kBoxDecimals);
    const auto max_lon = format_coordinate(c.bbox.max_lon, kBoxDecimals);
    files[kCountries].row(
        {c.iso2, c.name_es, c.name_en, c.calling_code, c.mcc, min_lat, max_lat, min_lon, max_lon});
  }
  std::unordered_map<std::string, const Admin1*> admin1;
  for (const Admin1& a : data.admin1) {
    admin1.emplace(join_key(a.country, a.code), &a);
    files[kAdmin1].row({a.country, a.code, a.name});
  }
  std::unordered_map<std::string, const Admin2*> admin2;
  for (const Admin2& a : data.admin2) {
    admin2.emplace(join_key(a.country, a.admin1_code, a.code), &a);
    files[kAdmin2].row({a.country, a.admin1_code, a.code, a.name});
  }
  for (const Service& s : data.services) files[kServices].row({s.code, s.label_en, s.label_es});

  for (const Place& p : data.places) {
    const auto a1 = admin1.find(join_key(p.country, p.admin1_code));
    if (a1 == admin1.end()) {
      files[kPlaces].fail(
          fmt::format("place {}: unknown admin1 code {} {}", p.id, p.country, p.admin1_code));
      continue;
    }
    std::string_view admin2_name;
    if (!p.admin2_code.empty()) {
      const auto a2 = admin2.find(join_key(p.country, p.admin1_code, p.admin2_code));
      if (a2 != admin2.end()) admin2_name = a2->second->name;
    }
    for (const std::string& alt : p.alt_names) {
      if (alt.empty() || alt.find(kAltNameSeparator) != std::string::npos) {
        files[kPlaces].fail(
            fmt::format("place {}: alternate name {} is empty or holds '|'", p.id, show(alt)));
      }
    }
    const std::string_view geonameid = p.id.starts_with("cj-") ? std::string_view() : p.id;
    const auto lat = format_coordinate(p.lat, kPlaceDecimals);
    const auto lon = format_coordinate(p.lon, kPlaceDecimals);
    const auto population = p.population ? std::to_string(*p.population) : std::string();
    const auto alt_names = join(p.alt_names, kAltNameSeparator);
    files[kPlaces].row({p.country, a1->second->name, p.name, p.ascii_name, lat, lon, population,
                        p.admin1_code, p.admin2_code, admin2_name, geonameid, p.feature_code,
                        alt_names, p.source});
  }
  for (const Alias& a : data.aliases) {
    files[kAliases].row({a.country, a.kind, a.alias, a.target, a.display ? "yes" : ""});
  }
  for (const Hub& h : data.hubs) {
    for (const std::string& code : h.services) {
      if (code.empty() || code.find(kServiceSeparator) != std::string::npos) {
        files[kHubs].fail(
            fmt::format("hub {}: service code {} is empty or holds ';'", h.id, show(code)));
      }
    }
    const auto services = join(h.services, kServiceSeparator);
    const auto lat = format_coordinate(h.lat, kPlaceDecimals);
    const auto lon = format_coordinate(h.lon, kPlaceDecimals);
    files[kHubs].row({h.id, h.country, h.hub_type, h.name, h.admin1, h.municipality, h.address,
                      h.phone, h.hours, services, h.operator_name, lat, lon, h.source_url,
                      h.confidence, h.admin1_code, h.source_date, h.notes});
  }
  for (const HubFact& f : data.hub_facts) {
    files[kHubFacts].row({f.hub_id, f.field, f.value, f.source_url, f.source_date});
  }

  std::string problems;
  for (const FileBuilder& f : files) {
    if (f.problem().empty()) continue;
    if (!problems.empty()) problems += '\n';
    problems += f.problem();
  }
  if (!problems.empty()) return make_error(ErrorCode::kInvalidArgument, "", std::move(problems));
  DirectoryTexts texts;
  for (std::size_t i = 0; i < files.size(); ++i) texts[i] = files[i].text();
  return texts;
}

Result<void> write_directory_files(const DirectoryData& data, const std::string& dir) {
  auto texts = render_directory_files(data);
  if (!texts) return make_error(texts.error().code, dir, texts.error().detail);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, dir, "cannot create: " + ec.message());
  for (std::size_t i = 0; i < texts->size(); ++i) {
    auto written =
        write_atomically(std::filesystem::path(dir) / kDirectoryFiles[i].name, (*texts)[i]);
    if (!written) return written.error();
  }
  return {};
}

}  // namespace ventanilla::directory
