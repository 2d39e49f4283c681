-- Parts of concatenated SMS that the carrier did not reassemble (Vonage sends each part as its own
-- webhook with concat-ref/-total/-part). Parts wait here, durably, until the last one arrives;
-- the whole message is then handled once and its parts deleted. Parts that never complete are
-- purged with expired sessions.
CREATE TABLE sms_parts (
  route TEXT NOT NULL,
  subscriber TEXT NOT NULL,
  ref TEXT NOT NULL,
  part INTEGER NOT NULL CHECK (part >= 1),
  total INTEGER NOT NULL CHECK (total >= 2),
  text TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (route, subscriber, ref, part)
) STRICT, WITHOUT ROWID;
CREATE INDEX sms_parts_by_age ON sms_parts(created_ms);
