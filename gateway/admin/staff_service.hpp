#pragma once
// Console accounts: creating and changing them, with their audit rows, for both the admin API
// and the `ventanilla user` verb; and logging in. Usernames are 2–32 of [a-z0-9._-]: they appear
// in the audit log as "staff:<name>", so they must be plain.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admin/role.hpp"
#include "common/error.hpp"
#include "storage/audit_store.hpp"
#include "storage/database.hpp"
#include "storage/staff_store.hpp"

namespace ventanilla::admin {

std::optional<std::string> username_problem(std::string_view username);

// Errors (where = the field): username (bad or taken: kAlreadyExists), password (too weak).
// `audit` carries who, when and the request id.
Result<storage::StaffRow> create_staff(storage::Database& db, std::string_view username,
                                       std::string_view password, Role role,
                                       storage::AuditEntry audit);

struct StaffChange {
  std::optional<Role> role;
  std::optional<std::string> password;
  std::optional<bool> disabled;
};
// Errors: kNotFound (username), kInvalidArgument (password), kOutOfRange when the change would
// leave no enabled admin (where = "role" or "disabled").
Result<storage::StaffRow> change_staff(storage::Database& db, std::string_view username,
                                       const StaffChange& change, storage::AuditEntry audit);

struct Login {
  enum class Outcome { kOk, kRefused, kThrottled } outcome = Outcome::kRefused;
  std::optional<storage::StaffRow> staff;  // kOk
  std::string session_cookie;              // kOk: the cookie's value (shown once)
  std::string csrf_token;                  // kOk
  std::int64_t retry_after_ms = 0;         // kThrottled
};
// Unknown user, wrong password and disabled account are all kRefused, and take about the same
// time (a decoy hash is verified for unknown users).
Login log_in(storage::Database& db, std::string_view username, std::string_view password,
             std::int64_t now_ms);

}  // namespace ventanilla::admin
