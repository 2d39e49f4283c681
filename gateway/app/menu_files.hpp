#pragma once
// The menus directory on disk (menus/menu.toml, menus/texts/<lang>.toml, README.md) ↔ the
// MenuFile list the dialog component builds from and the database stores.

#include <string>
#include <vector>

#include "common/error.hpp"
#include "dialog/menu_set.hpp"
#include "storage/menu_store.hpp"

namespace ventanilla::app {

// menu.toml and texts/*.toml under `dir` (other files are not content). Errors name the path.
Result<std::vector<dialog::MenuFile>> read_menu_dir(const std::string& dir);

// Writes every file under `dir` (creating texts/), each through a temporary and a rename.
Result<void> write_menu_dir(const std::vector<dialog::MenuFile>& files, const std::string& dir);

std::vector<dialog::MenuFile> to_menu_files(std::vector<storage::StoredMenuFile> stored);
std::vector<storage::StoredMenuFile> to_stored_files(const std::vector<dialog::MenuFile>& files);

// "menus/texts/fr.toml:12: [fr] ..." lines for every diagnostic, prefixed with `dir`.
std::string describe(const std::vector<dialog::Diagnostic>& diagnostics, const std::string& dir);

}  // namespace ventanilla::app
