#include "inbound/usage_count.hpp"

#include "storage/usage_store.hpp"

namespace ventanilla::inbound {

void count_step(storage::Database& db, std::string_view channel, std::int64_t now_ms,
                const dialog::MenuSet& menus, bool new_session, std::string_view node_before,
                const dialog::State& after) {
  bool lookup = false;
  if (after.node != node_before) {
    const dialog::NodeIndex n = menus.find_node(after.node);
    lookup = n != dialog::kNoNode && menus.node(n).kind == dialog::NodeKind::kHubs;
  }
  if (!new_session && !lookup) return;
  const std::string day = storage::utc_day(now_ms);
  const std::string_view country = after.country.empty() ? after.detected_country : after.country;
  storage::add_usage(db, {day, channel, country, after.language, after.service},
                     new_session ? 1 : 0, lookup ? 1 : 0, 0);
}

void count_keyword_lookup(storage::Database& db, std::string_view channel, std::int64_t now_ms,
                          std::string_view country, std::string_view language) {
  const std::string day = storage::utc_day(now_ms);
  storage::add_usage(db, {day, channel, country, language, ""}, 0, 1, 0);
}

}  // namespace ventanilla::inbound
