#pragma once
// The composition root: configuration → components → run. One function per verb; each returns
// the process exit code (0 ok, 1 failure, 2 bad usage or bad configuration).

#include "app/command_line.hpp"
#include "config/config.hpp"
#include "storage/database.hpp"

namespace ventanilla::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The configuration a verb runs with: --config FILE (or config/ventanilla.toml when present, else
// built-in defaults), then --set/--db/--listen overrides. Errors list every problem.
Result<config::Config> load_configuration(const CommandLine& cl);

// How every verb and the server open the database: [storage] settings as SQLite options.
storage::OpenOptions open_options(const config::StorageConfig& s, bool read_only = false);

// Dispatches a parsed command line to its verb.
int run(const CommandLine& cl);

// main(): parses argv, prints usage errors, runs the verb.
int main(int argc, const char* const* argv);

}  // namespace ventanilla::app
