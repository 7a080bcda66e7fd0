#!/usr/bin/env bash
# bench-xenstore: Petrel's xenstored against Debian 12's (Xen 4.17, C) on this
# machine, same run, alternating rounds (compare.sh), twice:
#   1. daemons alone: every client uses Debian's libxenstore.so.4
#   2. whole stack: Petrel's clients use Petrel's libxenstore.so.4
# and the floor: Debian's daemon against nulld (a daemon that does no work),
# which bounds what any daemon can reach behind Debian's library.
# Usage: bench.sh OUT DEBROOT   (ROUNDS=N, default 3; XS_PIN=same, the default,
# puts each round's daemon and clients on one CPU, the next CPU each round, the
# same for both daemons; XS_PIN=D,C pins the daemons to CPU list D and the
# clients to C; XS_PIN=none leaves placement to the scheduler)
# Figures: test-xenstore -i 1000 per-op latencies, and xsload: write, read,
# directory of 1000 children, read-modify-write transactions (ops/s) and
# write-to-watch-event latency p50/p99.
set -euo pipefail
OUT=$(cd "$1" && pwd)
DEBROOT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-3}
XS_PIN=${XS_PIN:-same}
PIN_ARGS=()
[[ "$XS_PIN" != none ]] && PIN_ARGS=(-p "$XS_PIN")
export XSROOT=$DEBROOT XS_BENCH_OUT=$OUT/bench
mkdir -p "$XS_BENCH_OUT"
res=$OUT/bench-results
rm -rf "$res"
mkdir -p "$res"
echo "== 1. daemons alone (Debian's libxenstore for both)"
bash "$HERE/compare.sh" "${PIN_ARGS[@]}" -r "$ROUNDS" -o "$res/daemon" "$OUT/xenstored" -N
echo
echo "== 2. whole stack (Petrel's clients use Petrel's libxenstore)"
bash "$HERE/compare.sh" "${PIN_ARGS[@]}" -r "$ROUNDS" -L "$OUT" -o "$res/stack" "$OUT/xenstored" -N
echo
echo "== 3. daemon CPU time for one full xsload run (Debian's libxenstore for both; load-independent)"
source "$HERE/run.sh"
CLIENT_PIN=()
case $XS_PIN in
none) ;;
same) ncpu=$(nproc) ;;
*) export XS_DAEMON_CPUS=${XS_PIN%%,*}; CLIENT_PIN=(taskset -c "${XS_PIN#*,}") ;;
esac
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for r in $(seq 1 "$ROUNDS"); do
	if [[ $XS_PIN == same ]]; then
		export XS_DAEMON_CPUS=$(((r - 1) % ncpu))
		CLIENT_PIN=(taskset -c "$XS_DAEMON_CPUS")
	fi
	for t in a b; do
		rd=$res/cpu-$t-$r
		if [ $t = a ]; then xs_start "$rd"; else xs_start "$rd" "$OUT/xenstored" -N; fi
		pid=$(cat "$rd/pid")
		c0=$(cpu_ticks "$pid")
		(xs_client_env "$rd"; "${CLIENT_PIN[@]}" "$SHIM_DIR/xsload" >/dev/null 2>&1) || echo "warning: xsload failed ($t)" >&2
		c1=$(cpu_ticks "$pid")
		xs_stop "$rd"
		echo "$t $((c1 - c0))" >>"$res/cpu.txt"
	done
done
hz=$(getconf CLK_TCK)
awk -v hz="$hz" '{ v[$1] = v[$1] " " $2 }
	function med(s,   n, a, i, j, x) { n = split(s, a, " ")
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j+1] = a[j]; a[j+1] = x }
		return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
	END { a = med(v["a"]); b = med(v["b"])
		printf "daemon CPU seconds per xsload run (median): debian %.2f, petrel %.2f, ratio %.2fx\n", a / hz, b / hz, (b ? a / b : 0) }' \
	"$res/cpu.txt" | tee "$res/cpu-summary.txt"
echo
echo "== 4. floor: Debian's daemon against nulld, which answers reads and writes without a store"
echo "   (write and read rows only; the b/a ratio is the most any daemon can reach behind Debian's library)"
bash "$HERE/compare.sh" "${PIN_ARGS[@]}" -X -r "$ROUNDS" -o "$res/floor" "$SHIM_DIR/nulld" 2>/dev/null |
	grep -E '^(xenstored|\(|metric|xl:(write|read))'
echo
echo "tables: $res/daemon/table.txt $res/stack/table.txt $res/cpu-summary.txt $res/floor/table.txt"
