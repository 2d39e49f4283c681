#include "carriers/africastalking_sms.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recorded_request.hpp"

namespace ventanilla::carriers {
namespace {

using test_support::load_recorded_request;
using test_support::OwnedRequest;

OwnedRequest form_post(std::string body,
                       std::string content_type = "application/x-www-form-urlencoded") {
  OwnedRequest r{"POST", "/webhooks/africastalking/sms/0123456789abcdef", {}, std::move(body), {}};
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

constexpr std::string_view kGoodBody =
    "linkId=&text=Hola&to=40404&id=ATXid_1&date=2026-11-29+04%3A02%3A33&from=%2B50255550123";

TEST(AfricasTalkingSms, RecordedCallbackParses) {
  auto recorded = load_recorded_request("tests/fixtures/carriers/africastalking/inbound_sms.http");
  ASSERT_EQ(recorded.method, "POST");
  const AfricasTalkingSms at;
  EXPECT_TRUE(at.verify(recorded.view(), RouteAuth{}));  // the route checks the path secret
  const auto parsed = at.parse(recorded.view(), RouteAuth{});
  ASSERT_TRUE(parsed) << parsed.error().detail;
  ASSERT_EQ(parsed->size(), 1u);
  const InboundSms& sms = parsed->front();
  EXPECT_EQ(sms.external_id, "ATXid_7e4f1c0b9a2d4e5f8a3b6c9d0e1f2a3b");
  EXPECT_EQ(sms.from.e164(), "+50255550123");
  EXPECT_EQ(sms.to, "40404");
  EXPECT_EQ(sms.text, "Necesito informaci\xC3\xB3n sobre albergues");  // %C3%B3, '+' as space
  EXPECT_EQ(sms.network_code, "70401");
  EXPECT_FALSE(sms.part.has_value());
}

TEST(AfricasTalkingSms, AcceptsVariants) {
  struct Case {
    const char* name;
    std::string body;
    std::string content_type;
    std::string from;
    std::string text;
    std::string network_code;
  };
  const Case cases[] = {
      {"minimal", std::string(kGoodBody), "application/x-www-form-urlencoded", "+50255550123",
       "Hola", ""},
      {"from without plus", "from=50255550123&id=ATXid_2&text=x", "", "+50255550123", "x", ""},
      {"charset parameter", std::string(kGoodBody),
       "application/x-www-form-urlencoded; charset=UTF-8", "+50255550123", "Hola", ""},
      {"no text field", "from=%2B50255550123&id=ATXid_3", "application/x-www-form-urlencoded",
       "+50255550123", "", ""},
      {"emoji and plus sign", "from=%2B50255550123&id=ATXid_4&text=1%2B1+%F0%9F%99%8F",
       "application/x-www-form-urlencoded", "+50255550123", "1+1 \xF0\x9F\x99\x8F", ""},
      {"malformed networkCode dropped",
       "from=%2B50255550123&id=ATXid_5&text=a&networkCode=704%2001",
       "application/x-www-form-urlencoded", "+50255550123", "a", ""},
      {"networkCode kept", "from=%2B50255550123&id=ATXid_6&text=a&networkCode=70604",
       "application/x-www-form-urlencoded", "+50255550123", "a", "70604"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.body, c.content_type);
    const auto parsed = AfricasTalkingSms().parse(req.view(), RouteAuth{});
    ASSERT_TRUE(parsed) << parsed.error().detail;
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ(parsed->front().from.e164(), c.from);
    EXPECT_EQ(parsed->front().text, c.text);
    EXPECT_EQ(parsed->front().network_code, c.network_code);
  }
}

TEST(AfricasTalkingSms, RejectsMalformedCallbacksNamingTheField) {
  struct Case {
    const char* name;
    std::string body;
    std::string content_type;
    std::string detail_prefix;
  };
  const Case cases[] = {
      {"missing from", "id=ATXid_1&text=Hola", "application/x-www-form-urlencoded",
       "from: missing"},
      {"empty from", "from=&id=ATXid_1&text=Hola", "application/x-www-form-urlencoded",
       "from: missing"},
      {"national from", "from=0255550123&id=ATXid_1", "application/x-www-form-urlencoded",
       "from: not an international number"},
      {"missing id", "from=%2B50255550123&text=Hola", "application/x-www-form-urlencoded",
       "id: missing"},
      {"empty id", "from=%2B50255550123&id=&text=Hola", "application/x-www-form-urlencoded",
       "id: missing"},
      {"id with spaces", "from=%2B50255550123&id=AT+1", "application/x-www-form-urlencoded",
       "id: not a printable id"},
      {"json body", "{\"from\":\"+50255550123\"}", "application/json", "Content-Type"},
      {"bad escape", "from=%2B50255550123&id=ATXid_1&text=%E", "application/x-www-form-urlencoded",
       "field text"},
      {"repeated id", "from=%2B50255550123&id=a&id=b", "application/x-www-form-urlencoded",
       "field id"},
      {"Latin-1 text", "from=%2B50255550123&id=ATXid_1&text=informaci%F3n",
       "application/x-www-form-urlencoded", "text: not valid UTF-8"},
      {"truncated UTF-8 text", "from=%2B50255550123&id=ATXid_1&text=caf%C3",
       "application/x-www-form-urlencoded", "text: not valid UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.body, c.content_type);
    const auto parsed = AfricasTalkingSms().parse(req.view(), RouteAuth{});
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().detail.rfind(c.detail_prefix, 0), 0u) << parsed.error().detail;
    EXPECT_EQ(parsed.error().message().find("55550123"), std::string::npos);  // never echoed
  }
}

TEST(AfricasTalkingSms, BareOkAndNoInlineReplies) {
  const AfricasTalkingSms at;
  EXPECT_EQ(at.name(), "africastalking");
  EXPECT_FALSE(at.replies_inline());
  const WebhookReply r = at.reply("ignored");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "");
}

}  // namespace
}  // namespace ventanilla::carriers
