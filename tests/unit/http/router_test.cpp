#include "http/router.hpp"

#include <gtest/gtest.h>

namespace ventanilla::http {
namespace {

Route route(std::string name, std::string path, std::vector<Method> methods, bool prefix = false) {
  return Route{.name = std::move(name),
               .path = std::move(path),
               .methods = std::move(methods),
               .handler = SyncHandler([](const HttpRequest&, RequestContext&) {
                 return HttpResponse::text(200, "");
               }),
               .prefix = prefix};
}

TEST(Router, ExactPathAndMethodMatch) {
  Router r;
  r.add(route("healthz", "/healthz", {Method::kGet}));
  r.add(route("ussd", "/v1/africastalking/ussd", {Method::kPost}));
  auto m = r.match(Method::kPost, "/v1/africastalking/ussd");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->name, "ussd");
  EXPECT_EQ(m.index, 1u);
  EXPECT_TRUE(m.method_allowed);
}

TEST(Router, UnknownPathHasNoRoute) {
  Router r;
  r.add(route("healthz", "/healthz", {Method::kGet}));
  EXPECT_EQ(r.match(Method::kGet, "/healthz/").route, nullptr);
  EXPECT_EQ(r.match(Method::kGet, "/HEALTHZ").route, nullptr);
}

TEST(Router, WrongMethodListsAllowedOnes) {
  Router r;
  r.add(route("sms", "/v1/kannel/sms", {Method::kGet, Method::kPost}));
  auto m = r.match(Method::kDelete, "/v1/kannel/sms");
  ASSERT_NE(m.route, nullptr);
  EXPECT_FALSE(m.method_allowed);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST(Router, HeadIsAllowedWhereGetIs) {
  Router r;
  r.add(route("healthz", "/healthz", {Method::kGet}));
  EXPECT_TRUE(r.match(Method::kHead, "/healthz").method_allowed);
}

TEST(Router, ExactBeatsPrefixAndLongestPrefixWins) {
  Router r;
  r.add(route("v1", "/v1/", {Method::kPost}, true));
  r.add(route("kannel", "/v1/kannel/", {Method::kPost}, true));
  r.add(route("exact", "/v1/kannel/status", {Method::kPost}));
  EXPECT_EQ(r.match(Method::kPost, "/v1/kannel/s3cr3t").route->name, "kannel");
  EXPECT_EQ(r.match(Method::kPost, "/v1/other").route->name, "v1");
  EXPECT_EQ(r.match(Method::kPost, "/v1/kannel/status").route->name, "exact");
}

TEST(HttpRequest, PathQueryAndCaseInsensitiveHeaders) {
  HttpRequest::Headers headers{{"Content-Type", "text/plain"}, {"X-Twilio-Signature", "abc"}};
  HttpRequest req(Method::kPost, "/v1/twilio/sms?a=1&b=2", headers, "body");
  EXPECT_EQ(req.path(), "/v1/twilio/sms");
  EXPECT_EQ(req.query(), "a=1&b=2");
  EXPECT_EQ(req.header("x-twilio-signature"), "abc");
  EXPECT_FALSE(req.header("x-missing").has_value());
}

TEST(Method, ParsesOnlyExactTokens) {
  EXPECT_EQ(parse_method("GET"), Method::kGet);
  EXPECT_EQ(parse_method("get"), Method::kOther);
  EXPECT_EQ(parse_method("BREW"), Method::kOther);
}

}  // namespace
}  // namespace ventanilla::http
