-- When a subscriber last opted out. The outbox checks at send time whether the opt-out came after
-- a message was queued (then the message is not sent); subscribers.updated_ms cannot tell, since
-- choosing a language moves it too — a language change after an opt-out and a request made the
-- requested message look opted out.
ALTER TABLE subscribers ADD COLUMN opted_out_ms INTEGER;
UPDATE subscribers SET opted_out_ms = updated_ms WHERE opted_out = 1;
