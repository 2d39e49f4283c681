#pragma once
// Ventanilla's own SMS webhook protocol for carriers that integrate with us directly (full
// specification, with a worked signature vector: generic_json.md next to this file).
//
//   POST <route path>
//   Content-Type: application/json
//   X-Ventanilla-Timestamp: 1795924872
//   X-Ventanilla-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>
//   {"id":"...","from":"+502...","to":"...","text":"...","network":"704001"}
//
// The signature covers the raw body bytes and the timestamp, so a captured request cannot be
// replayed outside the route's timestamp window (reliability.md §1 rules 2 and 7); within it, the
// pipeline's dedupe on `id` makes a replay harmless.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carriers/sms_protocol.hpp"

namespace ventanilla::carriers {

// "sha256=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body): the value of
// X-Ventanilla-Signature (what a sender computes; exposed for tests and client tooling).
std::string generic_json_signature(std::string_view secret, std::string_view timestamp,
                                   std::string_view body);

class GenericJsonSms final : public SmsProtocol {
 public:
  static constexpr std::size_t kMaxIdBytes = 128;

  std::string_view name() const noexcept override { return "generic"; }

  // kPermissionDenied (where "generic"): "X-Ventanilla-Signature: missing",
  // "X-Ventanilla-Signature: not sha256=<64 hex digits>", "X-Ventanilla-Timestamp: missing",
  // "X-Ventanilla-Timestamp: not Unix seconds", "signature: does not match" (no configured secret
  // matched; every secret is tried, in constant time each), "X-Ventanilla-Timestamp: outside the
  // N s window" (|now - timestamp| > auth.timestamp_window, past or future).
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One message. kInvalidArgument naming the field: "method: not POST", "body: not valid JSON",
  // "body: not a JSON object", "id: missing", "id: not a printable id of at most 128 characters",
  // "from: missing", "from: not an international number", "to: missing", "text: missing",
  // "text: not a string", "network: not MCC+MNC (5 or 6 digits)". Unknown fields are ignored.
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return true; }

  // 200 application/json {"reply":"<text>"}, or {"reply":null} when there is no reply.
  WebhookReply reply(std::optional<std::string_view> text) const override;
};

}  // namespace ventanilla::carriers
