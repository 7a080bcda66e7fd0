#!/usr/bin/env python3
"""Live migration between two QEMU machines: total time, pages sent, downtime.

    bench/migrate.py --hv petrel|xen [--image IMAGE] [--log-dir DIR]

The two machines of tests/system/migrate2_test.py (QEMU A and B, a virtio NIC
each on a datagram network over 127.0.0.1, xl migrate through busybox nc).
For each row of MIGBENCH_ROWS ("idle writer" by default) Debian's xl on A
creates the migbench domU (tests/guests/domu/migbench.c) as xls with
MIGBENCH_MEMORY MiB (256 by default), for the writer row with
"writer=MIGBENCH_WRITER_MIB" (16) on its command line, and `xl -vv migrate`
moves it to B; then it is destroyed on B.  The domU samples its pvclock every
5 ms and prints a beat line every 250 ms with the largest step between two
samples since the last one; the writer row also rewrites 16 MiB a second of a
16 MiB region.  Each dom0 relays the domU's console to its serial console
(migrate2_test's FIFO and tag) and the harness notes when each line arrives.

Figures per row, each printed as a "PASS name: detail" line (nothing is
judged but that xl migrate exits 0):
  total       seconds of xl migrate, and MiB the receiver's nc read
  pages       pages sent: on Petrel every page in the first pass, then the
              pages of each of the domain's "log-dirty CLEAN: N pages dirty"
              lines (xl dmesg), the last of which, after the suspend, is the
              stop-and-copy (xl migrate hides libxc's own progress lines);
              the bytes the receiver's nc read, in pages, as a check
  estimate    the stop-and-copy estimate: the last pass's pages at the
              stream's own rate (nc's bytes over xl migrate's seconds)
  downtime    from the domU's "suspending" line on A to its "back" line on B
              as the harness received them (one host clock for both
              machines; each line crosses xenconsoled, the relay and the
              serial port, so a few tens of ms either way); with, as checks,
              the last beat on A to the first on B, the domU's own wall-clock
              step (shared_info's wall time, which each hypervisor sets from
              its own RTC reading and TSC calibration: whole seconds apart
              under TCG), and the largest step of its own clock while it ran
              live on A (the stalls it saw before the suspend)
  steps       the domain's suspend to its final CLEAN, and that CLEAN to the
              domU's "back" line on B, from the hypervisor's own serial lines
              on A (Petrel's; timed as they come out)
With MIGBENCH_TRACE=1 the handover is timed step by step: Petrel boots with
domctl_trace (a serial line per domctl with the hypervisor's time, which
the harness also times as it arrives), xl migrate-receive runs with -vvv
and its stderr through dom0's `usclock -l` (each line stamped with the
microseconds since the receiver started), xl migrate on A likewise; after
the move, the same domU is saved and restored on B with `usclock -l xl -vvv
restore` (one machine, no link) for the same steps, and the trace lines,
the stamped logs and the timed lines are printed ("trace ..." lines).  On
Xen 4.17, where the move is refused, the save and restore run on A.
The last line is a table, then "migbench-<hv>: N passed, N failed".
On Debian's Xen 4.17 PV migration is refused at enabling log-dirty (no
shadow paging): the row says so and the others are skipped.
"""

import os
import re
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import migrate2_test as m2  # noqa: E402

MEMORY = int(os.environ.get("MIGBENCH_MEMORY", "256"))
WRITER_MIB = int(os.environ.get("MIGBENCH_WRITER_MIB", "16"))
ROWS = os.environ.get("MIGBENCH_ROWS", "idle writer").split()
WAIT = int(os.environ.get("MIGBENCH_WAIT", "5400"))  # seconds for one move
TRACE = os.environ.get("MIGBENCH_TRACE", "") not in ("", "0")
# MIGBENCH_GUEST=pvh: the Linux domU of /etc/xl-linux.cfg as a PVH guest
# instead of migbench (QEMU 7.2 with qemu64,+svm,+npt, as make
# test-system-save-cross-pvh); its "domu-tick N" lines, one a second, are
# the beats, so its downtime is only known to a second; the handover's steps
# (MIGBENCH_TRACE) are the finer figure.
GUEST = os.environ.get("MIGBENCH_GUEST", "migbench")
PVH_CREATE = ("xl create /etc/xl-linux.cfg 'name=\"xls\"' 'type=\"pvh\"' "
              "'extra=\"console=hvc0\"'")
PVH_TICK = re.compile(r"domu-tick (\d+)")
if TRACE:  # the hypervisor's option; Xen does not know it and ignores it
    os.environ["SYSTEM_HV_OPTS"] = (os.environ.get("SYSTEM_HV_OPTS", "") + " domctl_trace").strip()
KERNEL = "/usr/lib/petrel-domu/migbench.elf"
# The domU's lines as dom0 relays them, and the hypervisor's own (straight to
# the serial port, so timed as they happen) of the suspend and the CLEANs.
WATCH = (r"\(domU xls\) migbench: (ready|beat|suspending|back)|"
         r"^\(XEN\) d\d+: (shut down \(code 2\)|log-dirty CLEAN)|^\(XEN\) domctl d\d+ op|"
         r"\(domU xls\) domu-tick \d+")
# The traced receiver: xl -vvv migrate-receive's stderr through a FIFO into
# usclock -l, which stamps each line with the microseconds since it started.
RECEIVE_TRACED = ("rm -f /tmp/back /tmp/recv.bytes /tmp/recv.killed /tmp/recv.err; "
                  "mkfifo /tmp/back /tmp/recv.err; "
                  "(usclock -l recv cat /tmp/recv.err > /tmp/recv.out &); "
                  "(nc -l -p %d < /tmp/back | xl -vvv migrate-receive -e > /tmp/back "
                  "2> /tmp/recv.err) & sleep 1; echo nc $(pidof nc)" % m2.PORT)
SHUTDOWN = re.compile(r"\(XEN\) d(\d+): shut down \(code 2\)")
HV_CLEAN = re.compile(r"\(XEN\) d(\d+): log-dirty CLEAN")
BEAT = re.compile(r"migbench: beat (\d+) at (\d+) ms, gap (\d+) ms, dirtied (\d+)")
BACK = re.compile(r"migbench: back at (\d+) ms, wall (\d+) ms, rc (-?\d+), wall step (-?\d+) ms")
CLEAN = re.compile(r"log-dirty CLEAN: (\d+) pages dirty")


def create(a, row, args):
    extra = " 'extra=\"writer=%d\"'" % WRITER_MIB if row == "writer" else ""
    cmd = ("xl create /etc/xl-save.cfg 'kernel=\"%s\"' 'memory=%d'%s"
           % (KERNEL, MEMORY, extra))
    rc, out = m2.xl_run(a, cmd, max(args.cmd_timeout, 300))
    beats = wait_beats(a, 8)
    _, dom = a.sh("xl domid xls")
    dom = dom.strip().splitlines()[-1] if dom.strip() else ""
    return rc == 0 and beats >= 8 and dom.isdigit(), int(dom) if dom.isdigit() else -1, out


def wait_beats(h, n, since=0.0, secs=120):
    """Wait until h has relayed n beats since `since`; how many it has."""
    deadline = time.monotonic() + secs
    count = 0
    while time.monotonic() < deadline:
        count = sum(1 for t, l in h.con.watched if t >= since and BEAT.search(l))
        if count >= n:
            break
        h.con.poll(0.5)
    return count


def xl_migrate(a, b):
    """xl -vv migrate xls A to B; (rc, seconds, nc's bytes, xl's lines of note)."""
    if TRACE:
        b.sh(RECEIVE_TRACED)
        b.sh("/tmp/recv-watch > /dev/null 2>&1 & :")
    elif not m2.start_receiver(b):
        return -1, 0.0, -1, "no receiver on b"
    t0 = time.monotonic()
    xl = "usclock -l send xl -vvv" if TRACE else "xl -vv"
    rc, out = a.sh("%s migrate -s /tmp/migrate-to xls %s > /tmp/xl.out 2>&1; echo rc=$?"
                   % (xl, b.addr), WAIT)
    took = time.monotonic() - t0
    m = re.search(r"^rc=(\d+)$", out, re.M)
    nbytes, _ = m2.receiver_report(b)
    _, log = a.sh("tr '\\r' '\\n' < /tmp/xl.out | grep -a -i -E 'iteration|logdirty|fail|error'"
                  " | tail -n 60")
    return (int(m.group(1)) if m else -1), took, nbytes, log


def clean_counts(h, dom):
    """Petrel's log-dirty CLEAN dirty counts for domain dom, in order."""
    _, out = h.sh("xl dmesg | grep -a 'd%d: log-dirty CLEAN' | sed 's/^(XEN) //'" % dom)
    return [int(m.group(1)) for m in CLEAN.finditer(out)]


def downtimes(a, b, since):
    """(harness downtime, last beat on A to first line on B, guest wall step,
    largest live gap on A in ms), -1 where a line is missing."""
    lines = m2.guest_lines((a, b), since)
    down = m2.downtime(
        [(t, h, l.replace("migbench: back at", "back from the suspend")) for t, h, l in lines],
        a, b)
    susp = [t for t, h, l in lines if h == "a" and "suspending" in l]
    last_a = [t for t, h, l in lines if h == "a" and BEAT.search(l) and (not susp or t <= susp[-1])]
    first_b = [t for t, h, l in lines if h == "b" and "migbench" in l]
    beat_gap = first_b[0] - last_a[-1] if last_a and first_b else -1.0
    wall = [int(m.group(4)) for _, h, l in lines if h == "b" for m in [BACK.search(l)] if m]
    live = [int(m.group(3)) for t, h, l in lines if h == "a" and (not susp or t <= susp[-1])
            for m in [BEAT.search(l)] if m]
    return down, beat_gap, (wall[0] if wall else -1), (max(live) if live else -1)


def timeline(a, b, dom, since):
    """Seconds from the domain's suspend on A (the hypervisor's shutdown line)
    to its final CLEAN there, and from that CLEAN to the domU's "back" line on
    B as the harness received them; -1 where a line is missing."""
    lines = m2.guest_lines((a, b), since)
    shut = [t for t, h, l in lines for m in [SHUTDOWN.search(l)] if m and int(m.group(1)) == dom]
    clean = [t for t, h, l in lines for m in [HV_CLEAN.search(l)] if m and int(m.group(1)) == dom]
    back = [t for t, h, l in lines if h == "b" and "migbench: back at" in l]
    final = [t for t in clean if shut and t >= shut[0]]
    return (final[0] - shut[0] if final else -1.0,
            back[0] - final[0] if final and back else -1.0)


def print_trace(hosts, since, what):
    """The timed lines of both machines since `since` (harness seconds from
    it; the domctl lines carry the hypervisor's own microseconds too)."""
    print("trace %s: the lines as the harness received them, seconds from the start" % what)
    for t, h, l in m2.guest_lines(hosts, since):
        print("trace %s %s %8.3f %s" % (what, h, t - since, l.strip()))


# Steps of a usclock -l log of xl -vvv: (name, what its line contains); the
# first line after the one before that contains it.
RECV_STEPS = (("libxc done", "xc: info: Restore successful"),
              ("stream end", "process_record: Record: 0,"),
              ("console watch", "wpath=/local/domain/%d/console/tty token=3/0: register"),
              ("console tty", "wpath=/local/domain/%d/console/tty token=3/0: event"),
              ("restore done", "complete, rc=0"),
              ("asks to go", "requesting permission"),
              ("may go", "Got permission"),
              ("unpause asked", "libxl_domain_unpause: Domain %d:ao"))
SEND_STEPS = (("suspend asked", "suspend request via XenBus"),
              ("guest suspended", "guest has suspended"),
              ("stream sent", "save-helper: debug: complete"),
              ("target restored", "Target has acknowledged"),
              ("target started", "Target reports successful"))
STAMP = re.compile(r"^\s*(\d+) (.*)$")


def log_steps(text, steps, dom):
    """[(step, seconds from the step before)] of a usclock -l log."""
    out, at, prev = [], 0, None
    lines = [(int(m.group(1)), m.group(2)) for l in text.splitlines()
             for m in [STAMP.match(l)] if m]
    for name, key in steps:
        key = key % dom if "%d" in key else key
        hit = next((i for i in range(at, len(lines)) if key in lines[i][1]), -1)
        if hit < 0:
            out.append((name, -1.0))
            continue
        us = lines[hit][0]
        out.append((name, (us - prev) / 1e6 if prev is not None else 0.0))
        prev, at = us, hit + 1
    return out


def print_log(h, path, what, lines=250, steps=None, dom=-1):
    """The tail of a usclock -l log in h's dom0, and its steps split."""
    _, out = h.sh("tail -n %d %s" % (lines, path), 120)
    for l in out.splitlines():
        print("trace %s %s log: %s" % (what, h.name, l.rstrip()))
    if steps:
        print("trace %s %s steps (s from the step before): %s" % (
            what, h.name, ", ".join("%s %.3f" % st for st in log_steps(out, steps, dom))))


def b_dom(h):
    """The domain id of xls on h (-1 if none)."""
    _, out = h.sh("xl domid xls")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    return int(last) if last.isdigit() else -1


def restore_compare(h, row, res):
    """xl save of the domU on h, then usclock -l xl -vvv restore of it there:
    the restore's steps on one machine, without the link."""
    rc, out = m2.xl_run(h, "xl save xls /tmp/mb.save", 900)
    if not res.check(row + "/save", rc == 0, "xl save: %s" % out, "xl save on %s" % h.name):
        return
    since = time.monotonic()
    rc, out = h.sh("usclock -l restore xl -vvv restore /tmp/mb.save > /tmp/restore.out 2>&1;"
                   " echo rc=$?", 900)
    took = time.monotonic() - since
    wait_beats(h, 4, since)
    res.check(row + "/restore", "rc=0" in out, "xl restore: %s" % out,
              "xl restore on %s %.2f s" % (h.name, took))
    print_trace([h], since, "restore")
    print_log(h, "/tmp/restore.out", "restore", steps=RECV_STEPS, dom=b_dom(h))
    h.sh("rm -f /tmp/mb.save")


def pvh_ticks(h):
    """The domU's ticks h has relayed (the watched lines hold the trace's too)."""
    return sum(1 for _, l in h.con.watched if PVH_TICK.search(l))


def measure_pvh(a, b, row, args, res, table):
    """The PVH Linux domU moved A to B once: xl migrate's figures, the
    largest gap between two of its ticks as the harness received them, and
    (MIGBENCH_TRACE) the handover's steps."""
    rc, out = m2.xl_run(a, PVH_CREATE, 900)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and pvh_ticks(a) < 3:
        a.sh("sleep 2", 30)
    if not res.check(row + "/create", rc == 0 and pvh_ticks(a) >= 3, "rc=%d %r" % (rc, out),
                     "PVH Linux domU ticking on a"):
        return False
    since = time.monotonic()
    rc, took, nbytes, log = xl_migrate(a, b)
    if not res.check(row + "/migrate", rc == 0, "rc %d after %.0f s: %s" % (rc, took, log[-600:]),
                     "%.1f s, %.1f MiB through nc" % (took, nbytes / 1048576.0)):
        table.append((row, "failed: " + log.strip()[-200:].replace("\n", " ")))
        a.sh("xl destroy xls")
        return False
    b.sh("sleep 8", 30)
    lines = m2.guest_lines((a, b), since)
    tk = [(t, h) for t, h, l in lines if PVH_TICK.search(l)]
    gaps = [(y[0] - x[0], x[1] + y[1]) for x, y in zip(tk, tk[1:])]
    gap = max(gaps) if gaps else (-1.0, "")
    res.ok(row + "/downtime", "largest gap between two ticks %.2f s (%s), %.3f MiB/s"
           % (gap[0], gap[1], nbytes / took / 1048576.0 if took else 0))
    if TRACE:
        print_trace([a, b], since, "migrate")
        print_log(b, "/tmp/recv.out", "migrate", steps=RECV_STEPS, dom=b_dom(b))
        print_log(a, "/tmp/xl.out", "migrate", 80, steps=SEND_STEPS)
    table.append((row, took, nbytes, -1, 0, -1, -1.0, gap[0], -1, -1))
    b.sh("xl destroy xls")
    return True


def measure(a, b, row, args, res, table):
    if GUEST == "pvh":
        return measure_pvh(a, b, row, args, res, table)
    ok, dom, out = create(a, row, args)
    if not res.check(row + "/create", ok, "xl create: %r, domid %d" % (out, dom),
                     "%d MiB, domain %d" % (MEMORY, dom)):
        return False
    since = time.monotonic()
    rc, took, nbytes, log = xl_migrate(a, b)
    if rc != 0:
        refused = "failed to enable logdirty" in log.lower()
        why = "refused at enabling log-dirty" if refused else "failed"
        detail = "rc %d after %.0f s: %s" % (rc, took, log.strip()[-600:])
        if refused:
            res.ok(row + "/migrate", why + ": " + detail)
        else:
            res.check(row + "/migrate", False, detail)
        table.append((row, why))
        if TRACE:
            restore_compare(a, row, res)
        a.sh("xl destroy xls")
        return False
    res.ok(row + "/migrate", "%.1f s, %.1f MiB through nc" % (took, nbytes / 1048576.0))
    wait_beats(b, 8, since)
    # The first pass sends every page, each CLEAN's dirty pages the next one;
    # the last CLEAN comes after the suspend: the stop-and-copy.
    cleans = clean_counts(a, dom) if args.hv == "petrel" else []
    passes = [MEMORY * 256] + cleans
    sent, last = sum(passes), passes[-1]
    rate = nbytes / took if took > 0 and nbytes > 0 else 0.0
    est = last * 4096.0 / rate if rate else -1.0
    res.ok(row + "/pages", "%d sent in %d passes (%s), the last %d; %.0f pages' worth "
           "through nc; stream %.3f MiB/s; stop-and-copy estimate %.2f s"
           % (sent, len(passes), " ".join(map(str, passes)), last, nbytes / 4096.0,
              rate / 1048576.0, est))
    down, beat_gap, wall, live = downtimes(a, b, since)
    res.ok(row + "/downtime", "%.2f s suspending to back (last beat on a to first line on "
           "b %.2f s); the domU's wall-clock step %d ms; its largest live step on a %d ms"
           % (down, beat_gap, wall, live))
    to_clean, to_back = timeline(a, b, dom, since)
    res.ok(row + "/steps", "suspend to final CLEAN %.2f s, final CLEAN to back on b %.2f s "
           "(the last pass, the stream's end, the restore and xl's handshake, the unpause)"
           % (to_clean, to_back))
    table.append((row, took, nbytes, sent, len(passes), last, est, down, wall, live))
    if TRACE:
        print_trace([a, b], since, "migrate")
        print_log(b, "/tmp/recv.out", "migrate", steps=RECV_STEPS, dom=b_dom(b))
        print_log(a, "/tmp/xl.out", "migrate", 80, steps=SEND_STEPS)
        restore_compare(b, row, res)
    b.sh("xl destroy xls")
    m2.wait_free(b, args.free0["b"])
    return True


def print_table(hv, table):
    print("| row (%s, %d MiB) | total s | MiB through nc | pages sent | passes | last "
          "pass pages | stop-and-copy estimate s | downtime s | guest wall step ms | "
          "largest live step ms |" % (hv, MEMORY))
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        if len(r) == 2:
            print("| %s | %s |" % r)
        else:
            row, took, nbytes, sent, n, last, est, down, wall, live = r
            print("| %s | %.1f | %.1f | %d | %d | %d | %.1f | %.2f | %d | %d |"
                  % (row, took, nbytes / 1048576.0, sent, n, last, est, down, wall, live))


def plan_steps(a, b, args, res):
    for h in (a, b):
        m2.setup_host(h)
    m2.check_net(a, b, res)
    args.free0 = {h.name: h.free_memory() for h in (a, b)}
    res.ok("setup", "rows %s, %d MiB, writer %d MiB/s; host load %.1f %.1f %.1f"
           % ((" ".join(ROWS), MEMORY, WRITER_MIB) + os.getloadavg()))
    table = []
    for row in ROWS:
        t0 = time.monotonic()
        going = measure(a, b, row, args, res, table)
        print("note: row %s took %.0f s, host load %.1f %.1f %.1f"
              % ((row, time.monotonic() - t0) + os.getloadavg()), flush=True)
        if not going:
            break
    print_table(args.hv, table)


PLAN = m2.Plan("migbench", "live migration benchmark over two QEMU machines",
               m2.machine_argv, plan_steps, WATCH, None)

if __name__ == "__main__":
    sys.exit(m2.main(PLAN))
