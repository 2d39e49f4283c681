#pragma once
// A scriptable carrier API on loopback for outbound tests: HTTP/1.1 with keep-alive, optionally
// over TLS, recording every request and answering from a script of behaviours (one consumed per
// request, then the default). Plain POSIX sockets and one poll() thread, no Beast, so the test
// support library stays cheap to compile.
//
// TLS: a self-signed certificate (EC P-256) for `FakeTls::names` is made in memory at start-up and
// its PEM written to `FakeTls::cert_pem_path`, so a test can trust it as an extra CA file.
//
// Threads: every public member may be called from any thread while the server runs.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace ventanilla::test {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent: path + query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t connection = 0;  // 1-based number of the TCP connection it came on

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

namespace fake {
using Headers = std::vector<std::pair<std::string, std::string>>;
// Answers with Content-Length (added unless `headers` has one) and keeps the connection open.
struct Respond {
  unsigned status = 200;
  Headers headers;
  std::string body;
};
struct Delay {  // waits, then answers
  std::chrono::milliseconds delay{0};
  Respond response;
};
struct Drip {  // sends the response one byte every `interval`
  std::chrono::milliseconds interval{10};
  Respond response;
};
struct Reset {};        // reads the request, then closes with RST (SO_LINGER 0)
struct Garbage {};      // writes bytes that are not HTTP, then keeps reading
struct Hang {};         // never answers (but notices when the client goes away)
struct CloseWhenIdle {  // answers as keep-alive, then closes the connection once the answer is out
  Respond response;
};
}  // namespace fake

using FakeBehaviour = std::variant<fake::Respond, fake::Delay, fake::Drip, fake::Reset,
                                   fake::Garbage, fake::Hang, fake::CloseWhenIdle>;

struct FakeTls {
  std::vector<std::string> names = {"127.0.0.1", "localhost"};  // CN is the first; all in SAN
  std::string cert_pem_path;                                    // where the cert PEM is written
};

class FakeCarrierServer {
 public:
  // Plain HTTP on 127.0.0.1, ephemeral port; answers 200 "ok" until scripted otherwise.
  FakeCarrierServer();
  // HTTPS. Throws std::runtime_error when the certificate cannot be made or written.
  explicit FakeCarrierServer(FakeTls tls);
  ~FakeCarrierServer();
  FakeCarrierServer(const FakeCarrierServer&) = delete;
  FakeCarrierServer& operator=(const FakeCarrierServer&) = delete;

  void push(FakeBehaviour behaviour);         // appended to the script
  void set_default(FakeBehaviour behaviour);  // once the script is used up
  std::uint16_t port() const noexcept { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:<port>" or "https://..."

  std::vector<RecordedRequest> requests() const;
  // True once at least `n` requests were recorded; false if `timeout` passed first.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  std::size_t accepted_connections() const;
  std::size_t open_connections() const;
  // True once at most `n` connections are open (the server saw the others close).
  bool wait_for_open_connections(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Tls;
  struct Conn;
  void start();
  void run();
  FakeBehaviour next_behaviour();
  bool service(Conn& conn);  // false: drop the connection

  std::unique_ptr<Tls> tls_;
  bool use_tls_ = false;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<FakeBehaviour> script_;
  FakeBehaviour default_;
  std::vector<RecordedRequest> requests_;
  std::size_t accepted_ = 0;
  std::size_t closed_ = 0;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace ventanilla::test
