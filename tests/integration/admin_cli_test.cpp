// `ventanilla token` and `ventanilla audit verify`, as an operator runs them on a database file:
// the first admin token is made from the command line, every change is audited, and a row
// tampered with behind the binary's back is found and named.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

class AdminCli : public ::testing::Test {
 protected:
  RunResult run(std::vector<std::string> args) {
    args.insert(args.end(), {"--db", db_});
    return run_ventanilla(args);
  }

  // The binary with `input` on its standard input (a pipe, as a provisioning script gives it).
  RunResult run_with_input(const std::string& input, std::vector<std::string> args) {
    SpawnOptions spawn;
    // sh -c SCRIPT $0 $1 ARGS...: $0 is the binary, $1 the input, the rest the verb's arguments.
    spawn.args = {"-c", "input=$1; shift; printf '%s\\n' \"$input\" | \"$0\" \"$@\"",
                  VENTANILLA_BINARY, input};
    spawn.args.insert(spawn.args.end(), args.begin(), args.end());
    spawn.args.insert(spawn.args.end(), {"--db", db_});
    spawn.capture_stdout = true;
    spawn.capture_stderr = true;
    auto child = ChildProcess::spawn("/bin/sh", spawn);
    RunResult r;
    for (const auto& l : child.out().read_lines_until_eof(std::chrono::seconds(20)))
      r.out += l + "\n";
    for (const auto& l : child.err().read_lines_until_eof(std::chrono::seconds(2)))
      r.err += l + "\n";
    auto status = child.wait_for(std::chrono::seconds(20));
    r.status = status ? *status : child.kill_and_wait();
    return r;
  }

  // Runs `statement` on its own connection, as someone with the file would; "" or SQLite's error.
  std::string sql(const std::string& statement) {
    sqlite3* db = nullptr;
    if (sqlite3_open(db_.c_str(), &db) != SQLITE_OK) return "cannot open";
    char* error = nullptr;
    sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    return message;
  }

  TempDir dir_{"admin-cli"};
  std::string db_ = dir_.file("v.db");
};

TEST_F(AdminCli, TokensAreMadeListedRevokedAndEveryChangeIsAudited) {
  const auto made = run({"token", "create", "--name", "ops laptop", "--role", "admin", "--json"});
  ASSERT_TRUE(made.status.success()) << made.err;
  const auto token = boost::json::parse(made.out).as_object();
  const std::string secret(token.at("token").as_string());
  EXPECT_TRUE(secret.starts_with("vta_"));
  EXPECT_EQ(secret.size(), 47u);

  const auto second =
      run({"token", "create", "--name", "weblate", "--role", "editor", "--expires-days", "30"});
  ASSERT_TRUE(second.status.success()) << second.err;
  EXPECT_NE(second.err.find("shown only now"), std::string::npos);

  const auto listed = run({"token", "list", "--json"});
  ASSERT_TRUE(listed.status.success()) << listed.err;
  const auto items = boost::json::parse(listed.out).as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(listed.out.find(secret), std::string::npos);  // never shown again
  EXPECT_EQ(items[0].as_object().at("name").as_string(), "weblate");
  EXPECT_FALSE(items[0].as_object().at("expires_ms").is_null());

  EXPECT_TRUE(run({"token", "revoke", "1"}).status.success());
  const auto again = run({"token", "revoke", "1"});
  EXPECT_EQ(again.status.code, 1);
  EXPECT_NE(again.err.find("already revoked"), std::string::npos);

  const auto verified = run({"audit", "verify", "--json"});
  ASSERT_TRUE(verified.status.success()) << verified.err;
  const auto report = boost::json::parse(verified.out).as_object();
  EXPECT_TRUE(report.at("ok").as_bool());
  EXPECT_EQ(report.at("rows").as_int64(), 3);  // two creates, one revoke
}

TEST_F(AdminCli, ConsoleAccountsTakeTheirPasswordFromStandardInput) {
  const auto added =
      run_with_input("a very good password", {"user", "add", "ana", "--role", "admin"});
  ASSERT_TRUE(added.status.success()) << added.err;
  EXPECT_EQ(added.out, "added ana (role admin)\n");
  const auto weak = run_with_input("short", {"user", "add", "bob", "--role", "editor"});
  EXPECT_EQ(weak.status.code, 2);
  EXPECT_NE(weak.err.find("password: must have at least 12 characters"), std::string::npos);
  const auto taken =
      run_with_input("another good password", {"user", "add", "ana", "--role", "viewer"});
  EXPECT_EQ(taken.status.code, 1);
  EXPECT_NE(taken.err.find("username: already taken"), std::string::npos);
  const auto last = run({"user", "disable", "ana"});
  EXPECT_EQ(last.status.code, 1);
  EXPECT_NE(last.err.find("would leave no enabled admin"), std::string::npos);
  ASSERT_TRUE(run_with_input("yet another password", {"user", "passwd", "ana"}).status.success());

  const auto listed = run({"user", "list"});
  ASSERT_TRUE(listed.status.success());
  EXPECT_NE(listed.out.find("ana"), std::string::npos);
  EXPECT_EQ(listed.out.find("argon2"), std::string::npos);
  const auto verified = run({"audit", "verify", "--json"});
  EXPECT_EQ(boost::json::parse(verified.out).at("rows").as_int64(), 2);  // add, passwd
}

TEST_F(AdminCli, BadUsageExitsTwoNamingTheProblem) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"token"}, "expected create, list or revoke"},
      {{"token", "mint"}, "unknown action 'mint'"},
      {{"token", "create", "--role", "admin"}, "--name is required"},
      {{"token", "create", "--name", "x"}, "--role is required"},
      {{"token", "create", "--name", "x", "--role", "root"}, "--role: must be viewer"},
      {{"token", "create", "--name", "x", "--role", "viewer", "--expires-days", "0"},
       "--expires-days"},
      {{"token", "revoke", "abc"}, "revoke: ID must be"},
      {{"audit"}, "expected: audit verify"},
      {{"user"}, "expected add, list"},
      {{"user", "add", "x"}, "--role is required"},
      {{"user", "role", "x"}, "role needs --role"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.size() > 1 ? c.args[1] : c.args[0]);
    const auto r = run(c.args);
    EXPECT_EQ(r.status.code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

TEST_F(AdminCli, AuditVerifyFindsATamperedRowAndNamesIt) {
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(run({"token", "create", "--name", name, "--role", "viewer"}).status.success());
  }
  EXPECT_EQ(sql("UPDATE audit_log SET actor = 'cli:eve' WHERE seq = 2"),
            "audit_log is append-only");
  EXPECT_EQ(sql("DELETE FROM audit_log WHERE seq = 3"), "audit_log is append-only");
  ASSERT_TRUE(run({"audit", "verify"}).status.success());

  // Someone with the file drops the guard and rewrites history.
  ASSERT_EQ(sql("DROP TRIGGER audit_log_no_update; "
                "UPDATE audit_log SET actor = 'cli:eve' WHERE seq = 2"),
            "");
  const auto r = run({"audit", "verify"});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("row 2: row_sha256 does not match its fields (1 rows before it hold)"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ventanilla::test
