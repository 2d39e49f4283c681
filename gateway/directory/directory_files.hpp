#pragma once
// data/*.csv ↔ DirectoryData: the loader that validates every row of every file, and the writer
// that puts the same files back (export).
//
// Files (data/README.md documents every column): countries.csv, admin1.csv, admin2.csv,
// service_codes.csv, places.csv, aliases.csv, hubs.csv, hub_facts.csv. Each starts with exactly
// the header in kDirectoryFiles.
//
// Thread: pure apart from file I/O; any thread.

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "directory/records.hpp"

namespace ventanilla::directory {

struct DirectoryFileSpec {
  std::string_view name;                     // "places.csv"
  std::span<const std::string_view> header;  // the exact header columns
};

// Every file, in load order (a file is checked against the ones before it).
extern const std::array<DirectoryFileSpec, 8> kDirectoryFiles;
// Positions in kDirectoryFiles (and in DirectoryTexts below).
enum DirectoryFile : std::size_t {
  kCountries,
  kAdmin1,
  kAdmin2,
  kServices,
  kPlaces,
  kAliases,
  kHubs,
  kHubFacts
};

// Reads and validates every file in `dir`. On success the data is in file order and
// Admin1::display_name is filled in (from an aliases.csv row with display=yes, else the name).
//
// On failure: Error{kInvalidArgument, where = "", detail = one problem per line}, ALL problems of
// all files, each as `PATH:LINE:COLUMN: reason` (PATH = dir/FILE as given, LINE the 1-based
// physical line, COLUMN the 1-based field index), sorted by file then line then column. A file
// that cannot be read is one line `PATH: cannot read: why`; a file whose header is wrong reports
// the header and its rows are not checked; checks against a file that could not be used (e.g.
// "unknown country" when countries.csv is unreadable) are skipped rather than repeated per row.
//
// Row checks: field count; CSV syntax (unclosed quote, stray quote); UTF-8 and control
// characters; unknown country / admin1 code / admin2 code / service code / place id / hub id;
// duplicate keys (id, code, alias, fact); empty required fields (name, ...); lat/lon not a plain
// decimal number, out of range, or outside the country's bounding box; bad dates (YYYY-MM-DD,
// YYYY-MM or YYYY); and cross-file consistency (a place's admin1/admin2 names match admin1.csv and
// admin2.csv; a hub's admin1 names its admin1_code; a phone starts with the country's +code).
Result<DirectoryData> load_directory_files(const std::string& dir);

// The content of every file, in kDirectoryFiles order.
using DirectoryTexts = std::array<std::string, 8>;

// The same checks on file contents held in memory (the admin API's hub edits and CSV imports):
// problems name `shown_dir`/FILE, or FILE alone when `shown_dir` is empty.
Result<DirectoryData> load_directory_texts(const DirectoryTexts& texts,
                                           std::string_view shown_dir = {});

// What write_directory_files() would write, in memory, with the same refusals (where = "").
Result<DirectoryTexts> render_directory_files(const DirectoryData& data);

// Writes every file into `dir` (created if missing), each through a temporary file renamed into
// place, so a reader never sees half a file. For data that load_directory_files() returned, the
// bytes are identical to the files it read when those were canonical: minimal quoting, "\n" line
// ends, no BOM, coordinates as in format_coordinate(). Errors: kInvalidArgument when the data is
// inconsistent in a way the files cannot express (a place whose admin1 is unknown, a field with a
// control character, a '|' inside an alternate name, ...); kUnavailable when a file cannot be
// written (where = its path).
Result<void> write_directory_files(const DirectoryData& data, const std::string& dir);

// The id of a place row: its geonameid, or for rows without one the "cj-" id described at
// Place::id.
std::string place_id(std::string_view country, std::string_view admin1_code,
                     std::string_view ascii_name, std::string_view geonameid);

// Shortest text that reads back as `value`, padded with zeros to at least `min_decimals`
// decimals: places and hubs use 5 (GeoNames' precision), countries.csv 1.
// format_coordinate(-102.0894, 5) == "-102.08940".
std::string format_coordinate(double value, int min_decimals);

// A strict decimal number: optional '-', digits, optionally '.' and digits. No '+', exponent,
// spaces, "nan" or "inf". false when `text` is anything else.
bool parse_decimal(std::string_view text, double& value);

// The parts of a `|`- or `;`-separated list column ("a|b" → {"a", "b"}; "" → {}).
std::vector<std::string> split_list(std::string_view text, char separator);

// "YYYY-MM-DD", "YYYY-MM" or "YYYY" naming a real day/month (years 1900–2099), or "".
bool is_valid_source_date(std::string_view text);

}  // namespace ventanilla::directory
