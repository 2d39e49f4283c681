#include "app/admin_commands.hpp"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <string>
#include <variant>

#include "admin/audit_report.hpp"
#include "admin/role.hpp"
#include "admin/staff_service.hpp"
#include "admin/token_service.hpp"
#include "app/app.hpp"
#include "app/route_support.hpp"
#include "app/verb_output.hpp"
#include "storage/audit_store.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"

namespace ventanilla::app {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

// "cli:alice": who ran the verb, as the audit log records it.
std::string cli_actor() {
  const passwd* pw = ::getpwuid(::geteuid());
  return "cli:" + (pw != nullptr ? std::string(pw->pw_name) : std::to_string(::geteuid()));
}

std::optional<std::int64_t> parse_positive(const std::string& text, std::int64_t max) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > max) return {};
  return n;
}

// The database, opened and migrated for writing; or the exit code.
std::variant<storage::Database, int> open_database(std::string_view verb, const CommandLine& cl) {
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  auto db = storage::Database::open(cfg->storage.path, open_options(cfg->storage));
  if (!db) return verb_failure(verb, db.error().message());
  if (auto migrated = storage::apply_migrations(*db, storage::embedded_migrations()); !migrated) {
    return verb_failure(verb, migrated.error().message());
  }
  return std::move(*db);
}

storage::AuditEntry cli_audit() {
  storage::AuditEntry e;
  e.at_ms = epoch_ms();
  e.actor = cli_actor();
  e.role = "admin";  // whoever can run the binary on the database file has every power
  e.request_id = "cli";
  return e;
}

int token_create(const CommandLine& cl, storage::Database& db) {
  constexpr std::string_view kVerb = "token";
  const auto name = cl.options.find("--name");
  const auto role_name = cl.options.find("--role");
  if (name == cl.options.end() || name->second.empty())
    return verb_usage_error(kVerb, "--name is required");
  if (name->second.size() > 80) return verb_usage_error(kVerb, "--name: over 80 characters");
  if (role_name == cl.options.end()) return verb_usage_error(kVerb, "--role is required");
  if (!admin::parse_role(role_name->second)) {
    return verb_usage_error(kVerb, "--role: must be viewer, editor, publisher or admin, got '" +
                                       role_name->second + "'");
  }
  std::optional<std::int64_t> expires;
  const std::int64_t now = epoch_ms();
  if (const auto d = cl.options.find("--expires-days"); d != cl.options.end()) {
    const auto days = parse_positive(d->second, 3650);
    if (!days) return verb_usage_error(kVerb, "--expires-days: a whole number from 1 to 3650");
    expires = now + *days * kDayMs;
  }
  const auto created = admin::create_token(db, name->second, *admin::parse_role(role_name->second),
                                           expires, cli_audit());
  if (cl.has("--json")) {
    auto o = admin::token_json(created.row, now);
    o["token"] = created.token;
    std::printf("%s\n", boost::json::serialize(o).c_str());
  } else {
    std::printf("%s\n", created.token.c_str());
    std::fprintf(stderr,
                 "token %lld (%s, role %s) made; it is shown only now: keep it in a password "
                 "manager\n",
                 static_cast<long long>(created.row.id), name->second.c_str(),
                 role_name->second.c_str());
  }
  return kExitOk;
}

int token_list(const CommandLine& cl, storage::Database& db) {
  const auto rows = storage::list_api_tokens(db);
  const std::int64_t now = epoch_ms();
  if (cl.has("--json")) {
    boost::json::array items;
    for (const auto& t : rows) items.push_back(admin::token_json(t, now));
    std::printf("%s\n", boost::json::serialize(items).c_str());
    return kExitOk;
  }
  std::printf("%-5s %-10s %-10s %-8s %s\n", "id", "hint", "role", "state", "name");
  for (const auto& t : rows) {
    const char* state = t.revoked_ms ? "revoked" : (t.active(now) ? "active" : "expired");
    std::printf("%-5lld %-10s %-10s %-8s %s\n", static_cast<long long>(t.id), t.hint.c_str(),
                t.role.c_str(), state, t.name.c_str());
  }
  return kExitOk;
}

int token_revoke(const CommandLine& cl, storage::Database& db) {
  constexpr std::string_view kVerb = "token";
  if (cl.positionals.size() != 2) return verb_usage_error(kVerb, "revoke takes one token ID");
  const auto id = parse_positive(cl.positionals[1], INT64_MAX);
  if (!id) return verb_usage_error(kVerb, "revoke: ID must be a token id from `token list`");
  switch (admin::revoke_token(db, *id, cli_audit()).outcome) {
    case admin::RevokeOutcome::kNotFound:
      return verb_failure(kVerb, "no token " + cl.positionals[1]);
    case admin::RevokeOutcome::kAlreadyRevoked:
      return verb_failure(kVerb, "token " + cl.positionals[1] + " is already revoked");
    case admin::RevokeOutcome::kRevoked:
      break;
  }
  std::printf("token %lld revoked\n", static_cast<long long>(*id));
  return kExitOk;
}

// One line from stdin, without its newline; echo off and a prompt when stdin is a terminal.
std::optional<std::string> read_password(const std::string& prompt) {
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    std::fprintf(stderr, "%s", prompt.c_str());
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  int c = 0;
  while ((c = std::getchar()) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (c == EOF && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int user_command(const CommandLine& cl, storage::Database& db) {
  constexpr std::string_view kVerb = "user";
  const std::string& action = cl.positionals.front();
  if (action == "list") {
    std::printf("%-24s %-10s %-9s %s\n", "username", "role", "state", "last login (ms)");
    for (const auto& s : storage::list_staff(db)) {
      std::printf("%-24s %-10s %-9s %s\n", s.username.c_str(), s.role.c_str(),
                  s.disabled_ms ? "disabled" : "enabled",
                  s.last_login_ms ? std::to_string(*s.last_login_ms).c_str() : "never");
    }
    return kExitOk;
  }
  if (cl.positionals.size() != 2) return verb_usage_error(kVerb, action + " takes one USERNAME");
  const std::string& username = cl.positionals[1];
  auto report = [&](const Result<storage::StaffRow>& r, const char* done) {
    if (!r) {
      const int code = r.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
      std::fprintf(stderr, "ventanilla user: %s\n", r.error().message().c_str());
      return code;
    }
    std::printf("%s %s (role %s)\n", done, r->username.c_str(), r->role.c_str());
    return kExitOk;
  };
  if (action == "add") {
    const auto role_name = cl.options.find("--role");
    if (role_name == cl.options.end()) return verb_usage_error(kVerb, "--role is required");
    const auto role = admin::parse_role(role_name->second);
    if (!role) {
      return verb_usage_error(kVerb, "--role: must be viewer, editor, publisher or admin, got '" +
                                         role_name->second + "'");
    }
    const auto password = read_password("password for " + username + ": ");
    if (!password) return verb_usage_error(kVerb, "no password on standard input");
    return report(admin::create_staff(db, username, *password, *role, cli_audit()), "added");
  }
  admin::StaffChange change;
  if (action == "passwd") {
    change.password = read_password("new password for " + username + ": ");
    if (!change.password) return verb_usage_error(kVerb, "no password on standard input");
  } else if (action == "disable" || action == "enable") {
    change.disabled = action == "disable";
  } else if (action == "role") {
    const auto role_name = cl.options.find("--role");
    const auto role =
        role_name == cl.options.end() ? std::nullopt : admin::parse_role(role_name->second);
    if (!role) return verb_usage_error(kVerb, "role needs --role viewer|editor|publisher|admin");
    change.role = role;
  } else {
    return verb_usage_error(kVerb, "unknown action '" + action + "'");
  }
  return report(admin::change_staff(db, username, change, cli_audit()), "changed");
}

}  // namespace

int run_user(const CommandLine& cl) {
  constexpr std::string_view kVerb = "user";
  if (cl.positionals.empty()) {
    return verb_usage_error(kVerb, "expected add, list, passwd, role, disable or enable");
  }
  auto opened = open_database(kVerb, cl);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  try {
    return user_command(cl, std::get<storage::Database>(opened));
  } catch (const storage::SqliteError& e) {
    return verb_failure(kVerb, e.what());
  }
}

int run_token(const CommandLine& cl) {
  constexpr std::string_view kVerb = "token";
  const std::string action = cl.positionals.empty() ? "" : cl.positionals.front();
  if (action != "create" && action != "list" && action != "revoke") {
    return verb_usage_error(kVerb, action.empty() ? "expected create, list or revoke"
                                                  : "unknown action '" + action + "'");
  }
  if (action != "revoke" && cl.positionals.size() != 1) {
    return verb_usage_error(kVerb, action + " takes no further arguments");
  }
  auto opened = open_database(kVerb, cl);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& db = std::get<storage::Database>(opened);
  try {
    if (action == "create") return token_create(cl, db);
    if (action == "list") return token_list(cl, db);
    return token_revoke(cl, db);
  } catch (const storage::SqliteError& e) {
    return verb_failure(kVerb, e.what());
  }
}

int run_audit(const CommandLine& cl) {
  constexpr std::string_view kVerb = "audit";
  if (cl.positionals.size() != 1 || cl.positionals.front() != "verify") {
    return verb_usage_error(kVerb, "expected: audit verify");
  }
  auto opened = open_database(kVerb, cl);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& db = std::get<storage::Database>(opened);
  storage::AuditChainReport report;
  try {
    report = storage::verify_audit_chain(db);
  } catch (const storage::SqliteError& e) {
    return verb_failure(kVerb, e.what());
  }
  if (cl.has("--json")) {
    std::printf("%s\n", boost::json::serialize(admin::audit_report_json(report)).c_str());
  } else if (report.ok()) {
    std::printf("audit log ok: %lld rows, head %s\n", static_cast<long long>(report.rows),
                report.head_sha256.c_str());
  }
  if (!report.ok()) {
    std::fprintf(stderr, "ventanilla audit: row %lld: %s (%lld rows before it hold)\n",
                 static_cast<long long>(*report.first_bad_seq), report.problem.c_str(),
                 static_cast<long long>(report.rows));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ventanilla::app
