#!/usr/bin/env bash
# The Debian package (cmake/Packaging.cmake, deploy/debian/, deploy/systemd/) built from this
# build tree and checked the way an installation would meet it.
#
# It packs the binary this tree already built (cpack with the tree's CPackConfig.cmake, into a
# temporary directory; nothing is rebuilt, so it runs in the dev and asan trees alike), then:
#   - control: Package, Version, Architecture, Depends (computed by dpkg-shlibdeps, plus the
#     hand-listed ones), Maintainer, Description; the conffile; maintainer scripts present,
#     executable, and valid sh (sh -n);
#   - contents: exactly the contract's files (nothing more, nothing less), every one owned by
#     root with the mode it must have, each identical to its source; no key or secret shipped;
#   - systemd: every unit passes `systemd-analyze verify` without a single warning, and the
#     services keep their hardening (`systemd-analyze security` exposure thresholds);
#   - the shipped configuration points at the contract's paths, and the units' own commands run
#     from the extracted tree (paths moved into it): ventanilla.service's ExecStartPre `check`
#     passes, so configuration, menus and data shipped together are coherent; the shipped seed
#     content imports into a new database; on it the purge and backup services' ExecStart lines
#     succeed (they match the binary's verbs) and the backup lands in backups/ with mode 0600.
# Not covered (needs a real Debian root): running the maintainer scripts, i.e. installing.
#
# Usage: deb_package_test.sh BUILD_DIR SOURCE_DIR PROJECT_VERSION
# Needs: cpack, dpkg-deb and dpkg-shlibdeps (dpkg-dev), systemd-analyze (systemd), python3 (to
# read TOML), /bin/kill (procps; ExecReload). Exit codes: 0 passed; 1 failed (every problem
# found is printed); 2 bad usage.
set -euo pipefail

me=deb_package_test
[[ $# -eq 3 ]] || { echo "usage: $me.sh BUILD_DIR SOURCE_DIR PROJECT_VERSION" >&2; exit 2; }
build_dir=$(realpath -- "$1")
source_dir=$(realpath -- "$2")
project_version=$3

problems=0
# A problem is reported and counted; the test goes on to find the others.
problem() { printf '%s: FAIL: %s\n' "$me" "$*" >&2; problems=$((problems + 1)); }
# A problem after which nothing further can be checked.
fail() { problem "$*"; exit 1; }

for tool in cpack dpkg-deb dpkg-shlibdeps systemd-analyze python3; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found (cpack: cmake; dpkg-deb, dpkg-shlibdeps: dpkg-dev;" \
      "systemd-analyze: systemd; python3: python3)"
done
[[ -f "$build_dir/CPackConfig.cmake" ]] ||
  fail "$build_dir/CPackConfig.cmake missing: configure the tree with cmake/Packaging.cmake included"
# Named here, before cpack buries it in an install error: the package must ship it.
[[ -f "$source_dir/deploy/ventanilla.toml" ]] ||
  fail "deploy/ventanilla.toml (the production configuration, installed as" \
    "/etc/ventanilla/ventanilla.toml) does not exist"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ventanilla-deb.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# --- build ---------------------------------------------------------------------------------------
if ! cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  tail -n 30 "$tmp/cpack.log" >&2
  fail "cpack failed (its output above)"
fi
shopt -s nullglob
debs=("$tmp/out"/ventanilla_*.deb)
shopt -u nullglob
((${#debs[@]} == 1)) || fail "cpack made ${#debs[@]} ventanilla_*.deb files in $tmp/out, not 1"
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[[ "$(basename -- "$deb")" == "ventanilla_${project_version}-1_${arch}.deb" ]] ||
  problem "package file is $(basename -- "$deb"), expected ventanilla_${project_version}-1_${arch}.deb"

# --- control -------------------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
expect_field() {
  local got
  got=$(field "$1")
  [[ "$got" == "$2" ]] || problem "control field $1 is '$got', expected '$2'"
}
expect_field Package ventanilla
expect_field Version "${project_version}-1"
expect_field Architecture "$arch"
maintainer=$(field Maintainer)
[[ "$maintainer" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] ||
  problem "control field Maintainer is '$maintainer', expected 'Name <address>'"
# libc6 and libsqlite3-0 come only from dpkg-shlibdeps reading the binary; adduser and procps
# are listed by hand for the maintainer scripts and ExecReload.
depends=$(field Depends)
for dep in libc6 libsqlite3-0 libssl3 libargon2-1 adduser procps; do
  [[ ", $depends," =~ ,\ ${dep}[\ ,] ]] || problem "control field Depends lacks $dep: '$depends'"
done
description=$(field Description)
synopsis=$(head -n 1 <<<"$description")
[[ -n "$synopsis" && ${#synopsis} -le 80 ]] ||
  problem "Description synopsis is empty or longer than 80 characters: '$synopsis'"
(($(wc -l <<<"$description") >= 2)) || problem "Description has no extended description"
while IFS= read -r line; do
  ((${#line} <= 80)) || problem "Description line longer than 80 characters: '$line'"
done <<<"$description"

dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  path=$tmp/control/$script
  if [[ ! -f "$path" ]]; then
    problem "maintainer script $script is not in the package"
    continue
  fi
  [[ "$(stat -c %a "$path")" == 755 ]] ||
    problem "maintainer script $script has mode $(stat -c %a "$path"), expected 755"
  [[ "$(head -n 1 "$path")" == '#!/bin/sh' ]] ||
    problem "maintainer script $script does not start with #!/bin/sh"
  sh -n "$path" 2>"$tmp/sh-n.log" || problem "sh -n $script: $(cat "$tmp/sh-n.log")"
done
if [[ -f "$tmp/control/conffiles" ]]; then
  [[ "$(cat "$tmp/control/conffiles")" == /etc/ventanilla/ventanilla.toml ]] ||
    problem "conffiles is '$(cat "$tmp/control/conffiles")', expected /etc/ventanilla/ventanilla.toml"
else
  problem "no conffiles in the package: /etc/ventanilla/ventanilla.toml must be a conffile"
fi

# --- contents ------------------------------------------------------------------------------------
# dpkg-deb -c: "MODE OWNER/GROUP SIZE DATE TIME ./PATH" (paths have no spaces here).
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/listing"
declare -A mode_of owner_of
while read -r mode owner path; do
  path=${path#.}
  path=${path%/}
  [[ -n "$path" ]] || continue  # the archive's root, "./"
  mode_of[$path]=$mode
  owner_of[$path]=$owner
done <"$tmp/listing"

units=(ventanilla.service ventanilla-backup.service ventanilla-backup.timer
  ventanilla-purge.service ventanilla-purge.timer)
# Source file -> packaged path, for every file the contract names.
declare -A source_of=(
  [/usr/bin/ventanilla]=""
  [/etc/ventanilla/ventanilla.toml]=$source_dir/deploy/ventanilla.toml
  [/usr/share/doc/ventanilla/README.md]=$source_dir/README.md
  [/usr/share/doc/ventanilla/runbook.md]=$source_dir/deploy/README.md
  [/usr/share/doc/ventanilla/copyright]=$source_dir/deploy/debian/copyright
)
for unit in "${units[@]}"; do
  source_of[/lib/systemd/system/$unit]=$source_dir/deploy/systemd/$unit
done
# Whole directories: every file in them, recursively.
for pair in menus:/usr/share/ventanilla/menus data:/usr/share/ventanilla/data \
  deploy/kannel:/usr/share/ventanilla/kannel deploy/nginx:/usr/share/ventanilla/nginx; do
  from=$source_dir/${pair%%:*}
  to=${pair#*:}
  if [[ ! -d "$from" ]] || [[ -z "$(find "$from" -type f -print -quit)" ]]; then
    problem "${pair%%:*}/ is missing or empty: the package installs its files into $to"
    continue
  fi
  while IFS= read -r rel; do
    source_of[$to/$rel]=$from/$rel
  done < <(find "$from" -type f -printf '%P\n')
done

for path in "${!source_of[@]}"; do
  if [[ -z "${mode_of[$path]:-}" ]]; then
    problem "$path is not in the package"
    continue
  fi
  want=-rw-r--r--
  [[ "$path" == /usr/bin/ventanilla ]] && want=-rwxr-xr-x
  [[ "${mode_of[$path]}" == "$want" ]] || problem "$path has mode ${mode_of[$path]}, expected $want"
done
for path in "${!mode_of[@]}"; do
  [[ "${owner_of[$path]}" == root/root ]] ||
    problem "$path is owned by ${owner_of[$path]}, expected root/root"
  if [[ "${mode_of[$path]}" == d* ]]; then
    [[ "${mode_of[$path]}" == drwxr-xr-x ]] ||
      problem "directory $path has mode ${mode_of[$path]}, expected drwxr-xr-x"
  elif [[ -z "${source_of[$path]+set}" ]]; then
    # Nothing beyond the contract: in particular no key, secret or database (postinst makes
    # those on the server).
    problem "$path is in the package but not in the layout (cmake/Packaging.cmake's header)"
  fi
done

root=$tmp/root
dpkg-deb -x "$deb" "$root"
for path in "${!source_of[@]}"; do
  from=${source_of[$path]}
  [[ -n "$from" && -f "$root$path" ]] || continue
  cmp -s -- "$from" "$root$path" || problem "$path differs from its source ${from#"$source_dir"/}"
done
[[ -x "$root/usr/bin/ventanilla" ]] || fail "the extracted /usr/bin/ventanilla is not executable"
copyright=$root/usr/share/doc/ventanilla/copyright
if [[ -f "$copyright" ]]; then
  { grep -q 'GeoNames' "$copyright" && grep -q 'CC BY 4.0' "$copyright"; } ||
    problem "copyright lacks the GeoNames CC BY 4.0 attribution the gazetteer's licence requires"
fi

# --- systemd units -------------------------------------------------------------------------------
# Each unit may run only the packaged binary or /bin/kill.
for unit in "${units[@]}"; do
  file=$root/lib/systemd/system/$unit
  [[ -f "$file" ]] || continue
  while IFS= read -r line; do
    command=${line#*=}
    command=${command%% *}
    [[ "$command" == /usr/bin/ventanilla || "$command" == /bin/kill ]] ||
      problem "$unit: '$line' runs $command, expected /usr/bin/ventanilla or /bin/kill"
  done < <(grep -E '^Exec[A-Za-z]*=' "$file")
done
# `systemd-analyze verify` insists that every Exec binary exists. Copies of the units with
# /usr/bin/ventanilla rewritten to the extracted binary are verified (the copies' directory joins
# the unit search path, so the units find each other and the host's targets): --root= would
# look for the host's sysinit.target and /bin/kill inside the extracted tree, which has neither.
mkdir "$tmp/units"
for unit in "${units[@]}"; do
  [[ -f "$root/lib/systemd/system/$unit" ]] || continue
  sed "s|/usr/bin/ventanilla|$root/usr/bin/ventanilla|g" "$root/lib/systemd/system/$unit" \
    >"$tmp/units/$unit"
done
# verify exits 0 on unknown keys and unparsable values (it only warns): any output is a problem.
if ! verify_out=$(cd "$tmp/units" && systemd-analyze verify "$tmp/units"/* 2>&1) ||
  [[ -n "$verify_out" ]]; then
  problem "systemd-analyze verify on the units:"$'\n'"$verify_out"
fi
# Exposure (0 safest .. 100; shown /10): the shipped units score 16 and 9 with Debian 12's
# systemd 252, and the thresholds are exactly that, so losing any hardening line fails here. A
# deliberate relaxation updates the number with its reason.
for pair in ventanilla.service:16 ventanilla-backup.service:9 ventanilla-purge.service:9; do
  unit=${pair%%:*}
  [[ -f "$tmp/units/$unit" ]] || continue
  if ! security_out=$(systemd-analyze security --offline=true --threshold="${pair#*:}" \
    "$tmp/units/$unit" 2>&1); then
    problem "$unit: systemd-analyze security exposure above ${pair#*:}/100:"$'\n'"$(tail -n 3 <<<"$security_out")"
  fi
done

# --- configuration against content ---------------------------------------------------------------
conf=$root/etc/ventanilla/ventanilla.toml
# The contract's paths, and secrets only from files under /etc/ventanilla/secrets/. Prints the
# secret files the configuration names (to provision them below).
if ! python3 - "$conf" >"$tmp/secret-files" 2>"$tmp/config-problems" <<'EOF'; then
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    cfg = tomllib.load(f)
bad = []
expected = {
    ("storage", "path"): "/var/lib/ventanilla/ventanilla.db",
    ("privacy", "key_file"): "/etc/ventanilla/secrets/pseudonymization.key",
    ("privacy", "create_key_if_missing"): False,
    ("content", "menus_dir"): "/usr/share/ventanilla/menus",
    ("content", "data_dir"): "/usr/share/ventanilla/data",
}
for (section, key), want in expected.items():
    got = cfg.get(section, {}).get(key, "<missing>")
    if got != want:
        bad.append(f"{section}.{key} is {got!r}, expected {want!r}")
for i, route in enumerate(cfg.get("route", [])):
    name = route.get("name", route.get("carrier", f"#{i + 1}"))
    if route.get("enabled", True) and "secret_file" not in route:
        bad.append(f"route {name}: no secret_file")
    for key, value in route.items():
        if key.endswith("_env"):
            bad.append(f"route {name}: {key}: production secrets come from files, not the environment")
        elif key.endswith("_file"):
            if not str(value).startswith("/etc/ventanilla/secrets/"):
                bad.append(f"route {name}: {key} = {value!r} is not under /etc/ventanilla/secrets/")
            else:
                print(value)
# Africa's Talking signs nothing: an enabled [ussd] route must be a capability URL.
ussd = cfg.get("ussd", {})
if ussd.get("enabled", True):
    if "secret_env" in ussd:
        bad.append("ussd.secret_env: production secrets come from files, not the environment")
    secret = ussd.get("secret_file", "")
    if not secret:
        bad.append("ussd: no secret_file (the Africa's Talking USSD route would be open)")
    elif not str(secret).startswith("/etc/ventanilla/secrets/"):
        bad.append(f"ussd.secret_file = {secret!r} is not under /etc/ventanilla/secrets/")
    else:
        print(secret)
for b in bad:
    print(f"deploy/ventanilla.toml: {b}", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  while IFS= read -r line; do problem "$line"; done <"$tmp/config-problems"
  [[ -s "$tmp/config-problems" ]] || problem "python3 could not read $conf"
fi

# The configuration rewritten in place (its packaged copy was compared with the source above)
# with every system path moved under the extracted root, so that the units' own command lines
# can run with only their /usr/bin, /etc and /var/lib prefixes moved the same way.
sed -e "s|\"/etc/ventanilla/|\"$root/etc/ventanilla/|g" \
  -e "s|\"/var/lib/ventanilla/|\"$root/var/lib/ventanilla/|g" \
  -e "s|\"/usr/share/ventanilla/|\"$root/usr/share/ventanilla/|g" "$conf" >"$tmp/moved.toml"
mv "$tmp/moved.toml" "$conf"
if left=$(grep -nE '^[^#]*"/(etc|var/lib|usr/share)/ventanilla' "$conf"); then
  problem "paths not moved under the extracted root (the test's rewrite misses a form):"$'\n'"$left"
fi
# What postinst and the admin provide on a server: the state directories, the key (postinst's
# format: 64 hex characters and a newline, mode 0600) and each carrier secret (0600).
install -d -m 0750 "$root/var/lib/ventanilla" "$root/var/lib/ventanilla/backups" \
  "$root/etc/ventanilla/secrets"
new_secret() { (umask 077 && { od -An -v -tx1 -N32 /dev/urandom | tr -d ' \n' && echo; } >"$1"); }
new_secret "$root/etc/ventanilla/secrets/pseudonymization.key"
sort -u "$tmp/secret-files" | while IFS= read -r secret; do
  [[ -e "$root$secret" ]] || new_secret "$root$secret"
done

# Runs UNIT's KEY= command line (KEY: ExecStart, ExecStartPre) with its paths moved under the
# extracted root; its output is left in $tmp/run.log. Returns non-zero (a problem reported) when
# the line is missing or the command fails.
run_unit_command() {
  local unit=$1 key=$2 line rc
  line=$(grep -m 1 "^$key=" "$root/lib/systemd/system/$unit" | cut -d= -f2- |
    sed -E "s#(^| )/(usr/bin/ventanilla|etc/ventanilla/|var/lib/ventanilla/)#\1$root/\2#g")
  if [[ -z "$line" ]]; then
    problem "$unit has no $key= line"
    return 1
  fi
  local -a argv
  read -r -a argv <<<"$line"
  set +e
  "${argv[@]}" >"$tmp/run.log" 2>&1
  rc=$?
  set -e
  if ((rc != 0)); then
    problem "$unit's $key ($line) exited $rc:"$'\n'"$(tail -n 30 "$tmp/run.log")"
    return 1
  fi
}

# ventanilla.service's ExecStartPre: `check` on the shipped configuration, menus and data.
if run_unit_command ventanilla.service ExecStartPre &&
  ! grep -q "^$root/usr/share/ventanilla/menus: .* 0 error(s)" "$tmp/run.log"; then
  problem "'check' passed without reporting on the packaged menus:"$'\n'"$(cat "$tmp/run.log")"
fi
# The timers' services wait for the database (ConditionPathExists=): it must be the one the
# configuration uses, or they would never run.
for unit in ventanilla-purge.service ventanilla-backup.service; do
  condition=$(grep -m 1 '^ConditionPathExists=' "$root/lib/systemd/system/$unit" | cut -d= -f2-)
  [[ "$condition" == /var/lib/ventanilla/ventanilla.db ]] ||
    problem "$unit: ConditionPathExists is '$condition', expected storage.path," \
      "/var/lib/ventanilla/ventanilla.db"
done
# The database as the first start makes it: the shipped seed content imported.
if ! "$root/usr/bin/ventanilla" import --config "$conf" >"$tmp/import.log" 2>&1; then
  problem "'ventanilla import' of the shipped content into a new database failed:" \
    $'\n'"$(tail -n 30 "$tmp/import.log")"
fi
# Then the timers' services as they run on a server: their command lines must match the binary's
# verbs and options.
run_unit_command ventanilla-purge.service ExecStart || true
if run_unit_command ventanilla-backup.service ExecStart; then
  shopt -s nullglob
  backups=("$root"/var/lib/ventanilla/backups/ventanilla-*Z.db)
  shopt -u nullglob
  if ((${#backups[@]} != 1)); then
    problem "the backup service made ${#backups[@]} ventanilla-*Z.db files in" \
      "/var/lib/ventanilla/backups, not 1:"$'\n'"$(cat "$tmp/run.log")"
  elif [[ "$(stat -c %a "${backups[0]}")" != 600 ]]; then
    problem "backup ${backups[0]##*/} has mode $(stat -c %a "${backups[0]}"), expected 600"
  fi
fi

if ((problems > 0)); then
  printf '%s: %d problem(s); the package was %s\n' "$me" "$problems" "$(basename -- "$deb")" >&2
  exit 1
fi
printf '%s: ok: %s (%s bytes, %d entries)\n' "$me" "$(basename -- "$deb")" "$(stat -c %s "$deb")" \
  "$(wc -l <"$tmp/listing")"
