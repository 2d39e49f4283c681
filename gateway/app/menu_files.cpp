#include "app/menu_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ventanilla::app {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxMenuFileBytes = 1024 * 1024;

Result<std::string> read_whole(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kNotFound, path.string(), ec.message());
  if (size > kMaxMenuFileBytes)
    return make_error(ErrorCode::kInvalidArgument, path.string(), "larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, path.string(), "cannot be opened");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Result<std::vector<dialog::MenuFile>> read_menu_dir(const std::string& dir) {
  std::vector<dialog::MenuFile> files;
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return make_error(ErrorCode::kNotFound, dir, "not a directory (the menus)");
  auto structure = read_whole(root / "menu.toml");
  if (!structure) return structure.error();
  files.push_back({"menu.toml", std::move(*structure)});
  const fs::path texts = root / "texts";
  if (fs::is_directory(texts, ec)) {
    for (const auto& entry : fs::directory_iterator(texts, ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".toml") continue;
      auto content = read_whole(entry.path());
      if (!content) return content.error();
      files.push_back({"texts/" + entry.path().filename().string(), std::move(*content)});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const dialog::MenuFile& a, const dialog::MenuFile& b) { return a.path < b.path; });
  return files;
}

Result<void> write_menu_dir(const std::vector<dialog::MenuFile>& files, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "texts", ec);
  if (ec) return make_error(ErrorCode::kUnavailable, dir, ec.message());
  for (const auto& f : files) {
    if (f.path.find("..") != std::string::npos || f.path.starts_with('/'))
      return make_error(ErrorCode::kInvalidArgument, f.path, "not a relative path inside menus/");
    const fs::path target = fs::path(dir) / f.path;
    const fs::path temp = target.string() + ".tmp";
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out << f.content;
      if (!out.flush()) return make_error(ErrorCode::kUnavailable, temp.string(), "write failed");
    }
    fs::rename(temp, target, ec);
    if (ec) return make_error(ErrorCode::kUnavailable, target.string(), ec.message());
  }
  return {};
}

std::vector<dialog::MenuFile> to_menu_files(std::vector<storage::StoredMenuFile> stored) {
  std::vector<dialog::MenuFile> out;
  out.reserve(stored.size());
  for (auto& s : stored) out.push_back({std::move(s.path), std::move(s.content)});
  return out;
}

std::vector<storage::StoredMenuFile> to_stored_files(const std::vector<dialog::MenuFile>& files) {
  std::vector<storage::StoredMenuFile> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back({f.path, f.content});
  return out;
}

std::string describe(const std::vector<dialog::Diagnostic>& diagnostics, const std::string& dir) {
  std::string out;
  for (const auto& d : diagnostics) {
    out += dir;
    if (!dir.empty() && !dir.ends_with('/')) out += '/';
    out += d.to_string();
    out += '\n';
  }
  return out;
}

}  // namespace ventanilla::app
