// Kannel end to end: the real `ventanilla serve`, Debian's Kannel 1.4.5 (bearerbox + smsbox with a
// `fake` SMSC, all on loopback) and kannel-extras' fakesmsc playing the handset. Checks what the
// handset receives, through Kannel's own get-url expansion and reply handling (docs:
// carrier-protocols.md §5.6, §9.9, §12), not a recorded request.
//
// Needs only what deploy/install-deps.sh installs (kannel, kannel-extras); missing binaries fail
// the test, they never skip it. Every process is started here, on ports picked with bind(0), and
// stopped by PID in TearDown (SIGTERM, then SIGKILL); the system-wide kannel service is not used.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/raw_http.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

using namespace std::chrono_literals;

// Where Debian 12's packages put them (dpkg -L kannel kannel-extras).
constexpr std::string_view kBearerbox = "/usr/sbin/bearerbox";
constexpr std::string_view kSmsbox = "/usr/sbin/smsbox";
constexpr std::string_view kFakesmsc = "/usr/lib/kannel/test/fakesmsc";

constexpr std::string_view kKannelSecret = "5d2b8e7f1a4c9036b7e2d1f48a6c3b90";
constexpr std::string_view kAdminPassword = "e2e-admin";
constexpr std::string_view kHandset = "50255551234";  // a GT number, as the fake SMSC reports it
constexpr std::string_view kShortCode = "12345";

// Distinct free loopback ports: every socket stays bound until all are picked, so the kernel
// cannot hand the same port out twice.
template <std::size_t N>
std::array<std::uint16_t, N> free_ports() {
  std::array<int, N> fds{};
  std::array<std::uint16_t, N> ports{};
  for (std::size_t i = 0; i < N; ++i) {
    fds[i] = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("bind(127.0.0.1:0) failed");
    }
    ports[i] = ntohs(addr.sin_port);
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The last `n` lines of a log file, for failure messages.
std::string tail(const std::string& path, std::size_t n = 25) {
  const std::string text = read_file(path);
  std::size_t at = text.size();
  for (std::size_t lines = 0; at > 0 && lines <= n;) {
    if (text[--at] == '\n') ++lines;
  }
  return "--- " + path + " (tail)\n" + text.substr(at) + "\n";
}

// octstr_url_decode as fakesmsc's ucs-2 output needs it: %XX and '+' for a space.
std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// UTF-16BE (surrogate pairs included) to UTF-8. Throws on an odd length or a lone surrogate.
std::string utf16be_to_utf8(std::string_view bytes) {
  if (bytes.size() % 2 != 0) throw std::runtime_error("UTF-16BE with an odd number of bytes");
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    char32_t c = static_cast<char32_t>(static_cast<unsigned char>(bytes[i])) << 8 |
                 static_cast<char32_t>(static_cast<unsigned char>(bytes[i + 1]));
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 3 >= bytes.size()) throw std::runtime_error("lone high surrogate");
      const char32_t low = static_cast<char32_t>(static_cast<unsigned char>(bytes[i + 2])) << 8 |
                           static_cast<char32_t>(static_cast<unsigned char>(bytes[i + 3]));
      if (low < 0xDC00 || low > 0xDFFF) throw std::runtime_error("lone high surrogate");
      c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
      i += 2;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      throw std::runtime_error("lone low surrogate");
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// One MT as fakesmsc printed it: "Got message N: <SENDER RECEIVER TYPE BODY>". fakesmsc reads MTs
// line by line, so a text reply with newlines arrives as one such message plus one "Got message
// N: <LINE>" per further line; those lines are joined back into `text` with '\n'. A ucs-2 body is
// url-encoded UTF-16BE (no raw newlines), decoded here to UTF-8.
struct HandsetReply {
  std::string sender;
  std::string receiver;
  std::string type;  // "text" or "ucs-2"
  std::string text;  // UTF-8
  std::string raw;   // every payload as printed, for failure messages
};

// The SMSC-facing config and the processes of one Kannel (bearerbox + smsbox) in front of one
// ventanilla, plus the handset.
class KannelEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string_view binary : {kBearerbox, kSmsbox, kFakesmsc}) {
      ASSERT_EQ(::access(std::string(binary).c_str(), X_OK), 0)
          << binary << " is missing: run deploy/install-deps.sh (installs kannel, kannel-extras)";
    }
  }

  // Stops everything this test started, newest first, by PID: even after a failed assertion.
  void TearDown() override {
    if (fakesmsc_) stop(*fakesmsc_, SIGINT);
    if (smsbox_) stop(*smsbox_, SIGTERM);
    if (bearerbox_) stop(*bearerbox_, SIGTERM);
    if (serve_) stop(serve_->process(), SIGTERM);
  }

  // Starts ventanilla (with `config_path`, or the repository's config/ventanilla.toml) and a
  // Kannel whose sms-service calls its kannel route; returns once smsbox is connected.
  void start(const std::string& config_path = {}) {
    ServeOptions options;
    options.seed_directory = true;
    options.env = {{"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)}};
    // The last --config wins: ServeProcess passes the repository's first.
    if (!config_path.empty()) options.extra_args = {"--config", config_path};
    serve_.emplace(dir_, options);

    const auto [admin_port, box_port, smsc_port, sendsms_port] = free_ports<4>();
    admin_port_ = admin_port;
    smsc_port_ = smsc_port;
    write_file(kannel_conf(),
               kannel_config(admin_port, box_port, smsc_port, sendsms_port, serve_->port()));

    // -v 4: only panics on stderr (a first start logs harmless errors about the missing store
    // file); everything goes to the log files, shown when something fails.
    SpawnOptions box;
    box.args = {"-v", "4", kannel_conf()};
    box.capture_stdout = false;
    box.capture_stderr = false;
    bearerbox_.emplace(ChildProcess::spawn(std::string(kBearerbox), box));
    wait_until_smsbox_connected(box);
  }

  // Sends one MO from the handset through the fake SMSC and returns the reply it gets.
  HandsetReply send_mo(std::string_view text) {
    if (fakesmsc_) stop(*fakesmsc_, SIGINT);  // the fake SMSC takes one client at a time
    SpawnOptions handset;
    // -m 1: this one message (with several, fakesmsc picks at random, §12).
    handset.args = {
        "-H",
        "127.0.0.1",
        "-r",
        std::to_string(smsc_port_),
        "-m",
        "1",
        std::string(kHandset) + " " + std::string(kShortCode) + " text " + std::string(text)};
    handset.capture_stdout = false;
    handset.capture_stderr = true;  // fakesmsc logs, "Got message" included, on stderr
    fakesmsc_.emplace(ChildProcess::spawn(std::string(kFakesmsc), handset));

    std::vector<std::string> payloads;
    // The first MT: smsbox's HTTP round trip included, so generous.
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto line = fakesmsc_->err().read_line(std::max(left, 1ms));
      if (!line) break;
      const auto got = line->find("Got message ");
      if (got == std::string::npos) continue;
      const auto open = line->find(": <", got);
      if (open == std::string::npos || line->back() != '>') continue;
      payloads.push_back(line->substr(open + 3, line->size() - open - 4));
      // The rest of a multi-line reply follows in the same burst.
      deadline = std::chrono::steady_clock::now() + 700ms;
    }
    if (payloads.empty()) {
      ADD_FAILURE() << "no reply reached fakesmsc for \"" << text << "\"\n" << diagnostics();
      return {};
    }

    HandsetReply reply;
    for (const auto& p : payloads) reply.raw += "<" + p + ">\n";
    std::istringstream first(payloads.front());
    first >> reply.sender >> reply.receiver >> reply.type;
    std::string body;
    std::getline(first >> std::ws, body);
    if (reply.type == "ucs-2") {
      reply.text = utf16be_to_utf8(url_decode(body));
    } else {
      reply.text = body;
    }
    for (std::size_t i = 1; i < payloads.size(); ++i) reply.text += "\n" + payloads[i];
    return reply;
  }

  // Log tails of every process, for failure messages.
  std::string diagnostics() {
    std::string out = tail(dir_.file("bearerbox.log")) + tail(dir_.file("smsbox.log"));
    if (serve_) {
      out += "--- ventanilla (tail)\n";
      const auto& lines = serve_->log_lines(100ms);
      for (std::size_t i = lines.size() > 25 ? lines.size() - 25 : 0; i < lines.size(); ++i) {
        out += lines[i] + "\n";
      }
    }
    return out;
  }

  // config/ventanilla.toml with one key added to the kannel [[route]].
  std::string config_with_kannel_route_key(std::string_view key_line) {
    std::string config = read_file(std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml");
    const std::string anchor = "secret_env = \"VENTANILLA_KANNEL_SECRET\"\n";
    const auto at = config.find(anchor);
    if (at == std::string::npos) {
      throw std::runtime_error("config/ventanilla.toml has no kannel route with " + anchor);
    }
    config.insert(at + anchor.size(), std::string(key_line) + "\n");
    const std::string path = dir_.file("ventanilla.toml");
    write_file(path, config);
    return path;
  }

  TempDir dir_{"ventanilla-kannel"};

 private:
  std::string kannel_conf() const { return dir_.file("kannel.conf"); }

  // The loopback setup of §5.6/§12 with the get-url and smsbox knobs of
  // deploy/kannel/smsbox-service.conf.example, except no retries: a failure should show at once.
  std::string kannel_config(std::uint16_t admin_port, std::uint16_t box_port,
                            std::uint16_t smsc_port, std::uint16_t sendsms_port,
                            std::uint16_t ventanilla_port) const {
    std::ostringstream c;
    c << "group = core\n"
      << "admin-port = " << admin_port << "\n"
      << "admin-interface = 127.0.0.1\n"
      << "admin-password = " << kAdminPassword << "\n"
      << "smsbox-port = " << box_port << "\n"
      << "box-allow-ip = \"127.0.0.1\"\n"
      << "box-deny-ip = \"*.*.*.*\"\n"
      << "store-type = file\n"
      << "store-location = \"" << dir_.file("bearerbox.store") << "\"\n"
      << "log-file = \"" << dir_.file("bearerbox.log") << "\"\n"
      << "log-level = 0\n"
      << "\n"
      << "group = smsc\n"
      << "smsc = fake\n"
      << "smsc-id = FAKE\n"
      << "port = " << smsc_port << "\n"
      << "connect-allow-ip = 127.0.0.1\n"
      << "\n"
      << "group = smsbox\n"
      << "bearerbox-host = 127.0.0.1\n"
      << "bearerbox-port = " << box_port << "\n"

      << "sendsms-port = " << sendsms_port << "\n"
      << "sendsms-interface = 127.0.0.1\n"
      << "mo-recode = true\n"
      << "http-request-retry = 0\n"
      << "http-timeout = 10\n"
      << "log-file = \"" << dir_.file("smsbox.log") << "\"\n"
      << "log-level = 0\n"
      << "\n"
      << "group = sms-service\n"
      << "keyword = default\n"
      << "catch-all = true\n"
      << "get-url = \"http://127.0.0.1:" << ventanilla_port << "/v1/kannel/sms/" << kKannelSecret
      << "?from=%p&to=%P&text=%a&id=%I&smsc=%i&coding=%c&charset=%C&ts=%T\"\n"
      << "omit-empty = true\n"
      << "max-messages = 1\n"
      << "concatenation = false\n"
      << "accept-x-kannel-headers = true\n";
    return c.str();
  }

  // Starts smsbox once bearerbox's admin interface answers, and returns when bearerbox lists it
  // under "Box connections:". smsbox panics instead of retrying when bearerbox's box port is not
  // open yet, so an smsbox that ended is started again.
  void wait_until_smsbox_connected(const SpawnOptions& box) {
    const std::string status_path = "/status.txt?password=" + std::string(kAdminPassword);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    std::string last;
    int smsbox_starts = 0;
    while (std::chrono::steady_clock::now() < deadline && bearerbox_->running()) {
      std::optional<RawResponse> status;
      try {
        status = round_trip(admin_port_, get_request(status_path), 1s);
      } catch (const std::exception&) {
        // bearerbox not listening yet
      }
      if (status) {
        last = status->body;
        const auto boxes = last.find("Box connections:");
        if (smsbox_ && smsbox_->running() && boxes != std::string::npos &&
            last.find("smsbox:", boxes) != std::string::npos) {
          return;
        }
        if (!smsbox_ || !smsbox_->running()) {
          smsbox_.emplace(ChildProcess::spawn(std::string(kSmsbox), box));
          ++smsbox_starts;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("Kannel did not come up (bearerbox " +
                             std::string(bearerbox_->running() ? "running" : "ended") +
                             ", smsbox started " + std::to_string(smsbox_starts) +
                             " time(s)); last status:\n" + last + "\n" + diagnostics());
  }

  // SIGTERM (or `signal`), then SIGKILL if it has not ended within 5 s.
  static void stop(ChildProcess& child, int signal) {
    if (!child.running()) return;
    child.kill(signal);
    if (!child.wait_for(5s)) child.kill_and_wait();
  }

  std::optional<ServeProcess> serve_;
  std::optional<ChildProcess> bearerbox_;
  std::optional<ChildProcess> smsbox_;
  std::optional<ChildProcess> fakesmsc_;
  std::uint16_t admin_port_ = 0;
  std::uint16_t smsc_port_ = 0;
};

// Default route (encoding gsm7): a text/plain reply, transliterated where GSM-7 lacks a letter
// (ó → o) and keeping what it has (é, ñ, ¿), line breaks included.
TEST_F(KannelEndToEnd, Gsm7RouteRepliesWithLanguageMenuThenCountryListAsText) {
  start();

  const HandsetReply menu = send_mo("hola");
  EXPECT_EQ(menu.sender, kShortCode) << menu.raw;
  EXPECT_EQ(menu.receiver, kHandset) << menu.raw;
  EXPECT_EQ(menu.type, "text") << menu.raw;
  EXPECT_EQ(menu.text.rfind("Ventanilla: informacion para migrantes.", 0), 0u) << menu.raw;
  EXPECT_NE(menu.text.find("\n1 Español\n2 English\n"), std::string::npos) << menu.raw;
  EXPECT_EQ(menu.text.find('?'), std::string::npos) << "nothing lost to GSM-7\n" << menu.raw;

  const HandsetReply countries = send_mo("1");
  EXPECT_EQ(countries.receiver, kHandset) << countries.raw;
  EXPECT_EQ(countries.type, "text") << countries.raw;
  EXPECT_EQ(countries.text.rfind("¿En qué", 0), 0u) << countries.raw;
  for (const char* country :
       {"1 Guatemala", "2 México", "3 Belice", "4 El Salvador", "5 Honduras", "6 Costa Rica"}) {
    EXPECT_NE(countries.text.find(std::string("\n") + country + "\n"), std::string::npos)
        << country << "\n"
        << countries.raw;
  }
}

// A route with encoding = "auto": a reply GSM-7 cannot carry goes out as UCS-2 (X-Kannel-Coding: 2
// honoured by Kannel), so the handset gets "información" intact.
TEST_F(KannelEndToEnd, AutoEncodingRouteRepliesInUcs2KeepingAccents) {
  start(config_with_kannel_route_key("encoding = \"auto\""));

  const HandsetReply menu = send_mo("hola");
  EXPECT_EQ(menu.sender, kShortCode) << menu.raw;
  EXPECT_EQ(menu.receiver, kHandset) << menu.raw;
  ASSERT_EQ(menu.type, "ucs-2") << menu.raw;
  EXPECT_EQ(menu.text.rfind("Ventanilla: información", 0), 0u) << menu.raw;
  EXPECT_NE(menu.text.find("\n1 Español\n"), std::string::npos) << menu.raw;
  EXPECT_EQ(menu.text.find('?'), std::string::npos) << menu.raw;
}

}  // namespace
}  // namespace ventanilla::test
