#!/usr/bin/env bash
# /healthz benchmark: ventanilla (release preset) against a bare Beast server (baseline_server.cpp).
# See tests/bench/README.md for what is measured and how to read the ratio.
#
# Usage: tests/bench/run.sh [--self-test]
#   --self-test   measure the baseline against a second baseline instance instead of ventanilla
#                 (no ventanilla build; the ratio shows this machine's noise floor, ideally ~1.0)
# Environment: DURATION=10 (s per wrk run), ROUNDS=2, IO_THREADS=2, CONNECTIONS=64,
#              WRK_THREADS=2, TARGET=0.8, STARTUP_TIMEOUT=60 (s to wait for /healthz),
#              SKIP_BUILD=0 (1 uses build/release/ventanilla as it is)
# Exit codes: 0 figures printed (PASS or BELOW TARGET), 1 a build, server or wrk run failed or a
#             server answered /healthz with non-2xx, 2 bad usage.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
TARGET=${TARGET:-0.8}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

self_test=0
case "${1:-}" in
  "") ;;
  --self-test) self_test=1 ;;
  -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/run.sh [--self-test]" >&2; exit 2 ;;
esac
(($# <= 1)) || { echo "usage: tests/bench/run.sh [--self-test]" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup

# --- build ---------------------------------------------------------------------------------------
((self_test)) || build_release
build_baseline

# --- servers -------------------------------------------------------------------------------------
baseline_port=$(free_port)
start_server baseline "$baseline_port" "$baseline_bin" "$baseline_port" "$IO_THREADS"

target_port=$(free_port)
if ((self_test)); then
  target=baseline_b
  start_server "$target" "$target_port" "$baseline_bin" "$target_port" "$IO_THREADS"
else
  target=ventanilla
  start_server "$target" "$target_port" build/release/ventanilla serve \
    --listen "127.0.0.1:$target_port" --db "$tmp/bench.db" \
    --set "privacy.key_file=$tmp/secret.key" --set "server.io_threads=$IO_THREADS"
fi

# --- measure -------------------------------------------------------------------------------------
# run_wrk NAME PORT SECONDS OUTFILE
run_wrk() {
  local name=$1 port=$2 secs=$3 out=$4 pid_var="pid_$1"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency \
    "http://127.0.0.1:$port/healthz" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $name"; }
  kill -0 "${!pid_var}" 2>/dev/null || die "$name died under load (log: $out_dir/$name.log)"
  grep -q '^Requests/sec:' "$out" || { cat "$out" >&2; die "no Requests/sec in wrk output"; }
}

declare -A best_rps best_line rounds_rps
names=(baseline "$target")
ports=("$baseline_port" "$target_port")

log "warm-up: 2 s per server (discarded)"
for i in 0 1; do run_wrk "${names[$i]}" "${ports[$i]}" 2 "$tmp/warmup.txt"; done

for ((round = 1; round <= ROUNDS; round++)); do
  for i in 0 1; do
    name=${names[$i]}
    log "round $round/$ROUNDS: $name, ${DURATION}s"
    out=$out_dir/wrk-$name-$round.txt
    run_wrk "$name" "${ports[$i]}" "$DURATION" "$out"
    line=$(parse_wrk "$out")
    rps=${line%% *}
    rounds_rps[$name]="${rounds_rps[$name]:-}${rounds_rps[$name]:+ }$(printf '%.0f' "$rps")"
    if [[ -z "${best_rps[$name]:-}" ]] || awk -v a="$rps" -v b="${best_rps[$name]}" 'BEGIN { exit !(a > b) }'; then
      best_rps[$name]=$rps
      best_line[$name]=$line
    fi
  done
done

# --- report --------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\n/healthz benchmark  (commit %s, %s cores, wrk -t%s -c%s -d%ss --latency, %s io threads,\n' \
  "$commit" "$(nproc)" "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$IO_THREADS"
printf '                    best of %s rounds, alternating baseline/%s)\n\n' "$ROUNDS" "$target"
printf '%-12s %12s %10s %10s %9s %9s   %s\n' server 'req/s' 'p50 ms' 'p99 ms' non-2xx sock-err \
  'req/s per round'
invalid=0
for name in "${names[@]}"; do
  read -r rps p50 p99 non2xx errors <<<"${best_line[$name]}"
  printf '%-12s %12.0f %10.3f %10.3f %9d %9d   %s\n' "$name" "$rps" "$p50" "$p99" "$non2xx" \
    "$errors" "${rounds_rps[$name]}"
  ((non2xx == 0)) || invalid=1
done

ratio=$(awk -v a="${best_rps[$target]}" -v b="${best_rps[baseline]}" 'BEGIN { printf "%.3f", a / b }')
if ((invalid)); then
  verdict="INVALID (non-2xx answers to /healthz; see $out_dir/wrk-*.txt)"
elif awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r >= t) }'; then
  verdict=PASS
else
  verdict="BELOW TARGET"
fi
printf '\nratio %s/baseline req/s: %s  (target >= %s)  %s\n' "$target" "$ratio" "$TARGET" "$verdict"
if ((!self_test && !invalid)); then
  read -r rps p50 p99 _ <<<"${best_line[baseline]}"
  record_figure baseline_healthz_rps "$rps" req/s higher 1.000
  record_figure baseline_healthz_p50_ms "$p50" ms lower
  record_figure baseline_healthz_p99_ms "$p99" ms lower
  read -r rps p50 p99 _ <<<"${best_line[ventanilla]}"
  record_figure healthz_rps "$rps" req/s higher "$ratio"
  record_figure healthz_p50_ms "$p50" ms lower
  record_figure healthz_p99_ms "$p99" ms lower
fi
((invalid == 0)) || exit 1
exit 0
