#!/usr/bin/env bash
# Where the CPU goes, per request, for the benchmarks' three loads: the bare Beast baseline on
# /healthz, USSD hops (ussd_session.lua) and signed Twilio SMS (sms_twilio.lua). For each it reads
# the CPU time of the server (per thread) and of wrk from /proc over a steady window after warm-up,
# and divides by the requests answered in that window. Unlike req/s, these figures hold on a busy
# machine, and they show how much of a 2-core box the load generator itself takes.
#
# From them it prints two ratios against the baseline (all processes share the same cores, so
# throughput = cores / (server + wrk CPU per request)):
#   ceiling    the ratio if the route cost the server no more than the baseline's /healthz:
#              what no server-side work can beat with this load generator on this machine
#   predicted  the ratio the measured costs imply (compare with ussd_bench.sh / sms_bench.sh)
#
# Usage: tests/bench/cost_model.sh     (builds the release preset unless SKIP_BUILD=1)
# Environment: WARM=3 (s discarded), WINDOW=5 (s measured), IO_THREADS=2, SIGNED=300000.
# Exit codes: 0 figures printed, 1 a build, server or wrk run failed.
set -euo pipefail

WARM=${WARM:-3}
WINDOW=${WINDOW:-5}
IO_THREADS=${IO_THREADS:-2}
SIGNED=${SIGNED:-300000}
SKIP_BUILD=${SKIP_BUILD:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
source tests/bench/lib.sh
require_tools wrk curl python3 g++ cmake
bench_setup
[[ "$SKIP_BUILD" == 1 ]] || build_release
build_baseline
clk_tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
metric_sum() {  # metric_sum PORT AWK_REGEX: the sum of matching samples in /metrics
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 ~ k { s += $2 } END { print s + 0 }'
}

# measure NAME SERVER_PID COUNT_CMD WRK_ARGS...: runs wrk for WARM+WINDOW+1 s; over the window
# prints "NAME requests server_us wrk_us" and per-thread server costs to stderr.
measure() {
  local name=$1 spid=$2 count_cmd=$3 wpid n0 n1 s0 s1 w0 w1 t
  shift 3
  wrk -d"$((WARM + WINDOW + 1))s" --latency "$@" >"$out_dir/cost-$name.txt" 2>&1 &
  wpid=$!
  sleep "$WARM"
  declare -A th0=()
  for t in /proc/"$spid"/task/*; do th0[$(cat "$t/comm")/${t##*/}]=$(cpu_ticks "$spid/task/${t##*/}"); done
  n0=$($count_cmd) s0=$(cpu_ticks "$spid") w0=$(cpu_ticks "$wpid")
  sleep "$WINDOW"
  n1=$($count_cmd) s1=$(cpu_ticks "$spid") w1=$(cpu_ticks "$wpid")
  for t in /proc/"$spid"/task/*; do
    local key
    key=$(cat "$t/comm")/${t##*/}
    awk -v n="$name" -v k="$key" -v a="${th0[$key]:-0}" -v b="$(cpu_ticks "$spid/task/${t##*/}")" \
      -v r=$((n1 - n0)) -v c="$clk_tck" \
      'BEGIN { if (b > a) printf "bench:   %-9s thread %-18s %7.1f us/request\n", n, k, (b - a) / c * 1e6 / r }' >&2
  done
  wait "$wpid" || die "wrk failed on $name (output: $out_dir/cost-$name.txt)"
  ((n1 > n0)) || die "no $name requests were answered in the window"
  awk -v n="$name" -v r=$((n1 - n0)) -v s=$((s1 - s0)) -v w=$((w1 - w0)) -v c="$clk_tck" \
    'BEGIN { printf "%s %d %.1f %.1f\n", n, r, s / c * 1e6 / r, w / c * 1e6 / r }'
}

# --- baseline ------------------------------------------------------------------------------------
port=$(free_port)
start_server cost_baseline "$port" "$baseline_bin" "$port" "$IO_THREADS"
# No metrics and no Lua script here (nothing to initialise): the whole run is the window, and
# wrk's own total is the request count.
s0=$(cpu_ticks "$pid_cost_baseline")
/usr/bin/time -f '%U %S' -o "$tmp/wrk-time" wrk -t2 -c64 -d"${WINDOW}s" \
  "http://127.0.0.1:$port/healthz" >"$out_dir/cost-baseline.txt" 2>&1 || die "wrk failed on baseline"
s1=$(cpu_ticks "$pid_cost_baseline")
n=$(awk '/requests in/ { print $1 }' "$out_dir/cost-baseline.txt")
[[ -n "$n" ]] || die "no request count in $out_dir/cost-baseline.txt"
base=$(awk -v r="$n" -v s=$((s1 - s0)) -v c="$clk_tck" '{ printf "baseline %d %.1f %.1f\n", r,
  s / c * 1e6 / r, ($1 + $2) * 1e6 / r }' "$tmp/wrk-time")

# --- ventanilla ----------------------------------------------------------------------------------
port=$(free_port)
token=cost-model-token-$RANDOM$RANDOM
VENTANILLA_TWILIO_AUTH_TOKEN=$token start_server cost_ventanilla "$port" build/release/ventanilla \
  serve --listen "127.0.0.1:$port" --db "$tmp/cost.db" --set "privacy.key_file=$tmp/secret.key" \
  --set "server.io_threads=$IO_THREADS"
count_ussd() { metric_sum "$port" '^ventanilla_ussd_hops_total'; }
count_twilio() { metric_sum "$port" '^ventanilla_http_requests_total.*twilio'; }

# As ussd_bench.sh: one wrk thread per connection keeps each session's hops in order.
ussd=$(measure ussd "$pid_cost_ventanilla" count_ussd -t64 -c64 -s tests/bench/ussd_session.lua \
  "http://127.0.0.1:$port" -- cost)

log "signing $SIGNED Twilio requests (python3)"
python3 - "$tmp/signed" "$SIGNED" "$token" "http://127.0.0.1:$port/v1/twilio/sms" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
out, n, token, url = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
with open(out, "w") as f:
    for i in range(n):
        sid = "SM%032x" % (0xc057 * 2**64 + i)
        params = {"SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
                  "Body": "hola", "To": "+15005550006", "NumSegments": "1", "MessageSid": sid,
                  "AccountSid": "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7",
                  "From": "+5024%07d" % i, "ApiVersion": "2010-04-01"}
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(token, data.encode(), hashlib.sha1).digest()).decode()
        f.write(sig + "\t" + urllib.parse.urlencode(params) + "\n")
PY
# As sms_bench.sh: wrk -t2 -c64.
twilio=$(measure twilio "$pid_cost_ventanilla" count_twilio -t2 -c64 -s tests/bench/sms_twilio.lua \
  "http://127.0.0.1:$port/v1/twilio/sms" -- "$tmp/signed" 1 2)
grep -q '^SMS bad replies: 0' "$out_dir/cost-twilio.txt" ||
  die "the Twilio run had bad replies: $(grep '^SMS' "$out_dir/cost-twilio.txt" | tr '\n' ' ')"

# --- report --------------------------------------------------------------------------------------
read -r _ _ base_s base_w <<<"$base"
printf '\n%-9s %12s %12s %12s %10s %10s\n' load "server us" "wrk us" "total us" ceiling predicted
for row in "$base" "$ussd" "$twilio"; do
  read -r name _ s w <<<"$row"
  awk -v n="$name" -v s="$s" -v w="$w" -v bs="$base_s" -v bw="$base_w" 'BEGIN {
    printf "%-9s %12.1f %12.1f %12.1f %10.2f %10.2f\n", n, s, w, s + w, (bs + bw) / (bs + w),
           (bs + bw) / (s + w) }'
done
echo "(per request, CPU time over a ${WINDOW}s window; $(nproc) cores shared by server and wrk)"
