#!/usr/bin/env python3
"""System test: live migration between two hosts.

    migrate2_test.py --hv petrel|xen [--image IMAGE] [--log-dir DIR]

Two QEMU machines, A and B, boot the same hypervisor and dom0 image side by
side.  Each has a virtio NIC on a QEMU datagram network joined over
127.0.0.1 (two UDP ports, one a machine), dom0 puts a static address on it
(A 192.168.78.1, B .2).  Debian's xl on A creates the save-restore guest
(tests/guests/tests/save-restore.c: it counts every 250 ms and rewrites 64
pages of a 4 MiB journal each tick), then `xl migrate -s /tmp/migrate-to xls
HOST` moves it: xl runs "/tmp/migrate-to HOST xl migrate-receive", which is
busybox nc to port 5000 of HOST, where nc listens with `xl migrate-receive
-e` behind it.  The guest goes A to B, then back to A, then a third move is
broken by killing the receiver's nc once it has read half of the first
stream.  Checks, "PASS name" / "FAIL name: why":
  boot-a, boot-b    both dom0 shells
  net               dom0 A pings dom0 B over the datagram network
  create            xl create on A, the guest counts
  X-Y/migrate       xl migrate exits 0; the guest is listed on Y only
  X-Y/memory        the guest's verdict on Y: its pattern pages and every
                    journal page as it last wrote them (save-restore: PASS)
  X-Y/running       it counts on at Y
  X-Y/ticks         its ticks, as the two serial consoles show them (dom0
                    relays the guest's console there: xenconsoled's log of it
                    is a FIFO that a shell loop copies to dom0's console with
                    the tag "(domU xls) "; the harness notes when each line
                    arrived), go on one by one
                    with no number missing or repeated, and no gap between
                    two is longer than the downtime (the guest's "suspending"
                    line on X to its "back from the suspend" line on Y) plus
                    a tick and a second of slack; the downtime is reported
  X-Y/source-free   X's free memory (xl info) back where it was before the
                    guest came
  X-Y/dest-memory   Y's free memory down by what the guest took on A
  a-b-broken/*      the broken move: xl migrate fails, the guest counts on
                    at A (and still lists there), B is left with no domain
                    and its free memory back
On Debian's Xen 4.17 (--hv xen) the first move is refused at enabling
log-dirty (no shadow paging for PV guests): a-b-refused checks the refusal,
the guest counting on at A and nothing left on B, and the test ends there.
The last line is "migrate2-<hv>: N passed, N failed".
"""

import argparse
import collections
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
from dom0_system_test import (XENCONSOLED, XL_CONSOLE_DIR, XL_LIST_ROW,  # noqa: E402
                              Results, shell_run)
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

ADDR = {"a": "192.168.78.1", "b": "192.168.78.2"}
MAC = {"a": "52:54:00:78:00:01", "b": "52:54:00:78:00:02"}
PORT = 5000
TICK_S = 0.25  # the guest's tick
GAP_SLACK_S = 1.0  # more than a tick between two lines that the harness may see
MIGRATE_WAIT = 900  # seconds: the live passes over 32 MiB through nc under TCG
# The guest's console lines as dom0 relays them (RELAY), which the harness times
# (anywhere in a console line: one may land in the echo of a line being typed).
TAG = "(domU xls) "
GUEST_LINE = r"\(domU xls\) save-restore: (tick \d+|suspending|back from the suspend|PASS|FAIL)"
# xenconsoled's logs of the guest, as xls and as xls--incoming (a migrated-in
# domain's name until the move ends) are FIFOs; a loop per FIFO copies each
# line to dom0's console (the shell's output) with TAG.
RELAY = ("mkdir -p %s && cd %s && for f in guest-xls.log guest-xls--incoming.log; do "
         "rm -f $f; mkfifo $f; (while :; do while read -r l; do echo \"%s$l\"; done < $f; "
         "done &); done; cd /" % (XL_CONSOLE_DIR, XL_CONSOLE_DIR, TAG))

# The sender's transport: xl runs "/tmp/migrate-to HOST xl migrate-receive"
# and talks to its stdin and stdout; the receiving end is fixed (RECEIVE).
MIGRATE_TO = "#!/bin/sh\\nexec nc \"$1\" %d\\n" % PORT
# The receiving end: nc listens and xl migrate-receive reads and answers
# through it (a FIFO for the answers), so killing nc breaks the link.
RECEIVE = ("rm -f /tmp/back /tmp/recv.bytes /tmp/recv.killed; mkfifo /tmp/back; "
           "(nc -l -p %d < /tmp/back | xl -v migrate-receive -e > /tmp/back 2> /tmp/recv.out) "
           "& sleep 1; echo nc $(pidof nc)" % PORT)
# recv-watch [KILL_AT [VICTIM]]: the bytes nc has read (rchar) into
# /tmp/recv.bytes every 0.2 s while it runs; at KILL_AT or more, kill VICTIM
# (nc by default, or xl: xl migrate-receive) with SIGKILL.
RECV_WATCH = ("#!/bin/sh\\npid=$(pidof nc) || exit 1\\nkill_at=${1:-0}\\nvictim=${2:-nc}\\n"
              "while [ -r /proc/$pid/io ]; do\\n"
              "\\twhile read k v; do [ \"$k\" = rchar: ] && n=$v; done < /proc/$pid/io\\n"
              "\\t[ -n \"$n\" ] && echo $n > /tmp/recv.bytes\\n"
              "\\tif [ $kill_at -gt 0 ] && [ \"${n:-0}\" -ge $kill_at ]; then\\n"
              "\\t\\tkill -9 $(pidof $victim); echo killed at $n: $victim > /tmp/recv.killed\\n"
              "\\t\\texit 0\\n\\tfi\\n"
              "\\tusleep 200000\\ndone\\n")


class Host:
    def __init__(self, name, con):
        self.name, self.con = name, con
        self.addr = ADDR[name]

    def sh(self, cmd, timeout=60):
        """Run cmd in dom0's shell; its output without the relayed guest lines."""
        rc, out = shell_run(self.con, cmd, timeout)
        return rc, "".join(l for l in out.splitlines(True) if not l.startswith(TAG))

    def lines(self, since=0.0):
        """The guest's relayed lines seen since `since` (time.monotonic())."""
        return [line[line.index(TAG) + len(TAG):] for t, line in self.con.watched if t >= since]

    def last_tick(self):
        ticks = [int(m.group(1)) for l in self.lines() for m in [TICK.search(l)] if m]
        return max(ticks) if ticks else -1

    def free_memory(self):
        rc, out = self.sh("xl info | awk '$1 == \"free_memory\" { print $3 }'")
        return int(out.strip()) if rc == 0 and out.strip().isdigit() else -1


TICK = re.compile(r"save-restore: tick (\d+)")


def free_udp_ports(n):
    """n UDP ports of 127.0.0.1 that nobody uses right now."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def machine_argv(args, name, local, remote, extra=()):
    nic = ["-netdev", "dgram,id=mig,local.type=inet,local.host=127.0.0.1,local.port=%d,"
           "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (local, remote),
           "-device", "virtio-net-pci,netdev=mig,mac=%s" % MAC[name]]
    return hvboot.qemu_argv(args.hv, args.kernel, args.initrd, image=args.image,
                            extra=nic + list(extra))


def boot(hosts, res, timeout):
    for h in hosts:
        h.con.expect(re.escape(hvboot.MARKER), timeout, fail=hvboot.BOOT_FAILURE)
        h.con.sync()
        res.ok("boot-" + h.name, "shell after %.1f s" % h.con.elapsed())


def setup_host(h):
    """The NIC's address, the console daemon and the two transport scripts."""
    h.sh("for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = %s ] && i=${n##*/}; done; "
         "ip addr add %s/24 dev $i && ip link set $i up && echo $i up"
         % (MAC[h.name], h.addr))
    h.sh(RELAY)
    setup_tools(h)


def setup_tools(h):
    """The console daemon and the two transport scripts."""
    h.sh(XENCONSOLED)
    h.sh("printf '%s' > /tmp/migrate-to; printf '%s' > /tmp/recv-watch; "
         "chmod +x /tmp/migrate-to /tmp/recv-watch" % (MIGRATE_TO, RECV_WATCH))


def check_net(a, b, res):
    rc, out = a.sh("ping -c 3 -W 5 %s" % b.addr, 60)
    res.check("net", rc == 0 and " 0% packet loss" in out, "rc=%d %r" % (rc, out.strip()[-300:]),
              out.strip().splitlines()[-1] if out.strip() else "")


def xl_run(h, cmd, timeout):
    """Run an xl command on h; (rc, its output's tail)."""
    rc, out = h.sh("%s > /tmp/xl.out 2>&1; echo rc=$?; tail -n 15 /tmp/xl.out" % cmd, timeout)
    m = re.search(r"^rc=(\d+)$", out, re.M)
    return (int(m.group(1)) if m else -1), out.strip()[-900:]


def wait_tick(h, tick, secs=90):
    """Wait until h relays the guest's tick `tick`; the last tick seen."""
    deadline = time.monotonic() + secs
    while h.last_tick() < tick and time.monotonic() < deadline:
        h.con.poll(0.5)
    return h.last_tick()


def domains(h):
    """The domains h lists besides dom0, and xl list's lines."""
    _, out = h.sh("xl list")
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    rows = [m.groups() for m in map(XL_LIST_ROW.match, lines[1:]) if m]
    return sorted(r[0] for r in rows if r[0] != "Domain-0"), lines


def wait_free(h, want, secs=30):
    """xl info's free memory on h, polled until it is `want` (MiB)."""
    free = h.free_memory()
    for _ in range(secs):
        if free == want:
            break
        h.sh("sleep 1")
        free = h.free_memory()
    return free


def start_receiver(dst, kill_at=0, victim="nc"):
    rc, out = dst.sh(RECEIVE)
    dst.sh("/tmp/recv-watch %d %s > /dev/null 2>&1 & :" % (kill_at, victim))
    return "nc " in out and out.split()[-1].isdigit()


def receiver_report(dst):
    """The bytes the receiver's nc read and the end of xl migrate-receive's output."""
    dst.sh("i=0; while pidof nc > /dev/null && [ $i -lt 150 ]; do usleep 200000; "
           "i=$((i+1)); done")
    _, out = dst.sh("cat /tmp/recv.bytes; cat /tmp/recv.killed 2>/dev/null; "
                    "tail -n 8 /tmp/recv.out")
    first = out.split()[0] if out.split() else ""
    return (int(first) if first.isdigit() else -1), out.strip()


def migrate(src, dst, kill_at=0, victim="nc", dom="xls", wait=MIGRATE_WAIT):
    """xl migrate of dom from src to dst (the receiver's `victim` killed
    once nc has read kill_at bytes), `wait` s at most; (xl's rc, its output's tail, the
    receiver's byte count and report, seconds taken)."""
    if not start_receiver(dst, kill_at, victim):
        return -1, "no receiver listening on %s" % dst.name, -1, "", 0
    t0 = time.monotonic()
    rc, out = xl_run(src, "xl -v migrate -s /tmp/migrate-to %s %s" % (dom, dst.addr),
                     wait)
    took = time.monotonic() - t0
    nbytes, report = receiver_report(dst)
    return rc, out, nbytes, report, took


def guest_lines(hosts, since):
    """(arrival time, host, line) of the guest's console_io lines both
    serial consoles showed from `since` on, in arrival order."""
    lines = [(t, h.name, line) for h in hosts for t, line in h.con.watched if t >= since]
    return sorted(lines)


def tick_gaps(lines):
    """From the timed lines: the tick numbers in arrival order and the
    largest time between two ticks in a row (with the tick after it)."""
    ticks = [(t, int(m.group(1))) for t, _, l in lines
             for m in [re.search(r"tick (\d+)", l)] if m]
    gaps = [(b[0] - a[0], b[1]) for a, b in zip(ticks, ticks[1:])]
    return [n for _, n in ticks], max(gaps) if gaps else (0.0, -1)


def downtime(lines, src, dst):
    """Seconds from the guest's "suspending" line on src to its "back from
    the suspend" line on dst (-1 if either is missing)."""
    down = [t for t, h, l in lines if h == src.name and "suspending" in l]
    up = [t for t, h, l in lines if h == dst.name and "back from the suspend" in l]
    return (up[0] - down[-1]) if down and up and up[0] > down[-1] else -1.0


def check_ticks(name, hosts, src, dst, since, res, timed=True):
    """The ticks go on one by one from src's to dst's; if `timed`, no gap
    between two longer than the downtime plus slack (else it is reported)."""
    lines = guest_lines(hosts, since)
    nums, (gap, after) = tick_gaps(lines)
    down = downtime(lines, src, dst)
    steady = bool(nums) and nums == list(range(nums[0], nums[0] + len(nums)))
    moved = any(h == src.name for _, h, l in lines if "tick" in l) and \
        bool(lines) and lines[-1][1] == dst.name
    breaks = ["%d then %d" % (m, n) for m, n in zip(nums, nums[1:]) if n != m + 1]
    span = "%d..%d" % (nums[0], nums[-1]) if steady else "with breaks %s" % breaks[:10]
    res.check(name + "/ticks", steady and moved and
              (not timed or 0 <= down and gap <= down + TICK_S + GAP_SLACK_S),
              "ticks %s; largest gap %.2f s (before tick %d), downtime %.2f s; last line %r"
              % (span, gap, after, down, lines[-1] if lines else None),
              "downtime %.2f s, ticks %s one by one, largest gap %.2f s before tick %d"
              % (down, span, gap, after))


def check_move(src, dst, res, guest_mb, free0):
    """One live migration src -> dst and its checks; the stream's size in bytes."""
    name = "%s-%s" % (src.name, dst.name)
    before = src.last_tick()
    dst_free = dst.free_memory()
    since = time.monotonic()
    rc, out, nbytes, report, took = migrate(src, dst)
    src_doms, src_lines = domains(src)
    dst_doms, dst_lines = domains(dst)
    res.check(name + "/migrate", rc == 0 and src_doms == [] and dst_doms == ["xls"],
              "rc=%d %r; %s lists %r, %s lists %r; receiver: %r"
              % (rc, out, src.name, src_lines, dst.name, dst_lines, report),
              "%.0f s, %.1f MiB through nc" % (took, nbytes / 1048576.0))
    arrived = dst.last_tick()
    after = wait_tick(dst, arrived + 8)
    log = src.lines(since) + dst.lines(since)
    verdicts = [l for l in log if re.search(r"save-restore: (PASS|FAIL)", l)]
    res.check(name + "/memory", len(verdicts) == 1 and "PASS resumed" in verdicts[0],
              "verdicts on %s: %r" % (dst.name, verdicts), verdicts[-1] if verdicts else "")
    res.check(name + "/running", arrived > before and after >= arrived + 8,
              "tick %d before, %d on %s after the move, %d later" % (before, arrived, dst.name,
                                                                   after),
              "tick %d on %s, %d on %s, then %d" % (before, src.name, arrived, dst.name, after))
    check_ticks(name, (src, dst), src, dst, since, res)
    free = wait_free(src, free0[src.name])
    res.check(name + "/source-free", free == free0[src.name],
              "%s free %d MiB, %d before the guest" % (src.name, free, free0[src.name]),
              "%d MiB" % free)
    got = dst.free_memory()
    res.check(name + "/dest-memory", dst_free - got == guest_mb,
              "%s free %d MiB before, %d after: the guest took %d MiB at its creation"
              % (dst.name, dst_free, got, guest_mb), "down %d MiB" % (dst_free - got))
    return nbytes


def check_broken_move(src, dst, res, cut, free0):
    """The receiver's nc killed once it has read `cut` bytes: the move fails,
    the guest runs on at src, dst keeps nothing."""
    name = "%s-%s-broken" % (src.name, dst.name)
    before = src.last_tick()
    since = time.monotonic()
    rc, out, nbytes, report, took = migrate(src, dst, cut)
    src_doms, src_lines = domains(src)
    dst_doms, dst_lines = domains(dst)
    res.check(name + "/migrate", rc != 0 and "killed at" in report and src_doms == ["xls"],
              "rc=%d %r; receiver %r; %s lists %r" % (rc, out, report, src.name, src_lines),
              "xl migrate rc %d after %.0f s, nc killed at %.1f MiB"
              % (rc, took, nbytes / 1048576.0))
    after = wait_tick(src, max(before, src.last_tick()) + 8)
    log = src.lines(since) + dst.lines(since)
    res.check(name + "/running", after >= before + 8 and not [l for l in log if "FAIL" in l],
              "tick %d before, %d after on %s" % (before, after, src.name),
              "tick %d before, %d after" % (before, after))
    free = wait_free(dst, free0[dst.name])
    dst_doms, dst_lines = domains(dst)
    res.check(name + "/dest-clean", dst_doms == [] and free == free0[dst.name],
              "%s lists %r, free %d MiB (%d before)" % (dst.name, dst_lines, free,
                                                       free0[dst.name]), "%d MiB free" % free)


def check_refused(a, b, res, free0):
    """Xen 4.17: xl migrate fails at enabling log-dirty, the guest runs on."""
    before = a.last_tick()
    rc, out, _, report, _ = migrate(a, b)
    a_doms, a_lines = domains(a)
    b_doms, b_lines = domains(b)
    _, why = a.sh("grep -m 1 'Failed to enable logdirty' /tmp/xl.out")
    res.check("a-b-refused", rc != 0 and "logdirty" in why and a_doms == ["xls"] and
              b_doms == [], "rc=%d %r; a lists %r, b lists %r; receiver %r"
              % (rc, out, a_lines, b_lines, report), why.strip()[-200:])
    after = wait_tick(a, max(before, a.last_tick()) + 8)
    res.check("a-b-refused-running", after >= before + 8,
              "tick %d before, %d after" % (before, after),
              "tick %d before, %d after" % (before, after))
    free = wait_free(b, free0["b"])
    res.check("a-b-refused-dest", free == free0["b"],
              "b free %d MiB, %d before" % (free, free0["b"]), "%d MiB" % free)


def migrations(a, b, hv, res, timeout):
    for h in (a, b):
        setup_host(h)
    check_net(a, b, res)
    free0 = {h.name: h.free_memory() for h in (a, b)}
    rc, out = xl_run(a, "xl create /etc/xl-save.cfg", timeout)
    tick = wait_tick(a, 4)
    guest_mb = free0["a"] - a.free_memory()
    if not res.check("create", rc == 0 and tick >= 4, "rc=%d %r, tick %d" % (rc, out, tick),
                     "the guest took %d MiB" % guest_mb):
        return
    if hv == "xen":
        check_refused(a, b, res, free0)
        return
    nbytes = check_move(a, b, res, guest_mb, free0)
    check_move(b, a, res, guest_mb, free0)
    if nbytes > 0:
        check_broken_move(a, b, res, nbytes // 2, free0)
    a.sh("xl destroy xls")
    free = wait_free(a, free0["a"])
    res.check("destroy", free == free0["a"], "a free %d MiB, %d before the guest"
              % (free, free0["a"]), "%d MiB" % free)


# A test on the two machines: its name (of its logs and closing line), its
# description, each machine's QEMU argv(args, name, local port, remote port),
# its steps migrations(a, b, args, res) once both shells are up, the guest's
# console lines its consoles time (watch), and prepare(args) before the boots.
Plan = collections.namedtuple("Plan", "name what argv migrations watch prepare")


def run(args, res, plan):
    pa, pb = free_udp_ports(2)
    hosts = []
    try:
        for name, local, remote in (("a", pa, pb), ("b", pb, pa)):
            argv = plan.argv(args, name, local, remote)
            print("qemu %s: %s" % (name, hvboot.shell_quote(argv)), flush=True)
            log = os.path.join(args.log_dir, "%s-%s-%s.log" % (args.hv, plan.name, name))
            hosts.append(Host(name, SerialConsole(argv, log_path=log, watch=plan.watch)))
        a, b = hosts
        a.con.companions, b.con.companions = [b.con], [a.con]
        step = "boot"
        try:
            boot(hosts, res, args.boot_timeout)
            step = "migrate"
            t0 = time.monotonic()
            plan.migrations(a, b, args, res)
            print("note: the migrations took %.0f s" % (time.monotonic() - t0), flush=True)
            step = "poweroff"
            for h in hosts:
                h.con.send_line("poweroff")
            for h in hosts:
                status = h.con.wait_exit(args.poweroff_timeout)
                res.check("poweroff-" + h.name, status == 0, "QEMU exit status %d" % status)
        except ConsoleError as e:
            res.bad(step, str(e))
        if res.failed:
            for h in hosts:
                print("---- last lines of %s's serial console ----" % h.name)
                print(h.con.tail(args.tail))
            print("---- end of serial consoles ----", flush=True)
    finally:
        for h in hosts:
            h.con.close()


def migrate_xls(a, b, args, res):
    migrations(a, b, args.hv, res, args.cmd_timeout)


XLS_PLAN = Plan("migrate2", "live migration between two QEMU machines", machine_argv,
                migrate_xls, GUEST_LINE, None)


def main(plan=XLS_PLAN):
    ap = argparse.ArgumentParser(description=plan.what)
    ap.add_argument("--hv", choices=sorted(hvboot.HV_IMAGES), required=True)
    ap.add_argument("--image", help="hypervisor binary (default: the --hv one in build/)")
    ap.add_argument("--kernel-dir", default=os.path.join(hvboot.BUILD, "dom0"))
    ap.add_argument("--log-dir", default=os.path.join(hvboot.BUILD, "system"),
                    help="the serial logs go here as HV-%s-a.log and -b.log" % plan.name)
    ap.add_argument("--boot-timeout", type=float, default=600)
    ap.add_argument("--cmd-timeout", type=float, default=60)
    ap.add_argument("--poweroff-timeout", type=float, default=120)
    ap.add_argument("--tail", type=int, default=30, help="log lines shown on failure")
    args = ap.parse_args()
    args.kernel, args.initrd = hvboot.default_dom0(args.kernel_dir)
    os.makedirs(args.log_dir, exist_ok=True)
    res = Results()
    try:
        if plan.prepare:
            plan.prepare(args)
        run(args, res, plan)
    except (FileNotFoundError, ValueError) as e:
        res.bad("setup", str(e))
    print("%s-%s: %d passed, %d failed" % (plan.name, args.hv, res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
