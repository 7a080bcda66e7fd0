#!/usr/bin/env bash
# Boot Petrel under Bochs (Debian's bochs, bochsbios, vgabios): a GRUB
# (i386-pc) CD image loads the hypervisor through multiboot with its modules,
# on an Intel CPU model with VMX, EPT and unrestricted guests
# (corei7_skylake_x). Bochs runs headless: its term display library on a
# pseudo-terminal (script(1)); COM1 goes to the serial log file, port 0xE9
# to Bochs' standard output (DIR/screen.out, with the text screen).
#
# Usage:
#   scripts/bochs-boot.sh [options] HYPERVISOR "CMDLINE" "MODULE [ARGS]"...
#
#   HYPERVISOR  the multiboot image (build/xen/petrel)
#   CMDLINE     its command line (e.g. "console=com1 loglvl=all")
#   MODULE      a module file, optionally followed by its command line in
#               the same word (the first module is dom0's kernel)
#
# Options:
#   --dir DIR         work directory: the ISO tree, bochsrc, Bochs' own log
#                     (default: $BUILD/bochs)
#   --serial FILE     the COM1 log (default: DIR/serial.log)
#   --timeout SECS    stop Bochs after SECS seconds, exit 124 (default: 600)
#   --stop-on REGEX   stop Bochs, exit 0, once the serial log matches REGEX
#                     (extended regex) and then either shows "Powering off.",
#                     "Halting." or "Rebooting." or two more seconds passed.
#                     Bochs has no -no-reboot: a reset boots again, so a run
#                     that may reboot wants "Rebooting\." in REGEX
#   --cpu MODEL       Bochs CPU model (default: corei7_skylake_x)
#   --smp N           processors (default: 1)
#   -m MIB            guest memory in MiB (default: 512)
#
# Exit status: 0 after --stop-on matched (or Bochs ended by itself with 0),
# 124 on timeout, 2 for bad usage, Bochs' own status otherwise.
set -uo pipefail

BUILD=${BUILD:-build}
dir="$BUILD/bochs" serial="" timeout=600 stop_on="" cpu=corei7_skylake_x mem=512 smp=1

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "bochs-boot: $*" >&2
	exit 2
}

pos=()
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dir=${2:?}; shift 2 ;;
	--serial) serial=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--stop-on) stop_on=${2:?}; shift 2 ;;
	--cpu) cpu=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	-m) mem=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*) pos+=("$1"); shift ;;
	esac
done
[ ${#pos[@]} -ge 3 ] || usage
hv=${pos[0]} cmdline=${pos[1]} mods=("${pos[@]:2}")
[ -f "$hv" ] || die "no hypervisor image $hv"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout needs whole seconds"
[[ "$mem" =~ ^[0-9]+$ ]] || die "-m needs MiB as a number"
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp needs a positive number"
command -v bochs >/dev/null || die "bochs not found (make deps)"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (make deps)"
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin; do
	[ -f "$f" ] || die "$f missing (bochsbios, vgabios)"
done

rm -rf "$dir"
mkdir -p "$dir/iso/boot/grub" || die "cannot create $dir"
: "${serial:=$dir/serial.log}"

# The CD: the hypervisor and every module, and a grub.cfg that boots at once.
make_iso() {
	local i=0 m file args
	cp "$hv" "$dir/iso/boot/hv" || return 1
	{
		echo "set timeout=0"
		echo "menuentry petrel {"
		echo "  multiboot /boot/hv $cmdline"
		for m in "${mods[@]}"; do
			file=${m%% *} args=""
			[ "$file" = "$m" ] || args=" ${m#* }"
			[ -f "$file" ] || { echo "bochs-boot: no module $file" >&2; return 1; }
			cp "$file" "$dir/iso/boot/m$i" || return 1
			echo "  module /boot/m$i $(basename "$file")$args"
			i=$((i + 1))
		done
		echo "}"
	} >"$dir/iso/boot/grub/grub.cfg"
	grub-mkrescue -d /usr/lib/grub/i386-pc -o "$dir/boot.iso" "$dir/iso" \
		>"$dir/grub-mkrescue.log" 2>&1 || { cat "$dir/grub-mkrescue.log" >&2; return 1; }
}

# Bochs' configuration: PCI with the PIIX4 ACPI block (S5 power-off), virtual
# time (sync=none) so a slow host does not change what the guest sees.
write_bochsrc() {
	cat >"$dir/bochsrc" <<EOF
megs: $mem
cpu: model=$cpu, count=$smp, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
pci: enabled=1, chipset=i440fx
display_library: term
ata0-master: type=cdrom, path="$dir/boot.iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$serial"
port_e9_hack: enabled=1
clock: sync=none, time0=utc
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
mouse: enabled=0
EOF
}

# Done once the stop pattern matched and the hypervisor said its last words.
finished() {
	grep -aqE "$stop_on" "$serial" 2>/dev/null || return 1
	local i
	for ((i = 0; i < 10; i++)); do
		grep -aqE '(Powering off|Halting|Rebooting)\.' "$serial" && return 0
		sleep 0.2
	done
	return 0
}

make_iso || die "cannot build the boot CD"
write_bochsrc
: >"$serial"
# The term display library wants a terminal: script(1) gives it a pseudo-
# terminal whose screen output lands in DIR/screen.out.
# Debian's Bochs has the internal debugger: its command file continues at once.
printf 'c\nquit\n' >"$dir/debug.rc"
TERM=vt100 script -qfec "bochs -q -f '$dir/bochsrc' -rc '$dir/debug.rc' 2>'$dir/bochs.err'" \
	/dev/null \
	</dev/null >"$dir/screen.out" 2>&1 &
bpid=$!
deadline=$((SECONDS + timeout)) rc=124
while [ "$SECONDS" -lt "$deadline" ]; do
	if [ -n "$stop_on" ] && finished; then
		rc=0
		break
	fi
	if ! kill -0 "$bpid" 2>/dev/null; then
		wait "$bpid"
		exit $?
	fi
	sleep 0.5
done
kill "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null
exit "$rc"
