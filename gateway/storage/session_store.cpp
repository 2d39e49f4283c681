#include "storage/session_store.hpp"

#include <span>

namespace ventanilla::storage {

namespace {

constexpr std::string_view kSelectSession =
    "SELECT carrier, session_key, subscriber, state, consumed, created_ms, updated_ms, "
    "expires_ms, ended FROM sessions WHERE carrier = ?1 AND session_key = ?2";

// An upsert rather than INSERT OR REPLACE: REPLACE also swallows NOT NULL failures by deleting
// rows, and a delete+insert is more work than an in-place update.
constexpr std::string_view kUpsertSession =
    "INSERT INTO sessions (carrier, session_key, subscriber, state, consumed, created_ms, "
    "updated_ms, expires_ms, ended) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (carrier, session_key) DO UPDATE SET subscriber = excluded.subscriber, "
    "state = excluded.state, consumed = excluded.consumed, created_ms = excluded.created_ms, "
    "updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms, ended = excluded.ended";

// Served by sessions_by_subscriber: equality on subscriber, range and order on updated_ms.
constexpr std::string_view kSelectResumable =
    "SELECT carrier, session_key, subscriber, state, consumed, created_ms, updated_ms, "
    "expires_ms, ended FROM sessions "
    "WHERE subscriber = ?1 AND updated_ms >= ?2 AND ended = 0 "
    "AND NOT (carrier = ?3 AND session_key = ?4) "
    "ORDER BY updated_ms DESC, created_ms DESC, carrier DESC, session_key DESC LIMIT 1";

constexpr std::string_view kEndSession =
    "UPDATE sessions SET ended = 1 WHERE carrier = ?1 AND session_key = ?2";

constexpr std::string_view kSelectReply =
    "SELECT reply FROM inbound_seen "
    "WHERE carrier = ?1 AND dedupe_key = ?2 AND expires_ms >= ?3";

// ON CONFLICT on the key only (not INSERT OR IGNORE, which would also silently drop a row that
// breaks NOT NULL): a live row keeps its first reply; an expired row that purge has not reached
// yet is overwritten, since find_stored_reply() already treats it as absent.
constexpr std::string_view kInsertReply =
    "INSERT INTO inbound_seen (carrier, dedupe_key, reply, created_ms, expires_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (carrier, dedupe_key) DO UPDATE SET reply = excluded.reply, "
    "created_ms = excluded.created_ms, expires_ms = excluded.expires_ms "
    "WHERE inbound_seen.expires_ms < excluded.created_ms";

constexpr std::string_view kSelectSubscriber =
    "SELECT language, opted_out FROM subscribers WHERE subscriber = ?1";

constexpr std::string_view kUpsertLanguage =
    "INSERT INTO subscribers (subscriber, language, updated_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (subscriber) DO UPDATE SET language = excluded.language, "
    "updated_ms = excluded.updated_ms";

constexpr std::string_view kUpsertOptedOut =
    "INSERT INTO subscribers (subscriber, opted_out, opted_out_ms, updated_ms) "
    "VALUES (?1, ?2, CASE WHEN ?2 THEN ?3 END, ?3) "
    "ON CONFLICT (subscriber) DO UPDATE SET opted_out = excluded.opted_out, "
    "opted_out_ms = excluded.opted_out_ms, updated_ms = excluded.updated_ms";

// DO NOTHING on the idempotency key only, for the same reason as kInsertReply; status and attempts
// take their defaults ('queued', 0).
constexpr std::string_view kInsertOutbox =
    "INSERT INTO outbox (idempotency_key, subscriber, destination_sealed, body, route, "
    "next_attempt_ms, created_ms, updated_ms, usage_dims) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, "
    "?7) "
    "ON CONFLICT (idempotency_key) DO NOTHING";

constexpr std::string_view kPurgeSessions = "DELETE FROM sessions WHERE updated_ms < ?1";
constexpr std::string_view kPurgeReplies = "DELETE FROM inbound_seen WHERE expires_ms < ?1";

// Reads a row selected with the columns of kSelectSession, in that order.
StoredSession read_session(const Statement& row) {
  StoredSession s;
  s.carrier = row.column_text(0);
  s.session_key = row.column_text(1);
  s.subscriber = row.column_text(2);
  s.state = row.column_text(3);
  s.consumed = row.column_int64(4);
  s.created_ms = row.column_int64(5);
  s.updated_ms = row.column_int64(6);
  s.expires_ms = row.column_int64(7);
  s.ended = row.column_int64(8) != 0;
  return s;
}

}  // namespace

std::optional<StoredSession> load_session(Database& db, std::string_view carrier,
                                          std::string_view session_key) {
  auto select = db.cached(kSelectSession);
  select->bind_all(carrier, session_key);
  if (!select->step()) return std::nullopt;
  return read_session(*select);
}

void save_session(Database& db, const StoredSession& session) {
  auto upsert = db.cached(kUpsertSession);
  upsert->bind_all(session.carrier, session.session_key, session.subscriber, session.state,
                   session.consumed, session.created_ms, session.updated_ms, session.expires_ms,
                   session.ended);
  upsert->run();
}

std::optional<StoredSession> find_resumable_session(Database& db, std::string_view subscriber,
                                                    std::int64_t since_ms,
                                                    std::string_view except_carrier,
                                                    std::string_view except_session_key) {
  auto select = db.cached(kSelectResumable);
  select->bind_all(subscriber, since_ms, except_carrier, except_session_key);
  if (!select->step()) return std::nullopt;
  return read_session(*select);
}

void end_session(Database& db, std::string_view carrier, std::string_view session_key) {
  auto update = db.cached(kEndSession);
  update->bind_all(carrier, session_key);
  update->run();
}

std::optional<std::string> find_stored_reply(Database& db, std::string_view carrier,
                                             std::string_view dedupe_key, std::int64_t now_ms) {
  auto select = db.cached(kSelectReply);
  select->bind_all(carrier, dedupe_key, now_ms);
  if (!select->step()) return std::nullopt;
  return select->column_text(0);
}

void store_reply(Database& db, std::string_view carrier, std::string_view dedupe_key,
                 std::string_view reply, std::int64_t now_ms, std::int64_t expires_ms) {
  auto insert = db.cached(kInsertReply);
  insert->bind_all(carrier, dedupe_key, reply, now_ms, expires_ms);
  insert->run();
}

SubscriberSettings load_subscriber(Database& db, std::string_view subscriber) {
  auto select = db.cached(kSelectSubscriber);
  select->bind(1, subscriber);
  SubscriberSettings settings;
  if (!select->step()) return settings;
  if (!select->is_null(0)) settings.language = select->column_text(0);
  settings.opted_out = select->column_int64(1) != 0;
  return settings;
}

void remember_language(Database& db, std::string_view subscriber, std::string_view language,
                       std::int64_t now_ms) {
  auto upsert = db.cached(kUpsertLanguage);
  upsert->bind_all(subscriber, language, now_ms);
  upsert->run();
}

void set_opted_out(Database& db, std::string_view subscriber, bool opted_out, std::int64_t now_ms) {
  auto upsert = db.cached(kUpsertOptedOut);
  upsert->bind_all(subscriber, opted_out, now_ms);
  upsert->run();
}

bool enqueue_sms(Database& db, const OutboxMessage& message) {
  const auto sealed = std::as_bytes(
      std::span(message.destination_sealed.data(), message.destination_sealed.size()));
  auto insert = db.cached(kInsertOutbox);
  insert->bind_all(message.idempotency_key, message.subscriber, sealed, message.body, message.route,
                   message.now_ms, std::string_view(message.usage_dims));
  insert->run();
  // changes() is 0 when DO NOTHING fired: the key was already queued.
  return db.changes() == 1;
}

PurgeReport purge_expired(Database& db, std::int64_t now_ms, std::int64_t keep_sessions_ms) {
  PurgeReport report;
  {
    auto purge = db.cached(kPurgeSessions);
    purge->bind(1, now_ms - keep_sessions_ms);
    purge->run();
    report.sessions = db.changes();
  }
  {
    auto purge = db.cached(kPurgeReplies);
    purge->bind(1, now_ms);
    purge->run();
    report.replies = db.changes();
  }
  {
    // Parts of a message whose other parts never came: gone with the sessions of that age.
    auto purge = db.cached("DELETE FROM sms_parts WHERE created_ms < ?1");
    purge->bind(1, now_ms - keep_sessions_ms);
    purge->run();
  }
  return report;
}

std::int64_t erase_subscriber(Database& db, std::string_view subscriber) {
  std::int64_t rows = 0;
  for (const char* sql :
       {"DELETE FROM sessions WHERE subscriber = ?1",
        "DELETE FROM subscribers WHERE subscriber = ?1",
        "DELETE FROM outbox WHERE subscriber = ?1 AND status IN ('queued', 'retry', 'in_doubt')"}) {
    auto stmt = db.cached(sql);
    stmt->bind(1, subscriber);
    stmt->run();
    rows += db.changes();
  }
  return rows;
}

std::optional<std::string> add_sms_part(Database& db, std::string_view route,
                                        std::string_view subscriber, std::string_view ref,
                                        std::uint32_t part, std::uint32_t total,
                                        std::string_view text, std::int64_t now_ms) {
  {
    auto insert = db.cached(
        "INSERT INTO sms_parts(route, subscriber, ref, part, total, text, created_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING");
    insert->bind_all(route, subscriber, ref, part, total, text, now_ms);
    insert->run();
  }
  std::string whole;
  std::uint32_t count = 0;
  {
    auto parts = db.cached(
        "SELECT text FROM sms_parts WHERE route = ?1 AND subscriber = ?2 AND ref = ?3 "
        "AND part <= ?4 ORDER BY part");
    parts->bind_all(route, subscriber, ref, total);
    while (parts->step()) {
      whole += parts->column_text_view(0);
      ++count;
    }
  }
  if (count < total) return std::nullopt;
  auto done = db.cached("DELETE FROM sms_parts WHERE route = ?1 AND subscriber = ?2 AND ref = ?3");
  done->bind_all(route, subscriber, ref);
  done->run();
  return whole;
}

}  // namespace ventanilla::storage
