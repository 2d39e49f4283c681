#include "fuzz_target.hpp"

namespace ventanilla::fuzz {

// A function-local static: targets register from static initializers in other translation units,
// whose order against a namespace-scope map would be unspecified.
std::map<std::string, TargetFn>& registry() {
  static std::map<std::string, TargetFn> targets;
  return targets;
}

}  // namespace ventanilla::fuzz
