#!/usr/bin/env bash
# Host test of the dom0 xenstore client (build/xenstore/dom0/xenstore and its
# xenstore-* names) against our daemon on a private socket.  Where Debian's
# xenstore-utils are unpacked (make xenstore-debs), each command's output and
# exit status is compared with Debian's client on the same store.
#
# Usage: test-client.sh OUT DEBIAN_ROOT   (OUT = build/xenstore)
set -u
out=${1:?usage: test-client.sh OUT DEBIAN_ROOT}
debroot=${2:?usage: test-client.sh OUT DEBIAN_ROOT}
client=$out/dom0/xenstore
[ -x "$client" ] || { echo "test-client: $client not built" >&2; exit 1; }
[ -x "$out/xenstored" ] || { echo "test-client: $out/xenstored not built" >&2; exit 1; }

tmp=$(mktemp -d)
export XENSTORED_PATH=$tmp/socket
"$out/xenstored" -N -D >"$tmp/daemon.log" 2>&1 &
dpid=$!
cleanup() {
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do
	[ -S "$tmp/socket" ] && break
	sleep 0.05
done

bin=$tmp/bin
mkdir -p "$bin"
for c in read write rm mkdir exists list ls watch; do
	ln -s "$(readlink -f "$client")" "$bin/xenstore-$c"
done
deb=$debroot/usr/bin
deblib=$debroot/usr/lib/x86_64-linux-gnu
have_deb=false
[ -x "$deb/xenstore-read" ] && have_deb=true

pass=0 failed=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# expect NAME RC EXPECTED_STDOUT CMD...
expect() {
	local name=$1 want_rc=$2 want=$3 got rc
	shift 3
	got=$("$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		bad "$name" "rc=$rc (want $want_rc), stdout $(printf %q "$got") (want $(printf %q "$want")), stderr $(head -c 200 "$tmp/err")"
	fi
}

# same NAME CMD ARGS...: our xenstore-CMD and Debian's print the same and exit alike
same() {
	local name=$1 cmd=$2 ours theirs orc trc
	shift 2
	if ! $have_deb; then
		echo "SKIP $name (no Debian xenstore-utils in $debroot)"
		return
	fi
	ours=$("$bin/xenstore-$cmd" "$@" 2>/dev/null)
	orc=$?
	theirs=$(LD_LIBRARY_PATH=$deblib "$deb/xenstore-$cmd" "$@" 2>/dev/null)
	trc=$?
	if [ "$ours" = "$theirs" ] && [ "$orc" = "$trc" ]; then
		ok "$name"
	else
		bad "$name" "ours rc=$orc $(printf %q "$ours"), Debian's rc=$trc $(printf %q "$theirs")"
	fi
}

x=$bin/xenstore
expect write-read 0 $'hello\nworld' \
	bash -c "$x-write /t/a hello /t/b world && $x-read /t/a /t/b"
expect multi-call-form 0 world "$client" read /t/b
expect read-missing 1 "" "$x-read" /t/none
grep -q "cannot read /t/none" "$tmp/err" && ok read-missing-message ||
	bad read-missing-message "stderr: $(cat "$tmp/err")"
expect exists-yes 0 "" "$x-exists" /t/a
expect exists-no 1 "" "$x-exists" /t/none
expect list 0 $'a\nb' "$x-list" /t
expect ls 0 $'a = "hello"\nb = "world"' "$x-ls" /t
expect ls-full 0 $'/t/a = "hello"\n/t/b = "world"' "$x-ls" -f /t
expect mkdir 0 "" bash -c "$x-mkdir /t/d && $x-read /t/d"
# escapes: our write undoes them, a raw read shows the bytes
"$x-write" /t/e 'a\tb\nc\\d\101\x41\1' &&
	expect write-escapes 0 "$(printf 'a\tb\nc\\dAA\001')" "$x-read" -R /t/e
"$x-write" -R /t/raw 'a\nb' && expect write-raw 0 'a\nb' "$x-read" -R /t/raw
"$x-write" /t/bytes "$(printf 'q"x\033y\177z\200\010\r')"
expect read-escaped 0 'q"x\x1by\x7fz\x80\x08\r' "$x-read" /t/bytes
expect rm 0 "" bash -c "$x-rm /t/d && ! $x-exists /t/d"
expect rm-missing-parent 1 "" "$x-rm" /t/none/deeper
expect watch 0 $'/t/w\n/t/w/x\n/t/w' bash -c \
	"timeout 10 $x-watch -n 3 /t/w >$tmp/w & w=\$!
	 for i in \$(seq 100); do [ -s $tmp/w ] && break; sleep 0.05; done
	 $x-write /t/w/x 1 && $x-rm /t/w && wait \$w && cat $tmp/w"
# usage errors and no daemon: a clear message, never a crash
expect usage-no-command 2 "" "$client"
expect usage-unknown 2 "" "$client" frobnicate /t
expect usage-odd-write 2 "" "$x-write" /t/a
expect usage-no-path 2 "" "$x-read"
expect usage-bad-count 2 "" "$x-watch" -n 0 /t
expect usage-bad-option 2 "" "$x-ls" -R /t
expect no-daemon 1 "" env XENSTORED_PATH=$tmp/none "$x-read" -s /t/a
grep -q "cannot connect to xenstore" "$tmp/err" && ok no-daemon-message ||
	bad no-daemon-message "stderr: $(cat "$tmp/err")"

# the same store through Debian's client
same deb-read read /t/a /t/b /t/bytes /t/e
same deb-read-raw read -R /t/e
same deb-read-missing read /t/none
same deb-ls ls /t
same deb-ls-root ls /
same deb-ls-full ls -f /t
same deb-list list /t
same deb-exists exists /t/a
same deb-exists-no exists /t/none
if $have_deb; then
	LD_LIBRARY_PATH=$deblib "$deb/xenstore-write" /t/deb 'x\ty\x41\001z'
	same deb-written-escapes read /t/deb
	"$x-write" /t/ours 'x\ty\x41\001z'
	expect ours-written-same 0 "$("$x-read" -R /t/deb)" "$x-read" -R /t/ours
fi

echo "xenstore-client: $pass passed, $failed failed"
[ "$failed" = 0 ]
