#!/usr/bin/env bash
# `make run`: boot Petrel under QEMU with the best guest the project has:
# Debian's own kernel as a PV dom0 with the project's initramfs (busybox
# shell, Xen modules, dom0 tools). The serial console is this terminal:
# type at the dom0# prompt; `poweroff` ends Petrel and QEMU (Ctrl-a x quits
# QEMU at any time).
#   PETREL_GUEST   another initial-domain kernel (e.g. build/tests/guests/hello.elf)
#   PETREL_ARGS    its command line
#   PETREL_INITRD  its ramdisk
#   PETREL_CMDLINE Petrel's own command line
#   QEMU_EXTRA     more QEMU arguments
set -euo pipefail
BUILD=${BUILD:-build}
if [ -n "${PETREL_GUEST:-}" ]; then
	guest=$PETREL_GUEST
	args=${PETREL_ARGS:-}
	initrd=${PETREL_INITRD:-}
else
	guest=$BUILD/dom0/vmlinuz
	args=${PETREL_ARGS:-console=hvc0 earlyprintk=xen}
	initrd=${PETREL_INITRD:-$BUILD/dom0/initramfs.cpio.gz}
fi
cmdline=${PETREL_CMDLINE:-console=com1 com1=115200,8n1 loglvl=all guest_loglvl=warning dom0_mem=512M}
for f in "$guest" ${initrd:+"$initrd"}; do
	[ -f "$f" ] || { echo "run.sh: $f is missing (make dom0-image builds the dom0)" >&2; exit 1; }
	case "$f" in *,*) echo "run.sh: $f: QEMU module paths may not contain a comma" >&2; exit 1 ;; esac
done
modules="$(readlink -f "$guest")${args:+ $args}${initrd:+,$initrd}"
echo "run.sh: booting Petrel with $guest${initrd:+ and $initrd} (quit QEMU with Ctrl-a x)"
exec qemu-system-x86_64 -machine pc -m 2G -cpu max -smp 1 -nographic -no-reboot \
	-kernel "$BUILD/xen/petrel" -initrd "$modules" -append "$cmdline" \
	-serial mon:stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	${QEMU_EXTRA:-}
