#pragma once
// The admin audit log (table audit_log, data/schema/0009_admin.sql): one append-only row per
// staff mutation, chained by SHA-256 so that editing, deleting, inserting or reordering rows is
// detected by verify_audit_chain — as long as the head hash is known from elsewhere (the server
// logs it with every append, and `ventanilla audit verify` prints it for the operator to keep).
//
// Row hash: SHA-256 over the fields below, each as a 8-byte big-endian length then its bytes, in
// this order: seq (decimal), at_ms (decimal), actor, role, action, target, before_sha256,
// after_sha256, request_id, prev_sha256. Length prefixes make the encoding unambiguous ("ab","c"
// and "a","bc" hash differently). The first row's prev_sha256 is 64 zeros.
//
// Thread: the thread that owns `db`. Throws SqliteError.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

// What a mutation records. No migrant data: actors are staff or tokens, targets are content,
// hubs, tokens and accounts; before/after are hashes of the states, not the states.
struct AuditEntry {
  std::int64_t at_ms = 0;
  std::string actor;
  std::string role;
  std::string action;
  std::string target;
  std::string before_sha256;
  std::string after_sha256;
  std::string request_id;
};

struct AuditRow {
  std::int64_t seq = 0;
  AuditEntry entry;
  std::string prev_sha256;
  std::string row_sha256;
};

inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lowercase hex SHA-256 of `bytes`: the digest every before/after hash uses.
std::string sha256_hex(std::string_view bytes);

// The row hash as defined above.
std::string audit_row_sha256(std::int64_t seq, const AuditEntry& entry,
                             std::string_view prev_sha256);

// Appends one row; run it inside the transaction that makes the change it records, so the two
// commit or roll back together.
AuditRow append_audit(Database& db, const AuditEntry& entry);

// Rows with seq > after_seq, oldest first, at most `limit`.
std::vector<AuditRow> list_audit(Database& db, std::int64_t after_seq, std::size_t limit);

struct AuditChainReport {
  std::int64_t rows = 0;
  std::string head_sha256{kAuditGenesis};  // row_sha256 of the last row read
  // The first row that does not hold, and why: "row_sha256 does not match its fields",
  // "prev_sha256 does not match row 4", "seq 5 missing (gap after 4)".
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;
  bool ok() const noexcept { return !first_bad_seq; }
};

// Walks the whole chain from the first row.
AuditChainReport verify_audit_chain(Database& db);

}  // namespace ventanilla::storage
