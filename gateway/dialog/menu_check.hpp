#pragma once
// What `ventanilla check` verifies about content beyond MenuSet::build's structural checks: every
// screen of every node, in every language, rendered with the worst dynamic content the directory
// holds (the longest hub name, the longest details), on every route's screen limit and encoding.
//
// Paging makes long lists and texts fit by construction, so what can still go wrong is a line
// that has to be cut: fixed text (a title with the navigation line, an option label) that is cut
// is an error; a hub name cut in a list is a warning (the details screen shows it whole). The
// check also renders every page and confirms its length, so a layout bug cannot hide.

#include <string>
#include <vector>

#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "text/screen_fit.hpp"

namespace ventanilla::dialog {

struct RouteProfile {
  std::string name;  // "ussd"
  text::ScreenLimit screen;
};

struct CheckReport {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  std::size_t screens_checked = 0;  // pages rendered and measured
};

CheckReport check_menus(const MenuSet& menus, const directory::Directory& directory,
                        const std::vector<RouteProfile>& routes,
                        const text::ScreenLimit& sms = {160, text::EncodingPolicy::kGsm7});

}  // namespace ventanilla::dialog
