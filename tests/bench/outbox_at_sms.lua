-- wrk script for tests/bench/outbox_bench.sh: inbound SMS on Africa's Talking routes (capability
-- secret in the path, a form POST), each of which queues its reply in the outbox. Every request is
-- a new message from a new sender (id and number from the run tag, the thread and a counter), so
-- none is a carrier retry answered from the dedupe record. Each thread sends its share of TOTAL,
-- spread over the routes in turn, and then only GET /healthz (which queues nothing) until the
-- script stops wrk.
-- Arguments (after wrk's --): PATHS (comma-separated, each with its secret) TAG TOTAL THREADS.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Globals, not locals: done() reads them from each thread with thread:get().
paths, tag, share, sent, bad = {}, nil, 0, 0, 0

function init(args)
  for p in string.gmatch(args[1], "[^,]+") do paths[#paths + 1] = p end
  tag = args[2]
  local total, nthreads = tonumber(args[3]), tonumber(args[4])
  share = math.floor(total / nthreads)
  -- wrk calls thread 0's request() once before the run to check the request it builds, and never
  -- sends that one: thread 0 takes one more, and done() does not count it.
  if id == 0 then share = share + total % nthreads + 1 end
end

function request()
  if sent >= share then return wrk.format("GET", "/healthz") end
  sent = sent + 1
  -- +254 7 + 8 digits: a distinct Kenyan sender per (thread, counter), up to 10^6 per thread.
  local body = string.format(
    "from=%%2B2547%02d%06d&to=12345&text=hola&date=2026-11-29+08%%3A00%%3A00&id=%s-%d-%d&linkId=",
    id, sent, tag, id, sent)
  return wrk.format("POST", paths[(sent % #paths) + 1],
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_sent, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + t:get("sent")
    total_bad = total_bad + t:get("bad")
  end
  total_sent = total_sent - 1  -- wrk's check of thread 0's first request (see init)
  io.write(string.format("SMS sent: %d\nSMS bad replies: %d\n", total_sent, total_bad))
end
