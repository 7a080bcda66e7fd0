"""pxl's unpacked-kernel cache on the Linux domU (step pxl-kcache, run only
when named in --only; make test-pxl-kcache and test-pxl-kcache-xen).

    check_kcache(t, con, res, timeout)
        with dom0's cache (/var/cache/pxl) emptied first, `pxl -vv create`
        of rootfs/etc/xl-linux.cfg (bzImage+xz) three times, the guest
        reaching its marker and destroyed after each: the first says "cache
        miss, stored" and leaves one entry (the unpacked ELF and a header),
        the second says "cache hit, file unchanged" (found through the
        kernel file's link, the file neither read nor hashed), and after
        bytes in the middle of the entry are overwritten the third says
        "cache entry corrupt, unpacked again, stored" and the guest still
        boots.  Then the kernel file is touched (its ctime changes) and a
        paused create says "cache hit": the file hashed again, found by its
        bytes.  Each check's detail gives the "kernel read" step's seconds
        and its parts (pxl's "kernel cache:" line).

`t` is the system test's module (dom0_system_test).
"""

import re

CACHE_DIR = "/var/cache/pxl"
KERNEL_STEP = re.compile(r"^pxl: kernel read \(bzImage\+xz, (\d+) KiB unpacked, ([^)]*)\)"
                         r"\s+(\d+\.\d{3}) s", re.M)
KERNEL_PARTS = re.compile(r"^pxl:\s+kernel cache: (.*)$", re.M)
KERNEL_FILE = "/usr/lib/petrel-domu/vmlinuz"


def kernel_step(out):
    """The "kernel read" step of pxl -vv's output, and its parts' line."""
    parts = KERNEL_PARTS.search(out)
    return KERNEL_STEP.search(out), parts.group(1) if parts else "?"


def create_boot(t, con, res, tag, name, expect):
    """pxl -vv create NAME; its kernel step says EXPECT; the marker; destroy.
    The entry's size afterwards (bytes), or None."""
    t.shell_run(con, "rm -f %s/guest-%s.log" % (t.XL_CONSOLE_DIR, name))
    rc, out = t.shell_run(con, "pxl -vv create /etc/xl-linux.cfg 'name=\"%s\"'" % name,
                          t.XL_CREATE_TIMEOUT)
    m, parts = kernel_step(out)
    ok = res.check("kcache/%s-create" % tag, rc == 0 and m is not None and m.group(2) == expect,
                   "rc=%d, expected %r: %r" % (rc, expect, out.strip()[-600:]),
                   "%s, kernel read in %s s (%s)" % (m.group(2), m.group(3), parts) if m else "")
    if ok:
        rc, log = t.console_log_wait(con, name, t.DOMU_MARKER, t.DOMU_BOOT_WAIT)
        res.check("kcache/%s-marker" % tag, rc == 0,
                  "rc=%d, no %r in guest-%s.log: %r" % (rc, t.DOMU_MARKER, name,
                                                        log.strip()[-400:]))
    t.shell_run(con, "pxl destroy %s" % name, 60)
    t.wait_gone(con, name)
    _, ls = t.shell_run(con, "for f in %s/*.kc; do [ -f \"$f\" ] && wc -c < \"$f\"; done"
                        % CACHE_DIR)
    sizes = [int(s) for s in ls.split() if s.isdigit()]
    return (sizes[0] if len(sizes) == 1 else None), m and int(m.group(1)), sizes


def check_kcache(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    t.shell_run(con, "rm -rf %s" % CACHE_DIR, timeout)
    size, kib, sizes = create_boot(t, con, res, "first", "kc1", "cache miss, stored")
    # the ELF (kib KiB, rounded down) and the 88-byte header
    res.check("kcache/first-entry", size is not None and kib is not None and
              0 <= size - 88 - kib * 1024 < 1024,
              "entries of sizes %r for a %s KiB ELF" % (sizes, kib), "%s bytes" % size)
    create_boot(t, con, res, "second", "kc2", "cache hit, file unchanged")
    # 16 bytes in the middle of the unpacked ELF overwritten
    _, out = t.shell_run(con, "f=$(ls %s/*.kc); printf 'petrel-kcache-xx' | "
                         "dd of=$f bs=1 seek=$(($(wc -c < $f) / 2)) conv=notrunc 2>&1; "
                         "echo rc=$?" % CACHE_DIR, timeout)
    res.check("kcache/corrupted", "rc=0" in out, "dd: %r" % out.strip()[-300:])
    size3, _, sizes3 = create_boot(t, con, res, "corrupt", "kc3",
                                   "cache entry corrupt, unpacked again, stored")
    res.check("kcache/rewritten", size3 is not None and size3 == size,
              "entries of sizes %r, %r before" % (sizes3, size))
    # the kernel file's ctime moved on: its link no longer matches, its bytes still do
    t.shell_run(con, "sleep 1; touch %s" % KERNEL_FILE, timeout)
    rc, out = t.shell_run(con, "pxl -vv create -p /etc/xl-linux.cfg 'name=\"kc4\"'",
                          t.XL_CREATE_TIMEOUT)
    m, parts = kernel_step(out)
    res.check("kcache/touched-create", rc == 0 and m is not None and m.group(2) == "cache hit",
              "rc=%d, expected 'cache hit': %r" % (rc, out.strip()[-600:]),
              "%s, kernel read in %s s (%s)" % (m.group(2), m.group(3), parts) if m else "")
    t.shell_run(con, "pxl destroy kc4", 60)
    t.wait_gone(con, "kc4")
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
