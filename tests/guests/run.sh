#!/usr/bin/env bash
# Boot PV test guests as Petrel's initial domain under QEMU (TCG) and judge
# each one from its serial log.
#
# Usage:
#   tests/guests/run.sh [options] GUEST.elf... [--malformed]
#
# Options:
#   --mode multiboot|efi|xen|bochs  multiboot: QEMU -kernel petrel -initrd "guest args";
#                         efi: OVMF + petrel.efi through scripts/efi-boot.sh;
#                         bochs: Bochs with an Intel VMX CPU, GRUB loading
#                         petrel by multiboot (scripts/bochs-boot.sh); the
#                         tests' TEST_CPU/MACHINE/DEVICE (QEMU's) are ignored,
#                         TEST_BOCHS_CPU("model") picks Bochs' CPU model;
#                         xen: the reference, Debian's Xen 4.17 (--petrel
#                         build/xen-ref/xen-4.17-amd64), to check the tests
#                         themselves against real Xen
#   --label NAME          what the table's mode column says (default: the mode)
#   --petrel FILE         build/xen/petrel (multiboot) or build/xen/petrel.efi
#   --out DIR             where logs go: DIR/<mode>/<test>.log
#   --src DIR             test sources, read for TEST_* lines (tests/guests/tests)
#   --timeout SECS        per boot (default 60; a test's TEST_TIMEOUT("N") raises it to N)
#   --jobs N              QEMU instances at once (default 2)
#   --judge KIND LOG RC SRC  only print the verdict on an existing LOG (KIND:
#                         test, crash or rejected; RC: QEMU's exit status)
#   --petrel-only FILE    (xen mode) the tests known to fail on Xen 4.17, one
#                         "name  reason" a line: such a test counts as passed
#                         (XFAIL) when it fails on Xen, and FAILS the run when
#                         it passes there (take it off the list then)
#   --malformed           also boot broken dom0 images (truncated ELF, random
#                         bytes, ELF without Xen notes): each must be refused
#                         with "dom0 image rejected:" and no hypervisor panic
#
# Verdicts. A test passes when, in its serial log:
#   - there is no "PANIC" or "Fatal" (the hypervisor must never go down), and
#   - ordinary tests: the last "Test result: X" line has X = SUCCESS or SKIP
#     (or what TEST_EXPECT_RESULT("X") in the source says), no
#     "Domain 0 crashed", and QEMU exited 0 (ACPI poweroff);
#   - TEST_EXPECT_HALT() tests: no verdict line, no crash, and QEMU exited
#     0 (poweroff);
#   - TEST_EXPECT_CRASH() tests, TEST_EXPECT_REJECTED() tests and malformed images: "Domain 0 crashed" /
#     "dom0 image rejected:" appears and QEMU exited non-zero (isa-debug-exit),
#     not by timeout;
#   - every TEST_EXPECT("text") string of the source appears.
# GUEST_SMP=N in the environment boots the tests that have a TEST_SMP on N
# CPUs instead. GUEST_HV_OPTS="..." adds Petrel options to every boot's
# command line, after the test's TEST_HV_ARGS (e.g. tlb_holders=0); the xen
# mode leaves them out.
# SKIP counts as passed. Prints a table and "guests: N passed, N failed";
# exits non-zero if anything failed. On failure, the last 40 log lines.
set -uo pipefail

mode=multiboot label="" petrel="" out="" src="" timeout=60 jobs=2 malformed=0 only_list=""
guests=() judge_args=()
die() {
	echo "run.sh: $*" >&2
	echo "guests: 0 passed, 1 failed"
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=${2:?}; shift 2 ;;
	--label) label=${2:?}; shift 2 ;;
	--petrel) petrel=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--src) src=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--malformed) malformed=1; shift ;;
	--petrel-only) only_list=${2:?}; shift 2 ;;
	--judge) judge_args=("${2:?}" "${3:?}" "${4:?}" "${5?}"); shift 5 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) guests+=("$1"); shift ;;
	esac
done

# The TEST_*("...") lines of a test's source: meta FILE KEY -> one value a line.
meta() {
	[ -f "$1" ] || return 0
	sed -nE "s/^$2\(\"(.*)\"\);.*/\1/p; s/^$2\(\);.*/yes/p" "$1"
}

# Broken dom0 images, made from the first guest (or from nothing).
make_malformed() {
	local dir="$logdir/images" base=${guests[0]:-}
	mkdir -p "$dir"
	if [ -n "$base" ]; then
		head -c 600 "$base" >"$dir/truncated.elf"
		objcopy --remove-section .note.Xen "$base" "$dir/no-xen-notes.elf" 2>/dev/null ||
			echo "run.sh: objcopy failed; skipping no-xen-notes" >&2
	fi
	python3 -c 'import random, sys
random.seed(20261121)
sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(16384)))' \
		>"$dir/random.bin"
	ls "$dir"/* 2>/dev/null
}

# boot NAME IMAGE ARGS LOG -> QEMU's exit status
boot() {
	local name=$1 image=$2 args=$3 log=$4 cpu=${test_cpu:-max} mem=${test_mem:-512M}
	local hv_args=${test_hv_args:+ $test_hv_args}${GUEST_HV_OPTS:+ $GUEST_HV_OPTS}
	local -a dev=()
	[ -n "${test_device:-}" ] && dev=(-device "$test_device")
	[ -n "${test_smp:-}" ] && dev+=(-smp "$test_smp" -accel tcg,thread=multi)
	case "$args" in *,*) echo "run.sh: $name: commas are not allowed in TEST_ARGS" >"$log"
		return 2 ;;
	esac
	if [ "$mode" = multiboot ]; then
		local initrd="$image${args:+ $args}" append="console=com1 loglvl=all$hv_args"
		# TEST_DOMU: the same image again as domain 1 (Petrel's "domu" aid).
		if [ -n "${test_domu:-}" ]; then
			initrd="$initrd with-domu,$image $test_domu" append="$append domu"
		fi
		timeout -k 5 "$timeout" qemu-system-x86_64 -machine "${test_machine:-pc}" -m "$mem" -cpu "$cpu" \
			-nographic -no-reboot -kernel "$petrel" \
			-initrd "$initrd" -append "$append" \
			-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			"${dev[@]}" -display none -monitor none </dev/null >"$log.qemu" 2>&1
	elif [ "$mode" = xen ]; then
		boot_xen "$image${args:+ $args}" "$log" "$cpu"
	elif [ "$mode" = bochs ]; then
		boot_bochs "$name" "$image${args:+ $args}" "$log" "console=com1 loglvl=all$hv_args"
	else
		bash "$top/scripts/efi-boot.sh" --efi "$petrel" --esp "$logdir/esp-$name" \
			--serial "file:$log" --timeout "$timeout" -m "$mem" \
			"console=com1 loglvl=all$hv_args" "$image${args:+ $args}" \
			-- -cpu "$cpu" -no-reboot -display none "${dev[@]}" </dev/null >"$log.qemu" 2>&1
	fi
}

# What the hypervisor prints when dom0 crashes or its image is refused. Xen
# 4.17 (--mode xen) words both differently, halts instead of exiting QEMU
# and panics on a refused image, so there the exit status is not checked.
crash_re='Domain 0 crashed' reject_re='dom0 image rejected:' check_rc=1
if [ "$mode" = xen ]; then
	crash_re='Dom0 crashed|Domain 0 \(vcpu#0\) crashed' reject_re='Could not (set up DOM0 guest OS|construct domain 0)|Panic on CPU'
	check_rc=0
fi
# Bochs has no isa-debug-exit: every end is the same ACPI power-off.
[ "$mode" = bochs ] && check_rc=0

# xen_done LOG: Xen's last words after an outcome (halt, crash, panic).
xen_done() {
	grep -aqE "^\(XEN\) (Hardware Dom0 (halted|crashed|shut)|Manual reset required|Reboot in)" "$1"
}

# boot_xen MODULE LOG CPU: Xen 4.17 halts rather than exits; stop QEMU once
# the log shows an outcome (and the rest of the report, up to 2 s more).
# Returns 0 then, 124 on timeout. No NIC: its option ROM alone costs more
# than a second of each boot, and no guest test uses it.
boot_xen() {
	local module=$1 log=$2 cpu=$3 qpid deadline=$((SECONDS + timeout)) rc=124 i
	: >"$log"
	qemu-system-x86_64 -machine "${test_machine:-pc}" -m "${test_mem:-512M}" -cpu "$cpu" -nographic -no-reboot -nic none \
		-kernel "$petrel" \
		-initrd "$module" -serial "file:$log" -display none -monitor none \
		-append "console=com1 loglvl=all guest_loglvl=all dom0_mem=64M noreboot${test_hv_args:+ $test_hv_args}" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${dev[@]}" </dev/null >"$log.qemu" 2>&1 &
	qpid=$!
	while [ "$SECONDS" -lt "$deadline" ]; do
		if grep -aqE '^Test result: |crashed|Panic on CPU|Hardware Dom0 (halted|shut)' "$log"; then
			for ((i = 0; i < 10; i++)); do
				xen_done "$log" && break
				sleep 0.2
			done
			rc=0
			break
		fi
		if ! kill -0 "$qpid" 2>/dev/null; then
			# QEMU ended by itself (e.g. a guest wrote to isa-debug-exit)
			wait "$qpid"
			return $?
		fi
		sleep 0.2
	done
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	return "$rc"
}

# boot_bochs NAME MODULE LOG CMDLINE: one boot under Bochs, stopped once the
# log shows an outcome (Bochs also ends by itself at Petrel's ACPI power-off;
# a reboot, which would boot again, stops it like QEMU's -no-reboot).
boot_bochs() {
	local mem=${test_mem:-512M}
	case "$mem" in
	*G) mem=$((${mem%G} * 1024)) ;;
	*M) mem=${mem%M} ;;
	esac
	bash "$top/scripts/bochs-boot.sh" --dir "$logdir/bochs-$1" --serial "$3" \
		--timeout "$timeout" -m "$mem" --smp "${test_smp:-1}" \
		${test_bochs_cpu:+--cpu "$test_bochs_cpu"} \
		--stop-on '^Test result: |Domain 0 crashed|dom0 image rejected:|PANIC|Fatal|Rebooting\.' \
		"$petrel" "$4" "$2" </dev/null >"$3.qemu" 2>&1
}

# judge KIND LOG RC SOURCE -> prints "PASS|FAIL|SKIP reason"
judge() {
	local kind=$1 log=$2 rc=$3 srcf=$4 verdict want e
	if [ "$kind" != rejected ] || [ "$mode" != xen ]; then
		grep -aqE 'PANIC|Fatal' "$log" && { echo "FAIL hypervisor PANIC/Fatal in the log"; return; }
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL timeout after ${timeout}s"; return
	fi
	while IFS= read -r e; do
		[ -n "$e" ] || continue
		grep -aqF -- "$e" "$log" || { echo "FAIL missing \"$e\""; return; }
	done < <(meta "$srcf" TEST_EXPECT)
	# TEST_SMP: every CPU of the machine was brought up (Petrel's or Xen's words).
	local smp
	smp=$(smp_of "$srcf")
	if [ -n "$smp" ] && [ "$kind" = test ]; then
		grep -aqE "SMP: $smp of $smp CPUs online|Brought up $smp CPUs" "$log" ||
			{ echo "FAIL not all $smp CPUs brought up"; return; }
	fi
	case "$kind" in
	halt)
		grep -aqE '^Test result: ' "$log" && { echo "FAIL a verdict line, expected none"; return; }
		grep -aqE "$crash_re" "$log" && { echo "FAIL domain crashed"; return; }
		[ "$rc" = 0 ] || [ "$check_rc" = 0 ] ||
			{ echo "FAIL QEMU exited $rc, expected 0"; return; }
		echo "PASS halted"
		return ;;
	crash | rejected)
		want=$crash_re
		[ "$kind" = rejected ] && want=$reject_re
		grep -aqE "$want" "$log" || { echo "FAIL no \"$want\""; return; }
		[ "$rc" != 0 ] || [ "$check_rc" = 0 ] ||
			{ echo "FAIL QEMU exited 0, expected non-zero"; return; }
		echo "PASS $want"
		return ;;
	esac
	verdict=$(grep -aoE '^Test result: (SUCCESS|SKIP|FAILURE|ERROR)' "$log" | tail -n 1)
	verdict=${verdict#Test result: }
	[ -n "$verdict" ] || { echo "FAIL no verdict line (QEMU exit $rc)"; return; }
	if grep -aqE "$crash_re" "$log"; then
		echo "FAIL domain crashed ($verdict)"; return
	fi
	want=$(meta "$srcf" TEST_EXPECT_RESULT | tail -n 1)
	if [ -n "$want" ]; then
		[ "$verdict" = "$want" ] || { echo "FAIL $verdict, expected $want"; return; }
	elif [ "$verdict" != SUCCESS ] && [ "$verdict" != SKIP ]; then
		echo "FAIL $verdict"; return
	fi
	[ "$rc" = 0 ] || [ "$check_rc" = 0 ] ||
		{ echo "FAIL $verdict but QEMU exited $rc, expected 0"; return; }
	[ "$verdict" = SKIP ] && { echo "SKIP skipped"; return; }
	echo "PASS $verdict"
}

# listed_reason NAME: the reason NAME is on the --petrel-only list, if it is.
listed_reason() {
	[ -n "$only_list" ] || return 1
	awk -v n="$1" '$1 == n { sub(/^[^ \t]+[ \t]+/, ""); print; found = 1 } END { exit !found }' \
		"$only_list"
}

# only_verdict NAME RESULT: a Petrel-only test must fail on Xen.
only_verdict() {
	local name=$1 res=$2 why
	if ! why=$(listed_reason "$name"); then
		echo "$res"
	elif [ "${res%% *}" = FAIL ]; then
		echo "XFAIL Petrel-only ($why): ${res#* }"
	else
		echo "FAIL listed as Petrel-only but ${res%% *} on Xen: take it off $only_list"
	fi
}

# --judge: only judge an existing log (used by runner-check.sh).
if [ ${#judge_args[@]} -gt 0 ]; then
	only_verdict "$(basename "${judge_args[1]}" .log)" "$(judge "${judge_args[@]}")"
	exit 0
fi
[ -z "$only_list" ] || [ -f "$only_list" ] || die "no such list: $only_list"

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${out:=${BUILD:-build}/tests/guests/logs}"
: "${src:=$here/tests}"
case "$mode" in
multiboot) : "${petrel:=${BUILD:-build}/xen/petrel}" ;;
efi) : "${petrel:=${BUILD:-build}/xen/petrel.efi}"
	[ -x "$top/scripts/efi-boot.sh" ] || [ -f "$top/scripts/efi-boot.sh" ] ||
		die "scripts/efi-boot.sh does not exist" ;;
xen) [ -n "$petrel" ] || die "--mode xen needs --petrel build/xen-ref/xen-4.17-amd64" ;;
bochs) : "${petrel:=${BUILD:-build}/xen/petrel}"
	command -v bochs >/dev/null || die "bochs not found (make deps)" ;;
*) die "--mode must be multiboot, efi, xen or bochs" ;;
esac
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout needs whole seconds"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"
[ -f "$petrel" ] || die "no hypervisor image $petrel (build it first)"
[ "$mode" = bochs ] || command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found"
[ ${#guests[@]} -gt 0 ] || [ "$malformed" = 1 ] || die "no guests given"
for g in "${guests[@]}"; do
	[ -f "$g" ] || die "no such guest image: $g"
done
if [ -n "$only_list" ]; then
	while read -r n _; do
		case "$n" in '' | '#'*) continue ;; esac
		[ -f "$src/$n.c" ] || die "$only_list names $n, which is no test in $src"
	done <"$only_list"
fi

logdir="$out/$mode"
mkdir -p "$out" || die "cannot create $out"
# One run per log directory at a time: a second run (another make in the same
# tree) waits here rather than deleting the first one's logs under it.
exec 9>"$out/.$mode.lock"
if ! flock -n 9; then
	echo "run.sh: another run is using $logdir; waiting for it" >&2
	flock -w 1200 9 || die "gave up waiting for $out/.$mode.lock"
fi
rm -rf "$logdir"
mkdir -p "$logdir" || die "cannot create $logdir"

# run_one KIND NAME IMAGE: boots, judges, writes LOG.result
# The CPUs a test's machine has: its TEST_SMP, or GUEST_SMP (from the
# environment) instead for a test that has one.
smp_of() {
	local smp
	smp=$(meta "$1" TEST_SMP | tail -n 1)
	echo "${smp:+${GUEST_SMP:-$smp}}"
}

run_one() {
	local kind=$1 name=$2 image=$3 srcf="$src/$2.c" args="" log start rc res
	log="$logdir/$name.log"
	[ "$kind" = test ] && args=$(meta "$srcf" TEST_ARGS | tail -n 1)
	local test_cpu="" test_mem="" test_hv_args="" test_device="" test_domu="" test_machine="" test_smp=""
	local test_bochs_cpu=""
	[ "$kind" = test ] && test_bochs_cpu=$(meta "$srcf" TEST_BOCHS_CPU | tail -n 1)
	[ "$kind" = test ] && test_cpu=$(meta "$srcf" TEST_CPU | tail -n 1)
	[ "$kind" = test ] && test_mem=$(meta "$srcf" TEST_MEM | tail -n 1)
	[ "$kind" = test ] && test_machine=$(meta "$srcf" TEST_MACHINE | tail -n 1)
	[ "$kind" = test ] && test_hv_args=$(meta "$srcf" TEST_HV_ARGS | tail -n 1)
	[ "$kind" = test ] && test_device=$(meta "$srcf" TEST_DEVICE | tail -n 1)
	[ "$kind" = test ] && test_domu=$(meta "$srcf" TEST_DOMU | tail -n 1)
	[ "$kind" = test ] && test_smp=$(smp_of "$srcf")
	# TEST_TIMEOUT("N"): a test that runs long by design (phases timed in
	# real seconds) gets N seconds per boot when that is more than --timeout.
	local timeout=$timeout test_timeout=""
	[ "$kind" = test ] && test_timeout=$(meta "$srcf" TEST_TIMEOUT | tail -n 1)
	if [ -n "$test_timeout" ] && [ "$test_timeout" -gt "$timeout" ]; then
		timeout=$test_timeout
	fi
	[ "$kind" = test ] && [ -n "$(meta "$srcf" TEST_EXPECT_CRASH)" ] && kind=crash
	[ "$kind" = test ] && [ -n "$(meta "$srcf" TEST_EXPECT_HALT)" ] && kind=halt
	[ "$kind" = test ] && [ -n "$(meta "$srcf" TEST_EXPECT_REJECTED)" ] && kind=rejected
	start=$(date +%s)
	boot "$name" "$image" "$args" "$log"
	rc=$?
	[ -f "$log" ] || : >"$log"
	res=$(only_verdict "$name" "$(judge "$kind" "$log" "$rc" "$srcf")")
	printf '%s\t%s\t%s\n' "$res" "$(($(date +%s) - start))" "$rc" >"$log.result"
}

names=() images=() kinds=()
for g in "${guests[@]}"; do
	names+=("$(basename "$g" .elf)") images+=("$g") kinds+=(test)
done
if [ "$malformed" = 1 ]; then
	while IFS= read -r img; do
		names+=("malformed-$(basename "$img" | sed 's/\.[a-z]*$//')") images+=("$img")
		kinds+=(rejected)
	done < <(make_malformed)
fi

running=0
for i in "${!names[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "${kinds[$i]}" "${names[$i]}" "${images[$i]}" &
	running=$((running + 1))
done
wait

pass=0 fail=0 failed=()
printf '%-24s %-10s %-8s %s\n' test mode result seconds
for name in "${names[@]}"; do
	IFS=$'\t' read -r res secs rc <"$logdir/$name.log.result" 2>/dev/null ||
		res="FAIL runner error" secs=0 rc=?
	word=${res%% *}
	printf '%-24s %-10s %-8s %s' "$name" "${label:-$mode}" "$word" "$secs"
	[ "$word" = PASS ] || printf '   (%s)' "${res#* }"
	printf '\n'
	if [ "$word" = FAIL ]; then
		fail=$((fail + 1)) failed+=("$name")
	else
		pass=$((pass + 1))
	fi
done
for name in "${failed[@]}"; do
	echo
	echo "---- $name (${label:-$mode}): last 40 lines of $logdir/$name.log"
	tail -n 40 "$logdir/$name.log" | tr -d '\r'
	if [ -s "$logdir/$name.log.qemu" ]; then
		echo "---- $name: QEMU's own output"
		tail -n 10 "$logdir/$name.log.qemu"
	fi
done
echo "guests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
