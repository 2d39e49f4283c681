#!/usr/bin/env bash
# Place search and nearest hubs over the full data/ (in process, no server): configures a Release
# build with VENTANILLA_BUILD_BENCH=ON in build/bench-directory, builds only directory_bench and
# runs it. Prints figures (load, build, memory, search median/p90/p99/max, nearest per call); no
# pass/fail. Targets (issue 3): search median <= 50 us and p99 <= 500 us; nearest hubs <= 10 us.
#
# Usage: tests/bench/directory_bench.sh [DATA_DIR]     (default: data/)
# Environment: JOBS=2 (parallel compile jobs)
# Exit codes: 0 figures printed, 1 build or run failed, 2 bad usage.
set -euo pipefail

case "${1:-}" in
  -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
(($# <= 1)) || { echo "usage: tests/bench/directory_bench.sh [DATA_DIR]" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
data_dir=$(realpath -- "${1:-$repo_root/data}")
cd "$repo_root"

build=build/bench-directory
mkdir -p "$build"
echo "directory_bench: configuring and building $build (log: $build/build.log)" >&2
if ! { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVENTANILLA_BUILD_TESTS=ON \
         -DVENTANILLA_BUILD_BENCH=ON &&
       cmake --build "$build" --target directory_bench -j "${JOBS:-2}"; } >"$build/build.log" 2>&1; then
  tail -n 40 "$build/build.log" >&2
  echo "directory_bench: build failed" >&2
  exit 1
fi
exec "$build/tests/directory_bench" "$data_dir"
