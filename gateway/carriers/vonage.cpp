#include "carriers/vonage.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <optional>

#include "carriers/field_checks.hpp"
#include "carriers/form_body.hpp"
#include "privacy/constant_time.hpp"

namespace ventanilla::carriers {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "vonage", std::move(detail));
}

Error denied(std::string detail) {
  return make_error(ErrorCode::kPermissionDenied, "vonage", std::move(detail));
}

std::optional<std::string_view> find(const Params& params, std::string_view name) noexcept {
  for (const auto& [k, v] : params)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

// The media type of Content-Type, lowercased, without parameters or spaces.
std::string media_type(const WebhookRequest& request) {
  std::string_view type = request.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// Vonage's JSON webhooks hold strings, and integers where a client library converted them;
// anything else has no single spelling for the signed string, so it is refused.
Result<Params> json_params(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return invalid("body: not valid JSON");
  const boost::json::object* object = doc.if_object();
  if (!object) return invalid("body: not a JSON object");
  if (object->size() > FormFields::kMaxFields)
    return invalid(fmt::format("body: more than {} fields", FormFields::kMaxFields));
  Params params;
  params.reserve(object->size());
  for (const auto& [key, value] : *object) {
    std::string text;
    if (const auto* s = value.if_string()) {
      text.assign(s->data(), s->size());
    } else if (const auto* i = value.if_int64()) {
      text = std::to_string(*i);
    } else if (const auto* u = value.if_uint64()) {
      text = std::to_string(*u);
    } else {
      return invalid(fmt::format("field {}: not a string or an integer", std::string_view(key)));
    }
    params.emplace_back(std::string(key), std::move(text));
  }
  return params;
}

// Every parameter of the request, decoded, in the order received.
Result<Params> request_params(const WebhookRequest& request) {
  std::string_view source;
  if (request.method == "GET") {
    source = request.query();
  } else if (request.method == "POST") {
    if (media_type(request) == "application/json") return json_params(request.body);
    source = request.body;
  } else {
    return invalid("method: not GET or POST");
  }
  auto form = FormFields::parse(source);
  if (!form) return invalid(form.error().detail);
  return form->fields();
}

Result<std::int64_t> unix_seconds(std::string_view s) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.front() == '-' || ec != std::errc() || end != s.data() + s.size())
    return denied("timestamp: not Unix seconds");
  return value;
}

// A small unsigned decimal (no sign, no spaces); nullopt otherwise.
std::optional<std::uint32_t> small_number(std::string_view s) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string hex(const unsigned char* bytes, std::size_t size, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

const EVP_MD* hmac_digest(VonageSignatureMethod method) {
  switch (method) {
    case VonageSignatureMethod::kMd5:
      return EVP_md5();
    case VonageSignatureMethod::kSha1:
      return EVP_sha1();
    case VonageSignatureMethod::kSha256:
      return EVP_sha256();
    case VonageSignatureMethod::kSha512:
      return EVP_sha512();
    case VonageSignatureMethod::kMd5Hash:
      break;
  }
  return nullptr;
}

}  // namespace

std::optional<VonageSignatureMethod> vonage_signature_method(std::string_view name) noexcept {
  if (name == "md5hash") return VonageSignatureMethod::kMd5Hash;
  if (name == "md5") return VonageSignatureMethod::kMd5;
  if (name == "sha1") return VonageSignatureMethod::kSha1;
  if (name == "sha256") return VonageSignatureMethod::kSha256;
  if (name == "sha512") return VonageSignatureMethod::kSha512;
  return std::nullopt;
}

std::string vonage_signature(const Params& params, std::string_view secret,
                             VonageSignatureMethod method) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(params.size());
  for (const auto& p : params)
    if (p.first != "sig") sorted.push_back(&p);
  // std::string compares as unsigned bytes: "message-timestamp" sorts before "messageId".
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string signed_string;
  for (const auto* p : sorted) {
    signed_string += '&';
    signed_string += p->first;
    signed_string += '=';
    for (char c : p->second) signed_string += (c == '&' || c == '=') ? '_' : c;
  }

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (method == VonageSignatureMethod::kMd5Hash) {
    signed_string.append(secret);
    if (EVP_Digest(signed_string.data(), signed_string.size(), digest.data(), &size, EVP_md5(),
                   nullptr) != 1)
      return {};
    return hex(digest.data(), size, /*upper=*/false);
  }
  if (HMAC(hmac_digest(method), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signed_string.data()), signed_string.size(),
           digest.data(), &size) == nullptr)
    return {};
  return hex(digest.data(), size, /*upper=*/true);
}

Result<void> VonageSms::verify(const WebhookRequest& request, const RouteAuth& auth) const {
  auto params = request_params(request);
  if (!params) return params.error();
  const auto sig = find(*params, "sig");
  if (!sig) {
    if (require_signature_) return denied("sig: missing");
    return {};
  }
  bool matched = false;
  for (const auto& secret : auth.secrets) {
    if (secret.empty()) continue;  // an empty secret would let anyone sign
    const std::string expected = vonage_signature(*params, secret, method_);
    // No early exit: every configured secret costs the same time whether or not one matched.
    matched = privacy::constant_time_equal(expected, *sig) || matched;
  }
  if (!matched) return denied("sig: does not match");

  // The signature covers `timestamp`, so only now is it worth reading.
  const auto timestamp = find(*params, "timestamp");
  if (!timestamp) return denied("timestamp: missing");
  auto sent = unix_seconds(*timestamp);
  if (!sent) return sent.error();
  const std::int64_t skew = auth.now_s > *sent ? auth.now_s - *sent : *sent - auth.now_s;
  if (skew > auth.timestamp_window.count())
    return denied(fmt::format("timestamp: outside the {} s window", auth.timestamp_window.count()));
  return {};
}

Result<std::vector<InboundSms>> VonageSms::parse(const WebhookRequest& request,
                                                 const RouteAuth& /*auth*/) const {
  auto params = request_params(request);
  if (!params) return params.error();

  const auto msisdn = find(*params, "msisdn");
  if (!msisdn || msisdn->empty()) return invalid("msisdn: missing");
  auto from = privacy::PhoneNumber::parse(*msisdn);
  if (!from) return invalid("msisdn: not an international number");  // never echo it

  const auto message_id = find(*params, "messageId");
  if (!message_id || message_id->empty()) return invalid("messageId: missing");
  if (message_id->size() > kMaxMessageIdBytes || !printable_ascii(*message_id))
    return invalid(
        fmt::format("messageId: not a printable id of at most {} characters", kMaxMessageIdBytes));

  // `type` is always sent; a missing one is read as plain text rather than refusing a migrant.
  const std::string_view type = find(*params, "type").value_or("text");
  if (type == "binary") return invalid("type: binary messages are not supported");
  if (type != "text" && type != "unicode") return invalid("type: not text, unicode or binary");
  const auto text = find(*params, "text");
  if (!text) return invalid("text: missing");
  if (!valid_utf8(*text)) return invalid("text: not valid UTF-8");

  InboundSms sms{std::string(*message_id), std::move(*from),
                 std::string(find(*params, "to").value_or("")), std::string(*text)};

  const auto concat = find(*params, "concat");
  const auto ref = find(*params, "concat-ref");
  const auto total = find(*params, "concat-total");
  const auto part = find(*params, "concat-part");
  if (concat == "true" || ref || total || part) {
    if (!ref || ref->empty()) return invalid("concat-ref: missing");
    if (!printable_ascii(*ref) || ref->size() > kMaxMessageIdBytes)
      return invalid("concat-ref: not a printable reference");
    if (!total) return invalid("concat-total: missing");
    const auto n = small_number(*total);
    if (!n || *n < 2 || *n > kMaxConcatParts)
      return invalid(fmt::format("concat-total: not a number from 2 to {}", kMaxConcatParts));
    if (!part) return invalid("concat-part: missing");
    const auto i = small_number(*part);
    if (!i || *i < 1 || *i > *n) return invalid("concat-part: not a number from 1 to concat-total");
    sms.part = InboundSms::Part{std::string(*ref), *n, *i};
  }

  std::vector<InboundSms> out;
  out.push_back(std::move(sms));
  return out;
}

WebhookReply VonageSms::reply(std::optional<std::string_view> /*text*/) const {
  WebhookReply r;
  r.status = 200;
  r.body.clear();
  return r;
}

// ---- Outbound: SMS API ------------------------------------------------------------------------

namespace {

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The SMS API's status codes (developer.vonage.com/api-errors/sms), in our words.
std::string_view vonage_status_meaning(std::int64_t status) noexcept {
  switch (status) {
    case 1:
      return "throttled";
    case 2:
      return "missing parameters";
    case 3:
      return "invalid parameters";
    case 4:
      return "invalid credentials";
    case 5:
      return "internal error";
    case 6:
      return "invalid message";
    case 7:
      return "number barred";
    case 8:
      return "account barred";
    case 9:
      return "partner quota violation (no credit)";
    case 10:
      return "too many existing binds";
    case 11:
      return "account not enabled for HTTP";
    case 12:
      return "message too long";
    case 14:
      return "invalid signature";
    case 15:
      return "invalid sender address";
    case 22:
      return "invalid network code";
    case 23:
      return "invalid callback url";
    case 29:
      return "non-whitelisted destination";
    case 32:
      return "signature and api secret disallowed";
    case 33:
      return "number de-activated";
    default:
      return "";
  }
}

// Throttling and Vonage-side trouble pass; a top-up (9) is also worth waiting for rather than
// dropping every queued message.
bool vonage_status_retryable(std::int64_t status) noexcept {
  return status == 1 || status == 5 || status == 9 || status == 10;
}

// "0" (documented: a string) or 0 (tolerated).
std::optional<std::int64_t> vonage_status_of(const boost::json::object& message) {
  const boost::json::value* v = message.if_contains("status");
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (const auto* s = v->if_string(); s && all_digits(*s) && s->size() <= 6) {
    std::int64_t n = 0;
    std::from_chars(s->data(), s->data() + s->size(), n);
    return n;
  }
  return std::nullopt;
}

// DLR status words per the brief and Vonage's DLR guide ([V8] for the fields). The split of
// rejected (→ undelivered) and failed (→ failed), and unknown → sent, is our reading, assumed.
std::optional<DeliveryStatus> vonage_dlr_status(std::string_view s) noexcept {
  if (s == "delivered") return DeliveryStatus::kDelivered;
  if (s == "accepted" || s == "buffered") return DeliveryStatus::kAccepted;
  // "unknown": the network has it but reported nothing definite.
  if (s == "unknown") return DeliveryStatus::kSent;
  if (s == "expired" || s == "rejected") return DeliveryStatus::kUndelivered;
  if (s == "failed") return DeliveryStatus::kFailed;
  return std::nullopt;
}

}  // namespace

Result<HttpCall> VonageSender::prepare_send(const OutboundSms& sms,
                                            const SenderAccount& account) const {
  if (account.base_url.empty()) return invalid("base_url: missing");
  if (account.account.empty()) return invalid("account: missing");
  if (account.secret.empty()) return invalid("secret: missing");
  if (account.from.empty()) return invalid("from: missing");
  const auto to = e164_digits(sms.to);
  if (!to) return invalid("to: not an E.164 number");
  if (sms.id.empty() || sms.id.size() > kMaxClientRefBytes || !printable_ascii(sms.id))
    return invalid(
        fmt::format("id: not a client-ref of at most {} printable characters", kMaxClientRefBytes));

  HttpCall call;
  call.method = "POST";
  call.url = join_url(account.base_url, "/sms/json");
  call.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"}};
  append_form_field(call.body, "api_key", account.account);
  append_form_field(call.body, "api_secret", account.secret);
  append_form_field(call.body, "from", account.from);
  append_form_field(call.body, "to", *to);
  append_form_field(call.body, "text", sms.text);
  // Without type=unicode Vonage sends GSM-7 and non-GSM characters are lost.
  if (sms.unicode) append_form_field(call.body, "type", "unicode");
  append_form_field(call.body, "client-ref", sms.id);
  if (!sms.status_callback_url.empty())
    append_form_field(call.body, "callback", sms.status_callback_url);
  return call;
}

SendResult VonageSender::read_send_response(const HttpAnswer& answer) const {
  SendResult result = classify_http_status(answer);
  if (result.verdict != SendVerdict::kSent) return result;

  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(answer.body, ec);
  const boost::json::object* object = ec ? nullptr : doc.if_object();
  const boost::json::value* messages_value = object ? object->if_contains("messages") : nullptr;
  const boost::json::array* messages = messages_value ? messages_value->if_array() : nullptr;
  if (!messages || messages->empty()) {
    return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                      fmt::format("http {}: no messages in the answer", answer.status)};
  }
  // One entry per part; the first part that failed decides (a retry resends every part, which
  // is still better than a message cut short).
  std::string first_id;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const boost::json::object* message = (*messages)[i].if_object();
    const auto status = message ? vonage_status_of(*message) : std::nullopt;
    if (!status) {
      return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                        fmt::format("vonage: messages[{}].status missing", i)};
    }
    if (*status != 0) {
      const std::string_view meaning = vonage_status_meaning(*status);
      return SendResult{
          vonage_status_retryable(*status) ? SendVerdict::kRetryable : SendVerdict::kPermanent, "",
          retry_after(answer),
          meaning.empty() ? fmt::format("vonage {}", *status)
                          : fmt::format("vonage {} {}", *status, meaning)};
    }
    if (i == 0) {
      const boost::json::value* id = message->if_contains("message-id");
      const boost::json::string* s = id ? id->if_string() : nullptr;
      if (s && s->size() <= VonageSms::kMaxMessageIdBytes && printable_ascii(*s))
        first_id.assign(s->data(), s->size());
    }
  }
  result.external_id = std::move(first_id);
  result.reason.clear();
  return result;
}

Result<std::vector<DeliveryReport>> VonageSender::parse_delivery_reports(
    const WebhookRequest& request) const {
  auto params = request_params(request);
  if (!params) return params.error();

  const auto message_id = find(*params, "messageId");
  if (!message_id || message_id->empty()) return invalid("messageId: missing");
  if (message_id->size() > VonageSms::kMaxMessageIdBytes || !printable_ascii(*message_id))
    return invalid(fmt::format("messageId: not a printable id of at most {} characters",
                               VonageSms::kMaxMessageIdBytes));
  const auto status_word = find(*params, "status");
  if (!status_word || status_word->empty()) return invalid("status: missing");
  const auto status = vonage_dlr_status(*status_word);
  if (!status) return invalid("status: not a Vonage DLR status");
  const std::string_view err = find(*params, "err-code").value_or("");
  if (!err.empty() && (!all_digits(err) || err.size() > 8))
    return invalid("err-code: not a number");

  DeliveryReport report;
  report.external_id = std::string(*message_id);
  report.status = *status;
  report.carrier_status = std::string(*status_word);
  // "0" means no error (Vonage sends it with every delivered report).
  if (err != "0") report.error_code = std::string(err);
  const std::string_view ref = find(*params, "client-ref").value_or("");
  if (ref.size() <= kMaxClientRefBytes && printable_ascii(ref)) report.our_id = std::string(ref);
  // Vonage resends a DLR until it gets 200/204 (§8): the same part, status and error is one
  // report. Parts of a long message have their own messageId, so they stay apart.
  report.dedupe_key = fmt::format("vonage {} {} {}", *message_id, *status_word, err);
  std::vector<DeliveryReport> out;
  out.push_back(std::move(report));
  return out;
}

}  // namespace ventanilla::carriers
