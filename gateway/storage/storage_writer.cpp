#include "storage/storage_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <memory>
#include <utility>

#include "storage/sqlite_error.hpp"

namespace ventanilla::storage {

namespace {

constexpr std::string_view kWhere = "storage writer";
constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
// A name jobs are unlikely to pick for their own savepoints.
constexpr std::string_view kSavepoint = "SAVEPOINT ventanilla_writer_job";
constexpr std::string_view kRelease = "RELEASE ventanilla_writer_job";
constexpr std::string_view kRollbackTo = "ROLLBACK TO ventanilla_writer_job";

// strerror() shares one buffer between threads; this is the writer's and the sync thread's.
std::string errno_text(int err) {
  const char* text = ::strerrordesc_np(err);
  return text != nullptr ? text : "errno " + std::to_string(err);
}

Error unavailable(std::string detail) {
  return make_error(ErrorCode::kUnavailable, std::string(kWhere), std::move(detail));
}

// The error a job's exception turns into; call only inside a catch block.
Error error_from_job_exception() {
  const std::string where = "storage writer job";
  try {
    throw;
  } catch (const SqliteError& e) {
    return to_error(e, where);
  } catch (const ErrorException& e) {
    return e.error();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, where, e.what());
  } catch (...) {
    return make_error(ErrorCode::kInternal, where, "unknown exception");
  }
}

// noexcept on purpose: see the header on throwing completions.
void complete(const Completion& done, Result<void> result) noexcept {
  if (done) done(std::move(result));
}

}  // namespace

StorageWriter::StorageWriter(Database db, WriterOptions options)
    : db_(std::move(db)), options_(std::move(options)) {
  if (options_.sync_wal_itself) {
    db_.exec("PRAGMA synchronous=NORMAL");
    sync_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "wal-sync");  // visible in top -H and perf
      sync_loop();
    });
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "writer");
    run();
  });
}

StorageWriter::~StorageWriter() { (void)stop(); }

void StorageWriter::submit(WriteJob job, Completion done, WriteJob if_not_written) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    complete(done, unavailable("stopped: no more writes accepted"));
    return;
  }
  queue_.push_back(Pending{std::move(job), std::move(done), std::move(if_not_written)});
  // The writer only sleeps on an empty queue, so only the first job after that needs to wake it.
  const bool first = queue_.size() == 1;
  lock.unlock();
  if (first) wake_.notify_one();
}

Result<void> StorageWriter::run_sync(WriteJob job) {
  if (on_writer_thread()) {
    return make_error(ErrorCode::kInternal, std::string(kWhere),
                      "run_sync() called on the writer thread");
  }
  // Shared: the completion may still be inside set_value() when get() returns here.
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  submit(std::move(job), [promise](Result<void> result) { promise->set_value(std::move(result)); });
  return future.get();
}

Result<void> StorageWriter::stop() {
  if (on_writer_thread()) {
    return make_error(ErrorCode::kInternal, std::string(kWhere),
                      "stop() called on the writer thread");
  }
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_) return *stopped_;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Everything the writer committed is now queued for the sync thread: let it finish.
  {
    std::lock_guard lock(sync_mutex_);
    sync_stopping_ = true;
  }
  sync_wake_.notify_one();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (wal_fd_ >= 0) ::close(wal_fd_);
  wal_fd_ = -1;

  Result<void> result;
  try {
    if (db_.is_open() && !db_.checkpoint_truncate()) {
      result = unavailable("final checkpoint incomplete: a reader still holds the WAL");
    }
  } catch (const SqliteError& e) {
    result = to_error(e, "storage writer final checkpoint");
  }
  { Database closing = std::move(db_); }
  stopped_ = result;
  return result;
}

WriterStats StorageWriter::stats() const noexcept {
  WriterStats s;
  s.batches_committed = batches_committed_.load(std::memory_order_relaxed);
  s.jobs_committed = jobs_committed_.load(std::memory_order_relaxed);
  s.batches_failed = batches_failed_.load(std::memory_order_relaxed);
  s.jobs_failed = jobs_failed_.load(std::memory_order_relaxed);
  s.last_commit_latency =
      std::chrono::microseconds(last_commit_us_.load(std::memory_order_relaxed));
  s.total_commit_latency =
      std::chrono::microseconds(total_commit_us_.load(std::memory_order_relaxed));
  s.failed_wal_syncs = failed_wal_syncs_.load(std::memory_order_relaxed);
  s.recovery_checkpoints = recovery_checkpoints_.load(std::memory_order_relaxed);
  s.jobs_held = jobs_held_.load(std::memory_order_relaxed);
  return s;
}

void StorageWriter::run() {
  thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
  const std::size_t max_jobs = std::max<std::size_t>(options_.group_commit_max, 1);
  std::vector<Pending> batch;
  std::vector<Result<void>> results;
  batch.reserve(max_jobs);
  results.reserve(max_jobs);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      const std::size_t n = std::min(queue_.size(), max_jobs);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const auto commit_started = std::chrono::steady_clock::now();
    if (!options_.sync_wal_itself || wal_trusted()) {
      run_batch(batch, results);
    } else {
      results.assign(batch.size(),
                     unavailable("held: an fdatasync of the WAL failed, and no write is "
                                 "acknowledged until a checkpoint has rewritten the database"));
      jobs_held_.fetch_add(batch.size(), std::memory_order_relaxed);
      batches_failed_.fetch_add(1, std::memory_order_relaxed);
    }
    read_for_failed(batch, results);
    if (options_.sync_wal_itself) {
      // Held batches go this way too, so completions keep their submission order.
      CommittedBatch committed;
      committed.wrote =
          std::any_of(results.begin(), results.end(), [](const Result<void>& r) { return !!r; });
      committed.commit_started = commit_started;
      committed.epoch = epoch_;
      committed.batch = std::move(batch);
      committed.results = std::move(results);
      {
        std::lock_guard lock(sync_mutex_);
        sync_queue_.push_back(std::move(committed));
      }
      sync_wake_.notify_one();
      batch = {};
      results = {};
      batch.reserve(max_jobs);
      results.reserve(max_jobs);
      continue;
    }
    // Counted before any completion runs, so whoever a completion wakes sees stats that
    // include its own job.
    const auto failed =
        std::count_if(results.begin(), results.end(), [](const Result<void>& r) { return !r; });
    jobs_failed_.fetch_add(static_cast<std::uint64_t>(failed), std::memory_order_relaxed);
    for (std::size_t i = 0; i < batch.size(); ++i) complete(batch[i].done, std::move(results[i]));
    batch.clear();
    results.clear();
  }
}

bool StorageWriter::wal_trusted() {
  const auto failures = failed_wal_syncs_.load(std::memory_order_acquire);
  if (failures == covered_failures_) return true;
  // Copies every committed frame into the database file, syncs it and empties the WAL: what a
  // failed fdatasync may have lost from the WAL on disk is then in the database file instead.
  try {
    if (!db_.checkpoint_truncate()) return false;  // a reader still holds the WAL: next batch
  } catch (const SqliteError&) {
    return false;  // the disk is still failing
  }
  covered_failures_ = failures;
  ++epoch_;
  recovery_checkpoints_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void StorageWriter::read_for_failed(std::vector<Pending>& batch,
                                    const std::vector<Result<void>>& results) {
  if (db_.in_transaction()) return;  // run_batch ends every transaction; never read inside one
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i] || !batch[i].if_not_written) continue;
    try {
      batch[i].if_not_written(db_);
    } catch (...) {
      // Best effort: the job's failure is what its completion reports.
    }
  }
}

void StorageWriter::run_batch(std::vector<Pending>& batch, std::vector<Result<void>>& results) {
  results.resize(batch.size());
  // Marks every job without an error of its own as not committed.
  auto fail_batch = [&](const std::string& why) {
    for (auto& r : results) {
      if (r) r = unavailable(why);
    }
    batches_failed_.fetch_add(1, std::memory_order_relaxed);
  };

  try {
    db_.cached(kBegin)->run();
  } catch (const SqliteError& e) {
    fail_batch(std::string("write not committed: ") + e.what());
    return;
  }

  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      db_.cached(kSavepoint)->run();
      batch[i].job(db_);
      db_.cached(kRelease)->run();
    } catch (...) {
      results[i] = error_from_job_exception();
      // SQLITE_FULL, IOERR and friends can roll back the whole transaction, taking the
      // batch-mates' writes with it; then nobody in this batch may be told "committed".
      std::string lost;
      if (!db_.in_transaction()) {
        lost = "transaction rolled back by SQLite: " + results[i].error().detail;
      } else {
        try {
          db_.cached(kRollbackTo)->run();
          db_.cached(kRelease)->run();
        } catch (const SqliteError& e) {
          lost = std::string("cannot roll back a failed job: ") + e.what();
        }
      }
      if (!lost.empty()) {
        try {
          if (db_.in_transaction()) db_.cached(kRollback)->run();
        } catch (const SqliteError&) {
          // The next BEGIN reports the connection's state.
        }
        fail_batch("write not committed: " + lost);
        return;
      }
    }
  }

  const auto start = std::chrono::steady_clock::now();
  try {
    db_.cached(kCommit)->run();
  } catch (const SqliteError& e) {
    try {
      if (db_.in_transaction()) db_.cached(kRollback)->run();
    } catch (const SqliteError&) {
      // As above.
    }
    fail_batch(std::string("write not committed: ") + e.what());
    return;
  }
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);

  if (options_.sync_wal_itself) return;  // counted once the WAL is synced (finish_batch)
  const auto committed = static_cast<std::size_t>(
      std::count_if(results.begin(), results.end(), [](const Result<void>& r) { return !!r; }));
  batches_committed_.fetch_add(1, std::memory_order_relaxed);
  jobs_committed_.fetch_add(committed, std::memory_order_relaxed);
  last_commit_us_.store(latency.count(), std::memory_order_relaxed);
  total_commit_us_.fetch_add(latency.count(), std::memory_order_relaxed);
  if (options_.on_commit) {
    [&]() noexcept { options_.on_commit(latency, committed); }();
  }
}

void StorageWriter::sync_loop() {
  std::deque<CommittedBatch> ready;
  for (;;) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_wake_.wait(lock, [this] { return !sync_queue_.empty() || sync_stopping_; });
      if (sync_queue_.empty()) return;  // stopping, and every batch has been completed
      ready.swap(sync_queue_);
    }
    // One fdatasync covers every batch committed so far: under load, several share it.
    const bool wrote =
        std::any_of(ready.begin(), ready.end(), [](const CommittedBatch& b) { return b.wrote; });
    const Result<void> synced = wrote ? sync_wal() : Result<void>();
    if (!synced) failed_wal_syncs_.fetch_add(1, std::memory_order_release);
    for (auto& b : ready) {
      if (!b.wrote) {
        finish_batch(b, synced);
        continue;
      }
      if (!synced) {
        tainted_epoch_ = std::max(tainted_epoch_.value_or(0), b.epoch);
        finish_batch(b, synced);
        continue;
      }
      // Synced, but committed after a failed sync and before the checkpoint that repairs it:
      // its frames follow frames the disk may not have.
      if (tainted_epoch_ && b.epoch <= *tainted_epoch_) {
        finish_batch(b, unavailable("written but not known durable: an earlier fdatasync of "
                                    "the WAL failed and no checkpoint has repaired it yet"));
        continue;
      }
      tainted_epoch_.reset();  // a checkpoint after the failure covers everything before it
      finish_batch(b, synced);
    }
    ready.clear();
  }
}

// fdatasync of the -wal file, through a descriptor of our own (any descriptor of a file syncs its
// data). Reopened when the path names another file than the one we hold (SQLite recreated it).
Result<void> StorageWriter::sync_wal() {
  const std::string wal = db_.path() + "-wal";
  struct stat by_path {};
  const bool exists = ::stat(wal.c_str(), &by_path) == 0;
  if (wal_fd_ >= 0) {
    struct stat held {};
    if (::fstat(wal_fd_, &held) != 0 || !exists || held.st_ino != by_path.st_ino ||
        held.st_dev != by_path.st_dev) {
      ::close(wal_fd_);
      wal_fd_ = -1;
    }
  }
  if (wal_fd_ < 0) {
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) {
      return unavailable("written but not known durable: cannot open " + wal + ": " +
                         errno_text(errno));
    }
  }
  while (::fdatasync(wal_fd_) != 0) {
    if (errno == EINTR) continue;
    // After a failed fsync the kernel may have dropped the dirty pages: nothing written since
    // the last good sync can be called durable. The carrier retries; dedupe answers it.
    return unavailable(std::string("written but not known durable: fdatasync failed: ") +
                       errno_text(errno));
  }
  return {};
}

void StorageWriter::finish_batch(CommittedBatch& done, const Result<void>& synced) {
  if (!synced) {
    for (auto& r : done.results) {
      if (r) r = synced.error();
    }
  }
  if (done.wrote && synced) {
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - done.commit_started);
    const auto committed = static_cast<std::size_t>(std::count_if(
        done.results.begin(), done.results.end(), [](const Result<void>& r) { return !!r; }));
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    jobs_committed_.fetch_add(committed, std::memory_order_relaxed);
    last_commit_us_.store(latency.count(), std::memory_order_relaxed);
    total_commit_us_.fetch_add(latency.count(), std::memory_order_relaxed);
    if (options_.on_commit) {
      [&]() noexcept { options_.on_commit(latency, committed); }();
    }
  }
  const auto failed = std::count_if(done.results.begin(), done.results.end(),
                                    [](const Result<void>& r) { return !r; });
  jobs_failed_.fetch_add(static_cast<std::uint64_t>(failed), std::memory_order_relaxed);
  for (std::size_t i = 0; i < done.batch.size(); ++i) {
    complete(done.batch[i].done, std::move(done.results[i]));
  }
}

}  // namespace ventanilla::storage
