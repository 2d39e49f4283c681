#pragma once
// Captures every formatted log line of every logger (logging::get(), existing and future) for as
// long as it lives, so a test can assert what was logged — and, above all, what never was.
// Lines use logging::kPattern, without the trailing newline.
//
// Thread-safe: loggers on any thread may write while the test reads. Several captures may be
// alive at once; each sees every line logged during its lifetime (at the loggers' current level).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ventanilla::test {

class CapturingSink {
 public:
  CapturingSink();   // attaches to all loggers
  ~CapturingSink();  // detaches
  CapturingSink(const CapturingSink&) = delete;
  CapturingSink& operator=(const CapturingSink&) = delete;

  std::vector<std::string> lines() const;
  // All lines joined with '\n' (handy in failure messages).
  std::string text() const;
  // True if any line contains `needle` (an empty needle matches only when a line was captured).
  bool contains(std::string_view needle) const;
  void clear();

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
};

}  // namespace ventanilla::test
