#pragma once
// Africa's Talking incoming-SMS callbacks (docs: carrier-protocols.md §1.3): a form-encoded POST
// with from, to, text, date, id (the dedupe key) and, for premium flows, linkId. AT signs nothing:
// the route's path holds a capability secret (reliability.md §1, rule 6), checked before this
// protocol runs. Replies go out through the AT SMS API (outbox), so the answer is a bare 200 —
// anything else makes AT re-post for 10 minutes.

#include <cstddef>

#include "carriers/sms_protocol.hpp"

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

}  // namespace ventanilla::carriers
