#include "storage/staff_store.hpp"

#include <algorithm>

namespace ventanilla::storage {

namespace {

constexpr std::string_view kColumns =
    "id, username, password_hash, role, created_ms, disabled_ms, failed_logins, "
    "blocked_until_ms, last_login_ms";
constexpr std::int64_t kFreeFailures = 4;
constexpr std::int64_t kMaxPauseMs = 15LL * 60 * 1000;

std::optional<std::int64_t> optional_int(Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  return stmt.column_int64(column);
}

StaffRow read_row(Statement& stmt) {
  StaffRow row;
  row.id = stmt.column_int64(0);
  row.username = stmt.column_text_view(1);
  row.password_hash = stmt.column_text_view(2);
  row.role = stmt.column_text_view(3);
  row.created_ms = stmt.column_int64(4);
  row.disabled_ms = optional_int(stmt, 5);
  row.failed_logins = stmt.column_int64(6);
  row.blocked_until_ms = stmt.column_int64(7);
  row.last_login_ms = optional_int(stmt, 8);
  return row;
}

}  // namespace

std::optional<std::int64_t> insert_staff(Database& db, std::string_view username,
                                         std::string_view password_hash, std::string_view role,
                                         std::int64_t now_ms) {
  auto stmt = db.cached(
      "INSERT INTO staff(username, password_hash, role, created_ms) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(username) DO NOTHING");
  stmt->bind_all(username, password_hash, role, now_ms);
  stmt->run();
  if (db.changes() != 1) return std::nullopt;
  return db.last_insert_rowid();
}

std::optional<StaffRow> find_staff(Database& db, std::string_view username) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) + " FROM staff WHERE username = ?1");
  stmt->bind(1, username);
  if (!stmt->step()) return std::nullopt;
  return read_row(*stmt);
}

std::optional<StaffRow> find_staff(Database& db, std::int64_t id) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) + " FROM staff WHERE id = ?1");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_row(*stmt);
}

std::vector<StaffRow> list_staff(Database& db) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) + " FROM staff ORDER BY username");
  std::vector<StaffRow> rows;
  while (stmt->step()) rows.push_back(read_row(*stmt));
  return rows;
}

std::int64_t record_failed_login(Database& db, std::int64_t id, std::int64_t now_ms) {
  const auto row = find_staff(db, id);
  if (!row) return 0;
  const std::int64_t failures = row->failed_logins + 1;
  std::int64_t blocked_until = 0;
  if (failures > kFreeFailures) {
    const std::int64_t doublings = std::min<std::int64_t>(failures - kFreeFailures - 1, 20);
    blocked_until = now_ms + std::min<std::int64_t>(1000LL << doublings, kMaxPauseMs);
  }
  auto stmt = db.cached("UPDATE staff SET failed_logins = ?2, blocked_until_ms = ?3 WHERE id = ?1");
  stmt->bind_all(id, failures, blocked_until);
  stmt->run();
  return blocked_until;
}

void record_login(Database& db, std::int64_t id, std::int64_t now_ms) {
  auto stmt = db.cached(
      "UPDATE staff SET failed_logins = 0, blocked_until_ms = 0, last_login_ms = ?2 "
      "WHERE id = ?1");
  stmt->bind_all(id, now_ms);
  stmt->run();
}

void set_staff_role(Database& db, std::int64_t id, std::string_view role) {
  auto stmt = db.cached("UPDATE staff SET role = ?2 WHERE id = ?1");
  stmt->bind_all(id, role);
  stmt->run();
}

void set_staff_password(Database& db, std::int64_t id, std::string_view password_hash) {
  auto stmt = db.cached(
      "UPDATE staff SET password_hash = ?2, failed_logins = 0, blocked_until_ms = 0 WHERE id = ?1");
  stmt->bind_all(id, password_hash);
  stmt->run();
}

void set_staff_disabled(Database& db, std::int64_t id, std::optional<std::int64_t> disabled_ms) {
  auto stmt = db.cached("UPDATE staff SET disabled_ms = ?2 WHERE id = ?1");
  stmt->bind_all(id, disabled_ms);
  stmt->run();
  if (disabled_ms) delete_console_sessions_of(db, id);
}

void insert_console_session(Database& db, std::string_view id_sha256, std::int64_t staff_id,
                            std::string_view csrf_token, std::int64_t now_ms,
                            std::int64_t expires_ms) {
  auto stmt = db.cached(
      "INSERT INTO console_sessions(id_sha256, staff_id, csrf_token, created_ms, expires_ms, "
      "last_seen_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?4)");
  stmt->bind_all(id_sha256, staff_id, csrf_token, now_ms, expires_ms);
  stmt->run();
}

std::optional<ConsoleSessionRow> find_console_session(Database& db, std::string_view id_sha256) {
  auto stmt = db.cached(
      "SELECT staff_id, csrf_token, created_ms, expires_ms FROM console_sessions "
      "WHERE id_sha256 = ?1");
  stmt->bind(1, id_sha256);
  if (!stmt->step()) return std::nullopt;
  return ConsoleSessionRow{stmt->column_int64(0), std::string(stmt->column_text_view(1)),
                           stmt->column_int64(2), stmt->column_int64(3)};
}

void extend_console_session(Database& db, std::string_view id_sha256, std::int64_t expires_ms,
                            std::int64_t now_ms) {
  auto stmt = db.cached(
      "UPDATE console_sessions SET expires_ms = ?2, last_seen_ms = ?3 "
      "WHERE id_sha256 = ?1 AND ?2 >= expires_ms + 60000");
  stmt->bind_all(id_sha256, expires_ms, now_ms);
  stmt->run();
}

void delete_console_session(Database& db, std::string_view id_sha256) {
  auto stmt = db.cached("DELETE FROM console_sessions WHERE id_sha256 = ?1");
  stmt->bind(1, id_sha256);
  stmt->run();
}

void delete_console_sessions_of(Database& db, std::int64_t staff_id) {
  auto stmt = db.cached("DELETE FROM console_sessions WHERE staff_id = ?1");
  stmt->bind(1, staff_id);
  stmt->run();
}

std::int64_t purge_console_sessions(Database& db, std::int64_t now_ms) {
  auto stmt = db.cached("DELETE FROM console_sessions WHERE expires_ms <= ?1");
  stmt->bind(1, now_ms);
  stmt->run();
  return db.changes();
}

}  // namespace ventanilla::storage
