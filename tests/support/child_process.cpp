#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ventanilla::test {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what, int error) {
  throw std::runtime_error(what + ": " + std::strerror(error));
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

// posix_spawn's C structures, released on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    if (const int rc = posix_spawn_file_actions_init(&actions_); rc != 0) {
      throw_errno("posix_spawn_file_actions_init", rc);
    }
    if (const int rc = posix_spawnattr_init(&attr_); rc != 0) {
      posix_spawn_file_actions_destroy(&actions_);
      throw_errno("posix_spawnattr_init", rc);
    }
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
};

void check(int rc, const char* what) {
  if (rc != 0) throw_errno(what, rc);
}

// A pipe whose ends are closed unless handed over; both ends close-on-exec in the parent.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2", errno);
    read = fds[0];
    write = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
};

std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item(*entry);
    const auto key = item.substr(0, item.find('='));
    bool overridden = false;
    for (const auto& [name, value] : overrides) overridden = overridden || name == key;
    if (!overridden) env.emplace_back(item);
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit " + std::to_string(code);
}

// ---------------------------------------------------------------------------------------------

OutputPipe::OutputPipe(OutputPipe&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)), eof_(other.eof_) {}

OutputPipe& OutputPipe::operator=(OutputPipe&& other) noexcept {
  if (this != &other) {
    close_fd(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    eof_ = other.eof_;
  }
  return *this;
}

OutputPipe::~OutputPipe() { close_fd(fd_); }

bool OutputPipe::fill(Clock::time_point deadline) {
  if (fd_ < 0) {
    eof_ = true;
    return false;
  }
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd pfd{fd_, POLLIN, 0};
    const auto wait_ms = std::clamp<std::int64_t>(left.count(), 0, INT_MAX);
    const int ready = ::poll(&pfd, 1, static_cast<int>(wait_ms));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", errno);
    }
    if (ready == 0) return false;
    char chunk[4096];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw_errno("read", errno);
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<std::string> OutputPipe::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t scanned = 0;
  for (;;) {
    const auto newline = buffer_.find('\n', scanned);
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    scanned = buffer_.size();
    if (eof_) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, std::string());
    }
    if (!fill(deadline) && !eof_) return std::nullopt;
  }
}

std::vector<std::string> OutputPipe::read_lines_until_eof(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> lines;
  while (auto line = read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
             std::max(deadline - Clock::now(), Clock::duration::zero())))) {
    lines.push_back(std::move(*line));
  }
  return lines;
}

std::optional<std::string> OutputPipe::wait_for_line_containing(std::string_view needle,
                                                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (auto line = read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
             std::max(deadline - Clock::now(), Clock::duration::zero())))) {
    if (line->find(needle) != std::string::npos) return line;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

ChildProcess ChildProcess::spawn(const std::string& program, const SpawnOptions& options) {
  SpawnSetup setup;
  check(posix_spawn_file_actions_addopen(setup.actions(), 0, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
  std::optional<Pipe> out_pipe;
  std::optional<Pipe> err_pipe;
  if (options.capture_stdout) {
    out_pipe.emplace();
    check(posix_spawn_file_actions_adddup2(setup.actions(), out_pipe->write, 1),
          "posix_spawn_file_actions_adddup2");
  }
  if (options.capture_stderr) {
    err_pipe.emplace();
    check(posix_spawn_file_actions_adddup2(setup.actions(), err_pipe->write, 2),
          "posix_spawn_file_actions_adddup2");
  }
  if (!options.working_dir.empty()) {
    check(posix_spawn_file_actions_addchdir_np(setup.actions(), options.working_dir.c_str()),
          "posix_spawn_file_actions_addchdir_np");
  }
  // Descriptors the test process opened without O_CLOEXEC (sockets, databases) must not leak
  // into the child: a leaked listening socket or pipe end changes what the test observes.
  check(posix_spawn_file_actions_addclosefrom_np(setup.actions(), 3),
        "posix_spawn_file_actions_addclosefrom_np");

  // gtest, Asio signal sets or a parent's ignored SIGPIPE must not leak into the child either.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  check(posix_spawnattr_setsigmask(setup.attr(), &none), "posix_spawnattr_setsigmask");
  check(posix_spawnattr_setsigdefault(setup.attr(), &all), "posix_spawnattr_setsigdefault");
  check(posix_spawnattr_setflags(setup.attr(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
        "posix_spawnattr_setflags");

  std::vector<std::string> argv_strings;
  argv_strings.reserve(options.args.size() + 1);
  argv_strings.push_back(program);
  argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
  auto argv = pointers(argv_strings);
  auto env_strings = child_environment(options.env);
  auto envp = pointers(env_strings);

  pid_t pid = -1;
  // glibc's posix_spawn reports exec failures (ENOENT, EACCES) here rather than as exit 127.
  const int rc =
      ::posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(), argv.data(), envp.data());
  if (rc != 0) throw_errno("posix_spawn " + program, rc);

  OutputPipe out;
  OutputPipe err;
  if (out_pipe) out = OutputPipe(std::exchange(out_pipe->read, -1));
  if (err_pipe) err = OutputPipe(std::exchange(err_pipe->read, -1));
  return ChildProcess(pid, std::move(out), std::move(err));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(std::move(other.status_)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::move(other.status_);
    out_ = std::move(other.out_);
    err_ = std::move(other.err_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() noexcept {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    try {
      try_reap(true);
    } catch (...) {
      // Destructor: the child is killed; a failed reap only leaves a zombie until we exit.
    }
  }
  pid_ = -1;
}

bool ChildProcess::try_reap(bool block) {
  if (status_) return true;
  if (pid_ <= 0) return false;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (r == pid_) {
      status_ = decode(status);
      return true;
    }
    if (r == 0) return false;
    if (errno == EINTR) continue;
    throw_errno("waitpid", errno);
  }
}

void ChildProcess::kill(int signal) {
  if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

bool ChildProcess::running() { return pid_ > 0 && !try_reap(false); }

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  // Polling keeps this free of SIGCHLD handlers, which would be process-wide state in a test.
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (try_reap(false)) return status_;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

ExitStatus ChildProcess::kill_and_wait() {
  kill(SIGKILL);
  if (!try_reap(true)) throw std::logic_error("kill_and_wait: no child process");
  return *status_;
}

OutputPipe& ChildProcess::out() {
  if (!out_.is_open()) throw std::logic_error("stdout was not captured");
  return out_;
}

OutputPipe& ChildProcess::err() {
  if (!err_.is_open()) throw std::logic_error("stderr was not captured");
  return err_;
}

}  // namespace ventanilla::test
