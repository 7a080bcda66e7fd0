#!/usr/bin/env python3
"""Debian's xl lifecycle on Petrel and on Xen 4.17, side by side.

    bench/xl-lifecycle.py [--hv petrel,xen] [--boots B] [--runs N]
                          [--linux-runs M] [--xl-cycles K] [--campaign C]
                          [--hcstats H] [--list-doms D] [--image FILE]
                          [--log-dir DIR]

Boots dom0 (build/dom0, `make dom0-image`) on each hypervisor in turn, B
times each, alternating, on the same QEMU and images, starts Debian's
xenconsoled and times with Debian's xl, in dom0 (usclock: CLOCK_MONOTONIC
in microseconds around each command, so no serial-console round trip is
counted):

  hello-create   xl create of the hello test guest until xl returns
  hello-marker   ... until its "Test result: SUCCESS" reached the console log
  xls-create     xl create of the save-restore test guest (it keeps running)
  xls-pause      xl pause and xl unpause of that guest, N times each per guest
  xls-destroy    xl destroy of it
  linux-*        the same for the Linux domU of /etc/xl-linux.cfg (M times,
                 3 pauses each), from create to its console marker
  xl-cycle       K cycles of xl create + xl destroy of the hello guest, per cycle
                 (a shell loop, as the list loops below)
  xl-create-p, pxl-create-p  with D > 0: D paused hello guests (8 MiB each),
                 created by Debian's xl and Petrel's pxl in turn
  xl-list, pxl-list  `xl list` and `pxl list` with those D domains (and dom0)
                 listed, per list (LIST_REPS timings of LIST_LOOP lists each)
  xl-destroy, pxl-destroy  each tool destroys every other one of the D

With H > 0, on Petrel only, Petrel's per-call cycle counters (`xl
debug-keys P`, then `p`) over H create/destroy cycles of the hello guest
follow.  When C > 0, the wall time of `make test-cycles CYCLES=C` (the control
domain's own create/destroy campaign, one boot with its own QEMU) on each.
Prints a table of the medians and the ratios Petrel / Xen, under 1.00x
Petrel ahead (bench/benchdoc.py's), then for each pxl-X row pxl on Petrel
against Debian's xl on Xen (pxl-X on Petrel / xl-X on Xen).
Not a test: nothing is judged.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "system"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdoc import LOWER, legend, markdown, median, ratio, table  # noqa: E402
import dom0_system_test as st  # noqa: E402
import hvboot  # noqa: E402
from serialconsole import SerialConsole  # noqa: E402

HELLO_MARKER = "Test result: SUCCESS"
# dom0's CLOCK_MONOTONIC in microseconds (dom0-tools/dom0-test/usclock.c)
NOW = '%s=$(usclock)'
TIMING = re.compile(r"^T (\S+) (-?\d+)", re.M)


def timed(cmd, var, out=None):
    """Shell text: run the simple command cmd (words, no redirection: out
    names the file for its stdout and stderr) under usclock, which prints
    'T var microseconds' (or 'T var -1' if it failed)."""
    return "usclock %s%s %s" % ("-o %s " % out if out else "", var, cmd)


def timed_sh(text, var):
    """Shell text: time the shell text text (loops) run by sh -c."""
    return timed("sh -c %s" % shlex.quote(text), var)


def marker_wait(name, marker, secs):
    """Shell text: wait for marker in name's console log, then print its time since t0."""
    log = "%s/guest-%s.log" % (st.XL_CONSOLE_DIR, name)
    return ("i=0; until grep -qF '%s' %s 2>/dev/null; do [ $i -ge %d ] && break; "
            "usleep 20000; i=$((i + 1)); done; %s; "
            "if [ $i -lt %d ]; then echo T marker $((t1 - t0)); else echo T marker -1; fi"
            % (marker, log, secs * 50, NOW % "t1", secs * 50))


def run_timed(con, text, timeout):
    """{var: seconds} of the T lines text printed (None for a failed step)."""
    _, out = st.shell_run(con, text, timeout)
    got = {m.group(1): (int(m.group(2)) / 1e6 if int(m.group(2)) >= 0 else None)
           for m in TIMING.finditer(out)}
    if None in got.values() or not got:
        print("   step failed: %r" % out.strip()[-400:], flush=True)
    return got


def create_and_marker(con, cfg, name, marker, wait, extra=""):
    """(create-return s, marker s) of one xl create."""
    st.shell_run(con, "rm -f %s/guest-%s.log" % (st.XL_CONSOLE_DIR, name))
    text = NOW % "t0" + "; " + timed("xl create %s 'name=\"%s\"' %s" % (cfg, name, extra),
                                     "create", "/tmp/xlb.out")
    if marker:
        text += "; " + marker_wait(name, marker, wait)
    got = run_timed(con, text, st.XL_CREATE_TIMEOUT + wait + 30)
    return got.get("create"), got.get("marker")


def destroy(con, name):
    got = run_timed(con, timed("xl destroy %s" % name, "destroy"), 120)
    st.wait_gone(con, name)
    return got.get("destroy")


def pause_unpause(con, name, times, rows, prefix):
    for _ in range(times):
        got = run_timed(con, timed("xl pause %s" % name, "pause") + "; " +
                        timed("xl unpause %s" % name, "unpause"), 120)
        for k in ("pause", "unpause"):
            add(rows, prefix + k, got.get(k))


def add(rows, key, value):
    if value is not None:
        rows.setdefault(key, []).append(value)


def hello_rows(con, runs, rows):
    for i in range(runs):
        c, m = create_and_marker(con, "/etc/xl-hello.cfg", "bh%d" % i, HELLO_MARKER, 60)
        add(rows, "hello-create", c)
        add(rows, "hello-marker", m)
        add(rows, "hello-destroy", destroy(con, "bh%d" % i))


def xls_rows(con, runs, rows):
    for i in range(runs):
        name = "bs%d" % i
        c, _ = create_and_marker(con, "/etc/xl-save.cfg", name, None, 0)
        add(rows, "xls-create", c)
        pause_unpause(con, name, runs, rows, "xls-")
        add(rows, "xls-destroy", destroy(con, name))


def linux_rows(con, runs, rows):
    for i in range(runs):
        name = "bl%d" % i
        c, m = create_and_marker(con, "/etc/xl-linux.cfg", name, st.DOMU_MARKER,
                                 st.DOMU_BOOT_WAIT)
        add(rows, "linux-create", c)
        add(rows, "linux-marker", m)
        if m is not None:
            pause_unpause(con, name, 3, rows, "linux-")
        add(rows, "linux-destroy", destroy(con, name))


def cycle_rows(con, cycles, rows):
    """K xl create + xl destroy cycles of the hello guest: seconds per cycle."""
    if cycles <= 0:
        return
    loop = ("n=0; while [ $n -lt %d ] && xl create /etc/xl-hello.cfg 'name=\"cy'$n'\"' "
            ">/tmp/xlb.out 2>&1 && xl destroy cy$n; do n=$((n + 1)); done; [ $n -eq %d ]"
            % (cycles, cycles))
    got = run_timed(con, timed_sh(loop, "cycles"), 60 * cycles + 60)
    if got.get("cycles") is not None:
        add(rows, "xl-cycle", got["cycles"] / cycles)


LIST_REPS = 7
LIST_LOOP = 5
LIST_DOM_MEMORY = 8  # MiB: hello.elf stays paused


def list_rows(con, doms, rows):
    """D paused hello guests, created by xl and pxl in turn; xl list and
    pxl list timed with all of them; each tool destroys every other one."""
    if doms <= 0:
        return
    tools = ("xl", "pxl")
    names = ["ld%d" % i for i in range(doms)]
    for i, name in enumerate(names):
        tool = tools[i % 2]
        got = run_timed(con, timed("%s create -p /etc/xl-hello.cfg 'name=\"%s\"' "
                                   "'memory=%d'" % (tool, name, LIST_DOM_MEMORY),
                                   "create", "/tmp/xlb.out"), 120)
        add(rows, tool + "-create-p", got.get("create"))
    _, out = st.shell_run(con, "xl list | grep -c '^ld'")
    print("   %s domains listed (of %d)" % (out.strip(), doms), flush=True)
    loop = "n=0; while [ $n -lt %d ] && %%s list >/dev/null; do n=$((n + 1)); done; " \
           "[ $n -eq %d ]" % (LIST_LOOP, LIST_LOOP)
    for _ in range(LIST_REPS):
        for tool in tools:
            got = run_timed(con, timed_sh(loop % tool, "list"), 300)
            if got.get("list") is not None:
                add(rows, tool + "-list", got["list"] / LIST_LOOP)
    for i, name in enumerate(names):
        tool = tools[i % 2]
        got = run_timed(con, timed("%s destroy %s" % (tool, name), "destroy"), 120)
        add(rows, tool + "-destroy", got.get("destroy"))
    st.xl_wait_only_dom0(con, 120)


def hcstats(con, cycles):
    """Petrel's per-call cycle counters over `cycles` xl create + destroy
    cycles of the hello guest: the console's hcstats lines, printed."""
    st.shell_run(con, "xl debug-keys P")
    for i in range(cycles):
        create_and_marker(con, "/etc/xl-hello.cfg", "hs%d" % i, HELLO_MARKER, 60)
        destroy(con, "hs%d" % i)
    start = len(con.text)
    st.shell_run(con, "xl debug-keys p")
    print("hcstats over %d create/destroy cycles (kind, op, calls, cycles, cycles per call):"
          % cycles)
    print("".join(l for l in con.text[start:].splitlines(True) if "hcstats: " in l),
          flush=True)


def one_boot(hv, args, log):
    kernel, initrd = hvboot.default_dom0(os.path.join(hvboot.BUILD, "dom0"))
    image = args.image if hv == "petrel" else None
    argv = hvboot.qemu_argv(hv, kernel, initrd, image=image, extra=st.PCI_DEVICES)
    rows = {}
    with SerialConsole(argv, log_path=log) as con:
        con.expect(re.escape(hvboot.MARKER), 600, fail=hvboot.BOOT_FAILURE)
        con.sync()
        st.shell_run(con, st.XENCONSOLED)
        hello_rows(con, args.runs, rows)
        xls_rows(con, args.runs, rows)
        cycle_rows(con, args.xl_cycles, rows)
        linux_rows(con, args.linux_runs, rows)
        list_rows(con, args.list_doms, rows)
        if args.hcstats and hv == "petrel":
            hcstats(con, args.hcstats)
        con.send_line("poweroff")
        con.wait_exit(120)
    print("%s: %s" % (hv, " ".join("%s=%s" % (k, ",".join("%.3f" % x for x in v))
                                   for k, v in rows.items())), flush=True)
    return rows


def campaign(hv, cycles):
    """Wall seconds of `make test-cycles` on hv, or None if it failed."""
    mode = "xen" if hv == "xen" else "multiboot"
    t0 = time.time()
    r = subprocess.run(["make", "--no-print-directory", "test-cycles", "CYCLES=%d" % cycles,
                        "CYCLES_MODE=%s" % mode], capture_output=True, text=True)
    t = time.time() - t0
    ok = r.returncode == 0 and " 0 failed" in r.stdout
    print("%s: test-cycles %d: %.1f s%s" % (hv, cycles, t, "" if ok else " (FAILED)"),
          flush=True)
    return t if ok else None


def report(all_rows, hvs):
    keys = []
    for hv in hvs:
        keys += [k for k in all_rows[hv] if k not in keys]
    rows = [(k, k, "s", LOWER) for k in keys]
    form = lambda key, v: "-" if v is None else "%.3f" % v  # noqa: E731
    print("\nMedians; %s\n\n%s" % (legend(rows, over=False),
                                     table(rows, all_rows, hvs, over=False, form=form)))
    cross = [k[len("pxl-"):] for k in keys if k.startswith("pxl-")]
    if not cross or set(hvs) != {"petrel", "xen"}:
        return
    lines = []
    for k in cross:
        p = median(all_rows["petrel"].get("pxl-" + k, []))
        x = median(all_rows["xen"].get("xl-" + k, []))
        if p and x:
            lines.append([k, "%.3f" % p, "%.3f" % x, ratio(p, x, LOWER, over=False)])
    print(markdown(["row (s, median)", "pxl on Petrel", "xl on Xen 4.17",
                    "pxl on Petrel / xl on Xen"], lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--boots", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--linux-runs", type=int, default=1)
    ap.add_argument("--xl-cycles", type=int, default=20)
    ap.add_argument("--campaign", type=int, default=1000)
    ap.add_argument("--hcstats", type=int, default=0,
                    help="on Petrel, print its per-call counters over this many cycles")
    ap.add_argument("--list-doms", type=int, default=0,
                    help="time xl list and pxl list with this many paused domains, "
                    "then destroy them with both")
    ap.add_argument("--image", help="Petrel image to boot instead of build/xen/petrel")
    ap.add_argument("--log-dir", default=os.path.join(hvboot.BUILD, "bench", "xl-lifecycle"))
    args = ap.parse_args()
    hvs = args.hv.split(",")
    os.makedirs(args.log_dir, exist_ok=True)
    print("start %s UTC, load %s" % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                                     " ".join("%.1f" % x for x in os.getloadavg())), flush=True)
    all_rows = {hv: {} for hv in hvs}
    for b in range(args.boots):
        for hv in hvs:
            rows = one_boot(hv, args, os.path.join(args.log_dir, "%s-%d.log" % (hv, b)))
            for k, v in rows.items():
                all_rows[hv].setdefault(k, []).extend(v)
            if args.campaign > 0:
                add(all_rows[hv], "campaign", campaign(hv, args.campaign))
    print("end %s UTC, load %s" % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                                   " ".join("%.1f" % x for x in os.getloadavg())), flush=True)
    report(all_rows, hvs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
