#pragma once
// A fresh, uniquely named directory under the system temp directory ($TMPDIR or /tmp), removed
// with everything in it when the TempDir goes away.

#include <filesystem>
#include <string>
#include <string_view>

namespace ventanilla::test {

class TempDir {
 public:
  // Creates <tmp>/<prefix>-XXXXXX (mode 0700). Throws std::runtime_error on failure.
  explicit TempDir(std::string_view prefix = "ventanilla-test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Removes the tree; errors are ignored (a test must not fail in its cleanup).
  ~TempDir();

  const std::filesystem::path& path() const noexcept { return path_; }
  // path() / name, as a string (what most APIs under test take).
  std::string file(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

}  // namespace ventanilla::test
