#!/usr/bin/env python3
"""Boot dom0 with several vCPUs to its shell, over and over, and catch a hang.

Each boot uses dom0_system_test's machine (its PCI devices, --smp CPUs) and
the hypervisor options of $SYSTEM_HV_OPTS.  A boot that prints a soft-lockup
or RCU-stall report, or prints nothing for --quiet seconds before the shell
marker, is taken as hung: the script sends Ctrl-] (0x1d, the hang dump of
the hang_key boot option), waits for the dump's lines and keeps the serial
log.  Prints one line per boot and a summary.

With --pin-cycles N, a boot that reaches the shell then moves dom0's vCPUs
between CPUs with `xl vcpu-pin` N times (each vCPU's timers move with it)
and is hung if a command outruns its wait or a stall report appears.

    SYSTEM_HV_OPTS="tlb_holders=1 hang_key" \\
        python3 tests/system/hang_hunt.py --boots 4 --smp 4 --logdir build/hang
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
from dom0_system_test import PCI_DEVICES  # noqa: E402
from serialconsole import SerialConsole, ConsoleError, ConsoleEOF  # noqa: E402

STALL = r"soft lockup|rcu_sched self-detected stall|rcu: INFO: rcu_sched|rcu_preempt detected"


# One cycle of pins: the last vCPU to CPU 0 (test-system-dom0-smp4's pin),
# the others each to another CPU, then all back to every CPU.
PIN_CYCLE = ["xl vcpu-pin 0 {last} 0", "xl vcpu-pin 0 1 {c2}", "xl vcpu-pin 0 0 {c3}",
             "xl vcpu-list 0", "xl vcpu-pin 0 all all", "sleep 1"]


def pin_cycles(args, con):
    """Run --pin-cycles cycles of vcpu-pin; False when dom0 stalls meanwhile."""
    stall = re.compile(STALL)
    fmt = {"last": args.smp - 1, "c2": 2 % args.smp, "c3": (args.smp - 1) % args.smp}
    for _ in range(args.pin_cycles):
        for cmd in PIN_CYCLE:
            try:
                con.run(cmd.format(**fmt), timeout=args.quiet)
            except ConsoleError:
                return False
            if stall.search(con.text):
                return False
    return True


def one_boot(args, n):
    kernel, initrd = hvboot.default_dom0()
    argv = hvboot.qemu_argv("petrel", kernel, initrd, image=args.image,
                            extra=PCI_DEVICES, smp=args.smp)
    log = os.path.join(args.logdir, "boot%02d.log" % n)
    start = time.time()
    with SerialConsole(argv, log_path=log) as con:
        pat = re.compile("(%s)|(%s)|(%s)" % (re.escape(hvboot.MARKER), STALL,
                                             hvboot.BOOT_FAILURE), re.MULTILINE)
        last_len, last_change = 0, time.time()
        while time.time() - start < args.timeout:
            try:
                m = con.expect(pat.pattern, timeout=10)
            except ConsoleEOF:
                return "exited", time.time() - start, log
            except ConsoleError:
                size = len(con.text)
                if size != last_len:
                    last_len, last_change = size, time.time()
                elif time.time() - last_change > args.quiet:
                    m = None
                    break
                continue
            if m.group(1):
                if pin_cycles(args, con):
                    return "clean", time.time() - start, log
                m = None
            break
        what = "hung" if (m is None or m.group(2)) else "failed"
        con.send(b"\x1d")
        try:
            con.expect(r"^\(XEN\) .*hang: .*evtchn|^\(XEN\) \S* ?e ", timeout=120)
        except ConsoleError:
            pass
        time.sleep(20)
        con.poll(1)
        return what, time.time() - start, log


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--boots", type=int, default=4)
    p.add_argument("--smp", type=int, default=4)
    p.add_argument("--image", default=os.path.join(hvboot.BUILD, "xen", "petrel"))
    p.add_argument("--logdir", default=os.path.join(hvboot.BUILD, "hang"))
    p.add_argument("--timeout", type=float, default=1800, help="seconds a boot may take")
    p.add_argument("--quiet", type=float, default=300,
                   help="seconds without console output taken as a hang")
    p.add_argument("--pin-cycles", type=int, default=0,
                   help="cycles of xl vcpu-pin to run at the shell")
    args = p.parse_args()
    os.makedirs(args.logdir, exist_ok=True)
    counts = {}
    for n in range(args.boots):
        what, secs, log = one_boot(args, n)
        counts[what] = counts.get(what, 0) + 1
        print("boot %d: %s after %.0f s (%s)" % (n, what, secs, log), flush=True)
    print("hang_hunt: %s; hypervisor options %r" % (
        ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())),
        hvboot.hv_cmdline("petrel")), flush=True)
    return 0 if set(counts) == {"clean"} else 1


if __name__ == "__main__":
    sys.exit(main())
