#!/usr/bin/env bash
# Run cmocka suites (TAP output), show each one's result and close with the
# summed "unit: N passed, N failed". A suite that dies part way (sanitizer
# report, crash) counts its unreported tests as failed.
set -uo pipefail
total_pass=0 total_fail=0 rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	log=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$log" 2>&1
	status=$?
	plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$log" | head -n 1)
	pass=$(grep -cE '^ok [0-9]+' "$log")
	# "not ok N # SKIP": a test that could not run here (say, no downloaded kernel)
	skip=$(grep -cE '^not ok [0-9]+ # SKIP' "$log")
	fail=$(( $(grep -cE '^not ok [0-9]+' "$log") - skip ))
	pass=$((pass + skip))
	plan=${plan:-0}
	missing=$((plan - pass - fail))
	[ "$missing" -gt 0 ] && fail=$((fail + missing))
	# A dead suite, or one that announced no tests, is a failure.
	if { [ "$status" -ne 0 ] || [ "$plan" -eq 0 ]; } && [ "$fail" -eq 0 ]; then fail=1; fi
	if [ "$fail" -ne 0 ]; then
		rc=1
		echo "--- $name output:"
		cat "$log"
	fi
	echo "  suite $name: $pass passed, $fail failed (exit $status)"
	total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
	rm -f "$log"
done
echo "unit: $total_pass passed, $total_fail failed"
exit $rc
