#include "carriers/generic_json.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "carriers/field_checks.hpp"
#include "carriers/json_body.hpp"
#include "privacy/constant_time.hpp"

namespace ventanilla::carriers {

namespace {

constexpr std::string_view kTimestampHeader = "X-Ventanilla-Timestamp";
constexpr std::string_view kSignatureHeader = "X-Ventanilla-Signature";
constexpr std::string_view kSignaturePrefix = "sha256=";

constexpr std::string_view kSmsWhere = "generic";
constexpr std::string_view kUssdWhere = "generic-ussd";

Error invalid(std::string detail, std::string_view where = kSmsWhere) {
  return make_error(ErrorCode::kInvalidArgument, std::string(where), std::move(detail));
}

Error denied(std::string detail, std::string_view where) {
  return make_error(ErrorCode::kPermissionDenied, std::string(where), std::move(detail));
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// A string member: nullopt when absent or null, an error when of another type.
Result<std::optional<std::string_view>> optional_string(const boost::json::object& object,
                                                        std::string_view name,
                                                        std::string_view where = kSmsWhere) {
  const boost::json::value* value = object.if_contains(name);
  if (!value || value->is_null()) return std::optional<std::string_view>();
  const boost::json::string* s = value->if_string();
  if (!s) return invalid(fmt::format("{}: not a string", name), where);
  return std::optional<std::string_view>(std::string_view(*s));
}

Result<std::string_view> required_string(const boost::json::object& object, std::string_view name,
                                         bool allow_empty, std::string_view where = kSmsWhere) {
  auto value = optional_string(object, name, where);
  if (!value) return value.error();
  if (!*value || (!allow_empty && (*value)->empty()))
    return invalid(fmt::format("{}: missing", name), where);
  return **value;
}

bool is_network_code(std::string_view n) {
  return (n.size() == 5 || n.size() == 6) &&
         std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What a handset dials: digits, '*' and '#' ("*123#", "*123*4#").
bool is_service_code(std::string_view s) {
  return !s.empty() && s.size() <= GenericJsonUssd::kMaxServiceCodeBytes &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}

}  // namespace

std::string generic_json_signature(std::string_view secret, std::string_view timestamp,
                                   std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp);
  message += '.';
  message.append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
           &size) == nullptr)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kSignaturePrefix);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0F];
  }
  return out;
}

Result<void> verify_generic_json_signature(const WebhookRequest& request, const RouteAuth& auth,
                                           std::string_view where) {
  auto deny = [where](std::string detail) { return denied(std::move(detail), where); };
  const auto signature = request.header(kSignatureHeader);
  if (!signature) return deny("X-Ventanilla-Signature: missing");
  if (signature->size() != kSignaturePrefix.size() + 64 ||
      !signature->starts_with(kSignaturePrefix) ||
      !is_hex(signature->substr(kSignaturePrefix.size())))
    return deny("X-Ventanilla-Signature: not sha256=<64 hex digits>");
  const auto timestamp = request.header(kTimestampHeader);
  if (!timestamp) return deny("X-Ventanilla-Timestamp: missing");
  std::int64_t sent = 0;
  const auto [end, ec] =
      std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), sent);
  if (timestamp->empty() || timestamp->front() == '-' || ec != std::errc() ||
      end != timestamp->data() + timestamp->size())
    return deny("X-Ventanilla-Timestamp: not Unix seconds");

  // Hex case is not part of the secret: compare lowercase with lowercase.
  std::string received(*signature);
  std::transform(received.begin(), received.end(), received.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool matched = false;
  for (const auto& secret : auth.secrets) {
    if (secret.empty()) continue;  // an empty secret would let anyone sign
    // No early exit: the time taken does not tell which secret (if any) matched.
    matched = privacy::constant_time_equal(generic_json_signature(secret, *timestamp, request.body),
                                           received) ||
              matched;
  }
  if (!matched) return deny("signature: does not match");

  // Checked after the signature, which covers the timestamp: only a signed value is worth
  // comparing with the clock.
  const std::int64_t skew = auth.now_s > sent ? auth.now_s - sent : sent - auth.now_s;
  if (skew > auth.timestamp_window.count())
    return deny(fmt::format("X-Ventanilla-Timestamp: outside the {} s window",
                            auth.timestamp_window.count()));
  return {};
}

Result<void> GenericJsonSms::verify(const WebhookRequest& request, const RouteAuth& auth) const {
  return verify_generic_json_signature(request, auth, kSmsWhere);
}

Result<std::vector<InboundSms>> GenericJsonSms::parse(const WebhookRequest& request,
                                                      const RouteAuth& /*auth*/) const {
  if (request.method != "POST") return invalid("method: not POST");
  auto doc = parse_json_object(request.body, kSmsWhere);
  if (!doc) return doc.error();
  const boost::json::object* object = &*doc;

  auto id = required_string(*object, "id", /*allow_empty=*/false);
  if (!id) return id.error();
  if (id->size() > kMaxIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("id: not a printable id of at most {} characters", kMaxIdBytes));

  auto from = required_string(*object, "from", /*allow_empty=*/false);
  if (!from) return from.error();
  auto number = privacy::PhoneNumber::parse(*from);
  if (!number) return invalid("from: not an international number");  // never echo it

  auto to = required_string(*object, "to", /*allow_empty=*/false);
  if (!to) return to.error();
  auto text = required_string(*object, "text", /*allow_empty=*/true);
  if (!text) return text.error();

  InboundSms sms{std::string(*id), std::move(*number), std::string(*to), std::string(*text)};
  auto network = optional_string(*object, "network");
  if (!network) return network.error();
  if (*network && !(*network)->empty()) {
    if (!is_network_code(**network)) return invalid("network: not MCC+MNC (5 or 6 digits)");
    sms.network_code = std::string(**network);
  }

  std::vector<InboundSms> out;
  out.push_back(std::move(sms));
  return out;
}

WebhookReply GenericJsonSms::reply(std::optional<std::string_view> text) const {
  boost::json::object body;
  if (text) {
    body["reply"] = boost::json::string_view(text->data(), text->size());
  } else {
    body["reply"] = nullptr;
  }
  WebhookReply r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  return r;
}

Result<void> GenericJsonUssd::verify(const WebhookRequest& request, const RouteAuth& auth) const {
  return verify_generic_json_signature(request, auth, kUssdWhere);
}

Result<UssdHop> GenericJsonUssd::parse(const InboundRequest& request) const {
  constexpr std::string_view where = kUssdWhere;
  auto doc = parse_json_object(request.body, where);
  if (!doc) return doc.error();
  const boost::json::object& object = *doc;

  auto session = required_string(object, "session", /*allow_empty=*/false, where);
  if (!session) return session.error();
  if (session->size() > kMaxSessionBytes || !printable_ascii(*session))
    return invalid(
        fmt::format("session: not a printable id of at most {} characters", kMaxSessionBytes),
        where);

  auto from = required_string(object, "from", /*allow_empty=*/false, where);
  if (!from) return from.error();
  auto number = privacy::PhoneNumber::parse(*from);
  if (!number) return invalid("from: not an international number", where);  // never echo it

  auto service_code = optional_string(object, "service_code", where);
  if (!service_code) return service_code.error();
  if (*service_code && !(*service_code)->empty() && !is_service_code(**service_code))
    return invalid(fmt::format("service_code: not a USSD code (digits, * and #, at most {})",
                               kMaxServiceCodeBytes),
                   where);

  auto input = optional_string(object, "input", where);
  if (!input) return input.error();
  if (!*input) return invalid(R"(input: missing (it is "", not absent, on the first turn))", where);
  if ((*input)->size() > kMaxInputBytes)
    return invalid(fmt::format("input: longer than {} bytes", kMaxInputBytes), where);

  auto network = optional_string(object, "network", where);
  if (!network) return network.error();
  if (*network && !(*network)->empty() && !is_network_code(**network))
    return invalid("network: not MCC+MNC (5 or 6 digits)", where);

  return UssdHop{std::string(*session), std::string(service_code->value_or("")), std::move(*number),
                 std::string(network->value_or("")), std::string(**input)};
}

UssdReply GenericJsonUssd::reply(std::string_view text, bool end) const {
  boost::json::object body;
  body["reply"] = boost::json::string_view(text.data(), text.size());
  body["end"] = end;
  return UssdReply{std::string(reply_content_type()), boost::json::serialize(body)};
}

}  // namespace ventanilla::carriers
