#pragma once
// The repository's own data/ as tests see it, loaded once per test binary, and small file helpers.

#include <filesystem>
#include <string>

#include "directory/directory.hpp"

namespace ventanilla::test {

// data/ of the source tree.
std::string shipped_data_dir();

// data/*.csv loaded and built into a Directory once per process (a test failure is recorded if
// it does not load, and an empty Directory is returned).
const directory::Directory& shipped_directory();

// A whole file as bytes ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace ventanilla::test
