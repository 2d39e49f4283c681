-- USSD dialogs and inbound deduplication (gateway/storage/session_store.hpp is the only writer).
-- Each USSD hop commits its session row and its inbound_seen row before the reply is sent, so a
-- carrier's retry of the same hop gets the byte-identical reply back instead of a second step.
-- All times are unix epoch milliseconds. Rows past their use are removed by purge_expired().

-- One dialog per (carrier, session id). `state` is the dialog engine's serialized state, opaque
-- here; `consumed` counts the input tokens already applied (a USSD `text` carries the whole input
-- so far). A session that expired without `ended` may be resumed by the same subscriber within the
-- resume window (find_resumable_session).
CREATE TABLE sessions (
  carrier      TEXT NOT NULL,     -- route kind, e.g. 'at-ussd'
  session_key  TEXT NOT NULL,     -- the carrier's session id
  subscriber   TEXT NOT NULL,     -- SubscriberId (HMAC pseudonym), never a raw number
  state        TEXT NOT NULL,
  consumed     INTEGER NOT NULL,
  created_ms   INTEGER NOT NULL,
  updated_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  ended        INTEGER NOT NULL DEFAULT 0 CHECK (ended IN (0, 1)),
  PRIMARY KEY (carrier, session_key)
) STRICT, WITHOUT ROWID;
-- find_resumable_session: the newest session of a subscriber.
CREATE INDEX sessions_by_subscriber ON sessions(subscriber, updated_ms);
CREATE INDEX sessions_by_age ON sessions(updated_ms);  -- purge_expired

-- The reply already given to an inbound message, keyed per carrier (for USSD: session id and
-- `text`). The first reply stored wins: it is the one the carrier may already have shown.
CREATE TABLE inbound_seen (
  carrier      TEXT NOT NULL,
  dedupe_key   TEXT NOT NULL,
  reply        TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  PRIMARY KEY (carrier, dedupe_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX inbound_seen_by_expiry ON inbound_seen(expires_ms);

-- What is remembered about a subscriber across sessions. No row means the defaults (no language
-- chosen, not opted out).
CREATE TABLE subscribers (
  subscriber   TEXT PRIMARY KEY NOT NULL,  -- SubscriberId
  language     TEXT,                       -- NULL until one is chosen
  opted_out    INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1)),
  updated_ms   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Outbound SMS queue ("send me this by SMS"). The destination is sealed (AES-GCM under a key
-- derived from the pseudonymization key, privacy component) because the raw number must never be
-- stored in clear: only the sender unseals it, just before the carrier call. idempotency_key makes
-- a replayed request queue nothing. A later issue adds the sender, which leases rows by
-- (status, next_attempt_ms).
CREATE TABLE outbox (
  id                  INTEGER PRIMARY KEY,
  idempotency_key     TEXT NOT NULL UNIQUE,
  subscriber          TEXT NOT NULL,  -- SubscriberId, for logs and opt-out checks
  destination_sealed  BLOB NOT NULL,
  body                TEXT NOT NULL,
  route               TEXT NOT NULL,
  status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'leased', 'sent', 'retry', 'failed', 'in_doubt')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms     INTEGER NOT NULL,
  created_ms          INTEGER NOT NULL,
  updated_ms          INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_status ON outbox(status, next_attempt_ms);

-- Menus and their translations (menus/ in the repository), one row per file per version. A
-- version is immutable once written; meta.menu_version names the published one, so publishing
-- and rolling back are one pointer change and the history stays for review and audit.
CREATE TABLE menu_versions (
  version INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  origin TEXT NOT NULL,  -- "import", "seed", later "console"
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived'))
) STRICT;

CREATE TABLE menu_files (
  version INTEGER NOT NULL REFERENCES menu_versions(version),
  path TEXT NOT NULL,  -- relative to menus/: "menu.toml", "texts/es.toml"
  content TEXT NOT NULL,
  PRIMARY KEY (version, path)
) STRICT, WITHOUT ROWID;
