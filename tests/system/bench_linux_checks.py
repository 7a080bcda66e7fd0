"""The Linux domU benchmark (step bench-linux, bench/linux-domu.sh).

    check_bench_linux(t, con, res, timeout)

For each guest type, PVH then PV, Debian's xl creates the Linux domU (dom0's
kernel and the busybox initramfs, 128 MiB, one vCPU) with domu_bench=N on
its command line.  One dom0 command creates it and follows xenconsoled's log
of it with `tail -f` (one read a second, no process started) into awk, which
takes dom0's /proc/uptime when the domU's marker appears (create to marker)
and ends at "DOMU-BENCH done".  Meanwhile the domU's /bin/domu-bench times N
fork+execs of /bin/true and a shell loop of 500*N additions by its own clock
and prints DOMU-BENCH lines.  dom0 stays quiet while they run: a poll that
starts processes (console-wait, every 0.2 s) took half of the one CPU from
the domU under TCG, on Petrel and on Xen alike.  Then the domain is
destroyed and free memory comes back.

Each figure goes to the output as "BENCH-LINUX <type> <figure> <ms>"; the
run's CPU seconds of dom0 and the domU (xl list), dom0's clock against the
host's, and (on Petrel) the hypercall counts as "BENCH-LINUX-INFO" lines.
The checks are that the domU booted and printed its figures, never how long
anything took.

`t` is the system test's module (dom0_system_test).
"""

import os
import re
import time

ROUNDS = int(os.environ.get("BENCH_LINUX_N", "200"))
BENCH_WAIT = 1200  # seconds for the workload under nested TCG on a loaded host
FIGURE = re.compile(r"DOMU-BENCH (\S+) (\d+) ms")
IRQS = re.compile(r"DOMU-BENCH cpu-loop-irqs (\d+) (\d+) clocksource (\S+)")
# awk: the last table `xl debug-keys p` printed
LAST_TABLE = "awk '/^kind/ { n = 0 } { l[n++] = $0 } END { for (i = 0; i < n; i++) print l[i] }'"
HCSTAT = re.compile(r"^(\S+) (\d+) (\d+) \d+ \d+$", re.M)
# awk over the console log: the centiseconds from create to the marker, the
# domU's figures, the end at "done".
FOLLOW = ("awk -v a=$a 'index($0, \"%s\") && !m { getline u < \"/proc/uptime\"; "
          "split(u, f, \" \"); printf \"marker-cs %%d\\n\", (f[1] - a) * 100; m = 1 } "
          "/DOMU-BENCH/ { print } /DOMU-BENCH done/ { exit }'")


def report(kind, figure, ms):
    print("BENCH-LINUX %s %s %d" % (kind, figure, ms), flush=True)


def run_domu(t, con, name, kind):
    """xl create of the domU `name` of type `kind`, followed until its
    figures are in; the output of the command (marker-cs and DOMU-BENCH lines)."""
    cfg = "'type=\"%s\"' 'extra=\"console=hvc0 domu_bench=%d\"'" % (kind, ROUNDS)
    log = "%s/guest-%s.log" % (t.XL_CONSOLE_DIR, name)
    wait = t.PVH_LINUX_BOOT_WAIT + BENCH_WAIT
    rc, out = t.shell_run(con, "read a _ </proc/uptime; xl create /etc/xl-linux.cfg "
                          "'name=\"%s\"' %s >/tmp/bench-linux.out 2>&1; r=$?; echo create $r; "
                          "[ $r = 0 ] && i=0 && while [ ! -e %s ] && [ $i -lt 30 ]; do sleep 1; "
                          "i=$((i + 1)); done && timeout %d tail -s 1 -n +1 -F %s 2>/dev/null | %s"
                          % (name, cfg, log, wait, log, FOLLOW % t.DOMU_MARKER),
                          t.XL_CREATE_TIMEOUT + wait + 60)
    return out if rc == 0 and "create 0" in out else None


def snapshot(t, con, keys):
    """The host's clock around a read of dom0's, then the CPU seconds of each
    domain (xl list) after `xl debug-keys KEYS` (Petrel: P starts its
    hypercall counters, p prints them) and the counts."""
    before = time.monotonic()
    rc, out = t.shell_run(con, "cat /proc/uptime", 60)
    after = time.monotonic()
    up = re.search(r"^(\d+\.\d+) \d+\.\d+$", out, re.M)
    rc, out = t.shell_run(con, "xl debug-keys %s; xl list; xl dmesg | "
                          "sed -n 's/^(XEN) hcstats: //p' | %s" % (keys, LAST_TABLE), 60)
    cpu = re.findall(r"^(\S+)\s+\d+\s+\d+\s+\d+\s+\S+\s+(\d+\.\d+)$", out, re.M)
    return {"host": (before, after), "clock": float(up.group(1)) if up else None,
            "cpu": {n: float(s) for n, s in cpu}, "calls": HCSTAT.findall(out)}


def report_run(kind, name, a, b):
    """How long the run took by the host's clock and by dom0's, how the CPU
    was shared, and Petrel's hypercall counts."""
    lo, hi = b["host"][0] - a["host"][1], b["host"][1] - a["host"][0]
    clock = b["clock"] - a["clock"] if a["clock"] and b["clock"] else 0
    print("BENCH-LINUX-INFO %s run: dom0's clock %.1f s, the host's %.1f-%.1f s; CPU s: "
          "domU %.1f, dom0 %.1f" % (kind, clock, lo, hi, b["cpu"].get(name, 0),
                                    b["cpu"].get("Domain-0", 0) - a["cpu"].get("Domain-0", 0)),
          flush=True)
    calls = " ".join("%s=%s" % (op, n) for k, op, n in b["calls"] if k == "hypercall")
    print("BENCH-LINUX-INFO %s run: hypercalls %s" % (kind, calls or "-"), flush=True)


def report_domu(kind, out):
    """The figures in the output of run_domu; whether the workload's two came."""
    m = re.search(r"^marker-cs (\d+)", out, re.M)
    if m:
        report(kind, "create-to-marker", int(m.group(1)) * 10)
    figs = FIGURE.findall(out)
    for fig, ms in figs:
        report(kind, fig, int(ms))
    m = IRQS.search(out)
    if m:
        print("BENCH-LINUX-INFO %s cpu-loop: interrupts %s (timer %s), clocksource %s"
              % (kind, m.group(2), m.group(1), m.group(3)), flush=True)
    return figs


def bench_one(t, con, res, kind, timeout):
    name, step = "bench%s" % kind, "bench-linux/%s" % kind
    start = t.free_memory(con)
    a = snapshot(t, con, "P")
    out = run_domu(t, con, name, kind)
    report_run(kind, name, a, snapshot(t, con, "p"))
    res.check(step + "-marker", out is not None and "marker-cs" in out, "no marker: %r"
              % t.shell_run(con, "tail -n 20 /tmp/bench-linux.out")[1][-600:])
    if out is not None:
        figs = report_domu(kind, out)
        res.check(step + "-workload", len(figs) == 2 and "DOMU-BENCH done" in out,
                  "figures %r: %r" % (figs, out.strip()[-600:]),
                  ", ".join("%s %s ms" % f for f in figs))
    t.shell_run(con, "xl destroy %s" % name, timeout)
    now = t.wait_free_memory(con, start)
    res.check(step + "-free", start is not None and now == start,
              "free memory %s MiB after, %s MiB before" % (now, start), "%s MiB" % now)


def check_bench_linux(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    for kind in os.environ.get("BENCH_LINUX_TYPES", "pvh,pv").split(","):
        bench_one(t, con, res, kind, timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
