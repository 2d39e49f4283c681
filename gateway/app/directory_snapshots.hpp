#pragma once
// Keeps the in-memory Directory snapshot current. It is built from SQLite at start-up and rebuilt
// when `meta.directory_version` changes (an `import` from the CLI or, later, the admin API), then
// swapped in atomically: requests in flight finish on the snapshot they started with, and no
// restart is needed. Polling runs on its own thread with its own read connection, so the network
// threads never touch SQLite for this.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "directory/directory.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

class DirectorySnapshots {
 public:
  DirectorySnapshots(std::string db_path, storage::OpenOptions options,
                     std::shared_ptr<spdlog::logger> log);
  ~DirectorySnapshots();  // stop()
  DirectorySnapshots(const DirectorySnapshots&) = delete;
  DirectorySnapshots& operator=(const DirectorySnapshots&) = delete;

  // Loads the current directory (an empty one when nothing was imported). Any thread but the
  // poller; errors leave the previous snapshot in place.
  Result<void> reload();

  // Polls every `interval` on a background thread until stop().
  void start_polling(std::chrono::milliseconds interval);
  void stop();

  // The snapshot to use for one request; never null after a successful reload(). Any thread.
  std::shared_ptr<const directory::Directory> current() const noexcept {
    return current_.load(std::memory_order_acquire);
  }
  std::int64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

 private:
  void poll_loop(std::chrono::milliseconds interval);

  const std::string db_path_;
  const storage::OpenOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::shared_ptr<const directory::Directory>> current_;
  std::atomic<std::int64_t> version_{-1};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread poller_;
};

}  // namespace ventanilla::app
