#!/usr/bin/env bash
# Inbound SMS benchmark: new messages on Twilio's route (signature verified on every request) and
# on Kannel's get-url route (capability secret), beside USSD hops (ussd_session.lua) on the same
# server, each compared with the bare Beast server's /healthz measured in the same run. See
# tests/bench/README.md.
#
# Usage: tests/bench/sms_bench.sh
# Environment: DURATION=10 (s per wrk run), ROUNDS=1, IO_THREADS=2, CONNECTIONS=64, WRK_THREADS=2,
#              TARGET_RATIO=0.4 (Twilio req/s / baseline req/s), REQUESTS=300000 (signed Twilio
#              requests generated; every one is a new message), KANNEL=1 (0 skips Kannel),
#              USSD=1 (0 skips the USSD sessions), SKIP_BUILD=0 (1 uses build/release/ventanilla as it is), STARTUP_TIMEOUT=60
# Exit codes: 0 figures printed (PASS or BELOW TARGET), 1 a build, server or wrk run failed, a
#             reply was bad, or signed requests ran out (replays), 2 bad usage.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
IO_THREADS=${IO_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
TARGET_RATIO=${TARGET_RATIO:-0.4}
REQUESTS=${REQUESTS:-300000}
KANNEL=${KANNEL:-1}
USSD=${USSD:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/sms_bench.sh" >&2; exit 2 ;;
esac

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh

require_tools wrk curl python3 g++ cmake
bench_setup
twilio_path=/v1/twilio/sms
# Bench-only secrets: the server and the signer share them through the environment.
twilio_token=bench-twilio-auth-token-$RANDOM$RANDOM
kannel_secret=benchkannelsecret$RANDOM$RANDOM$RANDOM
kannel_path=/v1/kannel/sms/$kannel_secret

# --- build ---------------------------------------------------------------------------------------
build_release  # honours SKIP_BUILD
build_baseline

# --- servers -------------------------------------------------------------------------------------
baseline_port=$(free_port)
start_server sms_baseline "$baseline_port" "$baseline_bin" "$baseline_port" "$IO_THREADS"

target_port=$(free_port)
db=$tmp/sms.db
VENTANILLA_TWILIO_AUTH_TOKEN=$twilio_token VENTANILLA_KANNEL_SECRET=$kannel_secret \
  start_server sms_ventanilla "$target_port" build/release/ventanilla serve \
  --listen "127.0.0.1:$target_port" --db "$db" --set "privacy.key_file=$tmp/secret.key" \
  --set "server.io_threads=$IO_THREADS"

# --- signed requests -----------------------------------------------------------------------------
# Twilio signs base64(HMAC-SHA1(token, url + sorted name+value pairs)); the URL is the one the
# route rebuilds from our Host header (no public_url in the local config). Each line is a new
# message: its own MessageSid and its own sender, so none is a retry of another.
signed=$tmp/twilio-signed.txt
log "signing $REQUESTS Twilio requests (python3)"
python3 - "$signed" "$REQUESTS" "$twilio_token" "http://127.0.0.1:$target_port$twilio_path" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
out, n, token, url = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
with open(out, "w") as f:
    for i in range(n):
        sid = "SM%032x" % (0xbe4c0000000000000000 + i)
        params = {"ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid,
                  "SmsStatus": "received", "Body": "hola", "FromCountry": "GT",
                  "To": "+15005550006", "NumSegments": "1", "MessageSid": sid,
                  "AccountSid": "AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7",
                  "From": "+5024%07d" % i, "ApiVersion": "2010-04-01"}
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(token, data.encode(), hashlib.sha1).digest()).decode()
        f.write(sig + "\t" + urllib.parse.urlencode(params) + "\n")
PY

probe_sig=$(head -n 1 "$signed" | cut -f 1)
probe_body=$(head -n 1 "$signed" | cut -f 2)
probe=$(curl -sS --max-time 5 -w '\n%{http_code}' -H "X-Twilio-Signature: $probe_sig" \
  --data "$probe_body" "http://127.0.0.1:$target_port$twilio_path") || die "the Twilio route did not answer"
[[ "${probe##*$'\n'}" == 200 && "$probe" == *"<Message>"* ]] ||
  die "the Twilio probe was not accepted: $probe"
next_line=2  # the probe used line 1

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
figure() { sed -n "s/^$2: \([0-9]*\).*/\1/p" "$1" | head -n 1; }
replays=0 bad=0
count_sms() {
  grep -q '^SMS bad replies: [0-9]' "$1" || { cat "$1" >&2; die "no figures from the wrk script"; }
  replays=$((replays + $(figure "$1" "SMS replays")))
  bad=$((bad + $(figure "$1" "SMS bad replies")))
}
baseline_run() { run_wrk sms_baseline "$1" "$2" "http://127.0.0.1:$baseline_port/healthz"; }
twilio_run() {
  ((next_line + WRK_THREADS <= REQUESTS)) ||
    die "all $REQUESTS signed Twilio requests used before this run (the rest would be replays); raise REQUESTS"
  run_wrk sms_ventanilla "$1" "$2" -s tests/bench/sms_twilio.lua \
    "http://127.0.0.1:$target_port$twilio_path" -- "$signed" "$next_line" "$WRK_THREADS"
  count_sms "$2"
  next_line=$((next_line + $(figure "$2" "SMS lines used")))
}
# USSD sessions need one wrk thread per connection (see ussd_session.lua), so this row runs with
# -tC -cC, unlike the others: its ratio carries that extra load-generator cost.
ussd_run() {
  local out=$2 pid_var=pid_sms_ventanilla
  wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"${1}s" --latency -s tests/bench/ussd_session.lua \
    "http://127.0.0.1:$target_port" -- "sms$3" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on USSD"; }
  kill -0 "${!pid_var}" 2>/dev/null || die "ventanilla died under load"
  grep -q '^USSD bad replies: [0-9]' "$out" || { cat "$out" >&2; die "no figures from ussd_session.lua"; }
  bad=$((bad + $(figure "$out" "USSD bad replies")))
}
kannel_run() {
  run_wrk sms_ventanilla "$1" "$2" -s tests/bench/sms_kannel.lua \
    "http://127.0.0.1:$target_port" -- "$kannel_path" "$3"
  count_sms "$2"
}


log "warm-up: 2 s per server and route (discarded)"
baseline_run 2 "$tmp/warmup-baseline.txt"
twilio_run 2 "$tmp/warmup-twilio.txt"
[[ "$KANNEL" == 1 ]] && kannel_run 2 "$tmp/warmup-kannel.txt" warmup
[[ "$USSD" == 1 ]] && ussd_run 2 "$tmp/warmup-ussd.txt" warmup

best_base='' best_twilio='' best_kannel='' best_ussd=''
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS: baseline /healthz, ${DURATION}s"
  baseline_run "$DURATION" "$out_dir/sms-wrk-baseline-$round.txt"
  keep_best best_base "$(parse_wrk "$out_dir/sms-wrk-baseline-$round.txt")"
  log "round $round/$ROUNDS: Twilio inbound SMS, ${DURATION}s"
  twilio_run "$DURATION" "$out_dir/sms-wrk-twilio-$round.txt"
  keep_best best_twilio "$(parse_wrk "$out_dir/sms-wrk-twilio-$round.txt")"
  if [[ "$KANNEL" == 1 ]]; then
    log "round $round/$ROUNDS: Kannel inbound SMS, ${DURATION}s"
    kannel_run "$DURATION" "$out_dir/sms-wrk-kannel-$round.txt" "r$round"
    keep_best best_kannel "$(parse_wrk "$out_dir/sms-wrk-kannel-$round.txt")"
  fi
  if [[ "$USSD" == 1 ]]; then
    log "round $round/$ROUNDS: USSD sessions (wrk -t$CONNECTIONS), ${DURATION}s"
    ussd_run "$DURATION" "$out_dir/sms-wrk-ussd-$round.txt" "r$round"
    keep_best best_ussd "$(parse_wrk "$out_dir/sms-wrk-ussd-$round.txt")"
  fi
done

rejected=$(curl -fsS --max-time 5 "http://127.0.0.1:$target_port/metrics" |
  grep -E '^ventanilla_sms_(rejected|malformed|duplicates?)[a-z_]*(\{[^}]*\})? [1-9]' || true)

# --- report --------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '\nInbound SMS benchmark  (commit %s, %s cores, wrk -t%s -c%s -d%ss --latency, %s io threads,\n' \
  "$commit" "$(nproc)" "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$IO_THREADS"
printf '                        best of %s rounds; every request a new message)\n\n' "$ROUNDS"
printf '%-30s %10s %9s %9s %8s %9s %7s\n' server 'req/s' 'p50 ms' 'p99 ms' non-2xx sock-err ratio
read -r base_rps _ <<<"$best_base"
row() {
  local label=$1 rps p50 p99 non2xx err
  read -r rps p50 p99 non2xx err <<<"$2"
  printf '%-30s %10.0f %9.3f %9.3f %8d %9d %7.3f\n' "$label" "$rps" "$p50" "$p99" "$non2xx" \
    "$err" "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { print a / b }')"
  ((non2xx == 0)) || invalid=1
}
invalid=0
row 'baseline GET /healthz' "$best_base"
row 'Twilio POST (signature)' "$best_twilio"
[[ "$KANNEL" == 1 ]] && row 'Kannel GET (capability)' "$best_kannel"
[[ "$USSD" == 1 ]] && row "USSD hops (wrk -t$CONNECTIONS)" "$best_ussd"

printf '\nbad replies: %s; replayed MessageSids: %s (all runs, warm-up included); signed lines used: %s of %s\n' \
  "$bad" "$replays" "$((next_line - 1))" "$REQUESTS"
[[ -z "$rejected" ]] || printf 'metrics (non-zero rejected/malformed/duplicate):\n%s\n' "$rejected"
sed -n '/^  \[t/p' "$out_dir"/sms-wrk-*.txt | head -n 10
((bad == 0 && replays == 0)) || invalid=1

read -r twilio_rps _ twilio_p99 _ <<<"$best_twilio"
ratio=$(awk -v a="$twilio_rps" -v b="$base_rps" 'BEGIN { printf "%.3f", a / b }')
if ((invalid)); then
  verdict="INVALID (bad replies, non-2xx or replays; raise REQUESTS; see $out_dir/sms-wrk-*.txt)"
elif awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { exit !(r >= t) }'; then
  verdict=PASS
else
  verdict="BELOW TARGET"
fi
printf '\nratio Twilio inbound SMS/s / baseline /healthz req/s: %s (target >= %s); p99 %.3f ms  %s\n' \
  "$ratio" "$TARGET_RATIO" "$twilio_p99" "$verdict"
# sms_figures PREFIX LINE : req/s (with its ratio to this run's baseline), p50 and p99.
sms_figures() {
  local rps p50 p99
  read -r rps p50 p99 _ <<<"$2"
  record_figure "${1}_rps" "$rps" req/s higher "$(ratio_of "$rps" "$base_rps")"
  record_figure "${1}_p50_ms" "$p50" ms lower
  record_figure "${1}_p99_ms" "$p99" ms lower
}
if ((invalid == 0)); then
  sms_figures sms_twilio "$best_twilio"
  [[ "$KANNEL" == 1 ]] && sms_figures sms_kannel "$best_kannel"
fi
((invalid == 0)) || exit 1
exit 0
