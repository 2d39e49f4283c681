#pragma once
// Twilio Programmable Messaging inbound webhooks (docs: carrier-protocols.md §2): a form-encoded
// POST (or a GET, as configured in the console) signed with X-Twilio-Signature, answered inline
// with TwiML.
//
// The signature covers the exact URL Twilio requested, so it is checked against the route's
// configured public URL (never Host or X-Forwarded-*, which a client controls; reliability.md §1)
// joined with the query string actually received. Twilio is inconsistent about default ports, so
// the URL is also tried with the port removed and with the default port added, as every official
// library does.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"
#include "carriers/sms_sender.hpp"

namespace ventanilla::carriers {

// The X-Twilio-Signature Twilio sends for `url` and these decoded POST parameters (pass none for
// GET and JSON-body webhooks): base64(HMAC-SHA1(token, url + name1 + value1 + ...)) with the
// parameters sorted by name, then value, in byte order; an identical name=value pair counts once,
// as twilio-python does. `url` is used byte for byte (host case and port included).
std::string twilio_signature(std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view token);

class TwilioSms final : public SmsProtocol {
 public:
  static constexpr std::size_t kMaxMessageSidBytes = 64;  // "SM" + 32 hex digits in practice

  std::string_view name() const noexcept override { return "twilio"; }

  // Checks X-Twilio-Signature with every secret of `auth` (rotation), over auth.public_url (its
  // own query and fragment dropped) + "?" + the request's raw query when it has one. A request
  // whose query carries bodySHA256 is a JSON-body webhook: the signature covers the URL only and
  // the hash must match the raw body.
  // kPermissionDenied: "X-Twilio-Signature: missing", "X-Twilio-Signature: does not match",
  // "bodySHA256: does not match the body", "public_url: not configured".
  // kInvalidArgument: a form body with a malformed %-escape, a method other than GET or POST.
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One message from the form body (POST) or the query (GET). Unknown fields are ignored.
  // kInvalidArgument: "MessageSid: missing", "From: missing", "From: not an SMS sender"
  // (WhatsApp and other channels), "From: not an international number", form errors.
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return true; }

  // 200 text/xml TwiML: <Response><Message>text</Message></Response>, or <Response/> when there
  // is nothing to say (nullopt or empty text: an empty <Message> is a Twilio error).
  WebhookReply reply(std::optional<std::string_view> text) const override;
};

// Twilio Messages API (carrier-protocols.md §2.5, §2.6; twilio-go AccountsMessagesApi docs):
//   POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth AccountSid:AuthToken,
//   form To, From, Body and StatusCallback (when the message has one).
// Twilio picks GSM-7 or UCS-2 itself and concatenates up to 1,600 characters, so `unicode` adds
// nothing to the call. Twilio has no client-reference field: our id travels in the StatusCallback
// URL's query (`id=`), and comes back as DeliveryReport::our_id.
class TwilioSender final : public SmsSender {
 public:
  std::string_view name() const noexcept override { return "twilio"; }
  bool concatenates() const noexcept override { return true; }

  // kInvalidArgument: "account: missing" (AccountSid), "secret: missing", "from: missing",
  // "base_url: missing", "to: not an E.164 number".
  Result<HttpCall> prepare_send(const OutboundSms& sms,
                                const SenderAccount& account) const override;

  // 200/201 with a JSON `sid` → kSent (external_id = sid). 429 and 5xx → kRetryable (Retry-After
  // honoured). Other 4xx → kPermanent, "twilio <code> <what it means>" when the JSON error body
  // has a `code` (Twilio's `message` is never copied: it can quote the number). A 2xx without a
  // sid → kRetryable.
  SendResult read_send_response(const HttpAnswer& answer) const override;

  // One report from the StatusCallback form (POST body, or the query of a GET callback):
  // MessageSid, MessageStatus, ErrorCode, RawDlrDoneDate; `id` from the callback URL's query.
  // kInvalidArgument: "MessageSid: missing", "MessageStatus: missing", "MessageStatus: not an
  // outbound message status", "ErrorCode: not a number", form errors.
  Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const override;
};

}  // namespace ventanilla::carriers
