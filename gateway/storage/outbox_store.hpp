#pragma once
// The SMS outbox as the senders and staff see it (tables from data/schema/0003_sessions.sql and
// 0006_outbox_sending.sql; rows are queued by enqueue_sms() in session_store.hpp, in the same
// transaction as the hop or message that asked for them).
//
// States: queued -> leased -> sent | retry | in_doubt | failed; retry and in_doubt are leased
// again when due. A lease is a promise "someone is sending this until lease_until_ms": a sender
// killed mid-call leaves its rows leased, and recover_expired_leases() turns them into in_doubt
// (resent, flagged). So nothing acknowledged is lost, and the only duplicates are flagged ones.
//
// Privacy: the sealed number is erased (zero-length blob) as soon as a row reaches a final state
// (sent, failed); staff listings never include numbers or texts.
//
// Same conventions as session_store.hpp: plain functions on a Database used by one thread (inside
// a StorageWriter job, or a CLI connection), no transaction opened here, SqliteError propagates,
// times are epoch ms passed in.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace ventanilla::storage {

// The id that travels to the carrier for a row: "v" + 24 hex digits of SHA-256(idempotency_key).
// Short enough for every carrier's reference field (Vonage client-ref: 40), stable across
// attempts, and not reversible to the key.
std::string outbox_reference(std::string_view idempotency_key);

struct LeasedSms {
  std::int64_t id = 0;
  std::string idempotency_key;  // the context the number was sealed with
  std::string reference;        // outbox_reference(idempotency_key)
  std::string subscriber;
  std::string destination_sealed;
  std::string body;
  std::string route;
  std::uint32_t attempts = 0;  // including this one
  bool in_doubt = false;       // an earlier attempt may have reached the carrier
  std::int64_t created_ms = 0;
  std::uint32_t parts_sent = 0;  // of a message sent in parts: those the carrier already took
};

// Takes up to `limit` due rows of `route` (queued, retry or in_doubt with next_attempt_ms <= now),
// oldest due first: each becomes 'leased' until now + lease_ms with attempts + 1. Rows whose
// subscriber opted out after the row was queued end 'failed' ("opted out") instead — a message
// queued after the opt-out is one that person asked for, and is sent.
std::vector<LeasedSms> lease_due(Database& db, std::string_view route, std::int64_t now_ms,
                                 std::int64_t lease_ms, std::size_t limit);

// The outcome of a leased row's attempt. Each acts only on a row still 'leased' (false otherwise:
// staff cancelled it, or a delivery report already settled it). sent and failed erase the number.
bool mark_sent(Database& db, std::int64_t id, std::string_view external_id, std::int64_t now_ms);
bool mark_retry(Database& db, std::int64_t id, std::int64_t next_attempt_ms,
                std::string_view reason, std::int64_t now_ms);
bool mark_in_doubt(Database& db, std::int64_t id, std::int64_t next_attempt_ms,
                   std::string_view reason, std::int64_t now_ms);
bool mark_failed(Database& db, std::int64_t id, std::string_view reason, std::int64_t now_ms);
// One more part of a leased message sent in parts was taken (parts_sent = `parts_sent`).
bool mark_parts_sent(Database& db, std::int64_t id, std::uint32_t parts_sent, std::int64_t now_ms);

// Gives a leased row back untried (a sender stopping with messages it had not yet attempted):
// its attempt is not counted and it is due now, in its earlier state. False if not leased.
bool release_lease(Database& db, std::int64_t id, std::int64_t now_ms);

// Leased rows whose lease ended before now (their sender died mid-call) become in_doubt, due now.
// Returns how many.
std::int64_t recover_expired_leases(Database& db, std::int64_t now_ms);
// Every leased row, whatever its lease: at start-up, when no sender of this process holds any
// (one process writes a database), so every lease belongs to a dead one. Due now, in doubt.
std::int64_t recover_all_leases(Database& db, std::int64_t now_ms);

struct DeliveryUpdate {
  std::string reference;    // ours, when the report carries it ("" if not)
  std::string external_id;  // the carrier's message id ("" if not)
  std::string status;       // accepted, sent, delivered, undelivered, failed
  std::string dedupe_key;   // the same report repeated has the same key
};

enum class DeliveryOutcome { kApplied, kDuplicate, kUnknownMessage };

// Applies one delivery report of `route`'s carrier. A repeat (same dedupe_key) changes nothing.
// delivery_status only moves forward (accepted < sent < delivered/undelivered/failed). A report
// that the carrier has the message (accepted, sent, delivered) settles a row not yet known sent
// (leased, retry, in_doubt) as 'sent': it is not resent. Unknown messages are kept as seen too.
DeliveryOutcome record_delivery(Database& db, std::string_view route, const DeliveryUpdate& update,
                                std::int64_t now_ms);

// ---- staff -------------------------------------------------------------------------------------

struct OutboxRow {
  std::int64_t id = 0;
  std::string reference;  // "" until first leased
  std::string subscriber;
  std::string route;
  std::string status;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string last_error;
  bool in_doubt = false;
  std::string external_id;
  std::string delivery_status;
  std::int64_t created_ms = 0, updated_ms = 0;
};

struct OutboxFilter {
  std::optional<std::string> status;
  std::optional<std::string> route;
  std::size_t limit = 50;
};

// Newest first. No number, no text.
std::vector<OutboxRow> list_outbox(Database& db, const OutboxFilter& filter);

enum class StaffActionResult { kDone, kNotFound, kWrongState, kNumberErased };

// failed, retry or in_doubt -> queued, due now (attempts kept). A row whose number was erased
// (failed rows are final) cannot be sent again: kNumberErased.
StaffActionResult retry_message(Database& db, std::int64_t id, std::int64_t now_ms);
// queued, retry or in_doubt -> failed ("cancelled by staff"), number erased. Leased rows are in a
// carrier call right now: kWrongState (try again once the call ended).
StaffActionResult cancel_message(Database& db, std::int64_t id, std::int64_t now_ms);

struct OutboxCounts {
  std::vector<std::pair<std::string, std::int64_t>> by_status;  // all six statuses, 0 included
  std::int64_t in_doubt_flagged = 0;
  std::int64_t oldest_due_ms = 0;  // next_attempt_ms of the oldest queued/retry/in_doubt row; 0
};
OutboxCounts outbox_counts(Database& db);

// Deletes sent and failed rows, and remembered delivery reports, older than older_than_ms.
std::int64_t purge_finished(Database& db, std::int64_t older_than_ms);

// Ends every message still waiting (queued, retry, in_doubt; not one being sent) that was
// created before created_before_ms: failed, "expired", its sealed number erased. A reply nobody
// could send in days helps no one, and a route without a sender would otherwise keep numbers
// (sealed, but readable with the key) forever. Returns how many.
std::int64_t expire_unsent(Database& db, std::int64_t created_before_ms, std::int64_t now_ms);

}  // namespace ventanilla::storage
