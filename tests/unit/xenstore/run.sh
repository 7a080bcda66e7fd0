#!/usr/bin/env bash
# Run the xenstore cmocka suite and print "xenstore-unit: N passed, N failed".
set -uo pipefail
bin=$1
out=$("$bin" 2>&1)
rc=$?
echo "$out"
pass=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
fail=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
pass=${pass:-0} fail=${fail:-0}
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "xenstore-unit: $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
