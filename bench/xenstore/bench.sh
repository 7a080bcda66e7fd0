#!/usr/bin/env bash
# bench-xenstore: Petrel's xenstored against Debian 12's (Xen 4.17, C) on this
# machine, same run, alternating rounds (compare.sh), twice:
#   1. daemons alone: every client uses Debian's libxenstore.so.4
#   2. whole stack: Petrel's clients use Petrel's libxenstore.so.4
# Usage: bench.sh OUT DEBROOT   (ROUNDS=N, default 3)
# Figures: test-xenstore -i 1000 per-op latencies, and xsload: write, read,
# directory of 1000 children, read-modify-write transactions (ops/s) and
# write-to-watch-event latency p50/p99.
set -euo pipefail
OUT=$(cd "$1" && pwd)
DEBROOT=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-3}
export XSROOT=$DEBROOT XS_BENCH_OUT=$OUT/bench
mkdir -p "$XS_BENCH_OUT"
res=$OUT/bench-results
rm -rf "$res"
mkdir -p "$res"
echo "== 1. daemons alone (Debian's libxenstore for both)"
bash "$HERE/compare.sh" -r "$ROUNDS" -o "$res/daemon" "$OUT/xenstored" -N
echo
echo "== 2. whole stack (Petrel's clients use Petrel's libxenstore)"
bash "$HERE/compare.sh" -r "$ROUNDS" -L "$OUT" -o "$res/stack" "$OUT/xenstored" -N
echo
echo "tables: $res/daemon/table.txt $res/stack/table.txt"
