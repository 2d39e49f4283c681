-- find_resumable_session asks for the newest session of a subscriber that has not ended, ordered by
-- (updated_ms, created_ms, carrier, session_key). With the index of 0003 (subscriber, updated_ms)
-- SQLite had to read every session of that subscriber inside the resume window and sort them: a
-- caller with many sessions in ten minutes made every new session slower. With `ended` and
-- `created_ms` in the key (carrier and session_key follow implicitly: WITHOUT ROWID), the newest
-- qualifying row is the first one of a backward index walk and no sort is needed. erase_subscriber
-- still finds a subscriber's rows through the index prefix.
DROP INDEX sessions_by_subscriber;
CREATE INDEX sessions_by_subscriber ON sessions(subscriber, ended, updated_ms, created_ms);
