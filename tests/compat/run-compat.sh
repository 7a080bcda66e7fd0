#!/usr/bin/env bash
# Compatibility: Debian 12's unmodified xenstore-utils and test-xenstore
# (Xen 4.17) against Petrel's xenstored, first with Debian's libxenstore.so.4
# and then with Petrel's (LD_LIBRARY_PATH).
#
# Usage: run-compat.sh OUT DEBROOT
#   OUT      build dir with xenstored and libxenstore.so.4
#   DEBROOT  Debian packages unpacked with dpkg -x (make xenstore-debs)
# DAEMON="cmd" runs the checks against another daemon (e.g. Debian's, to
# validate the checks themselves); it is started with XENSTORED_PATH set.
set -uo pipefail
OUT=$(cd "$1" && pwd)
DEBROOT=$(cd "$2" && pwd)
B=$DEBROOT/usr/bin
TESTXS=$DEBROOT/usr/lib/xen-4.17/bin/test-xenstore
DEBLIB=$DEBROOT/usr/lib/x86_64-linux-gnu:$DEBROOT/usr/lib/xen-4.17/lib
RUNDIR=$(mktemp -d /tmp/petrel-xs-compat.XXXXXX)
DAEMON_GIVEN=${DAEMON:-}
DAEMON=${DAEMON:-$OUT/xenstored -N}
pass=0 fail=0 pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$RUNDIR"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
# check NAME CMD...: the command must succeed
check() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else ko "$name"; echo "$out" | tail -5 | sed 's/^/     /'; fi
}
# expect NAME WANT CMD...: the command's output must equal WANT
expect() {
	local name=$1 want=$2
	shift 2
	local got
	got=$("$@" 2>&1)
	if [ "$got" == "$want" ]; then ok "$name"; else
		ko "$name"
		echo "     want: $(echo "$want" | head -3 | tr '\n' '|')"
		echo "     got:  $(echo "$got" | head -3 | tr '\n' '|')"
	fi
}
T() { timeout 10 "$@"; }

start_daemon() {
	export XENSTORED_RUNDIR=$RUNDIR XENSTORED_PATH=$RUNDIR/socket
	LD_LIBRARY_PATH=$DEBLIB $DAEMON >"$RUNDIR/daemon.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ -S "$RUNDIR/socket" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "daemon did not start:"
	cat "$RUNDIR/daemon.log"
	return 1
}

run_checks() {
	local lib=$1
	local p=/compat-$lib
	echo "--- xenstore-utils, $lib libxenstore"
	check "$lib: which libxenstore" bash -c "ldd $B/xenstore-read | grep -q 'libxenstore.so.4 => ${LD_LIBRARY_PATH%%:*}'"
	check "$lib: write" T "$B/xenstore-write" $p/a hello $p/b world
	expect "$lib: read" "hello" T "$B/xenstore-read" $p/a
	expect "$lib: read two" $'hello\nworld' T "$B/xenstore-read" $p/a $p/b
	expect "$lib: read -p (path)" "$p/a: hello" T "$B/xenstore-read" -p $p/a
	expect "$lib: list" $'a\nb' T "$B/xenstore-list" $p
	expect "$lib: ls -f" "$p/a = \"hello\""$'\n'"$p/b = \"world\"" T "$B/xenstore-ls" -f $p
	check "$lib: exists" T "$B/xenstore-exists" $p/a
	check "$lib: missing node does not exist" bash -c "! timeout 10 $B/xenstore-exists $p/nope"
	check "$lib: read of a missing node fails" bash -c "! timeout 10 $B/xenstore-read $p/nope"
	check "$lib: chmod" T "$B/xenstore-chmod" $p/a r0 b5 w7
	expect "$lib: ls -p shows perms" "a = \"hello\" (r0,b5,w7)" \
		bash -c "timeout 10 $B/xenstore-ls -p $p | head -1 | sed 's/[ .]*(/ (/'"
	check "$lib: chmod -r (recursive)" T "$B/xenstore-chmod" -r $p n0 r3
	expect "$lib: recursive perms" $'n0,r3\nn0,r3' bash -c \
		"timeout 10 $B/xenstore-ls -p $p | sed -n 's/.*(\(.*\))\$/\1/p'"
	check "$lib: chmod of a bad perm fails" bash -c "! timeout 10 $B/xenstore-chmod $p/a x0"
	check "$lib: write relative path" T "$B/xenstore-write" compat-rel-$lib 42
	expect "$lib: relative is under /local/domain/0" "42" T "$B/xenstore-read" /local/domain/0/compat-rel-$lib
	check "$lib: rm relative" T "$B/xenstore-rm" compat-rel-$lib
	local big
	big=$(head -c 2000 /dev/zero | tr '\0' 'x')
	check "$lib: write 2000 bytes" T "$B/xenstore-write" $p/big "$big"
	expect "$lib: read 2000 bytes" "$big" T "$B/xenstore-read" $p/big
	check "$lib: write of an invalid path fails" bash -c "! timeout 10 $B/xenstore-write '$p//x' 1"
	# 600 children: ~9 KB of names, beyond one message: DIRECTORY_PART
	local args=()
	for i in $(seq 1 600); do args+=("$p/dir/child-number-$i" "$i"); done
	check "$lib: write 600 children" T "$B/xenstore-write" "${args[@]}"
	expect "$lib: list 600 children (DIRECTORY_PART)" "600 child-number-1 child-number-600" \
		bash -c "timeout 10 $B/xenstore-list $p/dir | awk 'NR==1{f=\$0} {l=\$0} END{print NR, f, l}'"
	# watches: initial event, a change, and a removal of the parent
	T "$B/xenstore-watch" -n 3 $p/w >"$RUNDIR/watch.out" 2>&1 &
	local w=$! n
	# the write must come after the watch is set: wait for its initial event
	for n in $(seq 1 100); do
		[ -s "$RUNDIR/watch.out" ] && break
		sleep 0.1
	done
	T "$B/xenstore-write" $p/w/x 1
	sleep 0.1
	T "$B/xenstore-rm" $p/w
	wait $w
	expect "$lib: watch events (initial, write, rm)" "$p/w"$'\n'"$p/w/x"$'\n'"$p/w" cat "$RUNDIR/watch.out"
	check "$lib: rm subtree" T "$B/xenstore-rm" $p
	check "$lib: subtree gone" bash -c "! timeout 10 $B/xenstore-exists $p/a"
	check "$lib: rm of a missing node under a present parent" T "$B/xenstore-rm" /local/domain/0/not-there
	check "$lib: rm of a node under a missing parent fails" bash -c "! timeout 10 $B/xenstore-rm /no/such/parent"
	check "$lib: rm -t removes empty parents" bash -c \
		"timeout 10 $B/xenstore-write /rmt/a/b 1 && timeout 10 $B/xenstore-rm -t /rmt/a/b && ! timeout 10 $B/xenstore-exists /rmt"
	echo "--- test-xenstore, $lib libxenstore"
	local tx
	tx=$(T "$TESTXS" -i 50 2>&1)
	local rc=$?
	if [ $rc -eq 0 ] && ! grep -q failed <<<"$tx" && [ "$(grep -c ' avg: ' <<<"$tx")" -eq 12 ]; then
		ok "$lib: test-xenstore -i 50 (12 tests)"
	else
		ko "$lib: test-xenstore -i 50 (rc $rc)"
		echo "$tx" | grep -v ' avg: ' | head -5 | sed 's/^/     /'
	fi
	tx=$(T "$TESTXS" -r 2 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then ok "$lib: test-xenstore -r 2 (random)"; else
		ko "$lib: test-xenstore -r 2 (rc $rc)"
		echo "$tx" | tail -3 | sed 's/^/     /'
	fi
}

start_daemon || { echo "compat: 0 passed, 1 failed"; exit 1; }
LD_LIBRARY_PATH=$DEBLIB run_checks debian
LD_LIBRARY_PATH=$OUT:$DEBLIB run_checks petrel
# read-only socket: reads work, writes are refused
if [ -S "$RUNDIR/socket_ro" ]; then
	LD_LIBRARY_PATH=$DEBLIB T "$B/xenstore-write" /ro-check yes >/dev/null 2>&1
	expect "read-only socket: read" "yes" env XENSTORED_PATH="$RUNDIR/socket_ro" LD_LIBRARY_PATH="$DEBLIB" \
		timeout 10 "$B/xenstore-read" /ro-check
	check "read-only socket: write refused" bash -c \
		"! XENSTORED_PATH=$RUNDIR/socket_ro LD_LIBRARY_PATH=$DEBLIB timeout 10 $B/xenstore-write /ro-check no"
fi
# our API test binary (built against Petrel's xenstore.h) with both libraries
for lib in petrel debian; do
	if [ $lib = petrel ]; then lp=$OUT:$DEBLIB; else lp=$DEBLIB; fi
	echo "--- test-libxs, $lib libxenstore"
	res=$(LD_LIBRARY_PATH=$lp timeout 60 "$OUT/test-libxs" 2>&1)
	echo "$res" | grep -v '^ok' | grep -v '^libxs:' | sed 's/^/     /'
	p=$(echo "$res" | sed -n 's/^libxs: \([0-9]*\) passed, \([0-9]*\) failed/\1/p')
	f=$(echo "$res" | sed -n 's/^libxs: \([0-9]*\) passed, \([0-9]*\) failed/\2/p')
	if [ -z "$p" ]; then ko "$lib: test-libxs did not finish"; else
		pass=$((pass + p)) fail=$((fail + f))
		echo "     $lib: test-libxs $p passed, $f failed"
	fi
done
kill -0 "$pid" 2>/dev/null && ok "daemon still running" || ko "daemon still running"
# command-line options of our daemon (not applicable to another DAEMON)
if [ -z "${DAEMON_GIVEN:-}" ]; then
	echo "--- daemon options"
	res=$(python3 "$(dirname "$0")/daemon-options.py" "$OUT/xenstored" 2>&1)
	echo "$res" | grep -v '^options:'
	p=$(echo "$res" | sed -n 's/^options: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$res" | sed -n 's/^options: [0-9]* passed, \([0-9]*\) failed/\1/p')
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
fi
# differential: the same raw requests to Debian's daemon and a fresh one of ours
if [ -z "$DAEMON_GIVEN" ]; then
	echo "--- differential wire test against Debian's xenstored"
	HERE=$(cd "$(dirname "$0")" && pwd)
	BENCH=$(cd "$HERE/../../bench/xenstore" && pwd)
	export XSROOT=$DEBROOT XS_BENCH_OUT=$OUT/bench
	mkdir -p "$XS_BENCH_OUT"
	if (source "$BENCH/run.sh" && xs_start "$RUNDIR/deb" && xs_start "$RUNDIR/ours" "$OUT/xenstored" -N); then
		res=$(timeout 120 python3 "$HERE/differential.py" "$RUNDIR/deb/socket" "$RUNDIR/ours/socket" 2>&1)
		echo "$res" | grep -v '^differential:' | cut -c1-400
		p=$(echo "$res" | sed -n 's/^differential: \([0-9]*\) passed.*/\1/p')
		f=$(echo "$res" | sed -n 's/^differential: [0-9]* passed, \([0-9]*\) failed/\1/p')
		pass=$((pass + ${p:-0})) fail=$((fail + ${f:-1}))
		echo "     differential: ${p:-0} replies identical, ${f:-?} different"
	else
		ko "differential: could not start both daemons"
	fi
	(source "$BENCH/run.sh" && xs_stop "$RUNDIR/deb"; xs_stop "$RUNDIR/ours") 2>/dev/null
fi
echo "compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
