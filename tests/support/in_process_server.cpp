#include "support/in_process_server.hpp"

#include <stdexcept>

namespace ventanilla::test {

InProcessServer::InProcessServer(http::Router router, http::ServerLimits limits, unsigned threads,
                                 std::shared_ptr<http::LoadGauge> load)
    : router_(std::move(router)),
      metrics_(std::make_unique<http::ServerMetrics>(router_.route_names())),
      server_(std::make_unique<http::Server>(io_, router_, *metrics_, limits, std::move(load))) {
  auto port = server_->start("127.0.0.1:0");
  if (!port) throw std::runtime_error(port.error().message());
  port_ = *port;
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

InProcessServer::~InProcessServer() {
  if (!drained_->load()) stop(std::chrono::milliseconds(200), std::chrono::seconds(5));
  io_.stop();
  for (auto& t : threads_) t.join();
}

void InProcessServer::begin_stop(std::chrono::milliseconds drain_timeout) {
  server_->stop(drain_timeout, [drained = drained_] { drained->store(true); });
}

bool InProcessServer::wait_drained(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!drained_->load()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool InProcessServer::stop(std::chrono::milliseconds drain_timeout,
                           std::chrono::milliseconds wait) {
  begin_stop(drain_timeout);
  return wait_drained(wait);
}

}  // namespace ventanilla::test
