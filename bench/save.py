#!/usr/bin/env python3
"""xl save and xl restore of a Linux domU, Petrel against Debian's Xen 4.17.

    bench/save.py [--hv petrel,xen] [--runs N] [--boots B] [--memory MIB] [--type pv|pvh]
                  [--hcstats] [--image FILE] [--doc FILE] [--boot-timeout S]
                  [--log-dir DIR]

Boots dom0 (build/dom0, `make dom0-image`) on each hypervisor in turn, B
times each (the order alternating from boot to boot), one QEMU at a time, on the same QEMU, dom0 kernel and image, and starts Debian's
xenconsoled.  Debian's xl creates the system tests' Linux domU
(/etc/xl-linux.cfg: dom0's kernel and the busybox initramfs, one vCPU) with
MIB MiB (256 by default), waits for its marker and its first domu-tick
lines, then does N rounds of

  save      xl save of the running domU to a file in a tmpfs mounted in dom0
            (dom0's own memory: the figure is xl, libxenguest, dom0's kernel
            and the hypervisor, never a disk of the host), the domain gone
  restore   xl restore of that file, then the domU alive: a domu-tick line
            on its console after the last one before the save

each timed in dom0 around the xl command: by /proc/timer_list's "now at"
line (the kernel's monotonic clock in nanoseconds, read with the shell's
own `read`, no fork) where the kernel has it, else /proc/uptime (10 ms).
With every step go the save file's size and dom0's CPU ticks (/proc/stat)
over it: the shares of dom0's one vCPU in user mode, in its kernel (system,
irq, softirq), idle and stolen while xl ran, and the page faults dom0's
kernel counted (/proc/vmstat pgfault, read outside the timed part).

With --type pvh the domU is a PVH guest (type = "pvh"); Xen 4.17 starts a
PVH domU only under bookworm's QEMU 7.2 (SYSTEM_QEMU, as the -pvh-xen system
tests: docs/testing.md).  With --hcstats, on Petrel, its per-call cycle
counters (`xl debug-keys P`, then `p`) over the last round's save and, apart,
its restore follow.

Prints every figure, then the medians and Petrel / Xen for the times
(under 1.00x is Petrel faster: bench/benchdoc.py's table); the table goes
to build/bench/save/table.md and, with --doc, between the "save-table"
markers of FILE.  Not a test: nothing is judged.  Needs make all
dom0-image xen-ref (make bench-save does).
"""

import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))
sys.path.insert(0, HERE)
import dom0_system_test as st  # noqa: E402
import hvboot  # noqa: E402
from benchdoc import (LOWER, dom0_run, fmt, legend, load, note, publish,  # noqa: E402
                      started, table)

NAME = "savb"
SAVE_DIR = "/tmp/savebench"
SAVE_FILE = SAVE_DIR + "/savb.save"
XL_WAIT = 1800  # seconds for one xl save or restore of the domU under loaded TCG
TICK_WAIT = 120  # seconds for the restored domU's next tick
# the domU's MiB at the least: the system tests' size (its unpacked kernel
# alone is 58 MiB, which xl refuses to load into 32)
MIN_MIB = 128
# A clock in dom0 without a fork: the monotonic clock in ns from
# /proc/timer_list's third line ("now at N nsecs"), or /proc/uptime's
# centiseconds scaled to ns.
CLOCK_FINE = '{ read _l1; read _l2; read _l3; } </proc/timer_list; set -- $_l3; %s=$3'
CLOCK_COARSE = 'read _u _x </proc/uptime; %s="${_u%%.*}${_u#*.}0000000"'
# dom0's CPU ticks: the first line of /proc/stat as shell variables
CPU_READ = 'read _c %s_u %s_n %s_s %s_i %s_w %s_q %s_sq %s_st _r </proc/stat'
CPU_FIELDS = ("u", "n", "s", "i", "w", "q", "sq", "st")
T_LINE = re.compile(r"^T (\S+) (-?\d+) C ((?:-?\d+ ?){8})", re.M)
SIZE_LINE = re.compile(r"^size (\d+)", re.M)
TICK = re.compile(r"domu-tick (\d+)")
# dom0's figures over each xl step: (key suffix, what, unit)
STEP_ROWS = (
    ("user", "dom0 vCPU in user mode during xl %s", "%"),
    ("system", "dom0 vCPU in its kernel during xl %s", "%"),
    ("steal", "dom0 vCPU stolen during xl %s", "%"),
    ("pgfault", "dom0 page faults during xl %s", "count"),
)
# (key, what, unit, better: benchdoc's table rows); only the times get a ratio
ROWS = (("save", "xl save, running domU to dom0's tmpfs", "s", LOWER),
        ("restore", "xl restore from dom0's tmpfs", "s", LOWER),
        ("save MiB/s", "save file written per second of xl save", "MiB/s", None)) + tuple(
    ("%s %s" % (step, k), what % step, unit, None)
    for step in ("save", "restore") for k, what, unit in STEP_ROWS) + (
    ("size", "save file", "MiB", None),)


def timed(clock, cmd, var):
    """Shell text: cmd between two clock and CPU readings, then the line
    'T var NS C <8 CPU tick differences>' (NS -1 if cmd failed)."""
    cpu0 = CPU_READ % ((var + "0",) * 8)
    cpu1 = CPU_READ % ((var + "1",) * 8)
    diffs = " ".join("$((%s1_%s - %s0_%s))" % (var, f, var, f) for f in CPU_FIELDS)
    return ("%s; %s; if %s; then %s; %s; _ns=$((%s1 - %s0)); else %s; _ns=-1; fi; "
            "echo T %s $_ns C %s" % (cpu0, clock % (var + "0"), cmd, clock % (var + "1"), cpu1,
                                     var, var, cpu1, var, diffs))


def parse_timed(out):
    """{var: (seconds or None, {cpu field: ticks})} of the T lines in out."""
    got = {}
    for m in T_LINE.finditer(out):
        ns = int(m.group(2))
        got[m.group(1)] = (ns / 1e9 if ns >= 0 else None,
                           dict(zip(CPU_FIELDS, map(int, m.group(3).split()))))
    return got


def cpu_shares(ticks):
    """{user, system, steal: % of dom0's CPU ticks over a step}."""
    total = sum(ticks.values())
    if total <= 0:
        return {}
    parts = {"user": ticks["u"] + ticks["n"], "system": ticks["s"] + ticks["q"] + ticks["sq"],
             "steal": ticks["st"]}
    return {k: 100.0 * v / total for k, v in parts.items()}


def pgfaults(con):
    """dom0's page faults since its boot (/proc/vmstat), or None."""
    _, out = st.shell_run(con, "grep '^pgfault ' /proc/vmstat")
    m = re.search(r"^pgfault (\d+)", out, re.M)
    return int(m.group(1)) if m else None


def ticks(con):
    """The domU's domu-tick numbers in its console log, in order."""
    _, out = st.shell_run(con, "grep -a -o 'domu-tick [0-9]*' %s/guest-%s.log"
                          % (st.XL_CONSOLE_DIR, NAME))
    return [int(n) for n in TICK.findall(out)]


def tick_after(con, last):
    """Wait up to TICK_WAIT s for a tick after `last`; the newest tick or None."""
    deadline = time.time() + TICK_WAIT
    while True:
        now = ticks(con)
        if now and now[-1] > last:
            return now[-1]
        if time.time() > deadline:
            return None
        st.shell_run(con, "sleep 2")


def clock_for(con):
    """The dom0 clock text (CLOCK_FINE where /proc/timer_list has its
    'now at' line) and its name."""
    _, out = st.shell_run(con, "sed -n 3p /proc/timer_list 2>/dev/null")
    if re.search(r"^now at \d+ nsecs", out, re.M):
        return CLOCK_FINE, "/proc/timer_list (ns)"
    return CLOCK_COARSE, "/proc/uptime (10 ms)"


def domu_up(con, a):
    """xl create the domU and wait for its marker and a few ticks; True if so."""
    extra = "'memory=%d'" % a.memory
    if a.type == "pvh":
        extra += " 'type=\"pvh\"' " + st.PVH_LINUX_EXTRA
    st.shell_run(con, "rm -f %s/guest-%s.log" % (st.XL_CONSOLE_DIR, NAME))
    rc, out = st.xl_create_linux(con, NAME, st.XL_CREATE_TIMEOUT, extra)
    if rc != 0:
        note("  xl create failed: %r" % out.strip()[-400:])
        return False
    wait = st.PVH_LINUX_BOOT_WAIT if a.type == "pvh" else st.DOMU_BOOT_WAIT
    rc, out = st.console_log_wait(con, NAME, st.DOMU_MARKER, wait)
    m = re.search(r"%s kernel (\S+) memory (\d+) kB" % st.DOMU_MARKER, out)
    if rc != 0 or not m:
        note("  no %s: %r" % (st.DOMU_MARKER, out.strip()[-400:]))
        return False
    note("  domU up: kernel %s, memory %s kB" % (m.group(1), m.group(2)))
    rc, out = st.console_log_wait(con, NAME, "domu-tick 2", TICK_WAIT)
    return rc == 0


def hcstats_around(con, on, what, fn):
    """fn(); if on, Petrel's per-call counters over fn printed."""
    if not on:
        return fn()
    st.shell_run(con, "xl debug-keys P")
    v = fn()
    start = len(con.text)
    st.shell_run(con, "xl debug-keys p")
    note("hcstats over one xl %s (kind, op, calls, cycles, cycles per call):\n%s" % (
        what, "".join(l for l in con.text[start:].splitlines(True) if "hcstats: " in l)))
    return v


def step(con, clock, cmd, var):
    """Run one timed step: {var: seconds, "var user": %, ...}, {} if it failed."""
    before = pgfaults(con)
    _, out = st.shell_run(con, timed(clock, cmd, var), XL_WAIT + 60)
    after = pgfaults(con)
    got = parse_timed(out).get(var)
    if not got or got[0] is None:
        note("  %s failed: %r" % (var, out.strip()[-600:]))
        return {}
    figs = {"%s %s" % (var, k): v for k, v in cpu_shares(got[1]).items()}
    figs[var] = got[0]
    if before is not None and after is not None:
        figs[var + " pgfault"] = after - before
    return figs


def one_round(con, hv, a, clock, n, figs):
    last = ticks(con)
    last = last[-1] if last else -1
    hc = a.hcstats and hv == "petrel" and n == a.runs
    got = hcstats_around(con, hc, "save", lambda: step(
        con, clock, "xl save %s %s >/tmp/savb.out 2>&1" % (NAME, SAVE_FILE), "save"))
    secs = got.get("save")
    gone = st.wait_gone(con, NAME)
    _, out = st.shell_run(con, "set -- $(ls -ln %s); echo size $5" % SAVE_FILE)
    m = SIZE_LINE.search(out)
    size = int(m.group(1)) / 1048576.0 if m else None
    got["size"] = size
    if secs and size:
        got["save MiB/s"] = size / secs
    if secs is None or not gone:
        note("  %s round %d: save failed (gone %s); %r" % (hv, n, gone, got))
        return False
    got.update(hcstats_around(con, hc, "restore", lambda: step(
        con, clock, "xl restore %s >/tmp/savb.out 2>&1" % SAVE_FILE, "restore")))
    secs = got.get("restore")
    alive = tick_after(con, last) if secs is not None else None
    st.shell_run(con, "rm -f %s" % SAVE_FILE)
    note("  %s round %d: %s; tick %d before the save, %s after the restore (load %s)" % (
        hv, n, ", ".join("%s %s" % (k, fmt(v)) for k, v in got.items()), last,
        alive if alive is not None else "none", load()))
    figs.setdefault("alive", []).append(alive is not None)
    for k, v in got.items():
        if v is not None:
            figs.setdefault(k, []).append(v)
    return secs is not None and alive is not None


def run_rounds(hv, con, a, figs):
    st.shell_run(con, "%s && echo started" % st.XENCONSOLED, 120)
    clock, name = clock_for(con)
    _, out = st.shell_run(con, "mkdir -p %s && mount -t tmpfs -o size=%dm savebench %s && "
                          "echo mounted; free -m | sed -n 2p" % (SAVE_DIR, a.memory + 64,
                                                                  SAVE_DIR))
    note("  %s: clock %s; %s" % (hv, name, " ".join(out.split())))
    if "mounted" not in out or not domu_up(con, a):
        note("  %s: no tmpfs or the domU did not come up" % hv)
        return
    figs["clock"] = name
    for n in range(1, a.runs + 1):
        if not one_round(con, hv, a, clock, n, figs):
            break
    st.shell_run(con, "xl destroy %s" % NAME, 300)


def one_boot(hv, a, log, figs):
    dom0_run(hv, a.image, st.PCI_DEVICES, log, a.boot_timeout,
             lambda con: run_rounds(hv, con, a, figs))


def save_table(figs, hvs):
    alive = " ".join("%s %d of %d" % ({"xen": "Xen 4.17", "petrel": "Petrel"}[hv],
                                      sum(figs[hv].get("alive", [])),
                                      len(figs[hv].get("alive", []))) for hv in hvs)
    return table(ROWS, figs, hvs, over=False) + "\nRestored domU ticking again: %s.\n" % alive


def header(a, hvs, figs, start):
    """The table's first line; start is (UTC time, load average) at the start."""
    clocks = ", ".join("%s %s" % (hv, figs[hv].get("clock", "-")) for hv in hvs)
    return ("Run from %s, Petrel at %s: %d host CPUs; a %d MiB %s Linux domU, %d rounds in each "
            "of %d boots of each; dom0 clock %s; load average %s before and %s after.  Medians; "
            "%s\n" % (start[0], start[2], os.cpu_count(), a.memory, a.type.upper(), a.runs,
                       a.boots, clocks, start[1], load(), legend(ROWS, over=False)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--runs", type=int, default=3, help="save/restore rounds in each boot")
    ap.add_argument("--boots", type=int, default=1, help="boots of each, alternating")
    ap.add_argument("--memory", type=int, default=256, help="the domU's MiB")
    ap.add_argument("--type", default="pv", choices=("pv", "pvh"))
    ap.add_argument("--hcstats", action="store_true")
    ap.add_argument("--image", default=hvboot.HV_IMAGES["petrel"], help="the Petrel image")
    ap.add_argument("--doc", help="write the table between FILE's save-table markers")
    ap.add_argument("--boot-timeout", type=float, default=1200)
    ap.add_argument("--log-dir", default=os.path.join(hvboot.BUILD, "bench", "save"))
    a = ap.parse_args()
    hvs = a.hv.split(",")
    if (a.runs < 1 or a.boots < 1 or not MIN_MIB <= a.memory <= 320 or
            not set(hvs) <= {"petrel", "xen"}):
        ap.error("--runs and --boots need a positive number, --memory %d to 320 (the domU's "
                 "unpacked kernel alone takes 58 MiB; dom0's 512 MiB hold the save file), --hv "
                 "petrel and/or xen" % MIN_MIB)
    os.makedirs(a.log_dir, exist_ok=True)
    figs = {hv: {} for hv in hvs}
    start = started()
    note("start %s, load %s" % start[:2])
    for b in range(a.boots):
        for hv in (hvs if b % 2 == 0 else hvs[::-1]):
            one_boot(hv, a, os.path.join(a.log_dir, "%s-%d.log" % (hv, b)), figs[hv])
    text = header(a, hvs, figs, start) + "\n" + save_table(figs, hvs)
    publish(a.log_dir, "save-table", text, a.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
