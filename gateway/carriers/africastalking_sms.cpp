#include "carriers/africastalking_sms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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
  InboundSms sms{std::string(*id), std::move(*number), std::string(form->get("to").value_or("")),
                 std::string(form->get("text").value_or(""))};
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

}  // namespace ventanilla::carriers
