#pragma once
// Africa's Talking incoming-SMS callbacks (docs: carrier-protocols.md §1.3): a form-encoded POST
// with from, to, text, date, id (the dedupe key) and, for premium flows, linkId. AT signs nothing:
// the route's path holds a capability secret (reliability.md §1, rule 6), checked before this
// protocol runs. Replies go out through the AT SMS API (outbox), so the answer is a bare 200 —
// anything else makes AT re-post for 10 minutes.

#include <cstddef>

#include "carriers/sms_protocol.hpp"
#include "carriers/sms_sender.hpp"

namespace ventanilla::carriers {

class AfricasTalkingSms final : public SmsProtocol {
 public:
  static constexpr std::size_t kMaxIdBytes = 128;

  std::string_view name() const noexcept override { return "africastalking"; }

  // Always ok: the capability path is the route's check.
  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;

  // One message. kInvalidArgument naming the field: "from: missing", "id: missing", a
  // Content-Type other than a form, a malformed form body.
  Result<std::vector<InboundSms>> parse(const WebhookRequest& request,
                                        const RouteAuth& auth) const override;

  bool replies_inline() const noexcept override { return false; }
  WebhookReply reply(std::optional<std::string_view> text) const override;
};

// Africa's Talking SMS API (carrier-protocols.md §1.4, official SDK lib/sms.js):
//   POST {base}/version1/messaging, headers apiKey and Accept: application/json, form username,
//   to, message, from (when the route has a sender id), bulkSMSMode=1.
// AT has no client-reference field and takes the delivery-report URL from the dashboard, not per
// message: reports carry only AT's messageId, so status_callback_url is not sent and our_id stays
// "". AT encodes and concatenates long texts itself.
class AfricasTalkingSmsSender final : public SmsSender {
 public:
  static constexpr std::size_t kMaxIdBytes = AfricasTalkingSms::kMaxIdBytes;

  std::string_view name() const noexcept override { return "africastalking"; }
  bool concatenates() const noexcept override { return true; }

  // kInvalidArgument: "base_url: missing", "account: missing" (username), "secret: missing"
  // (apiKey), "to: not an E.164 number".
  Result<HttpCall> prepare_send(const OutboundSms& sms,
                                const SenderAccount& account) const override;

  // 201 (or 200) with SMSMessageData.Recipients[0].statusCode 100/101/102 → kSent with its
  // messageId. Recipient codes 401–409 → kPermanent except 405 InsufficientBalance (kRetryable:
  // a top-up fixes it); 500–502 → kRetryable; reason "africastalking <code> <status word>".
  // No recipient in a 2xx → kPermanent (AT refused the whole request); garbage → kRetryable.
  // Other HTTP statuses by classify_http_status.
  SendResult read_send_response(const HttpAnswer& answer) const override;

  // One delivery report, a form POST: id, status (Sent Submitted Buffered Rejected Success Failed
  // AbsentSubscriber Expired), failureReason (→ error_code). kInvalidArgument: "id: missing",
  // "status: missing", "status: not an Africa's Talking delivery status", form errors.
  Result<std::vector<DeliveryReport>> parse_delivery_reports(
      const WebhookRequest& request) const override;
};

}  // namespace ventanilla::carriers
