// Route secrets from environment variables and 0600 files, including a rotation's previous secret
// (deploy/README.md §5): the order the verifiers try them in, and a precise refusal for each way a
// file can be wrong.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "app/sms_routes.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::app {
namespace {

class RouteSecrets : public ::testing::Test {
 protected:
  std::string secret(const std::string& name, const std::string& content, ::mode_t mode = 0600) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  static config::RouteConfig route(std::string carrier) {
    config::RouteConfig r;
    r.name = carrier + "-test";
    r.carrier = std::move(carrier);
    return r;
  }

  test::TempDir dir_{"route-secrets"};
};

TEST_F(RouteSecrets, FileSecretLosesItsTrailingNewline) {
  auto r = route("twilio");
  r.secret_file = secret("twilio", "current-token\n");
  auto secrets = resolve_route_secrets(r);
  ASSERT_TRUE(secrets) << secrets.error().detail;
  EXPECT_EQ(*secrets, std::vector<std::string>{"current-token"});
}

TEST_F(RouteSecrets, PreviousFileIsAcceptedAfterTheCurrentOne) {
  auto r = route("kannel");
  r.secret_file = secret("new", "0123456789abcdef0123\n");
  r.previous_secret_file = secret("old", "fedcba9876543210fedc\r\n");
  auto secrets = resolve_route_secrets(r);
  ASSERT_TRUE(secrets) << secrets.error().detail;
  EXPECT_EQ(*secrets, (std::vector<std::string>{"0123456789abcdef0123", "fedcba9876543210fedc"}));
}

TEST_F(RouteSecrets, PreviousEnvThenPreviousFile) {
  ::setenv("VENTANILLA_TEST_ROUTE_SECRET", "env-current", 1);
  ::setenv("VENTANILLA_TEST_ROUTE_OLD", "env-previous", 1);
  auto r = route("twilio");
  r.secret_env = "VENTANILLA_TEST_ROUTE_SECRET";
  r.previous_secret_env = "VENTANILLA_TEST_ROUTE_OLD";
  r.previous_secret_file = secret("old", "file-previous");
  auto secrets = resolve_route_secrets(r);
  ::unsetenv("VENTANILLA_TEST_ROUTE_SECRET");
  ::unsetenv("VENTANILLA_TEST_ROUTE_OLD");
  ASSERT_TRUE(secrets) << secrets.error().detail;
  EXPECT_EQ(*secrets, (std::vector<std::string>{"env-current", "env-previous", "file-previous"}));
}

struct BadFileCase {
  const char* what;
  bool previous;        // the bad file is previous_secret_file (current one is fine)
  const char* content;  // nullptr: the file does not exist
  ::mode_t mode;
  const char* expected;  // in the error detail
};

TEST_F(RouteSecrets, BadFilesAreRefusedNamingKeyAndPath) {
  const BadFileCase cases[] = {
      {"missing", false, nullptr, 0600, "secret_file "},
      {"group-readable", false, "a-secret-of-enough-length", 0640, "readable by others (mode 640)"},
      {"world-readable", false, "a-secret-of-enough-length", 0644, "readable by others (mode 644)"},
      {"empty", false, "\n", 0600, "is empty"},
      {"previous missing", true, nullptr, 0600, "previous_secret_file "},
      {"previous world-readable", true, "a-secret-of-enough-length", 0604, "previous_secret_file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = route("twilio");
    const std::string name = std::string("bad-") + (c.previous ? "prev-" : "cur-") + c.what;
    const std::string path =
        c.content != nullptr ? secret(name, c.content, c.mode) : dir_.file(name);  // never created
    if (c.previous) {
      r.secret_file = secret("good", "current-token");
      r.previous_secret_file = path;
    } else {
      r.secret_file = path;
    }
    auto secrets = resolve_route_secrets(r);
    ASSERT_FALSE(secrets);
    EXPECT_NE(secrets.error().detail.find(c.expected), std::string::npos) << secrets.error().detail;
    EXPECT_NE(secrets.error().detail.find(path), std::string::npos) << secrets.error().detail;
  }
}

TEST_F(RouteSecrets, ShortCapabilitySecretIsRefusedEvenAsPrevious) {
  auto r = route("kannel");
  r.secret_file = secret("new", "0123456789abcdef0123");
  r.previous_secret_file = secret("old", "short");
  auto secrets = resolve_route_secrets(r);
  ASSERT_FALSE(secrets);
  EXPECT_NE(secrets.error().detail.find("at least 16 characters"), std::string::npos)
      << secrets.error().detail;
}

TEST_F(RouteSecrets, UnsetEnvironmentVariableIsNotFoundSoSkipCanApply) {
  ::unsetenv("VENTANILLA_TEST_ROUTE_UNSET");
  auto r = route("twilio");
  r.secret_env = "VENTANILLA_TEST_ROUTE_UNSET";
  auto secrets = resolve_route_secrets(r);
  ASSERT_FALSE(secrets);
  EXPECT_EQ(secrets.error().code, ErrorCode::kNotFound);
  EXPECT_NE(secrets.error().detail.find("VENTANILLA_TEST_ROUTE_UNSET is not set"),
            std::string::npos);
}

}  // namespace
}  // namespace ventanilla::app
