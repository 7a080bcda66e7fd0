#!/usr/bin/env bash
# pxl vcpu-pin, sched-credit, sched-credit2, sched-rtds, the cpupool commands, dump-core and top on bad operands, and -N on a command without
# a dry run, on the host, without a hypervisor: each must exit as xl does (1,
# or 2 for a missing value or too few operands) with xl's text as its last
# stderr line, refused before pxl reaches for privcmd or xenstore.  TAP output for tests/unit/run-unit.sh.
set -uo pipefail
pxl=${PXL:-build/xl/pxl}
cases=(
	"1|vcpu-pin 0 x all|Error: Invalid argument x as VCPU."
	"1|vcpu-pin 0 -3 all|Error: Invalid argument -3 as VCPU."
	"1|vcpu-pin -f 0 all all|Error: --force and 'all' as VCPU not allowed."
	"1|vcpu-pin 0 0 3-1|Invalid pcpu range: 3-1."
	"1|vcpu-pin 0 0 1,^x|Invalid pcpu range: x."
	"1|vcpu-pin 0 0 ^all|Can't combine \"^\" and \"all\"."
	"1|vcpu-pin 0 0 all 2-1x|Invalid pcpu range: 2-1x."
	"1|vcpu-pin 0 0 - 5-|Invalid pcpu range: 5-."
	"2|vcpu-pin 0 0|'pxl vcpu-pin' requires at least 3 arguments."
	"2|vcpu-pin -q 0 0 0|option \`q' not supported."
	"1|sched-credit -w 5|Must specify a domain."
	"1|sched-credit -c 5|Must specify a domain."
	"1|sched-credit -p 0 -d 1|Specifying a cpupool or schedparam is not allowed with domain options."
	"1|sched-credit -s -d 1 -w 5|Specifying a cpupool or schedparam is not allowed with domain options."
	"1|sched-credit -t 5|Must specify schedparam to set schedule parameter values."
	"1|sched-credit --ratelimit_us=5|Must specify schedparam to set schedule parameter values."
	"2|sched-credit -d|option \`d' not supported."
	"2|sched-credit -x|option \`x' not supported."
	"1|sched-credit2 -w 5|Must specify a domain."
	"1|sched-credit2 -p 0 -d 1|Specifying a cpupool is not allowed with other options."
	"2|sched-credit2 -r|option \`r' not supported."
	"1|sched-rtds -p 100|Missing parameters."
	"1|sched-rtds -d 1 -p 100 -b 50 -e 1|Must specify VCPU."
	"1|sched-rtds -d 1 -v 0 -v all|Incorrect VCPU IDs."
	"1|sched-rtds -d 1 -v 0 -p 100 -b 50|Incorrect number of period, budget and extratime"
	"1|sched-rtds -e 2|Invalid extratime."
	"1|sched-rtds --cpupool=Pool-0 -d 1|Specifying a cpupool is not allowed with other options."
	"2|cpupool-list -x|option \`x' not supported."
	"1|cpupool-cpu-add Pool-0 3-1|Invalid pcpu range: 3-1."
	"1|cpupool-cpu-remove Pool-0 ^x|Invalid pcpu range: x."
	"2|cpupool-cpu-remove Pool-0|'pxl cpupool-cpu-remove' requires at least 2 arguments."
	"2|cpupool-migrate 0|'pxl cpupool-migrate' requires at least 2 arguments."
	"2|dump-core 0|'pxl dump-core' requires at least 2 arguments."
	"2|dump-core -x 0 /tmp/core|option \`x' not supported."
	"2|cpupool-destroy|'pxl cpupool-destroy' requires at least 1 argument."
	"2|cpupool-create -x|option \`x' not supported."
	"1|cpupool-create -n|Missing cpupool name!"
	"2|top -q|option \`q' not supported."
	"1|-N top -b|command does not implement -N (dryrun) option"
	"1|-N destroy 0|command does not implement -N (dryrun) option"
	"1|-N sched-credit -d 0 -w 5|command does not implement -N (dryrun) option"
)
echo "1..${#cases[@]}"
n=0
for c in "${cases[@]}"; do
	n=$((n + 1))
	IFS='|' read -r want_status args want <<<"$c"
	# shellcheck disable=SC2086 # the operands split as a shell would
	err=$("$pxl" $args 2>&1 >/dev/null)
	status=$?
	last=$(printf '%s\n' "$err" | grep -v '^$' | grep -v '^ ' | tail -n 1)
	[ "$want_status" = 2 ] && last=$(printf '%s\n' "$err" | head -n 1)
	if [ "$status" -eq "$want_status" ] && [ "$last" = "$want" ] &&
		! grep -qE 'privcmd|xenstore' <<<"$err"; then
		echo "ok $n - pxl $args"
	else
		echo "not ok $n - pxl $args: exit $status, stderr: $err (wanted exit $want_status and: $want)"
	fi
done
