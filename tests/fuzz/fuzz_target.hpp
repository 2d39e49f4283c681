#pragma once
// One fuzz target = one function from arbitrary bytes to nothing, which must neither crash, leak,
// hang nor trip a sanitizer, and which checks its properties with FUZZ_CHECK. The same function
// runs under two drivers (tests/fuzz/CMakeLists.txt):
//   libFuzzer   the `fuzz` preset (clang): one fuzz_<name> binary per target, coverage-guided,
//               for the long runs (tests/fuzz/run.sh);
//   replay      every other preset (GCC, including asan): one fuzz_replay binary that replays
//               the committed corpus of a target and a few thousand deterministic mutations of
//               it, as a ctest test — the short run CI does.
// Targets register themselves by name, so the drivers never list them.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace ventanilla::fuzz {

using TargetFn = void (*)(std::string_view data);

std::map<std::string, TargetFn>& registry();

struct Registration {
  Registration(const char* name, TargetFn fn) { registry().emplace(name, fn); }
};

// A broken property: print what and where, then abort so both drivers report a crash and keep
// the input.
[[noreturn]] inline void property_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace ventanilla::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::ventanilla::fuzz::property_failed(#cond, __FILE__, __LINE__))

#define VENTANILLA_FUZZ_TARGET(name)                                                          \
  static void fuzz_target_##name(std::string_view data);                                      \
  static const ::ventanilla::fuzz::Registration fuzz_registration_##name(#name,               \
                                                                         fuzz_target_##name); \
  static void fuzz_target_##name(std::string_view data)
