#!/usr/bin/env bash
# The staff console in a real browser (issue #7): Debian's chromium driven by playwright-core from
# npm (installed into the build tree on first run). Starts `ventanilla serve` on the shipped data
# and menus, makes a publisher account, runs console_browser_test.mjs against the admin listener,
# then sends a USSD hop to the carrier listener and expects the text published in the browser.
#
# Usage: console_browser_test.sh VENTANILLA_BINARY SOURCE_DIR
# Environment: PLAYWRIGHT_NPM_DIR (default: beside the binary), CHROMIUM (default /usr/bin/chromium)
# Exit: 0 pass, 1 fail, 2 usage.
set -euo pipefail

readonly playwright_version=1.64.1

fail() { printf 'console_browser_test: FAIL: %s\n' "$*" >&2; exit 1; }
[[ $# -eq 2 ]] || { echo "usage: console_browser_test.sh VENTANILLA_BINARY SOURCE_DIR" >&2; exit 2; }
binary=$(realpath -- "$1")
source_dir=$(realpath -- "$2")
npm_dir=$(realpath -m -- "${PLAYWRIGHT_NPM_DIR:-$(dirname -- "$binary")/npm-playwright}")
chromium=${CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null || fail "node not found (apt-get install nodejs npm)"
[[ -x "$chromium" ]] || fail "$chromium not found (apt-get install chromium)"

installed=$(node -p "require('$npm_dir/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$playwright_version" ]]; then
  printf 'console_browser_test: installing playwright-core@%s into %s\n' "$playwright_version" "$npm_dir" >&2
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" "playwright-core@$playwright_version" --no-audit --no-fund --no-save \
    >/dev/null 2>&1 || fail "npm install playwright-core@$playwright_version failed (needs the npm registry)"
fi

tmp=$(mktemp -d)
server_pid=''
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in {1..100}; do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

common=(--config "$source_dir/config/ventanilla.toml" --db "$tmp/v.db"
        --set "privacy.key_file=$tmp/secret.key")
"$binary" import "$source_dir/data" --menus "$source_dir/menus" "${common[@]}" >/dev/null ||
  fail "import failed"
password="console test password $RANDOM$RANDOM"
printf '%s\n' "$password" | "$binary" user add ana --role publisher "${common[@]}" >/dev/null ||
  fail "user add failed"

log_file=$tmp/serve.log
: >"$log_file"
"$binary" serve "${common[@]}" --listen 127.0.0.1:0 --set admin.listen=127.0.0.1:0 >"$log_file" 2>&1 &
server_pid=$!
port='' admin_port=''
deadline=$((SECONDS + 30))
while [[ -z "$admin_port" ]]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$log_file" >&2; fail "ventanilla serve exited"; }
  ((SECONDS < deadline)) || { cat "$log_file" >&2; fail "the server did not start"; }
  port=$(sed -n '/admin API/!s/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log_file" | head -n 1)
  admin_port=$(sed -n 's/.*admin API listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log_file" | head -n 1)
  [[ -n "$admin_port" ]] || sleep 0.1
done

PLAYWRIGHT="$npm_dir/node_modules/playwright-core/index.mjs" ADMIN_PORT=$admin_port USERNAME=ana \
  PASSWORD=$password CHROMIUM=$chromium node "$source_dir/tests/integration/console_browser_test.mjs" ||
  { tail -n 30 "$log_file" >&2; fail "the browser run failed"; }

# The carrier side: Spanish (1), Guatemala (1) → the "what do you need" screen, published text.
screen=$(curl -sS --max-time 10 -X POST "http://127.0.0.1:$port/v1/africastalking/ussd" \
  --data-urlencode sessionId=console-test --data-urlencode 'serviceCode=*123#' \
  --data-urlencode phoneNumber=+50255509876 --data-urlencode networkCode=70401 \
  --data-urlencode 'text=1*1')
[[ "$screen" == *"1 Oficina de ayuda mas cercana"* ]] ||
  fail "the USSD hop did not show the published text: $screen"
echo "console_browser_test: USSD hop shows the published text"
echo "console_browser_test: PASS"
