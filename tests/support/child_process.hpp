#pragma once
// Runs a program as a child process for tests that need a real process boundary: crash tests
// (SIGKILL mid-write), whole-binary server tests (spawn `ventanilla serve`, read its output,
// send SIGTERM, check the exit status).
//
// The child gets stdin from /dev/null, a clean signal mask with default dispositions, and no file
// descriptors of the test process beyond 0-2. Its stdout and/or stderr can be captured through
// pipes and read line by line with a timeout; uncaptured streams go to the test's own.
// Not thread-safe: one test thread drives a ChildProcess.

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ventanilla::test {

struct ExitStatus {
  int code = -1;   // exit code when the child exited normally, else -1
  int signal = 0;  // signal that terminated it, else 0

  bool exited() const noexcept { return signal == 0; }
  bool success() const noexcept { return signal == 0 && code == 0; }
  bool killed_by(int sig) const noexcept { return signal == sig; }
  std::string describe() const;  // "exit 0", "signal 9 (Killed)"
};

struct SpawnOptions {
  std::vector<std::string> args;  // argv[1..]; argv[0] is the program path
  // Set in the child's environment, on top of (and overriding) the test process's environment.
  std::vector<std::pair<std::string, std::string>> env;
  bool capture_stdout = true;
  bool capture_stderr = false;
  std::string working_dir;  // empty: the test's current directory
};

// One captured output stream of the child.
class OutputPipe {
 public:
  OutputPipe() = default;
  explicit OutputPipe(int fd) noexcept : fd_(fd) {}
  OutputPipe(OutputPipe&& other) noexcept;
  OutputPipe& operator=(OutputPipe&& other) noexcept;
  OutputPipe(const OutputPipe&) = delete;
  OutputPipe& operator=(const OutputPipe&) = delete;
  ~OutputPipe();

  // The next line without its '\n', waiting up to `timeout` for it. At end of stream a final
  // unterminated line is returned too. nullopt on timeout or at end of stream (see eof()).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  // Every line until end of stream (the child and anything it spawned closed the pipe) or until
  // `timeout` runs out; check eof() to tell which.
  std::vector<std::string> read_lines_until_eof(std::chrono::milliseconds timeout);

  // Reads lines until one contains `needle`, returning it; nullopt on timeout or end of stream.
  // Lines read on the way are dropped.
  std::optional<std::string> wait_for_line_containing(std::string_view needle,
                                                      std::chrono::milliseconds timeout);

  bool eof() const noexcept { return eof_; }
  bool is_open() const noexcept { return fd_ >= 0; }

 private:
  // Waits until `deadline` for more bytes; false on timeout. Sets eof_ at end of stream.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

class ChildProcess {
 public:
  // Starts `program` (a path; PATH is not searched). Throws std::runtime_error when it cannot be
  // started, including a program that does not exist or is not executable.
  static ChildProcess spawn(const std::string& program, const SpawnOptions& options = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // SIGKILLs and reaps a child that is still running, so no test leaves one behind.
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }

  // Sends `signal` (no-op once the child has been reaped).
  void kill(int signal = SIGKILL);

  // Reaps the child if it has ended; true while it runs.
  bool running();

  // Waits up to `timeout` for the child to end; nullopt if it is still running.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);

  // SIGKILL, then wait for the end. Returns how it ended (it may have exited before the signal).
  ExitStatus kill_and_wait();

  // How the child ended, once reaped.
  const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

  // The captured streams; throw std::logic_error when that stream was not captured.
  OutputPipe& out();
  OutputPipe& err();

 private:
  ChildProcess(pid_t pid, OutputPipe out, OutputPipe err) noexcept
      : pid_(pid), out_(std::move(out)), err_(std::move(err)) {}
  bool try_reap(bool block);
  void release() noexcept;

  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  OutputPipe out_;
  OutputPipe err_;
};

}  // namespace ventanilla::test
