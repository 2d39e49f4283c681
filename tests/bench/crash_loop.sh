#!/usr/bin/env bash
# Crash-loop long run (issue #8): the CrashLoop integration test (tests/integration/
# crash_loop_test.cpp) with KILLS SIGKILLs instead of CI's 5 — mixed USSD/SMS/delivery-report
# load against the real `ventanilla serve`, the outbox draining to a loopback fake carrier, a kill
# at a random moment per round, and after each kill: integrity_check, every acknowledged request
# stored once, every send once unless flagged in doubt. Prints the test's per-round figures, then
# a summary: restart → /readyz 200 (max and median) against the READY_GOAL_MS goal, and the
# acknowledged request rate. reliability.md §8 C1 is the specification (20 kills, each after
# 0.5..3 s of load, at the highest stable rate: raise CLIENTS until rounds fail or the rate stops
# growing, and record the rate reached).
#
# Usage: tests/bench/crash_loop.sh
# Environment: KILLS=20, SEED= (replays the kill times of an earlier run; empty = random),
#              MIN_MS=500, MAX_MS=3000 (each kill comes after MIN_MS..MAX_MS of load),
#              CLIENTS=1 (client threads x4: raise it to find the highest stable rate),
#              READY_GOAL_MS=2000, BUILD_DIR=build/dev (configured already: cmake --preset dev),
#              SKIP_BUILD=0 (1 runs the binaries as they are),
#              INTEGRATION_TESTS=$BUILD_DIR/tests/integration_tests
# Builds only the targets the test needs (ventanilla, integration_tests) in BUILD_DIR; the full
# output is kept in build/bench/crash_loop-<time>.log.
# Exit codes: 0 the test passed and every restart met the goal, 1 the test failed (or the build),
#             3 the test passed but a restart missed the goal, 2 bad usage.
set -euo pipefail

KILLS=${KILLS:-20}
MIN_MS=${MIN_MS:-500}
MAX_MS=${MAX_MS:-3000}
SEED=${SEED:-}
CLIENTS=${CLIENTS:-1}
READY_GOAL_MS=${READY_GOAL_MS:-2000}
BUILD_DIR=${BUILD_DIR:-build/dev}
SKIP_BUILD=${SKIP_BUILD:-0}
INTEGRATION_TESTS=${INTEGRATION_TESTS:-$BUILD_DIR/tests/integration_tests}

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tests/bench/crash_loop.sh (settings through the environment; see --help)" >&2; exit 2 ;;
esac
for n in KILLS MIN_MS MAX_MS CLIENTS READY_GOAL_MS; do
  [[ "${!n}" =~ ^[1-9][0-9]*$ ]] || { echo "$n must be a positive integer" >&2; exit 2; }
done
((MIN_MS <= MAX_MS)) || { echo "MIN_MS must not exceed MAX_MS" >&2; exit 2; }
[[ -z "$SEED" || "$SEED" =~ ^[0-9]+$ ]] || { echo "SEED must be a non-negative integer" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
log() { printf 'crash_loop: %s\n' "$*" >&2; }

if [[ "$SKIP_BUILD" != 1 ]]; then
  [[ -f "$BUILD_DIR/CMakeCache.txt" ]] ||
    { log "$BUILD_DIR is not configured (cmake --preset dev, or set BUILD_DIR)"; exit 1; }
  log "building ventanilla and integration_tests in $BUILD_DIR"
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target ventanilla integration_tests >&2 ||
    { log "build failed"; exit 1; }
fi
[[ -x "$INTEGRATION_TESTS" ]] || { log "$INTEGRATION_TESTS is missing"; exit 1; }

mkdir -p build/bench
out=build/bench/crash_loop-$(date -u +%Y%m%dT%H%M%SZ).log
log "running $KILLS kills after $MIN_MS..$MAX_MS ms (CLIENTS=$CLIENTS${SEED:+, SEED=$SEED});" \
  "full output in $out"
status=0
env VENTANILLA_CRASH_LOOP_KILLS="$KILLS" VENTANILLA_CRASH_LOOP_CLIENTS="$CLIENTS" \
  VENTANILLA_CRASH_LOOP_MIN_MS="$MIN_MS" VENTANILLA_CRASH_LOOP_MAX_MS="$MAX_MS" \
  ${SEED:+VENTANILLA_CRASH_LOOP_SEED="$SEED"} \
  "$INTEGRATION_TESTS" --gtest_filter='CrashLoop.*' >"$out" 2>&1 || status=$?

grep -E '^crash-loop' "$out" || true
# "crash-loop round N: ... ready in X ms, ..." → the restart figures.
mapfile -t ready < <(sed -n 's/^crash-loop round [0-9]*: .* ready in \([0-9]*\) ms.*/\1/p' "$out" |
  sort -n)
rounds=${#ready[@]}
# "... N acked (R/s; ..." → the acknowledged request rate of each round.
mapfile -t rates < <(sed -n 's/^crash-loop round .* acked (\([0-9]*\)\/s;.*/\1/p' "$out" | sort -n)
echo
echo "summary: $rounds of $KILLS rounds completed"
if ((${#rates[@]} > 0)); then
  echo "acknowledged requests per second of load: median ${rates[${#rates[@]} / 2]}," \
    "min ${rates[0]}, max ${rates[${#rates[@]} - 1]} (CLIENTS=$CLIENTS)"
fi
verdict=0
if ((rounds > 0)); then
  max=${ready[rounds - 1]}
  median=${ready[rounds / 2]}
  over=0
  for ms in "${ready[@]}"; do ((ms > READY_GOAL_MS)) && over=$((over + 1)); done
  if ((over == 0)); then
    echo "restart to /readyz 200: max $max ms, median $median ms: within the ${READY_GOAL_MS} ms goal"
  else
    echo "restart to /readyz 200: max $max ms, median $median ms: $over of $rounds restarts" \
      "MISSED the ${READY_GOAL_MS} ms goal"
    verdict=3
  fi
fi
if ((status != 0)); then
  echo "the test FAILED (exit $status); failures:"
  grep -E -A4 'Failure$' "$out" | grep -v '^Google Test trace' | head -60 || true
  echo "seed to replay the kill times: $(sed -n 's/.*VENTANILLA_CRASH_LOOP_SEED=\([0-9]*\).*/\1/p' "$out" | head -1)"
  exit 1
fi
exit "$verdict"
