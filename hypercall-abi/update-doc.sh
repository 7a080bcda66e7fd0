#!/usr/bin/env bash
# Put the generated hypercall table into docs/abi-status.md between the
# markers, or with --check verify that it is already there unchanged.
set -euo pipefail
check=0
[ "$1" = "--check" ] && { check=1; shift; }
list=$1 doc=$2
begin='<!-- hypercall-table begin (generated from hypercall-abi/hypercalls.def) -->'
end='<!-- hypercall-table end -->'
new=$(awk -v b="$begin" -v e="$end" -v f="$list" '
	$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$doc")
if [ $check -eq 1 ]; then
	if [ "$new" != "$(cat "$doc")" ]; then
		echo "abi-check: $doc is out of date with hypercalls.def; run 'make abi-doc'" >&2
		exit 1
	fi
else
	printf '%s\n' "$new" > "$doc"
fi
