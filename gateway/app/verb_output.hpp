#pragma once
// How a verb reports bad usage (exit 2, with the verb's usage) and failure (exit 1), the same way
// for every verb: "ventanilla VERB: message".

#include <cstdio>
#include <string>
#include <string_view>

#include "app/app.hpp"

namespace ventanilla::app {

inline int verb_usage_error(std::string_view verb, const std::string& message) {
  std::fprintf(stderr, "ventanilla %.*s: %s\n\n%s", static_cast<int>(verb.size()), verb.data(),
               message.c_str(), usage(verb).c_str());
  return kExitUsage;
}

inline int verb_failure(std::string_view verb, const std::string& message) {
  std::fprintf(stderr, "ventanilla %.*s: %s\n", static_cast<int>(verb.size()), verb.data(),
               message.c_str());
  return kExitFailure;
}

}  // namespace ventanilla::app
