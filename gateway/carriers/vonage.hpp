#pragma once
// Vonage (Nexmo) SMS API inbound webhooks (docs: carrier-protocols.md §3): parameters arrive in
// the query (GET), a form body or a JSON object (POST), as the dashboard is set. Signed webhooks
// carry `sig` over every other parameter plus `timestamp` and `nonce`; a signature alone is not
// replay protection, so the timestamp must also fall within the route's window (reliability.md §1).
//
// Vonage does not reassemble long messages: each part arrives with concat-ref/-total/-part and
// becomes InboundSms::part for the pipeline to buffer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"
#include "carriers/sms_sender.hpp"

namespace ventanilla::carriers {

// As chosen in the Vonage dashboard. kMd5Hash is Vonage's default: MD5 of the string followed by
// the secret (lowercase hex); the others are HMACs keyed with the secret (uppercase hex).
enum class VonageSignatureMethod { kMd5Hash, kMd5, kSha1, kSha256, kSha512 };

// The dashboard's name for a method ("md5hash", "md5", "sha1", "sha256", "sha512"), as route
// configuration spells it; nullopt for any other name.
std::optional<VonageSignatureMethod> vonage_signature_method(std::string_view name) noexcept;

// The `sig` Vonage sends for these parameters (decoded values; a `sig` among them is skipped):
// sorted by name in byte order, joined as "&k=v" with every '&' and '=' inside a value replaced by
// '_'. Exact case per method: lowercase hex for kMd5Hash, uppercase for the HMACs.
std::string vonage_signature(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view secret, VonageSignatureMethod method);

class VonageSms final : public SmsProtocol {
 public:
  // Vonage sends at most 16 parts for a concatenated message in practice; more is not a message.
  static constexpr std::uint32_t kMaxConcatParts = 16;
  static constexpr std::size_t kMaxMessageIdBytes = 64;

  // `require_signature` false accepts unsigned requests (a route without signing enabled at
  // Vonage); a request that does carry `sig` is still checked.
  explicit VonageSms(VonageSignatureMethod method = VonageSignatureMethod::kMd5Hash,
                     bool require_signature = true) noexcept
      : method_(method), require_signature_(require_signature) {}

  std::string_view name() const noexcept override { return "vonage"; }

  // kPermissionDenied: "sig: missing", "sig: does not match" (no secret matched),
  // "timestamp: missing", "timestamp: not Unix seconds", "timestamp: outside the N s window".
  // kInvalidArgument: a body or query that cannot be decoded (the same errors as parse()).
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One message. kInvalidArgument naming the field: "msisdn: missing", "messageId: missing",
  // "type: binary messages are not supported", "concat-total: ...", ...
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return false; }

  // 200 with an empty body: anything but 200/204 makes Vonage resend for 24 hours.
  WebhookReply reply(std::optional<std::string_view> text) const override;

 private:
  VonageSignatureMethod method_;
  bool require_signature_;
};

// Vonage SMS API (carrier-protocols.md §3.3; developer.vonage.com "Troubleshooting SMS" and
// "API Errors / SMS API" for the status codes):
//   POST {base}/sms/json, form api_key, api_secret, from, to (digits, no '+'), text,
//   type=unicode for UCS-2 texts, client-ref = our id, callback = where DLRs go.
// Vonage answers 200 even when it refuses a message: the verdict is in messages[].status.
// Vonage splits long texts itself and answers one messages[] entry per part.
class VonageSender final : public SmsSender {
 public:
  // Vonage documents client-ref as at most 40 characters in its older reference and 100 in the
  // newer one; the smaller bound is the one that cannot be truncated by either.
  static constexpr std::size_t kMaxClientRefBytes = 40;

  std::string_view name() const noexcept override { return "vonage"; }
  bool concatenates() const noexcept override { return true; }

  // kInvalidArgument: "base_url: missing", "account: missing" (api_key), "secret: missing",
  // "from: missing", "to: not an E.164 number", "id: not a client-ref of at most 40 printable
  // characters".
  Result<HttpCall> prepare_send(const OutboundSms& sms,
                                const SenderAccount& account) const override;

  // 200 and every messages[].status "0" → kSent (external_id = the first part's message-id).
  // Status 1 (throttled), 5 (internal error), 9 (no credit) and 10 (too many binds) →
  // kRetryable; any other status → kPermanent, reason "vonage <status> <meaning>" (Vonage's
  // error-text is never copied). Non-200 answers by HTTP status; garbage → kRetryable.
  SendResult read_send_response(const HttpAnswer& answer) const override;

  // One DLR, as a GET query, a POST form or a POST JSON object (dashboard setting): messageId,
  // status (delivered expired failed rejected accepted buffered unknown), err-code, client-ref
  // (→ our_id). kInvalidArgument: "messageId: missing", "status: missing", "status: not a
  // Vonage DLR status", "err-code: not a number", decoding errors.
  Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const override;
};

}  // namespace ventanilla::carriers
