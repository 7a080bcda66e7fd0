#!/usr/bin/env bash
# Build the Petrel dom0 image: Debian's own kernel (downloaded with
# `apt-get download`, unpacked with `dpkg -x`, never installed) and an
# initramfs made of busybox-static, the kernel's Xen modules, the drivers of
# the PCI devices the system test gives the machine (AHCI, virtio-pci block
# and net: their interrupts are MSI and MSI-X) and their dependencies
# (resolved through modules.dep), our /init and the dom0 tools.
#
# Usage: build-dom0.sh --out DIR [--suite stable|backports] [--tool SRC:DEST]...
#                      [--link LINK:TARGET]... [--tree DIR]... [--domu ROOTFS]
#                      [--module NAME]... [--domu-tool SRC:DEST]...
#   --link     a symbolic link LINK (relative to the initramfs root) -> TARGET
#   --tree     a directory whose contents are copied into the initramfs root
#   --domu-tool  a program for the domU's initramfs (DEST relative to its root)
#   --module   another kernel module for dom0 (with its dependencies), loaded at boot
#   --domu     a PV domU for dom0's xl: the same kernel and a busybox
#              initramfs made of ROOTFS go to /usr/lib/petrel-domu/{vmlinuz,initrd.gz}
#   stable     the kernel that bookworm's linux-image-amd64 points at (6.1)
#   backports  the 6.12 kernel from bookworm-backports
# Results:
#   DIR/boot/vmlinuz-<kver>  the kernel (bzImage)
#   DIR/vmlinuz              symlink to it
#   DIR/vmlinux              the ELF kernel inside the bzImage
#   DIR/kernel-version       <kver>
#   DIR/initramfs.cpio.gz    the initramfs
# Environment: DOM0_KERNEL_PKG overrides the kernel package name;
# BUSYBOX overrides the busybox binary (default /bin/busybox, busybox-static).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="" suite=stable domu=""
tools=()
domu_tools=()
links=()
trees=()
# The Xen drivers; two drivers that use string port I/O (rep insw/insl on the
# IDE data port, rep insb on QEMU's fw_cfg); and the drivers of the PCI
# devices the system test adds (their interrupts are MSI or MSI-X); the
# backends of the split drivers (xen-blkback, with loop for image files;
# xen-netback, with the bridge its vifs join).
MODULES="xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs ata_piix sr_mod qemu_fw_cfg ahci virtio_pci virtio_blk virtio_net loop xen-blkback bridge xen-netback"
# The domU's frontends (its /init loads them, listed in /etc/domu-modules).
DOMU_MODULES="xen-blkfront xen-netfront"
# A file system for the domU's disk (ext4 asks the crypto API for crc32c when
# it mounts), loaded only when a test asks for it
# (/bin/domu-fs, listed in /etc/domu-fs-modules).
DOMU_FS_MODULES="crc32c_generic ext4"
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "build-dom0: error: $*" >&2; exit 1; }
log() { echo "build-dom0: $*"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?}; shift 2 ;;
	--suite) suite=${2:?}; shift 2 ;;
	--tool) tools+=("${2:?}"); shift 2 ;;
	--domu-tool) domu_tools+=("${2:?}"); shift 2 ;;
	--link) links+=("${2:?}"); shift 2 ;;
	--tree) trees+=("${2:?}"); shift 2 ;;
	--domu) domu=${2:?}; shift 2 ;;
	--module) MODULES="$MODULES ${2:?}"; shift 2 ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
[ -n "$out" ] || die "--out DIR is required"
case "$suite" in stable|backports) ;; *) die "--suite must be stable or backports" ;; esac
for t in apt-cache apt-get dpkg depmod xz python3 readelf; do
	command -v "$t" >/dev/null || die "'$t' not found (run: make deps)"
done

# The version of linux-image-amd64 to follow: the candidate for stable,
# the newest 6.12 in bookworm-backports for backports.
meta_version() {
	if [ "$suite" = stable ]; then
		apt-cache policy linux-image-amd64 | awk '/Candidate:/ { print $2 }'
	else
		apt-cache madison linux-image-amd64 |
			awk -F'|' '$3 ~ /backports/ { gsub(/ /, "", $2); print $2 }' |
			grep '^6\.12\.' | sort -V | tail -n 1
	fi
}

resolve_pkg() {
	local ver dep
	ver=$(meta_version)
	[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
		die "cannot find linux-image-amd64 ($suite) in apt's lists (run apt-get update)"
	dep=$(apt-cache show "linux-image-amd64=$ver" |
		sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
	[ -n "$dep" ] || die "linux-image-amd64=$ver names no linux-image package"
	case "$dep" in *-unsigned) ;; *) dep="$dep-unsigned" ;; esac
	echo "$dep=$ver"
}

pkgspec=${DOM0_KERNEL_PKG:-$(resolve_pkg)}
pkg=${pkgspec%%=*}
kver=${pkg#linux-image-}
kver=${kver%-unsigned}
log "kernel package $pkgspec (kernel $kver)"

mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

# 1. Download (once) and unpack the kernel package.
deb=$(ls "$out/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	log "apt-get download $pkgspec"
	(cd "$out/debs" && apt-get download -q "$pkgspec") ||
		die "apt-get download $pkgspec failed"
	deb=$(ls "$out/debs/${pkg}_"*.deb | head -n 1)
fi
vmlinuz="$out/boot/vmlinuz-$kver"
moddir="$out/lib/modules/$kver"
if [ ! -f "$vmlinuz" ] || [ "$deb" -nt "$vmlinuz" ]; then
	log "dpkg -x $(basename "$deb")"
	dpkg -x "$deb" "$out"
	touch "$vmlinuz"
fi
[ -f "$vmlinuz" ] || die "$deb has no boot/vmlinuz-$kver"
grep -q '^CONFIG_XEN_DOM0=y' "$out/boot/config-$kver" ||
	die "kernel $kver lacks CONFIG_XEN_DOM0 (wrong flavour?)"
if [ ! -f "$moddir/modules.dep" ] || [ "$vmlinuz" -nt "$moddir/modules.dep" ]; then
	log "depmod -b $out $kver"
	depmod -b "$out" "$kver"
fi
ln -sfn "boot/vmlinuz-$kver" "$out/vmlinuz"
# The ELF vmlinux inside the bzImage, for loaders without a decompressor.
if [ ! -f "$out/vmlinux" ] || [ "$vmlinuz" -nt "$out/vmlinux" ]; then
	log "extracting $out/vmlinux"
	python3 "$here/extract-vmlinux.py" "$vmlinuz" "$out/vmlinux.tmp"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
fi
echo "$kver" >"$out/kernel-version"

# 2. Staging tree for the initramfs.
root="$out/initramfs-root"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,lib/modules/"$kver"}
cp -a "$here/rootfs/." "$root/"
"$BUSYBOX" --list-full >/dev/null 2>&1 || die "$BUSYBOX is not a working busybox"
! readelf -l "$BUSYBOX" | grep -q 'program interpreter' ||
	die "$BUSYBOX is dynamically linked (install busybox-static)"
cp "$BUSYBOX" "$root/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# 3. Modules: the closure of $MODULES under modules.dep, dependencies first.
# Compressed modules (.ko.xz / .ko.zst / .ko.gz) are stored decompressed so
# that busybox insmod/modprobe load them whatever compression it supports.
python3 "$here/modclosure.py" "$moddir/modules.dep" $MODULES >"$out/modules.list" ||
	die "module resolution failed"
: >"$root/etc/dom0-modules"
: >"$root/lib/modules/$kver/modules.dep"
# stage_modules ROOT LIST: the modules of the closure file LIST into ROOT,
# their names in load order appended to ROOT's LIST file (etc/...-modules).
stage_modules() {
	local mroot=$1 list=$2 path deps plain
	while read -r path deps; do
		plain=$(echo "$path" | sed -E 's/\.(xz|zst|gz)$//')
		mkdir -p "$mroot/lib/modules/$kver/$(dirname "$plain")"
		case "$path" in
		*.xz) xz -dc "$moddir/$path" >"$mroot/lib/modules/$kver/$plain" ;;
		*.zst) zstd -qdc "$moddir/$path" >"$mroot/lib/modules/$kver/$plain" ;;
		*.gz) gzip -dc "$moddir/$path" >"$mroot/lib/modules/$kver/$plain" ;;
		*) cp "$moddir/$path" "$mroot/lib/modules/$kver/$plain" ;;
		esac
		echo "$plain" >>"$mroot/$list"
		echo "$plain:$(echo " $deps" | sed -E 's/\.(xz|zst|gz)( |$)/\2/g; s/ +$//')" \
			>>"$mroot/lib/modules/$kver/modules.dep"
	done
}
stage_modules "$root" etc/dom0-modules <"$out/modules.list"
log "modules: $(sed 's|.*/||' "$root/etc/dom0-modules" | tr '\n' ' ')"

# 4. The dom0 tools (SRC:DEST pairs; DEST relative to the initramfs root).
# install_tools ROOT SRC:DEST...: each program SRC as ROOT/DEST
install_tools() {
	local r=$1 t src dest
	shift
	for t in "$@"; do
		src=${t%%:*} dest=${t#*:}
		[ -f "$src" ] || die "tool $src not found"
		mkdir -p "$r/$(dirname "$dest")"
		install -m 755 "$src" "$r/$dest"
	done
}
install_tools "$root" "${tools[@]}"
for l in "${links[@]}"; do
	link=${l%%:*} target=${l#*:}
	[ -n "$link" ] && [ -n "$target" ] && [ "$link" != "$l" ] ||
		die "--link wants LINK:TARGET, got '$l'"
	mkdir -p "$root/$(dirname "$link")"
	ln -sfn "$target" "$root/$link"
done

for t in "${trees[@]}"; do
	[ -d "$t" ] || die "tree $t is not a directory"
	# over busybox's links of the same names (bash, losetup), not through them
	cp -a --remove-destination "$t/." "$root/"
done

# 4b. The test domU: this kernel again (as a bzImage: Xen's domain builder
# unpacks it) and a busybox-only initramfs.
if [ -n "$domu" ]; then
	[ -d "$domu" ] || die "domU rootfs $domu is not a directory"
	droot="$out/domu-root"
	rm -rf "$droot"
	mkdir -p "$droot"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
	cp -a "$domu/." "$droot/"
	install_tools "$droot" "${domu_tools[@]}"
	cp "$BUSYBOX" "$droot/bin/busybox"
	"$BUSYBOX" --list-full | while read -r applet; do
		[ -e "$droot/$applet" ] || ln -s /bin/busybox "$droot/$applet"
	done
	mkdir -p "$droot/etc" "$droot/lib/modules/$kver"
	: >"$droot/etc/domu-modules"
	: >"$droot/lib/modules/$kver/modules.dep"
	python3 "$here/modclosure.py" "$moddir/modules.dep" $DOMU_MODULES >"$out/domu-modules.list" ||
		die "domU module resolution failed"
	stage_modules "$droot" etc/domu-modules <"$out/domu-modules.list"
	python3 "$here/modclosure.py" "$moddir/modules.dep" $DOMU_FS_MODULES >"$out/domu-fs-modules.list" ||
		die "domU file system module resolution failed"
	stage_modules "$droot" etc/domu-fs-modules <"$out/domu-fs-modules.list"
	mkdir -p "$root/usr/lib/petrel-domu"
	python3 "$here/mkcpio.py" "$droot" "$root/usr/lib/petrel-domu/initrd.gz" \
		--node dev/console:600:c:5:1 --node dev/null:666:c:1:3
	cp "$vmlinuz" "$root/usr/lib/petrel-domu/vmlinuz"
	log "domU: $(du -h "$root/usr/lib/petrel-domu/initrd.gz" | cut -f1) initramfs and $vmlinuz"
fi

# 5. Pack.
python3 "$here/mkcpio.py" "$root" "$out/initramfs.cpio.gz.tmp" \
	--node dev/console:600:c:5:1 --node dev/null:666:c:1:3
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
log "wrote $out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))" \
	"and $vmlinuz"
