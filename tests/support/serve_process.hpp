#pragma once
// `ventanilla serve` as a child process on an ephemeral loopback port, with its own database and
// key file in a temp dir: the whole binary, as an operator runs it.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {

struct ServeOptions {
  std::vector<std::string> extra_args;  // e.g. {"--set", "log.access_log=true"}
  std::string db_path;                  // default: <dir>/ventanilla.db
  std::string key_path;                 // default: <dir>/secret.key
  std::string wrapper_shell;            // run under `sh -c '<wrapper_shell>; exec "$0" "$@"'`
  // Import the repository's data/ and menus/ on first start (a second of work); most tests need
  // no hubs.
  bool seed_directory = false;
  // Set in the server's environment on top of the test's own (route secrets are read from env).
  std::map<std::string, std::string> env;
};

class ServeProcess {
 public:
  // Starts the binary with `serve --config <repo>/config/ventanilla.toml --listen 127.0.0.1:0`
  // and waits for its "listening on" line. Throws std::runtime_error if it does not come up.
  ServeProcess(const TempDir& dir, ServeOptions options = {});

  std::uint16_t port() const { return port_; }
  // The admin API's port (0 when a test turned it off with {"--set", "admin.listen="}).
  std::uint16_t admin_port() const { return admin_port_; }
  ChildProcess& process() { return child_; }
  const std::string& db_path() const { return db_path_; }
  // Every stderr line seen so far plus whatever arrives within `wait`.
  const std::vector<std::string>& log_lines(
      std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  bool log_contains(std::string_view needle,
                    std::chrono::milliseconds wait = std::chrono::milliseconds(0));

 private:
  std::string db_path_;  // before child_: start() fills it while child_ is constructed
  ChildProcess child_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::vector<std::string> lines_;
};

// Runs the binary to completion with `args`; returns exit status and combined stderr.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;
};
RunResult run_ventanilla(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace ventanilla::test
