#pragma once
// Kannel smsbox `sms-service` requests (docs: carrier-protocols.md §5, §9.9, §12). Kannel is our
// own box in front of an SMSC link, so there is no signature: the route's capability secret in the
// path is the authentication (reliability.md §1 rule 6), checked by the route before parse().
//
// Two request shapes, both documented in deploy/kannel/smsbox-service.conf.example:
//
//  - get-url (recommended):
//      GET /v1/kannel/sms/<secret>?from=%p&to=%P&text=%a&id=%I&smsc=%i&coding=%c&charset=%C&ts=%T
//    Kannel %-encodes every code with octstr_url_encode ('+' for a space, RFC 2396 unreserved
//    kept), which the form decoder reads exactly.
//  - post-url: POST /v1/kannel/sms/<secret>?id=%I, body = the message bytes, Content-Type
//    carrying the charset, sender and receiver in X-Kannel-From (needs send-sender = true) and
//    X-Kannel-To, coding in X-Kannel-Coding. Kannel sends no message id header, so %I goes in the
//    query; without it external_id is "" and the pipeline dedupes on a content window.
//
// Text decoding, by the charset Kannel reports (%C / Content-Type charset), else by coding
// (%c / X-Kannel-Coding): UTF-8 (also coding 0, and "GSM", which Kannel has already converted
// from the GSM alphabet) is validated and kept; UTF-16BE / UCS-2 (coding 2: a UCS-2 MO without
// mo-recode) is converted to UTF-8, surrogate pairs included; WINDOWS-1252 (mo-recode) and
// ISO-8859-1 are converted. 8-bit binary messages (coding 1, charset "binary",
// application/octet-stream) are refused: no menu flow reads them.
//
// Senders (%p): Kannel passes what the SMSC link reports. SMPP links with an international TON
// arrive as "+50255551234"; the fake SMSC and some links give "50255551234"; a link reporting
// national TON gives "55551234" or "055551234". See kannel_sender() for the rule.
//
// Replies are inline: Kannel turns our 200 text/plain body into the reply SMS (§5.3). An empty
// body sends nothing only because our sms-service sets omit-empty = true; without it Kannel
// would send its reply-emptymessage text to the migrant.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carriers/sms_protocol.hpp"

namespace ventanilla::carriers {

// The sender's E.164 number from Kannel's %p / X-Kannel-From.
//  1. "+…" or "00…" (international prefix): international, as PhoneNumber::parse reads it.
//  2. Bare digits and no default_calling_code on the route: international without the '+'
//     (what the fake SMSC and most SMPP links give).
//  3. Bare digits and a default_calling_code CC (the link reports national numbers): one national
//     trunk '0' is dropped; then
//       - for a calling code whose national number length L is known (1, 52, 501–507): L digits
//         are national (CC is prepended), CC followed by L digits is already international, and
//         anything else is read as an international number from elsewhere;
//       - for any other calling code: digits already starting with CC are international, the
//         rest national.
// Errors (kInvalidArgument, where "kannel"): "from: not a phone number" (never echoing it);
// kInternal when default_calling_code is not 1 to 3 digits, optionally after a '+' (a
// configuration bug).
Result<privacy::PhoneNumber> kannel_sender(std::string_view raw,
                                           std::string_view default_calling_code);

class KannelSms final : public SmsProtocol {
 public:
  // Kannel's %I is a UUID (36 characters); anything longer is not one of ours.
  static constexpr std::size_t kMaxIdBytes = 64;

  std::string_view name() const noexcept override { return "kannel"; }

  // Always ok: the capability secret in the path is checked by the route (see above).
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One message. kInvalidArgument naming the field: "from: missing", "text: missing" (GET),
  // "text: not valid UTF-8", "text: not valid UTF-16BE", "charset: not supported",
  // "coding: binary messages are not supported", "id: ...", "method: not GET or POST", or a
  // form error for a malformed query.
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return true; }

  // 200 text/plain; charset=utf-8 with the reply as the body (Kannel reads the charset
  // parameter; without it, the body is taken as ISO-8859-1 and UTF-8 is double-encoded). No reply:
  // 200 with an empty body, which sends nothing with omit-empty = true.
  //
  // Kannel sends a text/plain reply in the GSM 7-bit alphabet, where á í ó ú become '?' (§12). A
  // reply that is not GSM-7 (the route's encoding allows UCS-2) carries `X-Kannel-Coding: 2`, and
  // Kannel converts it from the charset (needs accept-x-kannel-headers = true).
  WebhookReply reply(std::optional<std::string_view> text) const override;
};

}  // namespace ventanilla::carriers
