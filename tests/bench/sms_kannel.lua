-- wrk script for tests/bench/sms_bench.sh: inbound SMS on Kannel's get-url route (capability
-- secret in the path, everything in the query). Every request is a new message: the id and the
-- sender come from the run tag, the thread and a counter.
-- Arguments (after wrk's --): PATH_WITH_SECRET TAG.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Globals, not locals: done() reads them from each thread with thread:get().
base, tag, sent, bad = nil, nil, 0, 0

function init(args)
  base, tag = args[1], args[2]
end

function request()
  sent = sent + 1
  -- +502 5 + 7 digits: a distinct Guatemalan sender per (thread, counter), up to 10^6 per thread.
  local from = string.format("5025%d%06d", id, sent % 1000000)
  return wrk.format("GET", string.format(
    "%s?from=%s&to=12345&text=hola&id=%s-%d-%d&smsc=FAKE&coding=0&charset=UTF-8",
    base, from, tag, id, sent))
end

function response(status, headers, body)
  if status ~= 200 and status ~= 202 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_sent, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + t:get("sent")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("SMS sent: %d\nSMS replays: 0\nSMS bad replies: %d\n", total_sent, total_bad))
end
