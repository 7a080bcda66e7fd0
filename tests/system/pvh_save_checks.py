"""Save and restore of a running PVH Linux domU (step xl-pvh-save).

    check_pvh_save(t, con, res, timeout)

Debian's xl creates the Linux domU of xl-pvh-linux (dom0's kernel and its
busybox initramfs, 128 MiB, type = "pvh", one vCPU, or PVH_SAVE_VCPUS)
with Debian's xenconsoled running.  Once it ticks, `xl save` writes it to a
file (the domain is gone), `xl restore` brings it back: listed running, its
domu-tick counter goes on from where it stopped (the next tick is one more
than the last one saved, none repeated), on the console xenconsoled
reconnects to; `xl destroy` then ends it and xl info's free memory is back
where it was before the create.

`t` is the system test's module (dom0_system_test), as for net_checks.
"""

import os
import re

NAME = "pvhsav"
SAVE_FILE = "/tmp/pvhsav.save"
SAVE_WAIT = 900  # seconds for xl save or restore of the 128 MiB domU under loaded TCG
TICK_WAIT = 120  # seconds for the restored domU's ticks to go on
PREFIX = "xl-pvh-save/"
VCPUS = int(os.environ.get("PVH_SAVE_VCPUS", "1"))  # the domU's vCPUs
# PVH_SAVE_TRACE=1: the restore as `usclock -l xl -vvv restore`, its log and
# (Petrel) the hcstats counted from libxl's END record to its console watch;
# =strace: under strace -f as well (a dom0 image built with DOM0_STRACE=1);
# =both: a usclock restore, then a second save and an strace one.
TRACE = os.environ.get("PVH_SAVE_TRACE", "")
RESTORE_LOG = "/tmp/restore.out"
END_LINE = "Record: 0,"
WATCH_LINE = "console/tty token=3/0: register"
# In the background: hcstats reset at the END record, printed at the watch.
WATCHER = ("(until grep -q '%s' %s 2>/dev/null; do sleep 0.02; done; xl debug-keys P; "
           "until grep -q '%s' %s; do sleep 0.02; done; xl debug-keys p) > /dev/null 2>&1 & true"
           % (END_LINE, RESTORE_LOG, WATCH_LINE, RESTORE_LOG))
STRACE = "strace -f -ttt -T -s 200 -o /tmp/restore.st "


def tick_numbers(t, con):
    """Every domu-tick number in the domU's console log, in order."""
    _, out = t.shell_run(con, "grep -a -o 'domu-tick [0-9]*' %s/guest-%s.log"
                         % (t.XL_CONSOLE_DIR, NAME))
    return [int(n) for n in re.findall(r"domu-tick (\d+)", out)]


def went_on(before, after):
    """Whether the ticks `after` start with `before` and go on past its last
    one by at least three, each one more than the one before (the counter
    of the restored domU continues, nothing repeated or skipped)."""
    return bool(before and len(after) >= len(before) + 3 and after[:len(before)] == before and
                all(b == a + 1 for a, b in zip(after, after[1:])))


def boot(t, con, res, timeout):
    """The PVH domU created and ticking; True if so."""
    t.shell_run(con, "rm -f %s/guest-%s.log %s" % (t.XL_CONSOLE_DIR, NAME, SAVE_FILE))
    rc, out = t.xl_create_linux(con, NAME, timeout,
                                "'type=\"pvh\"' 'vcpus=%d' %s" % (VCPUS, t.PVH_LINUX_EXTRA))
    if not res.check(PREFIX + "create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        return False
    if not t.check_pvh_marker(con, res, NAME, PREFIX + "boot", VCPUS):
        return False
    rc, out = t.console_log_wait(con, NAME, "domu-tick 3", 120)
    return res.check(PREFIX + "ticks", rc == 0, "no domu-tick 3: %r" % out.strip()[-400:])


def save(t, con, res):
    """xl save: status 0 and the domain gone; True if so."""
    rc, out = t.shell_run(con, "xl save %s %s; echo status $?" % (NAME, SAVE_FILE), SAVE_WAIT)
    gone = t.wait_gone(con, NAME)
    return res.check(PREFIX + "save", re.search(r"\bstatus 0$", out, re.M) and gone,
                     "%r, gone %s" % (out[-600:], gone), "saved and gone")


def restore_command(t, con, trace):
    """The shell command that restores the domU (traced or not)."""
    if not trace:
        return "xl restore %s; echo status $?" % SAVE_FILE
    t.shell_run(con, "rm -f %s; %s" % (RESTORE_LOG, WATCHER))
    # -e: no xl left waiting for the domain's death (strace would wait for it)
    xl = (STRACE if trace == "strace" else "") + "xl -vvv restore -e"
    return "usclock -l restore %s %s > %s 2>&1; echo status $?" % (xl, SAVE_FILE, RESTORE_LOG)


def print_trace(t, con, trace):
    """The restore's stamped log, the hcstats of its step (Petrel) and the
    system calls from END to the console watch, to the serial log."""
    t.shell_run(con, "sleep 3; grep -v '^ *[0-9]* xc: detail' %s | tail -n 120" % RESTORE_LOG, 120)
    t.shell_run(con, "xl dmesg | grep -a 'hcstats: ' | tail -n 40", 120)
    if trace == "strace":
        t.shell_run(con, "awk '/%s/{on=1} on{print} /%s/{exit}' /tmp/restore.st | tail -n 1500"
                    % (END_LINE, WATCH_LINE.replace("/", ".")), 300)


def restore(t, con, res, before, trace=TRACE):
    """xl restore: listed running again and its counter going on."""
    rc, out = t.shell_run(con, restore_command(t, con, trace), SAVE_WAIT)
    if trace:
        print_trace(t, con, trace)
    ok = re.search(r"\bstatus 0$", out, re.M) is not None
    _, _, rows = t.xl_list(con)
    row = [r for r in rows if r[0] == NAME]
    res.check(PREFIX + "restore", ok and len(row) == 1 and row[0][4][2:] == "----",
              "%r, rows %r" % (out[-600:], row), " ".join(row[0]) if row else "")
    after = tick_numbers(t, con)
    for _ in range(TICK_WAIT // 5):
        if went_on(before, after):
            break
        t.shell_run(con, "sleep 5")
        after = tick_numbers(t, con)
    res.check(PREFIX + "ticks-go-on", went_on(before, after),
              "ticks %r before the save, %r after the restore" % (before[-5:], after[-8:]),
              "tick %d saved, now %d" % (before[-1] if before else -1,
                                         after[-1] if after else -1))


def check_pvh_save(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    start = t.free_memory(con)
    if boot(t, con, res, timeout) and save(t, con, res):
        restore(t, con, res, tick_numbers(t, con))
        if TRACE == "both" and save(t, con, res):
            restore(t, con, res, tick_numbers(t, con), "strace")
    rc, out = t.shell_run(con, "xl destroy %s" % NAME, timeout)
    gone = t.wait_gone(con, NAME)
    res.check(PREFIX + "destroy", rc == 0 and gone,
              "rc=%d %r, still listed: %s" % (rc, out.strip()[-200:], not gone))
    now = t.wait_free_memory(con, start)
    res.check(PREFIX + "free", start is not None and now == start,
              "free memory %s MiB after, %s MiB before" % (now, start), "%s MiB" % now)
    t.shell_run(con, "rm -f %s; kill $(cat /run/xenconsoled.pid)" % SAVE_FILE, timeout)
