#!/usr/bin/env python3
"""SMP benchmark: Petrel against Debian's Xen 4.17 (credit2) on the same QEMU.

    bench/smp.py [--runs N] [--petrel FILE] [--xen FILE] [--kernel-dir DIR]
                 [--only dom0,sched,wake] [--hv xen,petrel] [--boot-timeout S]
                 [--gzip-rounds N] [--lockstats] [--doc FILE]

Each run measures, on both hypervisors (which goes first alternates from run
to run, one QEMU at a time):

  dom0     the dom0 (Debian's kernel, build/dom0) with 4 vCPUs on QEMU -smp 4
           (multi-threaded TCG, tests/system/hvboot.py): seconds from QEMU's
           start to the shell marker, then the wall time (seen from the host)
           of 4 busybox gzip -1 of the same buffer (busybox twice, about
           4 MB) at once (the initramfs has no multi-threaded xz), the
           median of --gzip-rounds such runs in the boot; --lockstats prints
           Petrel's hypervisor-lock waits per CPU over them (debug keys P, p);
  sched    the guest test sched-credit (tests/guests/tests/sched-credit.c,
           one CPU): two CPU-bound domains with weights 256 and 512, then one
           with a cap of 50; the share each got, from getvcpuinfo;
  wake     the benchmark guest bench-wake (two vCPUs on two CPUs):
           ipi-pingpong-vcpus and block-wake-vcpus, median TSC cycles.

Prints every run's figures, then a table of medians over the runs
(bench/benchdoc.py's): for times Petrel / Xen (under 1.00x is Petrel
ahead), for shares how far each hypervisor is from the ideal (weights 1:2,
cap 50%).  Writes the table to
build/bench/smp/table.md and, with --doc, between the "smp-table" markers of
FILE.  Nothing is judged: a figure that could not be taken is "-".
Needs: make all dom0-image xen-ref guests bench-guests (make bench-smp does).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import hvboot  # noqa: E402
from benchdoc import LOWER, legend, load, note, publish, started, table  # noqa: E402
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

BUILD = hvboot.BUILD
OUT = os.path.join(BUILD, "bench", "smp")
SMP = 4
# The buffer: dom0's busybox binary twice (about 4 MB, the same for both
# hypervisors), copied before the timing starts.
MAKE_BUFFER = "cat /bin/busybox /bin/busybox > /tmp/buf"
GZIP_4 = "for i in 1 2 3 4; do gzip -1 -c /tmp/buf > /dev/null & done; wait"
WEIGHTS_RE = re.compile(r"weights 256:512 over (\d+) ms: (\d+) ms : (\d+) ms")
CAP_RE = re.compile(r"cap 50 alone over (\d+) ms: (\d+) ms")
BENCH_RE = re.compile(r"^BENCH ([a-z0-9-]+) min=(\d+) median=(\d+)", re.M)

IDEAL = {"weights": 2.0, "cap": 50.0}


def off_ideal(key, v):
    if v is None:
        return "-"
    return "%+.0f%%" % (100.0 * (v - IDEAL[key]) / IDEAL[key])


def shares(key):
    """The comparison cell of a share row: each hypervisor off the ideal."""
    return lambda med: "%s, %s" % (off_ideal(key, med["xen"]), off_ideal(key, med["petrel"]))


# (key, what, unit, better: benchdoc's table rows): times compared as
# Petrel / Xen, shares against their ideal value
ROWS = (
    ("boot", "dom0 (4 vCPUs) boot to its shell", "s", LOWER),
    ("gzip4", "4 gzip -1 of a 4 MB buffer at once in dom0, wall time", "s", LOWER),
    ("weights", "weights 256:512 on one CPU, share ratio (ideal 2.00)", "ratio", shares("weights")),
    ("cap", "cap 50 on one CPU, share of the CPU (ideal 50)", "%", shares("cap")),
    ("ipi-pingpong-vcpus", "IPI round trip between two vCPUs, median", "cycles", LOWER),
    ("ipi-pingpong-vcpus best", "the same, best round", "cycles", LOWER),
    ("block-wake-vcpus", "block, wake from the other CPU, upcall, median", "cycles", LOWER),
    ("block-wake-vcpus best", "the same, best round", "cycles", LOWER),
)


def gzip_figures(hv, con, rounds, lockstats):
    """{gzip4: median seconds of `rounds` runs of GZIP_4}; with `lockstats`
    on Petrel, prints the hypervisor lock's per-CPU and per-cause waits
    and holds over them, and the per-call counters (hcstats)."""
    if lockstats and hv == "petrel":
        con.run("xl debug-keys P", 60)
    times = []
    for _ in range(rounds):
        start = time.monotonic()
        rc, _ = con.run(GZIP_4, 600)
        if rc != 0:
            return {}
        times.append(time.monotonic() - start)
    note("  %s: gzip rounds %s s" % (hv, " ".join("%.1f" % t for t in times)))
    if lockstats and hv == "petrel":
        start = len(con.text)
        con.run("xl debug-keys p", 60)
        note("".join(l for l in con.text[start:].splitlines(True)
                     if "hvlock" in l or "hcstats: " in l))
    return {"gzip4": statistics.median(times)}


def dom0_figures(hv, image, kdir, timeout, log, rounds=1, lockstats=False):
    """{boot, gzip4} seconds for one boot of the dom0 on -smp 4."""
    kernel, initrd = hvboot.default_dom0(kdir)
    argv = hvboot.qemu_argv(hv, kernel, initrd, image=image, smp=SMP)
    got = {}
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(re.escape(hvboot.MARKER), timeout, fail=hvboot.BOOT_FAILURE)
            got["boot"] = con.elapsed()
            con.sync(attempts=5, timeout=30)
            rc, out = con.run("grep -c ^processor /proc/cpuinfo", 60)
            if rc != 0 or out.strip().splitlines()[-1:] != [str(SMP)]:
                note("  %s: dom0 has %r CPUs, not %d" % (hv, out.strip(), SMP))
                return got
            rc, _ = con.run(MAKE_BUFFER, 300)
            if rc != 0:
                note("  %s: making the buffer failed (%d)" % (hv, rc))
                return got
            got.update(gzip_figures(hv, con, rounds, lockstats))
            con.send_line("poweroff")
            con.wait_exit(60)
        except ConsoleError as e:
            note("  %s: %s (log %s)" % (hv, e, log))
    return got


def guest_log(hv, image, elf, src, timeout):
    """Boot one test guest with tests/guests/run.sh; its serial log's text."""
    out = os.path.join(OUT, "guests")
    mode = "xen" if hv == "xen" else "multiboot"
    subprocess.run(["bash", os.path.join(TOP, "tests", "guests", "run.sh"), "--timeout",
                    str(timeout), "--jobs", "1", "--src", src, "--out", out, "--mode", mode,
                    "--petrel", image, elf], stdout=subprocess.DEVNULL)
    log = os.path.join(out, mode, os.path.basename(elf)[:-4] + ".log")
    try:
        with open(log, errors="replace") as f:
            return f.read().replace("\r", "")
    except OSError:
        return ""


def sched_figures(hv, image, timeout):
    """{weights: ratio, cap: %} from the sched-credit guest test."""
    text = guest_log(hv, image, os.path.join(BUILD, "tests", "guests", "sched-credit.elf"),
                     os.path.join(TOP, "tests", "guests", "tests"), timeout)
    got = {}
    m = WEIGHTS_RE.search(text)
    if m and int(m.group(2)) > 0:
        got["weights"] = int(m.group(3)) / int(m.group(2))
    m = CAP_RE.search(text)
    if m and int(m.group(1)) > 0:
        got["cap"] = 100.0 * int(m.group(2)) / int(m.group(1))
    return got


def wake_figures(hv, image, timeout):
    """{figure: median cycles, "figure best": best round} from the bench-wake guest."""
    text = guest_log(hv, image, os.path.join(BUILD, "bench", "guests", "bench-wake.elf"),
                     os.path.join(TOP, "bench", "guests"), timeout)
    got = {}
    for m in BENCH_RE.finditer(text):
        got[m.group(1)] = int(m.group(3))
        got[m.group(1) + " best"] = int(m.group(2))
    return got


def fmt(key, v):
    if v is None:
        return "-"
    if key in ("boot", "gzip4"):
        return "%.1f" % v
    if key == "weights":
        return "%.2f" % v
    if key == "cap":
        return "%.0f" % v
    return "%d" % v


def header(runs, start):
    """The table's first lines; start is (UTC time, load average) at the start."""
    qemu = subprocess.run([hvboot.qemu_binary()[0], "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]
    return ("Run of %s, Petrel at %s: %d host CPUs, %s, multi-threaded TCG;\n"
            "%d runs, load average %s before and %s after.  %s\n"
            % (start[0], start[2], os.cpu_count(), qemu, runs, start[1], load(),
               legend(ROWS, over=False)))


def one_run(a, n, figs, parts):
    order = [hv for hv in (("xen", "petrel") if n % 2 else ("petrel", "xen")) if hv in a.hv]
    images = {"xen": a.xen, "petrel": a.petrel}
    steps = []
    if "dom0" in parts:
        steps.append(lambda hv: dom0_figures(hv, images[hv], a.kernel_dir, a.boot_timeout,
                                             os.path.join(OUT, "%s-dom0-%d.log" % (hv, n)),
                                             a.gzip_rounds, a.lockstats))
    if "sched" in parts:
        steps.append(lambda hv: sched_figures(hv, images[hv], a.guest_timeout))
    if "wake" in parts:
        steps.append(lambda hv: wake_figures(hv, images[hv], a.guest_timeout))
    for step in steps:
        for hv in order:
            got = step(hv)
            note("  run %d %s: %s (load %s)" % (n, hv, ", ".join(
                "%s %s" % (k, fmt(k, v)) for k, v in sorted(got.items())) or "nothing", load()))
            for k, v in got.items():
                figs[hv].setdefault(k, []).append(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--petrel", default=hvboot.HV_IMAGES["petrel"])
    ap.add_argument("--xen", default=hvboot.HV_IMAGES["xen"])
    ap.add_argument("--kernel-dir", default=os.path.join(BUILD, "dom0"))
    ap.add_argument("--only", default="dom0,sched,wake")
    ap.add_argument("--hv", default="xen,petrel", help="the hypervisors to boot (a check)")
    ap.add_argument("--boot-timeout", type=float, default=2400)
    ap.add_argument("--guest-timeout", type=int, default=300)
    ap.add_argument("--gzip-rounds", type=int, default=1,
                    help="run the 4 gzip this many times in each boot (median)")
    ap.add_argument("--lockstats", action="store_true",
                    help="print Petrel's hypervisor-lock waits over the gzip rounds")
    ap.add_argument("--doc")
    a = ap.parse_args()
    parts = set(a.only.split(","))
    if a.runs < 1 or not parts <= {"dom0", "sched", "wake"}:
        ap.error("--runs needs a positive number, --only a list of dom0, sched, wake")
    os.makedirs(OUT, exist_ok=True)
    start = started()
    note("SMP benchmark, Petrel and Xen 4.17 alternating, %d runs" % a.runs)
    figs = {"xen": {}, "petrel": {}}
    for n in range(1, a.runs + 1):
        one_run(a, n, figs, parts)
    text = header(a.runs, start) + "\n" + table(
        ROWS, figs, ("xen", "petrel"), over=False, form=fmt,
        ratio_head="Petrel / Xen or off ideal (Xen, Petrel)")
    publish(OUT, "smp-table", text, a.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
