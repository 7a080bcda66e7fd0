#!/usr/bin/env bash
# Checks run.sh's verdicts on made-up serial logs, so that a broken runner
# cannot report a failing guest as passed. No QEMU involved; < 1 s.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

boot="(XEN) Petrel hypervisor
(XEN) *** Building a PV Dom0 ***
--- Petrel guest test: t"

# case NAME KIND RC WANT-WORD LOG-TEXT [SOURCE-TEXT]; $jmode: run.sh's --mode,
# $jextra: more run.sh options
jmode=multiboot jextra=()
case_() {
	local name=$1 kind=$2 rc=$3 want=$4 text=$5 srctext=${6-} got
	printf '%s\n' "$text" | sed 's/$/\r/' >"$tmp/$name.log"
	printf '%s\n' "$srctext" >"$tmp/$name.c"
	got=$(bash "$here/run.sh" --mode "$jmode" "${jextra[@]}" \
		--judge "$kind" "$tmp/$name.log" "$rc" "$tmp/$name.c")
	if [ "${got%% *}" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "runner-check: $name: got \"$got\", expected $want"
	fi
}

case_ success test 0 PASS "$boot
Test result: SUCCESS
(XEN) Powering off."
case_ skip test 0 SKIP "$boot
Skip: no such thing
Test result: SKIP"
case_ failure test 0 FAIL "$boot
Failure: x.c:1: wrong
Test result: FAILURE"
case_ error test 0 FAIL "$boot
Test result: ERROR"
case_ last-verdict-wins test 0 FAIL "$boot
Test result: SUCCESS
Test result: FAILURE"
case_ no-verdict test 0 FAIL "$boot
(XEN) Powering off."
case_ verdict-mid-line test 0 FAIL "$boot
xx Test result: SUCCESS"
case_ panic test 0 FAIL "$boot
Test result: SUCCESS
(XEN) PANIC: something"
case_ timeout test 124 FAIL "$boot
Test result: SUCCESS"
case_ bad-exit test 3 FAIL "$boot
Test result: SUCCESS"
case_ crashed-but-success test 0 FAIL "$boot
Test result: SUCCESS
(XEN) Domain 0 crashed: oops"
case_ expect-present test 0 PASS "$boot
hello marker
Test result: SUCCESS" 'TEST_EXPECT("hello marker");'
case_ expect-missing test 0 FAIL "$boot
Test result: SUCCESS" 'TEST_EXPECT("hello marker");'
case_ expect-result test 0 PASS "$boot
Test result: ERROR" 'TEST_EXPECT_RESULT("ERROR");'
case_ expect-result-wrong test 0 FAIL "$boot
Test result: SUCCESS" 'TEST_EXPECT_RESULT("ERROR");'
case_ crash-ok crash 3 PASS "$boot
(XEN) Domain 0 crashed: unhandled #UD"
case_ crash-missing crash 3 FAIL "$boot
Test result: SUCCESS"
case_ crash-exit-0 crash 0 FAIL "$boot
(XEN) Domain 0 crashed: unhandled #UD"
case_ crash-timeout crash 124 FAIL "$boot
(XEN) Domain 0 crashed: unhandled #UD"
case_ crash-panic crash 3 FAIL "$boot
(XEN) Domain 0 crashed: x
(XEN) Fatal trap in hypervisor"
case_ halt-ok halt 0 PASS "$boot
(XEN) d0v0 Triple fault - invoking HVM shutdown action 1
(XEN) Powering off."
case_ halt-with-verdict halt 0 FAIL "$boot
Test result: SUCCESS"
case_ halt-crashed halt 3 FAIL "$boot
(XEN) Domain 0 crashed: x"
case_ halt-bad-exit halt 3 FAIL "$boot"
case_ halt-timeout halt 124 FAIL "$boot"
case_ halt-missing-expect halt 0 FAIL "$boot
(XEN) Powering off." 'TEST_EXPECT("Triple fault");'
case_ rejected-ok rejected 3 PASS "(XEN) dom0 image rejected: bad magic"
case_ rejected-missing rejected 3 FAIL "(XEN) Could not set up DOM0"
case_ rejected-panic rejected 3 FAIL "(XEN) dom0 image rejected: bad
(XEN) PANIC"

# The reference mode (real Xen 4.17): other wording, no exit status.
jmode=xen
case_ xen-success test 0 PASS "$boot
Test result: SUCCESS
(XEN) Hardware Dom0 halted: halting machine"
case_ xen-failure test 0 FAIL "$boot
Test result: FAILURE"
case_ xen-crash crash 0 PASS "$boot
(XEN) Hardware Dom0 crashed: 'noreboot' set - not rebooting."
case_ xen-crash-missing crash 0 FAIL "$boot
Test result: SUCCESS"
case_ xen-rejected rejected 0 PASS "(XEN) ERROR: Not a Xen-ELF image
(XEN) Panic on CPU 0:
(XEN) Could not construct domain 0"
case_ xen-timeout test 124 FAIL "$boot"
case_ xen-halt halt 0 PASS "$boot
(XEN) d0v0 Triple fault - invoking HVM shutdown action 1
(XEN) Hardware Dom0 halted: halting machine"

# Petrel-only tests on Xen: failing there is expected, passing is an error.
printf '# comment\nlisted-fails  a reason\nlisted-passes another reason\n' >"$tmp/only.list"
jextra=(--petrel-only "$tmp/only.list")
case_ listed-fails test 0 XFAIL "$boot
Test result: FAILURE"
case_ listed-passes test 0 FAIL "$boot
Test result: SUCCESS"
case_ unlisted-fails test 0 FAIL "$boot
Test result: FAILURE"
case_ unlisted-passes test 0 PASS "$boot
Test result: SUCCESS"

echo "guests-runner: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
