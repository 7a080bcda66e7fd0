#!/usr/bin/env python3
"""System test: live migration of a Linux domU with a disk and a vif between
two hosts, and back, with the receiver killed part way.

    migrate2_dev_test.py --hv petrel|xen [--image IMAGE] [--log-dir DIR]

The two machines of migrate2_test.py (QEMU A and B, a virtio NIC each on a
datagram network over 127.0.0.1), with two changes: each dom0 puts its NIC
on its bridge xenbr0, which carries both networks (A 192.168.77.1 and
192.168.78.1, B 192.168.77.2 and 192.168.78.2), so the two xenbr0 are one
Ethernet segment; and both QEMUs have the same host file as a virtio disk
(serial "migdisk", shared writes, no image lock), which only the dom0 that
runs the domU uses, as the domU's PV disk xvda (phy).  QEMU A dumps the
frames of its NIC (filter-dump, headers only) to a pcap file.

Debian's xl on A creates the Linux domU savd (MIGRATE2_DEV_MEMORY MiB, 128 by
default) with the disk and a vif on xenbr0, and in it, as in
save_dev_checks.py: the keeper (holds /mnt/keep.log open as fd 3, a line a
second) and a TCP connection to dom0 A, the fixed peer (a numbered line a
second each way); and the memory writer (an awk process that holds 512
slots of 1 KiB, rewrites 16 of them a second and checks every slot against
what it last wrote there, printing "domu-mem N UPTIME bad B" on its
console).  Then `xl migrate` (migrate2_test.py's nc transport) moves it
A to B and B to A.  Checks after each move X-Y:
  X-Y/migrate      xl migrate exits 0, the domU is listed on Y only
  X-Y/memory       the writer's lines from both hosts' xenconsoled logs: N
                   one by one from 0, none missing or twice, uptime never
                   going back, every line "bad 0"; the largest uptime step
                   (the downtime) is reported
  X-Y/file         the keeper is the same process with the same file, which
                   reads back from the disk whole and longer
  X-Y/tcp          both ends got five new lines or more, none lost
  X-Y/garp         a gratuitous ARP from the domU's MAC for its address in
                   A's dump after the move began (netfront on Y announces it)
  X-Y/source-free  X's free memory back where it was before the domU
Then the failure injection, each a move A to B: the receiver's nc killed
once it has read 10% and 99% of the smaller good stream, and
`xl migrate-receive` itself killed at 30%: xl migrate fails, the domU runs
on at A (memory, file, tcp as above), and B keeps nothing (after `xl
destroy` of a leftover incoming domain when xl migrate-receive was killed,
as nothing else is left to free it): no domain, no backend, its free memory
back.  Killing xl migrate-receive leaves its child libxl-save-helper reading
the stream, so that move fails only at its end, at the final handshake.  MIGRATE2_DEV_BREAK (default "nc:10 nc:99 xl:30") picks them;
MIGRATE2_DEV_GOOD=0 leaves out the good moves (the cuts are then shares
of the domU's memory).
On Debian's Xen 4.17 (--hv xen) the first move is refused at enabling
log-dirty (no shadow paging for PV guests): a-b-refused and the checks of a
broken move, and the test ends there.
The last line is "migrate2-dev-<hv>: N passed, N failed".
"""

import os
import re
import shlex
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dom0_system_test as t  # noqa: E402
import migrate2_test as m2  # noqa: E402
import net_checks  # noqa: E402
import save_dev_checks as sd  # noqa: E402

DOMU = sd.DOMU
DOMU_MEMORY = int(os.environ.get("MIGRATE2_DEV_MEMORY", "128"))
BREAKS = os.environ.get("MIGRATE2_DEV_BREAK", "nc:10 nc:99 xl:30").split()
# MIGRATE2_DEV_GOOD=0: no good moves, the broken ones cut at their share of
# the domU's memory instead of the smaller good stream.
GOOD_MOVES = os.environ.get("MIGRATE2_DEV_GOOD", "1") == "1"
BRIDGE_ADDR = {"a": "192.168.77.1", "b": "192.168.77.2"}
DISK_SERIAL = "migdisk"
DISK_MB = 16
MOVED_ON = 5  # lines the writer and both ends of the connection must add
MIGRATE_WAIT = 3600  # seconds for a move of the 128 MiB domU under loaded TCG
RESUME_WAIT = 600  # seconds for them to do so after a move under loaded TCG
# The memory writer: K slots of 1 KiB, W rewritten a tick (slot s last at the
# latest tick t <= i with t = s / W modulo K / W), all checked every tick;
# a tick lasts S s more (awk -v S=1), N ticks (awk -v N=, or for ever).
WRITER = """BEGIN { K = 512; W = 16; P = K / W; pad = sprintf("%1000s", "")
for (i = 0; !N || i < N; i++) {
  for (j = 0; j < W; j++) { s = (i * W + j) % K; m[s] = i ":" s pad }
  bad = 0
  for (s = 0; s < K; s++) {
    t = i - ((i - int(s / W)) % P + P) % P
    if (t < 0) { if (s in m) bad++ } else if (m[s] != t ":" s pad) bad++
  }
  getline u < "/proc/uptime"; close("/proc/uptime"); split(u, f, " ")
  printf "domu-mem %d %s bad %d\\n", i, f[1], bad; fflush()
  system("sleep " S)
} }"""
MEM_LINE = re.compile(r"domu-mem (\d+) ([\d.]+) bad (\d+)")


class Prefixed:
    """Results whose check names from save_dev_checks get this test's prefix."""

    def __init__(self, res, prefix):
        self.res, self.prefix = res, prefix

    def check(self, name, cond, why, detail=""):
        return self.res.check(self.prefix + name[len(sd.PREFIX):], cond, why, detail)


def machine_argv(args, name, local, remote):
    disk = ["-drive", "file=%s,format=raw,if=none,id=shd,file.locking=off" % args.disk,
            "-device", "virtio-blk-pci,drive=shd,share-rw=on,serial=%s" % DISK_SERIAL]
    if name == "a":
        disk += ["-object", "filter-dump,id=dump,netdev=mig,maxlen=96,file=%s" % args.pcap]
    return m2.machine_argv(args, name, local, remote, disk)


def setup_host(h):
    """The NIC on xenbr0 with both addresses, the tools; the shared disk's node."""
    h.sh("for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = %s ] && i=${n##*/}; done; "
         "ip link set $i up && brctl addif xenbr0 $i && ip addr flush dev xenbr0 && "
         "ip addr add %s/24 dev xenbr0 && ip addr add %s/24 dev xenbr0 && echo $i bridged"
         % (m2.MAC[h.name], BRIDGE_ADDR[h.name], h.addr))
    m2.setup_tools(h)
    _, out = h.sh("for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = %s ] && "
                  "echo /dev/${d##*/}; done" % DISK_SERIAL)
    return out.strip()


def writer_lines(hosts):
    """The writer's (N, uptime, bad) lines from the domU's logs on every host."""
    got = []
    for h in hosts:
        _, out = h.sh("cd %s && cat guest-%s.log guest-%s--incoming.log 2>/dev/null | "
                      "grep -a -o 'domu-mem [0-9]* [0-9.]* bad [0-9]*'"
                      % (t.XL_CONSOLE_DIR, DOMU[0], DOMU[0]))
        got += [(int(n), float(u), int(b)) for n, u, b in MEM_LINE.findall(out)]
    # A line twice is the console ring's text shown again (the destination's
    # xenconsoled may get a ring whose consumer index is older), not a rerun.
    return sorted(set(got))


def snapshot(a, hosts):
    return {"mem": writer_lines(hosts), "tcp": sd.tcp_state(t, a.con),
            "keeper": sd.keeper_state(t, a.con)}


def last_n(lines):
    return lines[-1][0] if lines else -1


def wait_moved_on(a, hosts, before):
    """Poll until the writer and both ends of the connection are MOVED_ON
    lines past `before`; the writer's lines and the connection's state."""
    mine0, theirs0 = before["tcp"]
    deadline = time.monotonic() + RESUME_WAIT
    while True:
        mem, tcp = writer_lines(hosts), sd.tcp_state(t, a.con)
        done = last_n(mem) >= last_n(before["mem"]) + MOVED_ON and all(tcp) and \
            mine0 and theirs0 and tcp[0][2] >= mine0[2] + MOVED_ON and \
            tcp[1][2] >= theirs0[2] + MOVED_ON
        if done or time.monotonic() > deadline:
            return mem, tcp
        a.sh("sleep 5")


def check_memory(name, mem, before, res):
    nums = [n for n, _, _ in mem]
    steps = [(b[1] - a[1], b[0]) for a, b in zip(mem, mem[1:])]
    gap = max(steps) if steps else (0.0, -1)
    bad = [l for l in mem if l[2]]
    ok = nums == list(range(len(nums))) and len(nums) > len(before) and \
        all(s >= 0 for s, _ in steps) and not bad
    breaks = ["%d then %d" % (x, y) for x, y in zip(nums, nums[1:]) if y != x + 1]
    res.check(name + "/memory", ok,
              "lines %d (was %d), breaks %r, uptime back %r, bad %r"
              % (len(nums), len(before), breaks[:8], [s for s in steps if s[0] < 0][:4],
                 bad[:4]),
              "lines 0..%d one by one, every slot checked; largest uptime step %.1f s "
              "before line %d" % (nums[-1] if nums else -1, gap[0], gap[1]))


def check_file(name, before, a, res):
    pid0, seq0, _, _ = before["keeper"]
    pid, seq, back, out = sd.keeper_state(t, a.con)
    res.check(name + "/file", pid0 and pid == pid0 and pid[1] == "/mnt/keep.log" and
              seq and seq0 and seq[1] == 0 and seq[2] > seq0[2] and back == 0,
              "before %r %r; after %r %r, uptime back %d: %r"
              % (pid0, seq0, pid, seq, back, out.strip()[-300:]),
              "pid %s, %d whole lines, was %d" % (pid[0] if pid else "?",
                                                  seq[0] if seq else -1, seq0[0] if seq0 else -1))


def check_tcp(name, before, tcp, res):
    (mine0, theirs0), (mine, theirs) = before["tcp"], tcp
    res.check(name + "/tcp", mine and theirs and mine0 and theirs0 and mine[1] == 0 and
              theirs[1] == 0 and mine[2] >= mine0[2] + MOVED_ON and
              theirs[2] >= theirs0[2] + MOVED_ON,
              "dom0 A got %r then %r; the domU %r then %r" % (mine0, mine, theirs0, theirs),
              "dom0 A got %d lines (was %d), the domU %d (was %d), none lost"
              % (mine[0], mine0[0], theirs[0], theirs0[0]) if mine and theirs else "")


def check_went_on(name, a, hosts, before, res):
    """The writer's memory, the kept file and the connection all carried on."""
    mem, tcp = wait_moved_on(a, hosts, before)
    check_memory(name, mem, before["mem"], res)
    check_file(name, before, a, res)
    check_tcp(name, before, tcp, res)


def garps(path, since):
    """Wall times of the gratuitous ARPs (sender address = target address =
    the domU's, sender MAC the domU's) in the pcap file after `since`."""
    mac = bytes.fromhex(DOMU[1].replace(":", ""))
    ip = bytes(int(x) for x in DOMU[2].split("."))
    found = []
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) >= 42 and frame[12:14] == b"\x08\x06" and frame[22:28] == mac and \
                frame[28:32] == ip and frame[38:42] == ip and sec + usec / 1e6 >= since:
            found.append(sec + usec / 1e6)
    return found


def check_garp(name, args, since, res):
    seen = garps(args.pcap, since)
    res.check(name + "/garp", bool(seen), "no gratuitous ARP for %s from %s in %s after the "
              "move began" % (DOMU[2], DOMU[1], args.pcap),
              "%d, the first %.1f s after the move began" % (len(seen), seen[0] - since)
              if seen else "")


def check_move(src, dst, a, hosts, args, res, free0):
    """One live migration src -> dst and its checks; the stream's size."""
    name = "%s-%s" % (src.name, dst.name)
    before = snapshot(a, hosts)
    since = time.time()
    rc, out, nbytes, report, took = m2.migrate(src, dst, dom=DOMU[0], wait=MIGRATE_WAIT)
    src_doms, src_lines = m2.domains(src)
    dst_doms, dst_lines = m2.domains(dst)
    res.check(name + "/migrate", rc == 0 and src_doms == [] and dst_doms == [DOMU[0]],
              "rc=%d %r; %s lists %r, %s lists %r; receiver: %r"
              % (rc, out, src.name, src_lines, dst.name, dst_lines, report),
              "%.0f s, %.1f MiB through nc" % (took, nbytes / 1048576.0))
    check_went_on(name, a, hosts, before, res)
    check_garp(name, args, since, res)
    free = m2.wait_free(src, free0[src.name])
    res.check(name + "/source-free", free == free0[src.name],
              "%s free %d MiB, %d before the domU" % (src.name, free, free0[src.name]),
              "%d MiB" % free)
    return nbytes


def backends(h):
    _, out = h.sh("echo vbds: $(xenstore-list /local/domain/0/backend/vbd 2>/dev/null); "
                  "echo vifs: $(xenstore-list /local/domain/0/backend/vif 2>/dev/null) "
                  "$(ls /sys/class/net | grep ^vif)")
    return " ".join(out.split())


def check_dest_clean(name, dst, free0, res):
    """dst keeps no domain, backend or memory (a leftover incoming domain,
    which only a killed xl migrate-receive leaves, destroyed first)."""
    doms, lines = m2.domains(dst)
    left = [d for d in doms if d.endswith("--incoming")]
    for d in left:
        dst.sh("xl destroy %s" % d, 120)
    free = m2.wait_free(dst, free0[dst.name])
    doms, lines = m2.domains(dst)
    devs = backends(dst)
    res.check(name + "/dest-clean", doms == [] and free == free0[dst.name] and
              devs == "vbds: vifs:", "%s lists %r, free %d MiB (%d before), %s"
              % (dst.name, lines, free, free0[dst.name], devs),
              "%d MiB free%s" % (free, ", after xl destroy of %s" % left[0] if left else ""))


def check_broken_move(a, b, hosts, cut, victim, pct, res, free0):
    """A move A -> B whose receiver loses `victim` at `cut` bytes: the domU
    runs on at A, B keeps nothing."""
    name = "a-b-%s%d" % (victim, pct)
    before = snapshot(a, hosts)
    rc, out, nbytes, report, took = m2.migrate(a, b, cut, victim, DOMU[0], MIGRATE_WAIT)
    doms, lines = m2.domains(a)
    res.check(name + "/migrate", rc != 0 and "killed at" in report and doms == [DOMU[0]],
              "rc=%d %r; receiver %r; a lists %r" % (rc, out, report, lines),
              "xl migrate rc %d after %.0f s, %s killed at %.1f MiB"
              % (rc, took, victim, nbytes / 1048576.0))
    check_went_on(name, a, hosts, before, res)
    check_dest_clean(name, b, free0, res)


def check_refused(a, b, hosts, res, free0):
    """Xen 4.17: xl migrate fails at enabling log-dirty, the domU runs on."""
    before = snapshot(a, hosts)
    rc, out, _, report, _ = m2.migrate(a, b, dom=DOMU[0], wait=MIGRATE_WAIT)
    doms, lines = m2.domains(a)
    _, why = a.sh("grep -m 1 'Failed to enable logdirty' /tmp/xl.out")
    res.check("a-b-refused/migrate", rc != 0 and "logdirty" in why and doms == [DOMU[0]],
              "rc=%d %r; a lists %r; receiver %r" % (rc, out, lines, report),
              why.strip()[-200:])
    check_went_on("a-b-refused", a, hosts, before, res)
    check_dest_clean("a-b-refused", b, free0, res)


def domu_up(a, disk, res):
    """savd on A with the shared disk and a vif, its workload running."""
    config = "'memory=%d' \"disk=['format=raw,vdev=xvda,access=rw,target=%s']\" %s" % (
        DOMU_MEMORY, disk, net_checks.domu_config(DOMU))
    rc, out = t.xl_create_linux(a.con, DOMU[0], 60, config)
    if not res.check("create", rc == 0 and disk, "disk %r; xl create rc=%d: %r"
                     % (disk, rc, out.strip()[-400:]), "%d MiB, xvda on %s" % (DOMU_MEMORY,
                                                                               disk)):
        return False
    rc, out = t.console_log_wait(a.con, DOMU[0], "domu-shell listening", t.DOMU_BOOT_WAIT)
    if not res.check("boot", rc == 0, "no domu-shell line: %r" % out.strip()[-600:]):
        return False
    if not sd.start_workload(t, a.con, Prefixed(res, "")):
        return False
    rc, out = net_checks.domu_sh(
        t, a.con, DOMU, "printf '%%s\\n' %s > /tmp/memw.awk && awk -v S=1 -f /tmp/memw.awk "
        "</dev/null >/dev/console 2>&1 &" % shlex.quote(WRITER))
    return res.check("writer", rc == 0, "rc=%d %r" % (rc, out))


def migrations(a, b, args, res):
    disks = [setup_host(h) for h in (a, b)]
    m2.check_net(a, b, res)
    free0 = {h.name: h.free_memory() for h in (a, b)}
    hosts = (a, b)
    if not domu_up(a, disks[0], res):
        return
    if args.hv == "xen":
        check_refused(a, b, hosts, res, free0)
    else:
        sizes = [check_move(a, b, a, hosts, args, res, free0),
                 check_move(b, a, a, hosts, args, res, free0)] if GOOD_MOVES else \
            [DOMU_MEMORY << 20]
        for victim, pct in (s.split(":") for s in BREAKS):
            if min(sizes) > 0:
                check_broken_move(a, b, hosts, min(sizes) * int(pct) // 100, victim,
                                  int(pct), res, free0)
    a.sh("xl destroy %s; kill $(cat /tmp/savd-nc.pid)" % DOMU[0], 120)
    free = m2.wait_free(a, free0["a"])
    res.check("destroy", free == free0["a"] and backends(a) == "vbds: vifs:",
              "a free %d MiB, %d before the domU; %s" % (free, free0["a"], backends(a)),
              "%d MiB" % free)


def prepare(args):
    """The shared disk (a sparse file) and the pcap's path, next to the logs."""
    base = os.path.join(os.path.abspath(args.log_dir), "%s-migrate2-dev" % args.hv)
    args.disk, args.pcap = base + "-disk.img", base + "-a.pcap"
    with open(args.disk, "wb") as f:
        f.truncate(DISK_MB << 20)


PLAN = m2.Plan("migrate2-dev", "live migration of a domU with a disk and a vif", machine_argv,
               migrations, None, prepare)

if __name__ == "__main__":
    sys.exit(m2.main(PLAN))
