#!/usr/bin/env bash
# Dom0 boot-time benchmark: Debian's Xen 4.17 against Petrel, and the same
# kernel without a hypervisor.
#
# All boot the same dom0 kernel and initramfs (build/dom0, `make dom0-image`)
# on the same QEMU machine (tests/system/hvboot.py; TCG, -smp 1); only the
# hypervisor image and its command line differ, and "bare" boots the kernel
# itself as a plain PC (console on ttyS0; the initramfs's Xen steps fail at
# once there and it goes on to its shell).  Runs alternate (bare, xen,
# petrel, bare, ...), RUNS of each, one QEMU at a time.  The time measured
# is from QEMU's start to the initramfs's shell marker PETREL-DOM0-SHELL-READY
# on the serial console, split at Linux's first line ("Linux version"):
# before it the firmware, the hypervisor, the dom0 build and the bzImage's
# decompression; after it Linux's own boot.  Prints each run, the medians,
# the ratio petrel/xen and the overhead ratio (petrel - bare) / (xen - bare).
# A hypervisor that does not reach the marker gets "does not boot dom0 yet"
# in place of a number.  --profile adds one Petrel boot with its counters on
# from boot (option hcstats), printed at the marker (time in Petrel by
# hypercall, trap and page-fault kind; the dom0 build and decompression).
#
# Usage: bench/boot-time.sh [--runs N] [--kernel-dir DIR] [--timeout S] [--petrel-timeout S]
#                           [--no-bare] [--profile]
#   timeouts per boot: bare and Xen 300 s, Petrel 180 s (about 10x Xen's
#   time); a kernel panic or a hypervisor's fatal message ends a boot at once
#   Needs: make dom0-image xen-ref xen  (build/dom0, build/xen-ref, build/xen/petrel)
#   Environment: BUILD (default build), PETREL_IMAGE, XEN_IMAGE
set -uo pipefail

BUILD=${BUILD:-build}
export BUILD
runs=3
kdir="$BUILD/dom0"
timeout=300
petrel_timeout=180
bare=1
profile=0
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:?}; shift 2 ;;
	--kernel-dir) kdir=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--petrel-timeout) petrel_timeout=${2:?}; shift 2 ;;
	--no-bare) bare=0; shift ;;
	--profile) profile=1; shift ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "boot-time: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
case "$runs" in ''|*[!0-9]*|0) echo "boot-time: --runs needs a positive number" >&2; exit 2 ;; esac

top=$(cd "$(dirname "$0")/.." && pwd)
tool="$top/tests/system/time_to_marker.py"
xen_image=${XEN_IMAGE:-$BUILD/xen-ref/xen-4.17-amd64}
petrel_image=${PETREL_IMAGE:-$BUILD/xen/petrel}
for f in "$xen_image" "$kdir/vmlinuz" "$kdir/initramfs.cpio.gz"; do
	[ -f "$f" ] || { echo "boot-time: $f missing (make dom0-image xen-ref)" >&2; exit 2; }
done
logdir="$BUILD/bench/boot-time"
mkdir -p "$logdir"

declare -A times=() linux=() why=()
times[bare]="" times[xen]="" times[petrel]=""
linux[bare]="" linux[xen]="" linux[petrel]=""

one_run() { # hv image timeout run-number
	local hv=$1 image=$2 limit=$3 n=$4 out t l
	out=$(python3 "$tool" --hv "$hv" --image "$image" --kernel-dir "$kdir" \
		--timeout "$limit" --log "$logdir/$hv-$n.log")
	case "$out" in
	"seconds "*)
		read -r _ t _ l <<<"$out"
		times[$hv]="${times[$hv]} $t"
		[ "$l" = - ] || linux[$hv]="${linux[$hv]} $l"
		echo "  run $n $hv: $t s (Linux's first line at $l s)"
		;;
	*)
		why[$hv]=${out#no-marker }
		echo "  run $n $hv: no shell marker (${why[$hv]}); log $logdir/$hv-$n.log"
		;;
	esac
}

median() { # numbers...
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%.1f", v[(NR + 1) / 2]
		else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

kver=$(cat "$kdir/kernel-version" 2>/dev/null || echo "?")
echo "Dom0 boot time: QEMU start -> PETREL-DOM0-SHELL-READY, $runs runs each, alternating"
echo "  dom0 kernel $kver, initramfs $kdir/initramfs.cpio.gz"
echo "  $(qemu-system-x86_64 --version | head -n 1), TCG, -smp 1 -m 2G -machine pc -cpu max"
echo "  load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $(seq 1 "$runs"); do
	[ "$bare" = 0 ] || one_run bare "$kdir/vmlinuz" "$timeout" "$n"
	one_run xen "$xen_image" "$timeout" "$n"
	if [ -n "${why[petrel]:-}" ]; then
		continue # it did not boot once; the other runs would not either
	fi
	if [ ! -f "$petrel_image" ]; then
		why[petrel]="$petrel_image not built"
		echo "  petrel: ${why[petrel]}"
		continue
	fi
	one_run petrel "$petrel_image" "$petrel_timeout" "$n"
done

# The profiling boot: after the timed runs, as its counters slow Petrel down.
if [ "$profile" = 1 ] && [ -f "$petrel_image" ]; then
	echo "  profile run petrel (hcstats from boot):"
	python3 "$tool" --hv petrel --image "$petrel_image" --kernel-dir "$kdir" --profile \
		--timeout "$petrel_timeout" --log "$logdir/petrel-profile.log" | sed 's/^/    /'
fi

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-24s %-10s %-24s %s\n' boot "runs (s)" "median (s)" "Linux's first line (s)" \
	"median before / after it (s)"
declare -A med=()
for hv in bare xen petrel; do
	[ "$hv" != bare ] || [ "$bare" = 1 ] || continue
	if [ -n "${why[$hv]:-}" ] && [ -z "${times[$hv]}" ]; then
		printf '%-12s %s\n' "$hv" "does not boot dom0 yet (${why[$hv]})"
	elif [ -n "${why[$hv]:-}" ]; then
		printf '%-12s %-24s %s\n' "$hv" "${times[$hv]# }" "incomplete: ${why[$hv]}"
	else
		med[$hv]=$(median ${times[$hv]})
		split="-"
		if [ -n "${linux[$hv]}" ]; then
			first=$(median ${linux[$hv]})
			split="$first / $(awk -v t="${med[$hv]}" -v f="$first" 'BEGIN { printf "%.1f", t - f }')"
		fi
		printf '%-12s %-24s %-10s %-24s %s\n' "$hv" "${times[$hv]# }" "${med[$hv]}" \
			"${linux[$hv]# }" "$split"
	fi
done
if [ -n "${med[xen]:-}" ] && [ -n "${med[petrel]:-}" ]; then
	echo "ratio petrel/xen: $(awk -v p="${med[petrel]}" -v x="${med[xen]}" \
		'BEGIN { printf "%.2f", p / x }')"
else
	echo "ratio petrel/xen: n/a (both must boot dom0)"
fi
if [ -n "${med[bare]:-}" ] && [ -n "${med[xen]:-}" ] && [ -n "${med[petrel]:-}" ]; then
	awk -v p="${med[petrel]}" -v x="${med[xen]}" -v b="${med[bare]}" 'BEGIN {
		printf "overhead over bare: xen %.1f s, petrel %.1f s", x - b, p - b
		if (x - b > 0) printf ", ratio (petrel - bare) / (xen - bare) %.2f", (p - b) / (x - b)
		else printf ", ratio n/a (xen not slower than bare)"
		printf "\n" }'
fi
[ -n "${med[xen]:-}" ]
