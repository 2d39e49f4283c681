#include "carriers/protocol_factory.hpp"

#include <fmt/format.h>

#include "carriers/africastalking_sms.hpp"
#include "carriers/generic_json.hpp"
#include "carriers/infobip.hpp"
#include "carriers/kannel.hpp"
#include "carriers/twilio.hpp"
#include "carriers/vonage.hpp"

namespace ventanilla::carriers {

Result<std::unique_ptr<SmsProtocol>> make_sms_protocol(std::string_view carrier,
                                                       std::string_view signature) {
  if (carrier == "twilio") return std::unique_ptr<SmsProtocol>(std::make_unique<TwilioSms>());
  if (carrier == "vonage") {
    const auto method = vonage_signature_method(signature);
    if (!method) {
      return make_error(ErrorCode::kInvalidArgument, "carrier",
                        fmt::format("unknown Vonage signature method {}", signature));
    }
    return std::unique_ptr<SmsProtocol>(std::make_unique<VonageSms>(*method));
  }
  if (carrier == "infobip") return std::unique_ptr<SmsProtocol>(std::make_unique<InfobipSms>());
  if (carrier == "kannel") return std::unique_ptr<SmsProtocol>(std::make_unique<KannelSms>());
  if (carrier == "africastalking")
    return std::unique_ptr<SmsProtocol>(std::make_unique<AfricasTalkingSms>());
  if (carrier == "generic") return std::unique_ptr<SmsProtocol>(std::make_unique<GenericJsonSms>());
  return make_error(ErrorCode::kInvalidArgument, "carrier",
                    fmt::format("unknown carrier {}", carrier));
}

Result<std::unique_ptr<SmsSender>> make_sms_sender(std::string_view carrier) {
  if (carrier == "twilio") return std::unique_ptr<SmsSender>(std::make_unique<TwilioSender>());
  if (carrier == "vonage") return std::unique_ptr<SmsSender>(std::make_unique<VonageSender>());
  if (carrier == "infobip") return std::unique_ptr<SmsSender>(std::make_unique<InfobipSender>());
  if (carrier == "kannel") return std::unique_ptr<SmsSender>(std::make_unique<KannelSender>());
  if (carrier == "africastalking")
    return std::unique_ptr<SmsSender>(std::make_unique<AfricasTalkingSmsSender>());
  if (carrier == "generic") {
    return make_error(ErrorCode::kInvalidArgument, "carrier",
                      "generic has no sender: its peers send on their own");
  }
  return make_error(ErrorCode::kInvalidArgument, "carrier",
                    fmt::format("unknown carrier {}", carrier));
}

bool uses_capability_path(std::string_view carrier) noexcept {
  return carrier == "kannel" || carrier == "infobip" || carrier == "africastalking";
}

}  // namespace ventanilla::carriers
