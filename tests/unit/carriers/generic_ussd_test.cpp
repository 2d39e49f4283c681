// The generic JSON protocol's USSD variant (generic_json.md §5): the shared signature check as
// the USSD route runs it, the turn decoder and the JSON reply. Signatures are computed here with
// OpenSSL's HMAC directly (not with generic_json_signature), and the worked vector was computed
// with Python's hmac module and `openssl dgst`.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json/parse.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "carriers/africastalking_ussd.hpp"
#include "carriers/generic_json.hpp"
#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

using test_support::OwnedRequest;

constexpr std::string_view kSecret = "vtn_test_4b2f8e1a9c7d3e6f";
constexpr std::string_view kPreviousSecret = "vtn_old_2c9e5a7f1b3d8e4a";
constexpr std::string_view kTimestamp = "1795924872";
constexpr std::int64_t kSentAt = 1795924872;
constexpr std::string_view kBody =
    R"({"session":"gs-20261129-7f3a","from":"+50255550123","service_code":"*123#","input":"1*2","network":"704001"})";
// generic_json.md §5.5.
constexpr std::string_view kSignature =
    "sha256=cd0603e2d83583e50c34a7b25ff6d872d42853347e5c977b8700a557918f53f2";
// The same body and timestamp signed with kPreviousSecret (Python hmac).
constexpr std::string_view kPreviousSignature =
    "sha256=237b5d10599722bfdc296c1d500e26a580792be6472f11462ab8ef6bc5939f71";

// "sha256=" + lowercase hex HMAC-SHA256(secret, timestamp "." body), straight from OpenSSL.
std::string hmac_signature(std::string_view secret, std::string_view timestamp,
                           std::string_view body) {
  const std::string message = std::string(timestamp) + "." + std::string(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &size);
  std::string out = "sha256=";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

OwnedRequest post(std::string body, std::vector<std::pair<std::string, std::string>> headers) {
  headers.emplace_back("Content-Type", "application/json");
  return OwnedRequest{"POST", "/v1/generic/ussd", std::move(headers), std::move(body), {}};
}

OwnedRequest signed_post(std::string body, std::string timestamp, std::string signature) {
  return post(std::move(body), {{"X-Ventanilla-Timestamp", std::move(timestamp)},
                                {"X-Ventanilla-Signature", std::move(signature)}});
}

OwnedRequest signed_with(std::string_view secret, std::string body = std::string(kBody),
                         std::string timestamp = std::string(kTimestamp)) {
  std::string signature = hmac_signature(secret, timestamp, body);
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
  return GenericJsonUssd().verify(request.view(), auth);
}

Result<UssdHop> parse(std::string_view body) {
  return GenericJsonUssd().parse({"application/json", body});
}

// ---- Signature ----------------------------------------------------------------------------------

TEST(GenericJsonUssd, SignatureMatchesTheWorkedVector) {
  EXPECT_EQ(hmac_signature(kSecret, kTimestamp, kBody), kSignature);
  EXPECT_EQ(hmac_signature(kPreviousSecret, kTimestamp, kBody), kPreviousSignature);
  // The sender-side helper both variants share agrees with OpenSSL.
  EXPECT_EQ(generic_json_signature(kSecret, kTimestamp, kBody), kSignature);
  auto verified =
      verify(signed_post(std::string(kBody), std::string(kTimestamp), std::string(kSignature)),
             route_at(kSentAt + 5));
  EXPECT_TRUE(verified.has_value()) << verified.error().message();
}

TEST(GenericJsonUssd, TamperedRequestsAreDenied) {
  struct Case {
    std::string label;
    OwnedRequest request;
  };
  std::string other_input(kBody);
  other_input.replace(other_input.find(R"("1*2")"), 5, R"("1*3")");
  std::vector<Case> cases;
  cases.push_back({"input changed, signature kept",
                   signed_post(other_input, std::string(kTimestamp), std::string(kSignature))});
  cases.push_back(
      {"whitespace appended",
       signed_post(std::string(kBody) + " ", std::string(kTimestamp), std::string(kSignature))});
  cases.push_back({"timestamp moved, signature kept",
                   signed_post(std::string(kBody), "1795924871", std::string(kSignature))});
  cases.push_back({"signed with another secret", signed_with("vtn_someone_else")});
  cases.push_back({"signed with an empty secret", signed_with("")});
  for (auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto result = verify(std::move(c.request), route_at(kSentAt));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().where, "generic-ussd");
    EXPECT_EQ(result.error().detail, "signature: does not match");
  }
}

TEST(GenericJsonUssd, PreviousSecretVerifiesDuringRotation) {
  const RouteAuth rotating =
      route_at(kSentAt, {std::string(kSecret), std::string(kPreviousSecret)});
  const RouteAuth rotated = route_at(kSentAt, {std::string(kSecret)});
  const auto old_signed = [] {
    return signed_post(std::string(kBody), std::string(kTimestamp),
                       std::string(kPreviousSignature));
  };
  EXPECT_TRUE(verify(old_signed(), rotating).has_value());
  EXPECT_TRUE(verify(signed_with(kSecret), rotating).has_value());
  EXPECT_FALSE(verify(signed_with("vtn_retired_secret"), rotating).has_value());
  // Once the previous secret is removed, what it signs is refused.
  EXPECT_FALSE(verify(old_signed(), rotated).has_value());
  // No secret at all verifies nothing.
  EXPECT_FALSE(verify(signed_with(kSecret), route_at(kSentAt, {})).has_value());
  EXPECT_FALSE(verify(signed_with(""), route_at(kSentAt, {""})).has_value());
}

TEST(GenericJsonUssd, StaleOrFutureTimestampsAreDenied) {
  struct Case {
    std::string label;
    std::int64_t now_s;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {"same second", kSentAt, true},        {"300 s old (edge)", kSentAt + 300, true},
      {"301 s old", kSentAt + 301, false},   {"300 s ahead (edge)", kSentAt - 300, true},
      {"301 s ahead", kSentAt - 301, false},
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

TEST(GenericJsonUssd, MissingOrMalformedHeadersAreDenied) {
  struct Case {
    std::string label;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expected_error;
  };
  const std::string sig(kSignature);
  const std::string ts(kTimestamp);
  const std::vector<Case> cases = {
      {"no headers", {}, "X-Ventanilla-Signature: missing"},
      {"no signature", {{"X-Ventanilla-Timestamp", ts}}, "X-Ventanilla-Signature: missing"},
      {"no timestamp", {{"X-Ventanilla-Signature", sig}}, "X-Ventanilla-Timestamp: missing"},
      {"bare hex",
       {{"X-Ventanilla-Timestamp", ts}, {"X-Ventanilla-Signature", sig.substr(7)}},
       "X-Ventanilla-Signature: not sha256=<64 hex digits>"},
      {"timestamp not seconds",
       {{"X-Ventanilla-Timestamp", "2026-11-29T07:21:12Z"}, {"X-Ventanilla-Signature", sig}},
       "X-Ventanilla-Timestamp: not Unix seconds"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto result = verify(post(std::string(kBody), c.headers), route_at(kSentAt));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(result.error().detail, c.expected_error);
  }
}

TEST(GenericJsonUssd, UppercaseHexIsTheSameSignature) {
  std::string upper(kSignature);
  for (std::size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  EXPECT_TRUE(
      verify(signed_post(std::string(kBody), std::string(kTimestamp), upper), route_at(kSentAt))
          .has_value());
}

// The Africa's Talking protocol signs nothing: its route stays open (loopback in the local
// default), whatever the request carries.
TEST(AfricasTalkingUssdVerify, AcceptsUnsignedRequests) {
  auto request = OwnedRequest{"POST", "/v1/africastalking/ussd", {}, "sessionId=x", {}};
  EXPECT_TRUE(AfricasTalkingUssd().verify(request.view(), RouteAuth{}).has_value());
}

// ---- Turns --------------------------------------------------------------------------------------

TEST(GenericJsonUssd, DecodesTheWorkedTurn) {
  auto hop = parse(kBody);
  ASSERT_TRUE(hop.has_value()) << hop.error().message();
  EXPECT_EQ(hop->session_id, "gs-20261129-7f3a");
  EXPECT_EQ(hop->phone.e164(), "+50255550123");
  EXPECT_EQ(hop->service_code, "*123#");
  EXPECT_EQ(hop->text, "1*2");
  EXPECT_EQ(hop->network_code, "704001");
}

TEST(GenericJsonUssd, FirstTurnWithOnlyTheRequiredFields) {
  struct Case {
    std::string label;
    std::string body;
    std::string input;
  };
  const std::vector<Case> cases = {
      {"empty input, nothing optional", R"({"session":"s1","from":"+50255550123","input":""})", ""},
      {"optional fields null",
       R"({"session":"s1","from":"50255550123","input":"","service_code":null,"network":null})",
       ""},
      {"optional fields empty, unknown field",
       R"({"session":"s1","from":"+502 5555-0123","input":"","service_code":"","network":"","x":1})",
       ""},
      {"typed text with accents",
       R"({"session":"s1","from":"+50255550123","input":"1*2*San Marcos de Colón"})",
       "1*2*San Marcos de Colón"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto hop = parse(c.body);
    ASSERT_TRUE(hop.has_value()) << hop.error().message();
    EXPECT_EQ(hop->session_id, "s1");
    EXPECT_EQ(hop->phone.e164(), "+50255550123");
    EXPECT_EQ(hop->text, c.input);
    EXPECT_EQ(hop->service_code, "");
    EXPECT_EQ(hop->network_code, "");
  }
}

TEST(GenericJsonUssd, MalformedTurnsNameTheField) {
  struct Case {
    std::string label;
    std::string body;
    std::string expected_error;
  };
  const std::string long_session(129, 'a');
  const std::string long_input(1025, '1');
  const std::vector<Case> cases = {
      {"not JSON", R"({"session":"s1",)", "body: not valid JSON"},
      {"invalid UTF-8", "{\"session\":\"s1\",\"from\":\"+50255550123\",\"input\":\"\xC3\"}",
       "body: not valid JSON"},
      {"an array", R"([{"session":"s1"}])", "body: not a JSON object"},
      {"no session", R"({"from":"+50255550123","input":""})", "session: missing"},
      {"empty session", R"({"session":"","from":"+50255550123","input":""})", "session: missing"},
      {"session a number", R"({"session":7,"from":"+50255550123","input":""})",
       "session: not a string"},
      {"session with a space", R"({"session":"s 1","from":"+50255550123","input":""})",
       "session: not a printable id of at most 128 characters"},
      {"session too long",
       R"({"session":")" + long_session + R"(","from":"+50255550123","input":""})",
       "session: not a printable id of at most 128 characters"},
      {"no from", R"({"session":"s1","input":""})", "from: missing"},
      {"national from", R"({"session":"s1","from":"055550123","input":""})",
       "from: not an international number"},
      {"from a number", R"({"session":"s1","from":50255550123,"input":""})", "from: not a string"},
      {"service code with letters",
       R"({"session":"s1","from":"+50255550123","service_code":"*123#abc","input":""})",
       "service_code: not a USSD code (digits, * and #, at most 32)"},
      {"no input", R"({"session":"s1","from":"+50255550123"})",
       R"(input: missing (it is "", not absent, on the first turn))"},
      {"null input", R"({"session":"s1","from":"+50255550123","input":null})",
       R"(input: missing (it is "", not absent, on the first turn))"},
      {"input a number", R"({"session":"s1","from":"+50255550123","input":1})",
       "input: not a string"},
      {"input too long",
       R"({"session":"s1","from":"+50255550123","input":")" + long_input + R"("})",
       "input: longer than 1024 bytes"},
      {"network too short", R"({"session":"s1","from":"+50255550123","input":"","network":"7040"})",
       "network: not MCC+MNC (5 or 6 digits)"},
      {"network with letters",
       R"({"session":"s1","from":"+50255550123","input":"","network":"70400a"})",
       "network: not MCC+MNC (5 or 6 digits)"},
      {"session twice", R"({"session":"s1","from":"+50255550123","input":"","session":"s1"})",
       "session: given twice"},
      {"input twice, other text",
       R"({"session":"s1","from":"+50255550123","input":"1","input":"2"})", "input: given twice"},
      {"from twice", R"({"session":"s1","from":"+50255550123","from":"+50255550123","input":""})",
       "from: given twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto hop = parse(c.body);
    ASSERT_FALSE(hop.has_value());
    EXPECT_EQ(hop.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(hop.error().detail, c.expected_error);
    // A number is never echoed back.
    EXPECT_EQ(hop.error().message().find("5555"), std::string::npos);
  }
}

// ---- Replies ------------------------------------------------------------------------------------

TEST(GenericJsonUssd, RepliesAreJsonWithReplyAndEnd) {
  const GenericJsonUssd generic;
  EXPECT_EQ(generic.reply_content_type(), "application/json");
  struct Case {
    std::string text;
    bool end;
  };
  const std::vector<Case> cases = {
      {"¿Qué necesita?\n1 Albergue\n2 \"Salud\"", false},
      {"Gracias. Le enviamos un SMS.", true},
      {"", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const UssdReply reply = generic.reply(c.text, c.end);
    EXPECT_EQ(reply.content_type, "application/json");
    const boost::json::value doc = boost::json::parse(reply.body);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc.as_object().size(), 2u);
    EXPECT_EQ(std::string_view(doc.at("reply").as_string()), c.text);
    EXPECT_EQ(doc.at("end").as_bool(), c.end);
  }
  // The exact bytes, as a sender's parser sees them (and a retry gets them again).
  EXPECT_EQ(generic.reply("Elija:\n1 Si", false).body, R"({"reply":"Elija:\n1 Si","end":false})");
}

}  // namespace
}  // namespace ventanilla::carriers
