#!/usr/bin/env bash
# Fetch Debian's Xen 4.17 hypervisor, the reference Petrel is compared with:
# `apt-get download xen-hypervisor-4.17-amd64` (never installed), `dpkg -x`,
# then gunzip /boot/xen-4.17-amd64.gz into an ELF32 multiboot image that
# QEMU's -kernel loader boots.
# Usage: fetch-xen.sh OUTDIR   -> OUTDIR/xen-4.17-amd64
set -euo pipefail
out=${1:?usage: fetch-xen.sh OUTDIR}
pkg=xen-hypervisor-4.17-amd64
die() { echo "fetch-xen: error: $*" >&2; exit 1; }

mkdir -p "$out/debs"
deb=$(ls "$out/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	echo "fetch-xen: apt-get download $pkg"
	(cd "$out/debs" && apt-get download -q "$pkg") ||
		die "apt-get download $pkg failed (apt-get update? network?)"
	deb=$(ls "$out/debs/${pkg}_"*.deb | head -n 1)
fi
rm -rf "$out/root"
dpkg -x "$deb" "$out/root"
gz="$out/root/boot/xen-4.17-amd64.gz"
[ -f "$gz" ] || die "$deb has no boot/xen-4.17-amd64.gz"
zcat "$gz" >"$out/xen-4.17-amd64.tmp"
readelf -h "$out/xen-4.17-amd64.tmp" | grep -q 'Class:.*ELF32' ||
	die "$gz is not an ELF32 image; QEMU's multiboot loader needs one"
mv "$out/xen-4.17-amd64.tmp" "$out/xen-4.17-amd64"
echo "fetch-xen: $(basename "$deb") -> $out/xen-4.17-amd64"
