#pragma once
// A database connection with a thread of its own that runs jobs one at a time, in order. For work
// that must not run on a network thread and must not queue behind (or hold up) the carrier
// writer: the admin API's reads and its rare writes. Unlike StorageWriter it opens no transaction
// for a job — a job that writes opens its own Transaction, so reads never take the write lock.
//
// Thread: submit() from any thread; jobs and completions run on the worker thread. Completions
// must be cheap and must not throw (post the result to your own executor and return).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/database.hpp"

namespace ventanilla::storage {

class ConnectionThread {
 public:
  using Job = std::function<void(Database&)>;

  explicit ConnectionThread(Database db);
  ConnectionThread(const ConnectionThread&) = delete;
  ConnectionThread& operator=(const ConnectionThread&) = delete;
  // Runs every job already queued, then closes the connection.
  ~ConnectionThread();

  // Queues `job`; false (and `job` is not run) once the destructor has begun.
  bool submit(Job job);

 private:
  void run();

  Database db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ventanilla::storage
