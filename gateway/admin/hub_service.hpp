#pragma once
// Staff edits of the hub directory go through the very checks `ventanilla import` runs: the
// changed directory is rendered as the data/*.csv texts (in memory, as `ventanilla export` would
// write them) and read back with the import's loader, so a hub from the console is held to
// exactly the rules of a hub from a CSV file (UTF-8 and control characters, country and admin1
// codes, coordinates inside the country, phone prefix, dates, service codes, ...), with one
// implementation of them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "directory/records.hpp"

namespace ventanilla::admin {

struct RowProblem {
  std::string file;  // "hubs.csv"
  std::uint32_t line = 0;
  std::string field;  // the column's name ("lat"), or "" when the problem is the whole row/file
  std::string reason;
  std::string text() const;  // "hubs.csv:12:lat: outside GT's bounding box"
};

struct DirectoryCheck {
  std::optional<directory::DirectoryData> data;  // the data as read back, when it passed
  std::vector<RowProblem> problems;
};

// `data` with hubs.csv replaced by `hubs_csv` when given (a CSV import), checked as above.
DirectoryCheck check_directory(const directory::DirectoryData& data,
                               std::optional<std::string_view> hubs_csv = std::nullopt);

// hubs.csv as `ventanilla export` writes it.
Result<std::string> hubs_csv(const directory::DirectoryData& data);

}  // namespace ventanilla::admin
