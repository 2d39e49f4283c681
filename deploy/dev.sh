#!/usr/bin/env bash
# The two commands of the README. Works from any directory; as root on a fresh Debian 12 it first
# installs the packages it needs (deploy/install-deps.sh, a no-op when they are there).
#
#   deploy/dev.sh run [SERVE ARGS...]   build the release preset, then run
#                                       `ventanilla serve --config config/ventanilla.toml ARGS...`
#   deploy/dev.sh test                  build and run every test: dev preset, then asan preset
#
# Exit codes: run → whatever `ventanilla serve` returns; test → 0 when both presets pass, 1 when any
# step failed; 2 bad usage.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/dev.sh run [SERVE ARGS...]
       deploy/dev.sh test

  run    install deps, build the release preset, then start the gateway from the repository
         root: build/release/ventanilla serve --config config/ventanilla.toml [SERVE ARGS...]
         (listens on 127.0.0.1:8080, database under var/; Ctrl-C stops it)
  test   install deps, then configure, build and test the dev and asan presets
         (cmake --workflow --preset dev; cmake --workflow --preset asan); both run even if
         the first fails, output is also kept in build/dev.sh-test-PRESET.log

Environment: CMAKE_BUILD_PARALLEL_LEVEL (default: nproc) sets build jobs. Tests run serially.
EOF
}

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"

log() { printf 'dev.sh: %s\n' "$*"; }

install_deps() {
  bash deploy/install-deps.sh
}

# Parallel builds; ctest stays serial because integration tests start servers, send signals and
# watch timing-sensitive behaviour, which neighbours on two cores would distort.
: "${CMAKE_BUILD_PARALLEL_LEVEL:=$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL
unset CTEST_PARALLEL_LEVEL

cmd_run() {
  install_deps
  log "building the release preset (jobs: $CMAKE_BUILD_PARALLEL_LEVEL)"
  cmake --workflow --preset release
  log "starting: build/release/ventanilla serve --config config/ventanilla.toml $*"
  exec build/release/ventanilla serve --config config/ventanilla.toml "$@"
}

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

cmd_test() {
  install_deps
  mkdir -p build
  local presets=(dev asan) failed=0 preset start rc log_file counts tests
  local passed_total=0 failed_total=0
  local -a summary=()
  local total_start=$SECONDS
  for preset in "${presets[@]}"; do
    log "=== workflow preset '$preset' (configure, build with $CMAKE_BUILD_PARALLEL_LEVEL jobs, test) ==="
    start=$SECONDS
    rc=0
    log_file=build/dev.sh-test-$preset.log
    cmake --workflow --preset "$preset" 2>&1 | tee "$log_file" || rc=$?
    # ctest's closing line: "98% tests passed, 1 tests failed out of 57".
    counts=$(awk '/% tests passed, [0-9]+ tests? failed out of [0-9]+/ { print $NF - $4, $4 }' \
      "$log_file" | tail -n 1)
    if [[ -n "$counts" ]]; then
      tests="${counts% *} passed, ${counts#* } failed"
      passed_total=$((passed_total + ${counts% *}))
      failed_total=$((failed_total + ${counts#* }))
    else
      tests="no test results (configure or build failed)"
    fi
    # Keep going after a failure so one run shows the state of both presets.
    if ((rc == 0)); then
      summary+=("$(printf '%-6s PASS  %8s  %s' "$preset" "$(duration $((SECONDS - start)))" "$tests")")
    else
      failed=1
      summary+=("$(printf '%-6s FAIL  %8s  %s (exit %d, log: %s)' "$preset" \
        "$(duration $((SECONDS - start)))" "$tests" "$rc" "$log_file")")
    fi
  done
  printf '\ndev.sh test summary\n'
  printf '  %s\n' "${summary[@]}"
  printf '  total        %8s\n' "$(duration $((SECONDS - total_start)))"
  printf 'tests: %d passed, %d failed\n' "$passed_total" "$failed_total"
  return "$failed"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test)
    shift
    if (($# > 0)); then
      usage >&2
      exit 2
    fi
    cmd_test
    ;;
  -h | --help | help) usage; exit 2 ;;
  *) usage >&2; exit 2 ;;
esac
