#pragma once
// Staff's word on hubs (table hub_status, data/schema/0011_hub_status.sql): retired or not,
// verified when and by whom. A change bumps meta.directory_version, so a running server reloads
// its directory and stops (or starts again) offering a retired hub.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "directory/records.hpp"
#include "storage/database.hpp"

namespace ventanilla::storage {

struct HubStatus {
  std::optional<std::int64_t> retired_ms;
  std::string retired_by;
  std::string verified_date;  // "" when never verified
  std::string verified_by;
  bool operator==(const HubStatus&) const = default;
};

// By hub id; hubs nobody said anything about are absent.
std::map<std::string, HubStatus> load_hub_statuses(Database& db);

void set_hub_retired(Database& db, std::string_view hub_id, std::optional<std::int64_t> retired_ms,
                     std::string_view by);
void set_hub_verified(Database& db, std::string_view hub_id, std::string_view date,
                      std::string_view by);

// Drops retired hubs (and their facts) from `data`: what the server offers, and what the
// `directory` verb answers from. Exports keep them.
void remove_retired_hubs(Database& db, directory::DirectoryData& data);

// meta.directory_version + 1: a running server reloads its directory at the next poll.
void bump_directory_version(Database& db);

}  // namespace ventanilla::storage
