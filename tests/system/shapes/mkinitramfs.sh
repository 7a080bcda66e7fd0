#!/usr/bin/env bash
# The smallest initramfs that boots dom0 through its Xen drivers: busybox,
# the Xen modules of the dom0 image and tests/system/shapes/init.
#   mkinitramfs.sh DOM0-ROOT OUT.cpio.gz
#   DOM0-ROOT: the staging tree of the dom0 image (build/dom0/initramfs-root)
set -euo pipefail
root=$1 out=$2 here=$(dirname "$0")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,etc,proc,sys,dev,lib/modules}
cp "$root/bin/busybox" "$stage/bin/busybox"
for applet in sh mount insmod mkdir cat sed uname dmesg poweroff timeout dd grep; do
	ln -s busybox "$stage/bin/$applet"
done
cp "$root/etc/dom0-modules" "$stage/etc/dom0-modules"
kdir=$(cd "$root/lib/modules" && ls)
while read -r ko; do
	[ -n "$ko" ] || continue
	mkdir -p "$stage/lib/modules/$kdir/$(dirname "$ko")"
	cp "$root/lib/modules/$kdir/$ko" "$stage/lib/modules/$kdir/$ko"
done <"$root/etc/dom0-modules"
install -m 755 "$here/init" "$stage/init"
mkdir -p "$(dirname "$out")"
python3 "$here/../../../dom0-tools/initramfs/mkcpio.py" "$stage" "$out" \
	--node dev/console:600:c:5:1 --node dev/null:666:c:1:3
