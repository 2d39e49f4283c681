#pragma once
// USSD sessions, inbound replay protection, per-subscriber settings and the SMS outbox in SQLite
// (tables from data/schema/0003_sessions.sql).
//
// Why plain functions on a Database: a USSD hop reads its session, steps the dialog and writes the
// session, the stored reply and maybe an outbox row, all inside ONE StorageWriter job, so they
// commit together before the reply goes out. The reads run in that job too, on the write
// connection, so they see the job's own earlier writes and no other writer can interleave.
//
// Thread: the thread that owns `db` — inside a StorageWriter job (the writer thread), or any
// single connection used by one thread (CLI verbs, tests). Statements come from Database::cached(),
// so a connection must not run two of these functions at once.
//
// Errors: every function lets SqliteError propagate (busy, disk full, I/O error, a CHECK or NOT
// NULL violation). Inside a writer job that rolls back the job's savepoint and the writer hands
// the job's completion an Error (to_error()); elsewhere the caller catches it. The functions never
// open a transaction: the caller (or the writer) owns it, so several calls commit together.
//
// Times are unix epoch milliseconds, supplied by the caller (the storage layer has no clock, so
// tests and replays are deterministic). The database must be at schema version >= 3.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace ventanilla::storage {

struct StoredSession {
  std::string carrier;        // route kind, e.g. "at-ussd"
  std::string session_key;    // carrier's session id
  std::string subscriber;     // SubscriberId::value() (64 hex)
  std::string state;          // serialized dialog state (opaque here)
  std::int64_t consumed = 0;  // input tokens consumed so far
  std::int64_t created_ms = 0, updated_ms = 0, expires_ms = 0;  // unix epoch ms
  bool ended = false;
};

// The session stored under (carrier, session_key), whatever its expiry or `ended`: the caller
// decides what an expired or ended session means for the hop. nullopt when none is stored.
std::optional<StoredSession> load_session(Database& db, std::string_view carrier,
                                          std::string_view session_key);

// Inserts the session, or replaces every field of the one stored under (carrier, session_key)
// (created_ms included: the caller carries it over from load_session).
void save_session(Database& db, const StoredSession& session);

// Newest session of `subscriber` not ended, updated at or after since_ms, other than (carrier,
// session_key). Expired sessions qualify on purpose: a dropped USSD session expires after 180 s
// but may be resumed within the resume window, so the caller passes since_ms = now - window.
// Ties on updated_ms go to the newest created_ms, then the greatest (carrier, session_key), so the
// answer does not depend on storage order.
std::optional<StoredSession> find_resumable_session(Database& db, std::string_view subscriber,
                                                    std::int64_t since_ms,
                                                    std::string_view except_carrier,
                                                    std::string_view except_session_key);

// Marks the session ended (it can no longer be resumed); other fields are unchanged. No-op when
// no such session is stored.
void end_session(Database& db, std::string_view carrier, std::string_view session_key);

// The reply stored for (carrier, dedupe_key) unless it has expired: a row is live while
// now_ms <= expires_ms (the same boundary purge_expired() uses), so a replay at exactly expires_ms
// still gets the stored reply.
std::optional<std::string> find_stored_reply(Database& db, std::string_view carrier,
                                             std::string_view dedupe_key, std::int64_t now_ms);

// Stores `reply` for (carrier, dedupe_key), live until expires_ms. A second store of a live key
// keeps the FIRST reply: the reply a carrier saw first is the one replayed (two racing copies of a
// hop must not end up with different stored answers). A key whose row has expired but is not yet
// purged is treated as absent and overwritten, so find_stored_reply() agrees with what was stored.
void store_reply(Database& db, std::string_view carrier, std::string_view dedupe_key,
                 std::string_view reply, std::int64_t now_ms, std::int64_t expires_ms);

struct SubscriberSettings {
  std::optional<std::string> language;  // nullopt: never chosen
  bool opted_out = false;
};

// The subscriber's settings; the defaults ({nullopt, false}) when nothing was ever stored.
SubscriberSettings load_subscriber(Database& db, std::string_view subscriber);

// Sets the subscriber's language, keeping opted_out (creating the row when missing).
void remember_language(Database& db, std::string_view subscriber, std::string_view language,
                       std::int64_t now_ms);

// Sets opted_out, keeping the language (creating the row when missing).
void set_opted_out(Database& db, std::string_view subscriber, bool opted_out, std::int64_t now_ms);

struct OutboxMessage {
  std::string idempotency_key;     // same key = same message (a replayed hop must not send twice)
  std::string subscriber;          // SubscriberId::value()
  std::string destination_sealed;  // bytes (may contain NUL), sealed by the privacy component
  std::string body;
  std::string route;
  std::int64_t now_ms = 0;  // created_ms, updated_ms and next_attempt_ms (send as soon as possible)
  // "channel|country|language|service" of the conversation (usage_store.hpp), counted when sent.
  std::string usage_dims;
};

// Queues `message` with status 'queued' and no attempts.
// Returns true when queued, false when a message with this idempotency key already exists (replay:
// nothing queued, the existing row is untouched).
bool enqueue_sms(Database& db, const OutboxMessage& message);

struct PurgeReport {
  std::int64_t sessions = 0, replies = 0;  // rows deleted
};

// Deletes sessions whose updated_ms < now_ms - keep_sessions_ms (past expiry AND past the resume
// window: the caller passes the max of both) and inbound_seen rows with expires_ms < now_ms.
// Rows exactly at either limit are kept. The outbox and subscribers are not touched.
PurgeReport purge_expired(Database& db, std::int64_t now_ms, std::int64_t keep_sessions_ms);

// Concatenated SMS parts (sms_parts): stores one part (a repeated part is ignored) and returns
// the whole text once every part of (route, subscriber, ref) is there — deleting the parts — or
// nullopt while some are missing.
std::optional<std::string> add_sms_part(Database& db, std::string_view route,
                                        std::string_view subscriber, std::string_view ref,
                                        std::uint32_t part, std::uint32_t total,
                                        std::string_view text, std::int64_t now_ms);

// "BORRAR"/"DELETE": removes everything stored under `subscriber` — sessions, settings (language,
// opt-out) and messages not yet sent. Stored replies are keyed by carrier message ids, not by
// subscriber, and expire on their own. Returns the rows deleted.
std::int64_t erase_subscriber(Database& db, std::string_view subscriber);

}  // namespace ventanilla::storage
