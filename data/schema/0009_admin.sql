-- Staff access to the admin API (issue #7): API tokens, console accounts and the audit log.
-- No migrant data lives in any of these tables.

-- API tokens. The token itself (vta_ + 43 base64url characters, 256 random bits) is shown once
-- and never stored: only its SHA-256. A fast hash is right here because the secret has 256 bits
-- of entropy (nothing to brute-force); passwords, which are guessable, get Argon2id instead.
CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY,
  token_sha256  TEXT NOT NULL UNIQUE,          -- lowercase hex
  hint          TEXT NOT NULL,                 -- "vta_AbCd…" (first 8 characters) for listings
  name          TEXT NOT NULL,                 -- what it is for: "weblate sync", "ops laptop"
  role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')),
  created_ms    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,                 -- "cli" or the staff actor who made it
  expires_ms    INTEGER,                       -- NULL: never
  revoked_ms    INTEGER,
  last_used_ms  INTEGER
) STRICT;

-- Console accounts. password_hash is an Argon2id encoded string ($argon2id$v=19$m=...).
-- failed_logins/blocked_until_ms throttle guessing without ever locking an account for good.
CREATE TABLE staff (
  id               INTEGER PRIMARY KEY,
  username         TEXT NOT NULL UNIQUE,
  password_hash    TEXT NOT NULL,
  role             TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')),
  created_ms       INTEGER NOT NULL,
  disabled_ms      INTEGER,
  failed_logins    INTEGER NOT NULL DEFAULT 0,
  blocked_until_ms INTEGER NOT NULL DEFAULT 0,
  last_login_ms    INTEGER
) STRICT;

-- Console sessions: the cookie holds 256 random bits; only their SHA-256 is kept, with the
-- session's CSRF token (sent back in X-CSRF-Token on every change) and its expiry.
CREATE TABLE console_sessions (
  id_sha256    TEXT PRIMARY KEY,
  staff_id     INTEGER NOT NULL REFERENCES staff(id),
  csrf_token   TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,               -- sliding: moved on use, never past created + 12 h
  last_seen_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX console_sessions_by_staff ON console_sessions(staff_id);

-- Append-only, hash-chained: row_sha256 = SHA-256 over this row's fields and the previous row's
-- row_sha256 (storage/audit_store.cpp gives the exact encoding), so editing, deleting or
-- reordering any row breaks the chain from there on; `ventanilla audit verify` walks it. The
-- triggers make an accidental UPDATE or DELETE fail loudly; they are not the tamper evidence
-- (whoever can write the file can drop them), the chain is.
CREATE TABLE audit_log (
  seq          INTEGER PRIMARY KEY,            -- 1, 2, 3 ... without gaps
  at_ms        INTEGER NOT NULL,
  actor        TEXT NOT NULL,                  -- "token:7 (weblate sync)", "staff:ana", "cli"
  role         TEXT NOT NULL,
  action       TEXT NOT NULL,                  -- "token.create", "content.publish", ...
  target       TEXT NOT NULL,                  -- what it acted on: "token:8", "version:12"
  before_sha256 TEXT NOT NULL,                 -- of the state before ("" when nothing existed)
  after_sha256  TEXT NOT NULL,                 -- of the state after ("" when nothing is left)
  request_id   TEXT NOT NULL,
  prev_sha256  TEXT NOT NULL,
  row_sha256   TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
