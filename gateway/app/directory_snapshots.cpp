#include "app/directory_snapshots.hpp"

#include <spdlog/spdlog.h>

#include "storage/directory_store.hpp"
#include "storage/sqlite_error.hpp"

namespace ventanilla::app {

DirectorySnapshots::DirectorySnapshots(std::string db_path, storage::OpenOptions options,
                                       std::shared_ptr<spdlog::logger> log)
    : db_path_(std::move(db_path)), options_(std::move(options)), log_(std::move(log)) {}

DirectorySnapshots::~DirectorySnapshots() { stop(); }

Result<void> DirectorySnapshots::reload() {
  storage::OpenOptions read_options = options_;
  read_options.read_only = true;
  auto db = storage::Database::open(db_path_, read_options);
  if (!db) return db.error();
  std::int64_t version = 0;
  try {
    version = storage::directory_version(*db);
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db_path_);
  }
  if (version == version_.load() && current() != nullptr) return {};
  const auto started = std::chrono::steady_clock::now();
  auto data = storage::load_directory(*db);
  if (!data) return data.error();
  auto snapshot = directory::Directory::build(std::move(*data));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log_->info("hub directory version {} loaded in {} ms ({} places, {} hubs, ~{} KiB)", version, ms,
             snapshot->places().size(), snapshot->hubs().size(), snapshot->memory_bytes() / 1024);
  current_.store(std::move(snapshot), std::memory_order_release);
  version_.store(version, std::memory_order_release);
  return {};
}

void DirectorySnapshots::start_polling(std::chrono::milliseconds interval) {
  poller_ = std::thread([this, interval] { poll_loop(interval); });
}

void DirectorySnapshots::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void DirectorySnapshots::poll_loop(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    if (auto r = reload(); !r) {
      log_->warn("hub directory reload failed, keeping version {}: {}", version_.load(),
                 r.error().message());
    }
    lock.lock();
  }
}

}  // namespace ventanilla::app
