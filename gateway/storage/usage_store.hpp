#pragma once
// Daily usage aggregates (table daily_usage, data/schema/0012_daily_usage.sql): counts by day,
// channel, country, language and service — nothing that identifies a subscriber. Counted inside
// the same writer job as the hop, message or send they count, so they commit (or not) with it.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct UsageKey {
  std::string_view day;  // "2026-11-29" (UTC)
  std::string_view channel;
  std::string_view country;
  std::string_view language;
  std::string_view service;
};

void add_usage(Database& db, const UsageKey& key, std::int64_t sessions, std::int64_t lookups,
               std::int64_t sms_sent);

struct UsageRow {
  std::string day, channel, country, language, service;
  std::int64_t sessions = 0;
  std::int64_t lookups = 0;
  std::int64_t sms_sent = 0;
};

// Rows with from <= day <= to (YYYY-MM-DD), by day then the other dimensions.
std::vector<UsageRow> list_usage(Database& db, std::string_view from, std::string_view to);

// "YYYY-MM-DD" of a Unix time in milliseconds, UTC.
std::string utc_day(std::int64_t epoch_ms);

}  // namespace ventanilla::storage
