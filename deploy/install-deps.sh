#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking Ventanilla needs.
#
# Usage: deploy/install-deps.sh          (as root on Debian 12; non-interactive)
#
# Idempotent: when every package below is already installed it touches neither apt nor the
# network, so a second run is instant and works offline (and needs no root).
# Exit codes: 0 ok, 1 apt failed or not root while something is missing.
set -euo pipefail

PACKAGES=(
  # Toolchain: the build itself (CMakePresets.json needs CMake >= 3.25, Debian 12 ships 3.25).
  build-essential g++ cmake ninja-build pkg-config
  # Libraries the gateway links: Asio/Beast + Boost.JSON + Boost.URL (1.81), SQLite, logging,
  # OpenSSL (HMAC-SHA256 pseudonyms), toml++ (config/ventanilla.toml), utf8proc (Unicode
  # normalisation and case folding for directory search).
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  # libargon2 hashes the staff console's passwords (Argon2id).
  libsqlite3-dev libspdlog-dev libfmt-dev libssl-dev libtomlplusplus-dev libutf8proc-dev libargon2-dev
  # Tests: GoogleTest/GoogleMock; sqlite3 CLI to inspect databases left by the crash tests.
  libgtest-dev libgmock-dev sqlite3
  # Benchmarks (tests/bench/): load generator, curl to wait for /healthz, GNU time for the
  # load generator's CPU in cost_model.sh.
  wrk curl time
  # Kannel end-to-end test (tests/integration/kannel_e2e_test.cpp): bearerbox and smsbox
  # (/usr/sbin) from kannel, the fakesmsc test client (/usr/lib/kannel/test) from kannel-extras.
  kannel kannel-extras
  # The staff console's browser test (tests/integration/console_browser_test.sh): headless
  # chromium, driven by playwright-core from npm.
  chromium
  # The shipped TLS reverse proxy (tests/integration/nginx_proxy_test.cpp starts its own nginx on
  # loopback from deploy/nginx/ventanilla.conf; the system service is not used).
  nginx
  # The .deb (deploy/build-deb.sh, tests/integration/deb_package_test.sh): dpkg-shlibdeps for its
  # Depends, systemd-analyze to verify its units (containers often lack systemd).
  dpkg-dev systemd
  # The `fuzz` preset (tests/fuzz/run.sh): clang with libFuzzer and the sanitizer runtimes.
  clang libclang-rt-14-dev
  # Privacy scan (tests/integration/privacy_scan_test.cpp): the retention purge run with the clock
  # shifted days ahead. Hostile clients (hostile_clients_test.cpp): slowloris, slow body, slow read.
  faketime slowhttptest
  # Scripts and developer tooling: python3 for helper scripts, CA roots for any HTTPS client,
  # clang-format for the repository's .clang-format.
  python3 ca-certificates clang-format
)

log() { printf 'install-deps: %s\n' "$*"; }

if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  if [[ "${ID:-}" != debian || "${VERSION_ID:-}" != 12 ]]; then
    log "warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}; trying anyway"
  fi
fi

# dpkg-query answers from the local database only: no lock, no network, no root.
missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != installed ]]; then
    missing+=("$pkg")
  fi
done

# Node.js and npm for the test that signs with Twilio's official helper library
# (tests/integration/twilio_helper_test.sh) and the console's browser test (playwright-core). Only when the commands are missing: a machine with
# Node from elsewhere (NodeSource) keeps it — Debian's npm package would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  for pkg in nodejs npm; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == installed ]] || missing+=("$pkg")
  done
fi

if ((${#missing[@]} == 0)); then
  log "all ${#PACKAGES[@]} packages already installed; nothing to do"
  exit 0
fi

log "missing (${#missing[@]}): ${missing[*]}"
if ((EUID != 0)); then
  log "error: must run as root to install them (e.g. su -c 'deploy/install-deps.sh')"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Waiting on the dpkg lock instead of failing covers unattended-upgrades running at first boot.
apt_opts=(-y -q -o DPkg::Lock::Timeout=300)

log "apt-get update"
apt-get "${apt_opts[@]}" update
log "apt-get install --no-install-recommends ${missing[*]}"
apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"

# Re-check so a package name that apt silently resolved to something else is caught here rather
# than as a confusing CMake error later.
still_missing=()
for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || still_missing+=("$pkg")
done
if ((${#still_missing[@]} > 0)); then
  log "error: still not installed: ${still_missing[*]}"
  exit 1
fi
log "installed: ${missing[*]}"

# Debian's kannel package enables an init script that starts a system-wide bearerbox + wapbox from
# /etc/kannel/kannel.conf. Nothing here uses it (the tests run their own boxes on ephemeral ports
# and stop them by PID), so turn it off once, right after installing; a container without an init
# system has nothing running, hence the ignored failures.
if [[ " ${missing[*]} " == *" kannel "* ]]; then
  log "stopping and disabling the system-wide kannel service (tests start their own boxes)"
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now kannel >/dev/null 2>&1 || true
  else
    service kannel stop >/dev/null 2>&1 || true
    update-rc.d kannel disable >/dev/null 2>&1 || true
  fi
fi
