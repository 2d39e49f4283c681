#include "carriers/kannel.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

// ---- Requests ---------------------------------------------------------------------------------

using test_support::load_recorded_request;
using test_support::OwnedRequest;

// Kannel's octstr_url_encode: RFC 2396 unreserved kept, space as '+', the rest %XX uppercase.
std::string kannel_url_encode(std::string_view bytes) {
  return test_support::form_url_encode(bytes, "-_.!~*'()");
}

std::string hex_bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// Our documented get-url, with the given raw (unencoded) field values; nullopt leaves one out.
struct GetFields {
  std::optional<std::string> from = "50255551234";
  std::optional<std::string> to = "12345";
  std::optional<std::string> text = "menu 1";
  std::optional<std::string> id = "6f1c9a2e-4b7d-4e3a-9c8f-2d5b7e1a3c90";
  std::optional<std::string> coding = "0";
  std::optional<std::string> charset = "UTF-8";
};

OwnedRequest get_url(const GetFields& f) {
  std::string target = "/v1/kannel/sms/9f3c2a7e5b1d4c8f0e6a2b9d7c5e3f1a?smsc=FAKE&ts=1795924872";
  auto add = [&](std::string_view name, const std::optional<std::string>& value) {
    if (value) target += "&" + std::string(name) + "=" + kannel_url_encode(*value);
  };
  add("from", f.from);
  add("to", f.to);
  add("text", f.text);
  add("id", f.id);
  add("coding", f.coding);
  add("charset", f.charset);
  return OwnedRequest{"GET", target, {}, "", {}};
}

OwnedRequest post_url(std::string body, std::vector<std::pair<std::string, std::string>> headers,
                      std::string query = "?id=0b7e4c1a-2f3d-4e5a-8b6c-7d9e0f1a2b3c") {
  return OwnedRequest{"POST",
                      "/v1/kannel/sms/9f3c2a7e5b1d4c8f0e6a2b9d7c5e3f1a" + query,
                      std::move(headers),
                      std::move(body),
                      {}};
}

RouteAuth route(std::string default_calling_code = "") {
  RouteAuth auth;
  auth.secrets = {"9f3c2a7e5b1d4c8f0e6a2b9d7c5e3f1a"};
  auth.now_s = 1795924872;
  auth.default_calling_code = std::move(default_calling_code);
  return auth;
}

Result<std::vector<InboundSms>> parse(OwnedRequest request, const RouteAuth& auth = route()) {
  return KannelSms().parse(request.view(), auth);
}

// ---- Recorded request and the §9.9 URL-encoding vector ----------------------------------------

TEST(KannelSms, RecordedGetUrlRequestDecodes) {
  auto request = load_recorded_request("tests/fixtures/carriers/kannel/inbound_get.http");
  const KannelSms kannel;
  ASSERT_TRUE(kannel.verify(request.view(), route()).has_value());
  auto messages = kannel.parse(request.view(), route());
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  ASSERT_EQ(messages->size(), 1u);
  const InboundSms& sms = messages->front();
  EXPECT_EQ(sms.external_id, "6f1c9a2e-4b7d-4e3a-9c8f-2d5b7e1a3c90");
  EXPECT_EQ(sms.from.e164(), "+50255551234");
  EXPECT_EQ(sms.to, "12345");
  EXPECT_EQ(sms.text, "¿Dónde está el albergue?");
  EXPECT_EQ(sms.network_code, "");
  EXPECT_FALSE(sms.part.has_value());
}

TEST(KannelSms, UrlEncodingVectorFromTheNotesDecodes) {
  // carrier-protocols.md §9.9: "+52 55 ¿ñ?" (UTF-8) → %2B52+55+%C2%BF%C3%B1%3F.
  ASSERT_EQ(kannel_url_encode("+52 55 ¿ñ?"), "%2B52+55+%C2%BF%C3%B1%3F");
  OwnedRequest request{
      "GET",
      "/v1/kannel/sms/s?from=%2B525512345678&to=12345&text=%2B52+55+%C2%BF%C3%B1%3F"
      "&id=a-1&coding=0&charset=UTF-8",
      {},
      "",
      {}};
  auto messages = parse(request);
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().text, "+52 55 ¿ñ?");
  EXPECT_EQ(messages->front().from.e164(), "+525512345678");
}

TEST(KannelSms, RfcUnreservedCharactersKannelLeavesUnencodedSurvive) {
  OwnedRequest request{
      "GET", "/v1/kannel/sms/s?from=50255551234&text=it's+(ok)!+*~_.-&coding=0", {}, "", {}};
  auto messages = parse(request);
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().text, "it's (ok)! *~_.-");
}

// ---- Text by coding and charset ---------------------------------------------------------------

struct TextCase {
  std::string label;
  std::string bytes;  // as Kannel received them, before its URL encoding
  std::optional<std::string> coding;
  std::optional<std::string> charset;
  std::string expected_text;  // UTF-8, or "" when an error is expected
  std::string expected_error;
};

std::vector<TextCase> text_cases() {
  return {
      {"utf8 coding 0", "Información", "0", "UTF-8", "Información", ""},
      {"utf8 lower-case charset", "¿Dónde?", "0", "utf-8", "¿Dónde?", ""},
      {"gsm charset is already converted", "Niño", "0", "GSM", "Niño", ""},
      {"no coding, no charset is utf8", "Hola", std::nullopt, std::nullopt, "Hola", ""},
      {"ucs2 with charset (§9.8 Información)",
       hex_bytes("0049006E0066006F0072006D00610063006900F3006E"), "2", "UTF-16BE", "Información",
       ""},
      {"ucs2 ¿Dónde?", hex_bytes("00BF004400F3006E00640065003F"), "2", "UTF-16BE", "¿Dónde?", ""},
      {"ucs2 surrogate pair emoji and ó", hex_bytes("D83DDE1C002000F3"), "2", "UTF-16BE", "😜 ó",
       ""},
      {"ucs2 by coding alone", hex_bytes("00F3"), "2", std::nullopt, "ó", ""},
      {"charset wins over coding (mo-recode)", "Informaci\xF3n", "2", "WINDOWS-1252", "Información",
       ""},
      {"windows-1252 high range", "\x80 \x93s\xED\x94 \xBF\xF1", "0", "WINDOWS-1252", "€ “sí” ¿ñ",
       ""},
      {"windows-1252 undefined byte maps to C1", "\x81", "0", "WINDOWS-1252", "\xC2\x81", ""},
      {"iso-8859-1", "Ni\xF1o \x80", "0", "ISO-8859-1", "Niño \xC2\x80", ""},
      {"empty text", "", "0", "UTF-8", "", ""},
      {"invalid utf8", "Hola \xC3\x28", "0", "UTF-8", "", "text: not valid UTF-8"},
      {"overlong utf8", "\xC0\xAF", "0", "UTF-8", "", "text: not valid UTF-8"},
      {"utf8-encoded surrogate", "\xED\xA0\x80", "0", "UTF-8", "", "text: not valid UTF-8"},
      {"truncated utf8", "\xE2\x82", "0", "UTF-8", "", "text: not valid UTF-8"},
      {"above U+10FFFF", "\xF4\x90\x80\x80", "0", "UTF-8", "", "text: not valid UTF-8"},
      {"ucs2 odd byte count", hex_bytes("00F300"), "2", "UTF-16BE", "", "text: not valid UTF-16BE"},
      {"ucs2 lone high surrogate", hex_bytes("D83D0041"), "2", "UTF-16BE", "",
       "text: not valid UTF-16BE"},
      {"ucs2 high surrogate at the end", hex_bytes("0041D83D"), "2", "UTF-16BE", "",
       "text: not valid UTF-16BE"},
      {"ucs2 lone low surrogate", hex_bytes("DE1C0041"), "2", "UTF-16BE", "",
       "text: not valid UTF-16BE"},
      {"8-bit coding", "\x01\x02", "1", std::nullopt, "",
       "coding: binary messages are not supported"},
      {"binary charset", "\x01\x02", "1", "binary", "",
       "coding: binary messages are not supported"},
      {"unknown charset", "abc", "0", "EBCDIC-US", "", "charset: not supported"},
      {"unknown coding", "abc", "7", std::nullopt, "", "coding: not 0, 1 or 2"},
  };
}

TEST(KannelSms, GetUrlTextIsDecodedByCharsetThenCoding) {
  for (const auto& c : text_cases()) {
    SCOPED_TRACE(c.label);
    GetFields fields;
    fields.text = c.bytes;
    fields.coding = c.coding;
    fields.charset = c.charset;
    auto messages = parse(get_url(fields));
    if (c.expected_error.empty()) {
      ASSERT_TRUE(messages.has_value()) << messages.error().message();
      EXPECT_EQ(messages->front().text, c.expected_text);
    } else {
      ASSERT_FALSE(messages.has_value());
      EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(messages.error().detail, c.expected_error);
    }
  }
}

TEST(KannelSms, PostUrlTextIsDecodedByContentTypeCharsetThenCoding) {
  for (const auto& c : text_cases()) {
    SCOPED_TRACE(c.label);
    std::vector<std::pair<std::string, std::string>> headers = {{"X-Kannel-From", "50255551234"},
                                                                {"X-Kannel-To", "12345"}};
    headers.emplace_back("Content-Type",
                         c.charset ? "text/plain; charset=" + *c.charset : "text/plain");
    if (c.coding) headers.emplace_back("X-Kannel-Coding", *c.coding);
    auto messages = parse(post_url(c.bytes, headers));
    if (c.expected_error.empty()) {
      ASSERT_TRUE(messages.has_value()) << messages.error().message();
      EXPECT_EQ(messages->front().text, c.expected_text);
    } else {
      ASSERT_FALSE(messages.has_value());
      EXPECT_EQ(messages.error().detail, c.expected_error);
    }
  }
}

// ---- Senders: the national-number rule ----------------------------------------------------------

struct SenderCase {
  std::string raw;
  std::string calling_code;
  std::string expected;  // E.164, or "" for an error
};

TEST(KannelSms, SenderRuleReadsInternationalAndNationalNumbers) {
  const std::vector<SenderCase> cases = {
      // 1. '+' or 00: international whatever the route says.
      {"+50255551234", "502", "+50255551234"},
      {"0050255551234", "502", "+50255551234"},
      {"+525512345678", "502", "+525512345678"},
      // 2. No calling code on the route: bare digits are international without '+'.
      {"50255551234", "", "+50255551234"},
      {"525512345678", "", "+525512345678"},
      {"055551234", "", ""},  // a national 0 prefix cannot be placed without a calling code
      // 3. Calling code with a known national length (GT 8, MX 10, BZ 7).
      {"55551234", "502", "+50255551234"},
      {"055551234", "502", "+50255551234"},    // trunk 0 dropped
      {"50212345", "502", "+50250212345"},     // 8 digits: national even though it starts with 502
      {"50255551234", "502", "+50255551234"},  // CC + 8 digits: already international
      {"525512345678", "502", "+525512345678"},  // another country's international number
      {"5512345678", "52", "+525512345678"},
      {"525512345678", "52", "+525512345678"},
      {"2234567", "501", "+5012234567"},
      {"55551234", "+502", "+50255551234"},  // the calling code may be written with its '+'
      {"5555", "502", ""},                   // neither national nor a valid international number
      // Calling code without a known national length: starts with CC → international.
      {"612345678", "34", "+34612345678"},
      {"34612345678", "34", "+34612345678"},
      {"0612345678", "34", "+34612345678"},
      // Not a number at all.
      {"ACME", "502", ""},
      {"5025 555 1234x", "502", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.raw + " with calling code '" + c.calling_code + "'");
    auto number = kannel_sender(c.raw, c.calling_code);
    if (c.expected.empty()) {
      ASSERT_FALSE(number.has_value());
      EXPECT_EQ(number.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(number.error().detail, "from: not a phone number");
    } else {
      ASSERT_TRUE(number.has_value()) << number.error().message();
      EXPECT_EQ(number->e164(), c.expected);
    }
  }
}

TEST(KannelSms, ErrorsNeverEchoTheSender) {
  auto number = kannel_sender("5555", "502");
  ASSERT_FALSE(number.has_value());
  EXPECT_EQ(number.error().message().find("5555"), std::string::npos);
}

TEST(KannelSms, MisconfiguredCallingCodeIsAnInternalError) {
  for (const std::string cc : {"0502", "5020", "5a", "++502", "+"}) {
    SCOPED_TRACE(cc);
    auto number = kannel_sender("55551234", cc);
    ASSERT_FALSE(number.has_value());
    EXPECT_EQ(number.error().code, ErrorCode::kInternal);
  }
}

TEST(KannelSms, ParseUsesTheRoutesDefaultCallingCode) {
  GetFields fields;
  fields.from = "55551234";
  auto messages = parse(get_url(fields), route("502"));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().from.e164(), "+50255551234");

  // Without one, the same 8 digits are read as an (implausible) international number: the rule
  // is the route's to choose, so a route fed national numbers must set default_calling_code.
  auto international = parse(get_url(fields), route(""));
  ASSERT_TRUE(international.has_value());
  EXPECT_EQ(international->front().from.e164(), "+55551234");
}

// ---- Fields -------------------------------------------------------------------------------------

TEST(KannelSms, GetUrlFieldErrorsNameTheField) {
  struct Case {
    std::string label;
    GetFields fields;
    std::string expected_error;
  };
  GetFields no_from;
  no_from.from = std::nullopt;
  GetFields empty_from;
  empty_from.from = "";
  GetFields no_text;
  no_text.text = std::nullopt;
  GetFields long_id;
  long_id.id = std::string(65, 'a');
  GetFields spaced_id;
  spaced_id.id = "a b";
  const std::vector<Case> cases = {
      {"from missing", no_from, "from: missing"},
      {"from empty", empty_from, "from: missing"},
      {"text missing", no_text, "text: missing"},
      {"id too long", long_id, "id: not a printable id of at most 64 characters"},
      {"id not printable", spaced_id, "id: not a printable id of at most 64 characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto messages = parse(get_url(c.fields));
    ASSERT_FALSE(messages.has_value());
    EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(messages.error().detail, c.expected_error);
  }
}

TEST(KannelSms, MissingIdLeavesExternalIdEmptyForTheContentWindow) {
  GetFields fields;
  fields.id = std::nullopt;
  auto messages = parse(get_url(fields));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().external_id, "");
  EXPECT_EQ(messages->front().text, "menu 1");
}

TEST(KannelSms, MissingToIsEmpty) {
  GetFields fields;
  fields.to = std::nullopt;
  auto messages = parse(get_url(fields));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().to, "");
}

TEST(KannelSms, MalformedQueryAndMethodsAreRefused) {
  auto bad_escape =
      parse(OwnedRequest{"GET", "/v1/kannel/sms/s?from=5025555&text=%G1", {}, "", {}});
  ASSERT_FALSE(bad_escape.has_value());
  EXPECT_EQ(bad_escape.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_escape.error().detail, "field text: malformed %-escape");

  auto put = parse(OwnedRequest{"PUT", "/v1/kannel/sms/s", {}, "hola", {}});
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().detail, "method: not GET or POST");
}

// ---- post-url mode ------------------------------------------------------------------------------

TEST(KannelSms, PostUrlReadsHeadersBodyAndQueryId) {
  auto messages = parse(post_url(hex_bytes("00BF004400F3006E00640065003FD83DDE1C"),
                                 {{"Content-Type", "text/plain; charset=\"UTF-16BE\""},
                                  {"X-Kannel-From", "+50255551234"},
                                  {"X-Kannel-To", "12345"},
                                  {"X-Kannel-Coding", "2"},
                                  {"X-Kannel-SMSC", "SMPP-TIGO"},
                                  {"X-Kannel-Time", "1795924872"}}));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(messages->front().external_id, "0b7e4c1a-2f3d-4e5a-8b6c-7d9e0f1a2b3c");
  EXPECT_EQ(messages->front().from.e164(), "+50255551234");
  EXPECT_EQ(messages->front().to, "12345");
  EXPECT_EQ(messages->front().text, "¿Dónde?😜");
}

TEST(KannelSms, PostUrlWithoutIdInTheQueryHasNoExternalId) {
  auto messages = parse(post_url("menu", {{"X-Kannel-From", "55551234"}}, ""), route("502"));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().external_id, "");
  EXPECT_EQ(messages->front().from.e164(), "+50255551234");
  EXPECT_EQ(messages->front().text, "menu");
}

TEST(KannelSms, PostUrlErrors) {
  auto no_sender = parse(post_url("menu", {{"Content-Type", "text/plain; charset=UTF-8"}}));
  ASSERT_FALSE(no_sender.has_value());
  EXPECT_EQ(no_sender.error().detail, "X-Kannel-From: missing (send-sender = true?)");

  auto binary = parse(post_url("\x01\x02", {{"Content-Type", "application/octet-stream"},
                                            {"X-Kannel-From", "50255551234"}}));
  ASSERT_FALSE(binary.has_value());
  EXPECT_EQ(binary.error().detail, "coding: binary messages are not supported");

  auto bad_sender = parse(post_url("menu", {{"X-Kannel-From", "ACME"}}));
  ASSERT_FALSE(bad_sender.has_value());
  EXPECT_EQ(bad_sender.error().detail, "from: not a phone number");
}

// ---- verify and reply ---------------------------------------------------------------------------

TEST(KannelSms, VerifyLeavesTheCapabilitySecretToTheRoute) {
  auto request = get_url(GetFields{});
  RouteAuth no_secrets;
  EXPECT_TRUE(KannelSms().verify(request.view(), no_secrets).has_value());
}

TEST(KannelSms, ReplyIsTheSmsAsUtf8PlainText) {
  const KannelSms kannel;
  EXPECT_EQ(kannel.name(), "kannel");
  EXPECT_TRUE(kannel.replies_inline());

  const WebhookReply reply = kannel.reply("Elige 1 Albergues 2 Salud");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(reply.body, "Elige 1 Albergues 2 Salud");

  // No reply: an empty body, which Kannel drops with omit-empty = true.
  const WebhookReply none = kannel.reply(std::nullopt);
  EXPECT_EQ(none.status, 200u);
  EXPECT_EQ(none.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(none.body, "");
}

}  // namespace
}  // namespace ventanilla::carriers
