#include "carriers/twilio.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// ---- Requests ------------------------------------------------------------------------------

using test_support::load_recorded_request;
using test_support::OwnedRequest;

OwnedRequest form_post(std::string target, std::string body, std::string signature) {
  return OwnedRequest{"POST",
                      std::move(target),
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"X-Twilio-Signature", std::move(signature)}},
                      std::move(body),
                      {}};
}

RouteAuth auth_for(std::string public_url, std::vector<std::string> secrets) {
  RouteAuth auth;
  auth.public_url = std::move(public_url);
  auth.secrets = std::move(secrets);
  return auth;
}

// ---- §9.1 official X-Twilio-Signature vectors ------------------------------------------------

constexpr std::string_view kOfficialToken = "12345";
constexpr std::string_view kOfficialUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
constexpr std::string_view kOfficialSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

// Deliberately not in sorted order ("Caller" sorts before "Digits" but after "CallSid").
const Params kOfficialParams = {
    {"To", "+18005551212"},   {"Digits", "1234"},         {"CallSid", "CA1234567890ABCDE"},
    {"From", "+14158675309"}, {"Caller", "+14158675309"},
};
// The same parameters form-encoded, as a POST body.
constexpr std::string_view kOfficialBody =
    "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B"
    "18005551212";

struct UrlVector {
  const char* name;
  std::string_view url;
  std::string_view expected;
};

const UrlVector kOfficialUrlVectors[] = {
    {"base", kOfficialUrl, kOfficialSignature},
    {"https default port", "https://mycompany.com:443/myapp.php?foo=1&bar=2",
     "kvajT1Ptam85bY51eRf/AJRuM3w="},
    {"http default port", "http://mycompany.com:80/myapp.php?foo=1&bar=2",
     "0ZXoZLH/DfblKGATFgpif+LLRf4="},
    {"http custom port", "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
     "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
    {"https custom port", "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
     "CYn1h0gLBdNxDGkKJg6hYohgeD8="},
    {"mixed-case host", "https://MyCompany.com/myapp.php?foo=1&bar=2",
     "g9IN/x4Cft2g517EjYvEvM/W7LU="},
    {"mixed-case host and port", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2",
     "PCqOZm8cnu/L6+u5i5fuEd+Iac4="},
    {"http mixed-case host", "http://MyCompany.com/myapp.php?foo=1&bar=2",
     "XY7AlKOKL6im4yWyX84gldUrtis="},
    {"http credentials", "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2",
     "PJ08CxXr7KLPjEQCTc8LkUSMwSM="},
    {"https credentials", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
     "CukzLTc1tT5dXEDIHm/tKBanW10="},
    {"credentials and default port", "https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2",
     "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="},
    {"user only", "https://user@mycompany.com/myapp.php?foo=1&bar=2",
     "2YRLlVAflCqxaNicjMpJcSTgzSs="},
};

TEST(TwilioSignature, OfficialUrlVectors) {
  for (const auto& v : kOfficialUrlVectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(twilio_signature(v.url, kOfficialParams, kOfficialToken), v.expected);
  }
}

TEST(TwilioSignature, RepeatedKeysSortedByValueAndIdenticalValuesCountOnce) {
  const Params twice = {
      {"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}};
  Params thrice = twice;
  thrice.emplace_back("Digits", "1234");  // twilio-php's third value: a duplicate, ignored
  EXPECT_EQ(twilio_signature(kOfficialUrl, twice, kOfficialToken), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
  EXPECT_EQ(twilio_signature(kOfficialUrl, thrice, kOfficialToken), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
}

// reliability.md §1 states the same vector with another caller number.
TEST(TwilioSignature, ReliabilityNoteVector) {
  const Params params = {{"CallSid", "CA1234567890ABCDE"},
                         {"Caller", "+12349013030"},
                         {"Digits", "1234"},
                         {"From", "+12349013030"},
                         {"To", "+18005551212"}};
  EXPECT_EQ(twilio_signature(kOfficialUrl, params, kOfficialToken), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  EXPECT_EQ(
      twilio_signature("https://mycompany.com:443/myapp.php?foo=1&bar=2", params, kOfficialToken),
      "EpDEmp1PyjDYp77YxYU3GILBWzE=");
}

TEST(TwilioSignature, DependsOnTokenUrlAndEveryParameter) {
  EXPECT_NE(twilio_signature(kOfficialUrl, kOfficialParams, "12346"), kOfficialSignature);
  EXPECT_NE(twilio_signature("https://mycompany.com/myapp.php?foo=1&bar=3", kOfficialParams,
                             kOfficialToken),
            kOfficialSignature);
  Params fewer = kOfficialParams;
  fewer.pop_back();
  EXPECT_NE(twilio_signature(kOfficialUrl, fewer, kOfficialToken), kOfficialSignature);
}

// The official request shapes, checked through verify(): the route's configured URL, the
// received query string, and the form body as Twilio posts it.
struct VerifyCase {
  const char* name;
  std::string_view public_url;
  std::string_view target;
  std::string_view signature;
  bool accepted;
};

const VerifyCase kVerifyCases[] = {
    {"as configured", "https://mycompany.com/myapp.php", "/myapp.php?foo=1&bar=2",
     kOfficialSignature, true},
    {"signed with :443, configured without", "https://mycompany.com/myapp.php",
     "/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=", true},
    {"signed without port, configured with :443", "https://mycompany.com:443/myapp.php",
     "/myapp.php?foo=1&bar=2", kOfficialSignature, true},
    {"signed without port, configured with :1234", "https://mycompany.com:1234/myapp.php",
     "/myapp.php?foo=1&bar=2", kOfficialSignature, true},
    {"signed with :1234, configured with :1234", "https://mycompany.com:1234/myapp.php",
     "/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8=", true},
    {"http signed with :80, configured without", "http://mycompany.com/myapp.php",
     "/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=", true},
    {"credentials and :443 added", "https://user:pass@mycompany.com/myapp.php",
     "/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=", true},
    {"credentials and :443 removed", "https://user:pass@mycompany.com:443/myapp.php",
     "/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10=", true},
    {"configured URL's own query replaced by the received one",
     "https://mycompany.com/myapp.php?foo=1&bar=2", "/myapp.php?foo=1&bar=2", kOfficialSignature,
     true},
    {"mixed-case host is another URL", "https://MyCompany.com/myapp.php", "/myapp.php?foo=1&bar=2",
     kOfficialSignature, false},
    {"custom port not interchangeable with the default", "https://mycompany.com/myapp.php",
     "/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8=", false},
    {"http is another scheme", "http://mycompany.com/myapp.php", "/myapp.php?foo=1&bar=2",
     kOfficialSignature, false},
    {"tampered query", "https://mycompany.com/myapp.php", "/myapp.php?foo=1&bar=3",
     kOfficialSignature, false},
    {"query missing", "https://mycompany.com/myapp.php", "/myapp.php", kOfficialSignature, false},
    {"other path configured", "https://mycompany.com/other.php", "/myapp.php?foo=1&bar=2",
     kOfficialSignature, false},
    {"wrong signature", "https://mycompany.com/myapp.php", "/myapp.php?foo=1&bar=2", "FAIL", false},
};

TEST(TwilioVerify, OfficialRequestShapes) {
  const TwilioSms twilio;
  for (const auto& c : kVerifyCases) {
    SCOPED_TRACE(c.name);
    auto req =
        form_post(std::string(c.target), std::string(kOfficialBody), std::string(c.signature));
    const auto result = twilio.verify(req.view(), auth_for(std::string(c.public_url), {"12345"}));
    EXPECT_EQ(result.has_value(), c.accepted);
    if (!c.accepted && !result) {
      EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
      EXPECT_EQ(result.error().detail, "X-Twilio-Signature: does not match");
    }
  }
}

TEST(TwilioVerify, RepeatedKeysInTheBody) {
  const TwilioSms twilio;
  auto req = form_post("/myapp.php?foo=1&bar=2",
                       "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234",
                       "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
  EXPECT_TRUE(twilio.verify(req.view(), auth_for("https://mycompany.com/myapp.php", {"12345"})));
  req.body = "Sid=CA123&SidAccount=AC123&Digits=5678";
  EXPECT_FALSE(twilio.verify(req.view(), auth_for("https://mycompany.com/myapp.php", {"12345"})));
}

TEST(TwilioVerify, GetSignsTheUrlOnly) {
  const TwilioSms twilio;
  const std::string url = "https://gw.example.org/twilio/sms?MessageSid=SM1&From=%2B525512345678";
  OwnedRequest req{"GET",
                   "/twilio/sms?MessageSid=SM1&From=%2B525512345678",
                   {{"X-Twilio-Signature", twilio_signature(url, {}, "12345")}},
                   "",
                   {}};
  const auto auth = auth_for("https://gw.example.org/twilio/sms", {"12345"});
  EXPECT_TRUE(twilio.verify(req.view(), auth));
  // The query's parameters are not appended a second time.
  req.headers[0].second =
      twilio_signature(url, {{"MessageSid", "SM1"}, {"From", "+525512345678"}}, "12345");
  EXPECT_FALSE(twilio.verify(req.view(), auth));
}

TEST(TwilioVerify, PortQuirkWithIpv6Literal) {
  const TwilioSms twilio;
  struct Case {
    const char* configured;
    const char* signed_url;
    bool accepted;
  };
  const Case cases[] = {
      {"https://[2001:db8::1]:8443/sms", "https://[2001:db8::1]/sms", true},
      {"https://[2001:db8::1]/sms", "https://[2001:db8::1]:443/sms", true},
      {"https://[2001:db8::1]/sms", "https://[2001:db8::1]:8443/sms", false},
      {"https://[2001:db8::1]/sms", "https://[2001:db8::]/sms", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.configured + std::string(" signed as ") + c.signed_url);
    OwnedRequest req{"GET",
                     "/sms",
                     {{"X-Twilio-Signature", twilio_signature(c.signed_url, {}, "12345")}},
                     "",
                     {}};
    EXPECT_EQ(twilio.verify(req.view(), auth_for(c.configured, {"12345"})).has_value(), c.accepted);
  }
}

// ---- §9.2 JSON body --------------------------------------------------------------------------

constexpr std::string_view kJsonBody = R"({"property": "value", "boolean": true})";
constexpr std::string_view kJsonHash =
    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

TEST(TwilioSignature, JsonBodyOfficialVectors) {
  const std::string with_query =
      "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + std::string(kJsonHash);
  const std::string hash_only =
      "https://mycompany.com/myapp.php?bodySHA256=" + std::string(kJsonHash);
  EXPECT_EQ(twilio_signature(with_query, {}, kOfficialToken), "a9nBmqA0ju/hNViExpshrM61xv4=");
  EXPECT_EQ(twilio_signature(hash_only, {}, kOfficialToken), "y77kIzt2vzLz71DgmJGsen2scGs=");
}

TEST(TwilioVerify, JsonBodyChecksTheHash) {
  const TwilioSms twilio;
  const auto auth = auth_for("https://mycompany.com/myapp.php", {"12345"});
  struct Case {
    const char* name;
    std::string target;
    std::string signature;
    std::string body;
    std::string_view error;  // "" when accepted
  };
  const Case cases[] = {
      {"official", "/myapp.php?foo=1&bar=2&bodySHA256=" + std::string(kJsonHash),
       "a9nBmqA0ju/hNViExpshrM61xv4=", std::string(kJsonBody), ""},
      {"hash only", "/myapp.php?bodySHA256=" + std::string(kJsonHash),
       "y77kIzt2vzLz71DgmJGsen2scGs=", std::string(kJsonBody), ""},
      {"tampered body", "/myapp.php?foo=1&bar=2&bodySHA256=" + std::string(kJsonHash),
       "a9nBmqA0ju/hNViExpshrM61xv4=", R"({"property": "evil", "boolean": true})",
       "bodySHA256: does not match the body"},
      {"hash swapped for the tampered body's",
       "/myapp.php?foo=1&bar=2&"
       "bodySHA256=0000000000000000000000000000000000000000000000000000000000000000",
       "a9nBmqA0ju/hNViExpshrM61xv4=", std::string(kJsonBody),
       "X-Twilio-Signature: does not match"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    OwnedRequest req{"POST",
                     c.target,
                     {{"Content-Type", "application/json"}, {"X-Twilio-Signature", c.signature}},
                     c.body,
                     {}};
    const auto result = twilio.verify(req.view(), auth);
    if (c.error.empty()) {
      EXPECT_TRUE(result);
    } else {
      ASSERT_FALSE(result);
      EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
      EXPECT_EQ(result.error().detail, c.error);
    }
  }
}

// ---- §9.3 SMS-shaped vector ------------------------------------------------------------------

constexpr std::string_view kSmsUrl = "https://gw.example.org/twilio/sms";
constexpr std::string_view kSmsBody =
    "AccountSid=AC00000000000000000000000000000000&ApiVersion=2010-04-01&Body=Hola+%C2%BFd%C3%"
    "B3nde+"
    "est%C3%A1+el+albergue%3F&From=%2B525512345678&MessageSid=SM11111111111111111111111111111111&"
    "NumMedia=0&NumSegments=1&SmsMessageSid=SM11111111111111111111111111111111&SmsSid="
    "SM11111111111111111111111111111111&SmsStatus=received&To=%2B15005550006";
constexpr std::string_view kSmsSignature = "fyyXvQKpdmCLUy3pvabbFtYw6gw=";

std::string sms_body_with_empty_body() {
  std::string body(kSmsBody);
  const auto start = body.find("Body=") + 5;
  body.erase(start, body.find('&', start) - start);
  return body;
}

TEST(TwilioVerify, SmsShapedVector) {
  const TwilioSms twilio;
  struct Case {
    const char* name;
    std::string target;
    std::string body;
    std::string_view signature;
  };
  const Case cases[] = {
      {"plain", "/twilio/sms", std::string(kSmsBody), kSmsSignature},
      {"query appended", "/twilio/sms?country=mx", std::string(kSmsBody),
       "0WZu2Use9VZjusRIbke7Lq1ro4I="},
      {"empty Body still signed", "/twilio/sms", sms_body_with_empty_body(),
       "vPLbWpU4DAkD5+eWBcVUamb91CM="},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.target, c.body, std::string(c.signature));
    EXPECT_TRUE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"12345"})));
  }
}

TEST(TwilioVerify, SmsShapedVectorRejectsTampering) {
  const TwilioSms twilio;
  const auto auth = auth_for(std::string(kSmsUrl), {"12345"});
  struct Case {
    const char* name;
    std::string target;
    std::string body;
  };
  std::string other_text(kSmsBody);
  other_text.replace(other_text.find("albergue"), 8, "alberguE");
  std::string other_sender(kSmsBody);
  other_sender.replace(other_sender.find("%2B5255"), 7, "%2B5256");
  const Case cases[] = {
      {"body text changed", "/twilio/sms", other_text},
      {"sender changed", "/twilio/sms", other_sender},
      {"field added", "/twilio/sms", std::string(kSmsBody) + "&Extra=1"},
      {"query added", "/twilio/sms?country=mx", std::string(kSmsBody)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.target, c.body, std::string(kSmsSignature));
    const auto result = twilio.verify(req.view(), auth);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().detail, "X-Twilio-Signature: does not match");
  }
  // The signed path is the configured one (the request's path was already matched by the
  // router): a route configured with another URL refuses the signature.
  auto req = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  EXPECT_FALSE(
      twilio.verify(req.view(), auth_for("https://gw.example.org/twilio/sms2", {"12345"})));
}

TEST(TwilioVerify, MissingHeader) {
  const TwilioSms twilio;
  for (const std::string_view value : {"<absent>", "", "  "}) {
    SCOPED_TRACE(value);
    OwnedRequest req{"POST", "/twilio/sms", {}, std::string(kSmsBody), {}};
    if (value != "<absent>") req.headers.emplace_back("X-Twilio-Signature", value);
    const auto result = twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"12345"}));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().detail, "X-Twilio-Signature: missing");
  }
}

TEST(TwilioVerify, HeaderNameIsCaseInsensitive) {
  const TwilioSms twilio;
  OwnedRequest req{"POST",
                   "/twilio/sms",
                   {{"x-twilio-signature", std::string(kSmsSignature)}},
                   std::string(kSmsBody),
                   {}};
  EXPECT_TRUE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"12345"})));
}

TEST(TwilioVerify, WrongTokenDeniedWithoutLeakingSecrets) {
  const TwilioSms twilio;
  auto req = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  const auto result = twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"54321"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
  const std::string message = result.error().message();
  EXPECT_EQ(message.find("54321"), std::string::npos);
  EXPECT_EQ(message.find(twilio_signature(kSmsUrl, {}, "54321")), std::string::npos);
  EXPECT_EQ(message.find(std::string(kSmsSignature)), std::string::npos);
}

TEST(TwilioVerify, RotationAcceptsEveryConfiguredToken) {
  const TwilioSms twilio;
  auto req = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  // New token first, the old one ("12345") still configured during the rotation.
  EXPECT_TRUE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"new-token", "12345"})));
  EXPECT_TRUE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"12345", "new-token"})));
  // Once the old token is dropped, its signatures stop working.
  EXPECT_FALSE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {"new-token"})));
}

TEST(TwilioVerify, NoUsableSecretOrUrlFailsClosed) {
  const TwilioSms twilio;
  auto req = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  EXPECT_FALSE(twilio.verify(req.view(), auth_for(std::string(kSmsUrl), {})));
  // An empty token would make signatures anyone can compute (a GET: the URL alone is signed).
  OwnedRequest forged{
      "GET", "/twilio/sms", {{"X-Twilio-Signature", twilio_signature(kSmsUrl, {}, "")}}, "", {}};
  EXPECT_FALSE(twilio.verify(forged.view(), auth_for(std::string(kSmsUrl), {""})));
  // The same request shape is fine with a real token: only the empty one was refused.
  forged.headers[0].second = twilio_signature(kSmsUrl, {}, "12345");
  EXPECT_TRUE(twilio.verify(forged.view(), auth_for(std::string(kSmsUrl), {"", "12345"})));

  auto ok = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  const auto result = twilio.verify(ok.view(), auth_for("", {"12345"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
}

TEST(TwilioVerify, MalformedBodyOrMethodIsInvalid) {
  const TwilioSms twilio;
  auto bad_escape = form_post("/twilio/sms", "Body=%G1", std::string(kSmsSignature));
  const auto r1 = twilio.verify(bad_escape.view(), auth_for(std::string(kSmsUrl), {"12345"}));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);

  auto put = form_post("/twilio/sms", std::string(kSmsBody), std::string(kSmsSignature));
  put.method = "PUT";
  const auto r2 = twilio.verify(put.view(), auth_for(std::string(kSmsUrl), {"12345"}));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
}

// ---- parse() ---------------------------------------------------------------------------------

// As Twilio posts an SMS to Mexico's migrants' line: its own field order, geo fields (some
// empty), an accented Body.
constexpr std::string_view kRecordedBody =
    "ToCountry=US&ToState=CA&SmsMessageSid=SM9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b&NumMedia=0&ToCity=&"
    "FromZip=&SmsSid=SM9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b&FromState=JAL&SmsStatus=received&FromCity="
    "GUADALAJARA&Body=Busco+informaci%C3%B3n+sobre+asilo+%26+albergues&FromCountry=MX&To=%"
    "2B15005550006&ToZip=&NumSegments=1&MessageSid=SM9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b&AccountSid="
    "AC3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e&From=%2B525512345678&ApiVersion=2010-04-01";

OwnedRequest post_body(std::string body) {
  return OwnedRequest{
      "POST", "/twilio/sms", {{"Content-Type", "application/x-www-form-urlencoded"}}, body, {}};
}

TEST(TwilioParse, RecordedSmsWebhook) {
  const TwilioSms twilio;
  auto req = post_body(std::string(kRecordedBody));
  const auto result = twilio.parse(req.view(), RouteAuth{});
  ASSERT_TRUE(result) << result.error().message();
  ASSERT_EQ(result->size(), 1u);
  const InboundSms& sms = result->front();
  EXPECT_EQ(sms.external_id, "SM9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b");
  EXPECT_EQ(sms.from.e164(), "+525512345678");
  EXPECT_EQ(sms.to, "+15005550006");
  EXPECT_EQ(sms.text, "Busco información sobre asilo & albergues");
  EXPECT_EQ(sms.network_code, "");
  EXPECT_FALSE(sms.part.has_value());
}

TEST(TwilioParse, SmsShapedVectorBody) {
  const TwilioSms twilio;
  auto req = post_body(std::string(kSmsBody));
  const auto result = twilio.parse(req.view(), RouteAuth{});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->front().text, "Hola ¿dónde está el albergue?");
  EXPECT_EQ(result->front().external_id, "SM11111111111111111111111111111111");

  auto empty = post_body(sms_body_with_empty_body());
  const auto empty_result = twilio.parse(empty.view(), RouteAuth{});
  ASSERT_TRUE(empty_result) << empty_result.error().message();
  EXPECT_EQ(empty_result->front().text, "");
}

TEST(TwilioParse, GetWebhookReadsTheQuery) {
  const TwilioSms twilio;
  OwnedRequest req{"GET",
                   "/twilio/sms?MessageSid=SM22&From=%2B50255550000&To=%2B15005550006&Body=Hola",
                   {},
                   "",
                   {}};
  const auto result = twilio.parse(req.view(), RouteAuth{});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->front().external_id, "SM22");
  EXPECT_EQ(result->front().from.e164(), "+50255550000");
  EXPECT_EQ(result->front().text, "Hola");
}

TEST(TwilioParse, RejectsWithFieldNamesOnly) {
  const TwilioSms twilio;
  struct Case {
    const char* name;
    std::string body;
    std::string_view detail;
  };
  const Case cases[] = {
      {"no MessageSid", "From=%2B525512345678&To=%2B15005550006&Body=Hola", "MessageSid: missing"},
      {"empty MessageSid", "MessageSid=&From=%2B525512345678&Body=Hola", "MessageSid: missing"},
      {"no From", "MessageSid=SM1&To=%2B15005550006&Body=Hola", "From: missing"},
      {"national From", "MessageSid=SM1&From=0445512345678&Body=Hola",
       "From: not an international number"},
      {"letters in From", "MessageSid=SM1&From=%2B52abc12345678&Body=Hola",
       "From: not an international number"},
      {"WhatsApp sender", "MessageSid=SM1&From=whatsapp%3A%2B525512345678&Body=Hola",
       "From: not an SMS sender"},
      {"MessageSid with spaces", "MessageSid=SM+1&From=%2B525512345678", ""},
      {"Latin-1 Body", "MessageSid=SM1&From=%2B525512345678&Body=informaci%F3n",
       "Body: not valid UTF-8"},
      {"overlong UTF-8 Body", "MessageSid=SM1&From=%2B525512345678&Body=%C0%AF",
       "Body: not valid UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = post_body(c.body);
    const auto result = twilio.parse(req.view(), RouteAuth{});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    if (!c.detail.empty()) {
      EXPECT_EQ(result.error().detail, c.detail);
    }
    EXPECT_EQ(result.error().message().find("5512345678"), std::string::npos);
  }
}

TEST(TwilioParse, UnknownFieldsTolerated) {
  const TwilioSms twilio;
  auto req =
      post_body("MessageSid=SM1&From=%2B525512345678&Body=Hola&OptOutType=HELP&SomeFutureField=x");
  EXPECT_TRUE(twilio.parse(req.view(), RouteAuth{}));
}

// ---- reply() ---------------------------------------------------------------------------------

TEST(TwilioReply, TwimlExactBytes) {
  const TwilioSms twilio;
  EXPECT_TRUE(twilio.replies_inline());
  EXPECT_EQ(twilio.name(), "twilio");
  struct Case {
    const char* name;
    std::optional<std::string_view> text;
    std::string_view body;
  };
  const Case cases[] = {
      {"no reply", std::nullopt, R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)"},
      {"empty reply", "", R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)"},
      {"plain", "foobar",
       R"(<?xml version="1.0" encoding="UTF-8"?><Response><Message>foobar</Message></Response>)"},
      {"escaped", R"(1 < 2 & "a" > 'b')",
       R"(<?xml version="1.0" encoding="UTF-8"?><Response><Message>1 &lt; 2 &amp; &quot;a&quot; &gt; &apos;b&apos;</Message></Response>)"},
      {"UTF-8 and newlines kept", "Albergue:\nCalle Niños Héroes 5",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Albergue:\nCalle Niños Héroes "
       "5</Message></Response>"},
      {"XML-invalid controls dropped",
       std::string_view("a\x01"
                        "b\x1b"
                        "c",
                        5),
       R"(<?xml version="1.0" encoding="UTF-8"?><Response><Message>abc</Message></Response>)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const WebhookReply reply = twilio.reply(c.text);
    EXPECT_EQ(reply.status, 200u);
    EXPECT_EQ(reply.content_type, "text/xml");
    EXPECT_EQ(reply.body, c.body);
  }
}

// ---- Recorded fixture ------------------------------------------------------------------------

TEST(TwilioFixture, RecordedInboundSmsVerifiesAndParses) {
  const TwilioSms twilio;
  OwnedRequest req = load_recorded_request("tests/fixtures/carriers/twilio/inbound_sms.http");
  ASSERT_EQ(req.method, "POST");
  ASSERT_EQ(req.target, "/v1/twilio/sms");
  const auto auth = auth_for("http://127.0.0.1/v1/twilio/sms", {"test-token-123"});

  const auto verified = twilio.verify(req.view(), auth);
  ASSERT_TRUE(verified) << verified.error().message();
  const auto parsed = twilio.parse(req.view(), auth);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->front().external_id, "SM5f2c4a7be1d04b8e9c3a61d0b7e2f481");
  EXPECT_EQ(parsed->front().from.e164(), "+525587654321");
  EXPECT_EQ(parsed->front().to, "+15005550006");
  EXPECT_EQ(parsed->front().text, "Necesito información del albergue en Tijuana");

  // The same recording under another token, or with one byte of the body changed, is refused.
  EXPECT_FALSE(twilio.verify(req.view(), auth_for(auth.public_url, {"test-token-124"})));
  req.body.back() = '2';  // ApiVersion=2010-04-02
  EXPECT_FALSE(twilio.verify(req.view(), auth));
}

}  // namespace
}  // namespace ventanilla::carriers
