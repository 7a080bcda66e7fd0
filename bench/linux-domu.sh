#!/usr/bin/env bash
# The Linux domU on Petrel and on Debian's Xen 4.17, in one run: the system
# test's bench-linux step (tests/system/bench_linux_checks.py) boots dom0
# under each hypervisor on the same QEMU; there Debian's xl creates the Linux
# domU as PVH, then as PV, timed from xl create to its marker, and the domU
# times its own fork/exec loop and CPU loop. Runs alternate which hypervisor
# goes first. Prints the table of figures (ms, median over the runs), the
# Petrel/Xen ratio of each, and PVH/PV on each hypervisor.
#
# Usage:
#   bench/linux-domu.sh [--runs N] --petrel IMAGE -- SYSTEM-TEST-COMMAND...
#       SYSTEM-TEST-COMMAND: how to start tests/system/dom0_system_test.py
#       (with the QEMU settings in the environment); --hv, --image, --only
#       and --log are added here. Output in $BUILD/bench/linux-domu/.
set -uo pipefail

BUILD=${BUILD:-build}
runs=1 petrel=""
die() {
	echo "linux-domu: $*" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:?}; shift 2 ;;
	--petrel) petrel=${2:?}; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option $1" ;;
	esac
done
[ $# -gt 0 ] || die "no system test command"
[ -f "$petrel" ] || die "no Petrel image '$petrel'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
out="$BUILD/bench/linux-domu"
mkdir -p "$out"
rm -f "$out"/run-*.txt

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$runs"); do
	order="petrel xen"
	[ $((r % 2)) = 0 ] && order="xen petrel"
	for hv in $order; do
		img=()
		[ "$hv" = petrel ] && img=(--image "$petrel")
		"$@" --hv "$hv" "${img[@]}" --only bench-linux --no-reboot \
			--log "$out/run-$r-$hv-serial.log" >"$out/run-$r-$hv.txt" 2>&1 </dev/null
		echo "run $r $hv: $(grep -c '^PASS' "$out/run-$r-$hv.txt") passed," \
			"$(grep -c '^FAIL' "$out/run-$r-$hv.txt") failed"
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$out" "$runs" "$load_before" "$load_after" <<'PY' | tee "$out/table.md"
import glob, os, re, statistics, sys
out, runs, lb, la = sys.argv[1:5]
fig = {}
for f in glob.glob(os.path.join(out, "run-*.txt")):
    hv = re.match(r"run-\d+-(\w+)\.txt", os.path.basename(f)).group(1)
    for line in open(f, errors="replace"):
        m = re.match(r"BENCH-LINUX (\S+) (\S+) (\d+)$", line.strip())
        if m:
            fig.setdefault((hv, m.group(1), m.group(2)), []).append(int(m.group(3)))
med = {k: statistics.median(v) for k, v in fig.items()}
print("%s runs, load average %s before and %s after; ms, median over the runs." % (runs, lb, la))
print()
print("| domU | figure | Xen 4.17 | Petrel | Petrel / Xen |")
print("|---|---|---|---|---|")
rows = sorted({(k[1], k[2]) for k in med}, key=lambda r: (r[0] != "pvh", r[1]))
for kind, f in rows:
    x, p = med.get(("xen", kind, f)), med.get(("petrel", kind, f))
    ratio = "%.2fx" % (p / x) if x and p else "-"
    print("| %s | %s | %s | %s | %s |" % (kind.upper(), f, "%d" % x if x else "-",
                                         "%d" % p if p else "-", ratio))
print()
for hv in ("xen", "petrel"):
    for kind, f in rows:
        if kind != "pvh":
            continue
        a, b = med.get((hv, "pvh", f)), med.get((hv, "pv", f))
        if a and b:
            print("PVH / PV on %s, %s: %.2fx" % (hv, f, a / b))
PY
