#pragma once
// The state of one conversation between two hops: where the caller is in the menus and what they
// chose so far. Small and self-contained, so it is stored as one short text column per session
// and survives a restart or a new menu version (it names nodes, places and hubs by id, never by
// index into a snapshot).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ventanilla::dialog {

// One screen the caller can go back to.
struct Frame {
  std::string node;
  std::uint16_t page = 0;
  bool operator==(const Frame&) const = default;
};

struct State {
  std::string node;  // current node id
  std::uint16_t page = 0;
  std::string language;          // chosen language code; "" until chosen (default language shown)
  std::string country;           // ISO2 the caller asks about
  std::string detected_country;  // ISO2 of the caller's network or number, offered first
  std::string service;           // hub service filter chosen on a menu
  std::string place_id;          // where the caller is (a place of the directory)
  std::string query;             // the town name they typed (cleared when the session ends)
  // The ids of the places that query found, best first: the town list as first shown. Kept so
  // every later hop (paging, a choice, "back" to the list) shows and picks from the same list
  // without searching again, even if the directory is republished meanwhile. nullopt: not
  // searched by this version (a state stored before it), so the list is searched when shown.
  std::optional<std::vector<std::string>> place_matches;
  std::string hub_id;           // the hub whose details are shown
  std::vector<Frame> history;   // screens to go back to, oldest first
  bool resume_offered = false;  // the "continue or start over" question is on screen
  bool ended = false;           // the last screen closed the session

  bool operator==(const State&) const = default;
};

// Most frames kept for "back": deeper walks forget their oldest screens.
inline constexpr std::size_t kMaxHistory = 16;
// Most places or hubs offered in one list (one or two pages).
inline constexpr std::size_t kMaxListItems = 9;
// Longest typed text kept (bytes, cut at a character boundary).
inline constexpr std::size_t kMaxQueryBytes = 64;

// "v1;n=hubs;p=0;l=es;..." — fields percent-escaped, unknown fields rejected.
std::string serialize(const State& state);
std::optional<State> deserialize(std::string_view text);

}  // namespace ventanilla::dialog
