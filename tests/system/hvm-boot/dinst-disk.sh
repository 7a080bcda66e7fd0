#!/usr/bin/env bash
# The boot disk of Debian's installer (debian-installer-12-netboot-amd64,
# its text-mode netboot kernel and initrd) for the system test's HVM guest
# (step xl-hvm-dinst, tests/system/hvm.mk).  No file system: GRUB reads the
# two files as block lists.
#   sector 0       GRUB i386-pc's boot.img
#   sectors 1..    a core image with a built-in config (dinst-grub.cfg,
#                  no comments: GRUB reads it with its rescue parser):
#                  COM1 as GRUB's terminal, then the kernel and the initrd,
#                  each as (hd0)START+COUNT; the kernel's arguments:
#                  console=ttyS0,115200 (the installer runs its frontend
#                  there), quiet (every byte of the kernel's log is an
#                  exit to the device model's UART) and no_timer_check
#                  (under a loaded TCG host the IO-APIC timer check missed
#                  its ticks and panicked, seen under plain QEMU)
#   sector 2048    the kernel, then the initrd, each padded to a sector
#
#   dinst-disk.sh ROOT OUT_DIR
#
# ROOT is the package unpacked by dpkg -x; OUT_DIR gets disk.img.
set -euo pipefail

root=${1:?usage: dinst-disk.sh ROOT OUT_DIR}
out=${2:?usage: dinst-disk.sh ROOT OUT_DIR}
here=$(dirname "$0")
grub_dir=/usr/lib/grub/i386-pc
images=$root/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
mods="biosdisk linux serial terminal echo boot"
start=2048

sectors() { echo $((($(stat -c %s "$1") + 511) / 512)); }

kernel=$images/linux
initrd=$images/initrd.gz
nk=$(sectors "$kernel")
ni=$(sectors "$initrd")
mkdir -p "$out"
sed -e "s|@KERNEL@|$start+$nk|" -e "s|@INITRD@|$((start + nk))+$ni|" \
	"$here/dinst-grub.cfg" >"$out/grub.cfg"
grub-mkimage -d "$grub_dir" -O i386-pc -o "$out/core.img" -c "$out/grub.cfg" \
	-p '(hd0)' $mods
img=$out/disk.img.tmp
cat "$grub_dir/boot.img" "$out/core.img" >"$img"
[ "$(stat -c %s "$img")" -le $((start * 512)) ] || {
	echo "$out/core.img does not fit before sector $start"
	exit 1
}
dd if="$kernel" of="$img" bs=512 seek=$start conv=notrunc status=none
dd if="$initrd" of="$img" bs=512 seek=$((start + nk)) conv=notrunc status=none
truncate -s $(((start + nk + ni) * 512)) "$img"
mv "$img" "$out/disk.img"
