#pragma once
// Keeps the in-memory content current: the hub Directory and the MenuSet. Both are built from
// SQLite at start-up and rebuilt when `meta.directory_version` or `meta.menu_version` changes (an
// `import` from the CLI or, later, a publish from the console), then swapped in atomically:
// requests in flight finish on the snapshots they started with, and no restart is needed.
// Polling runs on its own thread with its own read connection, so the network threads never touch
// SQLite for this.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "dialog/menu_set.hpp"
#include "directory/directory.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace ventanilla::app {

class ContentSnapshots {
 public:
  ContentSnapshots(std::string db_path, storage::OpenOptions options,
                   std::shared_ptr<spdlog::logger> log);
  ~ContentSnapshots();  // stop()
  ContentSnapshots(const ContentSnapshots&) = delete;
  ContentSnapshots& operator=(const ContentSnapshots&) = delete;

  // Loads whatever changed since the last call. Any thread but the poller; an error (including
  // stored menus that no longer validate) leaves the previous snapshot in place.
  Result<void> reload();

  // Polls every `interval` on a background thread until stop().
  void start_polling(std::chrono::milliseconds interval);
  void stop();

  // The snapshots for one request; never null after a successful reload() (menus: null while
  // none were ever imported). Any thread.
  std::shared_ptr<const directory::Directory> directory() const noexcept {
    return directory_.load(std::memory_order_acquire);
  }
  std::shared_ptr<const dialog::MenuSet> menus() const noexcept {
    return menus_.load(std::memory_order_acquire);
  }
  std::int64_t directory_version() const noexcept {
    return directory_version_.load(std::memory_order_acquire);
  }
  std::int64_t menu_version() const noexcept {
    return menu_version_.load(std::memory_order_acquire);
  }

 private:
  void poll_loop(std::chrono::milliseconds interval);
  Result<void> reload_directory(storage::Database& db);
  Result<void> reload_menus(storage::Database& db);

  const std::string db_path_;
  const storage::OpenOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::shared_ptr<const directory::Directory>> directory_;
  std::atomic<std::shared_ptr<const dialog::MenuSet>> menus_;
  std::atomic<std::int64_t> directory_version_{-1};
  std::atomic<std::int64_t> menu_version_{-1};

  // One reload at a time: the poller and a SIGHUP may both reload, and two loads finishing out
  // of order could store an older snapshot after a newer one.
  std::mutex reload_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread poller_;
};

}  // namespace ventanilla::app
