#!/usr/bin/env bash
# Boot tests for petrel.efi under QEMU + OVMF, with the stand-in image
# (standin.c) embedded: each case boots once through scripts/efi-boot.sh and
# checks what the stand-in reports on the debug console (port 0xe9) or, for
# the error cases, what petrel.efi and the firmware print on the serial
# console. About 35 s in all under TCG.
#
# Usage: boot-tests.sh PETREL-STANDIN.EFI OUTDIR
set -uo pipefail

efi=${1:?usage: boot-tests.sh PETREL-STANDIN.EFI OUTDIR}
out=${2:?usage: boot-tests.sh PETREL-STANDIN.EFI OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
boot="$top/scripts/efi-boot.sh"
rm -rf "$out"
mkdir -p "$out/files"
pass=0 fail=0

# Module files with sizes that are not page multiples.
kern="$out/files/vmlinuz" rd="$out/files/initrd.img"
head -c 100001 /dev/urandom >"$kern"
head -c 30003 /dev/urandom >"$rd"

fnv() {
	python3 -c 'import sys
h = 0x811c9dc5
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x01000193) & 0xffffffff
print("0x%016x" % h)' "$1"
}
kern_fnv=$(fnv "$kern") rd_fnv=$(fnv "$rd")

case_dir="" case_ok=1
start_case() {
	case_dir="$out/$1" case_ok=1
	mkdir -p "$case_dir"
	echo "--- efi-boot case: $1"
}
# boot_case EXPECTED-RC EFI-BOOT-ARGS...
boot_case() {
	local want=$1 rc
	shift
	bash "$boot" --efi "$efi" --esp "$case_dir/esp" --serial "file:$case_dir/serial.log" \
		--timeout 60 "$@" -- -debugcon "file:$case_dir/debugcon.log" >"$case_dir/qemu.out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: exit status $rc, expected $want"
		case_ok=0
	fi
}
# expect FILE FIXED-STRING: the log must contain the line fragment
expect() {
	if ! grep -aqF -- "$2" "$case_dir/$1"; then
		echo "FAIL: $1 lacks: $2"
		case_ok=0
	fi
}
expect_not() {
	if grep -aqF -- "$2" "$case_dir/$1"; then
		echo "FAIL: $1 has: $2"
		case_ok=0
	fi
}
end_case() {
	if [ "$case_ok" = 1 ]; then
		pass=$((pass + 1))
		echo "PASS"
	else
		fail=$((fail + 1))
		echo "  serial log tail:"
		tr -d '\033' <"$case_dir/serial.log" 2>/dev/null | grep -a . | tail -n 15 | sed 's/^/    /'
		echo "  debugcon log tail:"
		tail -n 15 "$case_dir/debugcon.log" 2>/dev/null | sed 's/^/    /'
	fi
}
# The stand-in passed its own checks and saw the modules we gave it.
expect_standin() {
	expect debugcon.log "standin: RESULT PASS"
	expect_not debugcon.log "standin: FAIL"
}
# The firmware got an error back from petrel.efi (and so did not hang).
expect_returned() {
	expect serial.log "petrel.efi: boot failed ($1), returning to the firmware"
	expect serial.log "BdsDxe: failed to start Boot0002"
	expect_not debugcon.log "standin: entered"
}

# 1. petrel.cfg with [global] default=, options, kernel args and a ramdisk.
start_case sections
boot_case 33 "loglvl=all com1=115200,8n1" "$kern root=/dev/ram0 console=hvc0" "$rd"
expect_standin
expect serial.log "petrel.efi: booting section [petrel]"
expect debugcon.log "standin: cmdline=loglvl=all com1=115200,8n1"
expect debugcon.log "standin: nr_mods=2"
expect debugcon.log "standin: mod0 size=100001 fnv=$kern_fnv cmdline=vmlinuz root=/dev/ram0 console=hvc0"
expect debugcon.log "standin: mod1 size=30003 fnv=$rd_fnv cmdline=initrd.img"
end_case

# 2. A plain file with no sections, CRLF line ends, comments; no ramdisk;
#    5 GiB of guest memory, so the memory map reaches above 4 GiB.
start_case plain
printf '# no sections at all\r\n; another comment\r\n  options = noreboot  dom0_mem=512M # trailing\r\nkernel=vmlinuz quiet\r\n' \
	>"$out/files/plain.cfg"
boot_case 33 --cfg "$out/files/plain.cfg" --file "$kern" -m 5G
expect_standin
expect debugcon.log "standin: cmdline=noreboot  dom0_mem=512M"
expect debugcon.log "standin: nr_mods=1"
grep -aqE '^standin: nr_mem=[0-9]+ ram_mib=(50[0-9][0-9]|51[0-9][0-9])$' "$case_dir/debugcon.log" ||
	{ echo "FAIL: RAM in the memory map is not about 5 GiB"; case_ok=0; }
expect debugcon.log "standin: mod0 size=100001 fnv=$kern_fnv cmdline=vmlinuz quiet"
end_case

# 3. The section named on petrel.efi's own command line wins over default=,
#    -cfg= picks another file, words after "--" are appended to the options
#    (started from the UEFI shell); a kernel path from the ESP's root.
start_case section-arg
cat >"$out/files/multi.cfg" <<'EOF2'
[global]
default=normal
ramdisk=initrd.img

[normal]
options=normal-opts
kernel=vmlinuz normal

[debug]
options=debug-opts loglvl=all   # comment
kernel=/EFI/petrel/vmlinuz debug args
EOF2
boot_case 33 --no-cfg --file "$out/files/multi.cfg" --file "$kern" --file "$rd" \
	--section "debug -cfg=multi.cfg -- extra=1"
expect_standin
expect serial.log "petrel.efi: booting section [debug]"
expect debugcon.log "standin: cmdline=debug-opts loglvl=all extra=1"
expect debugcon.log "standin: mod0 size=100001 fnv=$kern_fnv cmdline=/EFI/petrel/vmlinuz debug args"
expect debugcon.log "standin: mod1 size=30003 fnv=$rd_fnv cmdline=initrd.img"
end_case

stop_on='failed to start Boot0002'

# 4. No petrel.cfg: a clear message and an error back to the firmware.
start_case no-cfg
boot_case 0 --no-cfg --stop-on "$stop_on"
expect serial.log 'petrel.efi: error: cannot open configuration file \EFI\BOOT\petrel.cfg: Not Found'
expect_returned "Not Found"
end_case

# 5. The kernel named in petrel.cfg is not on the ESP.
start_case missing-kernel
printf 'kernel=nosuch-vmlinuz console=hvc0\n' >"$out/files/nokernel.cfg"
boot_case 0 --cfg "$out/files/nokernel.cfg" --stop-on "$stop_on"
expect serial.log 'petrel.efi: error: cannot open kernel file \EFI\BOOT\nosuch-vmlinuz: Not Found'
expect_returned "Not Found"
end_case

# 6. A broken line in petrel.cfg is reported with its number.
start_case broken-cfg
printf '[global]\ndefault=a\nthis is not a key\n[a]\nkernel=vmlinuz\n' >"$out/files/broken.cfg"
boot_case 0 --cfg "$out/files/broken.cfg" --file "$kern" --stop-on "$stop_on"
expect serial.log 'petrel.efi: error: petrel.cfg line 3: line is neither [section] nor key=value'
expect_returned "Load Error"
end_case

# 7. default= names a section that does not exist.
start_case bad-section
printf '[global]\ndefault=nosuch\n[a]\nkernel=vmlinuz\n' >"$out/files/badsec.cfg"
boot_case 0 --cfg "$out/files/badsec.cfg" --file "$kern" --stop-on "$stop_on"
expect serial.log 'petrel.efi: error: petrel.cfg: no section [nosuch]'
expect_returned "Not Found"
end_case

echo "efi-boot: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
