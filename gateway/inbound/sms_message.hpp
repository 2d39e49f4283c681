#pragma once
// One inbound SMS, from a decoded carrier message to the reply, as one unit of work on the storage
// writer (like a USSD hop, see ussd_hop.hpp): a carrier retry gets the stored reply; keywords
// (STOP, START, HELP, MENU, erase, "CENTRO <town>") act before any menu; otherwise the message is
// the next input of the sender's conversation — the same menus as USSD, each reply fitted to the
// route's SMS budget (one segment by default). Everything it changes commits together.
//
// A conversation is keyed by (route, SubscriberId): SMS has no session id, and a migrant's phone
// is the conversation. It ends after the route's quiet period.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "privacy/subscriber_id.hpp"
#include "storage/database.hpp"
#include "text/screen_fit.hpp"

namespace ventanilla::inbound {

struct SmsRouteSettings {
  std::string route;  // route name: sessions, dedupe rows and outbox rows carry it
  text::EncodingPolicy policy = text::EncodingPolicy::kGsm7;
  std::uint32_t segments = 1;  // most segments one reply may take
  bool replies_inline = true;  // the webhook answer carries the reply; else the outbox
  std::chrono::milliseconds conversation_timeout{900'000};
  std::chrono::milliseconds reply_retention{48 * 3600 * 1000};
  // Without a carrier message id, an identical message from the same sender within this window
  // is taken as a retry.
  std::chrono::milliseconds content_window{120'000};
  std::string default_country;
  std::string default_language;

  // The screen an SMS reply may fill: one segment is 160 septets (70 UCS-2 units); n segments
  // are n × 153 (n × 67).
  text::ScreenLimit screen() const noexcept {
    return {segments <= 1 ? 160u : 153u * segments, policy};
  }
};

// One part of a concatenated SMS the carrier did not reassemble.
struct SmsPart {
  std::string ref;
  std::uint32_t total = 0;
  std::uint32_t index = 0;  // 1-based
};

struct SmsMessageInput {
  std::string external_id;  // "" when the carrier gives none
  std::string text;
  std::string network_code;
  privacy::SubscriberId subscriber;
  const privacy::PhoneNumber* phone = nullptr;
  std::optional<SmsPart> part;  // the message is one part of a longer one
};

struct SmsOutcome {
  std::optional<std::string> reply;  // UTF-8 reply text (nullopt: stay silent)
  bool replayed = false;
  std::size_t queued = 0;  // replies put in the outbox (non-inline routes)
  std::string language;
};

struct SmsContext {
  const dialog::MenuSet& menus;
  const directory::Directory& directory;
  const privacy::Pseudonymizer& pseudonymizer;
  const SmsRouteSettings& settings;
};

// Runs on the writer thread inside its transaction. Throws on storage errors.
SmsOutcome run_sms_message(storage::Database& db, const SmsContext& context,
                           const SmsMessageInput& input, std::int64_t now_ms,
                           std::chrono::sys_days today);

}  // namespace ventanilla::inbound
