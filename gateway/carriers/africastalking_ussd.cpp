#include "carriers/africastalking_ussd.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "carriers/field_checks.hpp"
#include "carriers/form_body.hpp"

namespace ventanilla::carriers {

namespace {

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "africastalking ussd", std::move(detail));
}

}  // namespace

Result<void> AfricasTalkingUssd::verify(const WebhookRequest& /*request*/,
                                        const RouteAuth& /*auth*/) const {
  return {};
}

Result<UssdHop> AfricasTalkingUssd::parse(const InboundRequest& request) const {
  const std::string_view type = request.content_type.substr(0, request.content_type.find(';'));
  if (!type.empty() && type != "application/x-www-form-urlencoded") {
    return invalid(fmt::format("Content-Type {} (expected application/x-www-form-urlencoded)",
                               type.substr(0, 80)));
  }
  auto form = FormFields::parse(request.body);
  if (!form) return invalid(form.error().detail);

  const auto session_id = form->get("sessionId");
  if (!session_id || session_id->empty()) return invalid("sessionId: missing");
  if (session_id->size() > kMaxSessionIdBytes || !printable_ascii(*session_id))
    return invalid("sessionId: not a printable id of at most 128 characters");
  const auto phone = form->get("phoneNumber");
  if (!phone || phone->empty()) return invalid("phoneNumber: missing");
  auto number = privacy::PhoneNumber::parse(*phone);
  if (!number) return invalid("phoneNumber: not an international number");  // never echo it
  const auto text = form->get("text");
  if (!text) return invalid("text: missing (it is empty, not absent, on the first hop)");
  if (text->size() > kMaxTextBytes) return invalid("text: longer than 1024 bytes");
  if (!valid_utf8(*text)) return invalid("text: not valid UTF-8");

  UssdHop hop{std::string(*session_id), std::string(form->get("serviceCode").value_or("")),
              std::move(*number), std::string(form->get("networkCode").value_or("")),
              std::string(*text)};
  if (!std::all_of(hop.network_code.begin(), hop.network_code.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      hop.network_code.size() > 8) {
    hop.network_code.clear();  // informational only: a bad one must not refuse the caller
  }
  return hop;
}

UssdReply AfricasTalkingUssd::reply(std::string_view text, bool end) const {
  UssdReply r;
  r.content_type = std::string(reply_content_type());
  r.body.reserve(text.size() + 4);
  r.body = end ? "END " : "CON ";
  r.body += text;
  return r;
}

}  // namespace ventanilla::carriers
