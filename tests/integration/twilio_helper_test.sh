#!/usr/bin/env bash
# Twilio's official helper library against our signature check (issue: "signatures produced by
# Twilio's official helper library are accepted; tampered ones rejected").
#
# The unit tests check twilio_signature() against our own reading of the algorithm; this test asks
# the npm `twilio` package itself. It installs a pinned version into the build tree (once; reused
# after), starts `ventanilla serve` with VENTANILLA_TWILIO_AUTH_TOKEN set, and runs
# a small Node script (below), which signs inbound SMS webhooks with
# getExpectedTwilioSignature, posts them, and checks the status and that the library's own
# validateRequest agrees with the server on every case.
#
# Usage: twilio_helper_test.sh VENTANILLA_BINARY SOURCE_DIR
# Environment: TWILIO_NPM_DIR (default: the binary's directory/npm-twilio), STARTUP_TIMEOUT=30.
# Exit codes: 0 passed; 1 failed, including node/npm missing or the npm install failing (the test
# needs them and must not pass silently without them); 2 bad usage.
set -euo pipefail

# Pinned: the test must not change under us when Twilio publishes. 5.x, because 6.x needs
# Node >= 20 and Debian 12 ships Node 18 (5.x needs Node >= 14).
readonly twilio_version=5.13.1

fail() { printf 'twilio_helper_test: FAIL: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 2 ]] || { echo "usage: twilio_helper_test.sh VENTANILLA_BINARY SOURCE_DIR" >&2; exit 2; }
binary=$(realpath -- "$1")
source_dir=$(realpath -- "$2")
[[ -x "$binary" ]] || fail "$binary is not an executable"
# Absolute: node resolves a relative require() path as a package name.
npm_dir=$(realpath -m -- "${TWILIO_NPM_DIR:-$(dirname -- "$binary")/npm-twilio}")
startup_timeout=${STARTUP_TIMEOUT:-30}

command -v node >/dev/null ||
  fail "node not found: this test needs Node.js >= 14 and npm (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null ||
  fail "npm not found: this test needs npm to install twilio@$twilio_version (apt-get install npm)"

# --- the official library ------------------------------------------------------------------------
installed=$(node -p "require('$npm_dir/node_modules/twilio/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$twilio_version" ]]; then
  printf 'twilio_helper_test: installing twilio@%s into %s\n' "$twilio_version" "$npm_dir" >&2
  mkdir -p "$npm_dir"
  if ! npm_log=$(npm install --prefix "$npm_dir" "twilio@$twilio_version" --no-audit --no-fund \
    --no-save 2>&1); then
    printf '%s\n' "$npm_log" | tail -n 20 >&2
    fail "npm install twilio@$twilio_version failed (it needs the npm registry: network access," \
      "or npm config set registry for a mirror); set TWILIO_NPM_DIR to a directory where it is" \
      "already installed to run offline"
  fi
  installed=$(node -p "require('$npm_dir/node_modules/twilio/package.json').version")
  [[ "$installed" == "$twilio_version" ]] ||
    fail "npm installed twilio $installed, not $twilio_version"
fi

# --- the server ----------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ventanilla-twilio.XXXXXX")
server_pid=''
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in {1..100}; do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fixed test token: the secret is ours, so the one the library signs with is known.
token="twilio-helper-test-token-$RANDOM$RANDOM"
log_file=$tmp/serve.log
: >"$log_file"  # the background child opens it; the port loop below may read it first
VENTANILLA_TWILIO_AUTH_TOKEN=$token "$binary" serve \
  --config "$source_dir/config/ventanilla.toml" --listen 127.0.0.1:0 --db "$tmp/v.db" \
  --set "privacy.key_file=$tmp/secret.key" --set "content.data_dir=$source_dir/data" \
  --set "content.menus_dir=$source_dir/menus" --set "admin.listen=" >"$log_file" 2>&1 &
server_pid=$!

# Port 0: the kernel picks a free port and the server logs "listening on 127.0.0.1:PORT".
port=''
deadline=$((SECONDS + startup_timeout))
while [[ -z "$port" ]]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$log_file" >&2; fail "ventanilla serve exited"; }
  ((SECONDS < deadline)) || { cat "$log_file" >&2; fail "no 'listening on' after ${startup_timeout}s"; }
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log_file" | head -n 1)
  [[ -n "$port" ]] || sleep 0.1
done

# --- the cases -----------------------------------------------------------------------------------
cat >"$tmp/cases.js" <<'JS'
// Each case: the params Twilio would post, the URL and token the library signs with, and what
// goes on the wire (possibly tampered after signing). The server's verdict (200 or 403) must be
// the expected one, and the library's validateRequest over what was sent must agree with it.
'use strict';
const http = require('http');
const twilio = require('twilio');

const token = process.env.TWILIO_TOKEN;
const port = Number(process.env.VENTANILLA_PORT);
const path = '/v1/twilio/sms';
const url = `http://127.0.0.1:${port}${path}`;
const run = `${process.pid}${Date.now()}`.slice(-12);

// A realistic inbound SMS, as Twilio posts it (field set and order of a real webhook); every call
// gets a new MessageSid and sender so no case is answered as a retry of another.
let serial = 0;
function inbound(body) {
  serial += 1;
  const sid = `SM${run}${String(serial).padStart(4, '0')}`.padEnd(34, '0');
  return {
    ToCountry: 'US', ToState: 'CA', SmsMessageSid: sid, NumMedia: '0', ToCity: '',
    FromZip: '', SmsSid: sid, FromState: '', SmsStatus: 'received', FromCity: '', Body: body,
    FromCountry: 'GT', To: '+15005550006', ToZip: '', NumSegments: '1', MessageSid: sid,
    AccountSid: 'AC0d2b6f3e9a8c4715b2e6d9f0a1c3b5e7', From: `+5025${3300000 + serial * 11}`,
    ApiVersion: '2010-04-01',
  };
}

function post(target, params, signature) {
  const body = new URLSearchParams(params).toString();
  const headers = {
    'Content-Type': 'application/x-www-form-urlencoded',
    'Content-Length': Buffer.byteLength(body),
    'User-Agent': 'TwilioProxy/1.1',
  };
  if (signature !== undefined) headers['X-Twilio-Signature'] = signature;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'POST', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] || '', text }));
      });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

// Table: the SMS text, what the library signs with (token, URL; default: ours), what changes on
// the wire after signing (edit: params; mangle: the signature; target: path and query) and
// whether the server must accept it.
const cases = [
  { name: 'valid: realistic inbound SMS', accept: true },
  { name: 'valid: accents, ¿, +, &, = and emoji in Body', accept: true,
    text: '¿Dónde hay albergue? 1+1=2 & más 🙏' },
  { name: 'valid: URL with a query string', accept: true,
    target: `${path}?campaign=xela&n=1`, signUrl: `${url}?campaign=xela&n=1` },
  { name: 'valid: signed without the port (Twilio drops it at times)', accept: true,
    signUrl: `http://127.0.0.1${path}` },
  { name: 'tampered: Body changed after signing', edit: (p) => ({ ...p, Body: 'hola!' }) },
  { name: 'tampered: From changed after signing', edit: (p) => ({ ...p, From: '+50255550000' }) },
  { name: 'tampered: a field added after signing', edit: (p) => ({ ...p, MediaUrl0: 'http://x' }) },
  { name: 'tampered: query string added after signing', target: `${path}?x=1` },
  { name: 'wrong token', signToken: `${token}x` },
  { name: 'signed for https', signUrl: `https://127.0.0.1:${port}${path}` },
  { name: 'signature bytes flipped', mangle: (sig) => (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) },
  { name: 'no signature', mangle: () => undefined },
];

function make(c) {
  const params = inbound(c.text || 'hola');
  const sig = twilio.getExpectedTwilioSignature(c.signToken || token, c.signUrl || url, params);
  return { sent: (c.edit || ((p) => p))(params), sig: (c.mangle || ((x) => x))(sig) };
}

(async () => {
  let failures = 0;
  for (const c of cases) {
    const { sent, sig } = make(c);
    c.accept = c.accept === true;
    const target = c.target || path;
    const r = await post(target, sent, sig);
    const problems = [];
    const expected = c.accept ? 200 : 403;
    if (r.status !== expected) problems.push(`status ${r.status}, expected ${expected}`);
    if (c.accept) {
      // The first screen of a new conversation, as TwiML.
      if (!r.type.startsWith('text/xml')) problems.push(`content-type "${r.type}"`);
      if (!/<Response>\s*<Message>[^]*Ventanilla[^]*<\/Message>\s*<\/Response>/.test(r.text)) {
        problems.push(`reply is not TwiML with the first screen: ${r.text.slice(0, 200)}`);
      }
    }
    const libSays = sig !== undefined && twilio.validateRequest(token, sig, `http://127.0.0.1:${port}${target}`, sent);
    if (libSays !== (r.status === 200)) {
      problems.push(`validateRequest says ${libSays}, server answered ${r.status}`);
    }
    if (libSays !== c.accept) problems.push(`validateRequest says ${libSays}: the case is wrong`);
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${c.name}: ${r.status}${problems.length ? ` (${problems.join('; ')})` : ''}`);
    failures += problems.length ? 1 : 0;
  }
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
JS
if ! NODE_PATH="$npm_dir/node_modules" TWILIO_TOKEN=$token VENTANILLA_PORT=$port \
  node "$tmp/cases.js"; then
  printf -- '--- ventanilla log ---\n' >&2
  tail -n 40 "$log_file" >&2
  fail "see the cases above"
fi
printf 'twilio_helper_test: PASS (twilio@%s)\n' "$twilio_version"
