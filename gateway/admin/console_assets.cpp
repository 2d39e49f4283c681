#include "admin/console_assets.hpp"

namespace ventanilla::admin {

const ConsoleAsset* find_console_asset(std::string_view path) {
  constexpr std::string_view kPrefix = "/admin/";
  if (!path.starts_with(kPrefix)) return nullptr;
  std::string_view name = path.substr(kPrefix.size());
  if (name.empty()) name = "index.html";
  for (const auto& asset : console_assets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace ventanilla::admin
