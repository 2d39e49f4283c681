#pragma once
// The staff console's files (gateway/admin/console/), compiled into the binary by
// cmake/embed_console.cmake and served by the admin listener under /admin/.

#include <string_view>
#include <vector>

namespace ventanilla::admin {

struct ConsoleAsset {
  std::string_view name;          // "index.html", "console.js"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<ConsoleAsset>& console_assets();

// The asset for a request path under /admin/ ("/admin/" is index.html); nullptr if none.
const ConsoleAsset* find_console_asset(std::string_view path);

}  // namespace ventanilla::admin
