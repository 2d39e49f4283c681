#pragma once
// Verbs for staff who edit content: `check` (configuration, key, data and every menu screen) and
// `simulate` (a terminal phone on the menus and data files).

#include "app/command_line.hpp"

namespace ventanilla::app {

int run_check(const CommandLine& cl);
int run_simulate(const CommandLine& cl);

}  // namespace ventanilla::app
