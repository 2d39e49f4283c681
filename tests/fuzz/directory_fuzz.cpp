// The hub directory's input side: CSV syntax, the row checks of every data file (what
// `ventanilla import` and the admin API's hub edits and CSV import run), and place search as a
// migrant types it on a USSD screen.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "directory/csv_reader.hpp"
#include "directory/directory.hpp"
#include "directory/directory_files.hpp"
#include "directory/place_search.hpp"
#include "fuzz_target.hpp"

namespace ventanilla::fuzz {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small but consistent directory, in memory: the shipped countries, a few admin1 and service
// codes, and every other file empty but for its header, so one fuzzed file is checked against
// real references in well under a millisecond (the shipped places.csv alone is 2.4 MB).
class SmallDirectory {
 public:
  SmallDirectory() {
    const fs::path shipped = fs::path(VENTANILLA_SOURCE_DIR) / "data";
    for (std::size_t i = 0; i < directory::kDirectoryFiles.size(); ++i) {
      const auto& spec = directory::kDirectoryFiles[i];
      if (spec.name == "admin1.csv" || spec.name == "service_codes.csv") {
        baseline_[i] =
            rows_the_seeds_need(read_file(shipped / spec.name), spec.name == "admin1.csv");
      } else if (spec.name == "countries.csv") {
        baseline_[i] = read_file(shipped / spec.name);
      } else {
        std::vector<std::string_view> columns(spec.header.begin(), spec.header.end());
        directory::append_csv_record(baseline_[i], columns);
      }
    }
  }

  // Every file at its baseline except file `index`, which gets `content`.
  directory::DirectoryTexts with_file(std::size_t index, std::string_view content) const {
    directory::DirectoryTexts texts = baseline_;
    texts[index] = std::string(content);
    return texts;
  }

 private:
  // Every input loads the baseline files again, so their size sets the pace (under ASan with
  // CMP tracing, the 100 shipped admin1 rows cost 1.4 ms an input). Kept of admin1: two states
  // per country and the ones the seed files name (by name, or as "CC,code,"); of service codes:
  // the first three and the ones the seeds use.
  static std::string rows_the_seeds_need(const std::string& shipped, bool admin1) {
    std::string seeds;
    const fs::path seed_dir = fs::path(VENTANILLA_SOURCE_DIR) / "tests/fuzz/corpus/directory_rows";
    for (const auto& entry : fs::directory_iterator(seed_dir)) seeds += read_file(entry.path());
    const auto named = [&seeds](const std::string& text) {
      return !text.empty() && seeds.find(text) != std::string::npos;
    };
    const auto table = directory::parse_csv(shipped);
    std::string kept;
    std::map<std::string, int, std::less<>> per_group;
    for (std::size_t r = 0; r < table.records.size(); ++r) {
      const auto& f = table.records[r].fields;
      if (f.size() < 3) continue;
      std::vector<std::string_view> fields;
      for (const auto& field : f) fields.push_back(field.value);
      const bool wanted = admin1 ? named(f[2].value) || named(f[0].value + "," + f[1].value + ",")
                                 : named(f[0].value);
      const int first_n = admin1 ? 2 : 3;
      if (r == 0 || wanted || per_group[admin1 ? f[0].value : ""]++ < first_n)
        directory::append_csv_record(kept, fields);
    }
    return kept;
  }

  directory::DirectoryTexts baseline_;
};

}  // namespace
}  // namespace ventanilla::fuzz

namespace vd = ventanilla::directory;

VENTANILLA_FUZZ_TARGET(csv) {
  const vd::CsvTable table = vd::parse_csv(data);
  for (const auto& p : table.problems) FUZZ_CHECK(p.line >= 1 && !p.reason.empty());
  if (!table.problems.empty()) return;
  // A clean table written back and read again gives the same fields.
  std::string written;
  for (const auto& record : table.records) {
    std::vector<std::string_view> fields;
    for (const auto& f : record.fields) fields.push_back(f.value);
    vd::append_csv_record(written, fields);
  }
  const vd::CsvTable again = vd::parse_csv(written);
  FUZZ_CHECK(again.problems.empty());
  FUZZ_CHECK(again.records.size() == table.records.size());
  for (std::size_t r = 0; r < table.records.size(); ++r) {
    FUZZ_CHECK(again.records[r].fields.size() == table.records[r].fields.size());
    for (std::size_t f = 0; f < table.records[r].fields.size(); ++f)
      FUZZ_CHECK(again.records[r].fields[f].value == table.records[r].fields[f].value);
  }
}

// The first byte picks the file (modulo 8); the rest is its content.
VENTANILLA_FUZZ_TARGET(directory_rows) {
  static const ventanilla::fuzz::SmallDirectory small;
  if (data.empty()) return;
  const auto index = static_cast<unsigned char>(data[0]) % vd::kDirectoryFiles.size();
  auto loaded = vd::load_directory_texts(small.with_file(index, data.substr(1)));
  if (!loaded) {
    // One problem per line, each naming its file: "FILE:LINE:COLUMN: reason".
    const std::string& detail = loaded.error().detail;
    FUZZ_CHECK(!detail.empty());
    for (std::size_t at = 0; at < detail.size();) {
      const auto end = std::min(detail.find('\n', at), detail.size());
      const std::string_view line(detail.data() + at, end - at);
      const bool names_a_file = std::any_of(
          vd::kDirectoryFiles.begin(), vd::kDirectoryFiles.end(), [&line](const auto& spec) {
            return line.starts_with(spec.name) && line.substr(spec.name.size(), 1) == ":";
          });
      FUZZ_CHECK(names_a_file);
      at = end + 1;
    }
    return;
  }
  (void)vd::Directory::build(std::move(*loaded));
}

VENTANILLA_FUZZ_TARGET(place_search) {
  static const std::shared_ptr<const vd::Directory> directory = [] {
    auto loaded = vd::load_directory_files(std::string(VENTANILLA_SOURCE_DIR) + "/data");
    if (!loaded) ventanilla::fuzz::property_failed("data/ loads", __FILE__, __LINE__);
    return vd::Directory::build(std::move(*loaded));
  }();
  static const char* const kCountries[] = {"", "MX", "GT", "BZ", "SV", "HN", "CR"};
  vd::SearchOptions options;
  options.country = kCountries[data.size() % 7];
  options.limit = 1 + data.size() % 10;
  const auto matches = vd::search_places(*directory, data, options);
  FUZZ_CHECK(matches.size() <= options.limit);
  for (std::size_t i = 0; i < matches.size(); ++i) {
    FUZZ_CHECK(matches[i].place != nullptr);
    FUZZ_CHECK(matches[i].score > 0 && matches[i].score <= 1.0);
    if (i > 0) FUZZ_CHECK(matches[i - 1].score >= matches[i].score);
    if (!options.country.empty()) FUZZ_CHECK(matches[i].place->country == options.country);
  }
}
