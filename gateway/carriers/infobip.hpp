#pragma once
// Infobip inbound SMS forwarding, format MO_JSON_2 (docs: carrier-protocols.md §4.1): one POST
// carries a JSON batch `{"results":[{messageId, from, to, text, ...}, ...]}`. Infobip signs
// nothing; the route's capability secret in the path (and optional Basic auth, also the route's
// job) authenticates it (reliability.md §1 rule 6).
//
// A batch is all or nothing (reliability.md §2 rule 3): one malformed result rejects the whole
// request, naming the result's index and field, so nothing is half-stored and Infobip's retry of
// the whole batch is safe (per-message dedupe on messageId).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carriers/sms_protocol.hpp"

namespace ventanilla::carriers {

class InfobipSms final : public SmsProtocol {
 public:
  // Results per request accepted; a larger batch is not something Infobip pushes.
  static constexpr std::size_t kMaxResults = 100;
  static constexpr std::size_t kMaxMessageIdBytes = 128;

  std::string_view name() const noexcept override { return "infobip"; }

  // Always ok: the capability path (and optional Basic auth) is checked by the route.
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // Every result, in order. kInvalidArgument (where "infobip"): "body: not valid JSON",
  // "body: not a JSON object", "results: missing", "results: not an array", "results: empty",
  // "results: more than 100 messages", "results[2]: not an object",
  // "results[2].messageId: missing", "results[2].from: not an international number",
  // "results[2].text: not a string", ... Unknown fields (cleanText, keyword, price, ...) are
  // ignored. Numbers and texts are never echoed.
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return false; }

  // 200 with an empty body (replies go out through the outbox).
  WebhookReply reply(std::optional<std::string_view> text) const override;
};

}  // namespace ventanilla::carriers
