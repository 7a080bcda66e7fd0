#!/usr/bin/env python3
"""Pack a staging directory into a gzip'd "newc" cpio archive for the kernel.

Why our own writer instead of cpio(1): the archive needs device nodes
(/dev/console, /dev/null) owned by root, and the build must work without
root privileges.  Every entry is written as uid 0 / gid 0 with mtime 0, in
sorted order, so the same inputs give the same bytes.

Usage: mkcpio.py STAGING_DIR OUTPUT.cpio.gz [--node PATH:MODE:c|b:MAJOR:MINOR]...
"""

import argparse
import gzip
import os
import stat
import sys

NEWC_MAGIC = b"070701"


def header(ino, mode, nlink, size, devmajor, devminor, name):
    """One newc header followed by the NUL-terminated name, padded to 4."""
    # ino mode uid gid nlink mtime filesize devmajor devminor
    # rdevmajor rdevminor namesize check
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, devmajor, devminor,
              len(name) + 1, 0]
    out = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)
    out += name + b"\0"
    return out + pad4(len(out))


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


class Writer:
    def __init__(self, fp):
        self.fp = fp
        self.ino = 1

    def entry(self, name, mode, data=b"", rdev=(0, 0)):
        nlink = 2 if stat.S_ISDIR(mode) else 1
        self.fp.write(header(self.ino, mode, nlink, len(data), rdev[0], rdev[1],
                             name.encode()))
        self.fp.write(data + pad4(len(data)))
        self.ino += 1

    def trailer(self):
        self.fp.write(header(0, 0, 1, 0, 0, 0, b"TRAILER!!!"))


def parse_node(spec):
    parts = spec.split(":")
    if len(parts) != 5 or parts[2] not in ("c", "b"):
        raise argparse.ArgumentTypeError(
            "node must be PATH:MODE:c|b:MAJOR:MINOR, got %r" % spec)
    path, mode, kind, major, minor = parts
    try:
        perm = int(mode, 8)
        rdev = (int(major), int(minor))
    except ValueError:
        raise argparse.ArgumentTypeError("bad number in node %r" % spec)
    ftype = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
    return path.strip("/"), ftype | perm, rdev


def walk(root):
    """Yield (archive name, path) for every entry below root, parents first."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            yield rel, dirpath
        for f in sorted(filenames):
            name = f if rel == "." else os.path.join(rel, f)
            yield name, os.path.join(dirpath, f)
        # os.walk does not descend into symlinked dirs; list them as entries
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if os.path.islink(p):
                yield (d if rel == "." else os.path.join(rel, d)), p


def pack(root, out, nodes):
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                               mtime=0, filename="") as gz:
        w = Writer(gz)
        for name, path in walk(root):
            st = os.lstat(path)
            perm = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                w.entry(name, stat.S_IFLNK | 0o777, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                w.entry(name, stat.S_IFDIR | perm)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    w.entry(name, stat.S_IFREG | perm, f.read())
            else:
                raise SystemExit("mkcpio: %s: unsupported file type "
                                 "(use --node for device nodes)" % path)
        for name, mode, rdev in nodes:
            w.entry(name, mode, rdev=rdev)
        w.trailer()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("output")
    ap.add_argument("--node", action="append", type=parse_node, default=[])
    a = ap.parse_args()
    if not os.path.isdir(a.root):
        sys.exit("mkcpio: %s: not a directory" % a.root)
    pack(a.root, a.output, a.node)


if __name__ == "__main__":
    main()
