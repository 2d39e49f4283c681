#pragma once
// Admin API tokens (table api_tokens, data/schema/0009_admin.sql). Only SHA-256 digests of tokens
// are stored; see admin/api_token.hpp for the token itself.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct ApiTokenRow {
  std::int64_t id = 0;
  std::string hint;
  std::string name;
  std::string role;
  std::int64_t created_ms = 0;
  std::string created_by;
  std::optional<std::int64_t> expires_ms;
  std::optional<std::int64_t> revoked_ms;
  std::optional<std::int64_t> last_used_ms;

  // Usable at `now_ms`: neither revoked nor expired.
  bool active(std::int64_t now_ms) const noexcept {
    return !revoked_ms && (!expires_ms || now_ms < *expires_ms);
  }
};

struct NewApiTokenRow {
  std::string_view sha256;
  std::string_view hint;
  std::string_view name;
  std::string_view role;
  std::int64_t created_ms = 0;
  std::string_view created_by;
  std::optional<std::int64_t> expires_ms;
};

// Returns the new row's id.
std::int64_t insert_api_token(Database& db, const NewApiTokenRow& row);

// The token with this digest, active or not.
std::optional<ApiTokenRow> find_api_token(Database& db, std::string_view sha256);
std::optional<ApiTokenRow> find_api_token(Database& db, std::int64_t id);

// Every token, newest first.
std::vector<ApiTokenRow> list_api_tokens(Database& db);

// Sets revoked_ms unless already revoked; false when no such token or already revoked.
bool revoke_api_token(Database& db, std::int64_t id, std::int64_t now_ms);

// Records use. Called at most once a minute per token, so reads do not turn into a write each.
void touch_api_token(Database& db, std::int64_t id, std::int64_t now_ms);

}  // namespace ventanilla::storage
