#!/usr/bin/env bash
# pxl's dry run (pxl -N create, create -n) on the host, without a hypervisor:
# the configuration printed as libxl's JSON, byte for byte what Debian's xl
# 4.17 `xl -N create` prints for the same files (the .json files in
# tests/unit/ctrl/create-dryrun were written by it), exit 0, nothing else on
# stderr than xl's lines, and no reach for privcmd or xenstore (on the host
# that would fail with a message naming them).  TAP output for
# tests/unit/run-unit.sh.
set -uo pipefail
pxl=${PXL:-build/xl/pxl}
dir=tests/unit/ctrl/create-dryrun
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err" "$dir/no-uuid.tmp"' EXIT
n=0
echo "1..11"

# report NAME RC: ok when RC is 0 and the last run named neither device
report() {
	n=$((n + 1))
	if [ "$2" -eq 0 ] && ! grep -qE 'privcmd|xenstore' "$err"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: stdout: $(head -c 2000 "$out") stderr: $(cat "$err")"
	fi
}

# same_json NAME WANT_JSON WANT_STDERR PXL_ARGS...
same_json() {
	local name=$1 json=$2 want_err=$3
	shift 3
	"$pxl" "$@" >"$out" 2>"$err" && cmp -s "$out" "$json" && [ "$(cat "$err")" = "$want_err" ]
	report "$name" $?
}

same_json "-N create full.cfg" "$dir/full.json" "Parsing config from $dir/full.cfg" \
	-N create "$dir/full.cfg"
same_json "-N create minimal.cfg" "$dir/minimal.json" "Parsing config from $dir/minimal.cfg" \
	-N create "$dir/minimal.cfg"
same_json "-N create full.cfg with overrides" "$dir/full-overrides.json" \
	"Parsing config from $dir/full.cfg
Warning: ignoring root= and extra= in favour of cmdline=" \
	-N create "$dir/full.cfg" memory=256 'cmdline="earlyprintk=xen"'
same_json "-N create devices.cfg (two disks, two vifs)" "$dir/devices.json" \
	"Parsing config from $dir/devices.cfg" -N create "$dir/devices.cfg"
# max_grant_frames / max_maptrack_frames after the memory pair: minimal-grant-limits.json is
# pxl's output, held equal to Debian's xl's by the system check pxl/create-grant-limits-dry-run
same_json "-N create with grant limits" "$dir/minimal-grant-limits.json" \
	"Parsing config from $dir/minimal.cfg" \
	-N create "$dir/minimal.cfg" max_grant_frames=8 max_maptrack_frames=0
same_json "create -n -p -e" "$dir/minimal.json" "Parsing config from $dir/minimal.cfg" \
	create -n -p -e "$dir/minimal.cfg"
same_json "create --dryrun -q" "$dir/minimal.json" "" create --dryrun -q "$dir/minimal.cfg"

# without a uuid: a new version-4 UUID each time, the rest as xl prints it
grep -v '^uuid' "$dir/minimal.cfg" >"$dir/no-uuid.tmp"
uuids=()
bad=0
for _ in 1 2; do
	"$pxl" -N create -q "$dir/no-uuid.tmp" >"$out" 2>"$err" || bad=1
	u=$(sed -n 's/^        "uuid": "\(.*\)",$/\1/p' "$out")
	[[ "$u" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || bad=1
	uuids+=("$u")
	sed "s/$u/00000000-0000-4000-8000-000000000001/" "$out" | cmp -s - "$dir/minimal.json" || bad=1
done
[ "${uuids[0]}" != "${uuids[1]}" ] || bad=1
report "-N create without a uuid (${uuids[*]})" $bad

# refusals come before anything is printed, as in a real create
# refused NAME LAST_STDERR_LINE PXL_ARGS...: exit 1 and nothing printed
refused() {
	local name=$1 want=$2
	shift 2
	"$pxl" "$@" >"$out" 2>"$err"
	[ $? -eq 1 ] && [ ! -s "$out" ] && [ "$(tail -n 1 "$err")" = "$want" ]
	report "$name" $?
}
refused "-N create with a short uuid" "Failed to parse UUID: 5a0b9c1d-2e3f-4a5b-8c6d-7e8f90a1b2c" \
	-N create "$dir/minimal.cfg" 'uuid="5a0b9c1d-2e3f-4a5b-8c6d-7e8f90a1b2c"'
refused "-N create with a disk without a vdev" \
	"$dir/minimal.cfg: config parsing error in disk specification: no vdev specified in \`/dev/vg/a,raw'" \
	-N create "$dir/minimal.cfg" 'disk=["/dev/vg/a,raw"]'

# create -d: the same JSON on stderr after the "Parsing config from" line, before
# anything is built (on the host the build then fails: no disk image or no hypervisor)
"$pxl" create -d "$dir/devices.cfg" >"$out" 2>"$err"
rc=$?
{ printf 'Parsing config from %s\n' "$dir/devices.cfg"; cat "$dir/devices.json"; } >"$dir/no-uuid.tmp"
ok=1
[ $rc -ne 0 ] && [ ! -s "$out" ] && head -c "$(stat -c %s "$dir/no-uuid.tmp")" "$err" |
	cmp -s - "$dir/no-uuid.tmp" && ok=0
n=$((n + 1))
if [ $ok -eq 0 ]; then
	echo "ok $n - create -d devices.cfg"
else
	echo "not ok $n - create -d devices.cfg: rc $rc, stderr: $(cat "$err")"
fi
