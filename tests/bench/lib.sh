# shellcheck shell=bash
# Shared by the benchmark scripts (run, run.sh, ussd_bench.sh, sms_bench.sh, ...): logging, tool
# checks, cleanup of the servers they start, the release and baseline builds, free ports, server
# start-up, wrk output parsing, SQLite reads and the figures file that tests/bench/run collects.
# Source it after `cd "$repo_root"`; it defines functions and sets no options.
#
# Globals the functions use: out_dir (build/bench), tmp (a fresh temp dir), pids (servers to stop
# on exit), STARTUP_TIMEOUT (s), SKIP_BUILD (1: use build/release/ventanilla as it is),
# BENCH_FIGURES (a file; when set, `record_figure` appends to it). bench_setup creates the first
# three and installs the traps.

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# require_tools TOOL... : exits 1 naming the first tool that is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found; run deploy/install-deps.sh as root"
  done
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  local pid i
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    # ventanilla drains on SIGTERM; nothing is in flight here, so 10 s is generous.
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}

bench_setup() {
  out_dir=build/bench
  mkdir -p "$out_dir"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ventanilla-bench.XXXXXX")
  pids=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
}

build_release() {
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    [[ -x build/release/ventanilla ]] || die "SKIP_BUILD=1 but build/release/ventanilla is missing"
    return 0
  fi
  log "building the release preset (log: $out_dir/build-release.log)"
  cmake --workflow --preset release >"$out_dir/build-release.log" 2>&1 ||
    { tail -n 40 "$out_dir/build-release.log" >&2; die "release build failed"; }
  # A source edited while ninja ran (a shared work tree) leaves objects built against the old
  # header next to ones built against the new: a binary that crashes. Build again until ninja
  # has nothing left to do.
  local i
  for ((i = 0; i < 3; i++)); do
    cmake --build --preset release >"$out_dir/build-release-again.log" 2>&1 ||
      { tail -n 40 "$out_dir/build-release-again.log" >&2; die "release build failed"; }
    grep -q 'no work to do' "$out_dir/build-release-again.log" && break
    log "sources changed during the build: building again"
  done
  [[ -x build/release/ventanilla ]] || die "build/release/ventanilla missing after the build"
}

# build_in_process_bench TARGET : the in-process benchmarks' Release build (build/bench-directory,
# VENTANILLA_BUILD_BENCH=ON), only TARGET; exits 1 with the log's tail when it fails.
build_in_process_bench() {
  local build=build/bench-directory
  mkdir -p "$build"
  log "$1: configuring and building $build (log: $build/build.log)"
  if ! { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVENTANILLA_BUILD_TESTS=ON \
           -DVENTANILLA_BUILD_BENCH=ON &&
         cmake --build "$build" --target "$1" -j "${JOBS:-2}"; } >"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    die "$1: build failed"
  fi
}

# Sets baseline_bin, compiling baseline_server.cpp when the binary is missing or older.
build_baseline() {
  baseline_bin=$out_dir/baseline_server
  local baseline_src=tests/bench/baseline_server.cpp
  if [[ ! -x "$baseline_bin" || "$baseline_src" -nt "$baseline_bin" ]]; then
    log "compiling $baseline_src -> $baseline_bin"
    # Same optimisation intent as the release preset (NDEBUG, optimised) and the same Asio define
    # as the gateway, so the comparison is about the code, not the flags.
    g++ -O2 -std=c++20 -DNDEBUG -DBOOST_ASIO_NO_DEPRECATED -Wall -Wextra -pthread \
      "$baseline_src" -o "$baseline_bin"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# start_server NAME PORT CMD... : starts CMD in the background, logs to build/bench/NAME.log, and
# waits until GET /healthz answers 2xx. Sets pid_NAME and server_pid.
start_server() {
  local name=$1 port=$2 pid deadline
  shift 2
  "$@" >"$out_dir/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  eval "pid_$name=$pid"
  # shellcheck disable=SC2034  # read by the scripts that source this file
  server_pid=$pid
  deadline=$((SECONDS + STARTUP_TIMEOUT))
  until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$out_dir/$name.log" >&2
      die "$name exited during start-up (log: $out_dir/$name.log)"
    fi
    ((SECONDS < deadline)) || die "$name: /healthz not answering after ${STARTUP_TIMEOUT}s"
    sleep 0.2
  done
  log "$name up on 127.0.0.1:$port (pid $pid)"
}

# parse_wrk FILE : prints "req/s p50_ms p99_ms non2xx socket_errors".
# wrk prints latencies as 850.00us / 1.23ms / 1.02s; convert to ms.
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return -1
    }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    END { printf "%s %.3f %.3f %d %d\n", rps, p50, p99, non2xx, errors }
  ' "$1"
}

# record_figure NAME VALUE UNIT BETTER [RATIO [NOTE]] : one measured figure for tests/bench/run,
# appended as a tab-separated line to $BENCH_FIGURES (nothing when unset: each script runs alone).
# BETTER is "higher" (rates) or "lower" (latencies, memory, times); RATIO is the figure over the
# bare Beast baseline measured in the same script ("" when none applies).
record_figure() {
  [[ -n "${BENCH_FIGURES:-}" ]] || return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" "${6:-}" >>"$BENCH_FIGURES"
}

# ratio_of A B : A / B with 3 decimals.
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "" }'; }

# sql_value DB QUERY : one value, read-only (the sqlite3 CLI, else python3's sqlite3 module).
sql_value() {
  if command -v sqlite3 >/dev/null; then
    sqlite3 -readonly "$1" "$2"
  else
    python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])' \
      "$1" "$2"
  fi
}

# stop_pid PID : SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  local i
  kill -TERM "$1" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# proc_kib PID FIELD : a /proc/PID/status field in KiB (VmRSS, VmHWM, ...).
proc_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# keep_best VAR LINE : VAR keeps the parse_wrk line with the highest req/s.
keep_best() {
  local -n best_ref=$1
  if [[ -z "$best_ref" ]] || awk -v a="${2%% *}" -v b="${best_ref%% *}" 'BEGIN { exit !(a > b) }'; then
    best_ref=$2
  fi
}
