"""The Linux domU benchmark (step bench-linux, bench/linux-domu.sh).

    check_bench_linux(t, con, res, timeout)

For each guest type, PVH then PV, Debian's xl creates the Linux domU (dom0's
kernel and the busybox initramfs, 128 MiB, one vCPU) with domu_bench=N on
its command line.  dom0 times `xl create` to the domU's marker in
xenconsoled's log (dom0's /proc/uptime; console-wait looks every 0.2 s);
then the domU's /bin/domu-bench times N fork+execs of /bin/true and a shell
loop of 500*N additions by its own clock and prints DOMU-BENCH lines; the
domain is destroyed and free memory comes back.  Each figure goes to the
output as "BENCH-LINUX <type> <figure> <ms>".  The checks are that the domU
booted and printed its figures, never how long anything took.

`t` is the system test's module (dom0_system_test).
"""

import os
import re

ROUNDS = int(os.environ.get("BENCH_LINUX_N", "200"))
BENCH_WAIT = 1200  # seconds for the workload under nested TCG on a loaded host
FIGURE = re.compile(r"DOMU-BENCH (\S+) (\d+) ms")


def report(kind, figure, ms):
    print("BENCH-LINUX %s %s %d" % (kind, figure, ms), flush=True)


def create_to_marker(t, con, name, kind):
    """xl create of the domU `name` of type `kind`; the centiseconds from the
    start of xl create to its marker in the console log, or None."""
    cfg = "'type=\"%s\"' 'extra=\"console=hvc0 domu_bench=%d\"'" % (kind, ROUNDS)
    rc, out = t.shell_run(con, "read a _ </proc/uptime; xl create /etc/xl-linux.cfg "
                          "'name=\"%s\"' %s >/tmp/bench-linux.out 2>&1 && "
                          "console-wait %s '%s' %d >/dev/null; echo rc $?; "
                          "read b _ </proc/uptime; echo took $a $b"
                          % (name, cfg, name, t.DOMU_MARKER, t.PVH_LINUX_BOOT_WAIT),
                          t.XL_CREATE_TIMEOUT + t.PVH_LINUX_BOOT_WAIT + 30)
    m = re.search(r"rc 0\s+took (\d+)\.(\d+) (\d+)\.(\d+)", out)
    if rc != 0 or not m:
        return None
    a = int(m.group(1)) * 100 + int(m.group(2))
    return int(m.group(3)) * 100 + int(m.group(4)) - a


def bench_one(t, con, res, kind, timeout):
    name, step = "bench%s" % kind, "bench-linux/%s" % kind
    start = t.free_memory(con)
    cs = create_to_marker(t, con, name, kind)
    if res.check(step + "-marker", cs is not None, "no marker: %r"
                 % t.shell_run(con, "tail -n 20 /tmp/bench-linux.out")[1][-600:],
                 "%d ms" % (cs * 10) if cs is not None else ""):
        report(kind, "create-to-marker", cs * 10)
        rc, out = t.console_log_wait(con, name, "DOMU-BENCH done", BENCH_WAIT)
        figs = FIGURE.findall(out)
        for fig, ms in figs:
            report(kind, fig, int(ms))
        res.check(step + "-workload", rc == 0 and len(figs) == 2,
                  "rc=%d, figures %r: %r" % (rc, figs, out.strip()[-600:]),
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
