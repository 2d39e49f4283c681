-- wrk script for tests/bench/footprint_bench.sh: opens TOTAL new USSD sessions on the Africa's
-- Talking route, one first hop each (text=""), each with its own sessionId and its own caller, so
-- each leaves one live session (at the language screen) behind. Every request is independent, so
-- unlike ussd_session.lua any -t/-c works. Once a thread has sent its share it sends only
-- GET /healthz (which creates nothing) until the script stops wrk.
-- Arguments (after wrk's --): TAG TOTAL THREADS.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Globals, not locals: done() reads them from each thread with thread:get().
tag, share, sent, bad = nil, 0, 0, 0

function init(args)
  tag = args[1]
  local total, nthreads = tonumber(args[2]), tonumber(args[3])
  share = math.floor(total / nthreads)
  -- wrk calls thread 0's request() once before the run to check it and never sends that one.
  if id == 0 then share = share + total % nthreads + 1 end
end

function request()
  if sent >= share then return wrk.format("GET", "/healthz") end
  sent = sent + 1
  -- +502, a digit from the thread, 7 digits of counter: a distinct Guatemalan caller per (thread,
  -- counter), for up to 7 threads.
  local body = string.format(
    "sessionId=%s-t%d-%d&serviceCode=%%2A123%%23&phoneNumber=%%2B502%d%07d&networkCode=704001&text=",
    tag, id, sent, 3 + id % 7, sent)
  return wrk.format("POST", "/v1/africastalking/ussd",
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
  io.write(string.format("USSD first hops sent: %d\nUSSD bad replies: %d\n", total_sent, total_bad))
end
