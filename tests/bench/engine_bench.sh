#!/usr/bin/env bash
# The menu engine's share of a USSD hop, in process (tests/bench/engine_bench.cpp): configures the
# same Release build as directory_bench.sh (build/bench-directory, VENTANILLA_BUILD_BENCH=ON),
# builds only engine_bench and runs it. Prints per-hop and per-walk times for three caller walks
# over the shipped menus and data/; no pass/fail.
#
# Usage: tests/bench/engine_bench.sh [ROUNDS]     (default 2000 walks of each kind)
# Environment: JOBS=2 (parallel compile jobs)
# Exit codes: 0 figures printed, 1 build or run failed, 2 bad usage.
set -euo pipefail

case "${1:-}" in
  -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
(($# <= 1)) || { echo "usage: tests/bench/engine_bench.sh [ROUNDS]" >&2; exit 2; }
[[ "${1:-2000}" =~ ^[1-9][0-9]*$ ]] || { echo "engine_bench: ROUNDS must be a positive number" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
build_in_process_bench engine_bench
exec build/bench-directory/tests/engine_bench "${1:-2000}"
