#!/usr/bin/env python3
"""Take the ELF vmlinux out of a bzImage (x86 boot protocol >= 2.08).

Usage: extract-vmlinux.py BZIMAGE OUTPUT

The protected-mode part starts after (setup_sects + 1) 512-byte sectors;
payload_offset/payload_length (setup header, 0x248/0x24c) locate the
compressed kernel inside it.  xz, gzip and bzip2 payloads are unpacked with
Python's standard library, zstd with the zstd tool.  The result must be an
ELF64 image, which loaders that do not decompress bzImages can take.
"""

import bz2
import lzma
import shutil
import struct
import subprocess
import sys
import zlib


def die(msg):
    sys.exit("extract-vmlinux: error: %s" % msg)


def payload(image):
    if len(image) < 0x250 or image[0x202:0x206] != b"HdrS":
        die("not a bzImage (no HdrS setup header)")
    version = struct.unpack_from("<H", image, 0x206)[0]
    if version < 0x208:
        die("boot protocol %x.%02x has no payload fields" % (version >> 8, version & 0xff))
    setup_sects = image[0x1f1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    if start + length > len(image):
        die("payload runs past the end of the file")
    return image[start:start + length]


def unpack(data):
    if data.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b"\x1f\x8b"):
        # one gzip member; the kernel's size trailer follows it
        return zlib.decompressobj(wbits=31).decompress(data)
    if data.startswith(b"BZh"):
        return bz2.BZ2Decompressor().decompress(data)
    if data.startswith(b"\x28\xb5\x2f\xfd"):
        if not shutil.which("zstd"):
            die("zstd payload but no zstd tool (install zstd)")
        # The kernel appends its uncompressed size after the frame; the
        # zstd tool reads the first frame and stops at that trailer.
        r = subprocess.run(["zstd", "-dcq", "--no-check"], input=data[:-4],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0 and not r.stdout:
            die("zstd: %s" % r.stderr.decode(errors="replace").strip())
        return r.stdout
    die("unknown payload compression (magic %s)" % data[:6].hex())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        image = f.read()
    try:
        elf = unpack(payload(image))
    except (lzma.LZMAError, zlib.error, OSError, EOFError) as e:
        die("cannot decompress the payload: %s" % e)
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        die("payload is not an ELF64 image")
    with open(sys.argv[2], "wb") as f:
        f.write(elf)


if __name__ == "__main__":
    main()
