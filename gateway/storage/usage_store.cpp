#include "storage/usage_store.hpp"

#include <chrono>
#include <cstdio>

namespace ventanilla::storage {

void add_usage(Database& db, const UsageKey& key, std::int64_t sessions, std::int64_t lookups,
               std::int64_t sms_sent) {
  auto stmt = db.cached(
      "INSERT INTO daily_usage(day, channel, country, language, service, sessions, lookups, "
      "sms_sent) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(day, channel, country, language, service) DO UPDATE SET "
      "sessions = sessions + excluded.sessions, lookups = lookups + excluded.lookups, "
      "sms_sent = sms_sent + excluded.sms_sent");
  stmt->bind_all(key.day, key.channel, key.country, key.language, key.service, sessions, lookups,
                 sms_sent);
  stmt->run();
}

std::vector<UsageRow> list_usage(Database& db, std::string_view from, std::string_view to) {
  auto stmt = db.cached(
      "SELECT day, channel, country, language, service, sessions, lookups, sms_sent "
      "FROM daily_usage WHERE day >= ?1 AND day <= ?2 "
      "ORDER BY day, channel, country, language, service");
  stmt->bind_all(from, to);
  std::vector<UsageRow> rows;
  while (stmt->step()) {
    UsageRow r;
    r.day = stmt->column_text_view(0);
    r.channel = stmt->column_text_view(1);
    r.country = stmt->column_text_view(2);
    r.language = stmt->column_text_view(3);
    r.service = stmt->column_text_view(4);
    r.sessions = stmt->column_int64(5);
    r.lookups = stmt->column_int64(6);
    r.sms_sent = stmt->column_int64(7);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string utc_day(std::int64_t epoch_ms) {
  const auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(epoch_ms)));
  const std::chrono::year_month_day ymd{day};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

}  // namespace ventanilla::storage
