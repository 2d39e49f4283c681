#include "support/serve_process.hpp"

#include <stdexcept>

namespace ventanilla::test {

namespace {
ChildProcess start(const TempDir& dir, const ServeOptions& o, std::string& db_path) {
  db_path = o.db_path.empty() ? dir.file("ventanilla.db") : o.db_path;
  const std::string key_path = o.key_path.empty() ? dir.file("secret.key") : o.key_path;
  std::vector<std::string> args = {
      "serve",
      "--config",
      std::string(VENTANILLA_SOURCE_DIR) + "/config/ventanilla.toml",
      "--listen",
      "127.0.0.1:0",
      "--db",
      db_path,
      "--set",
      "privacy.key_file=" + key_path,
      "--set",
      o.seed_directory ? "content.data_dir=" + std::string(VENTANILLA_SOURCE_DIR) + "/data"
                       : std::string("content.seed_on_empty=false")};
  if (o.seed_directory) {
    args.insert(args.end(),
                {"--set", "content.menus_dir=" + std::string(VENTANILLA_SOURCE_DIR) + "/menus"});
  }
  // The admin API on an ephemeral port too, so servers never contend for 8081 (a test's
  // extra_args, applied later, may turn it off with admin.listen=).
  args.insert(args.end(), {"--set", "admin.listen=127.0.0.1:0"});
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  SpawnOptions spawn;
  spawn.capture_stdout = false;
  spawn.capture_stderr = true;
  spawn.env.assign(o.env.begin(), o.env.end());
  if (o.wrapper_shell.empty()) {
    spawn.args = std::move(args);
    return ChildProcess::spawn(VENTANILLA_BINARY, spawn);
  }
  spawn.args = {"-c", o.wrapper_shell + "; exec \"$0\" \"$@\"", VENTANILLA_BINARY};
  spawn.args.insert(spawn.args.end(), args.begin(), args.end());
  return ChildProcess::spawn("/bin/sh", spawn);
}
}  // namespace

namespace {
// The port of a "listening on HOST:PORT ..." line.
std::uint16_t port_in(const std::string& line, std::size_t at) {
  const auto colon = line.find(':', at + 13);
  const auto space = line.find(' ', colon);
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1, space - colon - 1)));
}
}  // namespace

ServeProcess::ServeProcess(const TempDir& dir, ServeOptions options)
    : child_(start(dir, options, db_path_)) {
  bool admin_expected = true;
  for (const auto& a : options.extra_args) admin_expected = admin_expected && a != "admin.listen=";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = child_.err().read_line(std::chrono::milliseconds(200));
    if (!line) {
      if (child_.err().eof()) break;
      continue;
    }
    lines_.push_back(*line);
    const auto at = line->find("listening on ");
    if (at == std::string::npos) continue;
    if (line->find("admin API listening on ") != std::string::npos) {
      admin_port_ = port_in(*line, at);
    } else {
      port_ = port_in(*line, at);
    }
    if (port_ != 0 && (admin_port_ != 0 || !admin_expected)) return;
  }
  std::string seen;
  for (const auto& l : lines_) seen += l + "\n";
  throw std::runtime_error("ventanilla serve did not start:\n" + seen);
}

const std::vector<std::string>& ServeProcess::log_lines(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto line = child_.err().read_line(std::max(left, std::chrono::milliseconds(1)));
    if (!line) break;
    lines_.push_back(*line);
  }
  return lines_;
}

bool ServeProcess::log_contains(std::string_view needle, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    for (const auto& l : log_lines(std::chrono::milliseconds(20))) {
      if (l.find(needle) != std::string::npos) return true;
    }
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

RunResult run_ventanilla(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  SpawnOptions spawn;
  spawn.args = args;
  spawn.capture_stdout = true;
  spawn.capture_stderr = true;
  auto child = ChildProcess::spawn(VENTANILLA_BINARY, spawn);
  RunResult r;
  for (const auto& l : child.out().read_lines_until_eof(timeout)) r.out += l + "\n";
  for (const auto& l : child.err().read_lines_until_eof(std::chrono::seconds(2))) r.err += l + "\n";
  auto status = child.wait_for(timeout);
  if (!status) status = child.kill_and_wait();
  r.status = *status;
  return r;
}

}  // namespace ventanilla::test
