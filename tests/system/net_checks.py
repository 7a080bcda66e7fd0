"""Two Linux domUs and dom0 on the bridge xenbr0 under Debian's xl (step
xl-net), and create/destroy cycles of a guest whose frontends never connect
(step xl-dev-cycles).

    check_xl_net(t, con, res, timeout)     pings in every direction, a TCP
        transfer from domU A to domU B whose MD5 sums must match, a second
        vif hot-attached to A and detached, a second disk hot-attached to B
        and detached, then both destroyed with nothing left behind
    check_dev_cycles(t, con, res, timeout) DEV_CYCLES create/destroy cycles
        of hello.elf with a disk and a vif: no loop device, vif, backend or
        domain node in xenstore, or memory left after each, and every
        HV_EVERY cycles and at the end nothing left in the hypervisor
        (hv_state.py: no domain but dom0 in its event-channel and
        grant-table dumps, dom0's ports, pinned entries and maptrack
        handles as before)
    check_split_cycles(t, con, res, timeout) SPLIT_LINUX_CYCLES cycles of
        the Linux domU with a disk and a vif whose frontends connect (both
        backends in state 4), destroyed while they are connected: after
        each, nothing left in dom0 or the hypervisor, free memory as before

Both campaigns start with a warm-up cycle (checked like the others, but
it may keep one page: after a boot's first domain the hypervisor keeps one
page more, on Xen 4.17 as on Petrel); after each further cycle the free
memory must be the warm-up's to the page (physinfo's free pages, t.free_kib).

`t` is the system test's module (dom0_system_test): its shell_run,
console_log_wait, xl helpers and constants.  The domUs run dom0's commands
through /bin/domu-shell (busybox nc -ll -e /bin/sh on domu_shell=PORT).
"""

import os
import re
import shlex
import time

import hv_state
import pxl_cycles_checks

# name, MAC, address on xenbr0 (dom0 is 192.168.77.1 there)
DOMU_A = ("neta", "00:16:3e:5e:7a:11", "192.168.77.11")
DOMU_B = ("netb", "00:16:3e:5e:7a:12", "192.168.77.12")
SHELL_PORT = 7000
XFER_PORT = 5001
XFER_MIB = int(os.environ.get("NET_XFER_MIB", "100"))
XFER_WAIT = 3600  # seconds for the transfer under nested TCG on a loaded host
# The hot-attached vif: its own subnet on xenbr0, so that A answers it on eth1
HOT_MAC = "00:16:3e:5e:7a:21"
HOT_NET = "192.168.78"
HOT_DISK = "/tmp/hot-disk.img"
HOT_VDEV = "xvdb"
HOT_LINE = "PETREL-DISK hot-attached"
DEV_CYCLES = int(os.environ.get("DEV_CYCLES", "3"))
HV_EVERY = 10  # dev cycles between two reads of the hypervisor's state
PAGE_KIB = 4
SPLIT_LINUX_CYCLES = int(os.environ.get("SPLIT_LINUX_CYCLES", "20"))
DEV_DISK = "/tmp/cycle-disk.img"
DEV_CONFIG = ("\"disk=['format=raw,vdev=xvda,access=rw,target=%s']\" "
              "\"vif=['bridge=xenbr0,mac=00:16:3e:5e:7a:31']\"" % DEV_DISK)
LEFTOVERS = ("echo loops: $(/sbin/losetup -n -l -O BACK-FILE); "
             "echo vbds: $(xenstore-list /local/domain/0/backend/vbd 2>/dev/null); "
             "echo vifs: $(xenstore-list /local/domain/0/backend/vif 2>/dev/null) "
             "$(ls /sys/class/net | grep ^vif); "
             "echo domains: $(xenstore-list /local/domain); "
             "echo libxl: $(xenstore-list /libxl 2>/dev/null)")
# Up to 20 s for the loop devices and vif backends to go, then LEFTOVERS
WAIT_LEFTOVERS = ("i=0; while { [ -n \"$(/sbin/losetup -n -l -O NAME)\" ] || "
                  "[ -n \"$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)\" ]; "
                  "} && [ $i -lt 100 ]; do usleep 200000; i=$((i+1)); done; " + LEFTOVERS)
# One xl-dev-cycles cycle as a script put in dom0 once: one short command
# over the serial console per cycle instead of four long ones.  It prints
# xl create's status and output's tail, and if it succeeded xl destroy's,
# then what is left (WAIT_LEFTOVERS) after "leftovers:" and physinfo's
# free KiB after "free-kib:".
DEV_SCRIPT = "/tmp/xl-dev-cycle"
DEV_CYCLE = """xl create /etc/xl-hello.cfg 'name="devcyc"' %s > /tmp/xl.out 2>&1
rc=$?
echo create-rc=$rc
tail -n 15 /tmp/xl.out
[ $rc = 0 ] || exit 0
xl destroy devcyc > /tmp/xl.out 2>&1
echo destroy-rc=$?
tail -n 15 /tmp/xl.out
echo leftovers:
%s
echo free-kib: $(%s)
""" % (DEV_CONFIG, WAIT_LEFTOVERS, pxl_cycles_checks.FREE_KIB)
DEV_OUT = re.compile(r"^create-rc=(\d+)\n(.*?)(?:^destroy-rc=(\d+)\n(.*?)^leftovers:\n(.*?)"
                     r"^free-kib: *(\d*)\s*$|\Z)", re.M | re.S)


def domu_config(domu):
    name, mac, ip = domu
    return ("\"vif=['bridge=xenbr0,mac=%s']\" "
            "'extra=\"console=hvc0 domu_ip=%s/24 domu_peer=%s domu_shell=%d\"'"
            % (mac, ip, "192.168.77.1", SHELL_PORT))


def domu_sh(t, con, domu, cmd, timeout=120):
    """Run `cmd` in the domU's shell over the network; (its exit status or
    -1 if none came back, its output)."""
    cmd += " " if cmd.endswith("&") else "; "
    rc, out = t.shell_run(con, "printf '%%s\\n' %s | timeout %d nc %s %d" % (
        shlex.quote("exec 2>&1; " + cmd + "echo domu-rc=$?"), timeout, domu[2], SHELL_PORT), timeout + 60)
    m = re.search(r"^domu-rc=(\d+)\r?$", out, re.M)
    return (int(m.group(1)) if m else -1), out.replace("\r", "")


def ping_count(out):
    m = re.search(r"(\d+) packets received", out)
    return int(m.group(1)) if m else -1


def domu_up(t, con, res, domu, timeout, extra=""):
    """xl create the domU with its vif and shell (and the config lines
    `extra`); True once its shell listens."""
    name = domu[0]
    t.shell_run(con, "rm -f %s/guest-%s.log" % (t.XL_CONSOLE_DIR, name))
    rc, out = t.xl_create_linux(con, name, timeout, domu_config(domu) + extra)
    if not res.check("xl-net/create-" + name, rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        return False
    rc, out = t.console_log_wait(con, name, "domu-shell listening", t.DOMU_BOOT_WAIT)
    return res.check("xl-net/boot-" + name, rc == 0,
                     "no domu-shell line in guest-%s.log: %r" % (name, out.strip()[-600:]))


def check_pings(t, con, res, a, b):
    """domU -> dom0 (the domU's boot pinged it), dom0 -> domU, A <-> B."""
    for domu in (a, b):
        _, log = t.shell_run(con, "grep '^domu-net ping' %s/guest-%s.log"
                             % (t.XL_CONSOLE_DIR, domu[0]))
        res.check("xl-net/ping-%s-dom0" % domu[0],
                  re.search(r"^domu-net ping \S+: 3 received", log, re.M),
                  "the domU's ping of dom0: %r" % log.strip())
        _, out = t.shell_run(con, "ping -c 3 -W 5 %s" % domu[2], 60)
        res.check("xl-net/ping-dom0-" + domu[0], ping_count(out) == 3,
                  "dom0's ping: %r" % out.strip()[-300:])
    for src, dst in ((a, b), (b, a)):
        rc, out = domu_sh(t, con, src, "ping -c 3 -W 5 %s" % dst[2])
        res.check("xl-net/ping-%s-%s" % (src[0], dst[0]), rc == 0 and ping_count(out) == 3,
                  "rc=%d: %r" % (rc, out.strip()[-300:]))


def check_transfer(t, con, res, a, b):
    """XFER_MIB MiB of /dev/urandom from A to B over TCP (busybox nc); each
    end takes the MD5 sum of what it sent or received."""
    rc, out = domu_sh(t, con, b, "rm -f /tmp/rx.sum; (nc -l -p %d -e /bin/sh -c "
                      "'md5sum > /tmp/rx.part && mv /tmp/rx.part /tmp/rx.sum') "
                      "</dev/null >/dev/null 2>&1 &" % XFER_PORT)
    t0 = con.elapsed()
    rc2, sent = domu_sh(t, con, a, "sleep 2; rm -f /tmp/f; mkfifo /tmp/f; "
                        "md5sum </tmp/f >/tmp/tx.sum & head -c %d /dev/urandom | tee /tmp/f "
                        "| nc %s %d; echo sent=$?; wait; cat /tmp/tx.sum"
                        % (XFER_MIB << 20, b[2], XFER_PORT), XFER_WAIT)
    secs = con.elapsed() - t0
    rc3, got = domu_sh(t, con, b, "i=0; while [ ! -s /tmp/rx.sum ] && [ $i -lt 30 ]; do "
                       "sleep 1; i=$((i+1)); done; cat /tmp/rx.sum", 120)
    tx = re.search(r"^([0-9a-f]{32})  -$", sent, re.M)
    rx = re.search(r"^([0-9a-f]{32})  -$", got, re.M)
    res.check("xl-net/transfer", rc == 0 and rc2 == 0 and "sent=0" in sent and tx and rx and
              tx.group(1) == rx.group(1),
              "receiver rc=%d; sender rc=%d %r; receiver's sum rc=%d %r"
              % (rc, rc2, sent.strip()[-300:], rc3, got.strip()[-300:]),
              "%d MiB in %.0f s, md5 %s" % (XFER_MIB, secs, tx.group(1) if tx else "?"))


def network_rows(t, con, name, want, timeout):
    """xl network-list's (idx, mac, state) rows, polled up to 30 s for `want`."""
    rows = []
    for _ in range(30):
        _, out = t.shell_run(con, "xl network-list %s" % name, timeout)
        rows = [tuple(r[i] for i in (0, 2, 4)) for r in
                (line.split() for line in out.splitlines()[1:]) if len(r) > 4]
        if rows == want:
            break
        t.shell_run(con, "sleep 1")
    return rows


def eth1_counts(t, con, a):
    rc, out = domu_sh(t, con, a, "cat /sys/class/net/eth1/statistics/rx_packets "
                      "/sys/class/net/eth1/statistics/tx_packets")
    nums = [int(n) for n in re.findall(r"^(\d+)$", out, re.M)]
    return nums if rc == 0 and len(nums) == 2 else [-1, -1]


def check_network_attach(t, con, res, a, domid, timeout):
    """xl network-attach of a second vif to the running A: it connects,
    becomes A's eth1 and carries dom0's ping; xl network-detach removes it."""
    name, mac = a[0], a[1]
    first = [("0", mac, "4")]
    rows = network_rows(t, con, name, first, timeout)
    res.check("xl-net/network-list-before", rows == first, "rows %r" % rows)
    rc, out = t.xl_run(con, "xl network-attach %s bridge=xenbr0 mac=%s" % (name, HOT_MAC),
                       timeout)
    rows = network_rows(t, con, name, first + [("1", HOT_MAC, "4")], timeout)
    res.check("xl-net/network-attach", rc == 0 and rows == first + [("1", HOT_MAC, "4")],
              "rc=%d %r; rows %r" % (rc, out, rows))
    rc, out = domu_sh(t, con, a, "i=0; while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 30 ]; "
                      "do sleep 1; i=$((i+1)); done; sysctl -w net.ipv4.conf.all.arp_ignore=1 "
                      ">/dev/null; ip addr add %s.11/24 dev eth1 && ip link set eth1 up && "
                      "cat /sys/class/net/eth1/address" % HOT_NET)
    before = eth1_counts(t, con, a)
    t.shell_run(con, "ip addr add %s.1/24 dev xenbr0" % HOT_NET)
    _, ping = t.shell_run(con, "ping -c 3 -W 5 %s.11" % HOT_NET, 60)
    after = eth1_counts(t, con, a)
    res.check("xl-net/network-attach-traffic", rc == 0 and HOT_MAC in out and
              ping_count(ping) == 3 and min(before) >= 0 and after[0] >= before[0] + 3 and
              after[1] >= before[1] + 3,
              "eth1 rc=%d %r; dom0's ping %r; eth1 rx/tx packets %r then %r"
              % (rc, out.strip()[-300:], ping.strip()[-300:], before, after),
              "eth1 rx/tx %r -> %r" % (before, after))
    rc, out = t.xl_run(con, "xl network-detach %s 1" % name, timeout)
    rows = network_rows(t, con, name, first, timeout)
    rc2, left = domu_sh(t, con, a, "i=0; while [ -e /sys/class/net/eth1 ] && [ $i -lt 30 ]; "
                        "do sleep 1; i=$((i+1)); done; ls /sys/class/net")
    _, vifs = t.shell_run(con, "ip addr del %s.1/24 dev xenbr0; ls /sys/class/net | grep ^vif"
                          % HOT_NET)
    res.check("xl-net/network-detach", rc == 0 and rows == first and rc2 == 0 and
              "eth1" not in left and "vif%s.1" % domid not in vifs,
              "rc=%d %r; rows %r; A's interfaces %r; dom0's vifs %r"
              % (rc, out, rows, left.strip(), vifs.strip()))


def check_block_attach(t, con, res, b, timeout):
    """xl block-attach of a disk to the running B: the domU reads dom0's
    line in it and writes its own; xl block-detach takes it away and the
    domU's line is in the image."""
    name = b[0]
    rc, tokens, _ = t.make_domu_disks(con, timeout, (HOT_DISK,))
    rc2, out = t.xl_run(con, "xl block-attach %s 'format=raw,vdev=%s,access=rw,target=%s'"
                        % (name, HOT_VDEV, HOT_DISK), timeout)
    rc3, seen = domu_sh(t, con, b, "i=0; while [ ! -e /sys/block/%s ] && [ $i -lt 30 ]; do "
                        "sleep 1; i=$((i+1)); done; dd if=/dev/%s bs=512 count=1 2>/dev/null "
                        "| tr -d '\\000'; printf '%s\\n' | dd of=/dev/%s bs=512 seek=8 "
                        "conv=notrunc,fsync 2>/dev/null"
                        % (HOT_VDEV, HOT_VDEV, HOT_LINE, HOT_VDEV))
    _, blocks = t.shell_run(con, "xl block-list %s" % name, timeout)
    res.check("xl-net/block-attach", rc == 0 and rc2 == 0 and rc3 == 0 and
              "PETREL-DISK dom0 %s" % tokens[0] in seen and
              re.search(r"^51728\s+\d+\s+\d+\s+4\s", blocks, re.M),
              "image rc=%d, attach rc=%d %r; the domU read rc=%d %r; block-list %r"
              % (rc, rc2, out, rc3, seen.strip()[-300:], blocks.strip()))
    rc, out = t.xl_run(con, "xl block-detach %s %s" % (name, HOT_VDEV), timeout)
    rc2, left = domu_sh(t, con, b, "i=0; while [ -e /sys/block/%s ] && [ $i -lt 30 ]; do "
                        "sleep 1; i=$((i+1)); done; ls /sys/block" % HOT_VDEV)
    _, state = t.shell_run(con, "i=0; while /sbin/losetup -n -l -O BACK-FILE | grep -q %s && "
                           "[ $i -lt 50 ]; do usleep 200000; i=$((i+1)); done; "
                           "xl block-list %s; /sbin/losetup -n -l -O BACK-FILE; "
                           "dd if=%s bs=512 skip=8 count=1 2>/dev/null | tr -d '\\000'"
                           % (HOT_DISK, name, HOT_DISK), timeout)
    res.check("xl-net/block-detach", rc == 0 and rc2 == 0 and HOT_VDEV not in left and
              "51728" not in state and HOT_LINE in state and
              HOT_DISK not in state.replace(HOT_LINE, ""),
              "detach rc=%d %r; the domU's disks rc=%d %r; dom0: %r"
              % (rc, out, rc2, left.strip(), state.strip()))


def wait_no_devices(t, con, timeout):
    """Poll until no loop device or vif backend is left (up to 20 s); the
    loop devices, vbd and vif backends, vifs, domains and libxl nodes."""
    _, out = t.shell_run(con, WAIT_LEFTOVERS, timeout + 120)
    return out.replace("\r", "")


def check_xl_net(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    _, sums = t.shell_run(con, "md5sum %s" % t.DOMU_FILES, timeout)
    free = t.free_memory(con)
    before = wait_no_devices(t, con, timeout)
    hv_before = hv_state.read(t.shell_fn(con))
    start = len(con.text)
    a, b = DOMU_A, DOMU_B
    if domu_up(t, con, res, a, timeout) and domu_up(t, con, res, b, timeout):
        check_pings(t, con, res, a, b)
        check_transfer(t, con, res, a, b)
        check_network_attach(t, con, res, a, t.xl_domid(con, a[0]), timeout)
        check_block_attach(t, con, res, b, timeout)
    t.shell_run(con, "xl destroy %s; xl destroy %s" % (a[0], b[0]), timeout)
    left = wait_no_devices(t, con, timeout)
    now = t.wait_free_memory(con, free)
    hv_left = hv_state.leftovers(hv_before, hv_state.read(t.shell_fn(con)))
    trouble = t.HV_TROUBLE.findall(con.text[start:])
    oops = t.dom0_dmesg_grep(con, t.DOM0_OOPS)
    res.check("xl-net/destroy", left == before and now == free and not hv_left and
              not trouble and not oops,
              "left %r, before %r; free memory %s MiB, %s before; hypervisor %r; console %r; "
              "dmesg %r" % (left.strip(), before.strip(), now, free, hv_left, trouble, oops[:5]),
              "%s MiB free, %s" % (now, hv_state.summary(hv_before)))
    t.linux_down(con, res, timeout, sums)


def free_left(t, con, free, now=None):
    """None, or the free memory when it is not `free` KiB (polled unless
    `now`, a reading already made, is right); with `free` a 1-tuple (the
    free KiB before the warm-up), up to a page less."""
    warm = isinstance(free, tuple)
    want = free[0] if warm else free
    low = want - PAGE_KIB if warm else want

    def fine(kib):
        return kib is not None and low <= kib <= want
    now = t.free_kib(con) if now is None else now
    if not fine(now):
        now = t.wait_free_memory(con, want, t.free_kib)
    if fine(now):
        return None
    return "free %s KiB, %s before%s" % (now, want, " the warm-up" if warm else "")


def progress(name, done, cycles, problem):
    """A line on the test's output after each cycle (long campaigns)."""
    print("%s: %d of %d cycles passed at %s%s" % (
        name, done, cycles, time.strftime("%H:%M:%S"), "" if problem is None else
        "; the next failed"), flush=True)


def warm_up(problem):
    return problem and "warm-up cycle: " + problem


def free_after_warm_up(t, con):
    """The free KiB every later cycle must come back to.  The warm-up
    passes as soon as its free memory is within a page: a late frame has
    2 s more to come back before this is read."""
    t.shell_run(con, "sleep 2")
    return t.free_kib(con)


def dev_cycle(t, con, timeout, free, before):
    """One xl create of hello.elf (it powers off; the domain is kept) with a
    disk and a vif, xl destroy (DEV_SCRIPT); None, or what was left."""
    _, out = t.shell_run(con, "sh " + DEV_SCRIPT, t.XL_CREATE_TIMEOUT + timeout + 120)
    m = DEV_OUT.search(out.replace("\r", ""))
    if not m or m.group(1) != "0":
        return "xl create: %r" % out.strip()[-900:]
    if m.group(3) is None:
        return "no end of the cycle: %r" % out.strip()[-900:]
    left, kib = m.group(5), m.group(6)
    mem = free_left(t, con, free, int(kib) if kib else None)
    if m.group(3) != "0" or left.strip() != before.strip() or mem:
        return "destroy rc=%s %r; left %r, before %r; %s" % (
            m.group(3), m.group(4).strip()[-900:], left.strip(), before.strip(), mem)
    return None


def check_dev_cycles(t, con, res, timeout):
    # xl create waits for the console daemon to take the guest's console
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    rc, _, _ = t.make_domu_disks(con, timeout, (DEV_DISK,))
    free = t.free_kib(con)
    before = wait_no_devices(t, con, timeout)
    scripts = (pxl_cycles_checks.put_script(t, con, DEV_SCRIPT, DEV_CYCLE) and
               pxl_cycles_checks.put_script(t, con, pxl_cycles_checks.HV_SCRIPT,
                                            hv_state.DUMP + "\n"))
    hv_before = pxl_cycles_checks.hv_read(t, con)
    start = len(con.text)
    problem = None if rc == 0 else "no image %s" % DEV_DISK
    problem = problem or (None if scripts else "could not write the cycle's scripts in dom0")
    problem = problem or warm_up(dev_cycle(t, con, timeout, (free,), before))
    free = free_after_warm_up(t, con)
    done = 0
    while problem is None and done < DEV_CYCLES:
        problem = dev_cycle(t, con, timeout, free, before)
        if problem is None and ((done + 1) % HV_EVERY == 0 or done + 1 == DEV_CYCLES):
            hv_left = hv_state.leftovers(hv_before, pxl_cycles_checks.hv_read(t, con))
            problem = "hypervisor: %s" % "; ".join(hv_left) if hv_left else None
        done += problem is None
        progress("xl-dev-cycles", done, DEV_CYCLES, problem)
    trouble = t.HV_TROUBLE.findall(con.text[start:])
    oops = t.dom0_dmesg_grep(con, t.DOM0_OOPS)
    res.check("xl-dev-cycles", problem is None and not trouble and not oops,
              "cycle %d of %d: %s; console %r; dmesg %r"
              % (done + 1, DEV_CYCLES, problem, trouble, oops[:5]),
              "%d cycles, %s KiB free, %s" % (done, free, hv_state.summary(hv_before)))
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


SPLIT_NAME = "splcyc"
VBD_STATE = "/local/domain/0/backend/vbd/%s/51712/state"
VIF_STATE = "/local/domain/0/backend/vif/%s/0/state"


# libxl's words when a hotplug script outlasts its wait (Debian's block
# script under nested TCG at load ~35 took longer once in three cycles).
HOTPLUG_TIMEOUT = "because of timeout"


def nothing_left(t, con, timeout, free, before, hv_before):
    """None, or what dom0 or the hypervisor still holds."""
    left = wait_no_devices(t, con, timeout)
    mem = free_left(t, con, free)
    hv_left = hv_state.leftovers(hv_before, hv_state.read(t.shell_fn(con)))
    if left != before or mem or hv_left:
        return "left %r, before %r; %s; hypervisor %r" % (
            left.strip(), before.strip(), mem, hv_left)
    return None


def split_create(t, con, timeout, free, before, hv_before):
    """xl create of the Linux domU with its disk and vif, once more if a
    hotplug script timed out and the failed create left nothing; None or
    what went wrong."""
    for attempt in (1, 2):
        t.shell_run(con, "rm -f %s/guest-%s.log" % (t.XL_CONSOLE_DIR, SPLIT_NAME))
        rc, out = t.xl_create_linux(con, SPLIT_NAME, timeout,
                                    t.DOMU_DISK_RW + " " + t.DOMU_NET)
        if rc == 0:
            return None
        problem = "xl create: rc=%d %r" % (rc, out.strip()[-300:])
        left = nothing_left(t, con, timeout, free, before, hv_before)
        if left or HOTPLUG_TIMEOUT not in out or attempt == 2:
            return problem + ("; then %s" % left if left else "")
        print("note: xl-split-cycles: a hotplug script timed out, nothing left; "
              "created again", flush=True)


def split_cycle(t, con, timeout, free, before, hv_before):
    """One xl create of the Linux domU with a disk and a vif, its marker and
    both backends connected, xl destroy; None, or what went wrong or was
    left."""
    problem = split_create(t, con, timeout, free, before, hv_before)
    if problem:
        return problem
    domid = t.xl_domid(con, SPLIT_NAME)
    rc, log = t.console_log_wait(con, SPLIT_NAME, t.DOMU_MARKER, t.DOMU_BOOT_WAIT)
    vbd = t.wait_device_state(con, VBD_STATE % domid, 4, timeout)
    vif = t.wait_device_state(con, VIF_STATE % domid, 4, timeout)
    rc2, out = t.xl_run(con, "xl destroy %s" % SPLIT_NAME, timeout)
    if rc != 0 or vbd != "4" or vif != "4" or rc2 != 0:
        return "marker rc=%d %r; vbd state %r, vif state %r; xl destroy rc=%d %r" % (
            rc, log.strip()[-300:], vbd, vif, rc2, out.strip()[-200:])
    return nothing_left(t, con, timeout, free, before, hv_before)


def check_split_cycles(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    _, sums = t.shell_run(con, "md5sum %s" % t.DOMU_FILES, timeout)
    rc, _, _ = t.make_domu_disks(con, timeout, (t.DOMU_DISK,))
    free = t.free_kib(con)
    before = wait_no_devices(t, con, timeout)
    hv_before = hv_state.read(t.shell_fn(con))
    start = len(con.text)
    problem = None if rc == 0 else "no image %s" % t.DOMU_DISK
    problem = problem or warm_up(split_cycle(t, con, timeout, (free,), before, hv_before))
    free = free_after_warm_up(t, con)
    done = 0
    while problem is None and done < SPLIT_LINUX_CYCLES:
        problem = split_cycle(t, con, timeout, free, before, hv_before)
        done += problem is None
        progress("xl-split-cycles", done, SPLIT_LINUX_CYCLES, problem)
    t.shell_run(con, "xl destroy %s" % SPLIT_NAME, timeout)
    trouble = t.HV_TROUBLE.findall(con.text[start:])
    oops = t.dom0_dmesg_grep(con, t.DOM0_OOPS)
    res.check("xl-split-cycles", problem is None and hv_before is not None and
              not trouble and not oops,
              "cycle %d of %d: %s; console %r; dmesg %r"
              % (done + 1, SPLIT_LINUX_CYCLES, problem, trouble, oops[:5]),
              "%d cycles, %s KiB free, %s" % (done, free, hv_state.summary(hv_before)))
    t.linux_down(con, res, timeout, sums)
