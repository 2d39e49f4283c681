#include "carriers/kannel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "carriers/field_checks.hpp"
#include "carriers/form_body.hpp"
#include "text/gsm7.hpp"

namespace ventanilla::carriers {

namespace {

Error invalid(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "kannel", std::move(detail));
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ---- Charsets ---------------------------------------------------------------------------------

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-16BE (what Kannel's UCS-2 MO carries; handsets do send astral characters such as emoji as
// surrogate pairs) to UTF-8. An odd byte count or a lone surrogate is an error, not a '?': the
// bytes were not what Kannel said they were.
std::optional<std::string> utf16be_to_utf8(std::string_view bytes) {
  if (bytes.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  auto unit = [&](std::size_t i) {
    return static_cast<char32_t>((static_cast<unsigned char>(bytes[i]) << 8) |
                                 static_cast<unsigned char>(bytes[i + 1]));
  };
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    const char32_t u = unit(i);
    if (u >= 0xDC00 && u <= 0xDFFF) return std::nullopt;  // low surrogate first
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 2 >= bytes.size()) return std::nullopt;
      const char32_t low = unit(i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return std::nullopt;
      append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
      i += 2;
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

// Windows-1252 0x80..0x9F; the five bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map
// to the C1 control of the same value, as the WHATWG Encoding Standard does.
constexpr std::array<char16_t, 32> kWindows1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string single_byte_to_utf8(std::string_view bytes, bool windows_1252) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    char32_t cp = b;
    if (windows_1252 && b >= 0x80 && b <= 0x9F) cp = kWindows1252High[b - 0x80];
    append_utf8(out, cp);
  }
  return out;
}

enum class Charset { kUtf8, kUtf16Be, kWindows1252, kLatin1, kBinary, kUnknown };

Charset charset_named(std::string_view name) {
  const std::string n = lower(trim(name));
  if (n == "utf-8" || n == "utf8" || n == "gsm") return Charset::kUtf8;
  if (n == "utf-16be" || n == "ucs-2" || n == "ucs2" || n == "ucs-2be") return Charset::kUtf16Be;
  if (n == "windows-1252" || n == "cp1252") return Charset::kWindows1252;
  if (n == "iso-8859-1" || n == "latin1" || n == "iso8859-1") return Charset::kLatin1;
  if (n == "binary") return Charset::kBinary;
  return Charset::kUnknown;
}

// The charset Kannel reports wins: with mo-recode it says WINDOWS-1252 or UTF-8 for what arrived
// as UCS-2. Without one, the coding decides (§5.2: 0 7-bit, 1 8-bit, 2 UCS-2).
Result<Charset> text_charset(std::optional<std::string_view> charset,
                             std::optional<std::string_view> coding) {
  if (charset && !trim(*charset).empty()) {
    const Charset c = charset_named(*charset);
    if (c == Charset::kUnknown) return invalid("charset: not supported");
    if (c == Charset::kBinary) return invalid("coding: binary messages are not supported");
    return c;
  }
  const std::string_view code = trim(coding.value_or(""));
  if (code.empty() || code == "0") return Charset::kUtf8;
  if (code == "2") return Charset::kUtf16Be;
  if (code == "1") return invalid("coding: binary messages are not supported");
  return invalid("coding: not 0, 1 or 2");
}

Result<std::string> decode_text(std::string_view bytes, Charset charset) {
  switch (charset) {
    case Charset::kUtf8:
      if (!valid_utf8(bytes)) return invalid("text: not valid UTF-8");
      return std::string(bytes);
    case Charset::kUtf16Be: {
      auto utf8 = utf16be_to_utf8(bytes);
      if (!utf8) return invalid("text: not valid UTF-16BE");
      return std::move(*utf8);
    }
    case Charset::kWindows1252:
      return single_byte_to_utf8(bytes, /*windows_1252=*/true);
    case Charset::kLatin1:
      return single_byte_to_utf8(bytes, /*windows_1252=*/false);
    case Charset::kBinary:
    case Charset::kUnknown:
      break;
  }
  return invalid("charset: not supported");
}

// ---- Senders ----------------------------------------------------------------------------------

// National significant number lengths for the calling codes our routes serve (ITU-T E.164
// national numbering plans). Panama (507) has 7-digit landlines but 8-digit mobiles, which is
// what sends SMS.
std::size_t national_length(std::string_view calling_code) {
  struct Plan {
    std::string_view code;
    std::size_t digits;
  };
  static constexpr std::array<Plan, 9> kPlans = {{{"1", 10},
                                                  {"52", 10},
                                                  {"501", 7},
                                                  {"502", 8},
                                                  {"503", 8},
                                                  {"504", 8},
                                                  {"505", 8},
                                                  {"506", 8},
                                                  {"507", 8}}};
  for (const auto& plan : kPlans)
    if (plan.code == calling_code) return plan.digits;
  return 0;
}

Result<privacy::PhoneNumber> parse_number(std::string_view number) {
  auto parsed = privacy::PhoneNumber::parse(number);
  if (!parsed) return invalid("from: not a phone number");  // never echo it
  return std::move(*parsed);
}

Result<privacy::PhoneNumber> national_number(std::string_view national, std::string_view cc) {
  std::string e164 = "+";
  e164.append(cc);
  e164.append(national);
  return parse_number(e164);
}

// The message id: optional (post-url without %I in the query), but when present a printable token.
Result<std::string> message_id(std::optional<std::string_view> id) {
  if (!id || id->empty()) return std::string();
  if (id->size() > KannelSms::kMaxIdBytes || !printable_ascii(*id))
    return invalid(
        fmt::format("id: not a printable id of at most {} characters", KannelSms::kMaxIdBytes));
  return std::string(*id);
}

std::vector<InboundSms> one(InboundSms sms) {
  std::vector<InboundSms> out;
  out.push_back(std::move(sms));
  return out;
}

// The value of the `charset` parameter of a Content-Type, or nullopt.
std::optional<std::string_view> content_type_charset(std::string_view content_type) {
  std::size_t semi = content_type.find(';');
  while (semi != std::string_view::npos) {
    content_type = content_type.substr(semi + 1);
    semi = content_type.find(';');
    const std::string_view param = trim(content_type.substr(0, semi));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || lower(trim(param.substr(0, eq))) != "charset") continue;
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

}  // namespace

Result<privacy::PhoneNumber> kannel_sender(std::string_view raw,
                                           std::string_view default_calling_code) {
  const std::string_view number = trim(raw);
  if (number.empty()) return invalid("from: missing");
  const bool international = number.front() == '+' || number.starts_with("00");
  if (international || default_calling_code.empty() || !is_digits(number))
    return parse_number(number);

  std::string_view cc = default_calling_code;
  if (cc.starts_with('+')) cc.remove_prefix(1);  // "+502" and "502" name the same code
  if (cc.size() > 3 || !is_digits(cc) || cc.front() == '0')
    return make_error(ErrorCode::kInternal, "kannel", "default_calling_code: not 1 to 3 digits");

  // A national trunk prefix ("0" before the national number, as some links still report it).
  const std::string_view national = number.front() == '0' ? number.substr(1) : number;
  if (const std::size_t length = national_length(cc); length != 0) {
    if (national.size() == length) return national_number(national, cc);
    std::string e164 = "+";
    e164.append(number);
    return parse_number(e164);  // CC + national number, or an international number from elsewhere
  }
  if (number.starts_with(cc)) {
    std::string e164 = "+";
    e164.append(number);
    return parse_number(e164);
  }
  return national_number(national, cc);
}

Result<void> KannelSms::verify(const WebhookRequest& /*request*/, const RouteAuth& /*auth*/) const {
  return {};
}

Result<std::vector<InboundSms>> KannelSms::parse(const WebhookRequest& request,
                                                 const RouteAuth& auth) const {
  // Both modes may carry fields in the query (get-url all of them; post-url just id=%I).
  auto query = FormFields::parse(request.query());
  if (!query) return invalid(query.error().detail);

  if (request.method == "GET") {
    const auto from = query->get("from");
    if (!from || trim(*from).empty()) return invalid("from: missing");
    auto sender = kannel_sender(*from, auth.default_calling_code);
    if (!sender) return sender.error();
    const auto text_bytes = query->get("text");
    if (!text_bytes) return invalid("text: missing");
    auto charset = text_charset(query->get("charset"), query->get("coding"));
    if (!charset) return charset.error();
    auto text = decode_text(*text_bytes, *charset);
    if (!text) return text.error();
    auto id = message_id(query->get("id"));
    if (!id) return id.error();
    return one(InboundSms{std::move(*id), std::move(*sender),
                          std::string(query->get("to").value_or("")), std::move(*text)});
  }

  if (request.method == "POST") {
    const auto from = request.header("X-Kannel-From");
    // Kannel leaves X-Kannel-From out unless the sms-service has send-sender = true.
    if (!from || trim(*from).empty())
      return invalid("X-Kannel-From: missing (send-sender = true?)");
    auto sender = kannel_sender(*from, auth.default_calling_code);
    if (!sender) return sender.error();
    const std::string_view content_type = request.header("Content-Type").value_or("");
    if (lower(trim(content_type.substr(0, content_type.find(';')))) == "application/octet-stream")
      return invalid("coding: binary messages are not supported");
    auto charset =
        text_charset(content_type_charset(content_type), request.header("X-Kannel-Coding"));
    if (!charset) return charset.error();
    auto text = decode_text(request.body, *charset);
    if (!text) return text.error();
    auto id = message_id(query->get("id"));
    if (!id) return id.error();
    return one(InboundSms{std::move(*id), std::move(*sender),
                          std::string(trim(request.header("X-Kannel-To").value_or(""))),
                          std::move(*text)});
  }
  return invalid("method: not GET or POST");
}

WebhookReply KannelSms::reply(std::optional<std::string_view> text) const {
  WebhookReply r;
  r.status = 200;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::string(text.value_or(""));
  // Kannel sends a text/plain reply as GSM 7-bit, where á and ó become '?'. A reply that is not
  // GSM-7 (a route whose policy allows UCS-2) asks for UCS-2; Kannel converts from the charset.
  // Needs accept-x-kannel-headers = true (deploy/kannel/kannel.conf).
  if (!r.body.empty() && !text::is_gsm7(std::string_view(r.body))) {
    r.headers.emplace_back("X-Kannel-Coding", "2");
  }
  return r;
}

// ---- Outbound: sendsms -------------------------------------------------------------------------

namespace {

// The dlr-mask bits (§5.5): the type Kannel reports is one of them.
std::optional<DeliveryStatus> kannel_dlr_type(std::string_view type) noexcept {
  if (type == "1") return DeliveryStatus::kDelivered;    // delivered to the phone
  if (type == "2") return DeliveryStatus::kUndelivered;  // not delivered to the phone
  if (type == "4") return DeliveryStatus::kAccepted;     // queued on the SMSC
  if (type == "8") return DeliveryStatus::kSent;         // delivered to (accepted by) the SMSC
  if (type == "16") return DeliveryStatus::kFailed;      // not delivered to (refused by) the SMSC
  return std::nullopt;
}

}  // namespace

Result<HttpCall> KannelSender::prepare_send(const OutboundSms& sms,
                                            const SenderAccount& account) const {
  if (account.base_url.empty()) return invalid("base_url: missing");
  if (account.account.empty()) return invalid("account: missing");
  if (account.secret.empty()) return invalid("secret: missing");
  if (!e164_digits(sms.to)) return invalid("to: not an E.164 number");

  std::string query;
  append_form_field(query, "username", account.account);
  append_form_field(query, "password", account.secret);
  if (!account.from.empty()) append_form_field(query, "from", account.from);
  append_form_field(query, "to", sms.to);
  append_form_field(query, "text", sms.text);
  append_form_field(query, "charset", "UTF-8");
  if (sms.unicode) append_form_field(query, "coding", "2");
  if (!sms.status_callback_url.empty()) {
    std::string dlr_url = sms.status_callback_url;
    dlr_url += dlr_url.find('?') == std::string::npos ? '?' : '&';
    dlr_url += "type=%d";
    append_form_field(query, "dlr-mask", "31");
    append_form_field(query, "dlr-url", dlr_url);
  }

  HttpCall call;
  call.method = "GET";
  call.url = join_url(account.base_url, "/cgi-bin/sendsms?") + query;
  return call;
}

SendResult KannelSender::read_send_response(const HttpAnswer& answer) const {
  SendResult result = classify_http_status(answer);
  if (result.verdict != SendVerdict::kSent) return result;
  const std::string_view body = trim(answer.body);
  if (body.starts_with("0:") || body.starts_with("3:")) {
    result.reason.clear();
    return result;
  }
  return SendResult{SendVerdict::kRetryable, "", std::nullopt,
                    fmt::format("http {}: not a sendsms acceptance", answer.status)};
}

Result<std::vector<DeliveryReport>> KannelSender::parse_delivery_reports(
    const WebhookRequest& request) const {
  if (request.method != "GET") return invalid("method: not GET");
  auto form = FormFields::parse(request.query());
  if (!form) return invalid(form.error().detail);

  const auto id = form->get("id");
  if (!id || id->empty()) return invalid("id: missing");
  if (id->size() > kMaxIdBytes || !printable_ascii(*id))
    return invalid(fmt::format("id: not a printable id of at most {} characters", kMaxIdBytes));
  const auto type = form->get("type");
  if (!type || type->empty()) return invalid("type: missing");
  const auto status = kannel_dlr_type(*type);
  if (!status) return invalid("type: not a DLR type (1, 2, 4, 8 or 16)");

  DeliveryReport report;
  report.our_id = std::string(*id);
  report.status = *status;
  report.carrier_status = std::string(*type);
  report.dedupe_key = fmt::format("kannel {} {}", *id, *type);
  std::vector<DeliveryReport> out;
  out.push_back(std::move(report));
  return out;
}

}  // namespace ventanilla::carriers
