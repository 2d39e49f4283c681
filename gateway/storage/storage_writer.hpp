#pragma once
// StorageWriter: the one writer. It owns the write connection and a dedicated thread; every write
// of the process is a job submitted here, so network threads never wait on a lock or an fsync.
//
// Group commit: the thread takes every pending job (up to group_commit_max), opens one
// BEGIN IMMEDIATE transaction, runs each job inside its own SAVEPOINT, COMMITs once, then calls
// the jobs' completions in submission order. Concurrent writers thus share one fsync.
//
// Outcomes a completion sees:
//   ok                  the job's writes are committed (durable per the synchronous setting).
//   the job's own error the job threw: only its savepoint was rolled back, its batch-mates are
//                       unaffected. SqliteError → to_error(); ventanilla::ErrorException → its
//                       Error; any other exception → kInternal with what().
//   kUnavailable        BEGIN or COMMIT failed (busy after busy_timeout, disk full, I/O error),
//                       or SQLite rolled the whole transaction back under a job: nothing of the
//                       batch is committed. Retryable; the writer keeps running. (A job that had
//                       already failed on its own keeps its own error.)
//   kUnavailable        submitted after stop().
//   kUnavailable        (sync_wal_itself) the WAL's fdatasync failed: the batch is committed but
//                       not known durable. From then on no batch is acknowledged until a
//                       TRUNCATE checkpoint has copied every committed frame into the synced
//                       database file and reset the WAL: after a failed fsync the kernel may have
//                       dropped the unwritten pages, and SQLite's WAL recovery stops at the first
//                       bad frame, so later frames, even synced ones, would be lost with it. The
//                       writer tries that checkpoint before each batch; batches are refused
//                       unrun (held) while it fails. Retries of the unknown batch are answered from
//                       its stored rows (dedupe), so nothing is acknowledged twice or lost.
//
// A job may bring a read to run when its writes were not committed (`if_not_written`): outside
// any transaction, on the writer thread, before its completion — e.g. to word an apology in the
// user's language when BEGIN could not get the write lock. Its exceptions are swallowed.
//
// Jobs run on the writer thread with the write connection. They must not BEGIN/COMMIT/ROLLBACK
// (use storage::Savepoint for a nested unit) and should use Database::cached() statements.
//
// Completions also run on the writer thread, one after another: they must be cheap, must not
// block and must not throw (a throwing completion terminates the process: an acknowledgement
// path that fails silently is worse). Post the result to your own executor and return.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "storage/database.hpp"

namespace ventanilla::storage {

using WriteJob = std::function<void(Database&)>;
using Completion = std::function<void(Result<void>)>;

struct WriterOptions {
  std::size_t group_commit_max = 64;  // most jobs sharing one COMMIT (>= 1)
  // Pipelined durability. The connection is switched to synchronous=NORMAL, so COMMIT appends
  // to the WAL without waiting for the disk, and a sync thread fdatasyncs the WAL before it
  // completes any job of the batch — while the writer already runs the next batch. A completed
  // job is exactly as durable as with synchronous=FULL (its WAL frames are on disk before anyone
  // hears "committed"); what changes is that the fsync no longer stalls the writer between
  // batches. Completions then run on the sync thread (same rules as below).
  bool sync_wal_itself = false;
  // Called on the writer thread after each successful COMMIT with the time COMMIT took (the WAL
  // append and its fsync) and the number of jobs it committed. Same rules as completions.
  std::function<void(std::chrono::microseconds latency, std::size_t jobs)> on_commit;
};

struct WriterStats {
  std::uint64_t batches_committed = 0;
  std::uint64_t jobs_committed = 0;
  std::uint64_t batches_failed = 0;  // batches of which nothing was committed (BEGIN/COMMIT/...)
  std::uint64_t jobs_failed = 0;     // every job that completed with an error
  std::chrono::microseconds last_commit_latency{0};
  std::chrono::microseconds total_commit_latency{0};
  std::uint64_t failed_wal_syncs = 0;      // fdatasyncs of the WAL that failed
  std::uint64_t recovery_checkpoints = 0;  // TRUNCATE checkpoints that ended such a failure
  std::uint64_t jobs_held = 0;             // jobs refused unrun while awaiting that checkpoint
};

class StorageWriter {
 public:
  // Takes the write connection (already open and migrated) and starts the writer thread.
  explicit StorageWriter(Database db, WriterOptions options = {});
  StorageWriter(const StorageWriter&) = delete;
  StorageWriter& operator=(const StorageWriter&) = delete;
  // stop(). Destroy it from any thread but the writer thread (not from a completion).
  ~StorageWriter();

  // Queues `job`; `done` is called exactly once, on the writer thread — or on the calling thread,
  // at once, with kUnavailable when the writer is stopped. Any thread.
  void submit(WriteJob job, Completion done, WriteJob if_not_written = {});

  // Submits and waits. For CLI verbs and tests. Any thread but the writer thread (there it
  // returns kInternal instead of deadlocking).
  Result<void> run_sync(WriteJob job);

  // Stops taking jobs, runs every job already queued, then checkpoints (TRUNCATE) and closes the
  // connection. Returns the checkpoint's failure if any (the data is committed regardless).
  // Idempotent; not from the writer thread (a completion); blocks until the queue is drained.
  Result<void> stop();

  WriterStats stats() const noexcept;  // any thread; counters are read one by one

  bool on_writer_thread() const noexcept {
    return std::this_thread::get_id() == thread_id_.load(std::memory_order_acquire);
  }

 private:
  struct Pending {
    WriteJob job;
    Completion done;
    WriteJob if_not_written;
  };

  void run();
  void run_batch(std::vector<Pending>& batch, std::vector<Result<void>>& results);
  // Runs the if_not_written reads of the jobs that failed. Writer thread, outside a transaction.
  void read_for_failed(std::vector<Pending>& batch, const std::vector<Result<void>>& results);
  // True when no failed WAL sync is waiting for its checkpoint, or that checkpoint succeeded now.
  bool wal_trusted();
  // The sync thread (sync_wal_itself): fdatasync the WAL, then complete the batches it covers.
  struct CommittedBatch {
    std::vector<Pending> batch;
    std::vector<Result<void>> results;
    bool wrote = false;  // COMMIT succeeded: the WAL must be synced before completing
    std::chrono::steady_clock::time_point commit_started;
    // Recovery checkpoints done before this batch committed: a failed sync taints every batch
    // of its epoch committed after it, synced or not, and none of a later epoch.
    std::uint64_t epoch = 0;
  };
  void sync_loop();
  Result<void> sync_wal();
  void finish_batch(CommittedBatch& done, const Result<void>& synced);

  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;
  std::deque<CommittedBatch> sync_queue_;       // guarded by sync_mutex_
  bool sync_stopping_ = false;                  // guarded by sync_mutex_
  int wal_fd_ = -1;                             // sync thread only
  std::optional<std::uint64_t> tainted_epoch_;  // sync thread only: the epoch of a failed sync
  std::thread sync_thread_;                     // started in the constructor when sync_wal_itself

  // Failed WAL syncs (sync thread counts them) and how many of them the last recovery checkpoint
  // covered, plus the checkpoints done (writer thread).
  std::atomic<std::uint64_t> failed_wal_syncs_{0};
  std::uint64_t covered_failures_ = 0;  // writer thread only
  std::uint64_t epoch_ = 0;             // writer thread only
  std::atomic<std::uint64_t> recovery_checkpoints_{0};
  std::atomic<std::uint64_t> jobs_held_{0};

  Database db_;
  const WriterOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_

  std::mutex stop_mutex_;                // serializes stop() callers
  std::optional<Result<void>> stopped_;  // guarded by stop_mutex_

  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> jobs_committed_{0};
  std::atomic<std::uint64_t> batches_failed_{0};
  std::atomic<std::uint64_t> jobs_failed_{0};
  std::atomic<std::int64_t> last_commit_us_{0};
  std::atomic<std::int64_t> total_commit_us_{0};

  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace ventanilla::storage
