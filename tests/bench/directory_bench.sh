#!/usr/bin/env bash
# Place search and nearest hubs over the full data/ (in process, no server): configures a Release
# build with VENTANILLA_BUILD_BENCH=ON in build/bench-directory, builds only directory_bench and
# runs it. Prints figures (load, build, memory, search median/p90/p99/max, nearest per call); no
# pass/fail. Targets (issue 3): search median <= 50 us and p99 <= 500 us; nearest hubs <= 10 us.
#
# Usage: tests/bench/directory_bench.sh [DATA_DIR]     (default: data/)
# Environment: JOBS=2 (parallel compile jobs), BENCH_FIGURES (set by tests/bench/run: the figures
#              file that tests/bench/lib.sh's `record_figure` appends to)
# Exit codes: 0 figures printed, 1 build or run failed, 2 bad usage.
set -euo pipefail

case "${1:-}" in
  -h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
(($# <= 1)) || { echo "usage: tests/bench/directory_bench.sh [DATA_DIR]" >&2; exit 2; }

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
data_dir=$(realpath -- "${1:-$repo_root/data}")
cd "$repo_root"

# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
build_in_process_bench directory_bench
build=build/bench-directory
if [[ -z "${BENCH_FIGURES:-}" ]]; then
  exec "$build/tests/directory_bench" "$data_dir"
fi
out=build/bench/directory-bench.txt
mkdir -p build/bench
"$build/tests/directory_bench" "$data_dir" | tee "$out"
# The rows end with four "NN.Nus" columns: median, p90, p99, max.
row_us() { awk -v r="$1" 'index($0, r) { for (i = NF - 3; i <= NF; i++) { sub(/us$/, "", $i); printf "%s ", $i }; print ""; exit }' "$out"; }
read -r median _ p99 _ <<<"$(row_us 'all (target')"
[[ -n "${p99:-}" ]] || { echo "directory_bench: no place search row in $out" >&2; exit 1; }
record_figure place_search_p50_us "$median" us lower "" "mixed queries over data/, in process"
record_figure place_search_p99_us "$p99" us lower
read -r median _ p99 _ <<<"$(row_us 'per call')"
record_figure nearest_hubs_p50_us "$median" us lower
