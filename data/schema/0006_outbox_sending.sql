-- What the outbox senders need (gateway/storage/outbox_store.hpp, gateway/outbound/). A row moves
-- queued -> leased (until lease_until_ms) -> sent | retry | in_doubt | failed; retry and
-- in_doubt rows are leased again when due. `in_doubt` stays 1 once a row was ever in doubt (a
-- timeout or reset after the request left, or a lease that expired in a crash): if the carrier
-- delivers it twice, this is the flag that explains why.
--
-- `reference` is what travels to the carrier as our id (client reference, callback URL): a short
-- digest of idempotency_key, because carriers cap their reference fields (Vonage: 40 characters)
-- and the key can be longer. Delivery reports find their message by it, or by
-- (route, external_id) when the carrier only returns its own id.
ALTER TABLE outbox ADD COLUMN reference TEXT;
ALTER TABLE outbox ADD COLUMN lease_until_ms INTEGER;
ALTER TABLE outbox ADD COLUMN external_id TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;  -- short reason; never a number or a text
ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0 CHECK (in_doubt IN (0, 1));
ALTER TABLE outbox ADD COLUMN sent_ms INTEGER;
ALTER TABLE outbox ADD COLUMN delivery_status TEXT
  CHECK (delivery_status IN ('accepted', 'sent', 'delivered', 'undelivered', 'failed'));
ALTER TABLE outbox ADD COLUMN delivery_ms INTEGER;
CREATE UNIQUE INDEX outbox_by_reference ON outbox(reference) WHERE reference IS NOT NULL;
CREATE INDEX outbox_by_external_id ON outbox(route, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX outbox_due ON outbox(route, status, next_attempt_ms);

-- Delivery reports already applied, so a carrier's repeated callback changes nothing twice.
CREATE TABLE delivery_reports_seen (
  route       TEXT NOT NULL,
  dedupe_key  TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (route, dedupe_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX delivery_reports_seen_by_age ON delivery_reports_seen(received_ms);
