#pragma once
// `ventanilla outbox list|retry|cancel`: the SMS outbox for staff (storage/outbox_store.hpp).
//
// list    [--status S] [--route R] [--limit N] [--json]
//         Newest first, at most N rows (default 50, 1..1000), optionally one status (queued,
//         leased, sent, retry, failed, in_doubt) and/or one route; then one line of counts by
//         status over the whole outbox. With --json one object on stdout:
//         {"messages":[{id, reference, route, status, attempts, next_attempt, next_attempt_ms,
//         in_doubt, last_error, delivery_status, external_id, subscriber, created, updated}...],
//         "counts":{queued, leased, sent, retry, failed, in_doubt}, "in_doubt_flagged",
//         "oldest_due"}. Times are UTC ISO 8601; absent values are null.
// retry ID   failed, retry or in_doubt -> queued, due now.
// cancel ID  queued, retry or in_doubt -> failed ("cancelled by staff"), number erased.
//
// Privacy: no number and no message text is ever printed. A subscriber is shown only as its log
// tag ("s:" + 8 hex, keyed by privacy.key_file, see privacy/subscriber_id.hpp), never as (a
// prefix of) the stored id, which would join a pasted listing to database rows; without a
// readable key file it is shown as "-" (null in JSON). Runs of 7 or more digits in last_error are
// masked, since a carrier's error text may quote the number.
//
// Exit: 0 done (list: also when nothing matches); 1 when the database is missing or unusable, or
// retry/cancel cannot act (no such message, wrong state, number erased), with the reason on
// stderr; 2 for bad usage or bad configuration.
//
// Thread: main thread. list reads through its own read-only connection; retry and cancel write
// through their own connection in one BEGIN IMMEDIATE transaction (like `import`), so a running
// server holding the database is waited for (storage.busy_timeout_ms), never raced.

#include "app/command_line.hpp"

namespace ventanilla::app {

int run_outbox(const CommandLine& command_line);

}  // namespace ventanilla::app
