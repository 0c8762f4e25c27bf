#!/usr/bin/env bash
# Installs the CPack .deb with dpkg into a throwaway root (its own admin directory, seeded with
# this system's package database so Depends are checked against what is really installed), then
# runs the installed replay and agent-sim from there, away from the source tree and the build.
# Usage: package_test.sh DEB_DIR VERSION SOURCE_DIR
set -euo pipefail
deb_dir=$1 version=$2 source_dir=$3

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Checks that `text` holds the line matching the extended regex `pattern`.
expect_line() {
  local what=$1 pattern=$2 text=$3
  grep -Eq -- "$pattern" <<<"$text" || fail "$what: no line matching '$pattern' in:"$'\n'"$text"
}

deb="$deb_dir/replay_${version}_$(dpkg --print-architecture).deb"
[[ -f $deb ]] || fail "no package $deb (ls: $(ls "$deb_dir" 2>&1))"

info=$(dpkg-deb -I "$deb")
expect_line "dpkg-deb -I" '^ Package: replay$' "$info"
expect_line "dpkg-deb -I" "^ Version: ${version//./\\.}$" "$info"
expect_line "dpkg-deb -I" '^ Maintainer: .+@' "$info"
expect_line "dpkg-deb -I" '^ Description: open-loop HTTP load replayer$' "$info"
expect_line "dpkg-deb -I" '^ Recommends: ca-certificates$' "$info"
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
for lib in libc6 libstdc\\+\\+6 libuv1 libssl3 libzstd1 libwslay1; do
  expect_line "Depends" "(^|, )$lib( \\(>= [^)]+\\))?(,|$)" "$depends"
done

contents=$(dpkg-deb -c "$deb")
for path in usr/bin/replay usr/bin/agent-sim usr/share/replay/traces/health.json \
  usr/share/replay/traces/mix.zst usr/share/doc/replay/README.md \
  usr/share/doc/replay/docs/result-format.md; do
  expect_line "dpkg-deb -c" " \\./$path$" "$contents"
done
shopt -s nullglob
scenarios=("$source_dir"/traces/*.json)
((${#scenarios[@]} > 0)) || fail "no scenarios in $source_dir/traces"
for scenario in "${scenarios[@]}"; do
  expect_line "dpkg-deb -c" " \\./usr/share/replay/traces/$(basename "$scenario")$" "$contents"
done

# The image the Kubernetes manifest names is this version's (tools/docker/Dockerfile builds it).
manifest=$(cat "$source_dir/tools/k8s/replay-shards.yaml")
expect_line "tools/k8s/replay-shards.yaml" "^ +image: replay:${version//./\\.}( |$)" "$manifest"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
admin=$root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates" "$admin/triggers"
cp /var/lib/dpkg/status "$admin/status"
# Not `dpkg -x`: a real install, whose dependency check must pass on this system's packages.
dpkg --root="$root" --admindir="$admin" --force-not-root --force-script-chrootless \
  --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
status=$(dpkg --admindir="$admin" -s replay)
expect_line "dpkg -s" '^Status: install ok installed$' "$status"
listed=$(dpkg --admindir="$admin" -L replay)
expect_line "dpkg -L" '^/usr/bin/replay$' "$listed"
expect_line "dpkg -L" '^/usr/share/replay/traces/health\.json$' "$listed"

# The installed binaries, on the system's libraries only, in an empty working directory (so no
# ./traces), with no scenario directory from the environment.
run_installed() {
  (cd "$work/run" && env -u LD_LIBRARY_PATH -u REPLAY_SCENARIO_DIR "$@")
}
mkdir "$work/run"
bin=$root/usr/bin

version_out=$(run_installed "$bin/replay" --version) || fail "replay --version exited $?"
[[ $version_out == "replay $version" ]] || fail "replay --version printed '$version_out'"
run_installed "$bin/agent-sim" --help >"$work/sim-help.txt" || fail "agent-sim --help exited $?"
expect_line "agent-sim --help" '--listen' "$(cat "$work/sim-help.txt")"

synth_out=$(run_installed "$bin/replay" synth health --duration 2s -o x.zst 2>&1) ||
  fail "replay synth health: $synth_out"
expect_line "replay synth" '^synth health: [0-9]+ records' "$synth_out"
inspect_out=$(run_installed "$bin/replay" inspect x.zst 2>&1) || fail "replay inspect: $inspect_out"
expect_line "replay inspect" 'synth health' "$inspect_out"

# The installed replay finds its scenarios in its own share/ and never in the source tree.
set +e
missing_out=$(run_installed "$bin/replay" synth no-such-scenario -o y.zst 2>&1)
missing_rc=$?
set -e
((missing_rc != 0)) || fail "replay synth no-such-scenario succeeded"
expect_line "unknown scenario" "in traces, $root/usr/share/replay/traces;" "$missing_out"
if grep -qF "$source_dir" <<<"$missing_out"; then
  fail "the installed replay looks in the source tree: $missing_out"
fi
echo "ok: $(basename "$deb") installed into a temporary root; $version_out; $synth_out"
