// Child process of storage_crash_test. Writes rows through the real stack (Database::open,
// apply_migrations, StorageWriter) from several threads and prints each row id on stdout, one per
// line, only after its completion reported a successful commit. The parent SIGKILLs it mid-write
// and checks that every printed id survived.
//
// Usage: crash_writer DB_PATH COUNT [THREADS]
// Exit: 0 after writing COUNT rows, 1 on any failure (reason on stderr), 2 on bad usage.

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <semaphore>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "crash_rows.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/storage_writer.hpp"

namespace {

namespace storage = ventanilla::storage;
namespace rows = ventanilla::test::crash_rows;

constexpr int kWindowPerThread = 16;  // jobs in flight per thread: lets batches grow

// One write(2) per line: atomic on a pipe (< PIPE_BUF), so lines from completions never mix.
void print_line(std::int64_t id) {
  const std::string line = std::to_string(id) + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::_Exit(1);
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "crash_writer: %s\n", what.c_str());
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: crash_writer DB_PATH COUNT [THREADS]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::int64_t count = std::atoll(argv[2]);
  const int threads = argc == 4 ? std::atoi(argv[3]) : 3;
  if (count < 1 || threads < 1) {
    std::fprintf(stderr, "crash_writer: COUNT and THREADS must be >= 1\n");
    return 2;
  }

  auto db = storage::Database::open(path);
  if (!db) fail(db.error().message());
  if (auto migrated = storage::apply_migrations(*db, storage::embedded_migrations()); !migrated) {
    fail(migrated.error().message());
  }
  // The production configuration: the WAL synced by the writer's own sync thread.
  storage::StorageWriter writer(std::move(*db), {.group_commit_max = 64, .sync_wal_itself = true});

  // Continue after the ids of earlier (killed) runs on the same file.
  std::int64_t first_id = 1;
  auto prepared = writer.run_sync([&](storage::Database& d) {
    d.exec(rows::kCreateTable);
    auto max = d.prepare("SELECT COALESCE(MAX(id), 0) FROM crash_rows");
    if (max.step()) first_id = max.column_int64(0) + 1;
  });
  if (!prepared) fail(prepared.error().message());

  std::atomic<std::int64_t> next{first_id};
  const std::int64_t end = first_id + count;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::counting_semaphore<kWindowPerThread> window(kWindowPerThread);
      for (std::int64_t id = next++; id < end; id = next++) {
        window.acquire();
        writer.submit(
            [id](storage::Database& d) {
              const auto payload = rows::payload_for(id);
              auto insert = d.cached(rows::kInsert);
              insert->bind_all(id, std::span<const std::byte>(payload));
              insert->run();
            },
            [id, &window](ventanilla::Result<void> result) {
              if (!result) fail("write " + std::to_string(id) + ": " + result.error().message());
              print_line(id);
              window.release();
            });
      }
      // Every completion of this thread has run before `window` goes out of scope.
      for (int i = 0; i < kWindowPerThread; ++i) window.acquire();
    });
  }
  for (auto& w : workers) w.join();
  if (auto stopped = writer.stop(); !stopped) fail(stopped.error().message());
  return 0;
}
