#!/usr/bin/env python3
"""Stage Debian's own Xen toolstack for the dom0 initramfs.

    stage-xl.py --out DIR --root DEBROOT [--root DEBROOT]...
                [--program REL]... [--file REL]...

The DEBROOTs are trees of Debian packages unpacked with `dpkg -x` (Xen
4.17's xen-utils-4.17 and libraries, and the C libraries they link
against).  DIR receives, unmodified:
  usr/lib/xen-4.17/bin/{xl,xen-init-dom0,xenconsoled,xenconsole,xenstored,
                       libxl-save-helper (xl save/restore runs it),
                       xentop (what xl top runs; pxl top is judged by it)}
  usr/sbin/xl -> ../lib/xen-4.17/bin/xl, usr/sbin/xentop likewise
  usr/lib/x86_64-linux-gnu/<soname>   every shared library those programs
                                      need (their DT_NEEDED closure)
                                      and libgcc_s.so.1, which glibc loads
                                      at run time for pthread_cancel (xl
                                      aborts at exit without it)
  lib64/ld-linux-x86-64.so.2          the dynamic loader
  etc/xen/xl.conf                     Debian's xl configuration
  etc/xen/scripts/                    Debian's hotplug scripts (xen-utils-common),
                                      which libxl runs for vbd and vif backends
  bin/bash, usr/bin/flock, sbin/losetup   what those scripts run that busybox
                                      lacks or does differently (bash; flock;
                                      losetup with -r and util-linux's -a output)
--program adds another program by its path in the packages (with its
libraries), --file another file or directory copied as it is (the HVM
device model and firmware: tests/system/hvm.mk).
The programs run under the initramfs's busybox with nothing else from
Debian; a library that no DEBROOT holds is an error.
"""

import argparse
import os
import shutil
import subprocess
import sys

PROGRAMS = ["xl", "xen-init-dom0", "xenconsoled", "xenconsole", "xenstored", "libxl-save-helper",
            "xentop"]
BIN = "usr/lib/xen-4.17/bin"
# Programs the hotplug scripts run, by their paths in the packages.
HOTPLUG_PROGRAMS = ["bin/bash", "usr/bin/flock", "sbin/losetup"]
SCRIPTS = "etc/xen/scripts"
LIBDIRS = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"]
LOADER = "ld-linux-x86-64.so.2"
# Loaded with dlopen, so in no DT_NEEDED list: glibc's pthread_cancel needs it.
DLOPENED = ["libgcc_s.so.1"]


def needed(path):
    """The DT_NEEDED sonames of an ELF file."""
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True,
                         text=True).stdout
    return [line.split("[", 1)[1].split("]", 1)[0]
            for line in out.splitlines() if "(NEEDED)" in line]


def find_lib(roots, soname):
    for root in roots:
        for d in LIBDIRS:
            p = os.path.join(root, d, soname)
            if os.path.exists(p):
                return os.path.realpath(p)
    return None


def find_file(roots, rel):
    for root in roots:
        p = os.path.join(root, rel)
        if os.path.exists(p):
            return os.path.realpath(p)
    return None


def install(src, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copyfile(src, dest)
    shutil.copymode(src, dest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--root", action="append", required=True)
    ap.add_argument("--program", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    args = ap.parse_args()

    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    todo, seen = [], set()
    for rel in [os.path.join(BIN, p) for p in PROGRAMS] + HOTPLUG_PROGRAMS + args.program:
        src = find_file(args.root, rel)
        if not src:
            sys.exit("stage-xl: %s is in none of %s" % (rel, args.root))
        install(src, os.path.join(args.out, rel))
        todo.append(src)
    wanted = list(DLOPENED)
    while todo or wanted:
        if todo:
            wanted.extend(needed(todo.pop()))
        for soname in wanted:
            if soname in seen:
                continue
            seen.add(soname)
            src = find_lib(args.root, soname)
            if not src:
                sys.exit("stage-xl: library %s is in none of %s" % (soname, args.root))
            install(src, os.path.join(args.out, LIBDIRS[0], soname))
            todo.append(src)
        wanted = []
    loader = find_lib(args.root, LOADER)
    if not loader:
        sys.exit("stage-xl: %s is in none of %s" % (LOADER, args.root))
    install(loader, os.path.join(args.out, "lib64", LOADER))
    conf = find_file(args.root, "etc/xen/xl.conf")
    if conf:
        install(conf, os.path.join(args.out, "etc/xen/xl.conf"))
    scripts = find_file(args.root, SCRIPTS)
    if not scripts:
        sys.exit("stage-xl: %s is in none of %s" % (SCRIPTS, args.root))
    shutil.copytree(scripts, os.path.join(args.out, SCRIPTS), symlinks=True)
    for rel in args.file:
        src = find_file(args.root, rel)
        if not src:
            sys.exit("stage-xl: %s is in none of %s" % (rel, args.root))
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(args.out, rel), symlinks=True)
        else:
            install(src, os.path.join(args.out, rel))
    os.makedirs(os.path.join(args.out, "usr/sbin"), exist_ok=True)
    for name in ("xl", "xentop"):
        os.symlink("../lib/xen-4.17/bin/" + name, os.path.join(args.out, "usr/sbin", name))
    print("stage-xl: %d programs, %d libraries in %s"
          % (len(PROGRAMS) + len(HOTPLUG_PROGRAMS) + len(args.program), len(seen), args.out))


if __name__ == "__main__":
    main()
