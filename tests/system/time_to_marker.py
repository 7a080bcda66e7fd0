#!/usr/bin/env python3
"""Boot the dom0 once and print the seconds from QEMU start to the shell marker.

    time_to_marker.py --hv xen|petrel [--image FILE] [--kernel-dir DIR]
                      [--timeout S] [--log FILE]

Prints "seconds 12.345" and exits 0 when the marker appeared; otherwise
prints "no-marker <why>" and exits 2.  After the marker it powers the dom0
off (killing QEMU if that does not end it), so runs do not overlap.
Used by bench/boot-time.sh.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
from serialconsole import ConsoleError, ConsoleFailure, SerialConsole  # noqa: E402

BAD = re.compile(r"panic|rejected|not supported|could not|error|fatal|fault", re.I)


def telling_line(text):
    """The console line most likely to say why the boot stopped."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    bad = [l for l in lines if BAD.search(l)]
    if bad:
        return "console: " + " / ".join(bad[-2:])
    return "last line: " + (lines[-1] if lines else "(no output)")


def main():
    ap = argparse.ArgumentParser(description="time from QEMU start to the dom0 shell marker")
    ap.add_argument("--hv", choices=sorted(hvboot.HV_IMAGES), required=True)
    ap.add_argument("--image")
    ap.add_argument("--kernel-dir", default=os.path.join(hvboot.BUILD, "dom0"))
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log")
    a = ap.parse_args()
    kernel, initrd = hvboot.default_dom0(a.kernel_dir)
    try:
        argv = hvboot.qemu_argv(a.hv, kernel, initrd, image=a.image)
    except (FileNotFoundError, ValueError) as e:
        print("no-marker %s" % e)
        return 2
    with SerialConsole(argv, log_path=a.log) as con:
        try:
            con.expect(re.escape(hvboot.MARKER), a.timeout, fail=hvboot.BOOT_FAILURE)
        except ConsoleFailure as e:
            print("no-marker %s" % e)  # it names the failing line already
            return 2
        except ConsoleError as e:
            print("no-marker %s; %s" % (e, telling_line(con.text)))
            return 2
        took = con.elapsed()
        try:
            con.sync(attempts=3, timeout=10)
            con.send_line("poweroff")
            con.wait_exit(60)
        except ConsoleError:
            pass  # the measurement is taken; close() kills QEMU
    print("seconds %.3f" % took)
    return 0


if __name__ == "__main__":
    sys.exit(main())
