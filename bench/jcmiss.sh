#!/usr/bin/env bash
# Jump-cache misses of a benchmark guest's run under QEMU's TCG: a block
# reached by ret, an indirect jump or a call to another page is found
# through QEMU's per-CPU jump cache (4096 slots, indexed by the virtual
# address alone); two blocks that share a slot and run in turn evict each
# other, and each miss goes through QEMU's hash table (qht_lookup_custom).
# A uprobe on that function counts the misses by guest address. Needs perf
# with uprobes (root); the probe is defined once and left for later runs.
#
# Usage: bench/jcmiss.sh [--xen] [--hvm] --hv HYPERVISOR [--syms ELF] GUEST.elf [TOP]
#   --xen    boot HYPERVISOR as Debian's Xen 4.17 (dom0_mem=64M)
#   --hvm    GUEST.elf is a PVH initial domain (bench/guests/hvm): QEMU -cpu
#            qemu64,+svm,+npt on q35 with an AMD IOMMU, dom0=pvh
#   --syms   the hypervisor's ELF with symbols (build/xen/petrel-syms), to
#            name the addresses
#   TOP      how many addresses to print (default 12)
# Prints "count address [function]", most missed first: an address missed
# once per iteration of a figure is a collision on its path.
set -uo pipefail

xen=0 hvm=0 hv="" syms=""
while [ $# -gt 0 ]; do
	case "$1" in
	--xen) xen=1; shift ;;
	--hvm) hvm=1; shift ;;
	--hv) hv=${2:?}; shift 2 ;;
	--syms) syms=${2:?}; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ -n "$hv" ] || { sed -n '10,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
guest=$1 top=${2:-12}
qemu=$(command -v qemu-system-x86_64) || { echo "jcmiss: no qemu-system-x86_64" >&2; exit 2; }
command -v perf >/dev/null || { echo "jcmiss: perf not found" >&2; exit 2; }
event=probe_qemu:qht_lookup_custom
# The look-up's second argument is QEMU's struct tb_desc: the pc first.
perf probe -l 2>/dev/null | grep -q "$event" ||
	perf probe -q -x "$qemu" --add 'qht_lookup_custom pc=+0(%si):x64' ||
	{ echo "jcmiss: cannot place a uprobe on $qemu" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
append="console=com1 loglvl=all"
[ "$xen" = 1 ] && append="$append guest_loglvl=all dom0_mem=64M noreboot"
machine=(-machine pc -cpu max)
if [ "$hvm" = 1 ]; then
	machine=(-machine q35 -cpu qemu64,+svm,+npt -device amd-iommu)
	append="$append dom0=pvh dom0_mem=64M"
fi
perf record -q -e "$event" -o "$tmp/perf.data" -- timeout 300 "$qemu" "${machine[@]}" -m 512M \
	-nographic -no-reboot -nic none -kernel "$hv" -initrd "$guest" -append "$append" \
	-serial "file:$tmp/serial.log" -display none -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >/dev/null 2>&1 &
rec=$!
# Petrel powers off at the end; Xen 4.17 halts, so QEMU is stopped then.
while kill -0 "$rec" 2>/dev/null; do
	if grep -aqE '^\(XEN\) Hardware Dom0 (halted|shut)' "$tmp/serial.log" 2>/dev/null; then
		pkill -TERM -P "$(pgrep -P "$rec" timeout)" 2>/dev/null
	fi
	sleep 0.2
done
wait "$rec"
grep -a '^BENCH' "$tmp/serial.log"
perf script -i "$tmp/perf.data" 2>/dev/null | grep -o 'pc=0x[0-9a-f]*' | sort | uniq -c |
	sort -rn | head -n "$top" | while read -r n pc; do
	pc=${pc#pc=}
	f=""
	[ -n "$syms" ] && f=$(addr2line -f -e "$syms" "$pc" | head -1)
	echo "$n $pc${f:+ $f}"
done
