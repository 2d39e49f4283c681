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
#include "carriers/sms_sender.hpp"

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

// Infobip SMS API (carrier-protocols.md §4.1 "Outbound"; infobip.com/docs/api "Send SMS message",
// "Receive outbound SMS message report"):
//   POST {base}/sms/2/text/advanced, Authorization: App <api key>, JSON
//   {"messages":[{"destinations":[{"to":"<digits>","messageId":"<our id>"}],"from":...,
//   "text":...,"notifyUrl":...,"notifyContentType":"application/json","callbackData":"<our id>"}]}
// The `App` authorization scheme is marked UNCONFIRMED in §4.1; Infobip's own code samples (public
// repositories) send it. Status groups 1–5 and the status/error objects: Infobip's "response
// status and error codes" page, via a third-party summary.
// Our id is both the message id we ask Infobip to use and the callbackData, so every report
// names it. Infobip picks the encoding and concatenates long texts itself.
class InfobipSender final : public SmsSender {
 public:
  std::string_view name() const noexcept override { return "infobip"; }
  bool concatenates() const noexcept override { return true; }

  // kInvalidArgument: "base_url: missing", "secret: missing" (API key), "to: not an E.164
  // number", "id: missing".
  Result<HttpCall> prepare_send(const OutboundSms& sms,
                                const SenderAccount& account) const override;

  // 200 with messages[0].status.groupName PENDING (or DELIVERED) → kSent (external_id =
  // messages[0].messageId). REJECTED, UNDELIVERABLE, EXPIRED → kPermanent, except
  // REJECTED_NOT_ENOUGH_CREDITS (kRetryable) and REJECTED_DUPLICATE_MESSAGE_ID (kSent: the id is
  // ours, so Infobip already has this message). reason "infobip <group> <status name>". Error
  // answers by HTTP status, with requestError.serviceException.messageId ("UNAUTHORIZED") added
  // to the reason. Garbage → kRetryable.
  SendResult read_send_response(const HttpAnswer& answer) const override;

  // Every report of a JSON batch {"results":[{messageId, status{groupName,name}, error{id,name},
  // callbackData}, ...]}, all or nothing. kInvalidArgument: "body: not valid JSON",
  // "results: missing", "results[1].messageId: missing", "results[1].status.groupName: missing",
  // "results[1].status.groupName: not a known group", ...
  Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const override;
};

}  // namespace ventanilla::carriers
