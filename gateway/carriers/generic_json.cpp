#include "carriers/generic_json.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "carriers/field_checks.hpp"
#include "privacy/constant_time.hpp"

namespace ventanilla::carriers {

namespace {

constexpr std::string_view kTimestampHeader = "X-Ventanilla-Timestamp";
constexpr std::string_view kSignatureHeader = "X-Ventanilla-Signature";
constexpr std::string_view kSignaturePrefix = "sha256=";

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "generic", std::move(detail));
}

Error denied(std::string detail) {
  return make_error(ErrorCode::kPermissionDenied, "generic", std::move(detail));
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// A string member: nullopt when absent or null, an error when of another type.
Result<std::optional<std::string_view>> optional_string(const boost::json::object& object,
                                                        std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (!value || value->is_null()) return std::optional<std::string_view>();
  const boost::json::string* s = value->if_string();
  if (!s) return invalid(fmt::format("{}: not a string", name));
  return std::optional<std::string_view>(std::string_view(*s));
}

Result<std::string_view> required_string(const boost::json::object& object, std::string_view name,
                                         bool allow_empty) {
  auto value = optional_string(object, name);
  if (!value) return value.error();
  if (!*value || (!allow_empty && (*value)->empty()))
    return invalid(fmt::format("{}: missing", name));
  return **value;
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

Result<void> GenericJsonSms::verify(const WebhookRequest& request, const RouteAuth& auth) const {
  const auto signature = request.header(kSignatureHeader);
  if (!signature) return denied("X-Ventanilla-Signature: missing");
  if (signature->size() != kSignaturePrefix.size() + 64 ||
      !signature->starts_with(kSignaturePrefix) ||
      !is_hex(signature->substr(kSignaturePrefix.size())))
    return denied("X-Ventanilla-Signature: not sha256=<64 hex digits>");
  const auto timestamp = request.header(kTimestampHeader);
  if (!timestamp) return denied("X-Ventanilla-Timestamp: missing");
  std::int64_t sent = 0;
  const auto [end, ec] =
      std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), sent);
  if (timestamp->empty() || timestamp->front() == '-' || ec != std::errc() ||
      end != timestamp->data() + timestamp->size())
    return denied("X-Ventanilla-Timestamp: not Unix seconds");

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
  if (!matched) return denied("signature: does not match");

  // Checked after the signature, which covers the timestamp: only a signed value is worth
  // comparing with the clock.
  const std::int64_t skew = auth.now_s > sent ? auth.now_s - sent : sent - auth.now_s;
  if (skew > auth.timestamp_window.count())
    return denied(fmt::format("X-Ventanilla-Timestamp: outside the {} s window",
                              auth.timestamp_window.count()));
  return {};
}

Result<std::vector<InboundSms>> GenericJsonSms::parse(const WebhookRequest& request,
                                                      const RouteAuth& /*auth*/) const {
  if (request.method != "POST") return invalid("method: not POST");
  boost::system::error_code ec;
  // Boost.JSON refuses invalid UTF-8 inside strings, so `text` comes out as valid UTF-8.
  const boost::json::value doc = boost::json::parse(request.body, ec);
  if (ec) return invalid("body: not valid JSON");
  const boost::json::object* object = doc.if_object();
  if (!object) return invalid("body: not a JSON object");

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
    const std::string_view n = **network;
    if ((n.size() != 5 && n.size() != 6) ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return invalid("network: not MCC+MNC (5 or 6 digits)");
    sms.network_code = std::string(n);
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

}  // namespace ventanilla::carriers
