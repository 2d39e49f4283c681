#pragma once
// Runs the real http::Server on an ephemeral loopback port inside the test process, with a route
// table the test chooses. For tests of the HTTP layer itself; whole-binary tests spawn
// `ventanilla serve` instead (support/child_process.hpp).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace ventanilla::test {

class InProcessServer {
 public:
  // `load`: an in-flight gauge shared with other servers (null: the server's own).
  InProcessServer(http::Router router, http::ServerLimits limits, unsigned threads = 2,
                  std::shared_ptr<http::LoadGauge> load = nullptr);
  ~InProcessServer();

  std::uint16_t port() const { return port_; }
  http::ServerMetrics& metrics() { return *metrics_; }
  boost::asio::io_context& io() { return io_; }

  // Starts a graceful stop; returns once drained or after `wait` (false then).
  bool stop(std::chrono::milliseconds drain_timeout,
            std::chrono::milliseconds wait = std::chrono::seconds(10));
  // Starts a graceful stop and returns at once.
  void begin_stop(std::chrono::milliseconds drain_timeout);
  bool wait_drained(std::chrono::milliseconds wait);

 private:
  boost::asio::io_context io_;
  http::Router router_;
  std::unique_ptr<http::ServerMetrics> metrics_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::shared_ptr<std::atomic<bool>> drained_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace ventanilla::test
