-- wrk script for tests/bench/sms_bench.sh: inbound SMS on Twilio's route, every request a new
-- message with a valid X-Twilio-Signature. wrk's Lua has no HMAC-SHA1, so sms_bench.sh signs the
-- requests beforehand (python3) into a file of "signature<TAB>form body" lines; this script sends
-- them in order.
--
-- Arguments (after wrk's --): FILE START THREADS. Thread i sends lines START+i, START+i+THREADS,
-- ... (1-based), so the threads never share a line and a later run starting at done()'s
-- "next start" never repeats one. A thread that runs out of lines starts its share again: those
-- requests are replays of a MessageSid the server has seen (answered from the dedupe record, not
-- new messages); done() counts them so the bench can refuse the figures.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Globals, not locals: done() reads them from each thread with thread:get().
lines, next_line, sent, replays, bad = {}, 1, 0, 0, 0
samples = {}

function init(args)
  local file, start, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
  local n = 0
  for line in io.lines(file) do
    n = n + 1
    if n >= start and (n - start) % nthreads == id then lines[#lines + 1] = line end
  end
  assert(#lines > 0, "no signed requests left in " .. file .. " from line " .. start)
end

function request()
  if next_line > #lines then
    next_line = 1
  end
  local line = lines[next_line]
  next_line = next_line + 1
  sent = sent + 1
  if sent > #lines then replays = replays + 1 end
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = line:sub(1, tab - 1),
  }, line:sub(tab + 1))
end

-- A good reply is the first menu screen as TwiML (every sender is new).
function response(status, headers, body)
  if status ~= 200 or not body:find("<Message>", 1, true) then
    bad = bad + 1
    if #samples < 3 then samples[#samples + 1] = status .. " " .. body:sub(1, 120) end
  end
end

function done(summary, latency, requests)
  local total_sent, total_replays, total_bad, max_sent = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("sent")
    total_sent = total_sent + s
    total_replays = total_replays + t:get("replays")
    total_bad = total_bad + t:get("bad")
    if s > max_sent then max_sent = s end
    local smp = t:get("samples")
    for i = 1, #smp do io.write("  [t" .. t:get("id") .. "] " .. smp[i] .. "\n") end
  end
  io.write(string.format("SMS sent: %d\n", total_sent))
  io.write(string.format("SMS replays: %d\n", total_replays))
  io.write(string.format("SMS bad replies: %d\n", total_bad))
  -- Lines consumed by the thread that went furthest, times the stride: where the next run starts.
  io.write(string.format("SMS lines used: %d\n", max_sent * #threads))
end
