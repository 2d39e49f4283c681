#pragma once
// Kannel smsbox `sms-service` requests (docs: carrier-protocols.md §5, §9.9, §12). Kannel is our
// own box in front of an SMSC link, so there is no signature: the route's capability secret in the
// path is the authentication (reliability.md §1 rule 6), checked by the route before parse().
//
// Two request shapes, both documented in deploy/kannel/kannel.conf:
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
#include "carriers/sms_sender.hpp"

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

// Kannel smsbox `sendsms` (carrier-protocols.md §5.5, §9.9, §12; user guide "Sending SMS"):
//   GET {base}/cgi-bin/sendsms?username=&password=&from=&to=&text=&charset=UTF-8[&coding=2]
//       [&dlr-mask=31&dlr-url=<status_callback_url>&type=%d]
// The text always goes as UTF-8 with charset=UTF-8, so Kannel converts it: to GSM-7 by default,
// to UCS-2 with coding=2 (§12: coding=2 without a charset sends UTF-8 bytes labelled UCS-2).
// `to` is %-encoded, so its '+' arrives as %2B (a bare '+' would read as a space, which sendsms
// takes as a list separator). The password travels in the query: the call's URL is a secret and
// must not be logged. dlr-mask 31 asks for every report type (1 delivered, 2 undelivered,
// 4 queued on the SMSC, 8 accepted by the SMSC, 16 refused by the SMSC); Kannel puts the type in
// place of %d, and our id is already in the callback URL's query.
//
// Not concatenating: whether smsbox splits a long text depends on the sendsms-user's
// max-messages/concatenation settings (a text longer than max-messages parts is cut), which this
// sender cannot see, so the outbound loop sends one segment per call.
class KannelSender final : public SmsSender {
 public:
  static constexpr std::size_t kMaxIdBytes = 128;

  std::string_view name() const noexcept override { return "kannel"; }
  bool concatenates() const noexcept override { return false; }

  // kInvalidArgument: "base_url: missing", "account: missing" (username), "secret: missing"
  // (password), "to: not an E.164 number".
  Result<HttpCall> prepare_send(const OutboundSms& sms,
                                const SenderAccount& account) const override;

  // 2xx whose body starts "0:" (Accepted for delivery) or "3:" (Queued for later delivery) →
  // kSent, no external id. Any other 2xx body → kRetryable. 503 (Temporal failure) and other
  // 5xx → kRetryable with Retry-After; 4xx → kPermanent ("http 403"; Kannel's text is not copied).
  SendResult read_send_response(const HttpAnswer& answer) const override;

  // One report: a GET to the dlr-url, whose query holds our `id` and Kannel's `type`.
  // kInvalidArgument: "method: not GET", "id: missing", "type: missing", "type: not a DLR type
  // (1, 2, 4, 8 or 16)", form errors.
  Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const override;
};

}  // namespace ventanilla::carriers
