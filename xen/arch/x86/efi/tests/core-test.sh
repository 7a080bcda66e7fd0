#!/usr/bin/env bash
# The real hand-over: build/xen/petrel.efi (with the real petrel.bin inside)
# boots under OVMF, Petrel prints its banner on COM1, sees the command line,
# the memory map and the modules petrel.efi passed, and runs the "hello" PV
# test guest as dom0 to its poweroff. One boot, about 6 s under TCG.
#
# Usage: core-test.sh PETREL.EFI GUEST.ELF OUTDIR
set -uo pipefail

efi=${1:?usage: core-test.sh PETREL.EFI GUEST.ELF OUTDIR}
guest=${2:?usage: core-test.sh PETREL.EFI GUEST.ELF OUTDIR}
out=${3:?usage: core-test.sh PETREL.EFI GUEST.ELF OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
rm -rf "$out"
mkdir -p "$out"
log="$out/serial.log"
pass=0 fail=0

head -c 12345 /dev/urandom >"$out/initrd.img"
bash "$top/scripts/efi-boot.sh" --efi "$efi" --esp "$out/esp" --serial "file:$log" \
	--timeout 90 -m 512M "console=com1 loglvl=all" "$guest hello" "$out/initrd.img" \
	-- -cpu max -no-reboot >"$out/qemu.out" 2>&1
rc=$?

check() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}
has() {
	grep -aqF -- "$1" "$log"
	check $? "serial log lacks: $1"
}

check "$([ "$rc" = 0 ] && echo 0 || echo 1)" "QEMU exit status $rc, expected 0 (poweroff)"
has "petrel.efi: exiting boot services, entering Petrel"
has "Petrel hypervisor, speaking Xen 4.17's guest ABI"
has "Command line: console=com1 loglvl=all"
has "Memory map (petrel.efi):"
has "Hello from a PV guest on Petrel"
has "Test result: SUCCESS"
! grep -aqE 'PANIC|Fatal' "$log"
check $? "hypervisor PANIC/Fatal in the serial log"

if [ "$fail" -ne 0 ]; then
	echo "serial log tail:"
	tr -d '\033' <"$log" | grep -a . | tail -n 40 | sed 's/^/    /'
fi
echo "efi-core: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
