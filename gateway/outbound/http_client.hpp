#pragma once
// The one outbound HTTP(S) client every carrier sender goes through: HTTP/1.1 over TCP or TLS,
// keep-alive connections pooled per origin, one deadline for the whole exchange, and failures
// classified so the outbound loop can tell "surely not sent" from "the carrier may have acted".
//
// TLS: certificates are verified against the system store (plus `extra_ca_file` when set, for
// tests and private CAs), with SNI and host-name (or IP address) verification.
//
// Pooling: an idle connection per origin (scheme, host, port) is reused. Before reuse the socket
// is checked without blocking; one the server closed while idle (EOF, reset or stray bytes) is
// dropped and a fresh one opened, so a stale pooled connection never turns into a spurious
// in-doubt send. If a reused connection still fails:
//   - before the request was fully written: retried once on a fresh connection (any method: the
//     server cannot have acted on an incomplete request);
//   - after the write with no response byte read: retried once only for GET and HEAD; a POST gets
//     TransportError{request_sent = true} (the caller marks the message in doubt).
// Idle connections are closed after `idle_timeout` (checked on every send) and at most
// `max_idle_per_origin` are kept.
//
// Threads: construct, call send() and destroy on the one executor passed in (a strand or a
// single-threaded io_context); the pool is not locked. Several sends may be in flight at once on
// that executor (each uses its own connection). The client must outlive its sends and must be
// destroyed before the execution context it runs on. Beast, Asio I/O and OpenSSL are confined to
// http_client.cpp.
//
// Privacy: TransportError::detail names the operation, host:port and the system/TLS error; never
// the URL's path or query, a header, or the body.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "carriers/sms_sender.hpp"

namespace ventanilla::outbound {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};   // per connection attempt (resolve included)
  std::chrono::milliseconds request_timeout{15'000};  // whole exchange: connect to last body byte
  std::size_t max_response_bytes = 1024 * 1024;       // response body; headers are capped at 64 KiB
  std::size_t max_idle_per_origin = 4;
  std::chrono::milliseconds idle_timeout{30'000};
  std::string extra_ca_file;  // PEM, trusted in addition to the system store; "" = none
  std::string user_agent = "ventanilla/0.1";  // sent unless the call sets User-Agent itself
};

enum class TransportErrorKind {
  kInvalidRequest,  // the call is unusable: not an absolute http(s) URL, userinfo in the URL,
                    // CR/LF/NUL in a header; nothing was sent
  kResolve,         // the host name did not resolve
  kConnect,         // TCP connect refused, unreachable or timed out (connect_timeout)
  kTls,             // TLS handshake failed: untrusted certificate, name mismatch, protocol
  kTimeout,         // request_timeout passed once connected (handshake, write or read)
  kReset,           // the connection was reset or closed before a complete response
  kProtocol,        // the answer is not HTTP/1.x, or headers/body exceed the limits
};
std::string_view to_string(TransportErrorKind kind) noexcept;  // "invalid_request", "resolve", ...

struct TransportError {
  TransportErrorKind kind = TransportErrorKind::kConnect;
  // True once the request bytes were fully written: the carrier may have acted on it.
  bool request_sent = false;
  std::string detail;  // "connect 127.0.0.1:8443: Connection refused"; no path, query or body
};

// Any complete HTTP answer (whatever its status) or a transport failure.
using HttpClientResult = std::variant<carriers::HttpAnswer, TransportError>;

class HttpClient {
 public:
  // Loads the system trust store and `options.extra_ca_file`; throws std::runtime_error when the
  // extra CA file cannot be read.
  HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `call` and reads the answer. Never throws for network or protocol failures (those come
  // back as TransportError); only std::bad_alloc and the like escape.
  boost::asio::awaitable<HttpClientResult> send(carriers::HttpCall call);

  // Connections opened so far (fresh ones, not reuses): for tests and metrics.
  std::size_t connections_opened() const noexcept;
  // Idle connections currently pooled, over all origins.
  std::size_t idle_connections() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ventanilla::outbound
