#!/usr/bin/env bash
# Delivery-report benchmark: Kannel delivery reports (GET /v1/bench/kannel/status/<secret>?id=..
# &type=1) against ventanilla (release preset), every report for a different sent message in the
# outbox, so each one is applied and committed (dedupe row, lookup by reference, status update)
# before the 200; compared with the bare Beast server's /healthz measured in the same run. See
# tests/bench/README.md.
#
# Usage: tests/bench/dlr_bench.sh
# Environment: DURATION=10 (s per wrk run), ROUNDS=1, IO_THREADS=2, CONNECTIONS=64, WRK_THREADS=2,
#              ROWS=500000 (sent messages put in the outbox beforehand, one report each),
#              SKIP_BUILD=0 (1 uses build/release/ventanilla as it is), STARTUP_TIMEOUT=60
# Exit codes: 0 figures printed, 1 a build, server or wrk run failed, a report was not answered
#             200, or the reports ran past ROWS (raise ROWS), 2 bad usage.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
ROWS=${ROWS:-500000}
SKIP_BUILD=${SKIP_BUILD:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/dlr_bench.sh" >&2; exit 2 ;;
esac
[[ "$ROWS" =~ ^[1-9][0-9]*$ ]] || { echo "ROWS must be a positive integer" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup

build_release  # honours SKIP_BUILD
build_baseline

# --- configuration: one Kannel route that sends, so its status route exists ----------------------
# Sending stays off (outbound.enabled=false): the send_url is never called. Bench-only secrets.
export VENTANILLA_BENCH_KANNEL_SECRET=benchdlrsecret$RANDOM$RANDOM$RANDOM
export VENTANILLA_BENCH_KANNEL_SEND=bench-kannel-password-$RANDOM
config=$tmp/dlr-bench.toml
cat >"$config" <<TOML
# Written by tests/bench/dlr_bench.sh.
[[route]]
name = "kannel-bench"
carrier = "kannel"
path = "/v1/bench/kannel/sms"
secret_env = "VENTANILLA_BENCH_KANNEL_SECRET"
send_url = "http://127.0.0.1:9"
send_account = "bench"
send_secret_env = "VENTANILLA_BENCH_KANNEL_SEND"
send_from = "12345"
TOML
status_path=/v1/bench/kannel/status/$VENTANILLA_BENCH_KANNEL_SECRET
db=$tmp/dlr.db

start_ventanilla() {
  target_port=$(free_port)
  start_server "$1" "$target_port" build/release/ventanilla serve --config "$config" \
    --listen "127.0.0.1:$target_port" --db "$db" --set "privacy.key_file=$tmp/secret.key" \
    --set "server.io_threads=$IO_THREADS" --set outbound.enabled=false
}

# The first start migrates and seeds the database; then, with the server stopped, ROWS sent
# messages go in directly (what the senders would have left: status sent, number erased).
start_ventanilla dlr_seed
stop_pid "$server_pid"
log "inserting $ROWS sent messages into the outbox"
python3 - "$db" "$ROWS" <<'PY'
import sqlite3, sys, time
db, rows = sys.argv[1], int(sys.argv[2])
now = int(time.time() * 1000)
con = sqlite3.connect(db)
con.executemany(
    "INSERT INTO outbox (idempotency_key, subscriber, destination_sealed, body, route, status,"
    " attempts, next_attempt_ms, created_ms, updated_ms, reference, external_id, sent_ms)"
    " VALUES (?, ?, x'', 'Ventanilla', 'kannel-bench', 'sent', 1, ?, ?, ?, ?, ?, ?)",
    (("dlr-bench-%d" % i, "bench-subscriber-%d" % (i % 5000), now, now, now, "dlr-%d" % i,
      "kannel-%d" % i, now) for i in range(rows)))
con.commit()
con.close()
PY

baseline_port=$(free_port)
start_server dlr_baseline "$baseline_port" "$baseline_bin" "$baseline_port" "$IO_THREADS"
start_ventanilla dlr_ventanilla
ventanilla_pid=$server_pid

probe=$(curl -sS --max-time 5 -w '\n%{http_code}' \
  "http://127.0.0.1:$target_port$status_path?id=dlr-0&type=1&smsc=FAKE") ||
  die "the Kannel status route did not answer"
[[ "${probe##*$'\n'}" == 200 ]] || die "the delivery-report probe was not accepted: $probe"
next_row=1  # the probe reported row 0

# --- measure -------------------------------------------------------------------------------------
# run_wrk NAME SECONDS OUTFILE WRK_ARGS...
run_wrk() {
  local name=$1 secs=$2 out=$3 pid_var="pid_$1"
  shift 3
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed on $name"; }
  kill -0 "${!pid_var}" 2>/dev/null || die "$name died under load (log: $out_dir/$name.log)"
  grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "no Requests/sec in wrk output"; }
}
figure_of() { sed -n "s/^$2: \([0-9]*\).*/\1/p" "$1" | head -n 1; }
beyond=0 bad=0
baseline_run() { run_wrk dlr_baseline "$1" "$2" "http://127.0.0.1:$baseline_port/healthz"; }
dlr_run() {
  ((next_row < ROWS)) || die "all $ROWS outbox rows reported before this run; raise ROWS"
  run_wrk dlr_ventanilla "$1" "$2" -s tests/bench/dlr_kannel.lua \
    "http://127.0.0.1:$target_port" -- "$status_path" "$next_row" "$WRK_THREADS" "$ROWS"
  grep -q '^DLR bad replies: [0-9]' "$2" || { cat "$2" >&2; die "no figures from dlr_kannel.lua"; }
  beyond=$((beyond + $(figure_of "$2" "DLR beyond rows")))
  bad=$((bad + $(figure_of "$2" "DLR bad replies")))
  next_row=$(figure_of "$2" "DLR next start")
}

log "warm-up: 2 s per server (discarded)"
baseline_run 2 "$tmp/warmup-baseline.txt"
dlr_run 2 "$tmp/warmup-dlr.txt"

best_base='' best_dlr=''
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS: baseline /healthz, ${DURATION}s"
  baseline_run "$DURATION" "$out_dir/dlr-wrk-baseline-$round.txt"
  keep_best best_base "$(parse_wrk "$out_dir/dlr-wrk-baseline-$round.txt")"
  log "round $round/$ROUNDS: Kannel delivery reports, ${DURATION}s"
  dlr_run "$DURATION" "$out_dir/dlr-wrk-kannel-$round.txt"
  keep_best best_dlr "$(parse_wrk "$out_dir/dlr-wrk-kannel-$round.txt")"
done

metric() {
  curl -fsS --max-time 5 "http://127.0.0.1:$target_port/metrics" |
    awk -v k="$1" '$1 ~ "^" k "({|$)" { s += $2 } END { print s + 0 }'
}
applied=$(metric ventanilla_delivery_reports_total)
unknown=$(metric ventanilla_delivery_reports_unknown_total)
duplicate=$(metric ventanilla_delivery_reports_duplicate_total)
stop_pid "$ventanilla_pid"
delivered=$(sql_value "$db" "SELECT count(*) FROM outbox WHERE delivery_status = 'delivered'")

# --- report --------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\nDelivery-report benchmark  (commit %s, %s cores, wrk -t%s -c%s -d%ss --latency, %s io threads,\n' \
  "$commit" "$(nproc)" "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$IO_THREADS"
printf '                            best of %s rounds; every report for a different sent message)\n\n' "$ROUNDS"
printf '%-30s %10s %9s %9s %8s %9s %7s\n' server 'req/s' 'p50 ms' 'p99 ms' non-2xx sock-err ratio
read -r base_rps _ <<<"$best_base"
invalid=0
row() {
  local rps p50 p99 non2xx err
  read -r rps p50 p99 non2xx err <<<"$2"
  printf '%-30s %10.0f %9.3f %9.3f %8d %9d %7.3f\n' "$1" "$rps" "$p50" "$p99" "$non2xx" "$err" \
    "$(ratio_of "$rps" "$base_rps")"
  ((non2xx == 0)) || invalid=1
}
row 'baseline GET /healthz' "$best_base"
row 'Kannel DLR GET (capability)' "$best_dlr"
printf '\nreports applied %s, unknown %s, duplicate %s (metrics, all runs); rows delivered %s of %s;\n' \
  "$applied" "$unknown" "$duplicate" "$delivered" "$ROWS"
printf 'bad replies %s; reports past the last row %s\n' "$bad" "$beyond"
((bad == 0 && beyond == 0)) || invalid=1
((invalid == 0)) || die "INVALID: bad replies, non-2xx or reports past ROWS (see $out_dir/dlr-wrk-*.txt)"
read -r rps p50 p99 _ <<<"$best_dlr"
record_figure dlr_kannel_rps "$rps" req/s higher "$(ratio_of "$rps" "$base_rps")" \
  "each report applied to a sent message"
record_figure dlr_kannel_p50_ms "$p50" ms lower
record_figure dlr_kannel_p99_ms "$p99" ms lower
exit 0
