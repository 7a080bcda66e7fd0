#!/usr/bin/env bash
# pxl create on broken xl.cfg files (tests/unit/ctrl/create-bad), on the
# host, without a hypervisor: each must exit 1 with the `# expect` text in
# its last stderr line, and be refused before pxl reaches for privcmd or
# xenstore (a file that got that far would say it cannot open them).
# `# needs FILE` skips a file when FILE (say, a built guest kernel) is missing.
# TAP output for tests/unit/run-unit.sh.
set -uo pipefail
pxl=${PXL:-build/xl/pxl}
dir=tests/unit/ctrl/create-bad
files=("$dir"/*.cfg)
echo "1..$((${#files[@]} + 3))"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	name=$(basename "$f")
	need=$(sed -n 's/^# needs //p' "$f")
	if [ -n "$need" ] && [ ! -e "$need" ]; then
		echo "not ok $n - $name # SKIP no $need"
		continue
	fi
	want=$(sed -n 's/^# expect //p' "$f")
	err=$("$pxl" create "$f" 2>&1 >/dev/null)
	status=$?
	last=$(printf '%s\n' "$err" | tail -n 1)
	if [ "$status" -eq 1 ] && [[ "$last" == *"$want"* ]] &&
		! grep -qE 'privcmd|xenstore' <<<"$err"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: exit $status, stderr: $err (wanted exit 1 and: $want)"
	fi
done
# and a file that does not exist
n=$((n + 1))
err=$("$pxl" create "$dir/no-such.cfg" 2>&1 >/dev/null)
status=$?
if [ "$status" -eq 1 ] && [[ "$err" == *"Failed to read config file: $dir/no-such.cfg: No such file or directory"* ]]; then
	echo "ok $n - missing file"
else
	echo "not ok $n - missing file: exit $status, stderr: $err"
fi
# -c (console) cannot go with -F (a foreground monitor): refused first
n=$((n + 1))
err=$("$pxl" create -c -F "$dir/no-such.cfg" 2>&1 >/dev/null)
status=$?
if [ "$status" -eq 1 ] && [[ "$err" == *"-c and -F cannot be used together"* ]] &&
	[[ "$err" != *"Parsing config"* ]]; then
	echo "ok $n - create -c -F"
else
	echo "not ok $n - create -c -F: exit $status, stderr: $err"
fi
# -vv: the steps before the hypervisor is needed, each with its seconds
n=$((n + 1))
kernel=build/tests/guests/hello.elf
if [ ! -e "$kernel" ]; then
	echo "ok $n - create -vv # SKIP no $kernel"
else
	cfg=$(mktemp)
	printf 'name = "v"\nkernel = "%s"\n' "$kernel" >"$cfg"
	err=$("$pxl" -vv create -e "$cfg" 2>&1 >/dev/null)
	status=$?
	rm -f "$cfg"
	re='config parsed +[0-9]+\.[0-9]{3} s  \(at +[0-9]+\.[0-9]{3} s\).*kernel read \(ELF, [0-9]+ KiB unpacked\) +[0-9]+\.[0-9]{3} s'
	if [ "$status" -eq 1 ] && [[ "$(tr '\n' ' ' <<<"$err")" =~ $re ]]; then
		echo "ok $n - create -vv"
	else
		echo "not ok $n - create -vv: exit $status, stderr: $err"
	fi
fi
