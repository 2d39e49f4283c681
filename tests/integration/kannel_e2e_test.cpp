// Kannel end to end: the real `ventanilla serve`, Debian's Kannel 1.4.5 (bearerbox + smsbox, all on
// loopback) running the configuration shipped in deploy/kannel/, and kannel-extras' fakesmsc
// playing the handset. Checks what the handset receives, through Kannel's own get-url expansion
// and reply handling (docs: carrier-protocols.md §5.6, §9.9, §12), not a recorded request.
// Outbound too: outbox rows drained by the kannel route's sender through smsbox's
// /cgi-bin/sendsms, the delivery reports Kannel then makes (the fake SMSC reports 8 "accepted by
// the SMSC" and 1 "delivered") coming back on the route's status URL; an MT that bearerbox's
// store file keeps across a bearerbox crash; and, once, the shipped SMPP link itself against a
// stand-in SMSC (SmppPeer) instead of the fake SMSC.
//
// The shipped kannel.conf is used as it is, except: its SMPP include (smsc-carrier.conf) is
// swapped for a `fake` SMSC group with the same smsc-id (or, for the SMPP case, for
// smsc-carrier.conf with its placeholders filled and its host on loopback), its ports are
// replaced by free ones, its secret placeholders by test values, and its /var/log/kannel/ and
// /var/spool/kannel/ paths by the test's temporary directory. Each replacement names the line it
// expects; a shipped file without it fails the test with that line, so an edit of deploy/kannel/
// that the test no longer matches shows up here rather than as a test of something else.
//
// Needs only what deploy/install-deps.sh installs (kannel, kannel-extras); missing binaries fail
// the test, they never skip it. Every process is started here, on ports picked with bind(0), and
// stopped by PID in TearDown (SIGTERM, then SIGKILL); the system-wide kannel service is not used.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/session_store.hpp"
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
// The sendsms-user the kannel route sends as (send_account / send_secret_env): the shipped
// username, a test password.
constexpr std::string_view kSendUser = "ventanilla";
constexpr std::string_view kSendPassword = "c7f1e09a42d85b36";
constexpr std::string_view kSendFrom = "12345";
constexpr std::string_view kRecipient = "+50255557788";  // the outbox rows' number
// The bind credentials the carrier would give (SMSC_SYSTEM_ID, SMSC_PASSWORD, SMSC_SYSTEM_TYPE).
constexpr std::string_view kSmscSystemId = "ventan01";
constexpr std::string_view kSmscPassword = "k4nn3lpw";
constexpr std::string_view kSmscSystemType = "INFO";

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

// One file of deploy/kannel/ as shipped.
std::string shipped_file(std::string_view name) {
  const std::string path =
      std::string(VENTANILLA_SOURCE_DIR) + "/deploy/kannel/" + std::string(name);
  if (::access(path.c_str(), R_OK) != 0) throw std::runtime_error("cannot read " + path);
  return read_file(path);
}

// The lines of `text` that are settings: neither blank nor comments.
std::vector<std::string> setting_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] != '#') lines.push_back(line);
  }
  return lines;
}

// The first setting line of `text` that contains `needle`, if any.
std::optional<std::string> setting_containing(std::string_view text, std::string_view needle) {
  for (auto& line : setting_lines(text)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return std::nullopt;
}

// The value of the one `key = value` setting of the shipped file `name` (quotes removed). Throws
// when the file has no such line, or several.
std::string shipped_setting(std::string_view name, std::string_view key) {
  const std::string prefix = std::string(key) + " = ";
  std::vector<std::string> values;
  for (const auto& line : setting_lines(shipped_file(name))) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::string value = line.substr(prefix.size());
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    values.push_back(value);
  }
  if (values.size() != 1) {
    throw std::runtime_error("deploy/kannel/" + std::string(name) + ": expected one `" + prefix +
                             "...` line, found " + std::to_string(values.size()));
  }
  return values.front();
}

// How often a substitution's anchor must occur in the shipped file.
enum class Occurs { kOnce, kAtLeastOnce };

// One change the test makes to a shipped file: every `anchor` becomes `replacement`.
struct Substitution {
  std::string anchor;
  std::string replacement;
  Occurs occurs = Occurs::kOnce;
};

// Applies `s` to `text`, the shipped file `name`. Throws naming the file and the anchor when the
// anchor is missing, or occurs more than once where it should occur once: the shipped file
// changed under the test.
void substitute(std::string& text, std::string_view name, const Substitution& s) {
  std::size_t count = 0;
  for (auto at = text.find(s.anchor); at != std::string::npos;
       at = text.find(s.anchor, at + s.replacement.size())) {
    text.replace(at, s.anchor.size(), s.replacement);
    ++count;
  }
  if (count == 0 || (s.occurs == Occurs::kOnce && count > 1)) {
    throw std::runtime_error("deploy/kannel/" + std::string(name) + ": expected `" + s.anchor +
                             "` " + (count == 0 ? "to be there" : "once") + ", found it " +
                             std::to_string(count) + " time(s)");
  }
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

// The payload of a "Got message N: <...>" line of fakesmsc's log, or nullopt for other lines.
std::optional<std::string> got_message_payload(const std::string& line) {
  const auto got = line.find("Got message ");
  if (got == std::string::npos) return std::nullopt;
  const auto open = line.find(": <", got);
  if (open == std::string::npos || line.back() != '>') return std::nullopt;
  return line.substr(open + 3, line.size() - open - 4);
}

// One payload ("SENDER RECEIVER TYPE BODY"), a ucs-2 body decoded to UTF-8.
HandsetReply parse_payload(const std::string& payload) {
  HandsetReply reply;
  reply.raw = "<" + payload + ">\n";
  std::istringstream in(payload);
  in >> reply.sender >> reply.receiver >> reply.type;
  std::getline(in >> std::ws, reply.text);
  if (reply.type == "ucs-2") reply.text = utf16be_to_utf8(url_decode(reply.text));
  return reply;
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An outbox row as the test checks it.
struct OutboxState {
  std::string status;
  std::string delivery_status;  // "" while none
  std::int64_t attempts = 0;
  std::int64_t sealed_bytes = 0;
  std::int64_t in_doubt = 0;
  std::string last_error;

  std::string describe() const {
    return "status=" + status + " delivery_status=" + delivery_status +
           " attempts=" + std::to_string(attempts) +
           " sealed_bytes=" + std::to_string(sealed_bytes) +
           " in_doubt=" + std::to_string(in_doubt) + " last_error=" + last_error;
  }
};

// SMPP 3.4 command ids (SMPP v3.4 §5.1.2.1): a response is the request's id with bit 31 set.
constexpr std::uint32_t kBindTransceiver = 0x00000009;
constexpr std::uint32_t kSubmitSm = 0x00000004;
constexpr std::uint32_t kDeliverSm = 0x00000005;
constexpr std::uint32_t kEnquireLink = 0x00000015;
constexpr std::uint32_t kResponse = 0x80000000;

// One SMPP PDU: the header's command id, status and sequence number, and the body after it.
struct SmppPdu {
  std::uint32_t command_id = 0;
  std::uint32_t status = 0;
  std::uint32_t sequence = 0;
  std::string body;
};

// Reads the fields of a PDU body in order. Throws when the body ends first.
class SmppFields {
 public:
  explicit SmppFields(std::string_view body) : body_(body) {}

  std::string c_string() {
    const auto end = body_.find('\0', at_);
    if (end == std::string_view::npos) throw std::runtime_error("SMPP: unterminated C-string");
    std::string value(body_.substr(at_, end - at_));
    at_ = end + 1;
    return value;
  }
  std::uint8_t byte() {
    if (at_ >= body_.size()) throw std::runtime_error("SMPP: body ends early");
    return static_cast<std::uint8_t>(body_[at_++]);
  }
  std::string bytes(std::size_t n) {
    if (body_.size() - at_ < n) throw std::runtime_error("SMPP: body ends early");
    std::string value(body_.substr(at_, n));
    at_ += n;
    return value;
  }

 private:
  std::string_view body_;
  std::size_t at_ = 0;
};

// A submit_sm (SMPP v3.4 §4.4.1) as the test checks it.
struct SubmitSm {
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
  std::string source;
  std::uint8_t dest_ton = 0;
  std::uint8_t dest_npi = 0;
  std::string destination;
  std::string validity_period;
  std::uint8_t registered_delivery = 0;
  std::uint8_t data_coding = 0;
  std::string short_message;

  static SubmitSm parse(std::string_view body) {
    SmppFields f(body);
    SubmitSm m;
    f.c_string();  // service_type
    m.source_ton = f.byte();
    m.source_npi = f.byte();
    m.source = f.c_string();
    m.dest_ton = f.byte();
    m.dest_npi = f.byte();
    m.destination = f.c_string();
    f.byte();      // esm_class
    f.byte();      // protocol_id
    f.byte();      // priority_flag
    f.c_string();  // schedule_delivery_time
    m.validity_period = f.c_string();
    m.registered_delivery = f.byte();
    f.byte();  // replace_if_present_flag
    m.data_coding = f.byte();
    f.byte();  // sm_default_msg_id
    m.short_message = f.bytes(f.byte());
    return m;
  }
};

// A deliver_sm body (SMPP v3.4 §4.6.1) from `source` to `destination`: an MO, or with esm_class
// 0x04 a delivery receipt.
std::string deliver_sm_body(std::string_view source, std::string_view destination,
                            std::uint8_t esm_class, std::string_view short_message) {
  std::string b;
  b += '\0';    // service_type
  b += '\x01';  // source_addr_ton: international
  b += '\x01';  // source_addr_npi: E.164
  b += std::string(source) + '\0';
  b += '\0';  // dest_addr_ton: unknown
  b += '\0';  // dest_addr_npi: unknown
  b += std::string(destination) + '\0';
  b += static_cast<char>(esm_class);
  b += std::string(3, '\0');  // protocol_id, priority_flag, schedule_delivery_time ""
  b += std::string(3, '\0');  // validity_period "", registered_delivery, replace_if_present
  b += '\0';                  // data_coding: SMSC default alphabet
  b += '\0';                  // sm_default_msg_id
  b += static_cast<char>(short_message.size());
  b += short_message;
  return b;
}

// The carrier's end of the SMPP link, on 127.0.0.1:`port`: takes bearerbox's one connection and
// reads and writes whole PDUs. Just enough SMSC to see what the shipped smsc-carrier.conf makes
// bearerbox send.
class SmppPeer {
 public:
  explicit SmppPeer(std::uint16_t port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("socket() failed");
    const int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 4) != 0) {
      throw std::runtime_error("SMPP peer: cannot listen on port " + std::to_string(port));
    }
  }
  SmppPeer(const SmppPeer&) = delete;
  SmppPeer& operator=(const SmppPeer&) = delete;
  ~SmppPeer() {
    if (connection_ >= 0) ::close(connection_);
    ::close(listener_);
  }

  // Waits up to `within` for bearerbox to connect.
  bool accept(std::chrono::milliseconds within) {
    if (!wait_readable(listener_, within)) return false;
    connection_ = ::accept(listener_, nullptr, nullptr);
    return connection_ >= 0;
  }

  // The next PDU whose command id is `command_id`, answering bearerbox's enquire_links on the way
  // and skipping anything else (its deliver_sm_resps); nullopt after `within`.
  std::optional<SmppPdu> read_until(std::uint32_t command_id, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (auto pdu = read(deadline)) {
      if (pdu->command_id == command_id) return pdu;
      if (pdu->command_id == kEnquireLink) write(kEnquireLink | kResponse, pdu->sequence, {});
    }
    return std::nullopt;
  }

  void write(std::uint32_t command_id, std::uint32_t sequence, std::string_view body) {
    std::string pdu;
    for (std::uint32_t word :
         {static_cast<std::uint32_t>(16 + body.size()), command_id, std::uint32_t{0}, sequence}) {
      for (int shift = 24; shift >= 0; shift -= 8) pdu += static_cast<char>((word >> shift) & 0xFF);
    }
    pdu += body;
    if (::send(connection_, pdu.data(), pdu.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(pdu.size())) {
      throw std::runtime_error("SMPP peer: send failed");
    }
  }

 private:
  static bool wait_readable(int fd, std::chrono::milliseconds within) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(std::max(within, 0ms).count())) == 1;
  }

  // `n` bytes, or nullopt when the deadline passes or the connection closes first.
  std::optional<std::string> read_exactly(std::size_t n,
                                          std::chrono::steady_clock::time_point deadline) {
    std::string data;
    while (data.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!wait_readable(connection_, left)) return std::nullopt;
      std::array<char, 4096> buffer{};
      const ssize_t got =
          ::recv(connection_, buffer.data(), std::min(buffer.size(), n - data.size()), 0);
      if (got <= 0) return std::nullopt;
      data.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return data;
  }

  std::optional<SmppPdu> read(std::chrono::steady_clock::time_point deadline) {
    auto header = read_exactly(16, deadline);
    if (!header) return std::nullopt;
    std::array<std::uint32_t, 4> words{};
    for (std::size_t i = 0; i < words.size(); ++i) {
      for (std::size_t j = 0; j < 4; ++j) {
        words[i] = words[i] << 8 | static_cast<unsigned char>((*header)[i * 4 + j]);
      }
    }
    if (words[0] < 16 || words[0] > 65536) throw std::runtime_error("SMPP peer: bad PDU length");
    auto body = read_exactly(words[0] - 16, deadline);
    if (!body) return std::nullopt;
    return SmppPdu{words[1], words[2], words[3], std::move(*body)};
  }

  int listener_ = -1;
  int connection_ = -1;
};

// What bearerbox's SMSC link is: Kannel's `fake` SMSC (fakesmsc plays the handset), or the
// shipped SMPP link pointed at an SmppPeer.
enum class SmscLink { kFake, kShippedSmpp };

// What one queued message must become: the MT fakesmsc prints, then the outbox row.
struct OutboundCase {
  std::string body;      // as queued (UTF-8)
  std::string type;      // what fakesmsc prints: "text" (GSM-7) or "ucs-2"
  std::string received;  // the text the handset gets, UTF-8
};

// One Kannel (bearerbox + smsbox, on the shipped configuration made runnable here) in front of one
// ventanilla, plus the handset.
class KannelEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string_view binary : {kBearerbox, kSmsbox, kFakesmsc}) {
      ASSERT_EQ(::access(std::string(binary).c_str(), X_OK), 0)
          << binary << " is missing: run deploy/install-deps.sh (installs kannel, kannel-extras)";
    }
    // Picked up front: the ventanilla config names Kannel's sendsms port, Kannel's config
    // ventanilla's port.
    const auto [admin_port, box_port, smsc_port, sendsms_port, ventanilla_port] = free_ports<5>();
    admin_port_ = admin_port;
    box_port_ = box_port;
    smsc_port_ = smsc_port;
    sendsms_port_ = sendsms_port;
    ventanilla_port_ = ventanilla_port;
  }

  // Stops everything this test started, newest first, by PID: even after a failed assertion.
  void TearDown() override {
    if (fakesmsc_) stop(*fakesmsc_, SIGINT);
    if (smsbox_) stop(*smsbox_, SIGTERM);
    if (bearerbox_) stop(*bearerbox_, SIGTERM);
    if (serve_) stop(serve_->process(), SIGTERM);
  }

  struct StartOptions {
    std::string config_path;               // "" = the repository's config/ventanilla.toml
    SmscLink smsc_link = SmscLink::kFake;  // kShippedSmpp: connects to an SmppPeer on smsc_port()
    bool seed_directory = true;  // the inbound menus need the shipped content; the outbox not
    // Connect a fakesmsc that only listens before ventanilla starts, so that what ventanilla
    // sends at start-up (the outbox) is printed by it: see collect_mts().
    bool handset_listening = false;
  };

  // Starts a Kannel whose sms-service calls the kannel route of a ventanilla on a port picked
  // here, then that ventanilla (so its outbox senders find smsbox's sendsms port open). Returns
  // once both are up.
  void start(StartOptions start_options) {
    write_file(kannel_conf(), kannel_config(start_options.smsc_link));
    start_kannel();
    if (start_options.handset_listening) listen_as_handset();

    ServeOptions options;
    options.seed_directory = start_options.seed_directory;
    options.env = {{"VENTANILLA_KANNEL_SECRET", std::string(kKannelSecret)},
                   {"VENTANILLA_KANNEL_SEND_PASSWORD", std::string(kSendPassword)}};
    // The last --config and --listen win: ServeProcess passes its own first.
    if (!start_options.config_path.empty()) {
      options.extra_args = {"--config", start_options.config_path};
    }
    options.extra_args.insert(options.extra_args.end(),
                              {"--listen", "127.0.0.1:" + std::to_string(ventanilla_port_),
                               // A send that fails (smsbox briefly away) is retried soon.
                               "--set", "outbound.retry_base_ms=200"});
    serve_.emplace(dir_, options);
    ASSERT_EQ(serve_->port(), ventanilla_port_);
  }
  void start(const std::string& config_path = {}) {
    StartOptions options;
    options.config_path = config_path;
    start(options);
  }

  // Kills bearerbox as a crash would (SIGKILL: nothing is written on the way out), stops smsbox
  // (it cannot outlive its bearerbox connection), and starts both again on the same
  // configuration, store file included.
  void crash_and_restart_kannel() {
    bearerbox_->kill_and_wait();
    if (smsbox_) stop(*smsbox_, SIGTERM);
    start_kannel();
  }

  std::string store_file() const { return dir_.file("bearerbox.store"); }
  std::uint16_t smsc_port() const { return smsc_port_; }

  // Polls the store file until it holds `text` or `within` passes.
  bool wait_until_stored(std::string_view text, std::chrono::milliseconds within) const {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (read_file(store_file()).find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
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
      auto payload = got_message_payload(*line);
      if (!payload) continue;
      payloads.push_back(std::move(*payload));
      // The rest of a multi-line reply follows in the same burst.
      deadline = std::chrono::steady_clock::now() + 700ms;
    }
    if (payloads.empty()) {
      ADD_FAILURE() << "no reply reached fakesmsc for \"" << text << "\"\n" << diagnostics();
      return {};
    }

    HandsetReply reply = parse_payload(payloads.front());
    for (std::size_t i = 1; i < payloads.size(); ++i) {
      reply.raw += "<" + payloads[i] + ">\n";
      reply.text += "\n" + payloads[i];
    }
    return reply;
  }

  // A fakesmsc that sends nothing (-m 0; the message argument keeps it out of its stdin mode,
  // which crashes at end of input) and prints every MT it receives.
  void listen_as_handset() {
    if (fakesmsc_) stop(*fakesmsc_, SIGINT);
    SpawnOptions handset;
    handset.args = {"-H",
                    "127.0.0.1",
                    "-r",
                    std::to_string(smsc_port_),
                    "-m",
                    "0",
                    std::string(kHandset) + " " + std::string(kShortCode) + " text unused"};
    handset.capture_stdout = false;
    handset.capture_stderr = true;
    fakesmsc_.emplace(ChildProcess::spawn(std::string(kFakesmsc), handset));
  }

  // The next `count` MTs the listening fakesmsc prints (fewer if `within` passes first).
  std::vector<HandsetReply> collect_mts(std::size_t count, std::chrono::milliseconds within) {
    std::vector<HandsetReply> mts;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (mts.size() < count && std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto line = fakesmsc_->err().read_line(std::max(left, 1ms));
      if (!line) continue;
      if (auto payload = got_message_payload(*line)) mts.push_back(parse_payload(*payload));
    }
    return mts;
  }

  // Queues `bodies` for kRecipient on `route` in the database ventanilla will open, the way the
  // dialog does (storage::enqueue_sms, the number sealed under the same key file). Before
  // start(): ventanilla drains them as it comes up. Returns the row ids in order.
  std::vector<std::int64_t> queue_before_start(const std::string& route,
                                               const std::vector<std::string>& bodies) {
    auto key = privacy::Pseudonymizer::from_key_file(dir_.file("secret.key"), true);
    if (!key) throw std::runtime_error(key.error().message());
    auto number = privacy::PhoneNumber::parse(kRecipient);
    if (!number) throw std::runtime_error(number.error().message());
    auto db = storage::Database::open(dir_.file("ventanilla.db"));
    if (!db) throw std::runtime_error(db.error().message());
    auto migrated = storage::apply_migrations(*db, storage::embedded_migrations());
    if (!migrated) throw std::runtime_error(migrated.error().message());
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      storage::OutboxMessage m;
      m.idempotency_key = "kannel-e2e/" + route + "/" + std::to_string(i);
      m.subscriber = std::string(key->pseudonymize(*number).value());
      m.destination_sealed = key->seal(*number, m.idempotency_key);
      m.body = bodies[i];
      m.route = route;
      m.now_ms = epoch_ms();
      if (!storage::enqueue_sms(*db, m)) throw std::runtime_error("duplicate " + m.idempotency_key);
      ids.push_back(db->last_insert_rowid());
    }
    return ids;
  }

  OutboxState outbox_row(std::int64_t id) {
    auto db = storage::Database::open(dir_.file("ventanilla.db"), {.read_only = true});
    if (!db) throw std::runtime_error(db.error().message());
    auto s = db->prepare(
        "SELECT status, COALESCE(delivery_status, ''), attempts, length(destination_sealed), "
        "in_doubt, COALESCE(last_error, '') FROM outbox WHERE id = ?1");
    s.bind_all(id);
    if (!s.step()) throw std::runtime_error("no outbox row " + std::to_string(id));
    return {s.column_text(0),  s.column_text(1),  s.column_int64(2),
            s.column_int64(3), s.column_int64(4), s.column_text(5)};
  }

  // Polls the row until `done` holds or `within` passes; returns its last state.
  template <class Done>
  OutboxState wait_for_row(std::int64_t id, Done done, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    OutboxState state = outbox_row(id);
    while (!done(state) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      state = outbox_row(id);
    }
    return state;
  }

  // The kannel [[route]] of config/ventanilla.toml sending through this Kannel's sendsms, with
  // `extra` key lines, written to a file for start().
  std::string sending_config(std::string_view extra = {}) {
    std::string keys = "send_url = \"http://127.0.0.1:" + std::to_string(sendsms_port_) + "\"\n" +
                       "send_account = \"" + std::string(kSendUser) + "\"\n" +
                       "send_secret_env = \"VENTANILLA_KANNEL_SEND_PASSWORD\"\n" +
                       "send_from = \"" + std::string(kSendFrom) + "\"\n" + "send_rate = 50\n" +
                       "status_url = \"http://127.0.0.1:" + std::to_string(ventanilla_port_) +
                       "/v1/kannel/status/{secret}\"";  // as deploy/ventanilla.toml has it
    if (!extra.empty()) keys += "\n" + std::string(extra);
    return config_with_kannel_route_key(keys);
  }

  bool log_mentions(std::string_view needle) {
    if (!serve_) return false;
    for (const auto& line : serve_->log_lines(100ms)) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
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

  // Drains the queued `cases` of the kannel route through the real Kannel: each reaches the handset
  // once, from send_from to the sealed number, in the expected coding and text; each row ends
  // 'sent' after one attempt with its number erased, and the fake SMSC's reports (8 accepted by the
  // SMSC, 1 delivered, in either order) come back on the status URL and leave delivery_status
  // 'delivered'. The send password (in the sendsms query) never reaches the log.
  void expect_sent_through_kannel(const std::vector<OutboundCase>& cases,
                                  const std::vector<std::int64_t>& ids,
                                  std::vector<HandsetReply> mts) {
    ASSERT_EQ(mts.size(), cases.size()) << diagnostics();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE("queued: " + cases[i].body);
      // Up to 4 calls per route run at once: the order of arrival is not the order queued.
      const auto mt = std::find_if(mts.begin(), mts.end(), [&](const HandsetReply& m) {
        return m.text == cases[i].received;
      });
      if (mt == mts.end()) {
        std::string seen;
        for (const auto& m : mts) seen += m.raw;
        ADD_FAILURE() << "fakesmsc never got \"" << cases[i].received << "\"; it got:\n" << seen;
        continue;
      }
      EXPECT_EQ(mt->sender, kSendFrom) << mt->raw;
      EXPECT_EQ(mt->receiver, kRecipient) << mt->raw;
      EXPECT_EQ(mt->type, cases[i].type) << mt->raw;
      mts.erase(mt);  // each MT answers one case: a message sent twice would leave one over

      const OutboxState row = wait_for_row(
          ids[i], [](const OutboxState& r) { return r.delivery_status == "delivered"; }, 10s);
      EXPECT_EQ(row.status, "sent") << row.describe();
      EXPECT_EQ(row.attempts, 1) << row.describe();
      EXPECT_EQ(row.sealed_bytes, 0) << "number erased once sent: " << row.describe();
      EXPECT_EQ(row.in_doubt, 0) << row.describe();
      EXPECT_EQ(row.delivery_status, "delivered") << row.describe() << "\n" << diagnostics();
    }
    EXPECT_FALSE(log_mentions(kSendPassword)) << "the sendsms URL carries the password";
  }

 private:
  std::string kannel_conf() const { return dir_.file("kannel.conf"); }

  // deploy/kannel/kannel.conf as shipped, with this test's ports and secrets in place of the
  // shipped ones, its directory in place of /var/log/kannel/ and /var/spool/kannel/, and its SMSC
  // link (kFake: a `fake` SMSC group under the smsc-id of the shipped SMPP link; kShippedSmpp:
  // smsc-carrier.conf pointing at 127.0.0.1) in place of the SMPP include. Throws naming the
  // shipped line it cannot find.
  std::string kannel_config(SmscLink link) const {
    if (link == SmscLink::kFake) {
      const std::string smsc_id = shipped_setting("smsc-carrier.conf", "smsc-id");
      write_file(dir_.file("smsc.conf"),
                 "group = smsc\n"
                 "smsc = fake\n"
                 "smsc-id = " +
                     smsc_id + "\nport = " + std::to_string(smsc_port_) +
                     "\nconnect-allow-ip = 127.0.0.1\n");
    } else {
      write_file(dir_.file("smsc.conf"),
                 shipped_for_test("smsc-carrier.conf",
                                  {
                                      {"host = SMSC_HOST", "host = 127.0.0.1"},
                                      {"port = 2775", "port = " + std::to_string(smsc_port_)},
                                      {"smsc-username = \"SMSC_SYSTEM_ID\"",
                                       "smsc-username = \"" + std::string(kSmscSystemId) + "\""},
                                      {"smsc-password = \"SMSC_PASSWORD\"",
                                       "smsc-password = \"" + std::string(kSmscPassword) + "\""},
                                      {"system-type = \"SMSC_SYSTEM_TYPE\"",
                                       "system-type = \"" + std::string(kSmscSystemType) + "\""},
                                      {"my-number = \"SHORTCODE\"",
                                       "my-number = \"" + std::string(kShortCode) + "\""},
                                      {"\"/var/log/kannel/", "\"" + kTestDir, Occurs::kAtLeastOnce},
                                  },
                                  {"/var/", "/etc/", "SMSC_", "SHORTCODE", "= 2775"}));
    }
    return shipped_for_test(
        "kannel.conf",
        {
            {"include = \"/etc/kannel/smsc-carrier.conf\"",
             "include = \"" + kTestDir + "smsc.conf\""},
            {"admin-port = 13000", "admin-port = " + std::to_string(admin_port_)},
            {"admin-password = \"ADMIN_PASSWORD\"",
             "admin-password = \"" + std::string(kAdminPassword) + "\""},
            {"smsbox-port = 13001", "smsbox-port = " + std::to_string(box_port_)},
            {"bearerbox-port = 13001", "bearerbox-port = " + std::to_string(box_port_)},
            {"sendsms-port = 13013", "sendsms-port = " + std::to_string(sendsms_port_)},
            {"get-url = \"http://127.0.0.1:8080/v1/kannel/sms/KANNEL_ROUTE_SECRET?",
             "get-url = \"http://127.0.0.1:" + std::to_string(ventanilla_port_) +
                 "/v1/kannel/sms/" + std::string(kKannelSecret) + "?"},
            {"username = " + std::string(kSendUser), "username = " + std::string(kSendUser)},
            {"password = \"SENDSMS_PASSWORD\"",
             "password = \"" + std::string(kSendPassword) + "\""},
            {"\"/var/log/kannel/", "\"" + kTestDir, Occurs::kAtLeastOnce},
            {"\"/var/spool/kannel/", "\"" + kTestDir, Occurs::kAtLeastOnce},
        },
        {"/var/", "/etc/", "ADMIN_PASSWORD", "KANNEL_ROUTE_SECRET", "SENDSMS_PASSWORD", ":8080",
         "= 1300", ":1300"});
  }

  // Stands for the test's directory in substitutions until the check for what is left has run
  // (the directory itself may be under /var/tmp).
  inline static const std::string kTestDir = "@TEST_DIR@/";

  // The shipped file `name` with `substitutions` applied. A setting line still holding one of
  // `left_over` (a system path, a placeholder, a shipped port) is one the table does not know yet:
  // throws naming it, as substitute() does for a missing anchor.
  std::string shipped_for_test(std::string_view name,
                               const std::vector<Substitution>& substitutions,
                               const std::vector<std::string_view>& left_over) const {
    std::string text = shipped_file(name);
    for (const auto& s : substitutions) substitute(text, name, s);
    for (std::string_view left : left_over) {
      if (auto line = setting_containing(text, left)) {
        throw std::runtime_error("deploy/kannel/" + std::string(name) +
                                 ": the test does not replace \"" + std::string(left) +
                                 "\" in the setting `" + *line + "`");
      }
    }
    substitute(text, name, {kTestDir, dir_.path().string() + "/", Occurs::kAtLeastOnce});
    return text;
  }

  // Starts bearerbox on kannel_conf(), then smsbox; returns once smsbox is connected.
  void start_kannel() {
    // -v 4: only panics on stderr (a first start logs harmless errors about the missing store
    // file); everything goes to the log files, shown when something fails.
    SpawnOptions box;
    box.args = {"-v", "4", kannel_conf()};
    box.capture_stdout = false;
    box.capture_stderr = false;
    bearerbox_.emplace(ChildProcess::spawn(std::string(kBearerbox), box));
    wait_until_smsbox_connected(box);
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
  std::uint16_t box_port_ = 0;
  std::uint16_t smsc_port_ = 0;
  std::uint16_t sendsms_port_ = 0;
  std::uint16_t ventanilla_port_ = 0;
};

// Default route (encoding gsm7): a text/plain reply, transliterated where GSM-7 lacks a letter
// (ó → o) and keeping what it has (é, ñ, ¿), line breaks included. Kannel's logs, as shipped, keep
// no number, text or secret.
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

  // The shipped logging: the access log has a line per MO and per reply, on the carrier's link,
  // but neither the migrant's number nor any text; no log holds the route secret of get-url.
  const std::string access_log = read_file(dir_.file("access.log"));
  const std::string link = "[SMSC:" + shipped_setting("smsc-carrier.conf", "smsc-id") + "]";
  for (const std::string& event : {"Receive SMS " + link, "Sent SMS " + link}) {
    EXPECT_NE(access_log.find(event), std::string::npos) << event << "\n" << access_log;
  }
  for (std::string_view personal :
       {kHandset, std::string_view("hola"), std::string_view("Ventanilla")}) {
    EXPECT_EQ(access_log.find(personal), std::string::npos) << personal << "\n" << access_log;
  }
  for (const char* log : {"access.log", "bearerbox.log", "smsbox.log"}) {
    EXPECT_EQ(read_file(dir_.file(log)).find(kKannelSecret), std::string::npos) << log;
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

// Default route (encoding gsm7): GSM-7 text goes as it is, the extension table (€) included; what
// GSM-7 lacks is transliterated by us (ó → o) before Kannel could turn it into '?'.
TEST_F(KannelEndToEnd, OutboxSendsGsm7TextThroughSendsmsAndRecordsTheDeliveryReport) {
  const std::vector<OutboundCase> cases = {
      {"Albergue San José: Calle 5 #12, ¿qué necesita? Señora Müller, 5€", "text",
       "Albergue San José: Calle 5 #12, ¿qué necesita? Señora Müller, 5€"},
      {"Más información: atención gratuita", "text", "Mas informacion: atencion gratuita"},
  };
  std::vector<std::string> bodies;
  for (const auto& c : cases) bodies.push_back(c.body);
  const auto ids = queue_before_start("kannel", bodies);

  StartOptions options;
  options.config_path = sending_config();
  options.seed_directory = false;
  options.handset_listening = true;
  start(options);

  expect_sent_through_kannel(cases, ids, collect_mts(cases.size(), 15s));
  // Nothing more arrives: no duplicate send.
  EXPECT_TRUE(collect_mts(1, 500ms).empty());
}

// A route with encoding = "auto": a text GSM-7 cannot carry goes as UCS-2 (coding=2 with
// charset=UTF-8, converted by Kannel), its accents and ✓ intact; a GSM-7 text on the same route
// still goes as GSM-7.
TEST_F(KannelEndToEnd, AutoEncodingRouteSendsUcs2ThroughSendsmsWhenTheTextNeedsIt) {
  const std::vector<OutboundCase> cases = {
      {"Información: atención gratuita ✓", "ucs-2", "Información: atención gratuita ✓"},
      {"Hola, ¿qué tal?", "text", "Hola, ¿qué tal?"},
  };
  std::vector<std::string> bodies;
  for (const auto& c : cases) bodies.push_back(c.body);
  const auto ids = queue_before_start("kannel", bodies);

  StartOptions options;
  options.config_path = sending_config("encoding = \"auto\"");
  options.seed_directory = false;
  options.handset_listening = true;
  start(options);

  expect_sent_through_kannel(cases, ids, collect_mts(cases.size(), 15s));
  EXPECT_TRUE(collect_mts(1, 500ms).empty());
}

// Kannel's sendsms takes one SMS per call here (the sender does not rely on smsbox concatenating):
// a GSM-7 text over 160 septets reaches the handset as whole SMS parts broken between words, in
// order, each a plain single SMS; the row is one message, sent once, and its reports still arrive.
TEST_F(KannelEndToEnd, OutboxSendsALongTextAsWholeSmsPartsBrokenBetweenWords) {
  const std::string body =
      "Casa del Migrante Tapachula: calle 4a Sur 77, colonia Centro. Abierto todos los dias de 8 "
      "a 20 horas. Comida, ducha, ropa, atencion medica y asesoria legal gratuita. Llame antes "
      "al 962 625 0000 o escriba por SMS la palabra AYUDA.";
  ASSERT_GT(body.size(), 160u);
  ASSERT_LE(body.size(), 320u);
  const auto ids = queue_before_start("kannel", {body});

  StartOptions options;
  options.config_path = sending_config();
  options.seed_directory = false;
  options.handset_listening = true;
  start(options);

  const auto mts = collect_mts(2, 15s);
  ASSERT_EQ(mts.size(), 2u) << diagnostics();
  for (const auto& mt : mts) {
    EXPECT_EQ(mt.sender, kSendFrom) << mt.raw;
    EXPECT_EQ(mt.receiver, kRecipient) << mt.raw;
    EXPECT_EQ(mt.type, "text") << "a single SMS, no UDH: " << mt.raw;
    EXPECT_LE(mt.text.size(), 160u) << mt.raw;  // ASCII only: one septet per byte
    EXPECT_FALSE(mt.text.empty() || mt.text.front() == ' ' || mt.text.back() == ' ') << mt.raw;
  }
  EXPECT_EQ(mts[0].text + " " + mts[1].text, body) << "broken at a space, in order\n"
                                                   << mts[0].raw << mts[1].raw;
  EXPECT_TRUE(collect_mts(1, 500ms).empty()) << "no part sent twice";

  const OutboxState row = wait_for_row(
      ids[0], [](const OutboxState& r) { return r.delivery_status == "delivered"; }, 10s);
  EXPECT_EQ(row.status, "sent") << row.describe();
  EXPECT_EQ(row.attempts, 1) << row.describe();
  EXPECT_EQ(row.sealed_bytes, 0) << row.describe();
  EXPECT_EQ(row.delivery_status, "delivered") << row.describe() << "\n" << diagnostics();
}

// The store file (store-type = file): an MT that bearerbox accepted while its SMSC link was down
// is kept across a bearerbox crash (SIGKILL) and sent once the link is back, with its delivery
// reports reaching the outbox row. Ventanilla sent it once: the copy the handset gets is the
// stored one, not a retry from the outbox.
TEST_F(KannelEndToEnd, AnMtHeldInTheStoreFileIsSentAfterABearerboxCrash) {
  const std::string body = "Albergue abierto hoy hasta las 20 horas.";
  const auto ids = queue_before_start("kannel", {body});

  StartOptions options;
  options.config_path = sending_config();
  options.seed_directory = false;
  start(options);  // no handset connected: the fake SMSC has no client, bearerbox holds the MT

  const OutboxState accepted = wait_for_row(
      ids[0], [](const OutboxState& r) { return r.status == "sent"; }, 10s);
  ASSERT_EQ(accepted.status, "sent") << accepted.describe() << "\n" << diagnostics();
  ASSERT_TRUE(wait_until_stored(body, 10s)) << "the MT never reached " << store_file() << "\n"
                                            << diagnostics();

  crash_and_restart_kannel();
  listen_as_handset();

  const auto mts = collect_mts(1, 15s);
  ASSERT_EQ(mts.size(), 1u) << "the stored MT was not sent after the restart\n" << diagnostics();
  EXPECT_EQ(mts[0].text, body) << mts[0].raw;
  EXPECT_EQ(mts[0].sender, kSendFrom) << mts[0].raw;
  EXPECT_EQ(mts[0].receiver, kRecipient) << mts[0].raw;
  EXPECT_TRUE(collect_mts(1, 500ms).empty()) << "sent once";

  const OutboxState row = wait_for_row(
      ids[0], [](const OutboxState& r) { return r.delivery_status == "delivered"; }, 10s);
  EXPECT_EQ(row.status, "sent") << row.describe();
  EXPECT_EQ(row.attempts, 1) << "not sent again by the outbox: " << row.describe();
  EXPECT_EQ(row.delivery_status, "delivered") << row.describe() << "\n" << diagnostics();
}

// The shipped SMPP link (smsc-carrier.conf, only its placeholders and port filled in) against a
// stand-in SMSC: bearerbox binds as a transceiver with the carrier's credentials; an outbox MT
// goes out from the short code (TON 3 / NPI 0) to the international number without '+' (TON 1 /
// NPI 1) asking for a delivery receipt, with a validity period; the receipt, its message id in
// decimal where submit_sm_resp gave it in hex (msg-id-type 0x01), marks the row delivered; and an
// MO to the short code is answered with the menu, from the short code.
TEST_F(KannelEndToEnd, ShippedSmppLinkBindsSendsAndMatchesReceipts) {
  const std::string body = "Albergue abierto hoy hasta las 20 horas.";
  const auto ids = queue_before_start("kannel", {body});
  SmppPeer smsc(smsc_port());

  StartOptions options;
  options.config_path = sending_config();
  options.smsc_link = SmscLink::kShippedSmpp;
  start(options);

  ASSERT_TRUE(smsc.accept(15s)) << "bearerbox never connected to the SMSC\n" << diagnostics();
  const auto bind = smsc.read_until(kBindTransceiver, 10s);
  ASSERT_TRUE(bind) << "no bind_transceiver (transceiver-mode = true)\n" << diagnostics();
  {
    SmppFields f(bind->body);
    EXPECT_EQ(f.c_string(), kSmscSystemId);
    EXPECT_EQ(f.c_string(), kSmscPassword);
    EXPECT_EQ(f.c_string(), kSmscSystemType);
    EXPECT_EQ(f.byte(), 0x34) << "interface_version: SMPP 3.4";
  }
  smsc.write(kBindTransceiver | kResponse, bind->sequence, std::string("SMSC") + '\0');

  const auto submit = smsc.read_until(kSubmitSm, 15s);
  ASSERT_TRUE(submit) << "the outbox MT never reached the SMSC\n" << diagnostics();
  const SubmitSm mt = SubmitSm::parse(submit->body);
  EXPECT_EQ(mt.source, kSendFrom);
  EXPECT_EQ(mt.source_ton, 3);
  EXPECT_EQ(mt.source_npi, 0);
  EXPECT_EQ(mt.destination, kRecipient.substr(1));
  EXPECT_EQ(mt.dest_ton, 1);
  EXPECT_EQ(mt.dest_npi, 1);
  EXPECT_EQ(mt.registered_delivery & 0x01, 0x01) << "a delivery receipt requested";
  EXPECT_FALSE(mt.validity_period.empty()) << "validityperiod = 1440";
  EXPECT_EQ(mt.data_coding, 0);
  EXPECT_EQ(mt.short_message, body);
  // Digits only, so Kannel cannot guess it is hex: 0x1234 is 4660, the receipt's id.
  smsc.write(kSubmitSm | kResponse, submit->sequence, std::string("1234") + '\0');

  smsc.write(kDeliverSm, 1,
             deliver_sm_body(kRecipient.substr(1), kSendFrom, 0x04,
                             "id:4660 sub:001 dlvrd:001 submit date:2611291020 done "
                             "date:2611291021 stat:DELIVRD err:000 text:Albergue"));
  const OutboxState row = wait_for_row(
      ids[0], [](const OutboxState& r) { return r.delivery_status == "delivered"; }, 10s);
  EXPECT_EQ(row.status, "sent") << row.describe();
  EXPECT_EQ(row.attempts, 1) << row.describe();
  EXPECT_EQ(row.delivery_status, "delivered") << row.describe() << "\n" << diagnostics();

  smsc.write(kDeliverSm, 2, deliver_sm_body(kHandset, kShortCode, 0x00, "hola"));
  const auto reply = smsc.read_until(kSubmitSm, 15s);
  ASSERT_TRUE(reply) << "no reply to the MO\n" << diagnostics();
  const SubmitSm menu = SubmitSm::parse(reply->body);
  EXPECT_EQ(menu.source, kShortCode);
  EXPECT_EQ(menu.destination, kHandset);
  EXPECT_EQ(menu.short_message.rfind("Ventanilla: informacion para migrantes.", 0), 0u)
      << menu.short_message;
}

}  // namespace
}  // namespace ventanilla::test
