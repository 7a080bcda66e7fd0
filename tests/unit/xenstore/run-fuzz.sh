#!/usr/bin/env bash
# Robustness of the real daemon over its socket (robust.py), then a libFuzzer
# run of the parser and handlers.
# Usage: run-fuzz.sh OUT SECONDS [long]
# Prints "xenstore-fuzz: N passed, N failed".
set -uo pipefail
OUT=$(cd "$1" && pwd)
SECS=$2
HERE=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
corpus=$OUT/fuzz-corpus
mkdir -p "$corpus" "$OUT/fuzz-artifacts"
python3 "$HERE/fuzz-seeds.py" "$corpus"

# the daemon's socket transport with its io_uring, then without (XENSTORED_NO_URING)
if [ "${3:-}" != long ]; then
	for no_uring in "" 1; do
		rm -f "$OUT/robust.last"
		[ -n "$no_uring" ] && echo "robust.py again without io_uring (XENSTORED_NO_URING=1)"
		XENSTORED_NO_URING=$no_uring python3 "$HERE/robust.py" "$OUT/xenstored"
		rc=$?
		line=$(grep -hE '^robust: [0-9]+ passed' "$OUT/robust.last" 2>/dev/null | tail -1)
		p=$(echo "$line" | sed -nE 's/robust: ([0-9]+) passed.*/\1/p')
		f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed/\1/p')
		pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
		[ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ] && fail=$((fail + 1))
	done
fi

# inputs that once failed must keep passing
if "$OUT/fuzz-xenstore" "$HERE"/fuzz-regressions/* >"$OUT/fuzz-regress.log" 2>&1; then
	pass=$((pass + 1))
	echo "ok   fuzz regression inputs ($(ls "$HERE"/fuzz-regressions | wc -l))"
else
	fail=$((fail + 1))
	echo "FAIL fuzz regression inputs:"
	grep -E 'ERROR|runtime error|invariant' "$OUT/fuzz-regress.log" | head -5
fi

echo "libFuzzer: ${SECS}s"
log=$OUT/fuzz.log
ASAN_OPTIONS=detect_leaks=1 "$OUT/fuzz-xenstore" -max_total_time="$SECS" -rss_limit_mb=1024 \
	-timeout=10 -max_len=8192 -print_final_stats=1 \
	-artifact_prefix="$OUT/fuzz-artifacts/" "$corpus" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | tail -3
if [ $rc -eq 0 ]; then
	pass=$((pass + 1))
	echo "ok   libFuzzer ran ${SECS}s without a finding"
else
	fail=$((fail + 1))
	echo "FAIL libFuzzer (rc $rc):"
	grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -10
fi
echo "xenstore-fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
