#include "storage/connection_thread.hpp"

namespace ventanilla::storage {

ConnectionThread::ConnectionThread(Database db) : db_(std::move(db)) {
  thread_ = std::thread([this] { run(); });
}

ConnectionThread::~ConnectionThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool ConnectionThread::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void ConnectionThread::run() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and everything queued has run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(db_);
  }
}

}  // namespace ventanilla::storage
