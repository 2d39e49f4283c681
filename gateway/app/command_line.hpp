#pragma once
// The `ventanilla VERB [options]` command line. Each verb declares its options in one table
// (command_line.cpp), which drives parsing, `--help` and the usage text, so a new verb is one row
// plus one run function. Every verb accepts the common options --config, --db and --set.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace ventanilla::app {

struct CommandLine {
  std::string verb;                         // "serve", "check", ... ("" with --help = top help)
  std::vector<std::string> positionals;     // arguments after the verb that are not options
  std::optional<std::string> config_path;   // --config FILE
  std::vector<config::Override> overrides;  // --set K=V, --db P, --listen A, in command-line order
  std::map<std::string, std::string> options;  // verb-specific: "--json" → "" / "--limit" → "2"
  bool help = false;

  bool has(const std::string& option) const { return options.count(option) != 0; }
};

// Parses argv. Errors name the offending argument (bad usage: the caller exits 2).
Result<CommandLine> parse_command_line(int argc, const char* const* argv);

// Usage for one verb, or the overview when `verb` is empty or unknown.
std::string usage(std::string_view verb);

}  // namespace ventanilla::app
