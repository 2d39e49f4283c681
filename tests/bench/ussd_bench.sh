#!/usr/bin/env bash
# USSD benchmark: whole Africa's Talking-style sessions (ussd_session.lua, 8 or 9 durable hops
# each, ending in "send me this by SMS") against ventanilla (release preset), compared with the
# bare Beast server's /healthz measured in the same run. See tests/bench/README.md.
#
# Usage: tests/bench/ussd_bench.sh
# Environment: DURATION=10 (s per wrk run), ROUNDS=1, IO_THREADS=2, CONNECTIONS=64 (wrk runs
#              one thread per connection), TARGET_RATIO=0.5, TARGET_P99_MS=10,
#              SYNCHRONOUS= (storage.synchronous for ventanilla; empty keeps its default, "full"),
#              STARTUP_TIMEOUT=60 (s to wait for /healthz), SKIP_BUILD=0 (1 uses
#              build/release/ventanilla as it is)
# Exit codes: 0 figures printed (PASS or BELOW TARGET), 1 a build, server or wrk run failed, or a
#             USSD reply was bad (non-200, not CON/END, or off the walk), 2 bad usage.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
TARGET_RATIO=${TARGET_RATIO:-0.5}
TARGET_P99_MS=${TARGET_P99_MS:-10}
SYNCHRONOUS=${SYNCHRONOUS:-}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/ussd_bench.sh" >&2; exit 2 ;;
esac

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup
script=tests/bench/ussd_session.lua
ussd_path=/v1/africastalking/ussd

# --- build ---------------------------------------------------------------------------------------
build_release
build_baseline

# --- servers -------------------------------------------------------------------------------------
baseline_port=$(free_port)
start_server ussd_baseline "$baseline_port" "$baseline_bin" "$baseline_port" "$IO_THREADS"

target_port=$(free_port)
db=$tmp/ussd.db
server_args=(serve --listen "127.0.0.1:$target_port" --db "$db"
  --set "privacy.key_file=$tmp/secret.key" --set "server.io_threads=$IO_THREADS")
[[ -z "$SYNCHRONOUS" ]] || server_args+=(--set "storage.synchronous=$SYNCHRONOUS")
# The first start against the empty database seeds data/ and menus/ before /healthz answers.
start_server ussd_ventanilla "$target_port" build/release/ventanilla "${server_args[@]}"

first_hop=$(curl -fsS --max-time 5 -X POST "http://127.0.0.1:$target_port$ussd_path" \
  --data 'sessionId=bench-probe&serviceCode=%2A123%23&phoneNumber=%2B50255559999&networkCode=704001&text=') ||
  die "the USSD route did not answer (is [ussd] enabled?)"
[[ "$first_hop" == "CON "* ]] || die "the USSD route's first screen is not CON: $first_hop"

# --- measure -------------------------------------------------------------------------------------
# One wrk thread per connection: ussd_session.lua can only keep a session's hops in order when
# request() and response() alternate, which wrk guarantees per thread, not per connection. The
# baseline is measured with the same -t/-c so both sides pay the same load-generator cost.
# run_wrk NAME SECONDS OUTFILE WRK_ARGS...
run_wrk() {
  local name=$1 secs=$2 out=$3 pid_var="pid_$1"
  shift 3
  wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${secs}s" --latency "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed on $name"; }
  kill -0 "${!pid_var}" 2>/dev/null || die "$name died under load (log: $out_dir/$name.log)"
  grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "no Requests/sec in wrk output"; }
}
baseline_run() {
  run_wrk ussd_baseline "$1" "$2" "http://127.0.0.1:$baseline_port/healthz"
}
# ussd_run SECONDS OUTFILE TAG: TAG makes this run's sessionIds new (see ussd_session.lua).
ussd_run() {
  run_wrk ussd_ventanilla "$1" "$2" -s "$script" \
    "http://127.0.0.1:$target_port" -- "$3"
  grep -q '^USSD bad replies: [0-9]' "$2" || { cat "$2" >&2; die "no figures from $script"; }
}
# lua_figure FILE LABEL: the first number after "LABEL: " in ussd_session.lua's done() output.
lua_figure() { sed -n "s/^$2: \([0-9]*\).*/\1/p" "$1" | head -n 1; }

# Warm-up also walks every phone's first session (the one with the language screen), so the
# measured rounds see returning callers whose language is remembered.
log "warm-up: 2 s per server (discarded)"
baseline_run 2 "$tmp/warmup-baseline.txt"
ussd_run 2 "$tmp/warmup-ussd.txt" warmup
sessions_all=$(lua_figure "$tmp/warmup-ussd.txt" "USSD sessions completed")
bad_all=$(lua_figure "$tmp/warmup-ussd.txt" "USSD bad replies")

best_base='' best_ussd='' best_ussd_out='' base_rounds='' ussd_rounds=''
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS: baseline /healthz, ${DURATION}s"
  out=$out_dir/ussd-wrk-baseline-$round.txt
  baseline_run "$DURATION" "$out"
  line=$(parse_wrk "$out")
  base_rounds="$base_rounds $(printf '%.0f' "${line%% *}")"
  if [[ -z "$best_base" ]] || awk -v a="${line%% *}" -v b="${best_base%% *}" 'BEGIN { exit !(a > b) }'; then
    best_base=$line
  fi

  log "round $round/$ROUNDS: ventanilla USSD sessions, ${DURATION}s"
  out=$out_dir/ussd-wrk-ventanilla-$round.txt
  ussd_run "$DURATION" "$out" "r$round"
  line=$(parse_wrk "$out")
  ussd_rounds="$ussd_rounds $(printf '%.0f' "${line%% *}")"
  sessions_all=$((sessions_all + $(lua_figure "$out" "USSD sessions completed")))
  bad_all=$((bad_all + $(lua_figure "$out" "USSD bad replies")))
  if [[ -z "$best_ussd" ]] || awk -v a="${line%% *}" -v b="${best_ussd%% *}" 'BEGIN { exit !(a > b) }'; then
    best_ussd=$line
    best_ussd_out=$out
  fi
done

# SMS queued by the walks: every completed session queues one (outbox rows, warm-up included).
count_sql='SELECT count(*) FROM outbox'
if command -v sqlite3 >/dev/null; then
  sms_queued=$(sqlite3 -readonly "$db" "$count_sql")
else
  sms_queued=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])' \
    "$db" "$count_sql")
fi
apologies=$(curl -fsS --max-time 5 "http://127.0.0.1:$target_port/metrics" |
  sed -n 's/^ventanilla_ussd_apologies_total \([0-9]*\)$/\1/p')

# --- report --------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\nUSSD session benchmark  (commit %s, %s cores, wrk -t%s -c%s -d%ss --latency, %s io threads,\n' \
  "$commit" "$(nproc)" "$CONNECTIONS" "$CONNECTIONS" "$DURATION" "$IO_THREADS"
printf '                         storage.synchronous=%s, best of %s rounds)\n\n' \
  "${SYNCHRONOUS:-full (default)}" "$ROUNDS"
printf '%-24s %10s %9s %9s %8s %9s   %s\n' server 'req/s' 'p50 ms' 'p99 ms' non-2xx sock-err \
  'req/s per round'
read -r base_rps base_p50 base_p99 base_non2xx base_err <<<"$best_base"
read -r ussd_rps ussd_p50 ussd_p99 ussd_non2xx ussd_err <<<"$best_ussd"
printf '%-24s %10.0f %9.3f %9.3f %8d %9d  %s\n' 'baseline GET /healthz' "$base_rps" "$base_p50" \
  "$base_p99" "$base_non2xx" "$base_err" "$base_rounds"
printf '%-24s %10.0f %9.3f %9.3f %8d %9d  %s\n' 'ventanilla USSD hops' "$ussd_rps" "$ussd_p50" \
  "$ussd_p99" "$ussd_non2xx" "$ussd_err" "$ussd_rounds"

printf '\n'
grep '^USSD sessions completed:' "$best_ussd_out" | sed 's/^USSD s/s/; s/$/ in the best round/'
printf 'bad USSD replies: %s (all runs, warm-up included); apologies (metrics): %s\n' "$bad_all" \
  "${apologies:-?}"
printf 'SMS queued (outbox rows): %s; sessions completed in all runs, warm-up included: %s\n' \
  "$sms_queued" "$sessions_all"
sed -n '/^  \[t/p' "$out_dir"/ussd-wrk-ventanilla-*.txt "$tmp/warmup-ussd.txt" | head -n 10

ratio=$(awk -v a="$ussd_rps" -v b="$base_rps" 'BEGIN { printf "%.3f", a / b }')
invalid=0
((bad_all == 0 && ussd_non2xx == 0 && base_non2xx == 0)) || invalid=1
if ((invalid)); then
  verdict="INVALID (bad USSD replies or non-2xx; see $out_dir/ussd-wrk-*.txt)"
elif awk -v r="$ratio" -v t="$TARGET_RATIO" -v p="$ussd_p99" -v tp="$TARGET_P99_MS" \
  'BEGIN { exit !(r >= t && p <= tp) }'; then
  verdict=PASS
else
  verdict="BELOW TARGET"
fi
printf '\nratio USSD hops/s / baseline /healthz req/s: %s (target >= %s); p99 %.3f ms (target <= %s)  %s\n' \
  "$ratio" "$TARGET_RATIO" "$ussd_p99" "$TARGET_P99_MS" "$verdict"
if ((invalid == 0)); then
  # The ratio is to this script's own baseline, measured with the same wrk -tC -cC.
  record_figure ussd_baseline_t64_rps "$base_rps" req/s higher 1.000 "baseline /healthz, wrk -t$CONNECTIONS"
  record_figure ussd_hop_rps "$ussd_rps" req/s higher "$ratio" "vs the wrk -t$CONNECTIONS baseline"
  record_figure ussd_hop_p50_ms "$ussd_p50" ms lower
  record_figure ussd_hop_p99_ms "$ussd_p99" ms lower
fi
((invalid == 0)) || exit 1
exit 0
