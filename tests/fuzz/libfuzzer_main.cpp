// The libFuzzer entry point for one target, chosen at compile time (VENTANILLA_FUZZ_NAME).
#include <cstddef>
#include <cstdint>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ventanilla::fuzz::TargetFn target = [] {
    const auto it = ventanilla::fuzz::registry().find(VENTANILLA_FUZZ_NAME);
    if (it == ventanilla::fuzz::registry().end()) {
      std::fprintf(stderr, "no fuzz target named %s\n", VENTANILLA_FUZZ_NAME);
      std::abort();
    }
    return it->second;
  }();
  target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
