-- What translators' tools keep beside a translation (issue #7, PO export/import): their comments
-- ("# ..." lines of a PO entry) and the reference (Spanish) text the translation was made from.
-- When the reference text changes later, the next export marks the entry fuzzy with the old text
-- as "#| msgid", which Poedit and Weblate show as "source changed: review".
CREATE TABLE translation_notes (
  language     TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  comments     TEXT NOT NULL,   -- translator comment lines joined with \n ('' for none)
  source_text  TEXT NOT NULL,   -- the msgid the translation was imported against
  updated_ms   INTEGER NOT NULL,
  PRIMARY KEY (language, message_id)
) STRICT, WITHOUT ROWID;
