#include "carriers/africastalking_sms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cstdint>

#include "carriers/field_checks.hpp"
#include "carriers/form_body.hpp"

namespace ventanilla::carriers {

namespace {

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "africastalking sms", std::move(detail));
}

bool is_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<void> AfricasTalkingSms::verify(const WebhookRequest& /*request*/,
                                       const RouteAuth& /*auth*/) const {
  return {};
}

Result<std::vector<InboundSms>> AfricasTalkingSms::parse(const WebhookRequest& request,
                                                         const RouteAuth& /*auth*/) const {
  std::string_view type = request.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (!type.empty() && !iequals(type, "application/x-www-form-urlencoded")) {
    return invalid(fmt::format("Content-Type {} (expected application/x-www-form-urlencoded)",
                               type.substr(0, 80)));
  }
  auto form = FormFields::parse(request.body);
  if (!form) return invalid(form.error().detail);

  const auto from = form->get("from");
  if (!from || from->empty()) return invalid("from: missing");
  auto number = privacy::PhoneNumber::parse(*from);
  if (!number) return invalid("from: not an international number");  // never echo it

  const auto id = form->get("id");
  if (!id || id->empty()) return invalid("id: missing");
  if (id->size() > kMaxIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("id: not a printable id of at most {} characters", kMaxIdBytes));

  // date and linkId are not used: the pipeline stamps its own receive time, and premium
  // (linkId) replies are not a flow Ventanilla offers.
  const std::string_view text = form->get("text").value_or("");
  if (!valid_utf8(text)) return invalid("text: not valid UTF-8");
  InboundSms sms{std::string(*id), std::move(*number), std::string(form->get("to").value_or("")),
                 std::string(text)};
  const std::string_view network = form->get("networkCode").value_or("");
  // Informational only: a malformed one is dropped rather than refusing the message.
  if (network.size() <= 8 && is_digits(network)) sms.network_code = std::string(network);

  std::vector<InboundSms> out;
  out.push_back(std::move(sms));
  return out;
}

WebhookReply AfricasTalkingSms::reply(std::optional<std::string_view> /*text*/) const {
  WebhookReply r;
  r.status = 200;
  r.body.clear();
  return r;
}

// ---- Outbound: SMS API ------------------------------------------------------------------------

namespace {

// Short words AT puts in `status` / `failureReason` ("InvalidPhoneNumber"): safe to log once
// checked, since they never carry a number or a text.
bool loggable_word(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// Documented statuses (carrier-protocols.md §1.3, [A4]): Sent Submitted Buffered Rejected
// Success Failed. AbsentSubscriber and Expired are assumed from client code, not AT's page.
// Failed is AT's final "could not deliver" whose failureReason says why (often account-side:
// InsufficientCredit, UserInBlackList), so it maps to kFailed rather than kUndelivered.
std::optional<DeliveryStatus> at_delivery_status(std::string_view s) noexcept {
  if (s == "Success") return DeliveryStatus::kDelivered;
  // Sent: handed to the telco; Submitted: handed to the mobile service provider.
  if (s == "Sent" || s == "Submitted") return DeliveryStatus::kSent;
  if (s == "Buffered") return DeliveryStatus::kAccepted;  // queued by the telco
  if (s == "Rejected" || s == "AbsentSubscriber" || s == "Expired")
    return DeliveryStatus::kUndelivered;
  if (s == "Failed") return DeliveryStatus::kFailed;
  return std::nullopt;
}

}  // namespace

Result<HttpCall> AfricasTalkingSmsSender::prepare_send(const OutboundSms& sms,
                                                       const SenderAccount& account) const {
  if (account.base_url.empty()) return invalid("base_url: missing");
  if (account.account.empty()) return invalid("account: missing");
  if (account.secret.empty()) return invalid("secret: missing");
  if (!e164_digits(sms.to)) return invalid("to: not an E.164 number");

  HttpCall call;
  call.method = "POST";
  call.url = join_url(account.base_url, "/version1/messaging");
  call.headers = {{"apiKey", account.secret},
                  {"Accept", "application/json"},
                  {"Content-Type", "application/x-www-form-urlencoded"}};
  append_form_field(call.body, "username", account.account);
  append_form_field(call.body, "to", sms.to);
  append_form_field(call.body, "message", sms.text);
  if (!account.from.empty()) append_form_field(call.body, "from", account.from);
  append_form_field(call.body, "bulkSMSMode", "1");
  return call;
}

SendResult AfricasTalkingSmsSender::read_send_response(const HttpAnswer& answer) const {
  SendResult result = classify_http_status(answer);
  if (result.verdict != SendVerdict::kSent) return result;

  auto retry = [&](std::string_view why) {
    return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                      fmt::format("http {}: {}", answer.status, why)};
  };
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(answer.body, ec);
  if (ec || !doc.is_object()) return retry("answer is not a JSON object");
  const boost::json::value* data = doc.get_object().if_contains("SMSMessageData");
  if (!data || !data->is_object()) return retry("SMSMessageData missing");
  const boost::json::value* recipients_value = data->get_object().if_contains("Recipients");
  const boost::json::array* recipients = recipients_value ? recipients_value->if_array() : nullptr;
  if (!recipients) return retry("SMSMessageData.Recipients missing");
  // AT answers 201 with no recipients when it refuses the request as a whole (bad sender id,
  // every number invalid): sending it again would be refused again.
  if (recipients->empty())
    return SendResult{SendVerdict::kPermanent, "", std::nullopt,
                      "africastalking: no recipient accepted"};

  const boost::json::object* recipient = recipients->front().if_object();
  const boost::json::value* code_value = recipient ? recipient->if_contains("statusCode") : nullptr;
  if (!code_value || !code_value->is_int64()) return retry("Recipients[0].statusCode missing");
  const std::int64_t code = code_value->get_int64();
  std::string_view word;
  if (const boost::json::value* w = recipient->if_contains("status"))
    if (const auto* s = w->if_string(); s && loggable_word(*s)) word = *s;
  const std::string reason = word.empty() ? fmt::format("africastalking {}", code)
                                          : fmt::format("africastalking {} {}", code, word);

  if (code == 100 || code == 101 || code == 102) {  // Processed, Sent, Queued
    const boost::json::value* id = recipient->if_contains("messageId");
    const boost::json::string* s = id ? id->if_string() : nullptr;
    if (!s || s->empty() || s->size() > kMaxIdBytes || !printable_ascii(*s))
      return retry("Recipients[0].messageId missing");
    return SendResult{SendVerdict::kSent, std::string(*s), std::nullopt, ""};
  }
  // Recipient statusCode values: [A9] (several independent clients agree; AT's page not read).
  if (code == 405 || (code >= 500 && code <= 502))
    return SendResult{SendVerdict::kRetryable, "", retry_after(answer), reason};
  return SendResult{SendVerdict::kPermanent, "", std::nullopt, reason};
}

Result<std::vector<DeliveryReport>> AfricasTalkingSmsSender::parse_delivery_reports(
    const WebhookRequest& request) const {
  if (request.method != "POST") return invalid("method: not POST");
  auto form = FormFields::parse(request.body);
  if (!form) return invalid(form.error().detail);

  const auto id = form->get("id");
  if (!id || id->empty()) return invalid("id: missing");
  if (id->size() > kMaxIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("id: not a printable id of at most {} characters", kMaxIdBytes));
  const auto status_word = form->get("status");
  if (!status_word || status_word->empty()) return invalid("status: missing");
  const auto status = at_delivery_status(*status_word);
  if (!status) return invalid("status: not an Africa's Talking delivery status");
  const std::string_view failure = form->get("failureReason").value_or("");
  // A reason we cannot log safely is dropped, not a refusal: the status is what matters.
  const std::string_view reason = loggable_word(failure) ? failure : std::string_view();

  DeliveryReport report;
  report.external_id = std::string(*id);
  report.status = *status;
  report.carrier_status = std::string(*status_word);
  report.error_code = std::string(reason);
  // AT re-posts a report until it gets 200 (retryCount grows; not part of the key).
  report.dedupe_key = fmt::format("africastalking {} {} {}", *id, *status_word, reason);
  std::vector<DeliveryReport> out;
  out.push_back(std::move(report));
  return out;
}

}  // namespace ventanilla::carriers
