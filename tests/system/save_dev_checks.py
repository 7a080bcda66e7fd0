"""Save and restore of a running Linux domU with a disk and a vif (step
xl-save-devices).

    check_save_devices(t, con, res, timeout, hv)

Debian's xl creates the Linux domU (128 MiB) with a PV disk (an ext2 layout
made by busybox's mke2fs, mounted with the ext4 driver: /bin/domu-fs) and a
vif on xenbr0.  In it run: a shell that holds /mnt/keep.log open and appends
"keep N UPTIME" to it every second, and prints "domu-uptime N UPTIME" on its
console; and a TCP connection to dom0 (busybox nc at both ends) on which
each end sends a numbered line a second.  `xl save` then `xl restore`: the
counter goes on from where it was with the uptime not going back, the same
process still holds the file open, which has gained lines and reads back
whole from the disk, and the connection still carries lines both ways, none
lost.  With SAVE_DEV_MIGRATE=1, `xl migrate` to this same host follows
(the domU comes back under a new id; Xen 4.17 refuses it, no PV log-dirty,
and the domU runs on under its id) and the same checks run after it.

`t` is the system test's module (dom0_system_test), as for net_checks.
"""

import os
import re

import net_checks

DOMU = ("savd", "00:16:3e:5e:7a:41", "192.168.77.41")
DOM0_IP = "192.168.77.1"  # dom0 on xenbr0
DISK = "/tmp/savd-disk.img"
DISK_CONFIG = "\"disk=['format=raw,vdev=xvda,access=rw,target=%s']\"" % DISK
TCP_PORT = 5003
SAVE_FILE = "/tmp/savd.save"
SAVE_WAIT = 900  # seconds for xl save or restore of the 128 MiB domU under loaded TCG
RESUME_WAIT = 300  # seconds for the counter and the connection to move on after it
MIGRATE = os.environ.get("SAVE_DEV_MIGRATE", "0") == "1"
MIGRATE_CMD = 'xl migrate -s "" %s "xl migrate-receive -e"' % DOMU[0]
PREFIX = "xl-save-devices/"

# In the domU: the keeper appends to the file it holds open as fd 3
KEEPER = ("sh -c 'echo $$ >/tmp/keep.pid; exec 3>>/mnt/keep.log; i=0; while :; do "
          "u=$(cut -d\" \" -f1 /proc/uptime); echo \"keep $i $u\" >&3; "
          "echo \"domu-uptime $i $u\" >/dev/console; i=$((i+1)); sleep 1; done' "
          "</dev/null >/dev/null 2>&1 &")
# Each end of the connection sends "<tag> N" a second; dom0's nc listens
SENDER = "sh -c 'i=0; while :; do echo \"%s $i\"; i=$((i+1)); sleep 1; done'"
DOM0_END = ("(%s | sh -c 'echo $$ >/tmp/savd-nc.pid; exec nc -l -p %d >/tmp/savd-rx.log "
            "2>/dev/null') </dev/null >/dev/null 2>&1 & true" % (SENDER % "dom0-seq", TCP_PORT))
DOMU_END = ("(%s | nc %s %d >/tmp/rx.log 2>/dev/null) </dev/null >/dev/null 2>&1 &"
            % (SENDER % "domu-seq", DOM0_IP, TCP_PORT))
# A file of "<tag> N" lines: how many, whether N counts 0, 1, 2, ... in order
SEQ_AWK = ("awk '{ if ($2 != NR - 1) bad++; last = $2 } "
           "END { print \"lines\", NR, \"bad\", bad + 0, \"last\", last }'")
SEQ_LINE = re.compile(r"^lines (\d+) bad (\d+) last (-?\d*)\r?$", re.M)


def seq_state(out):
    """(lines, lines out of order, last number) from SEQ_AWK's line, or None."""
    m = SEQ_LINE.search(out)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or -1)) if m else None


def uptime_lines(t, con):
    """The domU's console's (N, uptime) pairs, in the order printed (after
    a migration, the incoming domain's log follows the first one's)."""
    _, out = t.shell_run(con, "cd %s && cat guest-%s.log guest-%s--incoming.log 2>/dev/null | "
                         "grep -a -o 'domu-uptime [0-9]* [0-9.]*'"
                         % (t.XL_CONSOLE_DIR, DOMU[0], DOMU[0]))
    return [(int(n), float(u)) for n, u in re.findall(r"domu-uptime (\d+) ([\d.]+)", out)]


def counter_went_on(old, ticks):
    """Whether the (N, uptime) pairs `ticks` start with `old` and go on past
    it, N one more each line and the uptime never going back."""
    return bool(old and len(ticks) > len(old) and ticks[:len(old)] == old and
                all(b[0] == a[0] + 1 and b[1] >= a[1] for a, b in zip(ticks, ticks[1:])))


def tcp_state(t, con):
    """(dom0's received lines, the domU's) as seq_state triples."""
    _, mine = t.shell_run(con, SEQ_AWK + " /tmp/savd-rx.log")
    _, theirs = net_checks.domu_sh(t, con, DOMU, SEQ_AWK + " /tmp/rx.log")
    return seq_state(mine), seq_state(theirs)


def domu_up(t, con, res, timeout):
    """The domU with its disk and vif, its shell listening; True if so."""
    rc, tokens, _ = t.make_domu_disks(con, timeout, (DISK,))
    t.shell_run(con, "rm -f %s/guest-%s*.log" % (t.XL_CONSOLE_DIR, DOMU[0]))
    rc2, out = t.xl_create_linux(con, DOMU[0], timeout,
                                 DISK_CONFIG + " " + net_checks.domu_config(DOMU))
    if not res.check(PREFIX + "create", rc == 0 and rc2 == 0,
                     "image rc=%d; xl create rc=%d: %r" % (rc, rc2, out.strip()[-400:])):
        return False
    rc, out = t.console_log_wait(con, DOMU[0], "domu-shell listening", t.DOMU_BOOT_WAIT)
    return res.check(PREFIX + "boot", rc == 0, "no domu-shell line: %r" % out.strip()[-600:])


def start_workload(t, con, res):
    """Mount the disk, start the keeper and both ends of the connection;
    True once lines flow on it both ways."""
    rc, out = net_checks.domu_sh(t, con, DOMU, "domu-fs -m /dev/xvda /mnt && "
                                 "grep ' /mnt ' /proc/mounts || { dmesg | tail -n 6 | "
                                 "sed 's/^\\[[^]]*\\]/dmesg:/'; "
                                 "false; }")
    if not res.check(PREFIX + "mount", rc == 0 and " ext4 " in out, "rc=%d: %r"
                     % (rc, out.strip()[-400:]), out.strip().splitlines()[-2] if rc == 0 else ""):
        return False
    t.shell_run(con, "rm -f /tmp/savd-rx.log; " + DOM0_END)
    rc, out = net_checks.domu_sh(t, con, DOMU, KEEPER)
    rc2, out2 = net_checks.domu_sh(t, con, DOMU, "sleep 2; " + DOMU_END)
    t.shell_run(con, "sleep 5")
    mine, theirs = tcp_state(t, con)
    return res.check(PREFIX + "tcp-before", rc == 0 and rc2 == 0 and mine and theirs and
                     mine[0] > 0 and theirs[0] > 0 and mine[1] == 0 and theirs[1] == 0,
                     "keeper rc=%d %r; the domU's nc rc=%d %r; dom0 got %r, the domU %r"
                     % (rc, out, rc2, out2, mine, theirs),
                     "dom0 got %r, the domU %r (lines, bad, last)" % (mine, theirs))


def keeper_state(t, con):
    """The keeper's pid, what its fd 3 is, and its file read back from the
    disk (page cache dropped) as a seq_state triple, with uptimes in order."""
    rc, out = net_checks.domu_sh(
        t, con, DOMU, "p=$(cat /tmp/keep.pid); echo pid $p fd $(readlink /proc/$p/fd/3); sync; "
        "echo 3 >/proc/sys/vm/drop_caches; %s /mnt/keep.log; awk '$3 < u { back++ } "
        "{ u = $3 } END { print \"back\", back + 0 }' /mnt/keep.log" % SEQ_AWK)
    pid = re.search(r"^pid (\d+) fd (\S*)", out, re.M)
    back = re.search(r"^back (\d+)", out, re.M)
    return (pid.groups() if pid else None, seq_state(out),
            int(back.group(1)) if back else -1, out)


def snapshot(t, con):
    """What the checks after the restore compare with."""
    return {"ticks": uptime_lines(t, con), "tcp": tcp_state(t, con),
            "keeper": keeper_state(t, con)}


def wait_moved_on(t, con, before):
    """Poll until the counter and both directions of the connection are
    well past where they were `before` (RESUME_WAIT s at most)."""
    last_tick = before["ticks"][-1][0] if before["ticks"] else 0
    mine0, theirs0 = before["tcp"]
    ticks, tcp = [], (None, None)
    for _ in range(RESUME_WAIT // 5):
        ticks, tcp = uptime_lines(t, con), tcp_state(t, con)
        if (ticks and ticks[-1][0] >= last_tick + 5 and all(tcp) and
                tcp[0][2] >= mine0[2] + 5 and tcp[1][2] >= theirs0[2] + 5):
            break
        t.shell_run(con, "sleep 5")
    return ticks, tcp


def check_survived(t, con, res, what, before):
    """After `what` (restore, migrate): the counter, the file and the
    connection all carried on from `before`."""
    ticks, (mine, theirs) = wait_moved_on(t, con, before)
    old = before["ticks"]
    last = old[-1] if old else (0, 0.0)
    new = [p for p in ticks if p[0] > last[0]]
    res.check(PREFIX + what + "-uptime", counter_went_on(old, ticks),
              "before %r; after %r" % (old[-3:], ticks[len(old) - 3:][:8]),
              "tick %d at %.2f s, then %d at %.2f s" % (last + (new[-1] if new else (-1, -1.0))))
    (pid0, seq0, _, _) = before["keeper"]
    pid, seq, back, out = keeper_state(t, con)
    res.check(PREFIX + what + "-file", pid0 and pid == pid0 and pid[1] == "/mnt/keep.log" and
              seq and seq0 and seq[1] == 0 and seq[2] > seq0[2] and back == 0,
              "before: pid and fd %r, file %r; after: %r, %r, uptime back %d times: %r"
              % (pid0, seq0, pid, seq, back, out.strip()[-400:]),
              "pid %s, %d whole lines, was %d" % (pid[0] if pid else "?",
                                                  seq[0] if seq else -1, seq0[0] if seq0 else -1))
    mine0, theirs0 = before["tcp"]
    res.check(PREFIX + what + "-tcp", mine and theirs and mine[1] == 0 and theirs[1] == 0 and
              mine[2] >= mine0[2] + 5 and theirs[2] >= theirs0[2] + 5,
              "dom0 got %r then %r; the domU %r then %r" % (mine0, mine, theirs0, theirs),
              "dom0 got %d lines (was %d), the domU %d (was %d), none lost"
              % (mine[0], mine0[0], theirs[0], theirs0[0]) if mine and theirs else "")


def save_restore(t, con, res):
    """xl save (the domain goes) and xl restore (running again); True if both did."""
    t0 = con.elapsed()
    rc, out = t.shell_run(con, "xl save %s %s; echo status $?" % (DOMU[0], SAVE_FILE), SAVE_WAIT)
    gone = t.wait_gone(con, DOMU[0])
    if not res.check(PREFIX + "save", re.search(r"\bstatus 0$", out, re.M) and gone,
                     "%r, gone %s" % (out[-600:], gone), "in %.0f s" % (con.elapsed() - t0)):
        return False
    t0 = con.elapsed()
    rc, out = t.shell_run(con, "xl restore %s; echo status $?" % SAVE_FILE, SAVE_WAIT)
    _, _, rows = t.xl_list(con)
    row = [r for r in rows if r[0] == DOMU[0]]
    return res.check(PREFIX + "restore", re.search(r"\bstatus 0$", out, re.M) and
                     len(row) == 1 and row[0][4][2:] == "----",
                     "%r, rows %r" % (out[-600:], row), "domain %s in %.0f s"
                     % (row[0][1] if row else "?", con.elapsed() - t0))


def check_migrate(t, con, res, hv):
    """xl migrate to this host; on Xen 4.17 refused with the domU running on."""
    before = snapshot(t, con)
    old = t.xl_domid(con, DOMU[0])
    t0 = con.elapsed()
    rc, out = t.xl_run(con, MIGRATE_CMD, SAVE_WAIT)
    secs = con.elapsed() - t0
    _, _, rows = t.xl_list(con)
    names = sorted(r[0] for r in rows if r[0] != "Domain-0")
    new = t.xl_domid(con, DOMU[0])
    moved = rc == 0 and new != old if hv == "petrel" else rc != 0 and new == old
    res.check(PREFIX + "migrate", names == [DOMU[0]] and old and moved,
              "rc=%d %r; domains %r; domain %s before, %s after"
              % (rc, out[-600:], names, old, new),
              "rc %d, domain %s -> %s in %.0f s" % (rc, old, new, secs))
    check_survived(t, con, res, "migrate", before)


def check_save_devices(t, con, res, timeout, hv):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    _, sums = t.shell_run(con, "md5sum %s" % t.DOMU_FILES, timeout)
    free = t.free_memory(con)
    devices = net_checks.wait_no_devices(t, con, timeout)
    start = len(con.text)
    if domu_up(t, con, res, timeout) and start_workload(t, con, res):
        before = snapshot(t, con)
        if save_restore(t, con, res):
            check_survived(t, con, res, "restore", before)
            if MIGRATE:
                check_migrate(t, con, res, hv)
    t.shell_run(con, "xl destroy %s; kill $(cat /tmp/savd-nc.pid); rm -f %s"
                % (DOMU[0], SAVE_FILE), timeout)
    left = net_checks.wait_no_devices(t, con, timeout)
    now = t.wait_free_memory(con, free)
    trouble = t.HV_TROUBLE.findall(con.text[start:])
    oops = t.dom0_dmesg_grep(con, t.DOM0_OOPS)
    res.check(PREFIX + "destroy", left == devices and now == free and not trouble and not oops,
              "left %r, before %r; free memory %s MiB, %s before; console %r; dmesg %r"
              % (left.strip(), devices.strip(), now, free, trouble, oops[:5]),
              "%s MiB free" % now)
    t.linux_down(con, res, timeout, sums)
