#pragma once
// `ventanilla import [DIR] [--dry-run]` and `ventanilla export [DIR]`: the hub directory and
// gazetteer between data/*.csv and the database. DIR defaults to content.data_dir ("data").
//
// import: reads and checks every file; on any problem prints each as `PATH:LINE:COLUMN: reason`
// to stderr and exits 1 without touching the database; otherwise upserts everything in one
// transaction and prints per-table counts to stdout (exit 0). --dry-run stops after the checks and,
// when the database exists at the current schema, prints what an import would change.
// export: writes every file from the database (exit 1 when nothing was ever imported).
// Both: 2 for bad usage or bad configuration, 1 when the database cannot be used.
//
// Thread: main thread, before anything else uses the database.

#include "app/command_line.hpp"

namespace ventanilla::app {

int run_import(const CommandLine& command_line);
int run_export(const CommandLine& command_line);

}  // namespace ventanilla::app
