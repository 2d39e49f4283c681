-- The usage dimensions of a queued SMS (issue #7: SMS sent by country, language, service and
-- channel): "channel|country|language|service" of the conversation that asked for it, so that
-- counting it when the carrier accepts it needs nothing about the subscriber. '' for rows queued
-- before this migration (counted without dimensions).
ALTER TABLE outbox ADD COLUMN usage_dims TEXT NOT NULL DEFAULT '';
