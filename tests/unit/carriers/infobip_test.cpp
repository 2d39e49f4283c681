#include "carriers/infobip.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

namespace json = boost::json;

using test_support::load_recorded_request;
using test_support::OwnedRequest;

OwnedRequest post(std::string body) {
  return OwnedRequest{"POST",
                      "/v1/infobip/sms/2d7e4a9c1f6b3e8d5a0c7f2b9e4d1a6c",
                      {{"Content-Type", "application/json"}},
                      std::move(body),
                      {}};
}

json::object result(std::string id, std::string from, std::string text = "MENU") {
  return json::object{{"messageId", id}, {"from", from},      {"to", "40404"},
                      {"text", text},    {"keyword", "MENU"}, {"smsCount", 1}};
}

std::string batch(const json::array& results) {
  return json::serialize(json::object{{"results", results}, {"pendingMessageCount", 0}});
}

Result<std::vector<InboundSms>> parse(OwnedRequest request) {
  return InfobipSms().parse(request.view(), RouteAuth{});
}

TEST(InfobipSms, RecordedBatchDecodesEveryResultInOrder) {
  auto request = load_recorded_request("tests/fixtures/carriers/infobip/inbound_batch.http");
  const InfobipSms infobip;
  ASSERT_TRUE(infobip.verify(request.view(), RouteAuth{}).has_value());
  auto messages = infobip.parse(request.view(), RouteAuth{});
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  ASSERT_EQ(messages->size(), 3u);
  const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
      {"ibm-817263540001", "+525512345678", "MENU 1"},
      {"ibm-817263540002", "+50255550123", "Información albergues"},
      {"ibm-817263540003", "+50377778888", ""},  // an empty SMS is still a message
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const InboundSms& sms = (*messages)[i];
    EXPECT_EQ(sms.external_id, std::get<0>(expected[i]));
    EXPECT_EQ(sms.from.e164(), std::get<1>(expected[i]));
    EXPECT_EQ(sms.text, std::get<2>(expected[i]));
    EXPECT_EQ(sms.to, "40404");
    EXPECT_EQ(sms.network_code, "");
    EXPECT_FALSE(sms.part.has_value());
  }
}

TEST(InfobipSms, OneBadResultRejectsTheWholeBatchNamingItsIndex) {
  const json::array results = {result("m-1", "525512345678"), result("m-2", "50255550123"),
                               result("m-3", "ACME")};
  auto messages = parse(post(batch(results)));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(messages.error().where, "infobip");
  EXPECT_EQ(messages.error().detail, "results[2].from: not an international number");

  // The same batch with the third sender fixed is accepted whole.
  const json::array fixed = {result("m-1", "525512345678"), result("m-2", "50255550123"),
                             result("m-3", "50377778888")};
  auto accepted = parse(post(batch(fixed)));
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message();
  EXPECT_EQ(accepted->size(), 3u);
}

TEST(InfobipSms, MalformedBatchesGetPreciseErrors) {
  auto with = [](std::size_t index, const std::string& key, json::value value) {
    json::array results = {result("m-0", "525512345678"), result("m-1", "50255550123")};
    if (value.is_null() && key != "text") {
      results[index].as_object().erase(key);
    } else {
      results[index].as_object()[key] = std::move(value);
    }
    return batch(results);
  };
  json::array too_many;
  for (int i = 0; i <= 100; ++i)
    too_many.push_back(result("m-" + std::to_string(i), "50255550123"));

  const std::string long_id(129, 'x');

  struct Case {
    std::string label;
    std::string body;
    std::string expected_error;
  };
  const std::vector<Case> cases = {
      {"not json", "results=1", "body: not valid JSON"},
      {"truncated json", R"({"results":[{"messageId":"m")", "body: not valid JSON"},
      {"invalid utf-8 in a string", "{\"results\":[{\"text\":\"\xC3\x28\"}]}",
       "body: not valid JSON"},
      {"top-level array", "[]", "body: not a JSON object"},
      {"no results", R"({"messageCount":0})", "results: missing"},
      {"results an object", R"({"results":{}})", "results: not an array"},
      {"results empty", R"({"results":[]})", "results: empty"},
      {"more than 100", batch(too_many), "results: more than 100 messages"},
      {"result not an object",
       R"({"results":[{"messageId":"a","from":"50255550123","to":"1",)"
       R"("text":""},"x"]})",
       "results[1]: not an object"},
      {"messageId missing", with(1, "messageId", nullptr), "results[1].messageId: missing"},
      {"messageId a number", with(0, "messageId", 42), "results[0].messageId: not a string"},
      {"messageId empty", with(1, "messageId", ""), "results[1].messageId: missing"},
      {"messageId with spaces", with(1, "messageId", "a b"),
       "results[1].messageId: not a printable id of at most 128 characters"},
      {"messageId too long", with(0, "messageId", json::string(long_id)),
       "results[0].messageId: not a printable id of at most 128 characters"},
      {"from missing", with(1, "from", nullptr), "results[1].from: missing"},
      {"from a number", with(1, "from", 50255550123LL), "results[1].from: not a string"},
      {"from national", with(0, "from", "055550123"),
       "results[0].from: not an international number"},
      {"to missing", with(1, "to", nullptr), "results[1].to: missing"},
      {"to empty", with(0, "to", ""), "results[0].to: missing"},
      {"text null", with(1, "text", nullptr), "results[1].text: missing"},
      {"text a number", with(1, "text", 1), "results[1].text: not a string"},
      {"results twice", R"({"results":[],"results":[]})", "results: given twice"},
      {"messageId twice",
       R"({"results":[{"messageId":"a","from":"50255550123","to":"1","text":"",)"
       R"("messageId":"a"}]})",
       "results[0].messageId: given twice"},
      {"from twice in the second result",
       R"({"results":[{"messageId":"a","from":"50255550123","to":"1","text":""},)"
       R"({"messageId":"b","from":"50255550123","to":"1","from":"50255550124","text":""}]})",
       "results[1].from: given twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto messages = parse(post(c.body));
    ASSERT_FALSE(messages.has_value());
    EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(messages.error().detail, c.expected_error);
  }
}

TEST(InfobipSms, TextMissingEntirelyIsAnError) {
  json::object r = result("m-0", "525512345678");
  r.erase("text");
  auto messages = parse(post(batch(json::array{r})));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().detail, "results[0].text: missing");
}

TEST(InfobipSms, ExactlyOneHundredResultsAreAccepted) {
  json::array results;
  for (int i = 0; i < 100; ++i) results.push_back(result("m-" + std::to_string(i), "50255550123"));
  auto messages = parse(post(batch(results)));
  ASSERT_TRUE(messages.has_value()) << messages.error().message();
  ASSERT_EQ(messages->size(), 100u);
  EXPECT_EQ(messages->back().external_id, "m-99");
}

TEST(InfobipSms, ErrorsNeverEchoTheSender) {
  auto messages = parse(post(batch(json::array{result("m-0", "0987654321")})));
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().message().find("0987654321"), std::string::npos);
}

TEST(InfobipSms, OnlyPostIsAccepted) {
  OwnedRequest get{"GET", "/v1/infobip/sms/x", {}, "", {}};
  auto messages = parse(get);
  ASSERT_FALSE(messages.has_value());
  EXPECT_EQ(messages.error().detail, "method: not POST");
}

TEST(InfobipSms, RepliesGoThroughTheOutbox) {
  const InfobipSms infobip;
  EXPECT_EQ(infobip.name(), "infobip");
  EXPECT_FALSE(infobip.replies_inline());
  const WebhookReply reply = infobip.reply("Hola");  // ignored: not inline
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "");
}

}  // namespace
}  // namespace ventanilla::carriers
