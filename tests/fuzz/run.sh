#!/usr/bin/env bash
# The long fuzz run: every libFuzzer target (or the ones named) for SECONDS each, built with the
# `fuzz` preset (clang, ASan + UBSan). Prints per target: executions, exec/s, corpus size and
# crashes. A crash (or leak, or timeout) is copied into tests/fuzz/corpus/<target>/ as a
# regression input — fix the bug, then commit the input: the replay tests run it from then on.
#
# Usage: tests/fuzz/run.sh [--seconds S] [--no-build] [TARGET...]
#   (default 600 s per target, all targets; --no-build runs the binaries already in build/fuzz,
#   so a long run can go on while the sources are being edited)
# Exit codes: 0 no crash; 1 a crash or a build failure; 2 bad usage.
set -euo pipefail

seconds=600
build=1
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo_root"
log() { printf 'fuzz: %s\n' "$*" >&2; }

((build == 0)) || cmake --preset fuzz >/dev/null
table=build/fuzz/fuzz_targets.txt
[[ -r "$table" ]] || { log "no $table: is VENTANILLA_FUZZ on in the fuzz preset?"; exit 1; }
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cut -d' ' -f1 "$table")
fi
build_targets=()
for t in "${targets[@]}"; do
  grep -q "^$t " "$table" || { log "unknown target $t (see $table)"; exit 2; }
  build_targets+=("fuzz_$t")
done
if ((build)); then
  log "building ${#build_targets[@]} targets (preset fuzz)"
  cmake --build build/fuzz --target "${build_targets[@]}" >build/fuzz/build.log 2>&1 ||
    { tail -n 30 build/fuzz/build.log >&2; log "build failed (build/fuzz/build.log)"; exit 1; }
fi

printf '%-22s %8s %12s %9s %8s %8s\n' target seconds executions exec/s corpus crashes
failed=0
for t in "${targets[@]}"; do
  read -r -a seeds <<<"$(grep "^$t " "$table" | cut -d' ' -f2-)"
  work=build/fuzz/corpus/$t artifacts=build/fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  out=build/fuzz/$t.log
  rc=0
  # The work corpus comes first: libFuzzer adds what it finds there, never to the seeds.
  "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$artifacts/" "$work" "${seeds[@]}" \
    >"$out" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -n 1)
  crashes=$(find "$artifacts" -type f | wc -l)
  printf '%-22s %8s %12s %9s %8s %8s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" \
    "$(find "$work" -type f | wc -l)" "$crashes"
  if ((rc != 0 || crashes > 0)); then
    failed=1
    mkdir -p "tests/fuzz/corpus/$t"
    find "$artifacts" -type f -exec cp {} "tests/fuzz/corpus/$t/" \;
    log "$t: exit $rc, $crashes artifact(s) copied to tests/fuzz/corpus/$t/ (log: $out)"
  fi
done
exit "$failed"
