-- A long message sent through a carrier API that takes one SMS per call (Kannel's sendsms without
-- concatenation) goes out as several parts. parts_sent counts the parts the carrier has already
-- taken, so a retry after part 2 of 3 failed sends part 2 and 3 again, not part 1.
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0 CHECK (parts_sent >= 0);
