#include "admin/staff_service.hpp"

#include "admin/api_token.hpp"
#include "admin/authentication.hpp"
#include "admin/password.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::admin {

namespace {

// What a staff row's audit hashes cover; the password hash is left out on purpose (a change of
// password shows as an update with equal before/after hashes plus the action name).
std::string staff_state(const storage::StaffRow& s) {
  return std::to_string(s.id) + "|" + s.username + "|" + s.role + "|" +
         (s.disabled_ms ? "disabled" : "enabled");
}

std::int64_t enabled_admins(storage::Database& db) {
  std::int64_t n = 0;
  for (const auto& s : storage::list_staff(db)) {
    n += s.role == to_string(Role::kAdmin) && !s.disabled_ms ? 1 : 0;
  }
  return n;
}

}  // namespace

std::optional<std::string> username_problem(std::string_view username) {
  if (username.size() < 2 || username.size() > 32) return "must have 2 to 32 characters";
  for (const char c : username) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return "may hold only a-z, 0-9, '.', '_' and '-'";
  }
  return std::nullopt;
}

Result<storage::StaffRow> create_staff(storage::Database& db, std::string_view username,
                                       std::string_view password, Role role,
                                       storage::AuditEntry audit) {
  if (auto problem = username_problem(username)) {
    return make_error(ErrorCode::kInvalidArgument, "username", *problem);
  }
  if (auto problem = password_problem(password)) {
    return make_error(ErrorCode::kInvalidArgument, "password", *problem);
  }
  const std::string hash = hash_password(password);  // slow: before the write lock is taken
  storage::Transaction tx(db);
  const auto id = storage::insert_staff(db, username, hash, to_string(role), audit.at_ms);
  if (!id) return make_error(ErrorCode::kAlreadyExists, "username", "already taken");
  auto row = storage::find_staff(db, *id);
  audit.action = "user.create";
  audit.target = "staff:" + std::string(username);
  audit.before_sha256.clear();
  audit.after_sha256 = storage::sha256_hex(staff_state(*row));
  storage::append_audit(db, audit);
  tx.commit();
  return std::move(*row);
}

Result<storage::StaffRow> change_staff(storage::Database& db, std::string_view username,
                                       const StaffChange& change, storage::AuditEntry audit) {
  if (change.password) {
    if (auto problem = password_problem(*change.password)) {
      return make_error(ErrorCode::kInvalidArgument, "password", *problem);
    }
  }
  const std::optional<std::string> hash =
      change.password ? std::optional<std::string>(hash_password(*change.password)) : std::nullopt;
  storage::Transaction tx(db);
  const auto before = storage::find_staff(db, username);
  if (!before) return make_error(ErrorCode::kNotFound, "username", "no such account");
  if (change.role) storage::set_staff_role(db, before->id, to_string(*change.role));
  if (hash) storage::set_staff_password(db, before->id, *hash);
  if (change.disabled) {
    storage::set_staff_disabled(
        db, before->id, *change.disabled ? std::optional<std::int64_t>(audit.at_ms) : std::nullopt);
  }
  if (before->role == to_string(Role::kAdmin) && !before->disabled_ms && enabled_admins(db) == 0) {
    // Rolled back with the transaction: someone must remain who can manage accounts.
    return make_error(ErrorCode::kOutOfRange, change.role ? "role" : "disabled",
                      "would leave no enabled admin");
  }
  // A new password or a lower role ends the account's sessions, so they take effect now.
  if (hash || change.role) storage::delete_console_sessions_of(db, before->id);
  auto after = storage::find_staff(db, before->id);
  audit.action = hash && !change.role && !change.disabled ? "user.password" : "user.update";
  audit.target = "staff:" + before->username;
  audit.before_sha256 = storage::sha256_hex(staff_state(*before));
  audit.after_sha256 = storage::sha256_hex(staff_state(*after));
  storage::append_audit(db, audit);
  tx.commit();
  return std::move(*after);
}

Login log_in(storage::Database& db, std::string_view username, std::string_view password,
             std::int64_t now_ms) {
  Login login;
  const auto staff = storage::find_staff(db, username);
  if (!staff) {
    verify_password(decoy_password_hash(), password);
    return login;
  }
  if (staff->blocked_until_ms > now_ms) {
    login.outcome = Login::Outcome::kThrottled;
    login.retry_after_ms = staff->blocked_until_ms - now_ms;
    return login;
  }
  const bool ok = verify_password(staff->password_hash, password);
  storage::Transaction tx(db);
  if (!ok) {
    storage::record_failed_login(db, staff->id, now_ms);
    tx.commit();
    return login;
  }
  if (staff->disabled_ms) return login;
  storage::record_login(db, staff->id, now_ms);
  login.session_cookie = random_secret();
  login.csrf_token = random_secret();
  storage::insert_console_session(db, storage::sha256_hex(login.session_cookie), staff->id,
                                  login.csrf_token, now_ms, now_ms + kSessionIdleMs);
  storage::purge_console_sessions(db, now_ms);
  tx.commit();
  login.outcome = Login::Outcome::kOk;
  login.staff = staff;
  return login;
}

}  // namespace ventanilla::admin
