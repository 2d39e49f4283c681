#pragma once
// Console accounts and their sessions (tables staff and console_sessions,
// data/schema/0009_admin.sql). Passwords arrive here already hashed (admin/password.hpp) and
// session ids as SHA-256 digests: nothing stored here can be replayed as a credential.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct StaffRow {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string role;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> disabled_ms;
  std::int64_t failed_logins = 0;
  std::int64_t blocked_until_ms = 0;
  std::optional<std::int64_t> last_login_ms;
};

// kAlreadyExists-like outcome: nullopt when the username is taken.
std::optional<std::int64_t> insert_staff(Database& db, std::string_view username,
                                         std::string_view password_hash, std::string_view role,
                                         std::int64_t now_ms);
std::optional<StaffRow> find_staff(Database& db, std::string_view username);
std::optional<StaffRow> find_staff(Database& db, std::int64_t id);
std::vector<StaffRow> list_staff(Database& db);

// A failed login: one more failure, and from the fifth on a pause that doubles each time
// (1 s, 2 s, 4 s ... capped at 15 minutes) — slows guessing to a crawl, but never locks the
// owner out for good. Returns blocked_until_ms.
std::int64_t record_failed_login(Database& db, std::int64_t id, std::int64_t now_ms);
void record_login(Database& db, std::int64_t id, std::int64_t now_ms);

void set_staff_role(Database& db, std::int64_t id, std::string_view role);
void set_staff_password(Database& db, std::int64_t id, std::string_view password_hash);
// Disabling also ends every session of the account.
void set_staff_disabled(Database& db, std::int64_t id, std::optional<std::int64_t> disabled_ms);

struct ConsoleSessionRow {
  std::int64_t staff_id = 0;
  std::string csrf_token;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
};

void insert_console_session(Database& db, std::string_view id_sha256, std::int64_t staff_id,
                            std::string_view csrf_token, std::int64_t now_ms,
                            std::int64_t expires_ms);
std::optional<ConsoleSessionRow> find_console_session(Database& db, std::string_view id_sha256);
// Moves expires_ms to min(now + idle, created + lifetime); only when it moves by a minute or more.
void extend_console_session(Database& db, std::string_view id_sha256, std::int64_t expires_ms,
                            std::int64_t now_ms);
void delete_console_session(Database& db, std::string_view id_sha256);
void delete_console_sessions_of(Database& db, std::int64_t staff_id);
// Expired sessions; returns how many were deleted.
std::int64_t purge_console_sessions(Database& db, std::int64_t now_ms);

}  // namespace ventanilla::storage
