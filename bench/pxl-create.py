#!/usr/bin/env python3
"""pxl create against Debian's xl create, the Linux PV domU of the system test.

    bench/pxl-create.py --hv petrel|xen [--runs N] [--image FILE] [--log FILE] [--phases]

Boots dom0 once (build/dom0, `make dom0-image`; the hypervisor as the
system test boots it) and then, RUNS times in turn, creates the domU of
/etc/xl-linux.cfg (Debian's 6.1 bzImage+xz, the busybox initramfs, 128 MiB)
with Debian's xl and with pxl, each under Debian's xenconsoled.  For each
create it prints the seconds until the create command returned and until
the domU's marker (PETREL-DOMU-READY) reached its console log, then
destroys the domain.  Ends with the ratios pxl/xl: for the first create
of each tool, and the medians of the later ones (pxl's unpacked-kernel cache
is emptied at the start, so its first create unpacks the kernel and the
later ones read it from the cache; xl unpacks it every time).  The
times include the shell round trips over the serial console (a second or
so).  With --phases pxl runs as `pxl -vv create` and its per-step times
are printed too, with the kernel step's parts (pxl's "kernel cache:" line).  Not a test: nothing is judged.
"""

import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "system"))
import dom0_system_test as st  # noqa: E402
import hvboot  # noqa: E402
from serialconsole import SerialConsole  # noqa: E402


def one_create(con, tool, name, phases=False):
    """(seconds to return, seconds to the marker) or None, then destroy."""
    st.shell_run(con, "rm -f %s/guest-%s.log" % (st.XL_CONSOLE_DIR, name))
    verbose = " -vv" if phases and tool == "pxl" else ""
    t0 = time.time()
    rc, out = st.shell_run(con, "%s%s create /etc/xl-linux.cfg 'name=\"%s\"'"
                           % (tool, verbose, name), st.XL_CREATE_TIMEOUT)
    t1 = time.time()
    if verbose:
        print("".join("     " + l for l in out.splitlines(True)
                      if " s  (at " in l or "kernel cache:" in l), end="")
    rc2, _ = st.console_log_wait(con, name, st.DOMU_MARKER, st.DOMU_BOOT_WAIT) \
        if rc == 0 else (1, "")
    t2 = time.time()
    st.shell_run(con, "xl destroy %s" % name, 60)
    st.wait_gone(con, name)
    if rc != 0 or rc2 != 0:
        print("%-4s create failed: rc %d/%d %r" % (tool, rc, rc2, out.strip()[-300:]),
              flush=True)
        return None
    print("%-4s create returned %6.1f s, marker after %6.1f s" % (tool, t1 - t0, t2 - t0),
          flush=True)
    return t1 - t0, t2 - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hv", choices=sorted(hvboot.HV_IMAGES), required=True)
    ap.add_argument("--image")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--log")
    ap.add_argument("--phases", action="store_true")
    args = ap.parse_args()
    kernel, initrd = hvboot.default_dom0(os.path.join(hvboot.BUILD, "dom0"))
    argv = hvboot.qemu_argv(args.hv, kernel, initrd, image=args.image, extra=st.PCI_DEVICES)
    times = {"xl": [], "pxl": []}
    with SerialConsole(argv, log_path=args.log) as con:
        con.expect(re.escape(hvboot.MARKER), 300, fail=hvboot.BOOT_FAILURE)
        con.sync()
        st.shell_run(con, st.XENCONSOLED)
        st.shell_run(con, "rm -rf /var/cache/pxl")
        for i in range(args.runs):
            for tool in ("xl", "pxl"):
                t = one_create(con, tool, "b%s%d" % (tool, i), args.phases)
                if t:
                    times[tool].append(t)
        con.send_line("poweroff")
        con.wait_exit(120)
    summary(args.hv, "first create", {k: v[:1] for k, v in times.items()})
    summary(args.hv, "later creates, median", {k: v[1:] for k, v in times.items()})
    return 0 if times["xl"] and times["pxl"] else 1


def summary(hv, what, times):
    """One line of create-return and marker seconds, pxl against xl."""
    if not times["xl"] or not times["pxl"]:
        return
    med = {k: [statistics.median(x[j] for x in v) for j in (0, 1)] for k, v in times.items()}
    print("%s, %s: create-return xl %.1f s, pxl %.1f s (%.2fx); marker xl %.1f s, "
          "pxl %.1f s (%.2fx)" % (hv, what, med["xl"][0], med["pxl"][0],
                                  med["pxl"][0] / med["xl"][0], med["xl"][1],
                                  med["pxl"][1], med["pxl"][1] / med["xl"][1]))


if __name__ == "__main__":
    sys.exit(main())
