#include "carriers/vonage.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using Method = VonageSignatureMethod;

// ---- Request building and recorded fixtures -------------------------------------------------

using test_support::load_recorded_request;
using test_support::OwnedRequest;

// As Vonage's clients form-encode: "-_.~" kept, space as '+'.
std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out +=
        test_support::form_url_encode(k, "-_.~") + '=' + test_support::form_url_encode(v, "-_.~");
  }
  return out;
}

OwnedRequest get_request(const Params& params) {
  return OwnedRequest{"GET", "/webhooks/vonage/sms?" + form_encode(params), {}, "", {}};
}

OwnedRequest form_post(const Params& params) {
  return OwnedRequest{"POST",
                      "/webhooks/vonage/sms",
                      {{"Content-Type", "application/x-www-form-urlencoded"}},
                      form_encode(params),
                      {}};
}

OwnedRequest json_post(const boost::json::object& object) {
  return OwnedRequest{"POST",
                      "/webhooks/vonage/sms",
                      {{"Content-Type", "application/json; charset=utf-8"}},
                      boost::json::serialize(object),
                      {}};
}

OwnedRequest json_post(const Params& params) {
  boost::json::object o;
  for (const auto& [k, v] : params) o[k] = v;
  return json_post(o);
}

Params with(Params params, const std::string& key, const std::string& value) {
  for (auto& [k, v] : params) {
    if (k == key) {
      v = value;
      return params;
    }
  }
  params.emplace_back(key, value);
  return params;
}

Params without(Params params, const std::string& key) {
  std::erase_if(params, [&](const auto& p) { return p.first == key; });
  return params;
}

Params signed_params(Params params, std::string_view secret, Method method = Method::kMd5Hash) {
  const std::string sig = vonage_signature(params, secret, method);
  params.emplace_back("sig", sig);
  return params;
}

RouteAuth auth_at(std::int64_t now_s, std::vector<std::string> secrets) {
  RouteAuth auth;
  auth.secrets = std::move(secrets);
  auth.now_s = now_s;
  return auth;
}

// ---- §9.4 official vectors (Vonage Ruby SDK test/vonage/signature_test.rb) -------------------

constexpr std::string_view kOfficialSecret = "my_secret_key_for_testing";

// Deliberately not in sorted order: vonage_signature must sort ("message-timestamp" < "messageId").
const Params kOfficialParams = {
    {"type", "text"},
    {"to", "13239877404"},
    {"text", "Test again"},
    {"timestamp", "1385047698"},
    {"msisdn", "14843472194"},
    {"messageId", "020000001B0FE827"},
    {"message-timestamp", "2013-11-21 15:27:30"},
};

struct SignatureVector {
  const char* name;
  Method method;
  std::string_view expected;
};

const SignatureVector kOfficialVectors[] = {
    {"md5hash", Method::kMd5Hash, "d2e7b1dc968737c5998ad624e02f90b7"},
    {"hmac_md5", Method::kMd5, "DDEBD46008C2D4E93CCE578A332A52D5"},
    {"hmac_sha1", Method::kSha1, "27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A"},
    {"hmac_sha256", Method::kSha256,
     "DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330"},
    {"hmac_sha512", Method::kSha512,
     "E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5B"
     "A3A256C0D763AC4A9AD9144B5A426B94FE82"},
};

TEST(VonageSignature, OfficialVectorsEveryMethod) {
  for (const auto& v : kOfficialVectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(vonage_signature(kOfficialParams, kOfficialSecret, v.method), v.expected);
  }
}

TEST(VonageSignature, OfficialVectorsVerifyAsRequests) {
  for (const auto& v : kOfficialVectors) {
    SCOPED_TRACE(v.name);
    const VonageSms vonage(v.method);
    auto req = get_request(with(kOfficialParams, "sig", std::string(v.expected)));
    EXPECT_TRUE(vonage.verify(req.view(), auth_at(1385047698, {std::string(kOfficialSecret)})));
  }
}

TEST(VonageSignature, MethodNamesAsConfigured) {
  EXPECT_EQ(vonage_signature_method("md5hash"), Method::kMd5Hash);
  EXPECT_EQ(vonage_signature_method("md5"), Method::kMd5);
  EXPECT_EQ(vonage_signature_method("sha1"), Method::kSha1);
  EXPECT_EQ(vonage_signature_method("sha256"), Method::kSha256);
  EXPECT_EQ(vonage_signature_method("sha512"), Method::kSha512);
  for (const char* bad : {"", "MD5HASH", "hmac-sha256", "sha384", "none"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(vonage_signature_method(bad).has_value());
  }
}

TEST(VonageSignature, SigParameterIsNotSigned) {
  EXPECT_EQ(
      vonage_signature(with(kOfficialParams, "sig", "anything"), kOfficialSecret, Method::kMd5Hash),
      "d2e7b1dc968737c5998ad624e02f90b7");
}

TEST(VonageSignature, AmpersandAndEqualsInValuesBecomeUnderscore) {
  for (const char* value : {"_", "&", "="}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(vonage_signature({{"k", value}}, kOfficialSecret, Method::kMd5Hash),
              "c3d6a686ab9c7e7408bb1c0506e9629a");
  }
  // Control: a different value gives a different signature.
  EXPECT_NE(vonage_signature({{"k", "-"}}, kOfficialSecret, Method::kMd5Hash),
            "c3d6a686ab9c7e7408bb1c0506e9629a");
}

TEST(VonageSignature, OlderSdkVector) {
  EXPECT_EQ(vonage_signature({{"b", "2"}, {"timestamp", "1461605396"}, {"a", "1"}}, "secret",
                             Method::kMd5Hash),
            "6af838ef94998832dbfc29020b564830");
}

// Inbound-SMS-shaped vector (computed, §9.4): the text holds '&' and '='.
constexpr std::string_view kSmsSecret = "abc123";
constexpr std::int64_t kSmsTimestamp = 1714564800;
constexpr std::string_view kSmsMd5Hash = "0542a35f276eb44dea87beda649c5bd0";
constexpr std::string_view kSmsSha256 =
    "A1CEAE05D82F75627D40CF783A66BBF58DD3AC82A95CB51BF28C0119E164CD9C";
const Params kSmsParams = {
    {"msisdn", "525512345678"},
    {"to", "15005550006"},
    {"messageId", "0A0000001234ABCD"},
    {"text", "Hola A&B=C"},
    {"type", "text"},
    {"keyword", "HOLA"},
    {"message-timestamp", "2024-05-01 12:00:00"},
    {"timestamp", "1714564800"},
    {"nonce", "6f1c2a"},
};

TEST(VonageSignature, InboundSmsShapedVector) {
  EXPECT_EQ(vonage_signature(kSmsParams, kSmsSecret, Method::kMd5Hash), kSmsMd5Hash);
  EXPECT_EQ(vonage_signature(kSmsParams, kSmsSecret, Method::kSha256), kSmsSha256);
}

// ---- verify() --------------------------------------------------------------------------------

TEST(VonageVerify, AcceptsTheSameSignedMessageAsGetFormAndJson) {
  struct Case {
    const char* name;
    Method method;
    std::string_view sig;
  };
  for (const Case& c : {Case{"md5hash", Method::kMd5Hash, kSmsMd5Hash},
                        Case{"sha256", Method::kSha256, kSmsSha256}}) {
    const VonageSms vonage(c.method);
    const Params params = with(kSmsParams, "sig", std::string(c.sig));
    const RouteAuth auth = auth_at(kSmsTimestamp, {std::string(kSmsSecret)});
    std::vector<std::pair<std::string, OwnedRequest>> requests;
    requests.emplace_back("GET query", get_request(params));
    requests.emplace_back("POST form", form_post(params));
    requests.emplace_back("POST JSON", json_post(params));
    // JSON clients may send the timestamp as a number: it signs as its decimal digits.
    boost::json::object numeric;
    for (const auto& [k, v] : params) numeric[k] = v;
    numeric["timestamp"] = kSmsTimestamp;
    requests.emplace_back("POST JSON numeric timestamp", json_post(numeric));
    for (auto& [name, req] : requests) {
      SCOPED_TRACE(std::string(c.name) + " " + name);
      const auto verified = vonage.verify(req.view(), auth);
      EXPECT_TRUE(verified) << (verified ? "" : verified.error().detail);
    }
  }
}

struct Rejection {
  const char* name;
  OwnedRequest request;
  RouteAuth auth;
  std::string detail;
};

TEST(VonageVerify, RejectsWithPreciseDetail) {
  const std::string secret(kSmsSecret);
  const Params good = signed_params(kSmsParams, secret);
  std::vector<Rejection> cases;
  cases.push_back({"tampered text", get_request(with(good, "text", "Hola A&B=D")),
                   auth_at(kSmsTimestamp, {secret}), "sig: does not match"});
  cases.push_back({"tampered timestamp", get_request(with(good, "timestamp", "1714564801")),
                   auth_at(kSmsTimestamp, {secret}), "sig: does not match"});
  cases.push_back({"added parameter", get_request(with(good, "extra", "1")),
                   auth_at(kSmsTimestamp, {secret}), "sig: does not match"});
  cases.push_back({"wrong secret", get_request(good), auth_at(kSmsTimestamp, {"abc124"}),
                   "sig: does not match"});
  cases.push_back({"no secret configured", get_request(good), auth_at(kSmsTimestamp, {}),
                   "sig: does not match"});
  cases.push_back(
      {"missing sig", get_request(kSmsParams), auth_at(kSmsTimestamp, {secret}), "sig: missing"});
  cases.push_back({"empty sig", get_request(with(kSmsParams, "sig", "")),
                   auth_at(kSmsTimestamp, {secret}), "sig: does not match"});
  // md5hash is lowercase hex exactly; an uppercased copy is not Vonage's signature.
  cases.push_back({"md5hash uppercased",
                   get_request(with(kSmsParams, "sig", "0542A35F276EB44DEA87BEDA649C5BD0")),
                   auth_at(kSmsTimestamp, {secret}), "sig: does not match"});
  cases.push_back({"stale by one second", get_request(good), auth_at(kSmsTimestamp + 301, {secret}),
                   "timestamp: outside the 300 s window"});
  cases.push_back({"future by one second", get_request(good),
                   auth_at(kSmsTimestamp - 301, {secret}), "timestamp: outside the 300 s window"});
  cases.push_back({"stale by a day", get_request(good), auth_at(kSmsTimestamp + 86400, {secret}),
                   "timestamp: outside the 300 s window"});
  cases.push_back({"signed without timestamp",
                   get_request(signed_params(without(kSmsParams, "timestamp"), secret)),
                   auth_at(kSmsTimestamp, {secret}), "timestamp: missing"});
  cases.push_back({"signed non-numeric timestamp",
                   get_request(signed_params(with(kSmsParams, "timestamp", "yesterday"), secret)),
                   auth_at(kSmsTimestamp, {secret}), "timestamp: not Unix seconds"});
  cases.push_back({"signed negative timestamp",
                   get_request(signed_params(with(kSmsParams, "timestamp", "-5"), secret)),
                   auth_at(kSmsTimestamp, {secret}), "timestamp: not Unix seconds"});
  RouteAuth narrow = auth_at(kSmsTimestamp + 61, {secret});
  narrow.timestamp_window = std::chrono::seconds(60);
  cases.push_back(
      {"configured window", get_request(good), narrow, "timestamp: outside the 60 s window"});

  const VonageSms vonage;
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto verified = vonage.verify(c.request.view(), c.auth);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(verified.error().detail, c.detail);
    EXPECT_EQ(verified.error().message().find(secret), std::string::npos);
  }
}

TEST(VonageVerify, WindowEdgesAreInclusive) {
  const std::string secret(kSmsSecret);
  auto req = get_request(signed_params(kSmsParams, secret));
  const VonageSms vonage;
  for (const std::int64_t offset : {-300, -1, 0, 1, 300}) {
    SCOPED_TRACE(offset);
    EXPECT_TRUE(vonage.verify(req.view(), auth_at(kSmsTimestamp + offset, {secret})));
  }
  for (const std::int64_t offset : {-301, 301}) {
    SCOPED_TRACE(offset);
    EXPECT_FALSE(vonage.verify(req.view(), auth_at(kSmsTimestamp + offset, {secret})));
  }
}

TEST(VonageVerify, HmacSignaturesAreUppercaseExactly) {
  std::string lower(kSmsSha256);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const VonageSms vonage(Method::kSha256);
  const RouteAuth auth = auth_at(kSmsTimestamp, {std::string(kSmsSecret)});
  auto upper_req = get_request(with(kSmsParams, "sig", std::string(kSmsSha256)));
  auto lower_req = get_request(with(kSmsParams, "sig", lower));
  EXPECT_TRUE(vonage.verify(upper_req.view(), auth));
  EXPECT_FALSE(vonage.verify(lower_req.view(), auth));
}

TEST(VonageVerify, OnlyTheConfiguredMethodVerifies) {
  const RouteAuth auth = auth_at(kSmsTimestamp, {std::string(kSmsSecret)});
  auto md5_req = get_request(with(kSmsParams, "sig", std::string(kSmsMd5Hash)));
  auto sha_req = get_request(with(kSmsParams, "sig", std::string(kSmsSha256)));
  EXPECT_FALSE(VonageSms(Method::kSha256).verify(md5_req.view(), auth));
  EXPECT_FALSE(VonageSms(Method::kMd5Hash).verify(sha_req.view(), auth));
  EXPECT_FALSE(VonageSms(Method::kSha512).verify(sha_req.view(), auth));
}

TEST(VonageVerify, AnyRotatedSecretVerifies) {
  const VonageSms vonage;
  auto by_new = get_request(signed_params(kSmsParams, "new-secret"));
  auto by_old = get_request(signed_params(kSmsParams, "old-secret"));
  const RouteAuth rotating = auth_at(kSmsTimestamp, {"new-secret", "old-secret"});
  EXPECT_TRUE(vonage.verify(by_new.view(), rotating));
  EXPECT_TRUE(vonage.verify(by_old.view(), rotating));
  // After the rotation ends, the old secret no longer verifies.
  EXPECT_FALSE(vonage.verify(by_old.view(), auth_at(kSmsTimestamp, {"new-secret"})));
}

TEST(VonageVerify, EmptySecretNeverVerifies) {
  auto req = get_request(signed_params(kSmsParams, ""));
  EXPECT_FALSE(VonageSms().verify(req.view(), auth_at(kSmsTimestamp, {"", "real"})));
}

TEST(VonageVerify, UnsignedAllowedOnlyWhenNotRequired) {
  const VonageSms optional(Method::kMd5Hash, /*require_signature=*/false);
  const RouteAuth auth = auth_at(kSmsTimestamp, {std::string(kSmsSecret)});
  auto unsigned_req = get_request(kSmsParams);
  EXPECT_TRUE(optional.verify(unsigned_req.view(), auth));
  // A signature that is present is still checked.
  auto bad_sig = get_request(with(kSmsParams, "sig", "00000000000000000000000000000000"));
  const auto verified = optional.verify(bad_sig.view(), auth);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().detail, "sig: does not match");
}

TEST(VonageVerify, UndecodableRequestsAreInvalidArgument) {
  const RouteAuth auth = auth_at(kSmsTimestamp, {std::string(kSmsSecret)});
  std::vector<std::pair<const char*, OwnedRequest>> cases;
  cases.emplace_back("bad escape", OwnedRequest{"GET", "/v?text=%zz&sig=1", {}, "", {}});
  cases.emplace_back("repeated field", OwnedRequest{"GET", "/v?sig=1&sig=2", {}, "", {}});
  cases.emplace_back("not JSON", json_post(Params{}));
  cases.back().second.body = "{\"sig\":";
  cases.emplace_back("JSON array", json_post(Params{}));
  cases.back().second.body = "[\"sig\"]";
  boost::json::object boolean;
  boolean["sig"] = "x";
  boolean["concat"] = true;
  cases.emplace_back("JSON boolean", json_post(boolean));
  cases.emplace_back("PUT", OwnedRequest{"PUT", "/v", {}, "sig=1", {}});
  for (auto& [name, req] : cases) {
    SCOPED_TRACE(name);
    const auto verified = VonageSms().verify(req.view(), auth);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::kInvalidArgument);
  }
}

// ---- Recorded webhook --------------------------------------------------------------------------

constexpr std::int64_t kFixtureTimestamp = 1795924872;  // 2026-11-29 04:01:12 UTC

TEST(VonageRecorded, InboundSmsGetVerifiesAndParses) {
  auto recorded = load_recorded_request("tests/fixtures/carriers/vonage/inbound_sms_get.http");
  ASSERT_EQ(recorded.method, "GET");
  const VonageSms vonage;
  const RouteAuth auth = auth_at(kFixtureTimestamp + 2, {"test-secret"});
  const auto verified = vonage.verify(recorded.view(), auth);
  EXPECT_TRUE(verified) << (verified ? "" : verified.error().detail);
  EXPECT_FALSE(vonage.verify(recorded.view(), auth_at(kFixtureTimestamp, {"other-secret"})));

  const auto parsed = vonage.parse(recorded.view(), auth);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 1u);
  const InboundSms& sms = parsed->front();
  EXPECT_EQ(sms.external_id, "0B00000051D3C9A1");
  EXPECT_EQ(sms.from.e164(), "+525512345678");
  EXPECT_EQ(sms.to, "15005550006");
  EXPECT_EQ(sms.text, "Informaci\xC3\xB3n de albergues");  // %C3%B3 decoded, '+' as space
  EXPECT_EQ(sms.network_code, "");
  EXPECT_FALSE(sms.part.has_value());
}

// ---- parse() ------------------------------------------------------------------------------------

const Params kPlainSms = {
    {"msisdn", "50255550123"},
    {"to", "12015550000"},
    {"messageId", "0B0000004B65F62F"},
    {"text", "AYUDA albergue"},
    {"type", "text"},
    {"keyword", "AYUDA"},
    {"message-timestamp", "2026-11-29 04:00:00"},
};

TEST(VonageParse, SameMessageFromGetFormAndJson) {
  const Params params = with(kPlainSms, "text",
                             "\xC2\xBF"
                             "D\xC3\xB3nde? A&B=C 100%");
  std::vector<std::pair<std::string, OwnedRequest>> requests;
  requests.emplace_back("GET query", get_request(params));
  requests.emplace_back("POST form", form_post(params));
  requests.emplace_back("POST JSON", json_post(params));
  for (auto& [name, req] : requests) {
    SCOPED_TRACE(name);
    const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
    ASSERT_TRUE(parsed) << parsed.error().detail;
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ(parsed->front().text,
              "\xC2\xBF"
              "D\xC3\xB3nde? A&B=C 100%");
    EXPECT_EQ(parsed->front().from.e164(), "+50255550123");
    EXPECT_EQ(parsed->front().external_id, "0B0000004B65F62F");
  }
}

TEST(VonageParse, UnicodeTypeAndPlusAsSpace) {
  auto req = OwnedRequest{"POST",
                          "/webhooks/vonage/sms",
                          {{"Content-Type", "application/x-www-form-urlencoded"}},
                          "msisdn=%2B50255550123&to=12015550000&messageId=0B0000004B65F630"
                          "&text=Necesito+informaci%C3%B3n&type=unicode",
                          {}};
  const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->front().text, "Necesito informaci\xC3\xB3n");
  EXPECT_EQ(parsed->front().from.e164(), "+50255550123");
}

TEST(VonageParse, ConcatenatedPart) {
  const Params params =
      with(with(with(with(kPlainSms, "concat", "true"), "concat-ref", "108"), "concat-total", "3"),
           "concat-part", "2");
  auto req = json_post(params);
  const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_TRUE(parsed->front().part.has_value());
  EXPECT_EQ(*parsed->front().part, (InboundSms::Part{"108", 3, 2}));
}

struct ConcatCase {
  const char* ref;    // nullptr: absent
  const char* total;  // nullptr: absent
  const char* part;   // nullptr: absent
  const char* error;  // nullptr: accepted; else the start of the detail
};

TEST(VonageParse, ConcatPartValidation) {
  const ConcatCase cases[] = {
      {"A1", "2", "1", nullptr},
      {"A1", "2", "2", nullptr},
      {"A1", "16", "16", nullptr},
      {"A1", "16", "1", nullptr},
      {nullptr, "2", "1", "concat-ref:"},
      {"", "2", "1", "concat-ref:"},
      {"A1", nullptr, "1", "concat-total:"},
      {"A1", "1", "1", "concat-total:"},
      {"A1", "0", "1", "concat-total:"},
      {"A1", "17", "1", "concat-total:"},
      {"A1", "x", "1", "concat-total:"},
      {"A1", "", "1", "concat-total:"},
      {"A1", "-2", "1", "concat-total:"},
      {"A1", "4294967298", "1", "concat-total:"},
      {"A1", "2", nullptr, "concat-part:"},
      {"A1", "2", "0", "concat-part:"},
      {"A1", "2", "3", "concat-part:"},
      {"A1", "2", "-1", "concat-part:"},
      {"A1", "2", "1.5", "concat-part:"},
      {"A1", "2", " 1", "concat-part:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.ref ? c.ref : "-") + "/" + (c.total ? c.total : "-") + "/" +
                 (c.part ? c.part : "-"));
    Params params = with(kPlainSms, "concat", "true");
    if (c.ref) params = with(params, "concat-ref", c.ref);
    if (c.total) params = with(params, "concat-total", c.total);
    if (c.part) params = with(params, "concat-part", c.part);
    auto req = get_request(params);
    const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
    if (!c.error) {
      ASSERT_TRUE(parsed) << parsed.error().detail;
      ASSERT_TRUE(parsed->front().part.has_value());
      EXPECT_EQ(parsed->front().part->ref, c.ref);
      EXPECT_EQ(std::to_string(parsed->front().part->total), c.total);
      EXPECT_EQ(std::to_string(parsed->front().part->index), c.part);
    } else {
      ASSERT_FALSE(parsed);
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(parsed.error().detail.rfind(c.error, 0), 0u) << parsed.error().detail;
    }
  }
}

TEST(VonageParse, ConcatFieldsWithoutConcatFlagStillValidated) {
  auto req = get_request(with(kPlainSms, "concat-part", "1"));
  const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().detail, "concat-ref: missing");
}

TEST(VonageParse, RejectsMalformedMessagesNamingTheField) {
  struct Case {
    const char* name;
    Params params;
    std::string detail;
  };
  const Case cases[] = {
      {"binary", with(without(kPlainSms, "text"), "type", "binary"),
       "type: binary messages are not supported"},
      {"unknown type", with(kPlainSms, "type", "wap"), "type: not text, unicode or binary"},
      {"missing msisdn", without(kPlainSms, "msisdn"), "msisdn: missing"},
      {"empty msisdn", with(kPlainSms, "msisdn", ""), "msisdn: missing"},
      {"national msisdn", with(kPlainSms, "msisdn", "0255550123"),
       "msisdn: not an international number"},
      {"letters in msisdn", with(kPlainSms, "msisdn", "5025555abcd"),
       "msisdn: not an international number"},
      {"missing messageId", without(kPlainSms, "messageId"), "messageId: missing"},
      {"messageId with spaces", with(kPlainSms, "messageId", "0B00 0000"),
       "messageId: not a printable id of at most 64 characters"},
      {"missing text", without(kPlainSms, "text"), "text: missing"},
      {"Latin-1 text", with(kPlainSms, "text", "informaci\xf3n"), "text: not valid UTF-8"},
      {"UTF-8 surrogate", with(kPlainSms, "text", "a\xed\xa0\x80"), "text: not valid UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.params);
    const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().detail, c.detail);
    EXPECT_EQ(parsed.error().message().find("5025555"), std::string::npos);  // never echoed
  }
}

TEST(VonageParse, MissingOptionalFieldsAreTolerated) {
  // `to` absent and `type` absent (read as text); keyword is ignored.
  auto req = get_request(without(without(kPlainSms, "to"), "type"));
  const auto parsed = VonageSms().parse(req.view(), RouteAuth{});
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->front().to, "");
  EXPECT_EQ(parsed->front().text, "AYUDA albergue");
}

TEST(VonageReply, BareOkAndNoInlineReplies) {
  const VonageSms vonage;
  EXPECT_EQ(vonage.name(), "vonage");
  EXPECT_FALSE(vonage.replies_inline());
  const WebhookReply r = vonage.reply("ignored");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "");
}

}  // namespace
}  // namespace ventanilla::carriers
