#!/usr/bin/env bash
# Builds the Debian package: configures and builds the release preset (build/release), then packs
# it with CPack (cmake/Packaging.cmake) into build/package/.
#
# Usage: deploy/build-deb.sh             (from any directory; no root needed)
#
# Needs what deploy/install-deps.sh installs, including dpkg-dev (dpkg-shlibdeps computes the
# package's Depends from the binary). Prints the absolute path of the .deb on stdout, alone, so
#   apt install "$(deploy/build-deb.sh)"
# works; the build's own output goes to stderr.
# Environment: CMAKE_BUILD_PARALLEL_LEVEL (default: nproc) sets build jobs.
# Exit codes: 0 ok, 1 a tool is missing or the build or packaging failed.
set -euo pipefail

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo_root"

log() { printf 'build-deb: %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }

for tool in cmake cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found: run deploy/install-deps.sh (dpkg-shlibdeps is in package dpkg-dev)"
done
# Checked here rather than left to `cpack`, whose message for it is buried in its install log.
[[ -f deploy/ventanilla.toml ]] ||
  fail "deploy/ventanilla.toml (the production configuration the package installs) is missing"

: "${CMAKE_BUILD_PARALLEL_LEVEL:=$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL

log "building the release preset (jobs: $CMAKE_BUILD_PARALLEL_LEVEL)"
cmake --workflow --preset release >&2

out_dir=$repo_root/build/package
mkdir -p "$out_dir"
# One package in the directory afterwards: the one this run made.
rm -f "$out_dir"/ventanilla_*.deb
log "packaging into $out_dir"
cpack --config build/release/CPackConfig.cmake -G DEB -B "$out_dir" >&2

shopt -s nullglob
debs=("$out_dir"/ventanilla_*.deb)
((${#debs[@]} == 1)) || fail "expected one ventanilla_*.deb in $out_dir, found ${#debs[@]}"
log "built $(du -h -- "${debs[0]}" | cut -f1): ${debs[0]}"
printf '%s\n' "${debs[0]}"
