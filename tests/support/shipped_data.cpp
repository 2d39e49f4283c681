#include "support/shipped_data.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "directory/directory_files.hpp"

namespace ventanilla::test {

std::string shipped_data_dir() { return std::string(VENTANILLA_SOURCE_DIR) + "/data"; }

const directory::Directory& shipped_directory() {
  static const std::shared_ptr<const directory::Directory> directory = [] {
    auto data = directory::load_directory_files(shipped_data_dir());
    if (!data) {
      ADD_FAILURE() << "data/ does not load: " << data.error().message();
      return directory::Directory::build({});
    }
    return directory::Directory::build(std::move(*data));
  }();
  return *directory;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace ventanilla::test
