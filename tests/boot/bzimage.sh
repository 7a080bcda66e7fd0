#!/usr/bin/env bash
# test-bzimage: boot dom0 kernels shaped like Linux bzImages through Petrel.
# A PV test guest (hello.elf) is compressed and wrapped in a minimal x86 boot
# header ("HdrS", protocol 2.15, setup_sects, payload_offset/length) the way
# Linux lays out its compressed kernel: the payload is followed by the 4-byte
# little-endian uncompressed size (gzip's own trailer already ends with it).
#
# Usage: tests/boot/bzimage.sh PETREL GUEST.elf OUTDIR
#
# Cases: xz (CRC32), xz with the x86 BCJ filter (CRC64), gzip -9, zstd -19
# with checksum: each must reach "Test result: SUCCESS" with Petrel's
# "Dom0 kernel: bzImage with ..." line and QEMU exiting 0. A corrupted xz
# payload and an lz4 payload (a format Petrel does not decode) must be
# refused ("dom0 image rejected:") with QEMU exiting non-zero. No case may
# show PANIC or Fatal. Ends with "bzimage: N passed, N failed".
set -uo pipefail

petrel=${1:?petrel image}
guest=${2:?guest ELF}
out=${3:?output directory}
timeout=${BZIMAGE_TIMEOUT:-60}
pass=0 fail=0

die() {
	echo "bzimage.sh: $*" >&2
	echo "bzimage: 0 passed, 1 failed"
	exit 2
}
for t in qemu-system-x86_64 xz gzip zstd python3; do
	command -v "$t" >/dev/null || die "$t not found"
done
[ -f "$petrel" ] || die "no $petrel"
[ -f "$guest" ] || die "no $guest"
mkdir -p "$out" || die "cannot create $out"

# wrap PAYLOAD OUT: a bzImage around PAYLOAD (which already has any size trailer)
wrap() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
payload = open(sys.argv[1], "rb").read()
setup_sects = 1                 # the protected-mode part starts at (1 + 1) * 512
stub = b"\x90" * 0x80           # stands in for the decompressor before the payload
img = bytearray((setup_sects + 1) * 512)
img[0x1f1] = setup_sects
img[0x1fe:0x200] = b"\x55\xaa"
img[0x202:0x206] = b"HdrS"
struct.pack_into("<H", img, 0x206, 0x020F)
struct.pack_into("<II", img, 0x248, len(stub), len(payload))
img += stub + payload + b"\0" * 64   # room after the payload, as in a real image
open(sys.argv[2], "wb").write(img)
PY
}

le32() {
	python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<I", int(sys.argv[1])))' "$1"
}

size=$(stat -c %s "$guest")
xz -c --check=crc32 "$guest" >"$out/xz.bin" && le32 "$size" >>"$out/xz.bin"
xz -c --x86 --lzma2=preset=6 --check=crc64 "$guest" >"$out/xz-x86.bin" && le32 "$size" >>"$out/xz-x86.bin"
gzip -9 -n -c "$guest" >"$out/gzip.bin"
zstd -q -19 --check -c "$guest" >"$out/zstd.bin" && le32 "$size" >>"$out/zstd.bin"
# a flipped byte in the middle of the compressed data
cp "$out/xz.bin" "$out/xz-corrupt.bin"
python3 - "$out/xz-corrupt.bin" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x40
open(p, "wb").write(b)
PY
# lz4 (legacy frame magic, as Linux writes it): recognised by name, not decoded
{ printf '\x02\x21\x4c\x18'; head -c 200 "$guest"; le32 "$size"; } >"$out/lz4.bin"

# case NAME PAYLOAD KIND(boot|rejected) EXPECT...
run_case() {
	local name=$1 payload=$2 kind=$3 img="$out/$1.bzImage" log="$out/$1.log" rc why=""
	shift 3
	wrap "$payload" "$img" || die "cannot wrap $payload"
	timeout -k 5 "$timeout" qemu-system-x86_64 -machine pc -m 512 -cpu max -nographic \
		-no-reboot -kernel "$petrel" -initrd "$img" -append "console=com1 loglvl=all" \
		-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-display none -monitor none </dev/null >"$log.qemu" 2>&1
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="timeout after ${timeout}s"
	elif grep -aqE 'PANIC|Fatal' "$log"; then
		why="hypervisor PANIC/Fatal"
	elif [ "$kind" = boot ] && [ "$rc" != 0 ]; then
		why="QEMU exited $rc, expected 0"
	elif [ "$kind" = rejected ] && [ "$rc" = 0 ]; then
		why="QEMU exited 0, expected the image to be refused"
	fi
	for e in "$@"; do
		[ -n "$why" ] && break
		grep -aqF -- "$e" "$log" || why="missing \"$e\""
	done
	if [ -z "$why" ]; then
		echo "  PASS $name"
		pass=$((pass + 1))
	else
		echo "  FAIL $name: $why"
		tail -n 40 "$log"
		fail=$((fail + 1))
	fi
}

run_case xz "$out/xz.bin" boot "Dom0 kernel: bzImage with xz payload" "Test result: SUCCESS"
run_case xz-x86 "$out/xz-x86.bin" boot "Dom0 kernel: bzImage with xz payload" \
	"Test result: SUCCESS"
run_case gzip "$out/gzip.bin" boot "Dom0 kernel: bzImage with gzip payload" \
	"Test result: SUCCESS"
run_case zstd "$out/zstd.bin" boot "Dom0 kernel: bzImage with zstd payload" \
	"Test result: SUCCESS"
run_case xz-corrupt "$out/xz-corrupt.bin" rejected "dom0 image rejected: bzImage payload:"
run_case lz4 "$out/lz4.bin" rejected \
	"dom0 image rejected: bzImage payload: lz4-compressed data is not supported"
echo "bzimage: $pass passed, $fail failed"
[ "$fail" = 0 ]
