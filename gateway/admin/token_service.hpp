#pragma once
// Making and revoking API tokens, with their audit rows, for both the admin API and the
// `ventanilla token` verb: one transaction each, so a token never exists without its audit row.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admin/role.hpp"
#include "storage/api_token_store.hpp"
#include "storage/audit_store.hpp"

namespace ventanilla::admin {

struct CreatedToken {
  storage::ApiTokenRow row;
  std::string token;  // shown once
};

// `audit` carries who, when and the request id; action, target and hashes are filled here.
CreatedToken create_token(storage::Database& db, std::string_view name, Role role,
                          std::optional<std::int64_t> expires_ms, storage::AuditEntry audit);

enum class RevokeOutcome { kRevoked, kNotFound, kAlreadyRevoked };
struct RevokeResult {
  RevokeOutcome outcome = RevokeOutcome::kNotFound;
  std::optional<storage::ApiTokenRow> row;  // after revoking
};
RevokeResult revoke_token(storage::Database& db, std::int64_t id, storage::AuditEntry audit);

// The listing form of a token (never the token or its digest).
boost::json::object token_json(const storage::ApiTokenRow& t, std::int64_t now_ms);

}  // namespace ventanilla::admin
