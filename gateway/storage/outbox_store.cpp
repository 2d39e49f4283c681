#include "storage/outbox_store.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstddef>
#include <span>

#include "storage/usage_store.hpp"

namespace ventanilla::storage {

namespace {

constexpr std::string_view kFailOptedOut =
    "UPDATE outbox SET status = 'failed', last_error = 'opted out', destination_sealed = x'', "
    "lease_until_ms = NULL, updated_ms = ?3 "
    "WHERE route = ?1 AND status IN ('queued', 'retry', 'in_doubt') AND next_attempt_ms <= ?2 "
    "AND EXISTS (SELECT 1 FROM subscribers s WHERE s.subscriber = outbox.subscriber "
    "AND s.opted_out = 1 AND s.opted_out_ms > outbox.created_ms)";

constexpr std::string_view kSelectDue =
    "SELECT id, idempotency_key, reference, subscriber, destination_sealed, body, route, "
    "attempts, in_doubt, created_ms, parts_sent FROM outbox "
    "WHERE route = ?1 AND status IN ('queued', 'retry', 'in_doubt') AND next_attempt_ms <= ?2 "
    "ORDER BY next_attempt_ms, id LIMIT ?3";

constexpr std::string_view kLease =
    "UPDATE outbox SET status = 'leased', lease_until_ms = ?2, attempts = attempts + 1, "
    "updated_ms = ?3, reference = ?4 WHERE id = ?1";

constexpr std::string_view kMarkSent =
    "UPDATE outbox SET status = 'sent', external_id = NULLIF(?2, ''), destination_sealed = x'', "
    "lease_until_ms = NULL, sent_ms = ?3, updated_ms = ?3, last_error = NULL "
    "WHERE id = ?1 AND status = 'leased' RETURNING usage_dims";

constexpr std::string_view kMarkRetry =
    "UPDATE outbox SET status = ?5, next_attempt_ms = ?2, last_error = ?3, "
    "in_doubt = MAX(in_doubt, ?6), lease_until_ms = NULL, updated_ms = ?4 "
    "WHERE id = ?1 AND status = 'leased'";

constexpr std::string_view kMarkPartsSent =
    "UPDATE outbox SET parts_sent = ?2, updated_ms = ?3 WHERE id = ?1 AND status = 'leased'";

constexpr std::string_view kMarkFailed =
    "UPDATE outbox SET status = 'failed', last_error = ?2, destination_sealed = x'', "
    "lease_until_ms = NULL, updated_ms = ?3 WHERE id = ?1 AND status = 'leased'";

constexpr std::string_view kReleaseLease =
    "UPDATE outbox SET status = CASE WHEN in_doubt = 1 THEN 'in_doubt' WHEN attempts > 1 THEN "
    "'retry' ELSE 'queued' END, attempts = attempts - 1, lease_until_ms = NULL, "
    "next_attempt_ms = ?2, updated_ms = ?2 WHERE id = ?1 AND status = 'leased'";

constexpr std::string_view kRecoverLeases =
    "UPDATE outbox SET status = 'in_doubt', in_doubt = 1, next_attempt_ms = ?1, "
    "last_error = 'lease expired (in flight at a crash?)', lease_until_ms = NULL, updated_ms = ?1 "
    "WHERE status = 'leased' AND lease_until_ms < ?1";

constexpr std::string_view kRecoverAllLeases =
    "UPDATE outbox SET status = 'in_doubt', in_doubt = 1, next_attempt_ms = ?1, "
    "last_error = 'leased when the last process stopped (in flight at a crash?)', "
    "lease_until_ms = NULL, updated_ms = ?1 WHERE status = 'leased'";

constexpr std::string_view kSeeReport =
    "INSERT INTO delivery_reports_seen (route, dedupe_key, received_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";

constexpr std::string_view kFindByReference =
    "SELECT id, status, delivery_status FROM outbox WHERE reference = ?1";
constexpr std::string_view kFindByExternalId =
    "SELECT id, status, delivery_status FROM outbox WHERE route = ?1 AND external_id = ?2 "
    "ORDER BY id DESC LIMIT 1";

constexpr std::string_view kSetDelivery =
    "UPDATE outbox SET delivery_status = ?2, delivery_ms = ?3, updated_ms = ?3 WHERE id = ?1";

constexpr std::string_view kSettleSent =
    "UPDATE outbox SET status = 'sent', external_id = COALESCE(external_id, NULLIF(?2, '')), "
    "destination_sealed = x'', lease_until_ms = NULL, sent_ms = COALESCE(sent_ms, ?3), "
    "updated_ms = ?3 WHERE id = ?1 AND status IN ('queued', 'leased', 'retry', 'in_doubt')";

constexpr std::string_view kListColumns =
    "SELECT id, COALESCE(reference, ''), subscriber, route, status, attempts, next_attempt_ms, "
    "COALESCE(last_error, ''), in_doubt, COALESCE(external_id, ''), "
    "COALESCE(delivery_status, ''), created_ms, updated_ms FROM outbox "
    "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR route = ?2) "
    "ORDER BY id DESC LIMIT ?3";

constexpr std::string_view kStatusOf =
    "SELECT status, length(destination_sealed) FROM outbox WHERE id = ?1";

constexpr std::string_view kStaffRetry =
    "UPDATE outbox SET status = 'queued', next_attempt_ms = ?2, updated_ms = ?2, "
    "last_error = 'retried by staff' WHERE id = ?1";

constexpr std::string_view kStaffCancel =
    "UPDATE outbox SET status = 'failed', last_error = 'cancelled by staff', "
    "destination_sealed = x'', updated_ms = ?2 WHERE id = ?1";

constexpr std::string_view kCountByStatus = "SELECT status, count(*) FROM outbox GROUP BY status";
constexpr std::string_view kCountFlagged = "SELECT count(*) FROM outbox WHERE in_doubt = 1";
constexpr std::string_view kOldestDue =
    "SELECT COALESCE(MIN(next_attempt_ms), 0) FROM outbox "
    "WHERE status IN ('queued', 'retry', 'in_doubt')";

constexpr std::string_view kPurgeFinished =
    "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND updated_ms < ?1";
constexpr std::string_view kExpireUnsent =
    "UPDATE outbox SET status = 'failed', last_error = 'expired: not sent within "
    "outbound.max_queue_age_h', destination_sealed = x'', lease_until_ms = NULL, updated_ms = ?2 "
    "WHERE status IN ('queued', 'retry', 'in_doubt') AND created_ms < ?1";
constexpr std::string_view kPurgeReports =
    "DELETE FROM delivery_reports_seen WHERE received_ms < ?1";

constexpr std::array<std::string_view, 6> kStatuses{"queued", "leased", "sent",
                                                    "retry",  "failed", "in_doubt"};

int delivery_rank(std::string_view status) {
  if (status == "accepted") return 1;
  if (status == "sent") return 2;
  if (status == "delivered" || status == "undelivered" || status == "failed") return 3;
  return 0;
}

bool mark(Database& db, std::int64_t id, std::string_view status, std::int64_t next_attempt_ms,
          std::string_view reason, std::int64_t now_ms, bool in_doubt) {
  auto update = db.cached(kMarkRetry);
  update->bind_all(id, next_attempt_ms, reason, now_ms, status, in_doubt ? 1 : 0);
  update->run();
  return db.changes() == 1;
}

}  // namespace

std::string outbox_reference(std::string_view idempotency_key) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(idempotency_key.data()), idempotency_key.size(),
         digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "v";
  for (std::size_t i = 0; i < 12; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::vector<LeasedSms> lease_due(Database& db, std::string_view route, std::int64_t now_ms,
                                 std::int64_t lease_ms, std::size_t limit) {
  {
    auto fail = db.cached(kFailOptedOut);
    fail->bind_all(route, now_ms, now_ms);
    fail->run();
  }
  std::vector<LeasedSms> leased;
  {
    auto select = db.cached(kSelectDue);
    select->bind_all(route, now_ms, static_cast<std::int64_t>(limit));
    while (select->step()) {
      LeasedSms m;
      m.id = select->column_int64(0);
      m.idempotency_key = select->column_text(1);
      m.reference =
          select->is_null(2) ? outbox_reference(m.idempotency_key) : select->column_text(2);
      m.subscriber = select->column_text(3);
      const auto blob = select->column_blob_view(4);
      m.destination_sealed.assign(reinterpret_cast<const char*>(blob.data()), blob.size());
      m.body = select->column_text(5);
      m.route = select->column_text(6);
      m.attempts = static_cast<std::uint32_t>(select->column_int64(7)) + 1;
      m.in_doubt = select->column_int64(8) != 0;
      m.created_ms = select->column_int64(9);
      m.parts_sent = static_cast<std::uint32_t>(select->column_int64(10));
      leased.push_back(std::move(m));
    }
  }
  for (const auto& m : leased) {
    auto update = db.cached(kLease);
    update->bind_all(m.id, now_ms + lease_ms, now_ms, m.reference);
    update->run();
  }
  return leased;
}

bool mark_sent(Database& db, std::int64_t id, std::string_view external_id, std::int64_t now_ms) {
  std::string dims;
  {
    auto update = db.cached(kMarkSent);
    update->bind_all(id, external_id, now_ms);
    if (!update->step()) return false;  // not leased (any more): nothing changed
    dims = update->column_text_view(0);
    while (update->step()) {
    }
  }
  // "channel|country|language|service"; rows queued before usage_dims have '' (channel sms).
  std::array<std::string_view, 4> part{"sms", "", "", ""};
  std::string_view rest = dims;
  for (std::size_t i = 0; i < part.size() && !rest.empty(); ++i) {
    const auto bar = rest.find('|');
    part[i] = rest.substr(0, bar);
    rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
  }
  add_usage(db, {utc_day(now_ms), part[0], part[1], part[2], part[3]}, 0, 0, 1);
  return true;
}

bool mark_retry(Database& db, std::int64_t id, std::int64_t next_attempt_ms,
                std::string_view reason, std::int64_t now_ms) {
  return mark(db, id, "retry", next_attempt_ms, reason, now_ms, false);
}

bool mark_in_doubt(Database& db, std::int64_t id, std::int64_t next_attempt_ms,
                   std::string_view reason, std::int64_t now_ms) {
  return mark(db, id, "in_doubt", next_attempt_ms, reason, now_ms, true);
}

bool mark_parts_sent(Database& db, std::int64_t id, std::uint32_t parts_sent, std::int64_t now_ms) {
  auto update = db.cached(kMarkPartsSent);
  update->bind_all(id, static_cast<std::int64_t>(parts_sent), now_ms);
  update->run();
  return db.changes() == 1;
}

bool mark_failed(Database& db, std::int64_t id, std::string_view reason, std::int64_t now_ms) {
  auto update = db.cached(kMarkFailed);
  update->bind_all(id, reason, now_ms);
  update->run();
  return db.changes() == 1;
}

bool release_lease(Database& db, std::int64_t id, std::int64_t now_ms) {
  auto update = db.cached(kReleaseLease);
  update->bind_all(id, now_ms);
  update->run();
  return db.changes() == 1;
}

std::int64_t recover_expired_leases(Database& db, std::int64_t now_ms) {
  auto update = db.cached(kRecoverLeases);
  update->bind_all(now_ms);
  update->run();
  return db.changes();
}

std::int64_t recover_all_leases(Database& db, std::int64_t now_ms) {
  auto update = db.cached(kRecoverAllLeases);
  update->bind_all(now_ms);
  update->run();
  return db.changes();
}

DeliveryOutcome record_delivery(Database& db, std::string_view route, const DeliveryUpdate& update,
                                std::int64_t now_ms) {
  {
    auto see = db.cached(kSeeReport);
    see->bind_all(route, update.dedupe_key, now_ms);
    see->run();
    if (db.changes() == 0) return DeliveryOutcome::kDuplicate;
  }
  std::optional<std::int64_t> id;
  std::string current;
  auto read = [&](CachedStatement& select) {
    if (!select->step()) return;
    id = select->column_int64(0);
    current = select->is_null(2) ? std::string() : select->column_text(2);
  };
  if (!update.reference.empty()) {
    auto select = db.cached(kFindByReference);
    select->bind_all(update.reference);
    read(select);
  }
  if (!id && !update.external_id.empty()) {
    auto select = db.cached(kFindByExternalId);
    select->bind_all(route, update.external_id);
    read(select);
  }
  if (!id) return DeliveryOutcome::kUnknownMessage;

  if (delivery_rank(update.status) > delivery_rank(current)) {
    auto set = db.cached(kSetDelivery);
    set->bind_all(*id, update.status, now_ms);
    set->run();
  }
  if (update.status == "accepted" || update.status == "sent" || update.status == "delivered") {
    auto settle = db.cached(kSettleSent);
    settle->bind_all(*id, update.external_id, now_ms);
    settle->run();
  }
  return DeliveryOutcome::kApplied;
}

std::vector<OutboxRow> list_outbox(Database& db, const OutboxFilter& filter) {
  auto select = db.cached(kListColumns);
  select->bind_all(filter.status, filter.route, static_cast<std::int64_t>(filter.limit));
  std::vector<OutboxRow> rows;
  while (select->step()) {
    OutboxRow r;
    r.id = select->column_int64(0);
    r.reference = select->column_text(1);
    r.subscriber = select->column_text(2);
    r.route = select->column_text(3);
    r.status = select->column_text(4);
    r.attempts = static_cast<std::uint32_t>(select->column_int64(5));
    r.next_attempt_ms = select->column_int64(6);
    r.last_error = select->column_text(7);
    r.in_doubt = select->column_int64(8) != 0;
    r.external_id = select->column_text(9);
    r.delivery_status = select->column_text(10);
    r.created_ms = select->column_int64(11);
    r.updated_ms = select->column_int64(12);
    rows.push_back(std::move(r));
  }
  return rows;
}

StaffActionResult retry_message(Database& db, std::int64_t id, std::int64_t now_ms) {
  std::string status;
  std::int64_t sealed_bytes = 0;
  {
    auto select = db.cached(kStatusOf);
    select->bind_all(id);
    if (!select->step()) return StaffActionResult::kNotFound;
    status = select->column_text(0);
    sealed_bytes = select->column_int64(1);
  }
  if (status != "failed" && status != "retry" && status != "in_doubt")
    return StaffActionResult::kWrongState;
  if (sealed_bytes == 0) return StaffActionResult::kNumberErased;
  auto update = db.cached(kStaffRetry);
  update->bind_all(id, now_ms);
  update->run();
  return StaffActionResult::kDone;
}

StaffActionResult cancel_message(Database& db, std::int64_t id, std::int64_t now_ms) {
  std::string status;
  {
    auto select = db.cached(kStatusOf);
    select->bind_all(id);
    if (!select->step()) return StaffActionResult::kNotFound;
    status = select->column_text(0);
  }
  if (status != "queued" && status != "retry" && status != "in_doubt")
    return StaffActionResult::kWrongState;
  auto update = db.cached(kStaffCancel);
  update->bind_all(id, now_ms);
  update->run();
  return StaffActionResult::kDone;
}

OutboxCounts outbox_counts(Database& db) {
  OutboxCounts counts;
  for (const auto s : kStatuses) counts.by_status.emplace_back(std::string(s), 0);
  {
    auto select = db.cached(kCountByStatus);
    while (select->step()) {
      const auto status = select->column_text_view(0);
      for (auto& [name, n] : counts.by_status) {
        if (name == status) n = select->column_int64(1);
      }
    }
  }
  {
    auto select = db.cached(kCountFlagged);
    if (select->step()) counts.in_doubt_flagged = select->column_int64(0);
  }
  {
    auto select = db.cached(kOldestDue);
    if (select->step()) counts.oldest_due_ms = select->column_int64(0);
  }
  return counts;
}

std::int64_t expire_unsent(Database& db, std::int64_t created_before_ms, std::int64_t now_ms) {
  auto update = db.cached(kExpireUnsent);
  update->bind_all(created_before_ms, now_ms);
  update->run();
  return db.changes();
}

std::int64_t purge_finished(Database& db, std::int64_t older_than_ms) {
  std::int64_t deleted = 0;
  for (const auto sql : {kPurgeFinished, kPurgeReports}) {
    auto purge = db.cached(sql);
    purge->bind_all(older_than_ms);
    purge->run();
    deleted += db.changes();
  }
  return deleted;
}

}  // namespace ventanilla::storage
