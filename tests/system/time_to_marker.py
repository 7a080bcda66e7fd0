#!/usr/bin/env python3
"""Boot the dom0 once and print the seconds from QEMU start to the shell marker.

    time_to_marker.py --hv xen|petrel|bare [--image FILE] [--kernel-dir DIR]
                      [--timeout S] [--log FILE] [--profile]

--hv bare boots the same kernel and initramfs without a hypervisor
(hvboot.bare_argv).  Prints "seconds 12.345 linux 8.123" and exits 0 when
the marker appeared ("linux": when Linux's "Linux version" line came, "-"
if it did not); otherwise prints "no-marker <why>" and exits 2.
--profile (Petrel): the hypervisor option hcstats counts from boot, and at
the marker `xl debug-keys p` prints the counters; the summary follows as
"profile: ..." lines (bootprof.py).  After the marker it powers the dom0
off (killing QEMU if that does not end it), so runs do not overlap.
Used by bench/boot-time.sh.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootprof  # noqa: E402
import hvboot  # noqa: E402
from serialconsole import ConsoleError, ConsoleFailure, SerialConsole  # noqa: E402

LINUX_FIRST = r"Linux version \d"
BAD = re.compile(r"panic|rejected|not supported|could not|error|fatal|fault", re.I)


def telling_line(text):
    """The console line most likely to say why the boot stopped."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    bad = [l for l in lines if BAD.search(l)]
    if bad:
        return "console: " + " / ".join(bad[-2:])
    return "last line: " + (lines[-1] if lines else "(no output)")


def first_seen(con):
    """Seconds from QEMU's start to Linux's first line, None if it did not come."""
    if not con.watched:
        return None
    return con.watched[0][0] - con.started


def read_profile(con):
    """Have dom0 print Petrel's counters; the summary lines (bootprof.py)."""
    rc, out = con.run("xl debug-keys p", 60)
    if rc:
        return ["profile: xl debug-keys p failed (%d): %s" % (rc, out.strip()[-200:])]
    try:
        con.expect(r"hvlock: cpu taken", 20)  # the line after the table
    except ConsoleError:
        pass  # summary() says what is missing
    return bootprof.summary(con.text)


def main():
    ap = argparse.ArgumentParser(description="time from QEMU start to the dom0 shell marker")
    ap.add_argument("--hv", choices=sorted(hvboot.HV_IMAGES) + ["bare"], required=True)
    ap.add_argument("--image")
    ap.add_argument("--kernel-dir", default=os.path.join(hvboot.BUILD, "dom0"))
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log")
    ap.add_argument("--profile", action="store_true", help="Petrel's hcstats from boot")
    a = ap.parse_args()
    if a.profile and a.hv != "petrel":
        ap.error("--profile needs --hv petrel")
    if a.profile:
        os.environ["SYSTEM_HV_OPTS"] = (os.environ.get("SYSTEM_HV_OPTS", "") + " hcstats").strip()
    kernel, initrd = hvboot.default_dom0(a.kernel_dir)
    try:
        if a.hv == "bare":
            argv = hvboot.bare_argv(kernel, initrd)
        else:
            argv = hvboot.qemu_argv(a.hv, kernel, initrd, image=a.image)
    except (FileNotFoundError, ValueError) as e:
        print("no-marker %s" % e)
        return 2
    with SerialConsole(argv, log_path=a.log, watch=LINUX_FIRST) as con:
        try:
            con.expect(re.escape(hvboot.MARKER), a.timeout, fail=hvboot.BOOT_FAILURE)
        except ConsoleFailure as e:
            print("no-marker %s" % e)  # it names the failing line already
            return 2
        except ConsoleError as e:
            print("no-marker %s; %s" % (e, telling_line(con.text)))
            return 2
        took = con.elapsed()
        linux = first_seen(con)
        profile = []
        try:
            con.sync(attempts=3, timeout=10)
            if a.profile:
                profile = read_profile(con)
            con.send_line("poweroff")
            con.wait_exit(60)
        except ConsoleError:
            pass  # the measurement is taken; close() kills QEMU
    print("seconds %.3f linux %s" % (took, "-" if linux is None else "%.3f" % linux))
    for line in profile:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
