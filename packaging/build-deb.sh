#!/usr/bin/env bash
# Build the petrel Debian package with dpkg-deb from the project's build tree.
#   build-deb.sh BUILD VERSION OUT.deb
# Contents:
#   /boot/petrel, /boot/petrel.efi          the hypervisor (multiboot2 / UEFI)
#   /etc/grub.d/20_linux_petrel            update-grub entries "with Petrel hypervisor"
#   /etc/default/grub.d/petrel.cfg         Petrel's and dom0's command lines
#   /usr/sbin/xenstored, /usr/bin/xenstore(-*)  dom0 tools
#   /lib/systemd/system/petrel-{xenfs,xenstored}.service  started at boot
set -euo pipefail
build=${1:?usage: build-deb.sh BUILD VERSION OUT.deb} version=${2:?} out=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d "${out%.deb}.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

install -D -m 644 "$build/xen/petrel" "$root/boot/petrel"
install -D -m 644 "$build/xen/petrel.efi" "$root/boot/petrel.efi"
install -D -m 755 "$here/20_linux_petrel" "$root/etc/grub.d/20_linux_petrel"
install -D -m 644 "$here/petrel.cfg" "$root/etc/default/grub.d/petrel.cfg"
install -D -m 755 "$build/xenstore/dom0/xenstored" "$root/usr/sbin/xenstored"
install -D -m 755 "$build/xenstore/dom0/xenstore" "$root/usr/bin/xenstore"
for c in read write rm mkdir exists list ls watch; do
	ln -s xenstore "$root/usr/bin/xenstore-$c"
done
install -D -m 755 "$here/xenfs-setup" "$root/usr/lib/petrel/xenfs-setup"
install -D -m 755 "$here/xenstored-start" "$root/usr/lib/petrel/xenstored-start"
for u in petrel-xenfs.service petrel-xenstored.service; do
	install -D -m 644 "$here/$u" "$root/lib/systemd/system/$u"
done
install -D -m 644 "$here/copyright" "$root/usr/share/doc/petrel/copyright"

mkdir -p "$root/DEBIAN"
for s in postinst prerm postrm; do
	install -m 755 "$here/debian/$s" "$root/DEBIAN/$s"
done
printf '/etc/grub.d/20_linux_petrel\n/etc/default/grub.d/petrel.cfg\n' >"$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$here/debian/control" >"$root/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "deb: $out ($(dpkg-deb -f "$out" Package) $(dpkg-deb -f "$out" Version), $(du -h "$out" | cut -f1))"
