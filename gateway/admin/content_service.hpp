#pragma once
// Menu content as staff change it: one draft (a full copy of the published files), edited text
// by text or file by file under optimistic concurrency (ETag / If-Match), checked with the same
// checks as `ventanilla check`, published atomically as a new version, or rolled back to one of
// the last kRollbackDepth published versions. The running server swaps its MenuSet snapshot on
// publish; hops in flight finish on the snapshot they started with.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/menu_check.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "storage/database.hpp"
#include "storage/menu_store.hpp"

namespace ventanilla::admin {

inline constexpr std::size_t kRollbackDepth = 10;

struct ContentCheckResult {
  std::vector<dialog::Diagnostic> errors;
  std::vector<dialog::Diagnostic> warnings;
  std::size_t screens_checked = 0;
  bool ok() const noexcept { return errors.empty(); }
};

// The live directory (hub lists and the worst-case content checks render with it); null before
// the first import.
using DirectorySource = std::function<std::shared_ptr<const directory::Directory>()>;

// `ventanilla check`'s content checks over a set of files: MenuSet::build, then every screen of
// every language on every route's limits with the directory's worst case (structure only when
// `directory` is null). The one implementation the CLI's check and the console share.
ContentCheckResult check_content(const std::vector<dialog::MenuFile>& files,
                                 const directory::Directory* directory,
                                 const std::vector<dialog::RouteProfile>& routes);

// What the running server must do after a publish or rollback: reload its content now.
using ContentChanged = std::function<void()>;

// An opaque version tag over a set of files: changes whenever any byte of any file does.
std::string content_etag(std::int64_t version, const std::vector<storage::StoredMenuFile>& files);

// A version named in a request: "draft", "published" or a number. nullopt when none such.
std::optional<std::int64_t> resolve_version(storage::Database& db, std::string_view name);

// Which files may exist in a version: menu.toml and texts/<lang>.toml (lang: 2–3 lowercase
// letters). nullopt when `path` is one, else why not.
std::optional<std::string> menu_path_problem(std::string_view path);

struct TextChange {
  std::string file;
  std::string id;
  std::optional<std::string> before;  // nullopt: added
  std::optional<std::string> after;   // nullopt: removed
};
struct VersionDiff {
  std::vector<TextChange> texts;           // texts/*.toml, per message id
  std::vector<std::string> files_changed;  // any other file whose bytes differ (menu.toml)
};
VersionDiff diff_versions(const std::vector<storage::StoredMenuFile>& from,
                          const std::vector<storage::StoredMenuFile>& to);

}  // namespace ventanilla::admin
