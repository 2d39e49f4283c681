#include "storage/api_token_store.hpp"

namespace ventanilla::storage {

namespace {

constexpr std::string_view kColumns =
    "id, hint, name, role, created_ms, created_by, expires_ms, revoked_ms, last_used_ms";

std::optional<std::int64_t> optional_int(Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  return stmt.column_int64(column);
}

ApiTokenRow read_row(Statement& stmt) {
  ApiTokenRow row;
  row.id = stmt.column_int64(0);
  row.hint = stmt.column_text_view(1);
  row.name = stmt.column_text_view(2);
  row.role = stmt.column_text_view(3);
  row.created_ms = stmt.column_int64(4);
  row.created_by = stmt.column_text_view(5);
  row.expires_ms = optional_int(stmt, 6);
  row.revoked_ms = optional_int(stmt, 7);
  row.last_used_ms = optional_int(stmt, 8);
  return row;
}

}  // namespace

std::int64_t insert_api_token(Database& db, const NewApiTokenRow& row) {
  auto stmt = db.cached(
      "INSERT INTO api_tokens(token_sha256, hint, name, role, created_ms, created_by, "
      "expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  stmt->bind_all(row.sha256, row.hint, row.name, row.role, row.created_ms, row.created_by,
                 row.expires_ms);
  stmt->run();
  return db.last_insert_rowid();
}

std::optional<ApiTokenRow> find_api_token(Database& db, std::string_view sha256) {
  auto stmt =
      db.cached("SELECT " + std::string(kColumns) + " FROM api_tokens WHERE token_sha256 = ?1");
  stmt->bind(1, sha256);
  if (!stmt->step()) return std::nullopt;
  return read_row(*stmt);
}

std::optional<ApiTokenRow> find_api_token(Database& db, std::int64_t id) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) + " FROM api_tokens WHERE id = ?1");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_row(*stmt);
}

std::vector<ApiTokenRow> list_api_tokens(Database& db) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) + " FROM api_tokens ORDER BY id DESC");
  std::vector<ApiTokenRow> rows;
  while (stmt->step()) rows.push_back(read_row(*stmt));
  return rows;
}

bool revoke_api_token(Database& db, std::int64_t id, std::int64_t now_ms) {
  auto stmt =
      db.cached("UPDATE api_tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL");
  stmt->bind_all(id, now_ms);
  stmt->run();
  return db.changes() == 1;
}

void touch_api_token(Database& db, std::int64_t id, std::int64_t now_ms) {
  auto stmt = db.cached(
      "UPDATE api_tokens SET last_used_ms = ?2 WHERE id = ?1 AND "
      "(last_used_ms IS NULL OR last_used_ms < ?2 - 60000)");
  stmt->bind_all(id, now_ms);
  stmt->run();
}

}  // namespace ventanilla::storage
