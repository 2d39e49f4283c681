#!/usr/bin/env bash
# Footprint benchmark: cold start time (exec to the first 200 from GET /readyz, on a database
# already seeded with the repository's data/ and menus/; median of STARTS) and the server's memory
# with SESSIONS live USSD sessions (VmRSS and VmHWM from /proc after SESSIONS distinct callers
# each opened a session on POST /v1/africastalking/ussd). See tests/bench/README.md.
#
# Usage: tests/bench/footprint_bench.sh
# Environment: STARTS=7 (cold starts; the median is the figure), SESSIONS=100000, IO_THREADS=2,
#              CONNECTIONS=64, WRK_THREADS=2 (at most 7), SESSIONS_TIMEOUT=300 (s),
#              SKIP_BUILD=0 (1 uses build/release/ventanilla as it is), STARTUP_TIMEOUT=60
# Exit codes: 0 figures printed, 1 a build, server or wrk run failed, a first hop was not answered
#             200, or fewer than SESSIONS sessions are live at the end, 2 bad usage.
set -euo pipefail

STARTS=${STARTS:-7}
SESSIONS=${SESSIONS:-100000}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
SESSIONS_TIMEOUT=${SESSIONS_TIMEOUT:-300}
SKIP_BUILD=${SKIP_BUILD:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/footprint_bench.sh" >&2; exit 2 ;;
esac
[[ "$STARTS" =~ ^[1-9][0-9]*$ && "$SESSIONS" =~ ^[1-9][0-9]*$ && "$WRK_THREADS" =~ ^[1-7]$ ]] ||
  { echo "STARTS and SESSIONS must be positive integers, WRK_THREADS 1..7" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup
build_release  # honours SKIP_BUILD

db=$tmp/footprint.db
serve_args=(serve --db "$db" --set "privacy.key_file=$tmp/secret.key"
  --set "server.io_threads=$IO_THREADS")

# --- 1. seed: the first start imports data/ and menus/ into the empty database -------------------
port=$(free_port)
start_server footprint_seed "$port" build/release/ventanilla "${serve_args[@]}" --listen "127.0.0.1:$port"
stop_pid "$server_pid"
places=$(sql_value "$db" "SELECT count(*) FROM places")
hubs=$(sql_value "$db" "SELECT count(*) FROM hubs")

# --- 2. cold starts --------------------------------------------------------------------------------
# python3 times each start from just before the fork/exec to the first 200 from /readyz, polling
# with a raw socket every millisecond (spawning curl would cost more than the resolution we want),
# then stops the server with SIGTERM and waits for it.
log "cold start: $STARTS starts on the seeded database ($places places, $hubs hubs)"
port=$(free_port)
starts=$(python3 - "$port" "$STARTS" "$STARTUP_TIMEOUT" "$out_dir/footprint_start.log" \
  build/release/ventanilla "${serve_args[@]}" --listen "127.0.0.1:$port" <<'PY'
import signal, socket, subprocess, sys, time
port, n, timeout, log = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cmd = sys.argv[5:]
request = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

def ready():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(request)
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

times = []
with open(log, "w") as out:
    for _ in range(n):
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        while not ready():
            if proc.poll() is not None:
                sys.exit("ventanilla exited during start-up (see %s)" % log)
            if time.monotonic() - t0 > timeout:
                proc.kill()
                sys.exit("/readyz not 200 after %gs" % timeout)
            time.sleep(0.001)
        times.append((time.monotonic() - t0) * 1000)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
print(" ".join("%.1f" % t for t in times))
PY
) || die "cold start measurement failed"
read -r start_median start_min start_max <<<"$(tr ' ' '\n' <<<"$starts" | sort -g |
  awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
         printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }')"

# --- 3. memory with SESSIONS live sessions -------------------------------------------------------
port=$(free_port)
start_server footprint_sessions "$port" build/release/ventanilla "${serve_args[@]}" --listen "127.0.0.1:$port"
pid=$server_pid
probe=$(curl -fsS --max-time 5 -X POST "http://127.0.0.1:$port/v1/africastalking/ussd" \
  --data 'sessionId=footprint-probe&serviceCode=%2A123%23&phoneNumber=%2B50255559999&networkCode=704001&text=') ||
  die "the USSD route did not answer (is [ussd] enabled?)"
[[ "$probe" == "CON "* ]] || die "the USSD route's first screen is not CON: $probe"
rss_idle_kib=$(proc_kib "$pid" VmRSS)
hops() {
  curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" |
    awk '$1 == "ventanilla_ussd_hops_total" { print $2 + 0; found = 1 } END { if (!found) print 0 }'
}
hops0=$(hops)

log "opening $SESSIONS USSD sessions (wrk -t$WRK_THREADS -c$CONNECTIONS, one first hop each)"
wrk_out=$out_dir/footprint-wrk-sessions.txt
tag=fp$RANDOM
t0=$(date +%s%3N)
# -d is only a ceiling: the script stops wrk (SIGINT: it still prints its summary) once every
# session has been answered.
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${SESSIONS_TIMEOUT}s" -s tests/bench/ussd_new_sessions.lua \
  "http://127.0.0.1:$port" -- "$tag" "$SESSIONS" "$WRK_THREADS" >"$wrk_out" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
answered=0
until ((answered >= SESSIONS)); do
  kill -0 "$wrk_pid" 2>/dev/null || { cat "$wrk_out" >&2; die "wrk ended after $answered of $SESSIONS sessions"; }
  kill -0 "$pid" 2>/dev/null || die "ventanilla died while opening sessions (log: $out_dir/footprint_sessions.log)"
  sleep 0.2
  answered=$(($(hops) - hops0))
done
t1=$(date +%s%3N)
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
grep -q '^USSD bad replies: [0-9]' "$wrk_out" || { cat "$wrk_out" >&2; die "no figures from ussd_new_sessions.lua"; }
bad=$(sed -n 's/^USSD bad replies: \([0-9]*\).*/\1/p' "$wrk_out")
((bad == 0)) || die "$bad first hops were not answered 200 (see $wrk_out)"
rss_kib=$(proc_kib "$pid" VmRSS)
hwm_kib=$(proc_kib "$pid" VmHWM)
now_ms=$(date +%s%3N)
live=$(sql_value "$db" "SELECT count(*) FROM sessions WHERE session_key LIKE '$tag-%' AND ended = 0 AND expires_ms > $now_ms")
stop_pid "$pid"
db_mib=$(du -cm "$db"* | awk 'END { print $1 }')
((live >= SESSIONS)) || die "only $live of $SESSIONS sessions are live at the end"

# --- report --------------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\nFootprint benchmark  (commit %s, %s cores, %s io threads)\n\n' "$commit" "$(nproc)" "$IO_THREADS"
printf 'cold start, exec to the first 200 from /readyz, seeded database (%s places, %s hubs):\n' \
  "$places" "$hubs"
printf '  median %s ms, min %s ms, max %s ms over %s starts (%s)\n' "$start_median" "$start_min" \
  "$start_max" "$STARTS" "$starts"
printf 'memory with live USSD sessions (%s opened in %s ms, %s live at the end):\n' "$SESSIONS" \
  "$((t1 - t0))" "$live"
printf '  VmRSS idle %s MiB -> %s MiB; VmHWM %s MiB; database + WAL on disk %s MiB\n' \
  "$(mib "$rss_idle_kib")" "$(mib "$rss_kib")" "$(mib "$hwm_kib")" "$db_mib"

record_figure cold_start_ms "$start_median" ms lower "" "median of $STARTS, exec to /readyz 200"
record_figure live_sessions "$live" sessions higher "" "live USSD sessions when RSS was read"
record_figure rss_live_sessions_mib "$(mib "$rss_kib")" MiB lower "" "VmRSS with the live sessions"
record_figure hwm_live_sessions_mib "$(mib "$hwm_kib")" MiB lower "" "VmHWM (peak RSS)"
record_figure rss_idle_mib "$(mib "$rss_idle_kib")" MiB lower "" "VmRSS after start, before the sessions"
exit 0
