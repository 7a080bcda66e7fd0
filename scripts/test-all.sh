#!/usr/bin/env bash
# Run each test stage (a make target), then print the summed closing line.
# A stage passes when its make target exits 0; its counts come from the last
# "N passed, N failed" line it printed.
set -uo pipefail
BUILD=${BUILD:-build}
mkdir -p "$BUILD/test-logs"
total_pass=0 total_fail=0 bad_stages=""
for stage in "$@"; do
	log="$BUILD/test-logs/$stage.log"
	echo "=== test stage: $stage"
	start=$(date +%s)
	make --no-print-directory "$stage" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/p')
	f=$(echo "$line" | sed -nE 's/^([A-Za-z-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/p')
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	[ "$rc" -eq 0 ] || bad_stages="$bad_stages $stage"
	echo "=== $stage: rc=$rc, $p passed, $f failed, $(( $(date +%s) - start ))s"
done
echo
[ -z "$bad_stages" ] || echo "failed stages:$bad_stages"
echo "$total_pass passed, $total_fail failed"
[ -z "$bad_stages" ] && [ "$total_fail" -eq 0 ]
