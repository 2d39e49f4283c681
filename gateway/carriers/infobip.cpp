#include "carriers/infobip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "carriers/field_checks.hpp"

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
  boost::system::error_code ec;
  // Boost.JSON rejects invalid UTF-8 in strings by default, so every text below is UTF-8.
  const boost::json::value doc = boost::json::parse(request.body, ec);
  if (ec) return invalid("body: not valid JSON");
  const boost::json::object* object = doc.if_object();
  if (!object) return invalid("body: not a JSON object");
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

}  // namespace ventanilla::carriers
