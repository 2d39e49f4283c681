#include "carriers/infobip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "carriers/field_checks.hpp"
#include "carriers/json_body.hpp"

namespace ventanilla::carriers {

namespace {

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "infobip", std::move(detail));
}

// A string member of a result; "results[i].name: missing" / ": not a string" otherwise.
Result<std::string_view> string_field(const boost::json::object& result, std::size_t index,
                                      std::string_view name) {
  const boost::json::value* value = result.if_contains(name);
  if (!value || value->is_null())
    return invalid(fmt::format("results[{}].{}: missing", index, name));
  const boost::json::string* s = value->if_string();
  if (!s) return invalid(fmt::format("results[{}].{}: not a string", index, name));
  return std::string_view(*s);
}

Result<InboundSms> decode_result(const boost::json::value& value, std::size_t i) {
  const boost::json::object* result = value.if_object();
  if (!result) return invalid(fmt::format("results[{}]: not an object", i));

  auto id = string_field(*result, i, "messageId");
  if (!id) return id.error();
  if (id->empty()) return invalid(fmt::format("results[{}].messageId: missing", i));
  if (id->size() > InfobipSms::kMaxMessageIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("results[{}].messageId: not a printable id of at most {} characters",
                               i, InfobipSms::kMaxMessageIdBytes));

  auto from = string_field(*result, i, "from");
  if (!from) return from.error();
  if (from->empty()) return invalid(fmt::format("results[{}].from: missing", i));
  // Infobip may report an alphanumeric sender; a migrant's phone always has a number.
  auto number = privacy::PhoneNumber::parse(*from);
  if (!number) return invalid(fmt::format("results[{}].from: not an international number", i));

  auto to = string_field(*result, i, "to");
  if (!to) return to.error();
  if (to->empty()) return invalid(fmt::format("results[{}].to: missing", i));

  auto text = string_field(*result, i, "text");  // "" is a valid (empty) message
  if (!text) return text.error();

  return InboundSms{std::string(*id), std::move(*number), std::string(*to), std::string(*text)};
}

}  // namespace

Result<void> InfobipSms::verify(const WebhookRequest& /*request*/,
                                const RouteAuth& /*auth*/) const {
  return {};
}

Result<std::vector<InboundSms>> InfobipSms::parse(const WebhookRequest& request,
                                                  const RouteAuth& /*auth*/) const {
  if (request.method != "POST") return invalid("method: not POST");
  // Boost.JSON rejects invalid UTF-8 in strings by default, so every text below is UTF-8.
  const auto doc = parse_json_object(request.body, "infobip");
  if (!doc) return doc.error();
  const boost::json::object* object = &*doc;
  const boost::json::value* results_value = object->if_contains("results");
  if (!results_value) return invalid("results: missing");
  const boost::json::array* results = results_value->if_array();
  if (!results) return invalid("results: not an array");
  if (results->empty()) return invalid("results: empty");
  if (results->size() > kMaxResults)
    return invalid(fmt::format("results: more than {} messages", kMaxResults));

  std::vector<InboundSms> out;
  out.reserve(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto sms = decode_result((*results)[i], i);
    if (!sms) return sms.error();  // all or nothing
    out.push_back(std::move(*sms));
  }
  return out;
}

WebhookReply InfobipSms::reply(std::optional<std::string_view> /*text*/) const {
  WebhookReply r;
  r.status = 200;
  r.body.clear();
  return r;
}

// ---- Outbound: SMS API ------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxWordBytes = 64;

// Infobip's status and error names are upper-case enum words ("REJECTED_NETWORK"): safe to log.
bool enum_word(std::string_view s) noexcept {
  return !s.empty() && s.size() <= kMaxWordBytes && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const boost::json::object* object_member(const boost::json::object* o, std::string_view name) {
  const boost::json::value* v = o ? o->if_contains(name) : nullptr;
  return v ? v->if_object() : nullptr;
}

std::string_view string_member(const boost::json::object* o, std::string_view name) {
  const boost::json::value* v = o ? o->if_contains(name) : nullptr;
  const boost::json::string* s = v ? v->if_string() : nullptr;
  return s ? std::string_view(*s) : std::string_view();
}

// Status groups (documented ids 1..5): PENDING, UNDELIVERABLE, DELIVERED, EXPIRED, REJECTED.
std::optional<DeliveryStatus> infobip_group(std::string_view group) noexcept {
  if (group == "PENDING") return DeliveryStatus::kAccepted;
  if (group == "DELIVERED") return DeliveryStatus::kDelivered;
  if (group == "UNDELIVERABLE" || group == "EXPIRED") return DeliveryStatus::kUndelivered;
  if (group == "REJECTED") return DeliveryStatus::kFailed;
  return std::nullopt;
}

Result<DeliveryReport> decode_report(const boost::json::value& value, std::size_t i) {
  const boost::json::object* result = value.if_object();
  if (!result) return invalid(fmt::format("results[{}]: not an object", i));

  auto id = string_field(*result, i, "messageId");
  if (!id) return id.error();
  if (id->empty()) return invalid(fmt::format("results[{}].messageId: missing", i));
  if (id->size() > InfobipSms::kMaxMessageIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("results[{}].messageId: not a printable id of at most {} characters",
                               i, InfobipSms::kMaxMessageIdBytes));

  const boost::json::object* status = object_member(result, "status");
  if (!status) return invalid(fmt::format("results[{}].status: missing", i));
  const std::string_view group = string_member(status, "groupName");
  if (group.empty()) return invalid(fmt::format("results[{}].status.groupName: missing", i));
  const auto mapped = infobip_group(group);
  if (!mapped) return invalid(fmt::format("results[{}].status.groupName: not a known group", i));
  const std::string_view status_name = string_member(status, "name");

  DeliveryReport report;
  report.external_id = std::string(*id);
  report.status = *mapped;
  report.carrier_status = std::string(enum_word(status_name) ? status_name : group);
  // error.id 0 is Infobip's "NO_ERROR".
  if (const boost::json::object* error = object_member(result, "error")) {
    const boost::json::value* code = error->if_contains("id");
    if (code && code->is_int64() && code->get_int64() != 0)
      report.error_code = std::to_string(code->get_int64());
  }
  const std::string_view callback = string_member(result, "callbackData");
  if (callback.size() <= InfobipSms::kMaxMessageIdBytes && printable_ascii(callback))
    report.our_id = std::string(callback);
  report.dedupe_key =
      fmt::format("infobip {} {} {}", *id, report.carrier_status, report.error_code);
  return report;
}

}  // namespace

Result<HttpCall> InfobipSender::prepare_send(const OutboundSms& sms,
                                             const SenderAccount& account) const {
  if (account.base_url.empty()) return invalid("base_url: missing");
  if (account.secret.empty()) return invalid("secret: missing");
  const auto to = e164_digits(sms.to);
  if (!to) return invalid("to: not an E.164 number");
  if (sms.id.empty() || sms.id.size() > InfobipSms::kMaxMessageIdBytes || !printable_ascii(sms.id))
    return invalid("id: missing");

  boost::json::object destination;
  destination["to"] = *to;
  destination["messageId"] = sms.id;
  boost::json::object message;
  message["destinations"] = boost::json::array{std::move(destination)};
  if (!account.from.empty()) message["from"] = account.from;
  message["text"] = sms.text;
  if (!sms.status_callback_url.empty()) {
    message["notifyUrl"] = sms.status_callback_url;
    message["notifyContentType"] = "application/json";
  }
  message["callbackData"] = sms.id;
  boost::json::object body;
  body["messages"] = boost::json::array{std::move(message)};

  HttpCall call;
  call.method = "POST";
  call.url = join_url(account.base_url, "/sms/2/text/advanced");
  call.headers = {{"Authorization", "App " + account.secret},
                  {"Content-Type", "application/json"},
                  {"Accept", "application/json"}};
  call.body = boost::json::serialize(body);
  return call;
}

SendResult InfobipSender::read_send_response(const HttpAnswer& answer) const {
  SendResult result = classify_http_status(answer);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(answer.body, ec);
  const boost::json::object* object = ec ? nullptr : doc.if_object();

  if (result.verdict != SendVerdict::kSent) {
    // {"requestError":{"serviceException":{"messageId":"UNAUTHORIZED","text":"..."}}}
    const std::string_view word = string_member(
        object_member(object_member(object, "requestError"), "serviceException"), "messageId");
    if (enum_word(word)) result.reason += fmt::format(" infobip {}", word);
    return result;
  }

  auto retry = [&](std::string_view why) {
    return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                      fmt::format("http {}: {}", answer.status, why)};
  };
  const boost::json::value* messages_value = object ? object->if_contains("messages") : nullptr;
  const boost::json::array* messages = messages_value ? messages_value->if_array() : nullptr;
  if (!messages || messages->empty()) return retry("no messages in the answer");
  const boost::json::object* message = messages->front().if_object();
  const boost::json::object* status = object_member(message, "status");
  const std::string_view group = string_member(status, "groupName");
  if (!enum_word(group)) return retry("messages[0].status.groupName missing");
  const std::string_view status_name = string_member(status, "name");
  const std::string_view name_word = enum_word(status_name) ? status_name : std::string_view();
  const std::string reason = fmt::format("infobip {} {}", group, name_word);
  std::string id(string_member(message, "messageId"));
  if (id.size() > InfobipSms::kMaxMessageIdBytes || !printable_ascii(id)) id.clear();

  if (group == "PENDING" || group == "DELIVERED")
    return SendResult{SendVerdict::kSent, std::move(id), std::nullopt, ""};
  // Assumed from the status names (not documented as idempotency): a duplicate of an id we chose
  // means the first attempt reached Infobip.
  if (name_word == "REJECTED_DUPLICATE_MESSAGE_ID")
    return SendResult{SendVerdict::kSent, std::move(id), std::nullopt, reason};
  if (name_word == "REJECTED_NOT_ENOUGH_CREDITS")
    return SendResult{SendVerdict::kRetryable, "", std::nullopt, reason};
  return SendResult{SendVerdict::kPermanent, "", std::nullopt, reason};
}

Result<std::vector<DeliveryReport>> InfobipSender::parse_delivery_reports(
    const WebhookRequest& request) const {
  if (request.method != "POST") return invalid("method: not POST");
  const auto doc = parse_json_object(request.body, "infobip");
  if (!doc) return doc.error();
  const boost::json::object* object = &*doc;
  const boost::json::value* results_value = object->if_contains("results");
  if (!results_value) return invalid("results: missing");
  const boost::json::array* results = results_value->if_array();
  if (!results) return invalid("results: not an array");
  if (results->empty()) return invalid("results: empty");
  if (results->size() > InfobipSms::kMaxResults)
    return invalid(fmt::format("results: more than {} reports", InfobipSms::kMaxResults));

  std::vector<DeliveryReport> out;
  out.reserve(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto report = decode_report((*results)[i], i);
    if (!report) return report.error();  // all or nothing, as for inbound batches
    out.push_back(std::move(*report));
  }
  return out;
}

}  // namespace ventanilla::carriers
