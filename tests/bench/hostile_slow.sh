#!/usr/bin/env bash
# Slow-client benchmark (reliability.md §8 D2/D3, issue #8 "Hostile clients"): slowhttptest slow
# headers (-H), slow body (-B) and slow read (-X), CONNECTIONS connections held for DURATION s,
# against ventanilla (release preset) with its production deadlines, while a sequential client
# measures legitimate USSD first hops. Prints, per attack: slowhttptest's service-available
# verdict per second, when it ended and why, the server's peak of open connections, and the
# legitimate p50/p99 before and during the attack with their ratio (goal: p99 ≤ 2× baseline).
# The ctest variant (short, 200 connections, 2 s deadlines) is
# tests/integration/hostile_clients_test.cpp; this one is not run by ctest.
#
# Usage: tests/bench/hostile_slow.sh
# The server cuts slow headers and bodies at its 10 s deadline, so one wave of CONNECTIONS would
# be gone after 10 s: those two attacks open CONNECTIONS/10 new connections a second for DURATION
# s (CONNECTIONS*DURATION/10 in all), which keeps about CONNECTIONS open throughout. Slow read
# its connections until the idle deadline (30 s) once the kernel holds its answers: it opens
# CONNECTIONS/30 a second for DURATION s.
# Environment: CONNECTIONS=1000, DURATION=60 (s), ATTACKS="slow_headers slow_body slow_read",
#              BASELINE_S=10 (s of legitimate samples before each attack), STARTUP_TIMEOUT=60
# Exit codes: 0 figures printed (the verdict line says PASS or BELOW TARGET), 1 a build, server
#             or tool failed, 2 bad usage.
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-1000}
DURATION=${DURATION:-60}
ATTACKS=${ATTACKS:-slow_headers slow_body slow_read}
BASELINE_S=${BASELINE_S:-10}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/hostile_slow.sh" >&2; exit 2 ;;
esac

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools slowhttptest curl python3 cmake
bench_setup

# slowhttptest's connections, the server's and the sampler's: well over 2 × CONNECTIONS.
need_fds=$((2 * CONNECTIONS + 256))
if (($(ulimit -n) < need_fds)); then
  ulimit -n "$need_fds" 2>/dev/null || die "ulimit -n is $(ulimit -n); $need_fds descriptors needed"
fi

build_release
port=$(free_port)
# Production deadlines (header/body/write 10 s, idle 30 s); room for the attack and the sampler.
start_server hostile_ventanilla "$port" build/release/ventanilla serve \
  --listen "127.0.0.1:$port" --db "$tmp/hostile.db" --set "privacy.key_file=$tmp/secret.key" \
  --set "limits.max_connections=$((CONNECTIONS + 512))"
base=http://127.0.0.1:$port

# sample OUT STOPFILE: sequential USSD first hops on fresh connections until STOPFILE exists;
# one latency in ms per line, "error" for a failed or non-CON reply.
sample() {
  python3 - "$port" "$1" "$2" <<'PY'
import http.client, os, sys, time
port, out, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n = 0
with open(out, "w") as f:
    while not os.path.exists(stop):
        n += 1
        body = ("sessionId=bench-lat-%d-%d&serviceCode=%%2A123%%23&phoneNumber=%%2B50257000001"
                "&networkCode=704001&text=" % (os.getpid(), n))
        start = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/v1/africastalking/ussd", body,
                      {"Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            ok = r.status == 200 and r.read().startswith(b"CON ")
            c.close()
        except OSError:
            ok = False
        f.write("%.3f\n" % ((time.monotonic() - start) * 1e3) if ok else "error\n")
        f.flush()
PY
}

# percentiles FILE: "count p50 p99 errors"
percentiles() {
  python3 - "$1" <<'PY'
import sys
v = [l.strip() for l in open(sys.argv[1])]
ms = sorted(float(x) for x in v if x and x != "error")
errors = sum(1 for x in v if x == "error")
def p(q):
    return ms[min(len(ms) - 1, len(ms) * q // 100)] if ms else 0.0
print(len(ms), "%.2f" % p(50), "%.2f" % p(99), errors)
PY
}

# watch_open OUT STOPFILE: the server's open connections every 0.5 s.
watch_open() {
  while [[ ! -e "$2" ]]; do
    curl -fsS --max-time 2 "$base/metrics" 2>/dev/null |
      sed -n 's/^ventanilla_http_open_connections \([0-9]*\)$/\1/p' >>"$1" || true
    sleep 0.5
  done
}

declare -a summary=()
verdict=PASS
run_attack() {
  local name=$1
  shift
  local stop=$tmp/$name.stop report=$tmp/$name
  rm -f "$stop"
  log "$name: ${BASELINE_S}s of legitimate requests first"
  sample "$tmp/$name.before" "$stop.before" &
  local sampler=$!
  sleep "$BASELINE_S"
  touch "$stop.before"
  wait "$sampler"

  log "$name: slowhttptest $*"
  sample "$tmp/$name.during" "$stop" &
  sampler=$!
  watch_open "$tmp/$name.open" "$stop" &
  local watcher=$!
  slowhttptest "$@" -p 3 -g -o "$report" \
    >"$out_dir/hostile-$name.txt" 2>&1 || die "slowhttptest failed (see $out_dir/hostile-$name.txt)"
  touch "$stop"
  wait "$sampler" "$watcher"
  local pid_var=pid_hostile_ventanilla  # set by start_server
  kill -0 "${!pid_var}" 2>/dev/null || die "ventanilla died during $name"
  cp "$report.csv" "$out_dir/hostile-$name.csv"

  local unavailable ended why peak held ratio b_n b_p50 b_p99 b_err d_n d_p50 d_p99 d_err
  read -r b_n b_p50 b_p99 b_err <<<"$(percentiles "$tmp/$name.before")"
  read -r d_n d_p50 d_p99 d_err <<<"$(percentiles "$tmp/$name.during")"
  # CSV: Seconds,Closed,Pending,Connected,Service Available (0 = the probe got no answer).
  unavailable=$(awk -F, 'NR > 1 && $5 == 0 { n++ } END { print n + 0 }' "$report.csv")
  ended=$(sed -n 's/.*Test ended on \([0-9]*\).*/\1/p' "$out_dir/hostile-$name.txt" | head -n 1)
  # The console report is coloured: drop the escapes first.
  why=$(sed 's/\x1b\[[0-9;]*m//g' "$out_dir/hostile-$name.txt" |
    sed -n 's/.*Exit status: *\(.*[a-z]\).*/\1/p' | head -n 1)
  peak=$(sort -n "$tmp/$name.open" 2>/dev/null | tail -n 1)
  # Seconds the server held at least 80 % of CONNECTIONS open (samples every 0.5 s).
  held=$(awk -v c="$CONNECTIONS" '$1 >= 0.8 * c { n++ } END { printf "%.0f", n / 2 }' \
    "$tmp/$name.open" 2>/dev/null)
  ratio=$(awk -v a="$d_p99" -v b="$b_p99" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  if ((unavailable > 0 || b_err + d_err > 0)) ||
    awk -v r="$ratio" 'BEGIN { exit !(r > 2) }'; then
    verdict="BELOW TARGET"
  fi
  summary+=("$(printf '%-13s %8s %8s %8s %8s %6s %7s %7s %6s %6s %6s %5s %9s  %s' "$name" \
    "$b_p50" "$d_p50" "$b_p99" "$d_p99" "$ratio" "$b_n" "$d_n" "$((b_err + d_err))" "${peak:-?}" \
    "${held:-?}" "$unavailable" "${ended:-?}" "${why:-?}")")
}

# New connections a second that keep about CONNECTIONS open when each lives `deadline` seconds.
wave() {
  local deadline=$1 rate=$(((CONNECTIONS + $1 - 1) / $1))
  printf '%s' "-c $((rate * DURATION)) -r $rate -l $((DURATION + deadline))"
}
for attack in $ATTACKS; do
  case "$attack" in
    # shellcheck disable=SC2046 # wave prints separate options
    slow_headers) run_attack slow_headers $(wave 10) -H -i 5 -u "$base/healthz" ;;
    slow_body) run_attack slow_body $(wave 10) -B -i 5 -s 8192 -t POST \
      -u "$base/v1/africastalking/ussd" ;;
    slow_read) run_attack slow_read $(wave 30) -X -w 1 -y 2 -n 5 -z 1 -k 5 -u "$base/metrics" ;;
    *) die "unknown attack $attack (ATTACKS: slow_headers slow_body slow_read)" ;;
  esac
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\nSlow clients  (commit %s, %s cores, about %s connections held for %s s: new ones each second\n' \
  "$commit" "$(nproc)" "$CONNECTIONS" "$DURATION"
printf '              replace those the server cuts at its deadlines), production\n'
printf '              deadlines: header/body/write 10 s, idle 30 s)\n\n'
printf '%-13s %8s %8s %8s %8s %6s %7s %7s %6s %6s %6s %5s %9s  %s\n' attack 'p50 pre' 'p50 dur' \
  'p99 pre' 'p99 dur' ratio 'n pre' 'n dur' errors peak 'held' unav 'ended s' 'slowhttptest exit'
for line in "${summary[@]}"; do printf '%s\n' "$line"; done
printf '\np50/p99 in ms of sequential USSD first hops (ratio = p99 dur / p99 pre); peak = most connections the server held open;\n'
printf 'held = seconds the server held at least 80 %% of that many open;\n'
printf 'unav = seconds slowhttptest saw the service unavailable. Goal: unav 0, errors 0, ratio <= 2.\n'
printf 'verdict: %s   (CSV and console reports: %s/hostile-*)\n' "$verdict" "$out_dir"
