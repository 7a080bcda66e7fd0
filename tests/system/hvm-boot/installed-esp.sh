#!/usr/bin/env bash
# An EFI system partition for the installed disk of installed-disk.sh, so the
# same disk boots under OVMF as well as under SeaBIOS (step xl-hvm-installed's
# uefi boot, tests/system/hvm.mk).  Without root and without mounting:
#   - the disk grows by ESP_MIB and gets partition 2 there (MBR type 0xef);
#   - a FAT file system made in a file with mtools holds GRUB x86_64-efi
#     (grub-efi-amd64-bin) as \EFI\BOOT\BOOTX64.EFI, the removable-media path
#     UEFI firmware boots when it has no boot entries; dd puts it into place.
# The EFI core image has the BIOS one's modules (efidisk instead of biosdisk)
# and prefix, so it reads the same /boot/grub/grub.cfg on partition 1 and the
# same environment block in the MBR gap.
#
#   installed-esp.sh DISK GRUB_EFI_DIR
#
# DISK is installed-disk.sh's disk.img (changed in place), GRUB_EFI_DIR the
# x86_64-efi directory of the unpacked grub-efi-amd64-bin.
set -euo pipefail

img=${1:?usage: installed-esp.sh DISK GRUB_EFI_DIR}
efi_dir=${2:?usage: installed-esp.sh DISK GRUB_EFI_DIR}
esp_mib=16
mods="part_msdos ext2 normal linux serial terminal echo loadenv test"
work=$(dirname "$img")/esp
esp=$work/esp.img

sfdisk -d "$img" | grep -q "^$img"2 && { echo "$img already has partition 2"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
grub-mkimage -d "$efi_dir" -O x86_64-efi -o "$work/bootx64.efi" -p '(hd0,msdos1)/boot/grub' $mods

truncate -s ${esp_mib}M "$esp"
mformat -i "$esp" -T $((esp_mib * 2048)) -h 64 -s 32 -v ESP ::
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -i "$esp" "$work/bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mdir -i "$esp" -b ::/EFI/BOOT | grep -q BOOTX64.EFI || { echo "mcopy did not write BOOTX64.EFI"; exit 1; }

start=$(($(stat -c %s "$img") / 512))
[ $((start % 2048)) = 0 ] || { echo "$img: $start sectors, not a whole MiB"; exit 1; }
truncate -s +${esp_mib}M "$img"
echo "start=$start, size=$((esp_mib * 2048)), type=ef" | sfdisk -q --append "$img"
dd if="$esp" of="$img" bs=512 seek="$start" conv=notrunc,sparse status=none
echo "hvm installed disk: ESP at sector $start ($esp_mib MiB, $(stat -c %s "$work/bootx64.efi") bytes of GRUB EFI)"
