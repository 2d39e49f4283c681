// The shipped production configuration (deploy/ventanilla.toml) as an operator installs it: its
// /etc, /var/lib and /usr/share paths moved into a temp dir, its secret files provisioned there
// (0600), then `ventanilla check` and `ventanilla serve` on it. Also what the file promises: every
// carrier route present, secrets only from files, a missing or world-readable secret stops
// start-up naming the route and the file, and Twilio's public_url on the nginx site's host.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "config/config.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

const std::string kSourceDir = VENTANILLA_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_private_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// Replaces every occurrence of `from`; throws when there is none, so a renamed path in the
// shipped file fails here instead of silently pointing the test at the real /etc.
std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::size_t at = text.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("deploy/ventanilla.toml no longer contains '" + std::string(from) +
                             "': update production_config_test.cpp");
  while (at != std::string::npos) {
    text.replace(at, from.size(), to);
    at = text.find(from, at + to.size());
  }
  return text;
}

// The production file, installed under `root`: secrets in root/secrets, state in root/state,
// content from the repository (what the package puts in /usr/share/ventanilla).
struct Installed {
  std::string config_path;
  std::string secrets_dir;
  std::string key_path;
  std::string db_path;
  config::Config config;  // as loaded from config_path
};

Installed install_production_config(const TempDir& root) {
  Installed in;
  in.secrets_dir = root.file("secrets");
  std::string text = read_file(kSourceDir + "/deploy/ventanilla.toml");
  text = replace_all(std::move(text), "/etc/ventanilla/secrets/", in.secrets_dir + "/");
  text = replace_all(std::move(text), "/var/lib/ventanilla/", root.file("state") + "/");
  text = replace_all(std::move(text), "/usr/share/ventanilla/", kSourceDir + "/");
  // Every key that names a path outside the temp dir would make this test touch the system.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto code = line.substr(0, line.find('#'));
    for (const char* system_dir : {"\"/etc/", "\"/var/", "\"/usr/", "\"/run/"}) {
      if (code.find(system_dir) != std::string::npos)
        throw std::runtime_error(
            "deploy/ventanilla.toml names a system path this test does not "
            "move: " +
            line);
    }
  }
  std::filesystem::create_directories(root.file("state"));
  in.config_path = root.file("ventanilla.toml");
  std::ofstream(in.config_path) << text;
  auto loaded = config::load_config(in.config_path);
  if (!loaded)
    throw std::runtime_error("the rewritten production config does not load: " +
                             loaded.error().message());
  in.config = std::move(*loaded);
  in.key_path = in.config.privacy.key_file;
  in.db_path = in.config.storage.path;
  return in;
}

// Every secret file the configuration names (webhook and send credentials), each with the
// routes and the key that name it.
struct SecretFile {
  std::string path;
  std::string key;                  // "secret_file" or "send_secret_file"
  std::vector<std::string> routes;  // route names
};

std::vector<SecretFile> secret_files(const config::Config& c) {
  std::vector<SecretFile> files;
  auto add = [&files](const std::string& path, const char* key, const std::string& route) {
    if (path.empty()) return;
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const SecretFile& f) { return f.path == path; });
    if (it == files.end()) {
      files.push_back({path, key, {route}});
    } else {
      it->routes.push_back(route);
    }
  };
  for (const auto& r : c.routes) {
    add(r.secret_file, "secret_file", r.name);
    add(r.send_secret_file, "send_secret_file", r.name);
  }
  add(c.ussd.secret_file, "secret_file", "[ussd]");  // Africa's Talking USSD signs nothing
  return files;
}

// Writes every secret (32 hex characters: long enough for capability routes) and the
// pseudonymization key, all 0600.
void provision_secrets(const Installed& in) {
  for (const auto& f : secret_files(in.config)) {
    ASSERT_EQ(f.path.rfind(in.secrets_dir + "/", 0), 0u) << f.path << " is outside the secrets dir";
    write_private_file(f.path, "0123456789abcdef0123456789abcdef\n");
  }
  write_private_file(in.key_path, std::string(64, 'a') + "\n");
}

// `serve` as installed, but without the first-start import: the routes' secrets are read after
// the content is loaded, and an empty directory loads in milliseconds instead of a second.
std::vector<std::string> refused_serve_args(const Installed& in) {
  return {"serve",
          "--config",
          in.config_path,
          "--listen",
          "127.0.0.1:0",
          "--set",
          "content.seed_on_empty=false"};
}

// --- What the shipped file promises ------------------------------------------------------------

TEST(ProductionConfig, HasEveryCarrierRouteWithItsSecretFromAPrivateFile) {
  TempDir root("ventanilla-prod");
  const Installed in = install_production_config(root);
  const config::Config& c = in.config;

  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");  // nginx in front, loopback only
  EXPECT_FALSE(c.privacy.create_key_if_missing);
  EXPECT_EQ(c.privacy.key_file, in.secrets_dir + "/pseudonymization.key");
  EXPECT_EQ(c.storage.path, root.file("state") + "/ventanilla.db");
  EXPECT_EQ(c.content.menus_dir, kSourceDir + "/menus");
  EXPECT_EQ(c.content.data_dir, kSourceDir + "/data");
  EXPECT_TRUE(c.content.seed_on_empty);
  EXPECT_TRUE(c.ussd.enabled);
  EXPECT_EQ(c.ussd.path, "/v1/africastalking/ussd");
  // Never open in production: the Africa's Talking USSD route is a capability URL.
  EXPECT_EQ(c.ussd.secret_file, in.secrets_dir + "/africastalking-ussd");
  EXPECT_TRUE(c.ussd.secret_env.empty());

  // route name -> carrier and path
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"twilio", {"twilio", "/v1/twilio/sms"}},
      {"vonage", {"vonage", "/v1/vonage/sms"}},
      {"kannel", {"kannel", "/v1/kannel/sms"}},
      {"infobip", {"infobip", "/v1/infobip/sms"}},
      {"africastalking", {"africastalking", "/v1/africastalking/sms"}},
      {"generic", {"generic", "/v1/generic/sms"}},
      {"generic-ussd", {"generic-ussd", "/v1/generic/ussd"}},
  };
  std::map<std::string, std::pair<std::string, std::string>> actual;
  for (const auto& r : c.routes) {
    actual[r.name] = {r.carrier, r.path};
    SCOPED_TRACE("route " + r.name);
    EXPECT_TRUE(r.enabled);
    EXPECT_TRUE(r.secret_env.empty()) << "secrets come from files, never the environment";
    EXPECT_TRUE(r.previous_secret_env.empty());
    EXPECT_TRUE(r.send_secret_env.empty());
    EXPECT_EQ(r.secret_file.rfind(in.secrets_dir + "/", 0), 0u) << r.secret_file;
    EXPECT_EQ(r.if_secret_missing, "fail") << "production must not start without a secret";
    if (!r.is_ussd()) {
      EXPECT_EQ(r.trusted_proxies, "127.0.0.2/32") << "nginx's proxy_bind";
    }
  }
  EXPECT_EQ(actual, expected);
}

TEST(ProductionConfig, TwilioPublicUrlIsTheNginxSitesHttpsUrl) {
  TempDir root("ventanilla-prod");
  const Installed in = install_production_config(root);
  const auto twilio = std::find_if(in.config.routes.begin(), in.config.routes.end(),
                                   [](const config::RouteConfig& r) { return r.name == "twilio"; });
  ASSERT_NE(twilio, in.config.routes.end());
  const std::string site = read_file(kSourceDir + "/deploy/nginx/ventanilla.conf");
  const std::string marker = "server_name ";
  const auto at = site.find(marker);
  ASSERT_NE(at, std::string::npos) << "no server_name in deploy/nginx/ventanilla.conf";
  const std::string host = site.substr(at + marker.size(), site.find(';', at) - at - marker.size());
  EXPECT_EQ(twilio->public_url, "https://" + host + twilio->path);
}

// --- Installed and started ---------------------------------------------------------------------

TEST(ProductionConfig, ChecksAndServesOnceItsSecretsAreInPlace) {
  TempDir root("ventanilla-prod");
  const Installed in = install_production_config(root);
  provision_secrets(in);

  const RunResult check = run_ventanilla({"check", "--config", in.config_path}, 60s);
  EXPECT_TRUE(check.status.success()) << check.status.describe() << "\n" << check.err;

  ServeProcess serve(root, {.extra_args = {"--config", in.config_path},
                            .db_path = in.db_path,
                            .key_path = in.key_path,
                            .seed_directory = true});
  auto ready = round_trip(serve.port(), get_request("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  // Every route came up (none skipped), and the Kannel route sends through the local smsbox.
  for (const auto& r : in.config.routes) {
    EXPECT_TRUE(serve.log_contains("route " + r.name + ": " + r.carrier + " on " + r.path, 2s))
        << r.name;
  }
  EXPECT_TRUE(serve.log_contains("route kannel: sends via http://127.0.0.1:13013", 2s));
  EXPECT_TRUE(std::filesystem::exists(in.db_path));
}

// One secret file missing, or readable by others: start-up is refused (exit 2), naming the route,
// the key and the file. Each fault on every secret file the configuration names, in turn.
TEST(ProductionConfig, RefusesToStartWithAMissingOrPublicSecretFile) {
  TempDir root("ventanilla-prod");
  const Installed in = install_production_config(root);
  provision_secrets(in);
  const auto files = secret_files(in.config);
  // Seven routes, the two generic ones sharing a file, the Kannel sendsms password and the
  // Africa's Talking USSD capability secret.
  ASSERT_EQ(files.size(), 8u);

  struct Fault {
    const char* name;
    void (*apply)(const std::string& path);
    const char* says;  // what the message says about the file
  };
  const Fault faults[] = {
      {"missing", [](const std::string& p) { std::filesystem::remove(p); }, "does not exist"},
      {"mode 0644",
       [](const std::string& p) {
         std::filesystem::permissions(
             p, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
             std::filesystem::perm_options::add);
       },
       "is readable by others (mode 644)"},
  };
  for (const auto& fault : faults) {
    for (const auto& f : files) {
      SCOPED_TRACE(std::string(fault.name) + ": " + f.path);
      const std::string saved = read_file(f.path);
      fault.apply(f.path);
      const RunResult r = run_ventanilla(refused_serve_args(in), 30s);
      // `check` (systemd's ExecStartPre) refuses the same configuration with the same words.
      const RunResult checked = run_ventanilla({"check", "--config", in.config_path}, 60s);
      write_private_file(f.path, saved);
      EXPECT_EQ(checked.status.code, 2) << checked.status.describe() << "\n" << checked.err;
      EXPECT_NE(checked.err.find(f.key + " " + f.path + " " + fault.says), std::string::npos)
          << checked.err;
      EXPECT_EQ(r.status.code, 2) << r.status.describe() << "\n" << r.err;
      EXPECT_NE(r.err.find(f.key + " " + f.path + " " + fault.says), std::string::npos) << r.err;
      const bool names_route = std::any_of(f.routes.begin(), f.routes.end(), [&](const auto& n) {
        return r.err.find("route " + n + ":") != std::string::npos;
      });
      EXPECT_TRUE(names_route) << r.err;
    }
  }
}

// create_key_if_missing = false: without its pseudonymization key, production neither starts nor
// passes `check` (a fresh key would silently change every subscriber id).
TEST(ProductionConfig, RefusesToStartWithoutItsPseudonymizationKey) {
  TempDir root("ventanilla-prod");
  const Installed in = install_production_config(root);
  provision_secrets(in);
  std::filesystem::remove(in.key_path);

  const RunResult serve = run_ventanilla(refused_serve_args(in), 30s);
  EXPECT_EQ(serve.status.code, 2) << serve.status.describe() << "\n" << serve.err;
  EXPECT_NE(serve.err.find("privacy.key_file: " + in.key_path), std::string::npos) << serve.err;
  const RunResult check = run_ventanilla({"check", "--config", in.config_path}, 60s);
  EXPECT_EQ(check.status.code, 2) << check.status.describe() << "\n" << check.err;
  EXPECT_NE(check.err.find("privacy.key_file: " + in.key_path), std::string::npos) << check.err;
  EXPECT_FALSE(std::filesystem::exists(in.key_path));
}

}  // namespace
}  // namespace ventanilla::test
