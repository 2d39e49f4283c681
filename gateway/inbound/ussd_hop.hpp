#pragma once
// One USSD hop, from a parsed carrier request to the reply, as one unit of work on the storage
// writer: look for a stored reply (a carrier retry), load or start the session, run the menu
// engine on the new input, then store session, dedupe row, language, opt-out and queued SMS —
// all committed together before the reply leaves.
//
// Running the whole hop inside the writer job (not just its writes) is deliberate: the read, the
// step and the write are atomic, so two copies of one hop arriving at once (a retrying proxy)
// cannot both step the session; the second finds the first's reply. The engine is pure and takes
// microseconds, so the writer thread is not the bottleneck (see tests/bench).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "carriers/ussd_protocol.hpp"
#include "dialog/engine.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "privacy/subscriber_id.hpp"
#include "storage/database.hpp"
#include "text/screen_fit.hpp"

namespace ventanilla::inbound {

// The most answers one hop steps through. A carrier sends every answer so far, '*'-joined, and
// only a shortcut dial (*123*1*1*2#) brings several new ones at once; the shipped menus' longest
// walk (to a hub sent by SMS) is nine answers, a few more with paging. Without a bound, one 1 KiB
// `text` would be ~500 steps (many a place search) on the single writer thread, which every
// other hop waits behind. Answers past the bound are consumed without a step: the caller sees the
// screen the first kMaxAnswersPerHop reached.
inline constexpr std::size_t kMaxAnswersPerHop = 16;

// The answers in a carrier's cumulative `text`, in order ("" is none; "1**2" has an empty one).
std::vector<std::string_view> split_ussd_text(std::string_view text);

struct UssdRouteSettings {
  std::string carrier = "at-ussd";  // names the route in sessions and dedupe rows
  text::ScreenLimit screen;
  text::ScreenLimit sms{160, text::EncodingPolicy::kGsm7};
  std::chrono::milliseconds session_timeout{180'000};
  std::chrono::milliseconds resume_window{600'000};
  std::chrono::milliseconds reply_retention{48 * 3600 * 1000};
  std::string default_country;  // ISO2 when neither network nor number tells ("" for none)
  // The outbox route of SMS this USSD route queues (the SMS route whose sender delivers them);
  // "" = the carrier key itself, which no sender drains (start-up warns).
  std::string sms_route;
};

struct UssdHopInput {
  std::string session_id;
  std::string text;  // cumulative, '*'-joined
  std::string network_code;
  privacy::SubscriberId subscriber;
  const privacy::PhoneNumber* phone = nullptr;  // only for sealing a queued SMS's destination
};

struct UssdHopOutcome {
  std::string body;  // the carrier's reply body (stored, and replayed byte for byte)
  bool end = false;
  bool replayed = false;  // answered from the stored reply
  std::string language;   // for an apology if the commit fails
  std::size_t sms_queued = 0;
};

// The country a caller is most likely in: the network's MCC first (roaming callers keep their
// home number), then the number's calling code, then the route's default.
std::string detect_country(const directory::Directory& directory, std::string_view network_code,
                           const privacy::PhoneNumber& phone, std::string_view fallback);

struct UssdHopContext {
  const dialog::MenuSet& menus;
  const directory::Directory& directory;
  const privacy::Pseudonymizer& pseudonymizer;
  const carriers::UssdProtocol& protocol;
  const UssdRouteSettings& settings;
};

// Runs on the writer thread, inside its transaction (a savepoint per job). Throws on storage
// errors (the writer rolls the job back and reports them).
UssdHopOutcome run_ussd_hop(storage::Database& db, const UssdHopContext& ctx,
                            const UssdHopInput& input, std::int64_t now_ms,
                            std::chrono::sys_days today);

// The language this caller's hop would have been answered in — the open session's, else the one
// the caller chose last time, else "" (the default) — read without writing, for the apology when
// the hop could not be committed (StorageWriter's if_not_written). Throws on storage errors.
std::string hop_language(storage::Database& db, const UssdHopContext& context,
                         const UssdHopInput& input, std::int64_t now_ms);

// The key of a hop in inbound_seen: SHA-256 of session id and text, so typed text (a town name)
// is not stored in clear for 48 hours.
std::string hop_dedupe_key(std::string_view session_id, std::string_view text);

}  // namespace ventanilla::inbound
