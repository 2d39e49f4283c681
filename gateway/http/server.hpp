#pragma once
// The HTTP/1.1 server: Beast, C++20 coroutines, one strand per connection.
//
// Why coroutines: a connection's life (wait → read header → check limits → read body → handle →
// write → keep-alive) is one straight loop with each deadline set right before its read, which is
// where limits belong; with completion handlers the same logic is spread over a dozen callbacks.
//
// Every limit is applied at the read site, before any work is done for the request:
//   header bytes/count → 431, URL → 414, framing → 400, no Content-Length on a webhook → 411,
//   body over the route's cap → 413 (from Content-Length, before the body is read), path → 404,
//   method → 405 + Allow, too much work in flight → the route's shed reply (503 + Retry-After
//   unless the route says otherwise), too many connections → 503 + Retry-After and close.
//   Deadlines: idle (keep-alive), header, body, handler, write.
//
// Work in flight is admitted by shed class (load_gauge.hpp): a request of class C is admitted
// while fewer than C's share of max_inflight are in flight — admin up to shed_admin_at_percent,
// SMS up to shed_sms_at_percent, USSD up to 100 % — so under overload admin work is refused
// first, then SMS, and USSD last. The check happens once the header is read and routed, before
// the body is read.
//
// Threads: `start` and `stop` may be called from any thread; the server runs on the io_context
// the caller passes (the caller runs it on its io threads). Beast and Asio templates are confined
// to server.cpp.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "http/load_gauge.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace ventanilla::http {

struct ServerLimits {
  std::uint32_t max_header_bytes = 8 * 1024;
  std::uint32_t max_header_count = 100;
  std::uint32_t max_url_bytes = 4 * 1024;
  std::uint64_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds handler_timeout{5'000};
  std::uint32_t max_connections = 1024;
  std::uint32_t max_inflight = 256;
  // Shares of max_inflight (1..100) up to which admin and SMS work is admitted; USSD gets 100 %.
  // Meant to be admin <= SMS (the config loader enforces it); the server just applies them.
  std::uint32_t shed_admin_at_percent = 50;
  std::uint32_t shed_sms_at_percent = 80;
  std::uint32_t retry_after_s = 1;  // on every 503 the server writes itself
  bool access_log = false;
};

class Server {
 public:
  // `router` and `metrics` must outlive the server; the router must not change after start.
  // `load` counts the requests in flight; servers given the same gauge (the carrier listener and
  // the admin listener) share one budget and shed by class across both, each applying its own
  // `limits` (give them the same max_inflight and percents). Null: a gauge of its own. The gauge
  // is shown in `metrics` as ventanilla_http_inflight.
  Server(boost::asio::io_context& io, const Router& router, ServerMetrics& metrics,
         ServerLimits limits, std::shared_ptr<LoadGauge> load = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. `listen` is HOST:PORT (port 0 = any free port). Returns the bound
  // port, or an error naming the address (in use, bad host, permission).
  Result<std::uint16_t> start(const std::string& listen);

  // Graceful stop: closes the acceptor at once, closes idle keep-alive connections, lets requests
  // already being read or handled finish (answered with `Connection: close`), and force-closes
  // whatever is left after `drain_timeout`. `on_drained` runs (on an io thread) once no
  // connection is left. Safe to call more than once; later calls only add nothing.
  void stop(std::chrono::milliseconds drain_timeout, std::function<void()> on_drained);

  std::int64_t open_connections() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ventanilla::http
