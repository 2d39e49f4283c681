#include "support/fake_carrier_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace ventanilla::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string reason(unsigned status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string serialize(const fake::Respond& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : r.headers) {
    if (iequals(name, "content-length")) has_length = true;
    out += name + ": " + value + "\r\n";
  }
  if (!has_length) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "\r\n";
  out += r.body;
  return out;
}

// Parses one whole request off the front of `in`. nullopt: incomplete. Throws on nonsense.
std::optional<RecordedRequest> take_request(std::string& in) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (in.size() > kMaxHeaderBytes) throw std::runtime_error("request header too large");
    return std::nullopt;
  }
  RecordedRequest req;
  std::string_view head(in.data(), end);
  const auto line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) throw std::runtime_error("bad request line");
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::size_t content_length = 0;
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view field = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    const auto colon = field.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("bad header");
    std::string name(field.substr(0, colon));
    std::string value(trim(field.substr(colon + 1)));
    if (iequals(name, "content-length")) content_length = std::stoul(value);
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  const std::size_t body_start = end + 4;
  if (in.size() < body_start + content_length) return std::nullopt;
  req.body = in.substr(body_start, content_length);
  in.erase(0, body_start + content_length);
  return req;
}

// Self-signed certificate for `names` (first = CN, all in subjectAltName).
struct KeyAndCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~KeyAndCert() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void make_certificate(KeyAndCert& kc, const std::vector<std::string>& names) {
  kc.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  kc.cert = X509_new();
  if (kc.key == nullptr || kc.cert == nullptr || names.empty()) {
    throw std::runtime_error("cannot create key or certificate");
  }
  X509* x = kc.cert;
  X509_set_version(x, 2);
  unsigned char serial_bytes[8];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, kc.key);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x, subject);

  std::string san;
  for (const auto& n : names) {
    if (!san.empty()) san += ",";
    in6_addr v6{};
    in_addr v4{};
    const bool ip =
        inet_pton(AF_INET, n.c_str(), &v4) == 1 || inet_pton(AF_INET6, n.c_str(), &v6) == 1;
    san += (ip ? "IP:" : "DNS:") + n;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                                   {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("cannot make certificate extension");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, kc.key, EVP_sha256()) == 0) throw std::runtime_error("cannot sign certificate");
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

struct FakeCarrierServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

struct FakeCarrierServer::Conn {
  enum class Phase { kReading, kWaiting, kWriting, kHung };
  int fd = -1;
  SSL* ssl = nullptr;
  bool handshaken = false;
  std::size_t number = 0;
  std::string in;
  std::string out;
  std::size_t out_pos = 0;
  Phase phase = Phase::kReading;
  Clock::time_point next_at{};
  std::chrono::milliseconds drip{0};
  bool close_after_write = false;
  bool want_write = false;  // the last write or handshake step would block
  bool reset = false;

  ~Conn() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) {
      if (reset) {
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      ::close(fd);
    }
  }
};

FakeCarrierServer::FakeCarrierServer() : default_(fake::Respond{200, {}, "ok"}) { start(); }

FakeCarrierServer::FakeCarrierServer(FakeTls tls)
    : tls_(std::make_unique<Tls>()), use_tls_(true), default_(fake::Respond{200, {}, "ok"}) {
  KeyAndCert kc;
  make_certificate(kc, tls.names);
  tls_->ctx = SSL_CTX_new(TLS_server_method());
  if (tls_->ctx == nullptr || SSL_CTX_use_certificate(tls_->ctx, kc.cert) != 1 ||
      SSL_CTX_use_PrivateKey(tls_->ctx, kc.key) != 1) {
    throw std::runtime_error("cannot set up the TLS context");
  }
  BIO* bio = BIO_new_file(tls.cert_pem_path.c_str(), "w");
  const bool written = bio != nullptr && PEM_write_bio_X509(bio, kc.cert) == 1;
  BIO_free(bio);
  if (!written) throw std::runtime_error("cannot write " + tls.cert_pem_path);
  start();
}

void FakeCarrierServer::start() {
  // SSL_write() writes to the socket itself; a client that went away must not kill the test.
  std::signal(SIGPIPE, SIG_IGN);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("fake carrier listen: ") + std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

FakeCarrierServer::~FakeCarrierServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  const char byte = 'x';
  [[maybe_unused]] const auto n = ::write(wake_pipe_[1], &byte, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void FakeCarrierServer::push(FakeBehaviour behaviour) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(behaviour));
}

void FakeCarrierServer::set_default(FakeBehaviour behaviour) {
  std::lock_guard lock(mu_);
  default_ = std::move(behaviour);
}

std::string FakeCarrierServer::base_url() const {
  return std::string(use_tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<RecordedRequest> FakeCarrierServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

bool FakeCarrierServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

std::size_t FakeCarrierServer::accepted_connections() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

std::size_t FakeCarrierServer::open_connections() const {
  std::lock_guard lock(mu_);
  return accepted_ - closed_;
}

bool FakeCarrierServer::wait_for_open_connections(std::size_t n,
                                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return accepted_ - closed_ <= n; });
}

FakeBehaviour FakeCarrierServer::next_behaviour() {
  std::lock_guard lock(mu_);
  if (script_.empty()) return default_;
  FakeBehaviour b = std::move(script_.front());
  script_.pop_front();
  return b;
}

void FakeCarrierServer::run() {
  std::vector<std::unique_ptr<Conn>> conns;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    auto now = Clock::now();
    int timeout_ms = 1000;
    for (const auto& c : conns) {
      const bool timed = c->phase == Conn::Phase::kWaiting ||
                         (c->phase == Conn::Phase::kWriting && c->drip.count() > 0);
      if (timed) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(c->next_at - now).count();
        timeout_ms = std::min(timeout_ms, static_cast<int>(std::max<std::int64_t>(left, 0)));
      }
      const short events = static_cast<short>(POLLIN | (c->want_write ? POLLOUT : 0));
      fds.push_back({c->fd, events, 0});
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if ((fds[0].revents & POLLIN) != 0) continue;  // stop requested: checked at the top

    if ((fds[1].revents & POLLIN) != 0) {
      for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        if (use_tls_) {
          c->ssl = SSL_new(tls_->ctx);
          SSL_set_fd(c->ssl, fd);
          SSL_set_accept_state(c->ssl);
        }
        {
          std::lock_guard lock(mu_);
          c->number = ++accepted_;
        }
        changed_.notify_all();
        conns.push_back(std::move(c));
      }
    }

    for (auto it = conns.begin(); it != conns.end();) {
      if (service(**it)) {
        ++it;
        continue;
      }
      it = conns.erase(it);
      {
        std::lock_guard lock(mu_);
        ++closed_;
      }
      changed_.notify_all();
    }
  }
  conns.clear();
}

bool FakeCarrierServer::service(Conn& c) {
  if (c.ssl != nullptr && !c.handshaken) {
    const int r = SSL_do_handshake(c.ssl);
    if (r != 1) {
      const int err = SSL_get_error(c.ssl, r);
      c.want_write = err == SSL_ERROR_WANT_WRITE;
      ERR_clear_error();
      return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
    }
    c.handshaken = true;
  }

  // Read whatever arrived; a peer that closed ends the connection, whatever we were doing.
  for (;;) {
    char buf[4096];
    if (c.ssl != nullptr) {
      const int n = SSL_read(c.ssl, buf, sizeof buf);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      const int err = SSL_get_error(c.ssl, n);
      ERR_clear_error();
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      return false;
    }
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }

  for (;;) {
    const auto now = Clock::now();
    if (c.phase == Conn::Phase::kReading) {
      std::optional<RecordedRequest> req;
      try {
        req = take_request(c.in);
      } catch (const std::exception&) {
        return false;
      }
      if (!req) return true;
      req->connection = c.number;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(*req));
      }
      changed_.notify_all();
      const FakeBehaviour b = next_behaviour();
      c.out_pos = 0;
      c.drip = std::chrono::milliseconds{0};
      c.close_after_write = false;
      c.phase = Conn::Phase::kWriting;
      if (const auto* r = std::get_if<fake::Respond>(&b)) {
        c.out = serialize(*r);
      } else if (const auto* d = std::get_if<fake::Delay>(&b)) {
        c.out = serialize(d->response);
        c.phase = Conn::Phase::kWaiting;
        c.next_at = now + d->delay;
      } else if (const auto* drip = std::get_if<fake::Drip>(&b)) {
        c.out = serialize(drip->response);
        c.drip = drip->interval;
        c.next_at = now;
      } else if (std::holds_alternative<fake::Reset>(b)) {
        c.reset = true;
        return false;
      } else if (std::holds_alternative<fake::Garbage>(b)) {
        c.out = std::string("GARBAGE \x01\x02\x03 this is not HTTP\r\n\r\n");
      } else if (std::holds_alternative<fake::Hang>(b)) {
        c.phase = Conn::Phase::kHung;
      } else if (const auto* cwi = std::get_if<fake::CloseWhenIdle>(&b)) {
        c.out = serialize(cwi->response);
        c.close_after_write = true;
      }
      continue;
    }
    if (c.phase == Conn::Phase::kHung) return true;
    if (c.phase == Conn::Phase::kWaiting) {
      if (now < c.next_at) return true;
      c.phase = Conn::Phase::kWriting;
    }
    // kWriting
    std::size_t want = c.out.size() - c.out_pos;
    if (c.drip.count() > 0) {
      if (now < c.next_at) return true;
      want = std::min<std::size_t>(want, 1);
    }
    c.want_write = false;
    if (want > 0) {
      ssize_t n = 0;
      if (c.ssl != nullptr) {
        const int w = SSL_write(c.ssl, c.out.data() + c.out_pos, static_cast<int>(want));
        if (w <= 0) {
          const int err = SSL_get_error(c.ssl, w);
          ERR_clear_error();
          c.want_write = err == SSL_ERROR_WANT_WRITE;
          return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
        }
        n = w;
      } else {
        n = ::send(c.fd, c.out.data() + c.out_pos, want, MSG_NOSIGNAL);
        if (n < 0) {
          c.want_write = errno == EAGAIN || errno == EWOULDBLOCK;
          return c.want_write || errno == EINTR;
        }
      }
      c.out_pos += static_cast<std::size_t>(n);
      if (c.drip.count() > 0) c.next_at = now + c.drip;
    }
    if (c.out_pos < c.out.size()) {
      if (c.drip.count() > 0) return true;
      continue;
    }
    if (c.close_after_write) {
      if (c.ssl != nullptr) SSL_shutdown(c.ssl);
      return false;
    }
    c.phase = Conn::Phase::kReading;
    c.out.clear();
    c.out_pos = 0;
  }
}

}  // namespace ventanilla::test
