#include "app/content_snapshots.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "app/menu_files.hpp"
#include "storage/directory_store.hpp"
#include "storage/hub_status_store.hpp"
#include "storage/menu_store.hpp"
#include "storage/sqlite_error.hpp"

namespace ventanilla::app {

ContentSnapshots::ContentSnapshots(std::string db_path, storage::OpenOptions options,
                                   std::shared_ptr<spdlog::logger> log)
    : db_path_(std::move(db_path)), options_(std::move(options)), log_(std::move(log)) {}

ContentSnapshots::~ContentSnapshots() { stop(); }

Result<void> ContentSnapshots::reload() {
  std::lock_guard serialized(reload_mutex_);
  storage::OpenOptions read_options = options_;
  read_options.read_only = true;
  auto db = storage::Database::open(db_path_, read_options);
  if (!db) return db.error();
  if (auto r = reload_directory(*db); !r) return r;
  return reload_menus(*db);
}

Result<void> ContentSnapshots::reload_directory(storage::Database& db) {
  std::int64_t version = 0;
  try {
    version = storage::directory_version(db);
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db_path_);
  }
  if (version == directory_version_.load() && directory() != nullptr) return {};
  const auto started = std::chrono::steady_clock::now();
  auto data = storage::load_directory(db);
  if (!data) return data.error();
  // Retired hubs stay stored and exported; the server just stops offering them.
  try {
    storage::remove_retired_hubs(db, *data);
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db_path_);
  }
  auto snapshot = directory::Directory::build(std::move(*data));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log_->info("hub directory version {} loaded in {} ms ({} places, {} hubs, ~{} KiB)", version, ms,
             snapshot->places().size(), snapshot->hubs().size(), snapshot->memory_bytes() / 1024);
  directory_.store(std::move(snapshot), std::memory_order_release);
  directory_version_.store(version, std::memory_order_release);
  return {};
}

Result<void> ContentSnapshots::reload_menus(storage::Database& db) {
  std::int64_t version = 0;
  std::vector<storage::StoredMenuFile> files;
  try {
    version = storage::published_menu_version(db);
    if (version == menu_version_.load()) return {};
    files = storage::load_menu_files(db, version);
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db_path_);
  }
  if (version == 0) {
    menu_version_.store(0, std::memory_order_release);
    return {};
  }
  auto built = dialog::MenuSet::build(to_menu_files(std::move(files)));
  if (!built.menus) {
    // Stored menus were validated when imported; failing now means a newer binary is stricter.
    return make_error(ErrorCode::kInvalidArgument, "menus",
                      fmt::format("menu version {} does not validate: {}", version,
                                  built.errors.front().to_string()));
  }
  log_->info("menus version {} loaded ({} nodes, {} languages, {} texts)", version,
             built.menus->nodes().size(), built.menus->languages().size(),
             built.menus->message_count());
  menus_.store(std::move(built.menus), std::memory_order_release);
  menu_version_.store(version, std::memory_order_release);
  return {};
}

void ContentSnapshots::start_polling(std::chrono::milliseconds interval) {
  poller_ = std::thread([this, interval] {
    ::pthread_setname_np(::pthread_self(), "content");
    poll_loop(interval);
  });
}

void ContentSnapshots::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void ContentSnapshots::poll_loop(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    if (auto r = reload(); !r) {
      log_->warn("content reload failed, keeping directory version {} and menus version {}: {}",
                 directory_version_.load(), menu_version_.load(), r.error().message());
    }
    lock.lock();
  }
}

}  // namespace ventanilla::app
