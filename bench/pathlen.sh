#!/usr/bin/env bash
# Path length of one benchmark iteration, exact and free of timing noise:
# boots a benchmark guest under QEMU (TCG) with its gdb stub, lets the loop
# warm up, then single-steps one iteration and counts the instructions
# executed in the hypervisor and in the guest, and the costly ones (CR3/CR4
# writes, invlpg, invpcid, wrmsr, swapgs, iretq, sysretq, locked ones).
# Under TCG those counts, and the TLB flushes the CR3/CR4 writes cause,
# decide a row's cost.
#
# Usage:
#   bench/pathlen.sh [--xen] [--hvm] [--smp N] --hv HYPERVISOR GUEST.elf ADDR|SYMBOL [SKIP [REG VALUE]]
#     --xen       boot HYPERVISOR as Debian's Xen 4.17 (dom0_mem=64M)
#     --smp N     N CPUs (multi-threaded TCG), stepped in turn: the CPU that
#                 hits ADDR until it halts, then the next until it halts...
#                 (pathlen.py, $pl_smp); per-CPU counts as cpuN=HYP/GUEST
#     --hvm       GUEST.elf is a PVH initial domain (bench/guests/hvm): QEMU
#                 -cpu qemu64,+svm,+npt on q35 with an AMD IOMMU, dom0=pvh
#     ADDR        where one iteration starts and ends (a guest address or
#                 a symbol of GUEST.elf)
#     SKIP        hits of ADDR to let pass first (default 50)
#     REG VALUE   count only from a hit where register REG holds VALUE
# Prints "PATHLEN total=N hyp=N guest=N kind=N..."; with PATHLEN_TRACE=1
# first one "PLTRACE pc kind bytes" line per instruction; PATHLEN_MAX=N bounds
# the steps (default 200000); PATHLEN_SSTEP=FLAGS sets QEMU's single-step flags
# (qqemu.sstep; 0x1 lets interrupts and timers in while stepping). Needs gdb.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
xen=0 hvm=0 hv="" smp=1
while [ $# -gt 0 ]; do
	case "$1" in
	--xen) xen=1; shift ;;
	--hvm) hvm=1; shift ;;
	--hv) hv=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] && [ -n "$hv" ] || { sed -n '10,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
guest=$1 where=$2 skip=${3:-50} reg=${4:-} val=${5:-0}
command -v gdb >/dev/null || { echo "pathlen: gdb not found" >&2; exit 2; }

case "$where" in
0x*) addr=$where ;;
*) addr=0x$(nm "$guest" | awk -v s="$where" '$3 == s { print $1; exit }') ;;
esac
[ "$addr" != 0x ] || { echo "pathlen: no symbol $where in $guest" >&2; exit 2; }

append="console=com1 loglvl=all"
[ "$xen" = 1 ] && append="$append guest_loglvl=all dom0_mem=64M noreboot"
# Xen scrubs free memory in its idle loop (bootscrub=idle): at boot instead,
# so that a CPU going idle in the stepped iteration halts as Petrel's does.
[ "$xen" = 1 ] && [ "$smp" -gt 1 ] && append="$append bootscrub=1"
machine=(-machine pc -cpu max)
[ "$smp" -gt 1 ] && machine+=(-smp "$smp" -accel tcg,thread=single -icount shift=0,sleep=off)
if [ "$hvm" = 1 ]; then
	machine=(-machine q35 -cpu qemu64,+svm,+npt -device amd-iommu)
	[ "$smp" -gt 1 ] && machine+=(-smp "$smp" -accel tcg,thread=single -icount shift=0,sleep=off)
	append="$append dom0=pvh dom0_mem=64M"
fi
tmp=$(mktemp -d)
trap 'kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; rm -rf "$tmp"' EXIT
qemu-system-x86_64 "${machine[@]}" -m 512M -nographic -no-reboot -nic none \
	-kernel "$hv" -initrd "$guest" -append "$append" -serial "file:$tmp/serial.log" \
	-display none -monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-gdb "unix:$tmp/gdb.sock,server=on,wait=off" -S </dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!
for _ in $(seq 50); do
	[ -S "$tmp/gdb.sock" ] && break
	sleep 0.1
done
timeout 600 gdb -q -batch -nx "$guest" \
	-ex "set pagination off" \
	-ex "target remote $tmp/gdb.sock" \
	${PATHLEN_SSTEP:+-ex "maintenance packet qqemu.sstep=$PATHLEN_SSTEP"} \
	-ex "set \$pl_addr = $addr" -ex "set \$pl_skip = $skip" \
	-ex "set \$pl_reg = \"$reg\"" -ex "set \$pl_val = $val" -ex "set \$pl_max = ${PATHLEN_MAX:-200000}" -ex "set \$pl_trace = ${PATHLEN_TRACE:-0}" -ex "set \$pl_smp = $((smp > 1))" \
	-x "$here/pathlen.py" 2>&1 | grep -a '^PATHLEN\|^PLTRACE' ||
	{ echo "pathlen: no count (serial log below)" >&2; tail -5 "$tmp/serial.log" >&2; exit 1; }
