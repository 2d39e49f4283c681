#include "carriers/africastalking_sms.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ventanilla::carriers {
namespace {

// Owns the bytes a WebhookRequest views; views are rebuilt on each request() call so a moved
// AtRequest never leaves a dangling header view.
struct AtRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> header_store;
  std::string body;
  std::vector<WebhookRequest::Header> header_views;

  WebhookRequest request() {
    header_views.clear();
    for (const auto& [k, v] : header_store) header_views.emplace_back(k, v);
    return WebhookRequest{method, target, header_views, body};
  }
};

// A raw HTTP/1.1 request as recorded (CRLF or LF line ends; body cut at Content-Length).
AtRequest load_http(const std::string& relative_path) {
  const std::string path = std::string(VENTANILLA_SOURCE_DIR) + "/" + relative_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t head_end = raw.find("\r\n\r\n");
  std::size_t body_start = head_end + 4;
  if (head_end == std::string::npos) {
    head_end = raw.find("\n\n");
    body_start = head_end + 2;
  }
  if (head_end == std::string::npos) throw std::runtime_error("no end of headers in " + path);

  AtRequest r;
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::istringstream request_line(line);
  request_line >> r.method >> r.target;
  std::size_t content_length = raw.size() - body_start;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.header_store.emplace_back(line.substr(0, colon), value);
    if (r.header_store.back().first == "Content-Length") content_length = std::stoul(value);
  }
  r.body = raw.substr(body_start, content_length);
  return r;
}

AtRequest form_post(std::string body,
                    std::string content_type = "application/x-www-form-urlencoded") {
  AtRequest r{"POST", "/webhooks/africastalking/sms/0123456789abcdef", {}, std::move(body), {}};
  if (!content_type.empty()) r.header_store.emplace_back("Content-Type", std::move(content_type));
  return r;
}

constexpr std::string_view kGoodBody =
    "linkId=&text=Hola&to=40404&id=ATXid_1&date=2026-11-29+04%3A02%3A33&from=%2B50255550123";

TEST(AfricasTalkingSms, RecordedCallbackParses) {
  auto recorded = load_http("tests/fixtures/carriers/africastalking/inbound_sms.http");
  ASSERT_EQ(recorded.method, "POST");
  const AfricasTalkingSms at;
  EXPECT_TRUE(at.verify(recorded.request(), RouteAuth{}));  // the route checks the path secret
  const auto parsed = at.parse(recorded.request(), RouteAuth{});
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
    const auto parsed = AfricasTalkingSms().parse(req.request(), RouteAuth{});
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
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = form_post(c.body, c.content_type);
    const auto parsed = AfricasTalkingSms().parse(req.request(), RouteAuth{});
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
