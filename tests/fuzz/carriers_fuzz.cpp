// Every carrier's inbound parsing and signature canonicalization (SMS and USSD webhooks) and
// every delivery-report parser: the code that reads bytes from the Internet first. Properties
// besides "no crash": a parsed message or hop is usable downstream (valid UTF-8 text, an
// E.164 number), and reply() renders whatever text it is given.
#include <memory>
#include <string>

#include "carriers/africastalking_ussd.hpp"
#include "carriers/generic_json.hpp"
#include "carriers/protocol_factory.hpp"
#include "carriers/sms_sender.hpp"
#include "fuzz_target.hpp"
#include "raw_request.hpp"
#include "text/gsm7.hpp"

namespace ventanilla::fuzz {
namespace {

const carriers::RouteAuth& route_auth() {
  static const carriers::RouteAuth auth = [] {
    carriers::RouteAuth a;
    // The fixtures' secrets are not these: the corpora reach the parsers because every target
    // parses whether or not the signature verified, as a real attacker's request would not.
    a.secrets = {"fuzz-current-secret-0123456789", "fuzz-previous-secret-0123456789"};
    a.public_url = "https://sms.example.org/v1/twilio/sms";
    a.now_s = 1'764'000'000;
    a.default_calling_code = "502";
    return a;
  }();
  return auth;
}

bool valid_utf8(std::string_view s) {
  // decode_utf8 maps each invalid byte to U+FFFD; valid text round-trips byte for byte.
  std::string again;
  for (const char32_t cp : text::decode_utf8(s)) text::append_utf8(again, cp);
  return again == s;
}

void sms_protocol(std::string_view carrier, std::string_view data) {
  static std::map<std::string, std::unique_ptr<carriers::SmsProtocol>> protocols;
  auto& protocol = protocols[std::string(carrier)];
  if (!protocol) {
    auto made = carriers::make_sms_protocol(carrier, "md5hash");
    protocol = std::move(*made);
  }
  const RawRequest raw(data);
  const carriers::WebhookRequest request = raw.view();
  (void)protocol->verify(request, route_auth());
  auto messages = protocol->parse(request, route_auth());
  if (!messages) {
    FUZZ_CHECK(!messages.error().detail.empty());
    return;
  }
  for (const auto& m : *messages) {
    FUZZ_CHECK(valid_utf8(m.text));
    FUZZ_CHECK(m.from.e164().size() >= 2 && m.from.e164()[0] == '+');
    if (m.part) FUZZ_CHECK(m.part->index >= 1 && m.part->index <= m.part->total);
    const auto reply = protocol->reply(m.text);
    FUZZ_CHECK(reply.status >= 200 && reply.status < 300);
  }
}

void ussd_protocol(const carriers::UssdProtocol& protocol, std::string_view data) {
  const RawRequest raw(data);
  const carriers::WebhookRequest request = raw.view();
  (void)protocol.verify(request, route_auth());
  const carriers::InboundRequest inbound{request.header("Content-Type").value_or(""), raw.body};
  auto hop = protocol.parse(inbound);
  if (!hop) {
    FUZZ_CHECK(!hop.error().detail.empty());
    return;
  }
  FUZZ_CHECK(!hop->session_id.empty());
  FUZZ_CHECK(hop->phone.e164().size() >= 2 && hop->phone.e164()[0] == '+');
  const auto reply = protocol.reply(hop->text, hop->text.size() % 2 == 0);
  FUZZ_CHECK(!reply.content_type.empty());
}

void delivery_reports(std::string_view carrier, std::string_view data) {
  static std::map<std::string, std::unique_ptr<carriers::SmsSender>> senders;
  auto& sender = senders[std::string(carrier)];
  if (!sender) {
    auto made = carriers::make_sms_sender(carrier);
    sender = std::move(*made);
  }
  const RawRequest raw(data);
  auto reports = sender->parse_delivery_reports(raw.view());
  if (!reports) return;
  for (const auto& r : *reports) FUZZ_CHECK(!r.dedupe_key.empty());
  // The same bytes as the carrier's answer to a send call.
  carriers::HttpAnswer answer;
  answer.status = 200 + static_cast<unsigned>(data.size() % 300);
  for (const auto& [name, value] : raw.headers) answer.headers.emplace_back(name, value);
  answer.body = raw.body;
  (void)sender->read_send_response(answer);
}

}  // namespace
}  // namespace ventanilla::fuzz

using ventanilla::fuzz::delivery_reports;
using ventanilla::fuzz::sms_protocol;

VENTANILLA_FUZZ_TARGET(sms_twilio) { sms_protocol("twilio", data); }
VENTANILLA_FUZZ_TARGET(sms_vonage) { sms_protocol("vonage", data); }
VENTANILLA_FUZZ_TARGET(sms_infobip) { sms_protocol("infobip", data); }
VENTANILLA_FUZZ_TARGET(sms_kannel) { sms_protocol("kannel", data); }
VENTANILLA_FUZZ_TARGET(sms_africastalking) { sms_protocol("africastalking", data); }
VENTANILLA_FUZZ_TARGET(sms_generic) { sms_protocol("generic", data); }

VENTANILLA_FUZZ_TARGET(ussd_africastalking) {
  static const ventanilla::carriers::AfricasTalkingUssd protocol;
  ventanilla::fuzz::ussd_protocol(protocol, data);
}
VENTANILLA_FUZZ_TARGET(ussd_generic) {
  static const ventanilla::carriers::GenericJsonUssd protocol;
  ventanilla::fuzz::ussd_protocol(protocol, data);
}

VENTANILLA_FUZZ_TARGET(dlr_twilio) { delivery_reports("twilio", data); }
VENTANILLA_FUZZ_TARGET(dlr_vonage) { delivery_reports("vonage", data); }
VENTANILLA_FUZZ_TARGET(dlr_infobip) { delivery_reports("infobip", data); }
VENTANILLA_FUZZ_TARGET(dlr_kannel) { delivery_reports("kannel", data); }
VENTANILLA_FUZZ_TARGET(dlr_africastalking) { delivery_reports("africastalking", data); }
