#!/usr/bin/env bash
# `make run`: boot Petrel under QEMU with the best guest the project has,
# serial console on this terminal (Ctrl-a x quits QEMU).
#   PETREL_GUEST   the initial domain's kernel (default: the demo PV guest)
#   PETREL_ARGS    its command line
#   PETREL_CMDLINE Petrel's own command line
#   QEMU_EXTRA     more QEMU arguments
set -euo pipefail
BUILD=${BUILD:-build}
guest=${PETREL_GUEST:-$BUILD/tests/guests/demo.elf}
args=${PETREL_ARGS:-demo}
cmdline=${PETREL_CMDLINE:-console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all}
[ -f "$guest" ] || guest=$BUILD/tests/guests/hello.elf
case "$guest" in *,*) echo "run.sh: the guest path may not contain a comma" >&2; exit 1 ;; esac
echo "run.sh: booting Petrel with $guest (quit QEMU with Ctrl-a x)"
exec qemu-system-x86_64 -machine pc -m 1024 -cpu max -smp 1 -nographic -no-reboot \
	-kernel "$BUILD/xen/petrel" -initrd "$guest $args" -append "$cmdline" \
	-serial mon:stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	${QEMU_EXTRA:-}
