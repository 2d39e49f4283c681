-- Daily usage aggregates for staff (issue #7): counts only, never a subscriber. One row per day
-- (UTC), channel (ussd, sms), country, language and service (the hub service a caller chose);
-- '' where a dimension was not known yet (a caller who has not picked a language).
-- sessions: conversations started; lookups: lists of nearest hubs shown; sms_sent: messages the
-- carrier accepted (counted per day only: the outbox keeps no country or language).
CREATE TABLE daily_usage (
  day       TEXT NOT NULL,
  channel   TEXT NOT NULL,
  country   TEXT NOT NULL,
  language  TEXT NOT NULL,
  service   TEXT NOT NULL,
  sessions  INTEGER NOT NULL DEFAULT 0,
  lookups   INTEGER NOT NULL DEFAULT 0,
  sms_sent  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, channel, country, language, service)
) STRICT, WITHOUT ROWID;
