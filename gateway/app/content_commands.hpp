#pragma once
// Verbs for staff who edit content: `check` (configuration, key, data and every menu screen) and
// `simulate` (a terminal phone on the menus and data files).

#include <vector>

#include "app/command_line.hpp"
#include "config/config.hpp"
#include "dialog/menu_check.hpp"

namespace ventanilla::app {

int run_check(const CommandLine& cl);
int run_simulate(const CommandLine& cl);

// The route profiles content must fit: the [ussd] route and every generic-ussd [[route]] (each
// may have its own screen size and encoding). `check`, `simulate` and the console use them.
std::vector<dialog::RouteProfile> route_profiles(const config::Config& cfg);

}  // namespace ventanilla::app
