#pragma once
// What every SMS carrier protocol does, behind one interface: verify that a webhook request really
// comes from the carrier, decode it into InboundSms, and answer it. One protocol per file
// (twilio.*, vonage.*, infobip.*, kannel.*, africastalking_sms.*, generic_json.*); routing,
// dedupe, keywords, sessions and the outbox are shared by all of them.
//
// Pure: no sockets, no storage, no clock (the time comes in RouteAuth::now_s), so every protocol is
// unit-tested with the providers' published vectors and recorded requests.
//
// Privacy: a decoded sender is a PhoneNumber (cannot be logged); errors name fields, never echo a
// number, a body or a secret.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "privacy/phone_number.hpp"

namespace ventanilla::carriers {

// HTTP header names compare case-insensitively (ASCII).
bool header_names_equal(std::string_view a, std::string_view b) noexcept;

// The parts of a webhook request a protocol reads (kept free of HTTP library types).
struct WebhookRequest {
  using Header = std::pair<std::string_view, std::string_view>;
  std::string_view method;  // "GET", "POST"
  std::string_view target;  // path + "?" + query, raw as received (still %-encoded)
  std::span<const Header> headers;
  std::string_view body;

  // First header with this name, case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  std::string_view path() const noexcept;   // before '?'
  std::string_view query() const noexcept;  // after '?', or ""
};

// What a route is configured with, for verifying and decoding its requests.
struct RouteAuth {
  // Current secret first, then previous ones during a rotation; any of them verifies. Never
  // logged, never part of an error.
  std::vector<std::string> secrets;
  // The exact URL configured at the carrier, when the protocol signs URLs (Twilio). Empty: the
  // caller rebuilds it from Host and path (local use; a warning is logged once).
  std::string public_url;
  // Signed timestamps (Vonage, generic) older or newer than this are replays or clock trouble.
  std::chrono::seconds timestamp_window{300};
  std::int64_t now_s = 0;  // Unix seconds, injected so protocols stay pure
  // Calling code assumed for senders given in national format (Kannel %p from a local SMSC).
  std::string default_calling_code;
};

struct InboundSms {
  std::string external_id;  // the carrier's message id (dedupe key); "" when it gives none
  privacy::PhoneNumber from;
  std::string to;            // our shortcode or number, as the carrier gives it
  std::string text;          // UTF-8
  std::string network_code;  // MCC+MNC when the carrier tells; else ""
  // One part of a concatenated message the carrier did not reassemble (Vonage): the pipeline
  // buffers parts by (from, ref) until `total` arrived.
  struct Part {
    std::string ref;
    std::uint32_t total = 0;
    std::uint32_t index = 0;  // 1-based
    bool operator==(const Part&) const = default;
  };
  std::optional<Part> part;
};

struct WebhookReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. X-Kannel-Coding
};

class SmsProtocol {
 public:
  virtual ~SmsProtocol() = default;

  virtual std::string_view name() const noexcept = 0;  // "twilio", "vonage", ...

  // Checks the request's signature where the protocol has one (Twilio, Vonage, generic), on the
  // raw bytes, before anything is decoded; compares in constant time. Capability-path protocols
  // (Kannel, Infobip, Africa's Talking SMS) return ok: their secret is checked by the route.
  // Errors: kPermissionDenied (missing or wrong signature, stale timestamp), detail without
  // secrets.
  virtual Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const = 0;

  // Decodes every message of the request (Infobip batches several; the others one). Errors:
  // kInvalidArgument naming the field ("From: missing"), never echoing values.
  virtual Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                                const RouteAuth& auth) const = 0;

  // True when the HTTP answer itself carries the reply SMS (Twilio TwiML, Kannel text/plain);
  // false when replies go out through the outbox and the answer is a bare acknowledgement.
  virtual bool replies_inline() const noexcept = 0;

  // The HTTP answer: `text` is the reply SMS for inline protocols (nullopt: no reply), ignored by
  // the others.
  virtual WebhookReply reply(std::optional<std::string_view> text) const = 0;
};

}  // namespace ventanilla::carriers
