#!/usr/bin/env bash
# Boot Petrel from a real GRUB (Debian's grub-pc) with multiboot2, the way a
# server boots it: multiboot2 /boot/petrel, module2 for the dom0 kernel.
# Checks that Petrel saw a multiboot2 loader, its command line and the
# module's arguments, and that the guest ran to SUCCESS.
#   grub-mb2.sh PETREL GUEST.elf OUTDIR
set -euo pipefail
petrel=$1 guest=$2 out=$3
rm -rf "$out/iso"
mkdir -p "$out/iso/boot/grub"
cp "$petrel" "$out/iso/boot/petrel"
cp "$guest" "$out/iso/boot/guest.elf"
cat > "$out/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
menuentry "Petrel" {
	multiboot2 /boot/petrel console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all
	module2 /boot/guest.elf xtest-arg=petrel-42 second-word
	boot
}
CFG
grub-mkrescue -o "$out/petrel.iso" "$out/iso" >"$out/mkrescue.log" 2>&1 ||
	{ cat "$out/mkrescue.log"; exit 1; }
log=$out/serial.log
rc=0
timeout 120 qemu-system-x86_64 -machine pc -m 512 -cpu max -nographic -no-reboot \
	-cdrom "$out/petrel.iso" -boot d -serial "file:$log" -display none -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1 || rc=$?
pass=0 fail=0
check() {
	if grep -qF -- "$2" "$log"; then
		echo "PASS $1"; pass=$((pass + 1))
	else
		echo "FAIL $1: no '$2' in the serial log"; fail=$((fail + 1))
	fi
}
check "loaded by GRUB's multiboot2" "Memory map (GRUB"
check "command line reached Petrel" "Command line: console=com1 com1=115200,8n1"
check "dom0 built from module2" "Building a PV Dom0"
check "module arguments reached the guest" 'cmd_line "xtest-arg=petrel-42 second-word"'
check "guest ran" "Test result: SUCCESS"
[ "$rc" -eq 0 ] && echo "PASS QEMU exited 0 (ACPI power-off)" && pass=$((pass + 1)) ||
	{ echo "FAIL QEMU exit status $rc"; fail=$((fail + 1)); }
if [ "$fail" -ne 0 ]; then
	echo "--- serial log tail:"; tail -40 "$log"
fi
echo "grub: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
