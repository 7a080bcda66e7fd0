#!/usr/bin/env bash
# The installed Debian 12 disk of tests/installed/build-image.sh made
# bootable from its MBR, for the system test's HVM guest (step
# xl-hvm-installed, tests/system/hvm.mk).  Without root and without mounting:
#   - GRUB i386-pc: the first 440 bytes of boot.img in the MBR (the partition
#     table stays), a core image in the sectors after it that holds every
#     module it needs and whose prefix is (hd0,msdos1)/boot/grub;
#   - /boot/grub/grub.cfg, written into the ext4 partition with debugfs:
#     serial terminal, then Debian's kernel and initramfs with console=ttyS0
#     and the arguments $petrel_args, which it reads from a GRUB environment
#     block in sectors 2040 and 2041 (dom0 writes one there before each boot:
#     hvm.mk's nopv.env or pvhvm.env);
#   - petrel-hvm-marker.service, enabled: writes one line on ttyS0 (root
#     device, block devices, /sys/hypervisor/type, whether it booted from
#     UEFI, the kernel's arguments), with petrel_bench among them runs
#     BENCH_PROGRAM (hvm-bench.c, as /usr/local/sbin/petrel-hvm-bench) and
#     powers the system off;
#   - an EFI system partition with GRUB x86_64-efi (installed-esp.sh), so
#     the same disk boots under OVMF.
#
#   installed-disk.sh SRC_DIR OUT_DIR GRUB_EFI_DIR BENCH_PROGRAM
#
# SRC_DIR is build-image.sh's output (disk.img, root-uuid); OUT_DIR gets
# disk.img; GRUB_EFI_DIR is the x86_64-efi directory of grub-efi-amd64-bin.
set -euo pipefail

src=${1:?usage: installed-disk.sh SRC_DIR OUT_DIR GRUB_EFI_DIR BENCH_PROGRAM}
out=${2:?usage: installed-disk.sh SRC_DIR OUT_DIR GRUB_EFI_DIR BENCH_PROGRAM}
efi_dir=${3:?usage: installed-disk.sh SRC_DIR OUT_DIR GRUB_EFI_DIR BENCH_PROGRAM}
bench=${4:?usage: installed-disk.sh SRC_DIR OUT_DIR GRUB_EFI_DIR BENCH_PROGRAM}
here=$(dirname "$0")
grub_dir=/usr/lib/grub/i386-pc
env_sector=2040
part_start=2048
mods="biosdisk part_msdos ext2 normal linux serial terminal echo loadenv test"

mkdir -p "$out"
img=$out/disk.img.tmp
fs="$img?offset=$((part_start * 512))"
uuid=$(cat "$src/root-uuid")
cp --sparse=always "$src/disk.img" "$img"
sfdisk -d "$img" | grep -q "start= *$part_start," || {
	echo "$src/disk.img: partition 1 does not start at sector $part_start"
	exit 1
}

kernel=$(debugfs -R "ls /boot" "$fs" 2>/dev/null | tr -s ' ' '\n' | grep '^vmlinuz-' | head -n 1)
initrd=initrd.img-${kernel#vmlinuz-}
[ -n "$kernel" ] || { echo "no /boot/vmlinuz-* in $src/disk.img"; exit 1; }

sed -e "s|@KERNEL@|/boot/$kernel|" -e "s|@INITRD@|/boot/$initrd|" -e "s|@UUID@|$uuid|" \
	-e "s|@ENV@|(hd0)$env_sector+2|" "$here/installed-grub.cfg" >"$out/grub.cfg"
unit=/etc/systemd/system/petrel-hvm-marker.service
debugfs -w -f - "$fs" >"$out/debugfs.log" 2>&1 <<EOF
mkdir /boot/grub
write $out/grub.cfg /boot/grub/grub.cfg
write $here/installed-marker.sh /usr/local/sbin/petrel-hvm-marker
sif /usr/local/sbin/petrel-hvm-marker mode 0100755
write $bench /usr/local/sbin/petrel-hvm-bench
sif /usr/local/sbin/petrel-hvm-bench mode 0100755
write $here/installed-marker.service $unit
symlink /etc/systemd/system/multi-user.target.wants/petrel-hvm-marker.service $unit
EOF
for f in /boot/grub/grub.cfg /usr/local/sbin/petrel-hvm-marker /usr/local/sbin/petrel-hvm-bench $unit \
	/etc/systemd/system/multi-user.target.wants/petrel-hvm-marker.service; do
	debugfs -R "stat $f" "$fs" 2>/dev/null | grep -q '^Inode:' ||
		{ echo "debugfs did not write $f:"; cat "$out/debugfs.log"; exit 1; }
done

grub-mkimage -d "$grub_dir" -O i386-pc -o "$out/core.img" -p '(hd0,msdos1)/boot/grub' $mods
core_sectors=$((($(stat -c %s "$out/core.img") + 511) / 512))
[ $((1 + core_sectors)) -le $env_sector ] ||
	{ echo "core.img ($core_sectors sectors) overlaps sector $env_sector"; exit 1; }
dd if="$grub_dir/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none
dd if="$out/core.img" of="$img" bs=512 seek=1 conv=notrunc status=none
bash "$here/installed-esp.sh" "$img" "$efi_dir"

mv "$img" "$out/disk.img"
echo "hvm installed disk: $out/disk.img ($kernel, core.img $core_sectors sectors)"
