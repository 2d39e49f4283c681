#pragma once
// Ventanilla's own SMS and USSD webhook protocol for carriers that integrate with us directly
// (full specification, with worked signature vectors: generic_json.md next to this file).
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
//
// The USSD variant (GenericJsonUssd, route carrier "generic-ussd") has the same envelope and
// signature; its body is one turn of a session:
//   {"session":"...","from":"+502...","service_code":"*123#","input":"1*2","network":"704001"}
// with `input` cumulative ('*'-joined, "" on the first turn), answered
//   {"reply":"...","end":false}

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carriers/sms_protocol.hpp"
#include "carriers/ussd_protocol.hpp"

namespace ventanilla::carriers {

// "sha256=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body): the value of
// X-Ventanilla-Signature (what a sender computes; exposed for tests and client tooling).
std::string generic_json_signature(std::string_view secret, std::string_view timestamp,
                                   std::string_view body);

// The signature check both variants share (generic_json.md §2); `where` names the protocol in
// errors. kPermissionDenied: "X-Ventanilla-Signature: missing",
// "X-Ventanilla-Signature: not sha256=<64 hex digits>", "X-Ventanilla-Timestamp: missing",
// "X-Ventanilla-Timestamp: not Unix seconds", "signature: does not match" (no configured secret
// matched; every secret is tried, in constant time each; empty secrets never match),
// "X-Ventanilla-Timestamp: outside the N s window" (|now - timestamp| > auth.timestamp_window).
Result<void> verify_generic_json_signature(const WebhookRequest& request, const RouteAuth& auth,
                                           std::string_view where);

class GenericJsonSms final : public SmsProtocol {
 public:
  static constexpr std::size_t kMaxIdBytes = 128;

  std::string_view name() const noexcept override { return "generic"; }

  // verify_generic_json_signature with where "generic".
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

class GenericJsonUssd final : public UssdProtocol {
 public:
  static constexpr std::size_t kMaxSessionBytes = 128;
  static constexpr std::size_t kMaxServiceCodeBytes = 32;
  static constexpr std::size_t kMaxInputBytes = 1024;

  // verify_generic_json_signature with where "generic-ussd".
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One turn. kInvalidArgument naming the field: "body: not valid JSON", "body: not a JSON
  // object", "session: missing", "session: not a printable id of at most 128 characters",
  // "from: missing", "from: not an international number", "service_code: not a USSD code (digits,
  // * and #, at most 32)", "input: missing (it is \"\", not absent, on the first turn)",
  // "input: not a string", "input: longer than 1024 bytes", "network: not MCC+MNC (5 or 6
  // digits)", "<field>: not a string". Unknown fields are ignored; null counts as absent.
  Result<UssdHop> parse(const InboundRequest& request) const override;

  std::string_view reply_content_type() const noexcept override { return "application/json"; }

  // {"reply":"<text>","end":<end>}.
  UssdReply reply(std::string_view text, bool end) const override;
};

}  // namespace ventanilla::carriers
