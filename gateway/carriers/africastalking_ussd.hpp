#pragma once
// Africa's Talking USSD callbacks (docs: carrier-protocols.md §1.1), the shape many aggregators
// clone: a form-encoded POST per hop with sessionId, serviceCode, phoneNumber, networkCode and the
// cumulative `text`; the reply is text/plain starting "CON " (wait for input) or "END " (close).
// Africa's Talking signs nothing: verify() accepts every request (see UssdProtocol::verify).

#include "carriers/ussd_protocol.hpp"

namespace ventanilla::carriers {

class AfricasTalkingUssd final : public UssdProtocol {
 public:
  static constexpr std::size_t kMaxSessionIdBytes = 128;
  static constexpr std::size_t kMaxTextBytes = 1024;

  Result<void> verify(const WebhookRequest& request, const RouteAuth& auth) const override;
  Result<UssdHop> parse(const InboundRequest& request) const override;
  std::string_view reply_content_type() const noexcept override {
    return "text/plain; charset=utf-8";
  }
  UssdReply reply(std::string_view text, bool end) const override;
};

}  // namespace ventanilla::carriers
