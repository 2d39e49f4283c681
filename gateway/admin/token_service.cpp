#include "admin/token_service.hpp"

#include "admin/api_token.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::admin {

namespace {

// What a token's audit hashes cover: its identity and state, never its digest.
std::string token_state(const storage::ApiTokenRow& t) {
  return std::to_string(t.id) + "|" + t.name + "|" + t.role + "|" +
         (t.expires_ms ? std::to_string(*t.expires_ms) : "") + "|" +
         (t.revoked_ms ? std::to_string(*t.revoked_ms) : "");
}

}  // namespace

CreatedToken create_token(storage::Database& db, std::string_view name, Role role,
                          std::optional<std::int64_t> expires_ms, storage::AuditEntry audit) {
  const NewApiToken token = generate_api_token();
  storage::Transaction tx(db);
  const std::int64_t id = storage::insert_api_token(
      db, {token.sha256, token.hint, name, to_string(role), audit.at_ms, audit.actor, expires_ms});
  auto row = storage::find_api_token(db, id);
  audit.action = "token.create";
  audit.target = "token:" + std::to_string(id);
  audit.before_sha256.clear();
  audit.after_sha256 = storage::sha256_hex(token_state(*row));
  storage::append_audit(db, audit);
  tx.commit();
  return {std::move(*row), token.token};
}

RevokeResult revoke_token(storage::Database& db, std::int64_t id, storage::AuditEntry audit) {
  storage::Transaction tx(db);
  const auto before = storage::find_api_token(db, id);
  if (!before) return {RevokeOutcome::kNotFound, std::nullopt};
  if (!storage::revoke_api_token(db, id, audit.at_ms)) {
    return {RevokeOutcome::kAlreadyRevoked, before};
  }
  auto after = storage::find_api_token(db, id);
  audit.action = "token.revoke";
  audit.target = "token:" + std::to_string(id);
  audit.before_sha256 = storage::sha256_hex(token_state(*before));
  audit.after_sha256 = storage::sha256_hex(token_state(*after));
  storage::append_audit(db, audit);
  tx.commit();
  return {RevokeOutcome::kRevoked, std::move(after)};
}

boost::json::object token_json(const storage::ApiTokenRow& t, std::int64_t now_ms) {
  boost::json::object o;
  o["id"] = t.id;
  o["hint"] = t.hint;
  o["name"] = t.name;
  o["role"] = t.role;
  o["created_ms"] = t.created_ms;
  o["created_by"] = t.created_by;
  o["expires_ms"] = t.expires_ms ? boost::json::value(*t.expires_ms) : nullptr;
  o["revoked_ms"] = t.revoked_ms ? boost::json::value(*t.revoked_ms) : nullptr;
  o["last_used_ms"] = t.last_used_ms ? boost::json::value(*t.last_used_ms) : nullptr;
  o["active"] = t.active(now_ms);
  return o;
}

}  // namespace ventanilla::admin
