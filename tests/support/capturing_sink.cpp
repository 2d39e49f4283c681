#include "support/capturing_sink.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <mutex>

#include "common/logging.hpp"

namespace ventanilla::test {

class CapturingSink::Sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
  }

 protected:
  // Called by base_sink::log with mutex_ held.
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    lines_.push_back(std::move(line));
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

CapturingSink::CapturingSink() : sink_(std::make_shared<Sink>()) { logging::add_sink(sink_); }

CapturingSink::~CapturingSink() { logging::remove_sink(sink_); }

std::vector<std::string> CapturingSink::lines() const { return sink_->lines(); }

std::string CapturingSink::text() const {
  std::string out;
  for (const auto& line : sink_->lines()) {
    out += line;
    out += '\n';
  }
  return out;
}

bool CapturingSink::contains(std::string_view needle) const {
  for (const auto& line : sink_->lines()) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

void CapturingSink::clear() { sink_->clear(); }

}  // namespace ventanilla::test
