#!/usr/bin/env bash
# Install the Debian packages Petrel's build and tests need, only where missing.
# QEMU must come from bookworm-backports (QEMU 10): 7.2's TCG reports a wrong
# #GP error code for `int n` in 64-bit mode, which breaks PV user-mode tests.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PKGS="gcc make binutils libc6-dev python3 ovmf gnu-efi libcmocka-dev libyajl-dev liburing-dev \
  zlib1g-dev liblzma-dev libzstd-dev nettle-dev zstd busybox-static cpio xz-utils clang lld \
  libclang-rt-14-dev libxen-dev kmod grub-pc-bin grub-common xorriso mtools \
  bochs bochsbios vgabios bochs-term"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

qemu_ok() {
	command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
	local v
	v=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ -n "$v" ] && [ "$v" -ge 8 ]
}

need_update=0
if ! qemu_ok; then
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "install-deps: adding bookworm-backports to apt sources"
		printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
			$SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
	fi
	need_update=1
fi
[ -z "$missing" ] || need_update=1
[ "$need_update" -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
if ! qemu_ok; then
	echo "install-deps: installing qemu-system-x86 from bookworm-backports"
	$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports \
		qemu-system-x86 qemu-system-data
fi
qemu_ok || { echo "install-deps: QEMU >= 8 is required (bookworm-backports)" >&2; exit 1; }
