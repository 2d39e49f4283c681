#pragma once
// Vonage (Nexmo) SMS API inbound webhooks (docs: carrier-protocols.md §3): parameters arrive in
// the query (GET), a form body or a JSON object (POST), as the dashboard is set. Signed webhooks
// carry `sig` over every other parameter plus `timestamp` and `nonce`; a signature alone is not
// replay protection, so the timestamp must also fall within the route's window (reliability.md §1).
//
// Vonage does not reassemble long messages: each part arrives with concat-ref/-total/-part and
// becomes InboundSms::part for the pipeline to buffer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"

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

}  // namespace ventanilla::carriers
