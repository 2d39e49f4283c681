// Who may call a carrier route: allow_from ranges, and trusted proxies whose X-Forwarded-*
// headers rebuild the URL Twilio signed — through the real server, from loopback.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "carriers/twilio.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

constexpr const char* kKannelSecret = "0123456789abcdef0123456789abcdef";
constexpr const char* kTwilioToken = "route-access-token-1234";

// Kannel routes that admit only 10/8 (so not this loopback client) or 127/8; Twilio routes with
// and without loopback as a trusted proxy.
constexpr const char* kRoutes = R"(
[[route]]
name = "kannel-ten"
carrier = "kannel"
path = "/v1/kannel-ten/sms"
secret_env = "VENTANILLA_KANNEL_SECRET"
allow_from = "10.0.0.0/8"

[[route]]
name = "kannel-loopback"
carrier = "kannel"
path = "/v1/kannel-lo/sms"
secret_env = "VENTANILLA_KANNEL_SECRET"
allow_from = "127.0.0.0/8, ::1"

[[route]]
name = "twilio-behind-proxy"
carrier = "twilio"
path = "/v1/twilio-proxied/sms"
secret_env = "VENTANILLA_TWILIO_AUTH_TOKEN"
trusted_proxies = "127.0.0.1"

[[route]]
name = "twilio-direct"
carrier = "twilio"
path = "/v1/twilio-direct/sms"
secret_env = "VENTANILLA_TWILIO_AUTH_TOKEN"
)";

class RouteAccess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("ventanilla-routes");
    const std::string config = dir_->file("routes.toml");
    std::ofstream(config) << kRoutes;
    server_ = new ServeProcess(*dir_, {.extra_args = {"--config", config},
                                       .seed_directory = true,
                                       .env = {{"VENTANILLA_KANNEL_SECRET", kKannelSecret},
                                               {"VENTANILLA_TWILIO_AUTH_TOKEN", kTwilioToken}}});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static int kannel_status(const std::string& prefix, const std::string& id) {
    const std::string target = prefix + "/" + kKannelSecret +
                               "?from=%2B50255553001&to=12345&text=hola&id=" + id +
                               "&coding=0&charset=UTF-8";
    auto r = round_trip(server_->port(), get_request(target));
    return r ? r->status : -1;
  }
  // A Twilio webhook for `path`, signed for `signed_url`, with extra headers.
  static int twilio_status(const std::string& path, const std::string& signed_url,
                           const std::string& sid, const std::string& extra_headers) {
    const std::vector<std::pair<std::string, std::string>> params{
        {"Body", "hola"}, {"From", "+50255553002"}, {"MessageSid", sid}, {"To", "+15005550006"}};
    std::string body;
    for (const auto& [k, v] : params) {
      if (!body.empty()) body += '&';
      body += k + "=" + (k == "From" || k == "To" ? "%2B" + v.substr(1) : v);
    }
    const std::string signature = carriers::twilio_signature(signed_url, params, kTwilioToken);
    auto r = round_trip(server_->port(),
                        post_request(path, body, "application/x-www-form-urlencoded",
                                     "X-Twilio-Signature: " + signature + "\r\n" + extra_headers));
    return r ? r->status : -1;
  }
  static inline TempDir* dir_ = nullptr;
  static inline ServeProcess* server_ = nullptr;
};

TEST_F(RouteAccess, AllowFromAdmitsOnlyItsRanges) {
  EXPECT_EQ(kannel_status("/v1/kannel-ten/sms", "a1"), 403);  // loopback is not in 10/8
  EXPECT_EQ(kannel_status("/v1/kannel-lo/sms", "a2"), 200);
}

TEST_F(RouteAccess, ATrustedProxysForwardedHeadersRebuildTheSignedUrl) {
  const std::string public_url = "https://sms.example.org/v1/twilio-proxied/sms";
  EXPECT_EQ(twilio_status("/v1/twilio-proxied/sms", public_url, "SMproxy1",
                          "X-Forwarded-Proto: https\r\nX-Forwarded-Host: sms.example.org\r\n"),
            200);
  // The same headers on a route that trusts no proxy are ignored: the URL is rebuilt from Host.
  EXPECT_EQ(twilio_status("/v1/twilio-direct/sms", "https://sms.example.org/v1/twilio-direct/sms",
                          "SMproxy2",
                          "X-Forwarded-Proto: https\r\nX-Forwarded-Host: sms.example.org\r\n"),
            403);
}

TEST(RouteAccessConfig, ABadRangeStopsStartUpNamingTheRouteAndKey) {
  TempDir dir("ventanilla-routes");
  const std::string config = dir.file("routes.toml");
  std::ofstream(config)
      << "[[route]]\nname = \"k\"\ncarrier = \"kannel\"\npath = \"/v1/k/sms\"\n"
         "secret_env = \"VENTANILLA_KANNEL_SECRET\"\nallow_from = \"10.0.0.0/40\"\n";
  setenv("VENTANILLA_KANNEL_SECRET", kKannelSecret, 1);
  const RunResult r = run_ventanilla(
      {"serve", "--config", config, "--listen", "127.0.0.1:0", "--db", dir.file("v.db"), "--set",
       "privacy.key_file=\"" + dir.file("key") + "\"", "--set", "content.seed_on_empty=false"});
  unsetenv("VENTANILLA_KANNEL_SECRET");
  EXPECT_EQ(r.status.code, 2) << r.err;
  EXPECT_NE(r.err.find("route k"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allow_from: 10.0.0.0/40"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ventanilla::test
