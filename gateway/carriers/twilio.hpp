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

}  // namespace ventanilla::carriers
