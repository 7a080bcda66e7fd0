#!/usr/bin/env python3
"""Split-driver benchmark: Petrel against Debian's Xen 4.17 on the same QEMU.

    bench/split.py [--hv petrel,xen] [--runs N] [--size MIB] [--seconds S]
                   [--net-size MIB] [--pings P] [--hcstats] [--counts]
                   [--rows disk|net|all]
                   [--image FILE]
                   [--boot-timeout S] [--log-dir DIR]

Boots dom0 (build/dom0, `make dom0-image`) on each hypervisor in turn, one
QEMU at a time, with the system test's machine plus one more virtio disk in
dom0: QEMU's null block driver (reads give zeros, writes are dropped), so
that the figures are the split drivers' own path (blkfront, grant copies or
maps, event channels, blkback, dom0's virtio disk) and neither dom0's memory
nor the host's disk.  Debian's xl creates two Linux domUs (the system
test's: dom0's kernel, the busybox initramfs, 128 MiB, one vCPU) on xenbr0,
A with that disk as its xvda, and the figures are taken in them, through
their network shells (tests/system/net_checks.py), N times each:

  seq-write   dd if=/dev/zero of=/dev/xvda bs=1M count=MIB oflag=direct in A,
              timed by A's /proc/uptime (busybox dd prints no rate)
  seq-read    dd if=/dev/xvda of=/dev/null bs=1M count=MIB iflag=direct in A
  rand-read   4 KiB O_DIRECT reads at random offsets of xvda for S seconds
              in A (bench/split/splitbench.c randread), per second
  tcp-dom0    MIB MiB over TCP from A to dom0 (splitbench send, recv)
  tcp-domu    the same from A to B
  ping-dom0   average and best round trip of P pings (busybox ping -A) from
              A to dom0
  ping-domu   the same from A to B

Prints every figure, then the medians and Petrel / Xen, over 1.00x Petrel
ahead (for throughput higher is better, for round trips lower is better:
Xen's / Petrel's), bench/benchdoc.py's table.  With --hcstats, on
Petrel, its per-call cycle counters (`xl debug-keys P`, then `p`) over the
last run's figures follow.  With --counts, what each domain's kernel counted
around the sequential rows and the TCP rows (its interrupts by name, event
channels included, context switches, CPU ticks, packets, block requests, TCP segments) is printed per MiB,
on both hypervisors alike.  The table goes to build/bench/split/table.md.
Not a test: nothing is judged.  Needs make all dom0-image xen-ref.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))
import dom0_system_test as st  # noqa: E402
import hvboot  # noqa: E402
import net_checks as net  # noqa: E402
sys.path.insert(0, HERE)
from benchdoc import (HIGHER, LOWER, dom0_run, fmt, legend, load, note, publish,  # noqa: E402
                      started, table)

DISK_SERIAL = "splitbench"
DISK_MIB = 1024
PORT = 5201
DOM0_IP = st.DOM0_BRIDGE_IP
# (key, what, unit, better: benchdoc's table rows)
ROWS = (
    ("seq-write", "sequential write, 1 MiB O_DIRECT, domU xvda", "MB/s", HIGHER),
    ("seq-read", "sequential read, 1 MiB O_DIRECT, domU xvda", "MB/s", HIGHER),
    ("rand-read", "random 4 KiB O_DIRECT reads, domU xvda", "IOPS", HIGHER),
    ("tcp-dom0", "TCP domU -> dom0", "MB/s", HIGHER),
    ("tcp-domu", "TCP domU -> domU", "MB/s", HIGHER),
    ("ping-dom0", "ping round trip domU -> dom0, average", "ms", LOWER),
    ("ping-domu", "ping round trip domU -> domU, average", "ms", LOWER),
    ("ping-dom0 min", "ping round trip domU -> dom0, best", "ms", LOWER),
    ("ping-domu min", "ping round trip domU -> domU, best", "ms", LOWER),
)
# busybox dd prints no rate: the domU's /proc/uptime around it
TOOK = 'read t0 _ </proc/uptime; %s && read t1 _ </proc/uptime && echo took $t0 $t1'
TOOK_RE = re.compile(r"^took ([\d.]+) ([\d.]+)", re.M)
RAND_RE = re.compile(r"^randread ops \d+ seconds [\d.]+ iops (\d+)", re.M)
RECV_RE = re.compile(r"^recv bytes \d+ seconds [\d.]+ MBps ([\d.]+)", re.M)
PING_RE = re.compile(r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/")
# --counts: what each Linux kernel counted around a row (the same on both
# hypervisors, and independent of the host's load): its event channels' and
# other interrupts by name, context switches, CPU ticks by kind, and the
# network devices' packets.
COUNTS_CMD = ("cat /proc/interrupts; grep -E '^(cpu |ctxt)' /proc/stat; "
              "sed -n '3,$p' /proc/net/dev; grep -E ' (xvd|vd)[a-z] ' /proc/diskstats; "
              "grep '^Tcp:' /proc/net/snmp")
CPU_TICKS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
NETDEV_FIELDS = {0: "rx_bytes", 1: "rx_packets", 8: "tx_bytes", 9: "tx_packets"}
# /proc/diskstats: fields after the name (reads and writes completed and merged)
DISKSTATS_FIELDS = {0: "reads", 1: "reads_merged", 4: "writes", 5: "writes_merged"}
# /proc/net/snmp's Tcp: counters kept (segments in and out, retransmitted)
TCP_FIELDS = ("InSegs", "OutSegs", "RetransSegs")


def null_disk():
    """QEMU options of the benchmark's disk in dom0."""
    return ["-blockdev", "driver=null-co,node-name=sbdisk,size=%d,read-zeroes=on"
            % (DISK_MIB << 20), "-device", "virtio-blk-pci,drive=sbdisk,serial=%s" % DISK_SERIAL]


def dom0_disk(con):
    """dom0's name of the null disk (vdX), found by its serial number."""
    _, out = st.shell_run(con, "for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = %s ] && "
                          "echo disk=${d##*/}; done" % DISK_SERIAL)
    m = re.search(r"^disk=(vd\w+)", out, re.M)
    return m.group(1) if m else None


def figure(regex, out, scale=1.0):
    m = regex.search(out)
    return float(m.group(1)) * scale if m else None


def dd_rate(sh, args, mib):
    """MB/s of one dd of mib MiB, timed in the domU."""
    _, out = sh(TOOK % ("dd bs=1M count=%d %s" % (mib, args)))
    m = TOOK_RE.search(out)
    secs = float(m.group(2)) - float(m.group(1)) if m else 0
    return (mib << 20) / secs / 1e6 if secs > 0 else None


def disk_figures(sh, a, got, shs):
    got["seq-write"] = counted(a, shs, "seq-write", a.size, lambda: dd_rate(
        sh, "if=/dev/zero of=/dev/xvda oflag=direct", a.size))
    got["seq-read"] = counted(a, shs, "seq-read", a.size, lambda: dd_rate(
        sh, "if=/dev/xvda of=/dev/null iflag=direct", a.size))
    _, out = sh("splitbench randread /dev/xvda %d" % a.seconds)
    got["rand-read"] = figure(RAND_RE, out)


def parse_counts(text):
    """{name: count} of one COUNTS_CMD output."""
    got, tcp_names = {}, []
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "Tcp:":
            tcp_names = f[1:] if not f[1].lstrip("-").isdigit() else tcp_names
            got.update(("tcp " + n, int(v)) for n, v in zip(tcp_names, f[1:])
                       if n in TCP_FIELDS and f[1].lstrip("-").isdigit())
        elif len(f) > 10 and f[0].isdigit() and f[1].isdigit():
            got.update(("%s %s" % (f[2], n), int(f[3 + i])) for i, n in DISKSTATS_FIELDS.items())
        elif f[0] == "cpu":
            got.update(("ticks " + k, int(v)) for k, v in zip(CPU_TICKS, f[1:]))
        elif f[0] == "ctxt":
            got["ctxt"] = int(f[1])
        elif f[0].endswith(":") and len(f) > 1 and f[1].isdigit():
            if f[0][:-1].isdigit() or f[0][:-1].isupper():
                nums = [int(x) for x in f[1:] if x.isdigit()]
                rest = f[1 + len(nums):]
                name = rest[-1] if f[0][:-1].isdigit() and rest else f[0][:-1]
                got["irq " + name] = got.get("irq " + name, 0) + sum(nums)
            else:
                dev = f[0][:-1]
                got.update(("%s %s" % (dev, n), int(f[1 + i]))
                           for i, n in NETDEV_FIELDS.items() if 1 + i < len(f))
    return got


def counts_snapshot(shs):
    """{domain: parse_counts} for each (domain, shell) in shs."""
    return {who: parse_counts(sh(COUNTS_CMD)[1]) for who, sh in shs}


def counts_note(row, before, after, mib):
    """Print what changed in each domain over a row of mib MiB, per MiB."""
    for who in before:
        b, a = before[who], after.get(who, {})
        diffs = sorted((k, a[k] - b.get(k, 0)) for k in a if a[k] != b.get(k, 0))
        note("  counts %s %s per MiB: %s" % (row, who, ", ".join(
            "%s %.1f" % (k, d / mib) for k, d in diffs if not k.endswith("bytes"))))


def counted(a, shs, row, mib, fn):
    """fn(), with --counts the domains' counts around it printed per MiB."""
    if not a.counts:
        return fn()
    before = counts_snapshot(shs)
    v = fn()
    counts_note(row, before, counts_snapshot(shs), mib)
    return v


def tcp_rate(recv_sh, send_sh, ip, mib):
    """MB/s the receiver counted of mib MiB sent over TCP to ip."""
    recv_sh("rm -f /tmp/sbrx.out; (splitbench recv %d >/tmp/sbrx.out 2>&1 </dev/null &)" % PORT)
    send_sh("sleep 1; splitbench send %s %d %d" % (ip, PORT, mib))
    _, out = recv_sh("i=0; while ! grep -q recv /tmp/sbrx.out && [ $i -lt 30 ]; do sleep 1; "
                     "i=$((i+1)); done; cat /tmp/sbrx.out")
    return figure(RECV_RE, out)


def net_figures(con, a, sh_a, sh_b, got, shs):
    dom0_sh = lambda cmd: st.shell_run(con, cmd, 600)  # noqa: E731
    got["tcp-dom0"] = counted(a, shs, "tcp-dom0", a.net_size, lambda: tcp_rate(
        dom0_sh, sh_a, DOM0_IP, a.net_size))
    got["tcp-domu"] = counted(a, shs, "tcp-domu", a.net_size, lambda: tcp_rate(
        sh_b, sh_a, net.DOMU_B[2], a.net_size))
    for key, ip in (("ping-dom0", DOM0_IP), ("ping-domu", net.DOMU_B[2])):
        _, out = sh_a("ping -A -c %d %s" % (a.pings, ip))
        m = PING_RE.search(out)
        if m:
            got[key], got[key + " min"] = float(m.group(2)), float(m.group(1))


def domus_up(con, disk, timeout, with_b=True):
    """xl create A (with the null disk) and B; True once both shells listen."""
    res = st.Results()
    st.shell_run(con, "%s && echo started" % st.XENCONSOLED, timeout)
    a, b = net.DOMU_A, net.DOMU_B
    disk_cfg = " \"disk=['format=raw,vdev=xvda,access=rw,target=/dev/%s']\"" % disk
    return (net.domu_up(st, con, res, a, timeout, disk_cfg) and
            (not with_b or net.domu_up(st, con, res, b, timeout)))


def one_boot(hv, a, log, figs):
    dom0_run(hv, a.image, st.PCI_DEVICES + null_disk(), log, a.boot_timeout,
             lambda con: run_figures(hv, con, a, figs))


def run_figures(hv, con, a, figs):
    disk = dom0_disk(con)
    if not disk or not domus_up(con, disk, 600, a.rows != "disk"):
        note("  %s: no null disk in dom0 or the domUs did not come up" % hv)
        return
    sh_a = lambda cmd: net.domu_sh(st, con, net.DOMU_A, cmd, 900)  # noqa: E731
    sh_b = lambda cmd: net.domu_sh(st, con, net.DOMU_B, cmd, 900)  # noqa: E731
    shs = [("dom0", lambda cmd: st.shell_run(con, cmd, 60)), ("A", sh_a)]
    if a.rows != "disk":
        shs.append(("B", sh_b))
    if a.hcstats and hv == "petrel":
        st.shell_run(con, "xl debug-keys P")
    for n in range(1, a.runs + 1):
        got = {}
        start = len(con.text) if n == a.runs else None
        if a.rows != "net":
            disk_figures(sh_a, a, got, shs)
        if a.rows != "disk":
            net_figures(con, a, sh_a, sh_b, got, shs)
        note("  %s run %d: %s (load %s)" % (hv, n, ", ".join(
            "%s %s" % (k, fmt(v)) for k, v in got.items()), load()))
        for k, v in got.items():
            if v is not None:
                figs[hv].setdefault(k, []).append(v)
    if a.hcstats and hv == "petrel":
        start = len(con.text)
        st.shell_run(con, "xl debug-keys p")
        note("hcstats over %d runs (kind, op, calls, cycles, cycles per call):\n%s" % (
            a.runs, "".join(l for l in con.text[start:].splitlines(True) if "hcstats: " in l)))
    st.shell_run(con, "xl destroy %s; xl destroy %s 2>/dev/null" % (net.DOMU_A[0], net.DOMU_B[0]),
                 300)


def header(a, start):
    """The table's first line; start is (UTC time, load average) at the start."""
    return ("Run of %s, Petrel at %s: %d host CPUs; %d runs in one boot of each, "
            "--rows %s --size %d --seconds %d --net-size %d --pings %d; load average %s before "
            "and %s after.  %s\n" % (start[0], start[2], os.cpu_count(), a.runs, a.rows,
                                      a.size, a.seconds, a.net_size, a.pings, start[1], load(),
                                      legend(ROWS)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size", type=int, default=256, help="MiB for dd")
    ap.add_argument("--seconds", type=int, default=10, help="for the random reads")
    ap.add_argument("--net-size", type=int, default=32, help="MiB for each TCP figure")
    ap.add_argument("--pings", type=int, default=20)
    ap.add_argument("--hcstats", action="store_true")
    ap.add_argument("--counts", action="store_true",
                    help="each domain's interrupts, context switches, CPU ticks and packets "
                    "per MiB around the sequential rows and the TCP rows")
    ap.add_argument("--rows", default="all", choices=("disk", "net", "all"))
    ap.add_argument("--image", default=hvboot.HV_IMAGES["petrel"], help="the Petrel image")
    ap.add_argument("--boot-timeout", type=float, default=1200)
    ap.add_argument("--log-dir", default=os.path.join(hvboot.BUILD, "bench", "split"))
    a = ap.parse_args()
    hvs = a.hv.split(",")
    if a.runs < 1 or not 0 < a.size <= DISK_MIB or not set(hvs) <= {"petrel", "xen"}:
        ap.error("--runs needs a positive number, --size at most %d, --hv petrel and/or xen"
                 % DISK_MIB)
    os.makedirs(a.log_dir, exist_ok=True)
    start = started()
    figs = {hv: {} for hv in hvs}
    for hv in hvs:
        one_boot(hv, a, os.path.join(a.log_dir, "%s.log" % hv), figs)
    publish(a.log_dir, "split-table", header(a, start) + "\n" + table(ROWS, figs, hvs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
