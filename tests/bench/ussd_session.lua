-- wrk script: every connection walks whole Africa's Talking-style USSD sessions, over and over.
-- Used by tests/bench/ussd_bench.sh; see tests/bench/README.md.
--
-- wrk calls request() and response() per thread, never per connection, and tells neither which
-- connection it serves. A session must not send its next hop before the previous one was
-- answered, so this script needs exactly one connection per thread (wrk -tN -cN): then request()
-- and response() strictly alternate and each thread is one caller walking its own sessions.
--
-- The walk: [language 1] country 1 (the detected one, listed first) > need 1 (hub near me) >
-- where 2 (type my town) > TOWN > place 1 > hub 1 > 1 (send me this by SMS) > END.
-- The language screen only comes on a phone's first session; later sessions start at the
-- country screen because the language is remembered. A left-over unfinished session (a hop that
-- failed mid-walk) brings the resume question instead, answered "2" (start over). So the first
-- screen of every session is read to pick the plan; the rest of the walk is fixed.
--
-- Counted as bad, and printed in done() (up to 5 samples per thread): a non-200 status, a reply
-- not starting with "CON " or "END ", an END before the walk's last step (the error apology is an
-- END), a CON where the END was due, and an unknown first screen. A bad reply abandons the
-- session; the next one starts with a new sessionId.

local threads = {}

function setup(thread)
  local n = #threads
  thread:set("id", n)
  threads[n + 1] = thread
end

-- Screens recognised on the first hop, by words that survive the GSM-7 transliteration
-- (menus/texts/es.toml).
local function first_screen(body)
  if body:find("sin terminar", 1, true) then return "resume" end
  if body:find("English", 1, true) then return "language" end
  if body:find("Guatemala", 1, true) then return "country" end
  return nil
end

local function plan_from_country(town)
  return { "1", "1", "2", town, "1", "1", "1" }
end

function init(args)
  id = id or 0
  -- Session ids must be new in every wrk run against the same database (the warm-up, then the
  -- measured run): a reused sessionId and text is a carrier retry, answered from the stored reply.
  run_tag = args[1] or tostring(os.time())
  -- One caller per thread. Every fourth one is a Mexican number on Telcel (MCC 334) looking for
  -- Tapachula; the others are Guatemalan numbers on Tigo (MCC 704) looking for Xela.
  if id % 4 == 3 then
    phone = string.format("%%2B52962%07d", 5550000 + id)
    network = "334020"
    town = "tapachula"
  else
    phone = string.format("%%2B5025555%04d", id)
    network = "704001"
    town = "xela"
  end
  counter = 0
  sessions = 0
  hops = 0
  bad = 0
  samples = ""
  sample_count = 0
  start_session()
end

function start_session()
  counter = counter + 1
  session_id = string.format("bench-%s-t%d-s%d", run_tag, id, counter)
  text = ""
  plan = nil  -- unknown until the first screen is read
  awaiting_first = true
end

local function push(token)
  if text == "" then text = token else text = text .. "*" .. token end
end

local function record_bad(why, status, body)
  bad = bad + 1
  if sample_count < 5 then
    sample_count = sample_count + 1
    local snippet = (body or ""):sub(1, 120):gsub("\n", "|")
    samples = samples .. string.format("  [t%d %s text=%q] %s: status %s body %q\n", id,
      session_id, text, why, tostring(status), snippet)
  end
  start_session()
end

function request()
  local body = "sessionId=" .. session_id .. "&serviceCode=%2A123%23&phoneNumber=" .. phone ..
               "&networkCode=" .. network .. "&text=" .. text
  return wrk.format("POST", "/v1/africastalking/ussd",
                    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  hops = hops + 1
  if status ~= 200 then return record_bad("status", status, body) end
  local con = body:sub(1, 4) == "CON "
  local ended = body:sub(1, 4) == "END "
  if not con and not ended then return record_bad("not CON/END", status, body) end

  if awaiting_first then
    if ended then return record_bad("END on a first screen", status, body) end
    local screen = first_screen(body)
    if screen == "resume" then
      push("2")  -- start over; the next reply is the language or the country screen
      return
    elseif screen == "language" then
      plan = plan_from_country(town)
      table.insert(plan, 1, "1")  -- Español
    elseif screen == "country" then
      plan = plan_from_country(town)
    else
      return record_bad("unknown first screen", status, body)
    end
    awaiting_first = false
  end

  if ended then
    if #plan == 0 then
      sessions = sessions + 1
      start_session()
      return
    end
    return record_bad("END before the walk's end", status, body)
  end
  if #plan == 0 then return record_bad("CON where END was due", status, body) end
  push(table.remove(plan, 1))
end

function done(summary, latency, requests)
  local total_sessions, total_bad, total_hops, all_samples = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    total_sessions = total_sessions + (t:get("sessions") or 0)
    total_bad = total_bad + (t:get("bad") or 0)
    total_hops = total_hops + (t:get("hops") or 0)
    all_samples = all_samples .. (t:get("samples") or "")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("USSD sessions completed: %d (%.1f/s)\n", total_sessions,
                         total_sessions / secs))
  io.write(string.format("USSD hops answered: %d\n", total_hops))
  io.write(string.format("USSD bad replies: %d\n", total_bad))
  if all_samples ~= "" then io.write(all_samples) end
end
