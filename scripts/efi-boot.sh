#!/usr/bin/env bash
# Boot Petrel the UEFI way under QEMU + OVMF: build an ESP directory with
# petrel.efi as EFI/BOOT/BOOTX64.EFI, a petrel.cfg beside it and the files it
# names, and boot it from a QEMU vvfat drive.
#
# Usage:
#   scripts/efi-boot.sh [options] OPTIONS KERNEL [RAMDISK] [-- QEMU-ARGS...]
#
#   OPTIONS   Petrel's command line (petrel.cfg options=), may be ""
#   KERNEL    dom0 kernel file, optionally followed by its command line in the
#             same word: "path/to/vmlinuz console=hvc0 root=/dev/ram0"
#   RAMDISK   optional dom0 ramdisk file
#   QEMU-ARGS passed to qemu-system-x86_64 as they are (e.g. -debugcon file:x)
#
# Options:
#   --efi FILE        petrel.efi to boot (default: $BUILD/xen/petrel.efi)
#   --esp DIR         ESP directory to (re)create (default: $BUILD/efi-esp)
#   --serial SPEC     QEMU -serial argument (default: stdio), e.g. file:serial.log
#   --timeout SECS    stop QEMU after SECS seconds, exit 124 (default: 120)
#   --stop-on REGEX   stop QEMU, exit 0, once the serial log matches REGEX
#                     (extended regex; needs --serial file:PATH)
#   --cfg FILE        use FILE as petrel.cfg as it is (OPTIONS, KERNEL and
#                     RAMDISK are then only copied, if given; use "" to skip)
#   --no-cfg          write no petrel.cfg (to test the error path)
#   --file FILE       copy FILE beside petrel.efi too (repeatable)
#   --section NAME    start petrel.efi from the UEFI shell (startup.nsh) with
#                     NAME as its argument, as a boot entry's options would
#   -m SIZE           guest memory (default: 1G)
#
# Exit status: QEMU's own (isa-debug-exit at 0xf4 gives (value << 1) | 1),
# 0 after --stop-on matched, 124 on timeout, 2 for bad usage.
set -uo pipefail

BUILD=${BUILD:-build}
efi="$BUILD/xen/petrel.efi" esp="$BUILD/efi-esp" serial=stdio timeout=120
stop_on="" cfg_file="" no_cfg=0 section="" mem=1G
extra_files=()

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "efi-boot: $*" >&2
	exit 2
}

pos=()
while [ $# -gt 0 ]; do
	case "$1" in
	--efi) efi=${2:?}; shift 2 ;;
	--esp) esp=${2:?}; shift 2 ;;
	--serial) serial=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--stop-on) stop_on=${2:?}; shift 2 ;;
	--cfg) cfg_file=${2:?}; shift 2 ;;
	--no-cfg) no_cfg=1; shift ;;
	--file) extra_files+=("${2:?}"); shift 2 ;;
	--section) section=${2:?}; shift 2 ;;
	-m) mem=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) pos+=("$1"); shift ;;
	esac
done
qemu_extra=("$@")

[ ${#pos[@]} -ge 2 ] || [ -n "$cfg_file" ] || [ "$no_cfg" = 1 ] ||
	die "need OPTIONS and KERNEL (see --help)"
[ ${#pos[@]} -le 3 ] || die "too many arguments: ${pos[*]}"
options=${pos[0]:-} kernel_spec=${pos[1]:-} ramdisk=${pos[2]:-}
[ -f "$efi" ] || die "no $efi (make $efi first)"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout needs whole seconds"
serial_log=""
case "$serial" in file:*) serial_log=${serial#file:} ;; esac
[ -z "$stop_on" ] || [ -n "$serial_log" ] || die "--stop-on needs --serial file:PATH"
case "$esp" in "" | / | . | ..) die "refusing ESP directory '$esp'" ;; esac

ovmf=""
for f in /usr/share/ovmf/OVMF.fd /usr/share/OVMF/OVMF.fd; do
	[ -f "$f" ] && { ovmf=$f; break; }
done
[ -n "$ovmf" ] || die "OVMF not found (apt-get install ovmf)"

# Where petrel.efi lives on the ESP: the removable-media path, or a
# directory of its own when the UEFI shell starts it with arguments.
if [ -n "$section" ]; then
	appdir="EFI/petrel" appname="petrel.efi"
else
	appdir="EFI/BOOT" appname="BOOTX64.EFI"
fi
rm -rf "$esp"
mkdir -p "$esp/$appdir" || die "cannot create $esp"
cp "$efi" "$esp/$appdir/$appname" || exit 2

copy_in() {
	[ -f "$1" ] || die "no such file: $1"
	cp "$1" "$esp/$appdir/$(basename "$1")" || exit 2
}

kernel_file="" kernel_args=""
if [ -n "$kernel_spec" ]; then
	read -r kernel_file kernel_args <<<"$kernel_spec"
	copy_in "$kernel_file"
fi
[ -z "$ramdisk" ] || copy_in "$ramdisk"
for f in "${extra_files[@]}"; do copy_in "$f"; done

if [ -n "$cfg_file" ]; then
	cp "$cfg_file" "$esp/$appdir/petrel.cfg" || exit 2
elif [ "$no_cfg" = 0 ]; then
	{
		echo "# written by scripts/efi-boot.sh"
		echo "[global]"
		echo "default=petrel"
		echo
		echo "[petrel]"
		echo "options=$options"
		echo "kernel=$(basename "$kernel_file")${kernel_args:+ $kernel_args}"
		[ -z "$ramdisk" ] || echo "ramdisk=$(basename "$ramdisk")"
	} >"$esp/$appdir/petrel.cfg"
fi
if [ -n "$section" ]; then
	printf 'fs0:\r\n\\%s\\%s %s\r\n' "${appdir//\//\\}" "$appname" "$section" >"$esp/startup.nsh"
fi

qemu=(qemu-system-x86_64 -machine q35 -m "$mem" -bios "$ovmf" -nographic
	-drive "format=raw,file=fat:rw:$esp" -nic none
	-serial "$serial" -device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ "$serial" = stdio ] || qemu+=(-monitor none)
qemu+=("${qemu_extra[@]}")

if [ -z "$stop_on" ]; then
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null
	exit $?
fi

# --stop-on: watch the serial log while QEMU runs.
: >"$serial_log"
"${qemu[@]}" </dev/null &
qpid=$!
deadline=$((SECONDS + timeout))
rc=124
while kill -0 "$qpid" 2>/dev/null; do
	if grep -qE -- "$stop_on" "$serial_log" 2>/dev/null; then
		sleep 0.5 # let the rest of the line arrive
		rc=0
		break
	fi
	[ "$SECONDS" -lt "$deadline" ] || break
	sleep 0.5
done
if kill -0 "$qpid" 2>/dev/null; then
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	exit "$rc"
fi
wait "$qpid"
exit $?
