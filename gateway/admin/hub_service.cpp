#include "admin/hub_service.hpp"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "directory/directory_files.hpp"

namespace ventanilla::admin {

namespace {

std::string_view column_name(std::string_view file, std::uint32_t column) {
  for (const auto& spec : directory::kDirectoryFiles) {
    if (spec.name == file && column >= 1 && column <= spec.header.size()) {
      return spec.header[column - 1];
    }
  }
  return {};
}

// "hubs.csv:12:3: reason" → {hubs.csv, 12, <column 3's name>, reason}
RowProblem parse_problem(std::string_view line) {
  RowProblem p;
  const auto colon = line.find(':');
  p.file = std::string(line.substr(0, colon));
  if (colon == std::string_view::npos) {
    p.reason = std::string(line);
    return p;
  }
  std::string_view rest = line.substr(colon + 1);
  auto number = [&rest](std::uint32_t& out) {
    const auto end = rest.find(':');
    const auto digits = rest.substr(0, end);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    if (ec != std::errc() || ptr != digits.data() + digits.size() ||
        end == std::string_view::npos) {
      return false;
    }
    rest.remove_prefix(end + 1);
    return true;
  };
  std::uint32_t column = 0;
  if (number(p.line) && number(column)) p.field = column_name(p.file, column);
  while (rest.starts_with(' ')) rest.remove_prefix(1);
  p.reason = std::string(rest);
  return p;
}

}  // namespace

std::string RowProblem::text() const {
  // fmt, not operator+ chains: GCC 12 at -O3 raises a false -Wrestrict on `":" + to_string(n)`.
  std::string out = line > 0 ? fmt::format("{}:{}", file, line) : file;
  if (!field.empty()) out = fmt::format("{}:{}", out, field);
  return fmt::format("{}: {}", out, reason);
}

DirectoryCheck check_directory(const directory::DirectoryData& data,
                               std::optional<std::string_view> hubs_csv_text) {
  DirectoryCheck check;
  auto texts = directory::render_directory_files(data);
  if (!texts) {
    check.problems.push_back({"", 0, "", texts.error().message()});
    return check;
  }
  if (hubs_csv_text) (*texts)[directory::kHubs] = std::string(*hubs_csv_text);
  auto loaded = directory::load_directory_texts(*texts);
  if (loaded) {
    check.data = std::move(*loaded);
    return check;
  }
  std::istringstream lines(loaded.error().detail);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) check.problems.push_back(parse_problem(line));
  }
  return check;
}

Result<std::string> hubs_csv(const directory::DirectoryData& data) {
  auto texts = directory::render_directory_files(data);
  if (!texts) return texts.error();
  return std::move((*texts)[directory::kHubs]);
}

}  // namespace ventanilla::admin
