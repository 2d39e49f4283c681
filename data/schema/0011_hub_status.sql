-- What staff say about a hub beyond its source data (issue #7): retired (never deleted: a retired
-- hub stays in hubs and in exports, the server just stops offering it) and verified (when and by
-- whom someone confirmed its details). Keyed by hub id without a foreign key, so a CSV import
-- that rewrites the hubs keeps these.
CREATE TABLE hub_status (
  hub_id         TEXT PRIMARY KEY NOT NULL,
  retired_ms     INTEGER,
  retired_by     TEXT,
  verified_date  TEXT,          -- YYYY-MM-DD
  verified_by    TEXT
) STRICT, WITHOUT ROWID;
