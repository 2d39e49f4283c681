// The shipped nginx site (deploy/nginx/ventanilla.conf) in front of the real gateway: Debian's
// nginx runs as a child process on loopback ports, from a config the test assembles around the
// shipped file (only listen ports, upstream addresses, certificate and log paths, and the allow
// lists are substituted; a missing anchor fails the suite), with a self-signed certificate made by
// the openssl CLI. Requests go through it over HTTPS with curl (HTTP/1.1 and HTTP/2), and
// straight to the gateway's port as a local attacker would.
//
// What it proves: a Twilio request signed for the public https URL verifies through the proxy;
// the same request sent around the proxy with forged X-Forwarded-* headers does not, and stores
// nothing; nginx replaces the forwarding headers a client sends; only carrier paths are
// published (/metrics, /readyz, /healthz are 404; /admin/ and the unsigned USSD route only for
// their allow lists); plain http redirects to https; and the access and error logs hold no
// capability secret, query string or phone number.
//
// Needs /usr/sbin/nginx (Debian package `nginx`), /usr/bin/openssl and /usr/bin/curl.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/child_process.hpp"
#include "support/percent_encoding.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kHost = "sms.example.org";  // the site's server_name
constexpr const char* kTwilioToken = "nginx-proxy-test-auth-token-5e1f";
constexpr const char* kKannelSecret = "6b616e6e656c2d7365637265742d3031";
constexpr const char* kUssdSecret = "61742d757373642d7365637265742d31";
// The address the test's allow lists admit; requests from 127.0.0.1 are "anyone else".
constexpr const char* kAllowedClient = "127.0.0.3";
// nginx connects upstream from here (proxy_bind in the shipped site).
constexpr const char* kProxyAddress = "127.0.0.2";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A loopback port nobody listens on right now (bound, read, released: nginx needs fixed numbers
// in its config).
std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to 127.0.0.1:0 failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Replaces `anchor` in the shipped site, which must hold it exactly `count` times: the test runs
// the file as shipped, changed only where a loopback test must differ.
void substitute(std::string& site, std::string_view anchor, std::string_view replacement,
                std::size_t count = 1) {
  std::size_t found = 0;
  for (std::size_t at = site.find(anchor); at != std::string::npos;
       at = site.find(anchor, at + replacement.size())) {
    site.replace(at, anchor.size(), replacement);
    ++found;
  }
  if (found != count)
    throw std::runtime_error("deploy/nginx/ventanilla.conf holds '" + std::string(anchor) + "' " +
                             std::to_string(found) + " time(s), the test expects " +
                             std::to_string(count) + ": update nginx_proxy_test.cpp");
}

// Runs a program to its end; throws with its output when it fails.
std::string run_tool(const std::string& program, std::vector<std::string> args) {
  SpawnOptions spawn;
  spawn.args = std::move(args);
  spawn.capture_stdout = true;
  spawn.capture_stderr = true;
  auto child = ChildProcess::spawn(program, spawn);
  std::string out;
  for (const auto& l : child.out().read_lines_until_eof(20s)) out += l + "\n";
  std::string err;
  for (const auto& l : child.err().read_lines_until_eof(2s)) err += l + "\n";
  auto status = child.wait_for(20s);
  if (!status) status = child.kill_and_wait();
  if (!status->success())
    throw std::runtime_error(program + " failed (" + status->describe() + "):\n" + out + err);
  return out;
}

// ---- Twilio's signature, computed here as Twilio computes it ----------------------------------

using FormFields = std::map<std::string, std::string>;  // sorted by name, as Twilio signs them

std::string form_body(const FormFields& fields) {
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) body += '&';
    body += form_encode(k) + "=" + form_encode(v);
  }
  return body;
}

// base64(HMAC-SHA1(auth token, URL + every name and value, names sorted)).
std::string twilio_signature(const std::string& url, const FormFields& fields) {
  std::string data = url;
  for (const auto& [k, v] : fields) data += k + v;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned mac_len = 0;
  const std::string_view token = kTwilioToken;
  if (HMAC(EVP_sha1(), token.data(), static_cast<int>(token.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &mac_len) == nullptr)
    throw std::runtime_error("HMAC failed");
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), mac.data(), static_cast<int>(mac_len));
  return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

FormFields twilio_message(const std::string& sid) {
  return {{"AccountSid", "AC0123456789abcdef0123456789abcdef"},
          {"Body", "hola"},
          {"From", "+50255550123"},
          {"MessageSid", sid},
          {"NumMedia", "0"},
          {"To", "+15005550006"}};
}

// ---- HTTPS through nginx, with curl -----------------------------------------------------------

struct CurlRequest {
  std::string method = "GET";
  std::string path;  // with the query, sent as is (no dot-segment clean-up)
  std::string body;  // form-encoded when set
  std::vector<std::string> headers;
  std::string from_address = "127.0.0.1";  // the client's source address
  std::string http_version = "--http1.1";  // or "--http2"
};

struct CurlResponse {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
};

// ---- The fixture: gateway, nginx, certificate --------------------------------------------------

// The gateway's routes for this test: Twilio with the public https URL of the proxy; Twilio
// without one, relying on the trusted proxy's X-Forwarded-*; Kannel as production has it (this
// host only, nginx trusted); the USSD route as shipped.
std::string gateway_config(std::uint16_t https_port) {
  const std::string proxy = std::string(kProxyAddress) + "/32";
  return "[ussd]\nenabled = true\nsecret_env = \"VENTANILLA_AT_USSD_SECRET\"\n\n"
         "[[route]]\nname = \"twilio\"\ncarrier = \"twilio\"\npath = \"/v1/twilio/sms\"\n"
         "secret_env = \"VENTANILLA_TWILIO_AUTH_TOKEN\"\n"
         "public_url = \"https://" +
         std::string(kHost) + ":" + std::to_string(https_port) + "/v1/twilio/sms\"\n" +
         "trusted_proxies = \"" + proxy +
         "\"\n\n"
         "[[route]]\nname = \"twilio-xff\"\ncarrier = \"twilio\"\npath = \"/v1/twilio-xff/sms\"\n"
         "secret_env = \"VENTANILLA_TWILIO_AUTH_TOKEN\"\n"
         "trusted_proxies = \"" +
         proxy +
         "\"\n\n"
         "[[route]]\nname = \"kannel\"\ncarrier = \"kannel\"\npath = \"/v1/kannel/sms\"\n"
         "secret_env = \"VENTANILLA_KANNEL_SECRET\"\nallow_from = \"127.0.0.1/32\"\n"
         "trusted_proxies = \"" +
         proxy + "\"\n";
}

class NginxProxy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    // SIGTERM first: nginx's master stops its workers only when it is asked to (a SIGKILLed
    // master leaves them holding the ports).
    for (ChildProcess* p : {nginx_.get(), gateway_ ? &gateway_->process() : nullptr}) {
      if (p == nullptr) continue;
      p->kill(SIGTERM);
      if (!p->wait_for(10s)) p->kill_and_wait();
    }
    nginx_.reset();
    gateway_.reset();
    admin_port_ = 0;
    dir_.reset();
  }

  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
  }

  static void start() {
    if (::access(kNginx, X_OK) != 0)
      throw std::runtime_error(std::string(kNginx) + " is missing: apt-get install nginx");
    dir_ = std::make_unique<TempDir>("ventanilla-nginx");
    const std::string d = dir_->path().string();
    run_tool(kOpenssl, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", std::string("/CN=") + kHost, "-addext",
                        std::string("subjectAltName=DNS:") + kHost, "-keyout",
                        dir_->file("privkey.pem"), "-out", dir_->file("fullchain.pem")});

    https_port_ = unused_port();
    http_port_ = unused_port();
    admin_port_ = unused_port();  // nobody listens: the console is not built (issue #7)

    std::ofstream(dir_->file("gateway.toml")) << gateway_config(https_port_);
    gateway_ = std::make_unique<ServeProcess>(
        *dir_, ServeOptions{.extra_args = {"--config", dir_->file("gateway.toml")},
                            .seed_directory = true,
                            .env = {{"VENTANILLA_TWILIO_AUTH_TOKEN", kTwilioToken},
                                    {"VENTANILLA_KANNEL_SECRET", kKannelSecret},
                                    {"VENTANILLA_AT_USSD_SECRET", kUssdSecret}}});

    std::string site =
        read_file(std::string(VENTANILLA_SOURCE_DIR) + "/deploy/nginx/ventanilla.conf");
    const std::string lo = "127.0.0.1:";
    substitute(site, "listen 443 ssl http2;",
               "listen " + lo + std::to_string(https_port_) + " ssl http2;");
    substitute(site, "listen [::]:443 ssl http2;", "");  // loopback IPv4 only
    substitute(site, "listen 80;", "listen " + lo + std::to_string(http_port_) + ";");
    substitute(site, "listen [::]:80;", "");
    substitute(site, "server 127.0.0.1:8080;",
               "server " + lo + std::to_string(gateway_->port()) + ";");
    substitute(site, "server 127.0.0.1:8081;", "server " + lo + std::to_string(admin_port_) + ";");
    substitute(site, "/etc/letsencrypt/live/sms.example.org/fullchain.pem",
               dir_->file("fullchain.pem"));
    substitute(site, "/etc/letsencrypt/live/sms.example.org/privkey.pem",
               dir_->file("privkey.pem"));
    substitute(site, "allow 192.0.2.10;", std::string("allow ") + kAllowedClient + ";");
    substitute(site, "allow 198.51.100.10;", std::string("allow ") + kAllowedClient + ";");
    substitute(site, "/var/log/nginx/ventanilla.access.log", access_log_path(), 2);
    substitute(site, "/var/log/nginx/ventanilla.error.log", error_log_path(), 2);
    std::ofstream(dir_->file("ventanilla-site.conf")) << site;

    // What Debian's /etc/nginx/nginx.conf provides around a site, minus everything that would
    // touch the system (temp paths under /var/lib/nginx, logs under /var/log/nginx). Once the
    // configuration is read, nginx's own messages go to a file: a stderr pipe nobody reads while
    // the tests run could fill and stall it.
    std::string conf = "worker_processes 1;\nerror_log " + dir_->file("nginx.error.log") +
                       " notice;\nevents { worker_connections 64; }\nhttp {\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      conf += std::string("  ") + temp + "_temp_path " + d + "/nginx-" + temp + ";\n";
    conf += "  include " + dir_->file("ventanilla-site.conf") + ";\n}\n";
    std::ofstream(dir_->file("nginx.conf")) << conf;

    SpawnOptions spawn;
    spawn.args = {"-p", d + "/",  "-c", dir_->file("nginx.conf"),
                  "-e", "stderr", "-g", "daemon off; pid " + dir_->file("nginx.pid") + ";"};
    spawn.capture_stdout = false;
    spawn.capture_stderr = true;
    nginx_ = std::make_unique<ChildProcess>(ChildProcess::spawn(kNginx, spawn));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      if (!nginx_->running()) {
        std::string err;
        for (const auto& l : nginx_->err().read_lines_until_eof(2s)) err += l + "\n";
        if (std::filesystem::exists(dir_->file("nginx.error.log")))
          err += read_file(dir_->file("nginx.error.log"));
        throw std::runtime_error("nginx did not start (" + nginx_->exit_status()->describe() +
                                 "):\n" + err + "config:\n" + conf + site);
      }
      try {
        RawConnection probe(https_port_);
        RawConnection probe_http(http_port_);
        break;
      } catch (const std::runtime_error&) {
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error("nginx is not listening after 10 s");
        std::this_thread::sleep_for(20ms);
      }
    }
  }

  static std::string access_log_path() { return dir_->file("ventanilla.access.log"); }
  static std::string error_log_path() { return dir_->file("ventanilla.error.log"); }

  static std::string public_url(std::string_view path) {
    return "https://" + std::string(kHost) + ":" + std::to_string(https_port_) + std::string(path);
  }

  static CurlResponse https(const CurlRequest& r) {
    static int calls = 0;
    const std::string n = std::to_string(++calls);
    const std::string body_file = dir_->file("curl-body-" + n);
    const std::string head_file = dir_->file("curl-head-" + n);
    std::vector<std::string> args = {
        "-sS",
        "--max-time",
        "10",
        "--path-as-is",
        r.http_version,
        "--cacert",
        dir_->file("fullchain.pem"),
        "--resolve",
        std::string(kHost) + ":" + std::to_string(https_port_) + ":127.0.0.1",
        "--interface",
        r.from_address,
        "-o",
        body_file,
        "-D",
        head_file,
        "-w",
        "%{http_code}",
        "-X",
        r.method};
    for (const auto& h : r.headers) args.insert(args.end(), {"-H", h});
    if (!r.body.empty()) {
      args.insert(args.end(), {"-H", "Content-Type: application/x-www-form-urlencoded",
                               "--data-binary", r.body});
    }
    args.push_back(public_url(r.path));
    CurlResponse response;
    response.status = std::stoi(run_tool(kCurl, args));
    response.headers = read_file(head_file);
    response.body = read_file(body_file);
    return response;
  }

  // A Twilio webhook for `path` on the gateway's own port (around the proxy), as raw HTTP/1.1.
  static std::optional<RawResponse> direct_post(const std::string& path, const std::string& body,
                                                const std::string& headers) {
    const std::string request = "POST " + path + " HTTP/1.1\r\n" + headers +
                                "Content-Type: application/x-www-form-urlencoded\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                body;
    return round_trip(gateway_->port(), request);
  }

  // Rows a webhook could have written (seen messages, conversations).
  static std::int64_t stored_rows() {
    sqlite3* db = nullptr;
    std::int64_t n = -1;
    if (sqlite3_open_v2(gateway_->db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db,
                             "SELECT (SELECT COUNT(*) FROM inbound_seen) + "
                             "(SELECT COUNT(*) FROM sessions)",
                             -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    if (n < 0) ADD_FAILURE() << "cannot count rows in " << gateway_->db_path();
    return n;
  }

  static inline std::string setup_error_;
  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<ServeProcess> gateway_;
  static inline std::unique_ptr<ChildProcess> nginx_;
  static inline std::uint16_t https_port_ = 0;
  static inline std::uint16_t http_port_ = 0;
  static inline std::uint16_t admin_port_ = 0;
};

// (a) What Twilio does: POST the form to the public https URL, signed for that URL.
TEST_F(NginxProxy, TwilioSignedForThePublicUrlIsAnsweredThroughTheProxy) {
  struct Case {
    const char* route_path;
    const char* http_version;
    const char* sid;
  };
  const Case cases[] = {
      {"/v1/twilio/sms", "--http1.1", "SMnginx0001"},      // public_url configured
      {"/v1/twilio/sms", "--http2", "SMnginx0002"},        // an HTTP/2 body, no Content-Length
      {"/v1/twilio-xff/sms", "--http1.1", "SMnginx0003"},  // URL from nginx's X-Forwarded-*
      {"/v1/twilio-xff/sms", "--http2", "SMnginx0004"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.route_path) + " " + c.http_version);
    const FormFields fields = twilio_message(c.sid);
    const std::int64_t before = stored_rows();
    const CurlResponse r = https(
        {.method = "POST",
         .path = c.route_path,
         .body = form_body(fields),
         .headers = {"X-Twilio-Signature: " + twilio_signature(public_url(c.route_path), fields)},
         .http_version = c.http_version});
    EXPECT_EQ(r.status, 200) << r.headers << r.body;
    EXPECT_NE(r.body.find("<Response><Message>"), std::string::npos) << r.body;
    EXPECT_GT(stored_rows(), before);
  }
}

// (b) Around the proxy, straight to the gateway's loopback port, claiming through forged
// X-Forwarded-* headers to be a request for some URL, signed for that URL: refused, nothing
// stored. On the public_url route the URL is fixed; on the other, headers are believed only from
// nginx's address (127.0.0.2), and this connection comes from 127.0.0.1.
TEST_F(NginxProxy, ForgedForwardedHeadersAroundTheProxyAreNotBelieved) {
  struct Case {
    const char* name;
    const char* route_path;
    std::string claimed_host;  // X-Forwarded-Host and Host
  };
  const std::string real_host = std::string(kHost) + ":" + std::to_string(https_port_);
  const Case cases[] = {
      {"public_url route, another host", "/v1/twilio/sms", "attacker.example"},
      {"proxied route, another host", "/v1/twilio-xff/sms", "attacker.example"},
      {"proxied route, the real public host", "/v1/twilio-xff/sms", real_host},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const FormFields fields = twilio_message("SMforged000" + std::to_string(++n));
    const std::string claimed_url = "https://" + c.claimed_host + c.route_path;
    const std::int64_t before = stored_rows();
    const auto r = direct_post(
        c.route_path, form_body(fields),
        "Host: " + c.claimed_host + "\r\nX-Forwarded-Proto: https\r\n" +
            "X-Forwarded-Host: " + c.claimed_host + "\r\n" + "X-Forwarded-For: 203.0.113.9\r\n" +
            "X-Twilio-Signature: " + twilio_signature(claimed_url, fields) + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_EQ(stored_rows(), before);
  }
}

// nginx replaces the client's X-Forwarded-Host/-Proto/-For with its own: a client that claims
// another host does not get its signature checked against it, and one that claims plain http does
// not spoil a good one.
TEST_F(NginxProxy, ForwardingHeadersAClientSendsAreReplacedByNginx) {
  const std::string path = "/v1/twilio-xff/sms";
  {
    const FormFields fields = twilio_message("SMreplaced01");
    const std::int64_t before = stored_rows();
    const CurlResponse r =
        https({.method = "POST",
               .path = path,
               .body = form_body(fields),
               .headers = {"X-Forwarded-Host: attacker.example", "X-Forwarded-Proto: https",
                           "X-Twilio-Signature: " +
                               twilio_signature("https://attacker.example" + path, fields)}});
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(stored_rows(), before);
  }
  {
    const FormFields fields = twilio_message("SMreplaced02");
    const CurlResponse r =
        https({.method = "POST",
               .path = path,
               .body = form_body(fields),
               .headers = {"X-Forwarded-Proto: http", "X-Forwarded-Host: attacker.example",
                           "X-Twilio-Signature: " + twilio_signature(public_url(path), fields)}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  // Kannel's route admits this host only: a client elsewhere that claims to be 127.0.0.1 in
  // X-Forwarded-For is still judged by its own address.
  const std::string kannel = "/v1/kannel/sms/" + std::string(kKannelSecret) +
                             "?from=%2B50255550124&to=12345&text=hola&id=kn-forged-1";
  const std::int64_t before = stored_rows();
  const CurlResponse forged = https(
      {.path = kannel, .headers = {"X-Forwarded-For: 127.0.0.1"}, .from_address = kAllowedClient});
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_EQ(stored_rows(), before);
}

// Kannel calls the gateway directly on loopback, as the shipped Kannel example does.
TEST_F(NginxProxy, KannelOnThisHostReachesTheGatewayDirectly) {
  const auto r = round_trip(gateway_->port(),
                            get_request("/v1/kannel/sms/" + std::string(kKannelSecret) +
                                        "?from=%2B50255550125&to=12345&text=hola&id=kn-direct-1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

// (c) Only carrier routes are published. The same paths answer on the gateway's own port, so the
// 404s are the site's doing.
TEST_F(NginxProxy, OnlyCarrierRoutesArePublished) {
  for (const char* path : {"/metrics", "/readyz", "/healthz"}) {
    SCOPED_TRACE(path);
    const auto direct = round_trip(gateway_->port(), get_request(path));
    ASSERT_TRUE(direct);
    EXPECT_EQ(direct->status, 200);
  }
  for (const char* path :
       {"/metrics", "/readyz", "/healthz", "/", "/metrics?x=1", "/v1/twilio/sms/../../metrics",
        "/v1/%2e%2e/metrics", "/v1/twilio", "/v1/kannel/sms/a/b", "/v2/twilio/sms"}) {
    SCOPED_TRACE(path);
    for (const char* version : {"--http1.1", "--http2"}) {
      const CurlResponse r = https({.path = path, .http_version = version});
      EXPECT_EQ(r.status, 404) << r.body;
      EXPECT_EQ(r.body.find("ventanilla_"), std::string::npos) << r.body;
    }
  }
  // A carrier path does reach the gateway (its own 405 for a GET on a POST-only route: the probe
  // the site suggests for external monitoring).
  const CurlResponse probe = https({.path = "/v1/twilio/sms"});
  EXPECT_EQ(probe.status, 405) << probe.body;
  EXPECT_NE(probe.headers.find("Allow: POST"), std::string::npos) << probe.headers;
  // Methods other than GET and POST never reach a carrier route.
  EXPECT_EQ(https({.method = "PUT", .path = "/v1/twilio/sms"}).status, 403);
  EXPECT_EQ(https({.method = "DELETE", .path = "/v1/twilio/sms"}).status, 403);
}

// (c) The console and the unsigned USSD route answer their allow lists only.
TEST_F(NginxProxy, AdminAndUssdAnswerTheirAllowListsOnly) {
  EXPECT_EQ(https({.path = "/admin/"}).status, 403);
  // nginx's own redirect of a proxied prefix without its slash; the target is the 403 above.
  const CurlResponse bare = https({.path = "/admin"});
  EXPECT_EQ(bare.status, 301);
  EXPECT_NE(bare.headers.find("/admin/\r\n"), std::string::npos) << bare.headers;
  EXPECT_EQ(https({.path = "/admin/", .headers = {"X-Forwarded-For: 127.0.0.3"}}).status, 403);
  // From the allow list the request is passed on: to a console that does not run yet (502).
  EXPECT_EQ(https({.path = "/admin/", .from_address = kAllowedClient}).status, 502);

  const std::string hop =
      "sessionId=nginx-s1&serviceCode=%2A123%23&phoneNumber=%2B50255550126&networkCode=704001&"
      "text=";
  const std::int64_t before = stored_rows();
  const std::string ussd_path = std::string("/v1/africastalking/ussd/") + kUssdSecret;
  const CurlResponse refused = https({.method = "POST", .path = ussd_path, .body = hop});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(stored_rows(), before);
  const CurlResponse allowed =
      https({.method = "POST", .path = ussd_path, .body = hop, .from_address = kAllowedClient});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.body.rfind("CON ", 0), 0u) << allowed.body;
  // The allow list is not the only lock: without the capability secret the gateway says 404.
  const CurlResponse no_secret = https({.method = "POST",
                                        .path = "/v1/africastalking/ussd",
                                        .body = hop,
                                        .from_address = kAllowedClient});
  EXPECT_EQ(no_secret.status, 404) << no_secret.body;
}

// (d) Plain http is redirected to https, path kept.
TEST_F(NginxProxy, PlainHttpIsRedirectedToHttps) {
  for (const char* path : {"/v1/twilio/sms", "/metrics"}) {
    SCOPED_TRACE(path);
    const auto r =
        round_trip(http_port_, "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + kHost +
                                   "\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 301);
    EXPECT_EQ(r->header("location"), "https://" + std::string(kHost) + path);
  }
}

// The logs: the route prefix only, never the capability secret, the query (numbers, texts) or
// the request line quoted by error messages.
TEST_F(NginxProxy, LogsHoldNoSecretQueryOrNumber) {
  const std::string query = "?from=%2B50255550127&to=12345&text=hola&id=kn-log-1";
  https({.path = "/v1/kannel/sms/" + std::string(kKannelSecret) + query});
  https({.path = "/v1/kannel/sms/" + std::string(kKannelSecret) + query,
         .from_address = kAllowedClient});
  https({.path = "/admin/" + std::string(kKannelSecret) + query, .from_address = kAllowedClient});
  https({.path = "/secret-" + std::string(kKannelSecret) + query});

  // nginx writes a line when the request ends; the last one names /admin/ or "-".
  std::string access;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    access = read_file(access_log_path());
    if (access.find("\"GET - HTTP/1.1\" 404") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(access.find("\"GET /v1/kannel/sms HTTP/1.1\" 200"), std::string::npos) << access;
  EXPECT_NE(access.find("\"GET /v1/kannel/sms HTTP/1.1\" 403"), std::string::npos) << access;
  EXPECT_NE(access.find("\"GET /admin/ HTTP/1.1\" 502"), std::string::npos) << access;
  const std::string error = read_file(error_log_path());
  for (const std::string& log : {access, error}) {
    for (const char* secret : {kKannelSecret, "50255", "from=", "text=", "?"}) {
      EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in\n" << log;
    }
  }
}

}  // namespace
}  // namespace ventanilla::test
