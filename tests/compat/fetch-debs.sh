#!/usr/bin/env bash
# Fetch Debian 12's Xen 4.17 xenstore packages with apt-get download and
# unpack them (dpkg -x, nothing is installed) under DEST/root.
# Usage: fetch-debs.sh DEST PACKAGE...
# Already-downloaded .debs in DEST/debs are reused.
set -euo pipefail
dest=$1
shift
mkdir -p "$dest/debs" "$dest/root"
cd "$dest/debs"
need=()
for p in "$@"; do
	compgen -G "${p}_*.deb" >/dev/null || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "fetch-debs: apt-get download ${need[*]}"
	apt-get download "${need[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
fi
for p in "$@"; do
	compgen -G "${p}_*.deb" >/dev/null || { echo "fetch-debs: $p missing" >&2; exit 1; }
done
for d in *.deb; do
	dpkg -x "$d" ../root
done
echo "fetch-debs: unpacked $(ls *.deb | wc -l) packages into $dest/root"
