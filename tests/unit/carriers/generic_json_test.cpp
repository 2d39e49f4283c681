#include "carriers/generic_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

// The worked vector of generic_json.md, computed independently with Python's hmac module and
// `openssl dgst -sha256 -hmac`.
constexpr std::string_view kSecret = "vtn_test_4b2f8e1a9c7d3e6f";
constexpr std::string_view kTimestamp = "1795924872";
constexpr std::int64_t kSentAt = 1795924872;
constexpr std::string_view kBody =
    R"({"id":"gx-20261129-0001","from":"+50255550123","to":"40404","text":"Necesito información","network":"704001"})";
constexpr std::string_view kSignature =
    "sha256=6b29f81062c549e4d26f61ee5db7b1e6c31ef2da38735c0a5e71eb1a36968a32";

using test_support::load_recorded_request;
using test_support::OwnedRequest;

OwnedRequest signed_post(std::string body, std::string timestamp, std::string signature) {
  return OwnedRequest{"POST",
                      "/v1/generic/sms",
                      {{"Content-Type", "application/json"},
                       {"X-Ventanilla-Timestamp", std::move(timestamp)},
                       {"X-Ventanilla-Signature", std::move(signature)}},
                      std::move(body),
                      {}};
}

OwnedRequest signed_with(std::string_view secret, std::string body = std::string(kBody),
                         std::string timestamp = std::string(kTimestamp)) {
  std::string signature = generic_json_signature(secret, timestamp, body);
  return signed_post(std::move(body), std::move(timestamp), std::move(signature));
}

RouteAuth route_at(std::int64_t now_s, std::vector<std::string> secrets = {std::string(kSecret)}) {
  RouteAuth auth;
  auth.secrets = std::move(secrets);
  auth.now_s = now_s;
  auth.timestamp_window = std::chrono::seconds(300);
  return auth;
}

Result<void> verify(OwnedRequest request, const RouteAuth& auth) {
  return GenericJsonSms().verify(request.view(), auth);
}

Result<std::vector<InboundSms>> parse(OwnedRequest request) {
  return GenericJsonSms().parse(request.view(), route_at(kSentAt));
}

// ---- Signature ----------------------------------------------------------------------------------

TEST(GenericJsonSms, SignatureMatchesTheWorkedVector) {
  EXPECT_EQ(generic_json_signature(kSecret, kTimestamp, kBody), kSignature);
  // Every input is covered: a different secret, timestamp or body changes it.
  EXPECT_NE(generic_json_signature("vtn_old_secret", kTimestamp, kBody), kSignature);
  EXPECT_NE(generic_json_signature(kSecret, "1795924873", kBody), kSignature);
  EXPECT_NE(generic_json_signature(kSecret, kTimestamp, std::string(kBody) + " "), kSignature);
}

TEST(GenericJsonSms, RecordedRequestVerifiesAndDecodes) {
  auto request = load_recorded_request("tests/fixtures/carriers/generic/inbound.http");
  ASSERT_EQ(request.body, kBody);
  const GenericJsonSms generic;
  auto verified = generic.verify(request.view(), route_at(kSentAt + 2));
  ASSERT_TRUE(verified.has_value()) << verified.error().message();
  auto messages = generic.parse(request.view(), route_at(kSentAt + 2));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  ASSERT_EQ(messages->size(), 1u);
  const InboundSms& sms = messages->front();
  EXPECT_EQ(sms.external_id, "gx-20261129-0001");
  EXPECT_EQ(sms.from.e164(), "+50255550123");
  EXPECT_EQ(sms.to, "40404");
  EXPECT_EQ(sms.text, "Necesito información");
  EXPECT_EQ(sms.network_code, "704001");
  EXPECT_FALSE(sms.part.has_value());
}

TEST(GenericJsonSms, TimestampWindowEdgesPastAndFuture) {
  struct Case {
    std::string label;
    std::int64_t now_s;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {"same second", kSentAt, true},
      {"300 s old (edge)", kSentAt + 300, true},
      {"301 s old", kSentAt + 301, false},
      {"a day old", kSentAt + 86400, false},
      {"300 s in the future (edge)", kSentAt - 300, true},
      {"301 s in the future", kSentAt - 301, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto result = verify(signed_with(kSecret), route_at(c.now_s));
    if (c.accepted) {
      EXPECT_TRUE(result.has_value()) << result.error().message();
    } else {
      ASSERT_FALSE(result.has_value());
      EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
      EXPECT_EQ(result.error().detail, "X-Ventanilla-Timestamp: outside the 300 s window");
    }
  }
}

TEST(GenericJsonSms, TamperedRequestsAreDenied) {
  struct Case {
    std::string label;
    OwnedRequest request;
  };
  std::string tampered_body(kBody);
  tampered_body.replace(tampered_body.find("40404"), 5, "40405");
  std::vector<Case> cases;
  cases.push_back({"body changed, signature kept",
                   signed_post(tampered_body, std::string(kTimestamp), std::string(kSignature))});
  cases.push_back(
      {"trailing byte appended",
       signed_post(std::string(kBody) + "\n", std::string(kTimestamp), std::string(kSignature))});
  cases.push_back({"timestamp moved, signature kept",
                   signed_post(std::string(kBody), "1795924873", std::string(kSignature))});
  cases.push_back({"signed with another secret", signed_with("someone-else")});
  cases.push_back({"signed with an empty secret", signed_with("")});
  for (auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto result = verify(std::move(c.request), route_at(kSentAt));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().detail, "signature: does not match");
  }
}

TEST(GenericJsonSms, AnyConfiguredSecretVerifiesDuringRotation) {
  const RouteAuth rotating = route_at(kSentAt, {"vtn_new_secret", std::string(kSecret)});
  EXPECT_TRUE(verify(signed_with(kSecret), rotating).has_value());           // previous secret
  EXPECT_TRUE(verify(signed_with("vtn_new_secret"), rotating).has_value());  // current secret
  EXPECT_FALSE(verify(signed_with("vtn_retired"), rotating).has_value());

  // An empty secret in the list never verifies anything, not even a request signed with "".
  const RouteAuth with_empty = route_at(kSentAt, {"", "vtn_new_secret"});
  EXPECT_FALSE(verify(signed_with(""), with_empty).has_value());
  EXPECT_TRUE(verify(signed_with("vtn_new_secret"), with_empty).has_value());
  EXPECT_FALSE(verify(signed_with(kSecret), route_at(kSentAt, {})).has_value());
}

TEST(GenericJsonSms, UppercaseHexIsTheSameSignature) {
  std::string upper(kSignature);
  for (std::size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  EXPECT_TRUE(
      verify(signed_post(std::string(kBody), std::string(kTimestamp), upper), route_at(kSentAt))
          .has_value());
}

TEST(GenericJsonSms, MissingOrMalformedHeadersAreDenied) {
  struct Case {
    std::string label;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expected_error;
  };
  const std::string sig(kSignature);
  const std::string ts(kTimestamp);
  const std::vector<Case> cases = {
      {"no signature", {{"X-Ventanilla-Timestamp", ts}}, "X-Ventanilla-Signature: missing"},
      {"no timestamp", {{"X-Ventanilla-Signature", sig}}, "X-Ventanilla-Timestamp: missing"},
      {"other algorithm",
       {{"X-Ventanilla-Timestamp", ts}, {"X-Ventanilla-Signature", "sha1=" + sig.substr(7)}},
       "X-Ventanilla-Signature: not sha256=<64 hex digits>"},
      {"bare hex",
       {{"X-Ventanilla-Timestamp", ts}, {"X-Ventanilla-Signature", sig.substr(7)}},
       "X-Ventanilla-Signature: not sha256=<64 hex digits>"},
      {"short hex",
       {{"X-Ventanilla-Timestamp", ts}, {"X-Ventanilla-Signature", sig.substr(0, sig.size() - 2)}},
       "X-Ventanilla-Signature: not sha256=<64 hex digits>"},
      {"not hex",
       {{"X-Ventanilla-Timestamp", ts},
        {"X-Ventanilla-Signature", sig.substr(0, sig.size() - 1) + "g"}},
       "X-Ventanilla-Signature: not sha256=<64 hex digits>"},
      {"negative timestamp",
       {{"X-Ventanilla-Timestamp", "-1795924872"}, {"X-Ventanilla-Signature", sig}},
       "X-Ventanilla-Timestamp: not Unix seconds"},
      {"milliseconds with a dot",
       {{"X-Ventanilla-Timestamp", "1795924872.5"}, {"X-Ventanilla-Signature", sig}},
       "X-Ventanilla-Timestamp: not Unix seconds"},
      {"empty timestamp",
       {{"X-Ventanilla-Timestamp", ""}, {"X-Ventanilla-Signature", sig}},
       "X-Ventanilla-Timestamp: not Unix seconds"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto result = verify(OwnedRequest{"POST", "/v1/generic/sms", c.headers, std::string(kBody), {}},
                         route_at(kSentAt));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().detail, c.expected_error);
  }
}

TEST(GenericJsonSms, HeaderNamesAreCaseInsensitive) {
  OwnedRequest request{"POST",
                       "/v1/generic/sms",
                       {{"x-ventanilla-timestamp", std::string(kTimestamp)},
                        {"x-ventanilla-signature", std::string(kSignature)}},
                       std::string(kBody),
                       {}};
  EXPECT_TRUE(verify(std::move(request), route_at(kSentAt)).has_value());
}

// ---- Body ---------------------------------------------------------------------------------------

TEST(GenericJsonSms, BodyErrorsNameTheField) {
  struct Case {
    std::string label;
    std::string body;
    std::string expected_error;
  };
  const std::vector<Case> cases = {
      {"not json", "id=1", "body: not valid JSON"},
      {"array", "[]", "body: not a JSON object"},
      {"no id", R"({"from":"+50255550123","to":"40404","text":"hola"})", "id: missing"},
      {"empty id", R"({"id":"","from":"+50255550123","to":"40404","text":"hola"})", "id: missing"},
      {"numeric id", R"({"id":7,"from":"+50255550123","to":"40404","text":"hola"})",
       "id: not a string"},
      {"id with a space", R"({"id":"a b","from":"+50255550123","to":"40404","text":"hola"})",
       "id: not a printable id of at most 128 characters"},
      {"no from", R"({"id":"a","to":"40404","text":"hola"})", "from: missing"},
      {"national from", R"({"id":"a","from":"055550123","to":"40404","text":"hola"})",
       "from: not an international number"},
      {"no to", R"({"id":"a","from":"+50255550123","text":"hola"})", "to: missing"},
      {"no text", R"({"id":"a","from":"+50255550123","to":"40404"})", "text: missing"},
      {"null text", R"({"id":"a","from":"+50255550123","to":"40404","text":null})",
       "text: missing"},
      {"text an array", R"({"id":"a","from":"+50255550123","to":"40404","text":[]})",
       "text: not a string"},
      {"network with letters",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"","network":"70400a"})",
       "network: not MCC+MNC (5 or 6 digits)"},
      {"network too short",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"","network":"7040"})",
       "network: not MCC+MNC (5 or 6 digits)"},
      {"network a number",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"","network":704001})",
       "network: not a string"},
      {"id twice, same value",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"hola","id":"a"})",
       "id: given twice"},
      {"from twice, other number",
       R"({"id":"a","from":"+50255550123","to":"40404","from":"+50255550124","text":""})",
       "from: given twice"},
      {"unknown member twice",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"","x":1,"x":1})", "x: given twice"},
      {"repeat inside an unknown object",
       R"({"id":"a","from":"+50255550123","to":"40404","text":"","meta":{"k":1,"k":2}})",
       "meta.k: given twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto messages = parse(signed_with(kSecret, c.body));
    ASSERT_FALSE(messages.has_value());
    EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(messages.error().detail, c.expected_error);
    EXPECT_EQ(messages.error().message().find("055550123"), std::string::npos);
  }
}

TEST(GenericJsonSms, OptionalNetworkAndUnknownFields) {
  auto messages = parse(signed_with(
      kSecret, R"({"id":"a","from":"+50255550123","to":"40404","text":"","future":{"x":1}})"));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  EXPECT_EQ(messages->front().network_code, "");
  EXPECT_EQ(messages->front().text, "");

  auto five = parse(signed_with(
      kSecret, R"({"id":"a","from":"+50255550123","to":"40404","text":"x","network":"33402"})"));
  ASSERT_TRUE(five.has_value()) << five.error().message();
  EXPECT_EQ(five->front().network_code, "33402");
}

TEST(GenericJsonSms, OnlyPostIsAccepted) {
  auto request = signed_with(kSecret);
  request.method = "GET";
  auto messages = parse(std::move(request));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().detail, "method: not POST");
}

// ---- Reply --------------------------------------------------------------------------------------

TEST(GenericJsonSms, ReplyIsJsonWithTheTextOrNull) {
  const GenericJsonSms generic;
  EXPECT_EQ(generic.name(), "generic");
  EXPECT_TRUE(generic.replies_inline());

  const WebhookReply reply = generic.reply("Elige \"1\": Albergues\nó");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "application/json");
  const auto doc = boost::json::parse(reply.body);
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc.as_object().size(), 1u);
  EXPECT_EQ(doc.at("reply").as_string(), "Elige \"1\": Albergues\nó");

  const WebhookReply none = generic.reply(std::nullopt);
  EXPECT_EQ(none.status, 200u);
  EXPECT_EQ(none.content_type, "application/json");
  EXPECT_EQ(none.body, R"({"reply":null})");
}

}  // namespace
}  // namespace ventanilla::carriers
