#include "storage/storage_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

using namespace std::chrono_literals;

// Collects completion results by key, from whatever thread completions run on.
class Outcomes {
 public:
  Completion record(int key) {
    return [this, key](Result<void> result) {
      // Notified under the lock: once the waiter sees the last result it may destroy *this.
      std::lock_guard lock(mutex_);
      results_.insert_or_assign(key, std::move(result));
      changed_.notify_all();
    };
  }

  // Waits (generously: this is a liveness bound, not a timing assertion) for `n` results.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return results_.size() >= n; });
  }

  Result<void> at(int key) {
    std::lock_guard lock(mutex_);
    return results_.at(key);
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return results_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, Result<void>> results_;
};

// Holds the writer thread inside a job until released, so a test decides what is queued behind.
class Gate {
 public:
  WriteJob blocking_job(std::int64_t value) {
    return [this, value](Database& db) {
      insert_row(db, value);
      started_.set_value();
      released_.wait();
    };
  }
  void wait_started() { started_.get_future().wait(); }
  void release() { release_.set_value(); }

  static void insert_row(Database& db, std::int64_t value) {
    auto insert = db.cached("INSERT INTO t (v) VALUES (?1)");
    insert->bind(1, value);
    insert->run();
  }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

WriteJob insert_job(std::int64_t value) {
  return [value](Database& db) { Gate::insert_row(db, value); };
}

class StorageWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_db();
    db.exec("CREATE TABLE t (v INTEGER UNIQUE)");
  }

  Database open_db(OpenOptions options = {}) {
    auto db = Database::open(path_, options);
    if (!db) throw std::runtime_error(db.error().message());
    return std::move(*db);
  }

  std::vector<std::int64_t> rows() {
    auto db = open_db({.read_only = true});
    auto select = db.prepare("SELECT v FROM t ORDER BY v");
    std::vector<std::int64_t> out;
    while (select.step()) out.push_back(select.column_int64(0));
    return out;
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("w.db");
};

TEST_F(StorageWriterTest, ManyConcurrentSubmitsAllCommit) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  StorageWriter writer(open_db());
  Outcomes outcomes;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int key = t * kPerThread + i;
        writer.submit(insert_job(key), outcomes.record(key));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(outcomes.wait_for(kThreads * kPerThread));
  for (int key = 0; key < kThreads * kPerThread; ++key) {
    EXPECT_TRUE(outcomes.at(key)) << key << ": " << outcomes.at(key).error().message();
  }
  const auto stats = writer.stats();
  EXPECT_EQ(stats.jobs_committed, kThreads * kPerThread);
  EXPECT_EQ(stats.jobs_failed, 0u);
  EXPECT_GE(stats.batches_committed, 1u);
  EXPECT_LE(stats.batches_committed, stats.jobs_committed);
  EXPECT_EQ(rows().size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(StorageWriterTest, QueuedJobsShareExactlyOneCommit) {
  constexpr int kQueued = 20;
  std::mutex mutex;
  std::vector<std::size_t> commit_sizes;
  WriterOptions options{.group_commit_max = 64,
                        .on_commit = [&](std::chrono::microseconds latency, std::size_t jobs) {
                          EXPECT_GE(latency.count(), 0);
                          std::lock_guard lock(mutex);
                          commit_sizes.push_back(jobs);
                        }};
  StorageWriter writer(open_db(), std::move(options));
  Gate gate;
  Outcomes outcomes;
  writer.submit(gate.blocking_job(-1), outcomes.record(-1));
  gate.wait_started();
  for (int i = 0; i < kQueued; ++i) writer.submit(insert_job(i), outcomes.record(i));
  gate.release();
  ASSERT_TRUE(outcomes.wait_for(kQueued + 1));

  const auto stats = writer.stats();
  EXPECT_EQ(stats.batches_committed, 2u);
  EXPECT_EQ(stats.jobs_committed, kQueued + 1u);
  std::lock_guard lock(mutex);
  EXPECT_EQ(commit_sizes, (std::vector<std::size_t>{1, kQueued}));
}

TEST_F(StorageWriterTest, GroupCommitMaxSplitsLargerQueues) {
  StorageWriter writer(open_db(), {.group_commit_max = 4});
  Gate gate;
  Outcomes outcomes;
  writer.submit(gate.blocking_job(-1), outcomes.record(-1));
  gate.wait_started();
  for (int i = 0; i < 10; ++i) writer.submit(insert_job(i), outcomes.record(i));
  gate.release();
  ASSERT_TRUE(outcomes.wait_for(11));
  EXPECT_EQ(writer.stats().batches_committed, 1u + 3u);  // 1, then 4 + 4 + 2
  EXPECT_EQ(rows().size(), 11u);
}

TEST_F(StorageWriterTest, ThrowingJobFailsAloneWhileBatchMatesCommit) {
  StorageWriter writer(open_db());
  Gate gate;
  Outcomes outcomes;
  writer.submit(gate.blocking_job(0), outcomes.record(0));
  gate.wait_started();
  writer.submit(insert_job(1), outcomes.record(1));
  writer.submit(
      [](Database& db) {
        Gate::insert_row(db, 2);  // written, then taken back with the job's savepoint
        throw std::runtime_error("job 2 gave up");
      },
      outcomes.record(2));
  writer.submit(insert_job(3), outcomes.record(3));
  writer.submit(
      [](Database&) {
        throw ErrorException(make_error(ErrorCode::kAlreadyExists, "dedupe", "seen before"));
      },
      outcomes.record(4));
  writer.submit(insert_job(1), outcomes.record(5));  // UNIQUE violation
  writer.submit(insert_job(6), outcomes.record(6));
  gate.release();
  ASSERT_TRUE(outcomes.wait_for(7));

  EXPECT_TRUE(outcomes.at(1));
  ASSERT_FALSE(outcomes.at(2));
  EXPECT_EQ(outcomes.at(2).error().code, ErrorCode::kInternal);
  EXPECT_EQ(outcomes.at(2).error().detail, "job 2 gave up");
  EXPECT_TRUE(outcomes.at(3));
  ASSERT_FALSE(outcomes.at(4));
  EXPECT_EQ(outcomes.at(4).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(outcomes.at(4).error().where, "dedupe");
  ASSERT_FALSE(outcomes.at(5));
  EXPECT_EQ(outcomes.at(5).error().code, ErrorCode::kInternal);
  EXPECT_NE(outcomes.at(5).error().detail.find("UNIQUE constraint failed"), std::string::npos);
  EXPECT_TRUE(outcomes.at(6));

  EXPECT_EQ(rows(), (std::vector<std::int64_t>{0, 1, 3, 6}));
  const auto stats = writer.stats();
  EXPECT_EQ(stats.batches_committed, 2u);
  EXPECT_EQ(stats.jobs_committed, 4u);
  EXPECT_EQ(stats.jobs_failed, 3u);
}

TEST_F(StorageWriterTest, BusyBeginFailsTheBatchAndLaterBatchesSucceed) {
  StorageWriter writer(open_db({.busy_timeout_ms = 50}));
  auto other = open_db({.busy_timeout_ms = 50});
  {
    Transaction holder(other);  // holds the write lock well past the writer's busy_timeout
    const auto blocked = writer.run_sync(insert_job(1));
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(blocked.error().detail.find("database is locked"), std::string::npos)
        << blocked.error().detail;
    EXPECT_EQ(writer.stats().batches_failed, 1u);
    holder.commit();
  }
  const auto after = writer.run_sync(insert_job(2));
  EXPECT_TRUE(after) << after.error().message();
  EXPECT_EQ(rows(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(writer.stats().batches_committed, 1u);
}

// A job's fallback read runs only when its writes were not committed, outside any transaction
// (so it sees what was committed before, even while another connection holds the write lock).
TEST_F(StorageWriterTest, TheFallbackReadRunsOnlyForJobsThatWereNotWritten) {
  StorageWriter writer(open_db({.busy_timeout_ms = 50}));
  ASSERT_TRUE(writer.run_sync(insert_job(7)));
  auto count_rows = [](std::atomic<std::int64_t>& seen) {
    return [&seen](Database& db) {
      EXPECT_FALSE(db.in_transaction());
      auto select = db.prepare("SELECT COUNT(*) FROM t");
      seen = select.step() ? select.column_int64(0) : -1;
    };
  };
  std::atomic<std::int64_t> seen_when_blocked{-2};
  std::atomic<std::int64_t> seen_when_written{-2};
  auto other = open_db({.busy_timeout_ms = 50});
  {
    Transaction holder(other);
    std::promise<Result<void>> blocked;
    writer.submit(
        insert_job(8), [&](Result<void> r) { blocked.set_value(std::move(r)); },
        count_rows(seen_when_blocked));
    const auto result = blocked.get_future().get();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(seen_when_blocked, 1) << "the read runs before the completion, outside the lock";
    holder.commit();
  }
  std::promise<Result<void>> written;
  writer.submit(
      insert_job(9), [&](Result<void> r) { written.set_value(std::move(r)); },
      count_rows(seen_when_written));
  EXPECT_TRUE(written.get_future().get());
  EXPECT_EQ(seen_when_written, -2) << "no fallback read for a committed job";
  EXPECT_EQ(rows(), (std::vector<std::int64_t>{7, 9}));
}

TEST_F(StorageWriterTest, FullDatabaseFailsTheBatchConsistentlyAndRecoversWhenSpaceReturns) {
  StorageWriter writer(open_db());
  ASSERT_TRUE(writer.run_sync([](Database& db) {
    auto count = db.prepare("PRAGMA page_count");
    ASSERT_TRUE(count.step());
    // A quota of the current size stands in for a full disk: same SQLITE_FULL, same paths.
    db.exec("PRAGMA max_page_count = " + std::to_string(count.column_int64(0)));
  }));

  Gate gate;
  Outcomes outcomes;
  writer.submit(gate.blocking_job(0), outcomes.record(0));
  gate.wait_started();
  writer.submit(insert_job(1), outcomes.record(1));
  writer.submit([](Database& db) { db.exec("INSERT INTO t VALUES (zeroblob(1000000))"); },
                outcomes.record(2));
  writer.submit(insert_job(3), outcomes.record(3));
  gate.release();
  ASSERT_TRUE(outcomes.wait_for(4));

  ASSERT_FALSE(outcomes.at(2));
  EXPECT_EQ(outcomes.at(2).error().code, ErrorCode::kUnavailable)
      << outcomes.at(2).error().message();
  // SQLite may roll back the whole transaction on SQLITE_FULL, batch-mates' writes included:
  // whatever it did, a job is reported committed exactly when its row is there.
  const auto stored = rows();
  for (const std::int64_t v : {1, 3}) {
    const bool present = std::find(stored.begin(), stored.end(), v) != stored.end();
    const auto result = outcomes.at(static_cast<int>(v));
    EXPECT_EQ(!!result, present) << v << (result ? "" : ": " + result.error().message());
    if (!result) {
      EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    }
  }

  EXPECT_TRUE(writer.run_sync([](Database& db) { db.exec("PRAGMA max_page_count = 1000000"); }));
  const auto after = writer.run_sync(insert_job(7));
  EXPECT_TRUE(after) << after.error().message();
  const auto final_rows = rows();
  EXPECT_NE(std::find(final_rows.begin(), final_rows.end(), 7), final_rows.end());
}

TEST_F(StorageWriterTest, StopDrainsQueuedJobsThenRefusesNewOnes) {
  auto writer = std::make_unique<StorageWriter>(open_db());
  Gate gate;
  Outcomes outcomes;
  writer->submit(gate.blocking_job(0), outcomes.record(0));
  gate.wait_started();
  for (int i = 1; i <= 10; ++i) writer->submit(insert_job(i), outcomes.record(i));

  std::promise<Result<void>> stopped;
  std::thread stopper([&] { stopped.set_value(writer->stop()); });
  // Probe until stop() has closed the door; probes that got in before are ordinary queued jobs.
  int accepted = 11;
  for (int key = 100;; ++key) {
    bool refused_here = false;
    const auto caller = std::this_thread::get_id();
    // `refused_here` is only touched when the completion runs inside submit() on this thread;
    // an accepted probe completes later on the writer thread, after this iteration.
    writer->submit(insert_job(key), [&refused_here, &outcomes, key, caller](Result<void> result) {
      if (std::this_thread::get_id() == caller) refused_here = true;
      outcomes.record(key)(std::move(result));
    });
    if (refused_here) {
      EXPECT_EQ(outcomes.at(key).error().code, ErrorCode::kUnavailable);
      break;
    }
    ++accepted;
    std::this_thread::sleep_for(1ms);
  }
  gate.release();
  stopper.join();
  const auto stop_result = stopped.get_future().get();
  EXPECT_TRUE(stop_result) << stop_result.error().message();

  const auto stats = writer->stats();
  EXPECT_EQ(stats.jobs_committed, static_cast<std::uint64_t>(accepted));
  EXPECT_EQ(rows().size(), static_cast<std::size_t>(accepted));
  // The final TRUNCATE checkpoint emptied the WAL (closing the last connection may remove it).
  const std::filesystem::path wal = path_ + "-wal";
  EXPECT_TRUE(!std::filesystem::exists(wal) || std::filesystem::file_size(wal) == 0);
  EXPECT_TRUE(writer->stop()) << "stop() is idempotent";
}

TEST_F(StorageWriterTest, SubmitAfterStopCompletesAtOnceWithUnavailable) {
  StorageWriter writer(open_db());
  ASSERT_TRUE(writer.stop());
  bool ran = false;
  std::optional<Result<void>> outcome;
  writer.submit([&](Database&) { ran = true; }, [&](Result<void> r) { outcome = std::move(r); });
  ASSERT_TRUE(outcome.has_value()) << "completion must run before submit() returns";
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(ran);
  const auto sync = writer.run_sync(insert_job(1));
  ASSERT_FALSE(sync);
  EXPECT_EQ(sync.error().code, ErrorCode::kUnavailable);
}

TEST_F(StorageWriterTest, RunSyncAndStopRefuseTheWriterThread) {
  StorageWriter writer(open_db());
  std::optional<Result<void>> nested;
  std::optional<Result<void>> nested_stop;
  ASSERT_TRUE(writer.run_sync([&](Database&) {
    EXPECT_TRUE(writer.on_writer_thread());
    nested = writer.run_sync(insert_job(1));
    nested_stop = writer.stop();
  }));
  ASSERT_TRUE(nested && !*nested);
  EXPECT_EQ(nested->error().code, ErrorCode::kInternal);
  ASSERT_TRUE(nested_stop && !*nested_stop);
  EXPECT_EQ(nested_stop->error().code, ErrorCode::kInternal);
  EXPECT_FALSE(writer.on_writer_thread());
}

TEST_F(StorageWriterTest, DestructorDrainsLikeStop) {
  Outcomes outcomes;
  {
    StorageWriter writer(open_db());
    for (int i = 0; i < 50; ++i) writer.submit(insert_job(i), outcomes.record(i));
  }
  EXPECT_EQ(outcomes.size(), 50u);
  EXPECT_EQ(rows().size(), 50u);
}

// ---- sync_wal_itself: the writer fdatasyncs the WAL on its own thread -------------------------

TEST_F(StorageWriterTest, SyncingTheWalItselfCommitsEveryJobInSubmissionOrder) {
  constexpr int kJobs = 500;
  StorageWriter writer(open_db(), {.group_commit_max = 16, .sync_wal_itself = true});
  std::mutex mutex;
  std::vector<int> completed;
  std::atomic<int> failures{0};
  for (int key = 0; key < kJobs; ++key) {
    writer.submit(insert_job(key), [&, key](Result<void> r) {
      if (!r) ++failures;
      std::lock_guard lock(mutex);
      completed.push_back(key);
    });
  }
  ASSERT_TRUE(writer.stop());
  EXPECT_EQ(failures.load(), 0);
  std::vector<int> expected(kJobs);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(completed, expected);  // completions in submission order, across batches
  EXPECT_EQ(rows().size(), static_cast<std::size_t>(kJobs));
  const auto stats = writer.stats();
  EXPECT_EQ(stats.jobs_committed, static_cast<std::uint64_t>(kJobs));
  EXPECT_GE(stats.batches_committed, static_cast<std::uint64_t>(kJobs / 16));
}

TEST_F(StorageWriterTest, SyncingTheWalItselfRunsTheConnectionAtNormalAndAJobFailsAlone) {
  StorageWriter writer(open_db(), {.sync_wal_itself = true});
  std::int64_t synchronous = -1;
  ASSERT_TRUE(writer.run_sync([&](Database& db) {
    auto stmt = db.prepare("PRAGMA synchronous");
    stmt.step();
    synchronous = stmt.column_int64(0);
  }));
  EXPECT_EQ(synchronous, 1);  // NORMAL: COMMIT does not wait; the sync thread does
  ASSERT_TRUE(writer.run_sync(insert_job(1)));
  // A duplicate violates UNIQUE: that job fails, its neighbour still commits.
  Outcomes outcomes;
  writer.submit(insert_job(1), outcomes.record(1));
  writer.submit(insert_job(2), outcomes.record(2));
  ASSERT_TRUE(outcomes.wait_for(2));
  EXPECT_FALSE(outcomes.at(1));
  EXPECT_TRUE(outcomes.at(2));
  EXPECT_EQ(rows(), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(StorageWriterTest, SyncingTheWalItselfStopsCleanlyWithJobsInFlight) {
  Outcomes outcomes;
  {
    StorageWriter writer(open_db(), {.group_commit_max = 4, .sync_wal_itself = true});
    for (int key = 0; key < 100; ++key) writer.submit(insert_job(key), outcomes.record(key));
  }  // the destructor stops: everything queued commits, is synced and completed
  ASSERT_EQ(outcomes.size(), 100u);
  for (int key = 0; key < 100; ++key) EXPECT_TRUE(outcomes.at(key)) << key;
  EXPECT_EQ(rows().size(), 100u);
}

}  // namespace
}  // namespace ventanilla::storage
