#pragma once
// The menu engine: one pure function from (state, input, menus, directory) to the next screen,
// the new state and what must happen besides (remember a language, queue an SMS, opt out).
//
// Pure: no clock, no I/O, no randomness. The same inputs give the same screen byte for byte, which
// is what lets a replayed hop be answered from storage and a test pin a whole walk. Navigation
// belongs to the engine, never to the menu author:
//   back (0)      the previous screen, on the page it was left at
//   home (00)     the home node, with the canonical path to it as history
//   next (98)     the next page of a long list or text; previous (99) the one before
//   anything else an item number or, on an input node, the typed text; invalid input re-shows
//                 the same page with a one-line hint.
// Items are numbered across pages (page 2 of a list starts where page 1 stopped), so a number
// seen on any page stays valid.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/dialog_state.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "text/encoding.hpp"
#include "text/screen_fit.hpp"

namespace ventanilla::dialog {

struct Context {
  const MenuSet& menus;
  const directory::Directory& directory;
  text::ScreenLimit screen;                                 // the route's screen
  text::ScreenLimit sms{160, text::EncodingPolicy::kGsm7};  // one SMS of hub details
  std::chrono::sys_days today{};  // for "data not verified" (stale sources)
};

struct Screen {
  std::string text;  // as sent: the route's encoding policy applied (transliterated for GSM-7)
  text::Encoding encoding = text::Encoding::kGsm7;
  std::size_t units = 0;  // septets or UTF-16 units
  bool end = false;       // close the session after this screen
  std::size_t page = 0;
  std::size_t page_count = 1;
  bool shortened = false;      // a line was cut to fit
  text::TextCost longest_cut;  // that line before cutting (check reports its length)
};

struct Effect {
  enum class Kind { kRememberLanguage, kSendHubSms, kOptOut };
  Kind kind = Kind::kRememberLanguage;
  std::string language;  // kRememberLanguage: the code; kSendHubSms: the SMS's language
  std::string hub_id;    // kSendHubSms
  std::string body;      // kSendHubSms: UTF-8, fitted to Context::sms
  bool operator==(const Effect&) const = default;
};

struct StepResult {
  State state;
  Screen screen;
  std::vector<Effect> effects;
};

// A new conversation. With a remembered language the language screen is skipped (it stays one
// "0" away); the detected country is listed first on the country screen.
State new_session(const MenuSet& menus, std::string_view remembered_language,
                  std::string_view detected_country);

// A conversation picked up again: the same state, first asking "continue or start over".
State offer_resume(State previous);

// The current screen, without input.
StepResult show(const Context& context, State state);

// One input (a single token: "2", "98", "xela").
StepResult step(const Context& context, State state, std::string_view input);

// The localized apology for an internal error ("END" text), in `language` or the default.
Screen apology(const MenuSet& menus, std::string_view language, const text::ScreenLimit& screen);

}  // namespace ventanilla::dialog
