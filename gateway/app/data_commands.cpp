#include "app/data_commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/app.hpp"
#include "app/menu_files.hpp"
#include "config/config.hpp"
#include "directory/directory_files.hpp"
#include "storage/database.hpp"
#include "storage/directory_store.hpp"
#include "storage/menu_store.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::app {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Result<storage::Database> open_migrated(const config::StorageConfig& cfg) {
  auto db = storage::Database::open(cfg.path, open_options(cfg, false));
  if (!db) return db.error();
  auto migrated = storage::apply_migrations(*db, storage::embedded_migrations());
  if (!migrated) return migrated.error();
  return std::move(*db);
}

// Config and the one optional DIR argument; prints the usage problem and returns false.
bool prepare(const CommandLine& cl, config::Config& cfg, std::string& dir) {
  if (cl.positionals.size() > 1) {
    std::fprintf(stderr, "ventanilla %s: expected at most one DIR, got %zu arguments\n\n%s",
                 cl.verb.c_str(), cl.positionals.size(), usage(cl.verb).c_str());
    return false;
  }
  auto loaded = load_configuration(cl);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message().c_str());
    return false;
  }
  cfg = std::move(*loaded);
  dir = cl.positionals.empty() ? cfg.content.data_dir : cl.positionals.front();
  return true;
}

void print_report(const storage::ImportReport& report, bool planned) {
  std::printf("  %-13s %8s %9s %8s %8s %10s\n", "table", "rows", "inserted", "updated", "deleted",
              "unchanged");
  for (const storage::TableCounts& t : report.tables) {
    const std::string table(t.table);
    std::printf("  %-13s %8lld %9lld %8lld %8lld %10lld", table.c_str(),
                static_cast<long long>(t.rows()), static_cast<long long>(t.inserted),
                static_cast<long long>(t.updated), static_cast<long long>(t.deleted),
                static_cast<long long>(t.unchanged));
    if (t.moved != 0) {
      std::printf("  (%lld %s to keep file order)", static_cast<long long>(t.moved),
                  planned ? "would be rewritten" : "rewritten");
    }
    std::printf("\n");
  }
}

std::size_t row_count(const directory::DirectoryData& d) {
  std::size_t services = 0;
  for (const auto& h : d.hubs) services += h.services.size();
  return d.countries.size() + d.admin1.size() + d.admin2.size() + d.services.size() +
         d.places.size() + d.aliases.size() + d.hubs.size() + services + d.hub_facts.size();
}

// The schema version of an existing database without migrating it (0 when it has none).
std::int64_t schema_version(storage::Database& db) {
  try {
    auto stmt = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    stmt.step();
    return stmt.column_int64(0);
  } catch (const storage::SqliteError&) {
    return 0;
  }
}

// The menus directory a verb works on: --menus when given; else content.menus_dir for import
// when it exists (a CSV-only import from elsewhere still works), and for an export only when no
// DIR was given (so `export out/` never overwrites the checkout's menus/).
std::optional<std::string> menus_dir_of(const CommandLine& cl, const config::Config& cfg,
                                        bool exporting) {
  if (auto it = cl.options.find("--menus"); it != cl.options.end()) return it->second;
  if (exporting) {
    if (!cl.positionals.empty()) return std::nullopt;
    return cfg.content.menus_dir;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(cfg.content.menus_dir, ec)) return std::nullopt;
  return cfg.content.menus_dir;
}

// Reads and validates menus/; prints every problem (FILE:LINE) and returns nullopt on any.
std::optional<std::vector<dialog::MenuFile>> read_valid_menus(const std::string& dir) {
  auto files = read_menu_dir(dir);
  if (!files) {
    std::fprintf(stderr, "%s\n", files.error().message().c_str());
    return std::nullopt;
  }
  auto built = dialog::MenuSet::build(*files);
  if (!built.menus) {
    std::fputs(describe(built.errors, dir).c_str(), stderr);
    std::fprintf(stderr, "%s: %zu problem%s; nothing imported\n", dir.c_str(), built.errors.size(),
                 built.errors.size() == 1 ? "" : "s");
    return std::nullopt;
  }
  return std::move(*files);
}

int dry_run(const config::Config& cfg, const std::string& dir,
            const directory::DirectoryData& data) {
  std::printf("%s: %zu rows in %zu files, all valid; dry run, nothing written\n", dir.c_str(),
              row_count(data), directory::kDirectoryFiles.size());
  std::error_code ec;
  if (!std::filesystem::exists(cfg.storage.path, ec)) {
    std::printf("database %s does not exist yet: an import would create it and insert every row\n",
                cfg.storage.path.c_str());
    return kExitOk;
  }
  auto db = storage::Database::open(cfg.storage.path, open_options(cfg.storage, true));
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message().c_str());
    return kExitFailure;
  }
  const auto& migrations = storage::embedded_migrations();
  const std::int64_t expected = migrations.empty() ? 0 : migrations.back().version;
  const std::int64_t actual = schema_version(*db);
  if (actual != expected) {
    std::printf("database %s is at schema version %lld, this binary expects %lld: not compared\n",
                cfg.storage.path.c_str(), static_cast<long long>(actual),
                static_cast<long long>(expected));
    return kExitOk;
  }
  auto plan = storage::plan_directory_import(*db, data);
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.error().message().c_str());
    return kExitFailure;
  }
  if (plan->changed()) {
    std::printf("an import into %s would change directory version %lld to %lld:\n",
                cfg.storage.path.c_str(), static_cast<long long>(plan->version_before),
                static_cast<long long>(plan->version_after));
  } else {
    std::printf("an import into %s would change nothing (directory version %lld)\n",
                cfg.storage.path.c_str(), static_cast<long long>(plan->version_before));
  }
  print_report(*plan, true);
  return kExitOk;
}

}  // namespace

int run_import(const CommandLine& cl) {
  config::Config cfg;
  std::string dir;
  if (!prepare(cl, cfg, dir)) return kExitUsage;

  const auto read_started = Clock::now();
  auto data = directory::load_directory_files(dir);
  const double read_seconds = seconds_since(read_started);
  if (!data) {
    const std::string& detail = data.error().detail;
    std::fprintf(stderr, "%s\n", detail.c_str());
    const auto problems =
        static_cast<long long>(std::count(detail.begin(), detail.end(), '\n') + 1);
    std::fprintf(stderr, "%s: %lld problem%s; nothing imported\n", dir.c_str(), problems,
                 problems == 1 ? "" : "s");
    return kExitFailure;
  }
  const auto menus_dir = menus_dir_of(cl, cfg, false);
  std::optional<std::vector<dialog::MenuFile>> menus;
  if (menus_dir) {
    menus = read_valid_menus(*menus_dir);
    if (!menus) return kExitFailure;
  } else {
    std::printf("%s not found: menus not imported (pass --menus DIR)\n",
                cfg.content.menus_dir.c_str());
  }
  if (cl.has("--dry-run")) {
    if (menus) std::printf("%s: %zu files, all valid\n", menus_dir->c_str(), menus->size());
    return dry_run(cfg, dir, *data);
  }

  auto db = open_migrated(cfg.storage);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message().c_str());
    return kExitFailure;
  }
  const auto import_started = Clock::now();
  auto report = storage::import_directory(*db, *data);
  const double import_seconds = seconds_since(import_started);
  if (!report) {
    std::fprintf(stderr, "%s\nnothing imported\n", report.error().message().c_str());
    return kExitFailure;
  }
  if (report->changed()) {
    std::printf("imported %s into %s: directory version %lld (was %lld)\n", dir.c_str(),
                cfg.storage.path.c_str(), static_cast<long long>(report->version_after),
                static_cast<long long>(report->version_before));
  } else {
    std::printf("imported %s into %s: nothing changed (directory version %lld)\n", dir.c_str(),
                cfg.storage.path.c_str(), static_cast<long long>(report->version_after));
  }
  print_report(*report, false);
  if (menus) try {
      storage::Transaction tx(*db);
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      const auto published =
          storage::publish_menu_files(*db, to_stored_files(*menus), "import", now);
      tx.commit();
      if (published.changed()) {
        std::printf("imported %s: menus version %lld (was %lld)\n", menus_dir->c_str(),
                    static_cast<long long>(published.version_after),
                    static_cast<long long>(published.version_before));
      } else {
        std::printf("imported %s: nothing changed (menus version %lld)\n", menus_dir->c_str(),
                    static_cast<long long>(published.version_after));
      }
    } catch (const storage::SqliteError& e) {
      std::fprintf(stderr, "%s\nmenus not imported\n",
                   storage::to_error(e, cfg.storage.path).message().c_str());
      return kExitFailure;
    }
  std::printf("files read and checked in %.2f s, database import in %.2f s\n", read_seconds,
              import_seconds);
  return kExitOk;
}

int run_export(const CommandLine& cl) {
  config::Config cfg;
  std::string dir;
  if (!prepare(cl, cfg, dir)) return kExitUsage;

  auto db = open_migrated(cfg.storage);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message().c_str());
    return kExitFailure;
  }
  try {
    if (storage::directory_is_empty(*db)) {
      std::fprintf(stderr,
                   "%s holds no hub directory yet: nothing to export (run `ventanilla import`)\n",
                   cfg.storage.path.c_str());
      return kExitFailure;
    }
  } catch (const storage::SqliteError& e) {
    std::fprintf(stderr, "%s\n", storage::to_error(e, cfg.storage.path).message().c_str());
    return kExitFailure;
  }
  auto data = storage::load_directory(*db);
  if (!data) {
    std::fprintf(stderr, "%s\n", data.error().message().c_str());
    return kExitFailure;
  }
  auto written = directory::write_directory_files(*data, dir);
  if (!written) {
    std::fprintf(stderr, "%s\n", written.error().message().c_str());
    return kExitFailure;
  }
  std::printf("exported %zu rows from %s (directory version %lld) to %s\n", row_count(*data),
              cfg.storage.path.c_str(), static_cast<long long>(storage::directory_version(*db)),
              dir.c_str());
  const auto menus_dir = menus_dir_of(cl, cfg, true);
  if (!menus_dir) {
    std::printf("menus not exported (pass --menus DIR to write them too)\n");
    return kExitOk;
  }
  try {
    const std::int64_t version = storage::published_menu_version(*db);
    if (version == 0) {
      std::printf("%s holds no menus yet: menus not exported\n", cfg.storage.path.c_str());
      return kExitOk;
    }
    auto files = to_menu_files(storage::load_menu_files(*db, version));
    if (auto w = write_menu_dir(files, *menus_dir); !w) {
      std::fprintf(stderr, "%s\n", w.error().message().c_str());
      return kExitFailure;
    }
    std::printf("exported %zu menu files (menus version %lld) to %s\n", files.size(),
                static_cast<long long>(version), menus_dir->c_str());
  } catch (const storage::SqliteError& e) {
    std::fprintf(stderr, "%s\n", storage::to_error(e, cfg.storage.path).message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ventanilla::app
