#!/usr/bin/env bash
# Outbox benchmark: the time to queue MESSAGES SMS through the real path (inbound SMS on Africa's
# Talking routes, each reply queued in the outbox in the same transaction), then the rate at which
# the outbox senders drain them to a loopback fake carrier (fake_carrier_bench.cpp) with every
# state change durable. See tests/bench/README.md.
#
# Usage: tests/bench/outbox_bench.sh
# Environment: MESSAGES=10000, ROUTES=8 (sending routes; send_rate is capped at 1000/s per route),
#              SEND_RATE=1000 (send_rate of each route), IO_THREADS=2, CONNECTIONS=64,
#              WRK_THREADS=2, SYNCHRONOUS= (storage.synchronous; empty keeps the default, full),
#              DRAIN_TIMEOUT=300 (s), SKIP_BUILD=0 (1 uses the binary as it is),
#              VENTANILLA=build/release/ventanilla, STARTUP_TIMEOUT=60
# Exit codes: 0 figures printed, 1 a build, server or wrk run failed, a request was refused, or
#             messages were lost or not drained in time, 2 bad usage.
set -euo pipefail

MESSAGES=${MESSAGES:-10000}
ROUTES=${ROUTES:-8}
SEND_RATE=${SEND_RATE:-1000}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
SYNCHRONOUS=${SYNCHRONOUS:-}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-300}
SKIP_BUILD=${SKIP_BUILD:-0}
VENTANILLA=${VENTANILLA:-build/release/ventanilla}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/outbox_bench.sh" >&2; exit 2 ;;
esac
[[ "$MESSAGES" =~ ^[1-9][0-9]*$ && "$ROUTES" =~ ^[1-9][0-9]?$ && "$SEND_RATE" =~ ^[1-9][0-9]*$ ]] ||
  { echo "MESSAGES, ROUTES (1..99) and SEND_RATE must be positive integers" >&2; exit 2; }
((SEND_RATE <= 1000)) || { echo "SEND_RATE: send_rate is at most 1000 per route" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup

# --- build ---------------------------------------------------------------------------------------
if [[ "$SKIP_BUILD" == 1 || "$VENTANILLA" != build/release/ventanilla ]]; then
  [[ -x "$VENTANILLA" ]] || die "$VENTANILLA is missing (SKIP_BUILD=1 or VENTANILLA set)"
else
  build_release
fi
fake_bin=$out_dir/fake_carrier_bench
fake_src=tests/bench/fake_carrier_bench.cpp
if [[ ! -x "$fake_bin" || "$fake_src" -nt "$fake_bin" ]]; then
  log "compiling $fake_src -> $fake_bin"
  g++ -O2 -std=c++20 -DNDEBUG -DBOOST_ASIO_NO_DEPRECATED -Wall -Wextra -pthread \
    "$fake_src" -o "$fake_bin"
fi

# sql QUERY : one value from the benchmark database, read-only.
sql() { sql_value "$db" "$1"; }
now_ms() { date +%s%3N; }
stat_of() { sed -n "s/^$1 //p" <<<"$2"; }

# --- the fake carrier and the configuration ------------------------------------------------------
fake_port=$(free_port)
start_server outbox_fake_carrier "$fake_port" "$fake_bin" "$fake_port" 1

# Bench-only secrets, shared with ventanilla through the environment.
webhook_secret=benchatsecret$RANDOM$RANDOM$RANDOM
export VENTANILLA_BENCH_AT_SECRET=$webhook_secret
export VENTANILLA_BENCH_AT_SEND_KEY=bench-at-api-key-$RANDOM$RANDOM
db=$tmp/outbox.db
config=$tmp/outbox-bench.toml
paths=()
{
  printf '# Written by tests/bench/outbox_bench.sh: %s Africa'\''s Talking routes sending to the fake.\n' "$ROUTES"
  for ((r = 1; r <= ROUTES; r++)); do
    cat <<EOF

[[route]]
name = "at-bench-$r"
carrier = "africastalking"
path = "/v1/bench/at-$r/sms"
secret_env = "VENTANILLA_BENCH_AT_SECRET"
send_url = "http://127.0.0.1:$fake_port"
send_account = "bench"
send_secret_env = "VENTANILLA_BENCH_AT_SEND_KEY"
send_from = "12345"
send_rate = $SEND_RATE
EOF
    paths+=("/v1/bench/at-$r/sms/$webhook_secret")
  done
} >"$config"
path_list=$(IFS=,; echo "${paths[*]}")

# start_ventanilla NAME OUTBOUND_ENABLED : the same database, config and key every time. Sets
# target_port and ventanilla_pid.
start_ventanilla() {
  local extra=() pid_var="pid_$1"
  [[ -z "$SYNCHRONOUS" ]] || extra=(--set "storage.synchronous=$SYNCHRONOUS")
  target_port=$(free_port)
  start_server "$1" "$target_port" "$VENTANILLA" serve --config "$config" \
    --listen "127.0.0.1:$target_port" --db "$db" --set "privacy.key_file=$tmp/secret.key" \
    --set "server.io_threads=$IO_THREADS" --set "outbound.enabled=$2" "${extra[@]}"
  ventanilla_pid=${!pid_var}
}

# --- 1. enqueue: MESSAGES inbound SMS, senders off -----------------------------------------------
# The first start seeds data/ and menus/ (the reply is the language menu).
start_ventanilla outbox_enqueue false
log "queueing $MESSAGES messages: inbound SMS over $ROUTES route(s), wrk -t$WRK_THREADS -c$CONNECTIONS"
wrk_out=$out_dir/outbox-wrk-enqueue.txt
enqueue_start=$(now_ms)
# -d is only a ceiling: the script stops wrk (SIGINT: it still prints its summary) once every
# message is in the outbox.
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DRAIN_TIMEOUT}s" -s tests/bench/outbox_at_sms.lua \
  "http://127.0.0.1:$target_port" -- "$path_list" "enq$RANDOM" "$MESSAGES" "$WRK_THREADS" \
  >"$wrk_out" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
queued=0
until ((queued >= MESSAGES)); do
  kill -0 "$wrk_pid" 2>/dev/null || { cat "$wrk_out" >&2; die "wrk ended before $MESSAGES were queued ($queued)"; }
  kill -0 "$ventanilla_pid" 2>/dev/null || die "ventanilla died while queueing (log: $out_dir/outbox_enqueue.log)"
  sleep 0.05
  queued=$(sql "SELECT count(*) FROM outbox")
done
enqueue_end=$(now_ms)
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
grep -q '^SMS bad replies: [0-9]' "$wrk_out" || { cat "$wrk_out" >&2; die "no figures from outbox_at_sms.lua"; }
bad=$(sed -n 's/^SMS bad replies: \([0-9]*\).*/\1/p' "$wrk_out")
sms_sent=$(sed -n 's/^SMS sent: \([0-9]*\).*/\1/p' "$wrk_out")
((bad == 0)) || die "$bad inbound SMS were not answered 200 (see $wrk_out, $out_dir/outbox_enqueue.log)"
stop_pid "$ventanilla_pid"
queued=$(sql "SELECT count(*) FROM outbox")
((queued == MESSAGES)) ||
  die "$queued outbox rows for $MESSAGES inbound SMS ($sms_sent sent by wrk): expected one reply each"
created_span_ms=$(sql "SELECT max(created_ms) - min(created_ms) FROM outbox")
enqueue_ms=$((enqueue_end - enqueue_start))

# --- 2. drain: the senders on, the same database -------------------------------------------------
log "draining $MESSAGES messages to the fake carrier ($ROUTES route(s) x send_rate $SEND_RATE/s)"
drain_start=$(now_ms)
start_ventanilla outbox_drain true
deadline=$((SECONDS + DRAIN_TIMEOUT))
sent=0
until ((sent >= MESSAGES)); do
  kill -0 "$ventanilla_pid" 2>/dev/null || die "ventanilla died while draining (log: $out_dir/outbox_drain.log)"
  ((SECONDS < deadline)) || die "only $sent of $MESSAGES sent after ${DRAIN_TIMEOUT}s (log: $out_dir/outbox_drain.log)"
  sleep 0.1
  sent=$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")
done
stats=$(curl -fsS --max-time 5 "http://127.0.0.1:$fake_port/stats") || die "the fake carrier's /stats did not answer"
stop_pid "$ventanilla_pid"

calls=$(stat_of calls "$stats")
distinct=$(stat_of distinct_to "$stats")
fake_bad=$(stat_of bad "$stats")
first_ns=$(stat_of first_ns "$stats")
last_ns=$(stat_of last_ns "$stats")
last_sent_ms=$(sql "SELECT max(sent_ms) FROM outbox")
not_sent=$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")
flagged=$(sql "SELECT count(*) FROM outbox WHERE in_doubt = 1")
retried=$(sql "SELECT count(*) FROM outbox WHERE attempts > 1")
numbers_kept=$(sql "SELECT count(*) FROM outbox WHERE length(destination_sealed) > 0")

# --- report --------------------------------------------------------------------------------------
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.0f", n * 1000 / ms; else print "n/a" }'; }
call_span_ms=$(awk -v a="$first_ns" -v b="$last_ns" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
durable_span_ms=$(awk -v a="$first_ns" -v b="$last_sent_ms" 'BEGIN { printf "%.1f", b - a / 1e6 }')
drain_rate=$(rate "$((calls - 1))" "$call_span_ms")
durable_rate=$(rate "$MESSAGES" "$durable_span_ms")
cap=$((ROUTES * SEND_RATE))
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

printf '\nOutbox benchmark  (commit %s, %s cores, %s io threads, storage.synchronous=%s,\n' \
  "$commit" "$(nproc)" "$IO_THREADS" "${SYNCHRONOUS:-full (default)}"
printf '                   %s messages, %s Africa'\''s Talking route(s))\n\n' "$MESSAGES" "$ROUTES"
printf 'enqueue: %s inbound SMS (wrk -t%s -c%s), each reply queued in the same transaction\n' \
  "$MESSAGES" "$WRK_THREADS" "$CONNECTIONS"
printf '  wall clock until all %s rows were in the outbox: %s ms  -> %s messages/s\n' \
  "$MESSAGES" "$enqueue_ms" "$(rate "$MESSAGES" "$enqueue_ms")"
printf '  first to last created_ms:                      %s ms  -> %s messages/s\n' \
  "$created_span_ms" "$(rate "$MESSAGES" "$created_span_ms")"
printf 'drain: to a loopback fake carrier answering 201 at once\n'
printf '  first to last carrier call:                    %s ms  -> %s messages/s\n' \
  "$call_span_ms" "$drain_rate"
printf '  first call to the last row'\''s sent_ms:         %s ms  -> %s messages/s\n' \
  "$durable_span_ms" "$durable_rate"
printf '  rate cap: %s route(s) x send_rate %s/s = %s/s (send_rate is at most 1000/s per route)\n' \
  "$ROUTES" "$SEND_RATE" "$cap"
printf '  carrier calls %s, distinct recipients %s, bad requests %s; rows sent %s, not sent %s,\n' \
  "$calls" "$distinct" "$fake_bad" "$sent" "$not_sent"
printf '  retried %s, flagged in_doubt %s, numbers still stored %s; wall clock from restart %s ms\n' \
  "$retried" "$flagged" "$numbers_kept" "$(($(now_ms) - drain_start))"
if awk -v r="$drain_rate" -v c="$cap" 'BEGIN { exit !(r >= 0.9 * c) }'; then
  printf '  NOTE: the drain rate is within 10%% of the rate cap: the cap, not ventanilla, is the limit;\n'
  printf '        run with more ROUTES to measure past it.\n'
fi

((calls == MESSAGES && distinct == MESSAGES && fake_bad == 0 && not_sent == 0)) ||
  die "the carrier got $calls calls for $distinct recipients ($fake_bad bad) for $MESSAGES messages"
record_figure outbox_enqueue_rate "$(rate "$MESSAGES" "$enqueue_ms")" msg/s higher "" \
  "$MESSAGES inbound SMS, wall clock to the last outbox row"
record_figure outbox_drain_rate "$drain_rate" msg/s higher "" \
  "first to last carrier call, $ROUTES routes (cap $cap/s)"
exit 0
