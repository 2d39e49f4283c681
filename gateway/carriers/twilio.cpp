#include "carriers/twilio.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <cstdint>

#include "carriers/field_checks.hpp"
#include "carriers/form_body.hpp"
#include "privacy/constant_time.hpp"

namespace ventanilla::carriers {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Signed parameters are counted more generously than FormFields::kMaxFields (Twilio adds fields
// without notice, and MMS carries two per medium), but still bounded: each one costs a sort.
constexpr std::size_t kMaxSignedFields = 256;

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "twilio", std::move(detail));
}

Error denied(std::string detail) {
  return make_error(ErrorCode::kPermissionDenied, "twilio", std::move(detail));
}

// The fields Twilio sent (webhooks and status callbacks alike): the body of a POST, the query of
// a GET.
Result<FormFields> request_form(const WebhookRequest& request) {
  std::string_view source;
  if (request.method == "POST") {
    source = request.body;
  } else if (request.method == "GET") {
    source = request.query();
  } else {
    return invalid("method: not GET or POST");
  }
  auto form = FormFields::parse(source);
  if (!form) return invalid(form.error().detail);
  return form;
}

// MessageSid, checked: present, printable, bounded.
Result<std::string_view> message_sid(const FormFields& form) {
  const auto sid = form.get("MessageSid");
  if (!sid || sid->empty()) return invalid("MessageSid: missing");
  if (sid->size() > TwilioSms::kMaxMessageSidBytes || !printable_ascii(*sid))
    return invalid(fmt::format("MessageSid: not a printable id of at most {} characters",
                               TwilioSms::kMaxMessageSidBytes));
  return *sid;
}

// Every name=value pair of a form or query string, decoded, repeats kept: Twilio signs repeated
// names (FormFields refuses them, which is right for decoding but not for checking).
Result<Params> signed_pairs(std::string_view form) {
  Params pairs;
  while (!form.empty()) {
    const auto amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value =
        form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return invalid("form: malformed %-escape");
    if (pairs.size() == kMaxSignedFields)
      return invalid(fmt::format("form: more than {} fields", kMaxSignedFields));
    pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return pairs;
}

// name1 + value1 + name2 + value2 ..., sorted by name then value (byte order: std::string
// compares as unsigned char), identical pairs once.
std::string params_suffix(const Params& params) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(params.size());
  for (const auto& p : params) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const auto* a, const auto* b) { return *a == *b; }),
               sorted.end());
  std::string out;
  for (const auto* p : sorted) {
    out += p->first;
    out += p->second;
  }
  return out;
}

std::string hmac_sha1_base64(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
           &size) == nullptr)
    return {};
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded.data()),
                     static_cast<std::size_t>(length));
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    return {};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kDigits[digest[i] >> 4];
    out += kDigits[digest[i] & 0x0F];
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The URLs whose signature Twilio may have sent for `url`: as given, with any port removed, and
// with the scheme's default port added when it has none (twilio-python's remove_port/add_port).
// Userinfo ("user:pass@") and host case are kept: Twilio signs them as configured.
std::vector<std::string> url_variants(std::string_view url) {
  std::vector<std::string> variants{std::string(url)};
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return variants;
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const auto at = authority.rfind('@');
  const std::size_t host_start = authority_start + (at == std::string_view::npos ? 0 : at + 1);
  const std::string_view host_port = url.substr(host_start, authority_end - host_start);

  // An IPv6 literal holds colons of its own; its port follows the closing bracket.
  std::size_t colon = std::string_view::npos;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close != std::string_view::npos && close + 1 < host_port.size() &&
        host_port[close + 1] == ':')
      colon = close + 1;
  } else {
    colon = host_port.rfind(':');
  }
  const bool has_port = colon != std::string_view::npos &&
                        std::all_of(host_port.begin() + static_cast<std::ptrdiff_t>(colon) + 1,
                                    host_port.end(), [](char c) { return c >= '0' && c <= '9'; });

  if (has_port) {
    std::string without(url.substr(0, host_start + colon));
    without.append(url.substr(authority_end));
    variants.push_back(std::move(without));
    return variants;
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  const char* default_port = iequals(scheme, "https")  ? ":443"
                             : iequals(scheme, "http") ? ":80"
                                                       : nullptr;
  if (default_port) {
    std::string with(url.substr(0, authority_end));
    with.append(default_port);
    with.append(url.substr(authority_end));
    variants.push_back(std::move(with));
  }
  return variants;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// XML text content: the five markup characters escaped; C0 controls other than tab, newline and
// carriage return are not allowed in XML 1.0 at all, so they are dropped rather than making
// Twilio reject the whole reply.
void append_xml_text(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
}

constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";

}  // namespace

std::string twilio_signature(std::string_view url, const Params& params, std::string_view token) {
  std::string message(url);
  message += params_suffix(params);
  return hmac_sha1_base64(token, message);
}

Result<void> TwilioSms::verify(const WebhookRequest& request, const RouteAuth& auth) const {
  const auto header = request.header("X-Twilio-Signature");
  if (!header || trim(*header).empty()) return denied("X-Twilio-Signature: missing");
  const std::string_view signature = trim(*header);
  // Without the configured URL there is nothing Twilio signed to compare with: fail closed.
  if (auth.public_url.empty()) return denied("public_url: not configured");

  // The configured URL's own query (and any #ct=... connection override, which Twilio never
  // sends) gives way to the query actually received: it is the configured one, plus bodySHA256
  // on JSON webhooks, in Twilio's own encoding.
  const std::string_view public_url = auth.public_url;
  std::string url(public_url.substr(0, public_url.find_first_of("?#")));
  const std::string_view query = request.query();
  if (!query.empty()) {
    url += '?';
    url.append(query);
  }

  auto query_pairs = signed_pairs(query);
  if (!query_pairs) return query_pairs.error();
  std::optional<std::string> body_hash;
  for (const auto& [k, v] : *query_pairs)
    if (k == "bodySHA256") body_hash = v;

  Params params;  // GET and JSON bodies: the URL alone is signed
  if (request.method == "POST") {
    if (!body_hash) {
      auto form = signed_pairs(request.body);
      if (!form) return form.error();
      params = std::move(*form);
    }
  } else if (request.method != "GET") {
    return invalid("method: not GET or POST");
  }
  const std::string suffix = params_suffix(params);

  bool matched = false;
  for (const auto& variant : url_variants(url)) {
    const std::string message = variant + suffix;
    for (const auto& secret : auth.secrets) {
      if (secret.empty()) continue;  // an empty key would let anyone sign
      // No early exit: the time taken does not tell which secret or URL form matched.
      matched =
          privacy::constant_time_equal(hmac_sha1_base64(secret, message), signature) || matched;
    }
  }
  if (!matched) return denied("X-Twilio-Signature: does not match");
  // The hash is inside the signed URL, so only now does it vouch for the body.
  if (body_hash && !privacy::constant_time_equal(sha256_hex(request.body), *body_hash))
    return denied("bodySHA256: does not match the body");
  return {};
}

Result<std::vector<InboundSms>> TwilioSms::parse(const WebhookRequest& request,
                                                 const RouteAuth& /*auth*/) const {
  auto form = request_form(request);
  if (!form) return form.error();
  const auto sid = message_sid(*form);
  if (!sid) return sid.error();

  const auto raw_from = form->get("From");
  if (!raw_from || raw_from->empty()) return invalid("From: missing");
  // "whatsapp:+52...", "messenger:...": other channels share the webhook but are not SMS.
  if (raw_from->find(':') != std::string_view::npos) return invalid("From: not an SMS sender");
  auto from = privacy::PhoneNumber::parse(*raw_from);
  if (!from) return invalid("From: not an international number");  // never echo it

  const std::string_view body = form->get("Body").value_or("");
  if (!valid_utf8(body)) return invalid("Body: not valid UTF-8");
  InboundSms sms{std::string(*sid), std::move(*from), std::string(form->get("To").value_or("")),
                 std::string(body)};
  // Twilio reassembles concatenated SMS and names no network: part and network_code stay empty.
  std::vector<InboundSms> out;
  out.push_back(std::move(sms));
  return out;
}

WebhookReply TwilioSms::reply(std::optional<std::string_view> text) const {
  WebhookReply r;
  r.status = 200;
  r.content_type = "text/xml";
  r.body.assign(kXmlDeclaration);
  if (!text || text->empty()) {
    r.body += "<Response/>";
    return r;
  }
  r.body += "<Response><Message>";
  append_xml_text(r.body, *text);
  r.body += "</Message></Response>";
  return r;
}

// ---- Outbound: Messages API ---------------------------------------------------------------------

namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(std::max(length, 0)));
  return out;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What the error codes we meet most often mean, in our words (Twilio's own `message` can quote the
// number, so it is never logged). Documented at twilio.com/docs/api/errors/<code>.
std::string_view twilio_error_meaning(std::int64_t code) noexcept {
  switch (code) {
    case 20003:
      return "authentication failed";
    case 20429:
      return "too many requests";
    case 21211:
      return "invalid To number";
    case 21408:
      return "region not enabled for the account";
    case 21610:
      return "recipient unsubscribed (STOP)";
    case 21612:
      return "cannot route to this number";
    case 21614:
      return "not a mobile number";
    case 21606:
      return "From number cannot send to this destination";
    default:
      return "";
  }
}

// Twilio's status → ours. Statuses of inbound messages (receiving, received) are not reports on
// something we sent.
std::optional<DeliveryStatus> twilio_status(std::string_view s) noexcept {
  if (s == "queued" || s == "accepted" || s == "scheduled") return DeliveryStatus::kAccepted;
  if (s == "sending" || s == "sent") return DeliveryStatus::kSent;
  if (s == "delivered" || s == "read") return DeliveryStatus::kDelivered;
  // partially_delivered: some parts of a concatenated message did not arrive.
  if (s == "undelivered" || s == "partially_delivered") return DeliveryStatus::kUndelivered;
  if (s == "failed" || s == "canceled") return DeliveryStatus::kFailed;
  return std::nullopt;
}

}  // namespace

Result<HttpCall> TwilioSender::prepare_send(const OutboundSms& sms,
                                            const SenderAccount& account) const {
  if (account.base_url.empty()) return invalid("base_url: missing");
  if (account.account.empty() || !printable_ascii(account.account))
    return invalid("account: missing");
  if (account.secret.empty()) return invalid("secret: missing");
  if (account.from.empty()) return invalid("from: missing");
  if (!e164_digits(sms.to)) return invalid("to: not an E.164 number");

  HttpCall call;
  call.method = "POST";
  call.url = join_url(account.base_url,
                      "/2010-04-01/Accounts/" + form_encode(account.account) + "/Messages.json");
  call.headers = {{"Authorization", "Basic " + base64(account.account + ":" + account.secret)},
                  {"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"}};
  append_form_field(call.body, "To", sms.to);
  append_form_field(call.body, "From", account.from);
  append_form_field(call.body, "Body", sms.text);
  if (!sms.status_callback_url.empty())
    append_form_field(call.body, "StatusCallback", sms.status_callback_url);
  return call;
}

SendResult TwilioSender::read_send_response(const HttpAnswer& answer) const {
  SendResult result = classify_http_status(answer);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(answer.body, ec);
  const boost::json::object* object = ec ? nullptr : doc.if_object();

  if (result.verdict == SendVerdict::kSent) {
    const boost::json::value* sid = object ? object->if_contains("sid") : nullptr;
    const boost::json::string* s = sid ? sid->if_string() : nullptr;
    if (!s || s->empty() || s->size() > TwilioSms::kMaxMessageSidBytes || !printable_ascii(*s)) {
      // Twilio answered success without a message we can follow: retry rather than lose it.
      return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                        fmt::format("http {}: no message sid in the answer", answer.status)};
    }
    result.external_id.assign(s->data(), s->size());
    result.reason.clear();
    return result;
  }

  // Error bodies: {"code": 21614, "message": "...", "more_info": "...", "status": 400}.
  const boost::json::value* code = object ? object->if_contains("code") : nullptr;
  if (code && (code->is_int64() || code->is_uint64())) {
    const std::int64_t n =
        code->is_int64() ? code->get_int64() : static_cast<std::int64_t>(code->get_uint64());
    const std::string_view meaning = twilio_error_meaning(n);
    result.reason =
        meaning.empty() ? fmt::format("twilio {}", n) : fmt::format("twilio {} {}", n, meaning);
  }
  return result;
}

Result<std::vector<DeliveryReport>> TwilioSender::parse_delivery_reports(
    const WebhookRequest& request) const {
  auto form = request_form(request);
  if (!form) return form.error();
  const auto sid = message_sid(*form);
  if (!sid) return sid.error();
  const auto status_word = form->get("MessageStatus");
  if (!status_word || status_word->empty()) return invalid("MessageStatus: missing");
  const auto status = twilio_status(*status_word);
  if (!status) return invalid("MessageStatus: not an outbound message status");
  const std::string_view error_code = form->get("ErrorCode").value_or("");
  if (!error_code.empty() && !all_digits(error_code)) return invalid("ErrorCode: not a number");
  const std::string_view done = form->get("RawDlrDoneDate").value_or("");
  if (!done.empty() && (!all_digits(done) || done.size() > 14))
    return invalid("RawDlrDoneDate: not YYMMDDhhmm");

  DeliveryReport report;
  report.external_id = std::string(*sid);
  report.status = *status;
  report.carrier_status = std::string(*status_word);
  report.error_code = std::string(error_code);
  // Our id rides in the StatusCallback URL we gave (Twilio has no reference field).
  if (request.method == "POST") {
    if (auto query = FormFields::parse(request.query())) {
      const std::string_view id = query->get("id").value_or("");
      if (id.size() <= 128 && printable_ascii(id)) report.our_id = std::string(id);
    }
  } else if (const std::string_view id = form->get("id").value_or("");
             id.size() <= 128 && printable_ascii(id)) {
    report.our_id = std::string(id);
  }
  // §2.6: Twilio repeats callbacks and sends them out of order; this tuple names one report.
  // Every part is free of spaces (checked above), so the space-joined key is unambiguous.
  report.dedupe_key = fmt::format("twilio {} {} {} {}", *sid, *status_word, error_code, done);
  std::vector<DeliveryReport> out;
  out.push_back(std::move(report));
  return out;
}

}  // namespace ventanilla::carriers
