#pragma once
// What every carrier's outbound side does, behind one interface: turn a message of the outbox into
// the HTTP call its API expects (prepare_send), classify the carrier's answer (read_send_response),
// and decode the delivery reports it posts back (parse_delivery_reports). Each carrier implements
// it in its own file, beside its inbound protocol (twilio.*, vonage.*, infobip.*, kannel.*,
// africastalking_sms.*).
//
// Pure like SmsProtocol: no sockets, no storage, no clock. The outbound loop (gateway/outbound/)
// owns leasing, rates, retries and the HTTP client; a sender only knows its carrier's wire format.
//
// Privacy: errors and reasons name fields and carrier codes, never a number, a text or a secret.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"
#include "common/error.hpp"

namespace ventanilla::carriers {

// How a route reaches its carrier's sending API (from [[route]] config; secrets from env/file).
struct SenderAccount {
  std::string base_url;  // "https://api.twilio.com", "http://127.0.0.1:13013" (Kannel smsbox)
  std::string account;   // AccountSid / api_key / username / Infobip: unused ("" )
  std::string secret;    // AuthToken / api_secret / password / AT apiKey / Infobip API key
  std::string from;      // our shortcode, long number or alphanumeric sender id
};

// One message, ready to go: the text is final (already transliterated for GSM-7 routes).
struct OutboundSms {
  std::string id;    // our outbox idempotency key: the client reference wherever the API has one
  std::string to;    // E.164 with '+', unsealed only for this call
  std::string text;  // UTF-8
  bool unicode = false;  // needs UCS-2 (the route allows it and the text is not GSM-7)
  // Where the carrier should post delivery reports for this message ("" = none). Built by the
  // outbound loop from the route's public URL; carries `id` where the API has no reference field.
  std::string status_callback_url;
};

struct HttpCall {
  std::string method;  // "GET" or "POST"
  std::string url;     // absolute: base_url + path + query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpAnswer {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const noexcept;  // case-insensitive
};

enum class SendVerdict {
  kSent,       // the carrier took it (external_id when it gave one)
  kRetryable,  // 5xx, 429, throttling, temporary errors: try again later
  kPermanent,  // bad number, opted out at the carrier, auth/config error: do not retry
};

struct SendResult {
  SendVerdict verdict = SendVerdict::kRetryable;
  std::string external_id;                          // the carrier's message id, "" if none
  std::optional<std::chrono::seconds> retry_after;  // from Retry-After or the carrier's hint
  std::string reason;  // short, loggable: "http 503", "twilio 21614 not a mobile number"
};

// One status set for every carrier's delivery reports.
enum class DeliveryStatus {
  kAccepted,     // queued/accepted/buffered at the carrier or SMSC
  kSent,         // handed to the network
  kDelivered,    // delivered to the handset
  kUndelivered,  // the network gave up (expired, rejected, unknown subscriber)
  kFailed,       // the carrier could not send it at all
};
std::string_view to_string(DeliveryStatus status) noexcept;  // "accepted", "sent", ...

struct DeliveryReport {
  std::string our_id;       // our idempotency key when the report carries it (Kannel URL, Infobip
                            // callbackData/messageId we chose), else ""
  std::string external_id;  // the carrier's message id, else ""
  DeliveryStatus status = DeliveryStatus::kAccepted;
  std::string carrier_status;  // the carrier's own word/code, e.g. "undelivered", "DELIVRD", "1"
  std::string error_code;      // carrier error code when given, else ""
  // Identifies this report among repeats (carriers retry callbacks): same key → same report.
  std::string dedupe_key;
};

class SmsSender {
 public:
  virtual ~SmsSender() = default;

  virtual std::string_view name() const noexcept = 0;  // "twilio", "vonage", ...

  // True when the API itself splits and concatenates long texts (one call per message); false
  // when the outbound loop must split on word boundaries and send each part.
  virtual bool concatenates() const noexcept = 0;

  // The HTTP call that sends `sms`. kInvalidArgument when the account lacks what the API needs
  // (named field, no value).
  virtual Result<HttpCall> prepare_send(const OutboundSms& sms,
                                        const SenderAccount& account) const = 0;

  // Classifies the carrier's answer to that call (transport failures are classified by the
  // outbound loop, not here). A 2xx whose body says the message was refused is not kSent.
  virtual SendResult read_send_response(const HttpAnswer& answer) const = 0;

  // Decodes a delivery-report request (status callback, DLR). Authentication is the route's job
  // (signature via the inbound SmsProtocol::verify, or the capability path). Errors:
  // kInvalidArgument naming the field.
  virtual Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const = 0;
};

// ---- Shared by the senders, so every carrier reads HTTP the same way --------------------------

// Retry-After in delta-seconds (RFC 9110 §10.2.3), capped at one day. An HTTP-date form gives
// nullopt: senders have no clock, and the outbound loop's backoff applies instead.
std::optional<std::chrono::seconds> retry_after(const HttpAnswer& answer) noexcept;

// What the status code alone says, for answers a carrier's body does not refine: 429, 408 and
// 5xx → kRetryable (with retry_after), other 4xx → kPermanent, 1xx/3xx (not an answer we asked
// for) → kRetryable, 2xx → kSent. reason "http <status>".
SendResult classify_http_status(const HttpAnswer& answer);

// base_url without its trailing '/' + path ("/sms/json").
std::string join_url(std::string_view base_url, std::string_view path);

// "+50255551234" → "50255551234" (the APIs that want digits only); nullopt unless `e164` is '+'
// followed by 7 to 15 digits.
std::optional<std::string> e164_digits(std::string_view e164);

}  // namespace ventanilla::carriers
