-- wrk script for tests/bench/dlr_bench.sh: Kannel delivery reports (GET on the route's status
-- path, capability secret in the path), each for a different message already in the outbox.
-- dlr_bench.sh inserts ROWS sent messages with references "dlr-0" ... "dlr-<ROWS-1>"; every
-- request here reports one of them delivered (type=1), so each report is applied (not a
-- duplicate, not an unknown message): the dedupe row, the lookup and the update, durably.
--
-- Arguments (after wrk's --): PATH_WITH_SECRET START THREADS ROWS. Thread i reports rows START+i,
-- START+i+THREADS, ... so threads never share a row, and the next run starts at done()'s
-- "DLR next start". A thread that runs past ROWS counts "DLR beyond rows" (those reports are for
-- unknown messages, a cheaper path): the bench refuses such figures.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Globals, not locals: done() reads them from each thread with thread:get().
base, start, stride, rows, sent, beyond, bad = nil, 0, 1, 0, 0, 0, 0

function init(args)
  base, start, stride, rows = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
end

function request()
  local row = start + id + sent * stride
  sent = sent + 1
  if row >= rows then beyond = beyond + 1 end
  return wrk.format("GET", string.format("%s?id=dlr-%d&type=1&smsc=FAKE", base, row))
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_sent, total_beyond, total_bad, max_sent = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("sent")
    total_sent = total_sent + s
    total_beyond = total_beyond + t:get("beyond")
    total_bad = total_bad + t:get("bad")
    if s > max_sent then max_sent = s end
  end
  io.write(string.format("DLR sent: %d\nDLR beyond rows: %d\nDLR bad replies: %d\n", total_sent,
                         total_beyond, total_bad))
  io.write(string.format("DLR next start: %d\n", start + max_sent * #threads))
end
