#!/usr/bin/env python3
"""System test: a guest saved on one hypervisor restores on the other.

    save_cross_test.py [--guest xls|linux|pvh] [--vcpus N [--vcpu-down]] --hv xen|petrel
                       [--image PETREL_IMAGE] [--log-dir DIR]

Two QEMU machines as in migrate2_test.py, A booting the hypervisor --hv
names and B the other one (Debian's Xen 4.17 and Petrel; --image is
Petrel's binary), both with the same dom0 image and one host file as a
shared virtio disk (serial "xferdisk", no image lock), and no network.
Debian's xl on A creates the save-restore guest (tests/guests/tests/
save-restore.c: it counts every 250 ms, and once restored checks its pattern pages and journal and prints PASS or FAIL), then
the guest goes A to B and back to A, each move an `xl save` to a file in
dom0's /tmp, the file written to the shared disk and read from it on the
other machine (after dropping its page cache), and `xl restore` of the
copy.  Checks, "PASS name" / "FAIL name: why":
  boot-a, boot-b    both dom0 shells
  disk              both dom0s see the shared disk
  create            xl create on A, the guest counts
  X-Y/save          xl save on X exits 0 and the guest is gone from X
  X-Y/copy          the file on Y has the size and md5sum of X's
  X-Y/restore       xl restore on Y exits 0 and lists the guest on Y only
  X-Y/memory        the guest's verdict on Y: its pattern pages and journal
                    as it last wrote them (save-restore: PASS resumed)
  X-Y/running       it counts on at Y from where it stopped on X
  X-Y/ticks         its ticks, as both serial consoles show them, go on one
                    by one from X's to Y's, none missing or twice; the
                    downtime (its "suspending" line on X to its "back from
                    the suspend" line on Y) is reported
  X-Y/source-free   X's free memory back where it was before the guest came
  destroy           xl destroy on A gives A's memory back
The last line is "save-cross-<hv>: N passed, N failed".

--guest linux moves the Linux PV domU of test-system-domu instead (128 MiB,
named xls too; domu_cross=16 on its command line starts /bin/domu-cross in
it: a 16 MiB file of random bytes in a tmpfs, then a line a second with its
count, its pid and the kernel's uptime, every tenth with the file's md5
verdict).  Its checks differ from the above in:
  create            xl create on A, the guest made its file and counts
  X-Y/running       domu-cross counts on at Y from the next number, the same
                    process (pid), and goes on
  X-Y/uptime        the uptime at Y's first line is not below X's last
  X-Y/file          each verdict at Y: the file has its sum (intact)
  X-Y/ticks         busybox init's domu-tick lines go on one by one
With --vcpus N (N > 1) the domU has N vCPUs, domu-cross starts
/bin/domu-spin pinned on each (a floating-point sum round after round, a
line about every 5 s: its round, pid, the CPU it ran on and whether every
sum matched the first) and ends its lines with the online CPUs; one more
check per move:
  X-Y/vcpus         each spinner goes on at Y in the same process on its own
                    vCPU with every sum intact, Y's lines say all N CPUs are
                    online, and xl vcpu-list on Y lists N vCPUs
With --vcpu-down too, `xl vcpu-set xls N-1` takes the last vCPU down on X
before each save (domu-cross brings a vCPU made present again online, as
udev does), and:
  X-Y/vcpu-down     X's guest has one CPU fewer online, xl lists it down
  X-Y/vcpu-kept-down  after the restore on Y it is still down, in the
                    guest's lines and xl vcpu-list
  X-Y/vcpu-up       xl vcpu-set --ignore-host xls N on Y brings it back
The last line is "save-cross-linux-<hv>: N passed, N failed".

--guest pvh moves that Linux domU as a PVH guest (type = "pvh"; the make
target runs both machines on QEMU 7.2's qemu64 CPU, no XSAVE); its "domu-tick N" lines are the ticks, and the checks are
create, X-Y/save, X-Y/copy, X-Y/restore, X-Y/running (its ticks go on at Y
past X's last), X-Y/source-free and destroy.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
import migrate2_test as m2  # noqa: E402

SAVE_WAIT = 300  # seconds for xl save or xl restore of the 32 MiB guest under loaded TCG
COPY_WAIT = 300  # seconds to write or read its image on the shared disk
BIG_COPY_WAIT = 900  # the same for the 128 MiB Linux domU's (over 300 s at load ~27)
DISK_SERIAL = "xferdisk"
DISK_MB = 64  # the shared disk: room for the save image
SAVE_FILE = "/tmp/xls.save"
OTHER = {"xen": "petrel", "petrel": "xen"}


def machine_hv(args, name):
    return args.hv if name == "a" else OTHER[args.hv]


def machine_argv(args, name, local, remote):
    """QEMU's argv for machine `name`; its hypervisor is machine_hv's, the
    shared disk its second virtio disk (no network: the UDP ports unused)."""
    hv = machine_hv(args, name)
    disk = ["-drive", "file=%s,format=raw,if=none,id=shd,file.locking=off" % args.disk,
            "-device", "virtio-blk-pci,drive=shd,share-rw=on,serial=%s" % DISK_SERIAL]
    image = args.image if hv == "petrel" else None
    return hvboot.qemu_argv(hv, args.kernel, args.initrd, image=image, extra=disk)


def prepare(args, name="save-cross", mb=DISK_MB):
    """The shared disk: a sparse file of mb MiB next to the logs."""
    args.disk = os.path.join(os.path.abspath(args.log_dir), "%s-%s-disk.img" % (args.hv, name))
    with open(args.disk, "wb") as f:
        f.truncate(mb << 20)


def setup_host(h):
    """The guest's console relay and xenconsoled; the shared disk's node."""
    h.sh(m2.RELAY)
    m2.setup_tools(h)
    _, out = h.sh("for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = %s ] && "
                  "echo /dev/${d##*/}; done" % DISK_SERIAL)
    h.disk = out.strip()
    return h.disk.startswith("/dev/vd")


def file_sum(h, path):
    """(size, md5) of path on h, ("", "") if it is not there."""
    _, out = h.sh("stat -c %%s %s && md5sum %s" % (path, path))
    m = re.search(r"^(\d+)\s*\n([0-9a-f]{32})\s", out, re.M)
    return m.groups() if m else ("", "")


def copy_file(src, dst, path, wait=COPY_WAIT):
    """Copy path from src's dom0 to dst's through the shared disk; (ok, what
    happened).  dst drops its page cache first, so it reads what src wrote."""
    size, digest = file_sum(src, path)
    if not size:
        return False, "no %s on %s" % (path, src.name)
    src.sh("dd if=%s of=%s bs=1M conv=fsync 2>&1 | tail -n 1" % (path, src.disk), wait)
    dst.sh("sync; echo 3 > /proc/sys/vm/drop_caches; rm -f %s; head -c %s %s > %s"
           % (path, size, dst.disk, path), wait)
    got = file_sum(dst, path)
    return got == (size, digest), "%s wrote %s bytes md5 %s, %s read %r" % (
        src.name, size, digest, dst.name, got)


def check_save(name, src, res, wait=SAVE_WAIT):
    rc, out = m2.xl_run(src, "xl -v save xls %s" % SAVE_FILE, wait)
    doms, lines = m2.domains(src)
    return res.check(name + "/save", rc == 0 and doms == [],
                     "rc=%d %r; %s lists %r" % (rc, out, src.name, lines))


def check_restore(name, dst, res, wait=SAVE_WAIT):
    rc, out = m2.xl_run(dst, "xl -v restore %s" % SAVE_FILE, wait)
    doms, lines = m2.domains(dst)
    return res.check(name + "/restore", rc == 0 and doms == ["xls"],
                     "rc=%d %r; %s lists %r" % (rc, out, dst.name, lines))


def transfer(name, src, dst, res, wait=SAVE_WAIT, copy_wait=COPY_WAIT):
    """xl save on src, the copy to dst, xl restore on dst; whether all went."""
    if not check_save(name, src, res, wait):
        return False
    ok, what = copy_file(src, dst, SAVE_FILE, copy_wait)
    if not res.check(name + "/copy", ok, what, what.split(", ")[0]):
        return False
    return check_restore(name, dst, res, wait)


def check_source_free(name, src, res, free0):
    free = m2.wait_free(src, free0[src.name])
    res.check(name + "/source-free", free == free0[src.name],
              "%s free %d MiB, %d before the guest" % (src.name, free, free0[src.name]),
              "%d MiB" % free)
    src.sh("rm -f %s" % SAVE_FILE)


def check_move(src, dst, res, free0):
    """xl save on src, the copy, xl restore on dst, and the guest's checks."""
    name = "%s-%s" % (src.name, dst.name)
    before = src.last_tick()
    since = time.monotonic()
    if not transfer(name, src, dst, res):
        return False
    arrived = m2.wait_tick(dst, before + 1)
    after = m2.wait_tick(dst, arrived + 8)
    log = src.lines(since) + dst.lines(since)
    verdicts = [l for l in log if re.search(r"save-restore: (PASS|FAIL)", l)]
    res.check(name + "/memory", len(verdicts) == 1 and "PASS resumed" in verdicts[0],
              "verdicts: %r" % verdicts, verdicts[-1] if verdicts else "")
    res.check(name + "/running", arrived > before and after >= arrived + 8,
              "tick %d on %s before the save, %d on %s after the restore, %d later"
              % (before, src.name, arrived, dst.name, after),
              "tick %d on %s, %d on %s, then %d" % (before, src.name, arrived, dst.name, after))
    m2.check_ticks(name, (src, dst), src, dst, since, res, timed=False)
    check_source_free(name, src, res, free0)
    return True


def setup_hosts(a, b, res):
    """setup_host on both, check "disk"; their free memory, None without the disk."""
    disks = [setup_host(h) for h in (a, b)]
    if not res.check("disk", all(disks), "the shared disk: a %r, b %r" % (a.disk, b.disk),
                     "a %s, b %s" % (a.disk, b.disk)):
        return None
    return {h.name: h.free_memory() for h in (a, b)}


def moves(a, b, args, res):
    free0 = setup_hosts(a, b, res)
    if free0 is None:
        return
    rc, out = m2.xl_run(a, "xl create /etc/xl-save.cfg", args.cmd_timeout)
    tick = m2.wait_tick(a, 4)
    if not res.check("create", rc == 0 and tick >= 4, "rc=%d %r, tick %d" % (rc, out, tick),
                     "on %s" % machine_hv(args, "a")):
        return
    if check_move(a, b, res, free0):
        check_move(b, a, res, free0)
    destroy(a, b, res, free0)


def destroy(a, b, res, free0):
    """xl destroy of the guest wherever it is; A's memory back."""
    for h in (a, b):
        h.sh("xl destroy xls 2> /dev/null; :")
    free = m2.wait_free(a, free0["a"])
    res.check("destroy", free == free0["a"], "a free %d MiB, %d before the guest"
              % (free, free0["a"]), "%d MiB" % free)


PLAN = m2.Plan("save-cross", "xl save on one hypervisor, xl restore on the other",
               machine_argv, moves, m2.GUEST_LINE, prepare)


# ---- The Linux domU as a PVH guest (--guest pvh; make
# test-system-save-cross-pvh): dom0's kernel and the domU initramfs of
# /etc/xl-linux.cfg with type = "pvh", named xls so that the relay and the
# save and restore checks above serve it. The make target runs both
# machines on QEMU 7.2 with the qemu64 CPU model (Xen 4.17 does not start a
# PVH domU's kernel under QEMU 10), which has no XSAVE, so the guest has
# x87/SSE state only as Petrel's HVM vCPUs (Xen's records of AVX state would
# be refused). No earlyprintk=xen: with guest_loglvl=all Xen copies the
# kernel's messages onto its serial console, amid dom0's shell. Its console's "domu-tick N" lines (one a second) are the
# ticks; checks as above: create, X-Y/save, X-Y/copy, X-Y/restore,
# X-Y/running (its ticks go on at Y past X's last), X-Y/source-free, destroy.
PVH_LINE = r"\(domU xls\) domu-tick \d+"
PVH_TICK = re.compile(r"domu-tick (\d+)")
PVH_CREATE = "xl create /etc/xl-linux.cfg 'name=\"xls\"' 'type=\"pvh\"' 'extra=\"console=hvc0\"'"
PVH_DISK_MB = 256  # the 128 MiB guest's save image
PVH_BOOT_WAIT = 900  # seconds to its first ticks under loaded TCG
PVH_SAVE_WAIT = 900


def pvh_tick(h, since=0.0):
    ticks = [int(m.group(1)) for l in h.lines(since) for m in [PVH_TICK.search(l)] if m]
    return max(ticks) if ticks else -1


def wait_pvh_tick(h, tick, secs):
    end = time.monotonic() + secs
    while pvh_tick(h) < tick and time.monotonic() < end:
        h.sh("sleep 2", 30)
    return pvh_tick(h)


def check_pvh_move(src, dst, res, free0):
    name = "%s-%s" % (src.name, dst.name)
    since = time.monotonic()
    if not transfer(name, src, dst, res, PVH_SAVE_WAIT, BIG_COPY_WAIT):
        return False
    before = pvh_tick(src)
    after = wait_pvh_tick(dst, before + 5, 300)
    res.check(name + "/running", after >= before + 5 and pvh_tick(dst, since) > before,
              "tick %d on %s before the save, %d on %s after the restore"
              % (before, src.name, after, dst.name), "tick %d, then %d" % (before, after))
    check_source_free(name, src, res, free0)
    return True


def moves_pvh(a, b, args, res):
    free0 = setup_hosts(a, b, res)
    if free0 is None:
        return
    rc, out = m2.xl_run(a, PVH_CREATE, PVH_SAVE_WAIT)
    tick = wait_pvh_tick(a, 3, PVH_BOOT_WAIT)
    if not res.check("create", rc == 0 and tick >= 3, "rc=%d %r, tick %d" % (rc, out, tick),
                     "on %s" % machine_hv(args, "a")):
        return
    if check_pvh_move(a, b, res, free0):
        check_pvh_move(b, a, res, free0)
    destroy(a, b, res, free0)


PVH_PLAN = m2.Plan("save-cross-pvh", "a PVH Linux domU saved on one hypervisor, restored "
                   "on the other", machine_argv, moves_pvh, PVH_LINE,
                   lambda args: prepare(args, "save-cross-pvh", PVH_DISK_MB))

# The Linux PV domU of test-system-domu (/etc/xl-linux.cfg: Debian's kernel,
# the busybox initramfs, 128 MiB) under the name xls, so that the relay and
# the listing checks above hold for it.  domu_cross=MiB on its command line
# starts /bin/domu-cross: a file of random bytes in a tmpfs, then one line a
# second "domu-cross N pid P up SECONDS", every tenth with "file intact" or
# "file CHANGED"; busybox init's domu-ticks prints "domu-tick N" besides.
LINUX_MIB = 16
LINUX_CREATE = ("xl create /etc/xl-linux.cfg 'name=\"xls\"' "
                "'extra=\"console=hvc0 domu_cross=%d\"'" % LINUX_MIB)
VCPUS = 1  # the Linux domU's vCPUs (--vcpus N); with more than one, domu-spin on each
VCPU_DOWN = False  # --vcpu-down: the last vCPU taken down before each save
LINUX_CREATE_WAIT = 400  # seconds: xl unpacks the xz kernel under nested TCG
LINUX_BOOT_WAIT = 300  # seconds from xl create to the first domu-cross line
LINUX_SAVE_WAIT = 900  # seconds for xl save or xl restore of 128 MiB
LINUX_DISK_MB = 256  # room for the 128 MiB guest's image
LINUX_LINE = r"\(domU xls\) (domu-tick \d+|domu-cross |domu-spin |PETREL-DOMU-READY)"
CROSS = re.compile(r"domu-cross (\d+) pid (\d+) up ([\d.]+)( file (intact|CHANGED \w+))?")
SPIN = re.compile(r"domu-spin cpu (\d+) round (\d+) pid (\d+) on (\d+) sum (\w+)")
ONLINE = re.compile(r"domu-cross \d+ .* cpus (\S+)")


def cross_lines(h, since=0.0):
    """(count, pid, uptime, file verdict or None) of h's domu-cross lines."""
    return [(int(m.group(1)), int(m.group(2)), float(m.group(3)), m.group(5))
            for l in h.lines(since) for m in [CROSS.search(l)] if m]


def last_count(h, since=0.0):
    rows = cross_lines(h, since)
    return rows[-1] if rows else (-1, -1, -1.0, None)


def wait_count(h, count, since, secs=120):
    """Wait until h relays domu-cross's line `count` (seen from since on);
    the last line seen."""
    deadline = time.monotonic() + secs
    while last_count(h, since)[0] < count and time.monotonic() < deadline:
        h.con.poll(0.5)
    return last_count(h, since)


def check_linux_state(name, src, dst, since, res):
    """domu-cross went on at dst in the same process from where it stopped
    at src (its last line there, which may come before the move's start:
    the previous move's checks take some seconds), the uptime did not go
    back, and its file kept its sum (dst's lines of the move)."""
    last = last_count(src)
    first = wait_count(dst, 0, since)
    rows = [r for r in cross_lines(dst, since) if r[0] > last[0]]
    first = rows[0] if rows else first
    later = wait_count(dst, first[0] + 12, since)
    res.check(name + "/running", last[0] >= 0 and first[0] == last[0] + 1 and
              first[1] == last[1] and later[0] >= first[0] + 12 and later[1] == last[1],
              "last line on %s %r, first on %s %r, later %r" % (src.name, last, dst.name, first,
                                                                later),
              "count %d pid %d on %s, %d pid %d on %s, then %d"
              % (last[0], last[1], src.name, first[0], first[1], dst.name, later[0]))
    # The downtime shows as a jump in the uptime (Linux adds it as sleep
    # time), in the first line on dst or the next one: the first may carry
    # the reading taken on src before the suspend.  Reported, not judged.
    ups = [last[2]] + [r[2] for r in cross_lines(dst, since) if r[0] > last[0]][:3]
    jump = max([b - a for a, b in zip(ups, ups[1:])] or [0.0])
    res.check(name + "/uptime", last[2] >= 0 and first[2] >= last[2],
              "uptime %.2f s on %s, %.2f s on %s" % (last[2], src.name, first[2], dst.name),
              "%.2f s then %.2f s, largest step %.2f s" % (last[2], first[2], jump))
    files = [r[3] for r in cross_lines(dst, since) if r[3] and r[0] > last[0]]
    res.check(name + "/file", files and all(f == "intact" for f in files),
              "the tmpfs file's verdicts on %s: %r" % (dst.name, files),
              "%d checks on %s" % (len(files), dst.name))


def spin_lines(h, cpu, since=0.0):
    """(round, pid, the CPU it ran on, sum verdict) of h's domu-spin lines of vCPU cpu."""
    return [(int(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5))
            for l in h.lines(since) for m in [SPIN.search(l)] if m and int(m.group(1)) == cpu]


def wait_spin(h, cpu, since, after, secs=120):
    """h's domu-spin lines of cpu from since on with a round past `after`,
    waiting until there are two (or secs pass)."""
    deadline = time.monotonic() + secs
    rows = []
    while time.monotonic() < deadline:
        rows = [r for r in spin_lines(h, cpu, since) if r[0] > after]
        if len(rows) >= 2:
            break
        h.con.poll(1.0)
    return rows


def check_linux_vcpus(name, src, dst, since, res, online_since=None):
    """Each vCPU's domu-spin goes on at dst in the same process, still on
    its vCPU (the last one's may have moved if that vCPU was down: Linux
    drops the pinning of a CPU it takes offline), every round's sum the
    reference; Linux on dst has all VCPUS online (in its lines from
    online_since on), and xl vcpu-list on dst lists them."""
    why, short = [], []
    for cpu in range(VCPUS):
        before = spin_lines(src, cpu)
        last = before[-1] if before else (-1, -1, -1, None)
        rows = wait_spin(dst, cpu, since, last[0])
        moved = VCPU_DOWN and cpu == VCPUS - 1
        ok = last[0] >= 0 and len(rows) >= 2 and all(
            r[1] == last[1] and (moved or r[2] == cpu) and r[3] == "ok" for r in rows)
        if not ok:
            why.append("cpu %d: last on %s %r, on %s %r" % (cpu, src.name, last, dst.name, rows))
        short.append("cpu %d round %d to %s" % (cpu, last[0], rows[-1][0] if rows else "none"))
    if online_since:
        wait_count(dst, last_count(dst)[0] + 2, online_since)
    online = [m.group(1) for l in dst.lines(online_since or since)
              for m in [ONLINE.search(l)] if m]
    want = "0-%d" % (VCPUS - 1)
    if not online or any(o != want for o in online):
        why.append("online CPUs on %s %r, not all %s" % (dst.name, sorted(set(online)), want))
    _, out = dst.sh("xl vcpu-list xls")
    listed = [l for l in out.splitlines() if re.match(r"\s*xls\s+\d+\s+\d+\s", l)]
    if len(listed) != VCPUS:
        why.append("xl vcpu-list on %s: %r" % (dst.name, out.strip()))
    res.check(name + "/vcpus", not why, "; ".join(why),
              "%s, online %s, %d listed" % (", ".join(short), want, len(listed)))


def wait_online(h, want, since, secs=180):
    """Wait until a domu-cross line from since on says CPUs `want` are
    online; the online sets of h's lines from since on."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        online = [m.group(1) for l in h.lines(since) for m in [ONLINE.search(l)] if m]
        if want in online:
            return online
        h.con.poll(1.0)
    return online


def vcpu_row(h, vcpu):
    """xl vcpu-list's row of the domU's vCPU vcpu on h (CPU, state), None if missing."""
    _, out = h.sh("xl vcpu-list xls")
    for l in out.splitlines():
        f = l.split()
        if len(f) >= 5 and f[0] == "xls" and f[2] == str(vcpu):
            return f[3], f[4]
    return None


def offline(row):
    """Whether an xl vcpu-list row (CPU, state) is of a vCPU that is down."""
    return bool(row) and (row[0] == "-" or "p" in row[1])


def take_down(name, src, res):
    """xl vcpu-set on src takes the domU's last vCPU down before the save."""
    since = time.monotonic()
    rc, out = m2.xl_run(src, "xl vcpu-set xls %d" % (VCPUS - 1), 60)
    fewer = "0" if VCPUS == 2 else "0-%d" % (VCPUS - 2)
    online = wait_online(src, fewer, since)
    row = vcpu_row(src, VCPUS - 1)
    return res.check(name + "/vcpu-down", rc == 0 and fewer in online and offline(row),
                     "xl vcpu-set rc=%d %r; online CPUs on %s %r; vCPU %d %r"
                     % (rc, out, src.name, sorted(set(online)), VCPUS - 1, row),
                     "vCPU %d down on %s (%s)" % (VCPUS - 1, src.name, row[1] if row else ""))


def bring_up(name, src, dst, since, res):
    """The last vCPU is still down after the restore on dst; xl vcpu-set on
    dst brings it back.  The time from which all CPUs should be online."""
    fewer = "0" if VCPUS == 2 else "0-%d" % (VCPUS - 2)
    wait_count(dst, last_count(src)[0] + 3, since)
    online = [m.group(1) for l in dst.lines(since) for m in [ONLINE.search(l)] if m]
    row = vcpu_row(dst, VCPUS - 1)
    res.check(name + "/vcpu-kept-down", online and all(o == fewer for o in online) and
              offline(row), "online CPUs on %s %r; vCPU %d %r"
              % (dst.name, sorted(set(online)), VCPUS - 1, row),
              "vCPU %d down on %s (%s)" % (VCPUS - 1, dst.name, row[1] if row else ""))
    up_since = time.monotonic()
    # --ignore-host: xl refuses more vCPUs than the machine's one CPU without it
    rc, out = m2.xl_run(dst, "xl vcpu-set --ignore-host xls %d" % VCPUS, 60)
    want = "0-%d" % (VCPUS - 1)
    online = wait_online(dst, want, up_since)
    row = vcpu_row(dst, VCPUS - 1)
    res.check(name + "/vcpu-up", rc == 0 and want in online and row and not offline(row),
              "xl vcpu-set rc=%d %r; online CPUs on %s %r; vCPU %d %r"
              % (rc, out, dst.name, sorted(set(online)), VCPUS - 1, row),
              "vCPU %d up on %s (%s)" % (VCPUS - 1, dst.name, row[1] if row else ""))
    return time.monotonic()


def check_linux_move(src, dst, res, free0):
    name = "%s-%s" % (src.name, dst.name)
    if VCPU_DOWN and not take_down(name, src, res):
        return False
    since = time.monotonic()
    if not transfer(name, src, dst, res, LINUX_SAVE_WAIT, BIG_COPY_WAIT):
        return False
    check_linux_state(name, src, dst, since, res)
    online_since = bring_up(name, src, dst, since, res) if VCPU_DOWN else None
    if VCPUS > 1:
        check_linux_vcpus(name, src, dst, since, res, online_since)
    m2.check_ticks(name, (src, dst), src, dst, since, res, timed=False)
    check_source_free(name, src, res, free0)
    return True


def linux_moves(a, b, args, res):
    free0 = setup_hosts(a, b, res)
    if free0 is None:
        return
    since = time.monotonic()
    rc, out = m2.xl_run(a, LINUX_CREATE, LINUX_CREATE_WAIT)
    up = wait_count(a, 4, since, LINUX_BOOT_WAIT)
    pattern = [l for l in a.lines(since) if "domu-cross pattern" in l]
    if not res.check("create", rc == 0 and up[0] >= 4 and pattern,
                     "rc=%d %r, last domu-cross line %r, %r" % (rc, out, up, pattern),
                     "on %s, %s" % (machine_hv(args, "a"), pattern[0] if pattern else "")):
        return
    if check_linux_move(a, b, res, free0):
        check_linux_move(b, a, res, free0)
    destroy(a, b, res, free0)


LINUX_PLAN = m2.Plan("save-cross-linux", "xl save of a Linux PV domU on one hypervisor, "
                     "xl restore on the other", machine_argv, linux_moves, LINUX_LINE,
                     lambda args: prepare(args, "save-cross-linux", LINUX_DISK_MB))
PLANS = {"xls": PLAN, "linux": LINUX_PLAN, "pvh": PVH_PLAN}


def take_vcpus(argv):
    """--vcpus N (the Linux domU's vCPUs, 1 by default) and --vcpu-down,
    taken out of argv."""
    global VCPUS, LINUX_CREATE, VCPU_DOWN
    if "--vcpu-down" in argv:
        argv.remove("--vcpu-down")
        VCPU_DOWN = True
    if "--vcpus" not in argv:
        return
    i = argv.index("--vcpus")
    n = argv[i + 1] if i + 1 < len(argv) else ""
    del argv[i:i + 2]
    if not n.isdigit() or not 1 <= int(n) <= 8:
        sys.exit("--vcpus: 1 to 8, not %r" % n)
    VCPUS = int(n)
    LINUX_CREATE += " 'vcpus=%d'" % VCPUS
    if VCPU_DOWN and VCPUS < 2:
        sys.exit("--vcpu-down needs --vcpus 2 or more")


def guest_plan(argv):
    """The plan --guest xls|linux|pvh names (xls by default), taken out of argv."""
    if "--guest" not in argv:
        return PLAN
    i = argv.index("--guest")
    name = argv[i + 1] if i + 1 < len(argv) else ""
    del argv[i:i + 2]
    if name not in PLANS:
        sys.exit("--guest: xls, linux or pvh, not %r" % name)
    return PLANS[name]


if __name__ == "__main__":
    take_vcpus(sys.argv)
    sys.exit(m2.main(guest_plan(sys.argv)))
