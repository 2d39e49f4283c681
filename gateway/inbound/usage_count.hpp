#pragma once
// Counting a conversation step into the daily usage aggregates (storage/usage_store.hpp): a
// session when this step started one, a lookup when it reached a list of nearest hubs it was not
// already on (paging through the list is not another lookup). Dimensions come from the state
// after the step; nothing about the subscriber is kept.

#include <cstdint>
#include <string_view>

#include "dialog/dialog_state.hpp"
#include "dialog/menu_set.hpp"
#include "storage/database.hpp"

namespace ventanilla::inbound {

void count_step(storage::Database& db, std::string_view channel, std::int64_t now_ms,
                const dialog::MenuSet& menus, bool new_session, std::string_view node_before,
                const dialog::State& after);

// A one-message hub lookup ("CENTRO Tapachula").
void count_keyword_lookup(storage::Database& db, std::string_view channel, std::int64_t now_ms,
                          std::string_view country, std::string_view language);

}  // namespace ventanilla::inbound
