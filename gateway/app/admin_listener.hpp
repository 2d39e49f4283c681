#pragma once
// The admin API's own listener (loopback by default, [admin] listen): an http::Server whose one
// route hands every /admin/api/ request to admin::AdminApi on a dedicated database connection
// and thread, so staff work never runs on a network thread, never queues behind the carrier
// writer, and sheds first (it shares the carrier listener's LoadGauge as class admin).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "admin/admin_api.hpp"
#include "common/error.hpp"
#include "http/load_gauge.hpp"
#include "http/server.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

class AdminListener {
 public:
  // Opens the admin connection to `db_path` (migrated already by serve) and its thread.
  static Result<std::unique_ptr<AdminListener>> open(
      const std::string& db_path, const storage::OpenOptions& options, boost::asio::io_context& io,
      http::ServerLimits limits, std::shared_ptr<http::LoadGauge> load,
      std::shared_ptr<spdlog::logger> log, admin::AdminServices services);
  ~AdminListener();

  // Binds HOST:PORT; returns the bound port.
  Result<std::uint16_t> start(const std::string& listen);
  void stop(std::chrono::milliseconds drain_timeout, std::function<void()> on_drained);

  http::ServerMetrics& metrics();

 private:
  struct Impl;
  explicit AdminListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ventanilla::app
