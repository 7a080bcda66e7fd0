"""A PVH domU that soft-resets itself, under Debian's xl and under pxl
(the xl-pvh step; guest tests/guests/hvm/domu/pvh-soft-reset.c).

    check_soft_reset(sh, res, timeout)   both toolstacks, then pxl again
                                         under pxenconsoled when asked

The guest prints a first marker and reads its xenstore `name`, shuts down
with SHUTDOWN_soft_reset (on_soft_reset left at its default, soft-reset),
and, reset in place, takes its console and xenstore rings and ports from
its HVM params again, prints a second marker, reads `name` again and
powers off with its verdict (on_poweroff = "preserve" keeps it listed).

libxl 4.17 soft-resets HVM domains only (libxl_domain_soft_reset answers
ERROR_INVAL for a PVH one) and xl then destroys the domain: under Debian's
xl the first marker is the guest's last line and the domain is gone, on
Xen and on Petrel alike.  pxl rebuilds the domain's xenstore and console
connections as libxl does for HVM (docs/xl.md): both markers, both reads,
the verdict, `pxl console` showing the second marker, the monitor's log
with xl's lines.  Either way, once the domain is destroyed nothing of it
is left: no /local/domain/ID, /libxl/ID or /vm node, and dom0 holds as
many bound event channels (evtchn lines in /proc/interrupts) as before.

`sh(cmd, timeout=30)` runs a shell command in dom0 and returns (rc, output).
"""

import re

NAME = "pvhsr"
KERNEL = "/usr/lib/petrel-domu/pvh-soft-reset.elf"
CFG = ("/etc/xl-pvh.cfg 'name=\"%s\"' 'kernel=\"%s\"' 'on_poweroff=\"preserve\"'"
       % (NAME, KERNEL))
LOG_DIR = "/var/log/xen/console"
FIRST = "pvh-soft-reset: xenstore name %s (before the reset)" % NAME
AFTER = "pvh-soft-reset: after the soft reset (rc 0)"
SECOND = "pvh-soft-reset: xenstore name %s (after the reset)" % NAME
VERDICT = "Test result: SUCCESS"
EVTCHNS = "grep -c 'evtchn:' /proc/interrupts"
WAIT_S = 60


def domid(sh):
    rc, out = sh("xl domid %s 2>/dev/null" % NAME)
    return out.strip() if rc == 0 and out.strip().isdigit() else None


def wait_gone(sh, secs):
    """Wait until no domain NAME is listed; True if none is."""
    rc, out = sh("i=0; while xl list %s >/dev/null 2>&1; do [ $i -ge %d ] && break; sleep 1; "
                 "i=$((i+1)); done; xl list %s >/dev/null 2>&1 && echo listed || echo gone"
                 % (NAME, secs, NAME), secs + 30)
    return "gone" in out


def wait_state(sh, secs):
    """Wait until NAME is listed shut down ("s"); its state column."""
    _, out = sh("i=0; until xl list %s 2>/dev/null | awk 'NR == 2 { print $5 }' | grep -q s; do "
                "[ $i -ge %d ] && break; sleep 1; i=$((i+1)); done; "
                "xl list %s 2>/dev/null | awk 'NR == 2 { print \"state\", $5 }'"
                % (NAME, secs, NAME), secs + 30)
    m = re.search(r"^state (\S+)", out, re.M)
    return m.group(1) if m else ""


def leftovers(sh, did, evtchns_before):
    """What a destroyed domain left behind: a list of findings."""
    left = []
    sh("sleep 2")
    if did:
        _, out = sh("for p in /local/domain/%s /libxl/%s; do xenstore-exists $p && echo $p; "
                    "done; xenstore-list /vm 2>/dev/null | while read u; do "
                    "[ \"$(xenstore-read /vm/$u/name 2>/dev/null)\" = %s ] && echo /vm/$u; done"
                    % (did, did, NAME))
        left += out.split()
    _, out = sh(EVTCHNS)
    if out.strip() != evtchns_before:
        left.append("dom0 evtchn bindings %s -> %s" % (evtchns_before, out.strip()))
    return left


def run(sh, res, prog, tag, timeout):
    """One domain of PROG through its soft reset; the checks under TAG."""
    sh("%s destroy %s 2>/dev/null; rm -f %s/guest-%s.log /var/log/xen/xl-%s.log"
       % (prog, NAME, LOG_DIR, NAME, NAME))
    _, before = sh(EVTCHNS)
    rc, out = sh("%s create %s" % (prog, CFG), timeout)
    did = domid(sh)
    if not res.check("%s/create" % tag, rc == 0 and did, "rc=%d: %r" % (rc, out.strip()[-400:]),
                     "d%s" % did):
        return
    sh("console-wait %s '%s' %d" % (NAME, FIRST, WAIT_S), WAIT_S + 30)
    if prog == "xl":
        gone = wait_gone(sh, WAIT_S)
        _, log = sh("cat %s/guest-%s.log; echo ===; cat /var/log/xen/xl-%s.log"
                    % (LOG_DIR, NAME, NAME))
        res.check("%s/destroyed" % tag, gone and FIRST in log and AFTER not in log and
                  "Action for shutdown reason code 5 is soft-reset" in log,
                  "libxl refuses a PVH soft reset and xl destroys the domain: gone %s, log %r"
                  % (gone, log[-900:]), "first marker only, then destroyed, as libxl")
    else:
        state = wait_state(sh, WAIT_S)
        sh("console-wait %s '%s' 5" % (NAME, VERDICT), 60)
        _, log = sh("cat %s/guest-%s.log" % (LOG_DIR, NAME))
        res.check("%s/reset" % tag, "s" in state and domid(sh) == did and
                  all(m in log for m in (FIRST, AFTER, SECOND, VERDICT)),
                  "state %r, d%s -> d%s, console log %r" % (state, did, domid(sh), log[-900:]),
                  "both markers, xenstore read after the reset, same id d%s" % did)
        _, con = sh("sleep 6 | timeout 3 pxl console %s > /tmp/pxlcon 2>&1; cat /tmp/pxlcon"
                    % NAME, timeout)
        res.check("%s/console" % tag, SECOND in con,
                  "pxl console %s did not show %r: %r" % (NAME, SECOND, con.strip()[-400:]))
        _, mlog = sh("cat /var/log/xen/xl-%s.log" % NAME)
        res.check("%s/monitor-log" % tag, re.search(
            r"Domain %s has shut down, reason code 5 0x5\nAction for shutdown reason code 5 is "
            r"soft-reset\nDone. Rebooting now\nWaiting for domain %s \(domid %s\) to die"
            % (did, NAME, did), mlog), "monitor log: %r" % mlog[-600:], "xl's lines")
        sh("pxl destroy %s" % NAME, timeout)
        wait_gone(sh, WAIT_S)
    left = leftovers(sh, did, before.strip())
    res.check("%s/nothing-left" % tag, not left, "left behind: %r" % left)


def check_soft_reset(sh, res, timeout, pxenconsoled_start=None):
    """Debian's xl, then pxl (under the running console daemon); with
    pxenconsoled_start (a command that stops xenconsoled and starts
    pxenconsoled), pxl once more under Petrel's console daemon."""
    run(sh, res, "xl", "soft-reset/xl", timeout)
    run(sh, res, "pxl", "soft-reset/pxl", timeout)
    if pxenconsoled_start:
        rc, out = sh(pxenconsoled_start, timeout)
        if res.check("soft-reset/pxenconsoled-start", rc == 0 and "started" in out,
                     "rc=%d %r" % (rc, out.strip())):
            run(sh, res, "pxl", "soft-reset/pxl-pxenconsoled", timeout)
