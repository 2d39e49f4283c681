// The Africa's Talking USSD route with a capability secret ([ussd] secret_env / secret_file), as
// every production configuration has it (Africa's Talking signs nothing): the carrier is given
// PATH/SECRET, and every other path under PATH — the bare path, a wrong secret, a prefix of the
// right one — is a 404 that stores nothing.

#include <gtest/gtest.h>

#include <string>

#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

constexpr const char* kSecret = "at-ussd-capability-0123456789abcdef";
constexpr const char* kHop =
    "sessionId=cap-1&serviceCode=%2A123%23&phoneNumber=%2B50255507001&networkCode=704001&text=";

TEST(UssdCapability, OnlyPathSlashSecretReachesTheMenus) {
  TempDir dir("ventanilla-ussd-cap");
  ServeProcess server(
      dir, ServeOptions{.extra_args = {"--set", "ussd.secret_env=VENTANILLA_TEST_AT_USSD"},
                        .seed_directory = true,
                        .env = {{"VENTANILLA_TEST_AT_USSD", kSecret}}});
  const std::string base = "/v1/africastalking/ussd";
  struct Case {
    const char* what;
    std::string path;
    unsigned status;
  };
  const Case cases[] = {
      {"bare path", base, 404},
      {"trailing slash only", base + "/", 404},
      {"wrong secret", base + "/at-ussd-capability-0123456789abcdeX", 404},
      {"prefix of the secret", base + "/at-ussd-capability", 404},
      {"secret plus a segment", base + "/" + kSecret + "/x", 404},
      {"the secret", base + "/" + kSecret, 200},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = round_trip(server.port(), post_request(c.path, kHop));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    if (c.status == 200) {
      EXPECT_EQ(r->body.rfind("CON ", 0), 0u) << r->body;
    }
  }
  // The secret never reaches the log, not even from the requests that missed it.
  for (const auto& line : server.log_lines())
    EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
}

TEST(UssdCapability, AShortOrMissingSecretStopsStartUpNamingTheKey) {
  TempDir dir("ventanilla-ussd-cap");
  struct Case {
    const char* what;
    std::vector<std::string> args;
    std::string says;
  };
  const std::string missing = dir.file("absent");
  const Case cases[] = {
      {"short",
       {"--set", "ussd.secret_env=VENTANILLA_TEST_AT_USSD_SHORT"},
       "at least 16 characters"},
      {"missing file",
       {"--set", "ussd.secret_file=" + missing},
       "secret_file " + missing + " does not exist"},
  };
  ::setenv("VENTANILLA_TEST_AT_USSD_SHORT", "short", 1);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<std::string> args = {"serve",
                                     "--config",
                                     std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--db",
                                     dir.file("v.db"),
                                     "--set",
                                     "privacy.key_file=" + dir.file("key")};
    // Nothing to seed: start-up must stop at the route, not at the content.
    args.insert(args.end(), {"--set", "content.seed_on_empty=false"});
    args.insert(args.end(), c.args.begin(), c.args.end());
    const RunResult r = run_ventanilla(args, std::chrono::seconds(30));
    EXPECT_EQ(r.status.code, 2) << r.err;
    EXPECT_NE(r.err.find("route [ussd]: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  ::unsetenv("VENTANILLA_TEST_AT_USSD_SHORT");
}

}  // namespace
}  // namespace ventanilla::test
