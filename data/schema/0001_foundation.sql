-- Foundation: a key/value table for facts about this database (when it was created, whether the
-- seed content has been imported). Later features add their own numbered files.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;
