#!/usr/bin/env bash
# Build an installed Debian 12 system on a raw disk image, the way a user's
# dom0 is installed: mmdebstrap of bookworm (minbase plus systemd, udev,
# Debian's kernel and its initramfs, GRUB's BIOS tools), written to an ext4
# partition of an MBR disk with mkfs.ext4 -d (no loop device, no mount).
#
#   build-image.sh OUTDIR
#
# OUTDIR gets:
#   disk.img     raw disk: MBR, partition 1 (ext4, from 1 MiB) is /
#   vmlinuz      the image's /boot/vmlinuz-*   (for -kernel / petrel.cfg boots)
#   initrd.img   the image's /boot/initrd.img-*
#   root-uuid    the root filesystem's UUID (root=UUID=... on any disk bus)
#   key          hash of this script: the image is rebuilt only when it changes
#
# The system: root with an empty password, logged in automatically on the
# kernel's console (hvc0 as dom0, ttyS0 bare); systemd-networkd with DHCP on every en*/eth*
# NIC; no documentation, man pages or locales.
set -euo pipefail

out=${1:?usage: build-image.sh OUTDIR}
suite=bookworm
disk_mib=2048
uuid=6a1d0b5e-7e71-4c6e-9a57-5e1e0d0f0a19
packages=(systemd-sysv udev linux-image-amd64 initramfs-tools kmod e2fsprogs
	iproute2 procps grub-pc-bin grub2-common)

key=$(cat "$0" | sha256sum | cut -c1-16)
if [ -f "$out/key" ] && [ "$(cat "$out/key")" = "$key" ] && [ -f "$out/disk.img" ]; then
	echo "debian image: $out/disk.img is up to date ($key)"
	exit 0
fi

command -v mmdebstrap >/dev/null || apt-get install -y mmdebstrap
command -v mkfs.ext4 >/dev/null || apt-get install -y e2fsprogs
command -v sfdisk >/dev/null || apt-get install -y fdisk

# An interrupted earlier build can leave mmdebstrap's proc, sys and dev mounts
# inside the old root; rm would stop at them (or reach the host's /dev).
if [ -d "$out" ]; then
	findmnt -rn -o TARGET | grep -F "$(realpath "$out")/" | sort -r |
		while read -r m; do umount -l "$m"; done || true
fi
rm -rf "$out"
mkdir -p "$out"
root=$out/rootfs
mkdir -p "$root"

# Post-install steps, run by mmdebstrap with the root directory as $1.
hook=$out/customize.sh
cat >"$hook" <<HOOK
#!/bin/sh
set -e
r=\$1
echo petrel-dom0 >"\$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpetrel-dom0\n' >"\$r/etc/hosts"
echo 'UUID=$uuid / ext4 errors=remount-ro 0 1' >"\$r/etc/fstab"
chroot "\$r" passwd -d root
# One login, on /dev/console (hvc0 as dom0, ttyS0 booted bare), logged in as
# root automatically: console-getty.service, which does not wait for udev to
# announce the tty (a slow TCG boot can take longer than the 90 s a device
# unit waits).  systemd's getty generator is masked so that no second getty
# runs on the same console.
mkdir -p "\$r/etc/systemd/system/console-getty.service.d" "\$r/etc/systemd/system-generators"
cat >"\$r/etc/systemd/system/console-getty.service.d/autologin.conf" <<'EOC'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 - \$TERM
EOC
ln -sf /dev/null "\$r/etc/systemd/system-generators/systemd-getty-generator"
chroot "\$r" systemctl enable console-getty.service
# Under QEMU's TCG on a busy machine a unit can take minutes to start: wait
# longer than systemd's 90 s before calling a start (or a device) failed, and
# give journald's watchdog the same room.
mkdir -p "\$r/etc/systemd/system.conf.d" "\$r/etc/systemd/system/systemd-journald.service.d"
printf '[Manager]\nDefaultTimeoutStartSec=600s\nDefaultDeviceTimeoutSec=600s\n' \
	>"\$r/etc/systemd/system.conf.d/slow-tcg.conf"
printf '[Service]\nWatchdogSec=15min\n' \
	>"\$r/etc/systemd/system/systemd-journald.service.d/slow-tcg.conf"
mkdir -p "\$r/etc/systemd/network"
cat >"\$r/etc/systemd/network/50-dhcp.network" <<'EOC'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
EOC
chroot "\$r" systemctl enable systemd-networkd.service
HOOK
chmod +x "$hook"

# docs, man pages and locales are left out of every package
nodoc=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')

echo "debian image: mmdebstrap $suite into $root"
mmdebstrap --variant=minbase --mode=root --include="$(
	IFS=,
	echo "${packages[*]}"
)" "${nodoc[@]}" --customize-hook="$hook \"\$1\"" \
	"$suite" "$root" >"$out/mmdebstrap.log" 2>&1 ||
	{ tail -30 "$out/mmdebstrap.log"; exit 1; }

kver=$(basename "$(ls -d "$root"/lib/modules/* | head -1)")
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$out/initrd.img"
echo "$uuid" >"$out/root-uuid"

# MBR disk, one Linux partition from 1 MiB to the end; the filesystem is
# written straight into the partition's place in the file.
img=$out/disk.img
truncate -s "${disk_mib}M" "$img"
echo 'start=2048, type=83, bootable' | sfdisk -q "$img"
mkfs.ext4 -q -F -U "$uuid" -L debian-root -d "$root" -E offset=$((2048 * 512)) \
	"$img" $(((disk_mib - 1) * 1024))k
rm -rf "$root"
echo "$key" >"$out/key"
echo "debian image: $img (kernel $kver, $(du -h --apparent-size "$img" | cut -f1) sparse, $(du -h "$img" | cut -f1) used)"
