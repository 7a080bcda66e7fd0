#!/usr/bin/env bash
# HVM exit hot paths on Intel VMX (Bochs) next to the PV equivalents on the
# same Bochs: the PV hypercall guest (bench-hypercalls) as the initial
# domain, then the HVM one (bench-hvm-exits) as a PVH initial domain. Under
# Bochs only ratios mean anything (cycles are emulated instructions), so
# every HVM figure is also given relative to the PV null hypercall.
#
# Usage:
#   bench/vmx-bochs.sh [--runs N] [--doc FILE] [--out DIR] --petrel FILE PV.elf HVM.elf
#
#   --runs N      boots of each guest (default 1); the median of the medians
#   --doc FILE    rewrite the table between "<!-- vmx-bochs-table begin -->"
#                 and "<!-- vmx-bochs-table end -->" in FILE
#   --out DIR     logs and the table (default $BUILD/bench/vmx-bochs)
set -uo pipefail

BUILD=${BUILD:-build}
runs=1 doc="" out="$BUILD/bench/vmx-bochs" petrel=""
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
die() {
	echo "vmx-bochs: $*" >&2
	exit 2
}

pos=()
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:?}; shift 2 ;;
	--doc) doc=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--petrel) petrel=${2:?}; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) pos+=("$1"); shift ;;
	esac
done
[ ${#pos[@]} -eq 2 ] || die "want the PV and the HVM benchmark guest"
[ -f "$petrel" ] || die "no hypervisor image (--petrel)"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
pv=${pos[0]} hvm=${pos[1]}
mkdir -p "$out" || die "cannot create $out"

# boot NAME CMDLINE IMAGE RUN: one Bochs boot; its BENCH lines on stdout.
boot() {
	local log="$out/$1-$4.log"
	bash "$top/scripts/bochs-boot.sh" --dir "$out/bochs-$1" --serial "$log" --timeout 900 \
		--stop-on '^Test result: |Domain 0 crashed|PANIC' "$petrel" "$2" "$3" \
		</dev/null >/dev/null 2>&1
	grep -aq '^Test result: SUCCESS' "$log" || die "$1 run $4 did not succeed (see $log)"
	grep -a '^BENCH ' "$log"
}

: >"$out/bench.txt"
for ((r = 1; r <= runs; r++)); do
	boot pv "console=com1 loglvl=all dom0_mem=64M" "$pv" "$r" >>"$out/bench.txt" || exit 1
	boot hvm "console=com1 loglvl=all dom0=pvh dom0_mem=64M" "$hvm" "$r" >>"$out/bench.txt" ||
		exit 1
done

# The table: median of the runs' medians per figure; HVM figures / PV null hypercall.
table=$(python3 - "$out/bench.txt" <<'EOF'
import re, statistics, sys
med = {}
for line in open(sys.argv[1]):
    m = re.match(r'BENCH (\S+) min=\d+ median=(\d+)', line)
    if m:
        med.setdefault(m.group(1), []).append(int(m.group(2)))
fig = {k: statistics.median(v) for k, v in med.items()}
unit = fig.get('null-hypercall-syscall')
pairs = {'hvm-null-hypercall': 'null-hypercall-syscall',
         'hvm-port-read': 'gp-emulated-port-read'}
print('| HVM path (VMX) | cycles | PV path | cycles | HVM / PV | HVM / PV null hypercall |')
print('|---|---|---|---|---|---|')
for k in ['hvm-null-hypercall', 'hvm-cpuid-exit', 'hvm-lapic-mmio-read', 'hvm-npt-fault-read',
          'hvm-port-read', 'hvm-lapic-timer-1tick', 'hvm-lapic-timer-10us']:
    if k not in fig:
        continue
    p = pairs.get(k)
    pv = fig.get(p) if p else None
    print('| %s | %d | %s | %s | %s | %s |' % (
        k, fig[k], p or '-', '%d' % pv if pv else '-',
        '%.2f' % (fig[k] / pv) if pv else '-',
        '%.2f' % (fig[k] / unit) if unit else '-'))
EOF
) || die "cannot build the table"
echo "$table" | tee "$out/table.md"

if [ -n "$doc" ]; then
	python3 - "$doc" "$out/table.md" <<'EOF' || die "cannot update $doc"
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
s = open(doc).read()
b, e = '<!-- vmx-bochs-table begin -->\n', '<!-- vmx-bochs-table end -->'
i, j = s.index(b) + len(b), s.index(e)
open(doc, 'w').write(s[:i] + table + s[j:])
EOF
	echo "vmx-bochs: table written into $doc"
fi
