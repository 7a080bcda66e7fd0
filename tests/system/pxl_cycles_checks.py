"""Create/destroy cycles of Petrel's xl (steps pxl-cycles and
pxl-linux-cycles, run only when named in --only): each cycle leaves nothing
behind, on Petrel as on Xen 4.17.

    check_pxl_cycles(t, con, res, timeout)        PXL_CYCLES (100) cycles of
        hello.elf under pxenconsoled: pxl create, its output in its console
        log, pxl destroy
    check_pxl_linux_cycles(t, con, res, timeout)  PXL_LINUX_CYCLES (20)
        cycles of the Linux domU under Debian's xenconsoled: pxl create, its
        marker in its console log, pxl destroy of the running domain

One cycle first warms up: after a boot's first domain the hypervisor keeps
one page more (on Xen 4.17 as on Petrel: 4 KiB less free for good).  After
every further cycle dom0 must be as after the warm-up (polled up to
SETTLE_WAIT s): the same /local/domain, /vm and /libxl children in
xenstore, no libxl userdata file but dom0's, the same /dev/pts entries and
as many descriptors held by the console daemon (the dead domain's pty
closed), no pxl process (the monitor pxl create forked has ended), and the
same free pages (physinfo's free_pages in KiB, from the `Mem:` line `pxl
top -i 1` prints as xentop does; xl info's free_memory is in MiB).  Every
HV_EVERY cycles and after the last, nothing left in the hypervisor either
(hv_state.py: event channels and grant entries).

`t` is the system test's module (dom0_system_test).
"""

import hashlib
import os
import re
import shlex

import console_checks
import hv_state

PXL_CYCLES = int(os.environ.get("PXL_CYCLES", "100"))
PXL_LINUX_CYCLES = int(os.environ.get("PXL_LINUX_CYCLES", "20"))
HV_EVERY = int(os.environ.get("PXL_CYCLES_HV_EVERY", "10"))
SETTLE_WAIT = 30  # seconds for a dead domain's pty, pages and monitor to go
HELLO_NAME = "pcyc"
LINUX_NAME = "plcyc"
XENCONSOLED_PID = "/run/xenconsoled.pid"
PXENCONSOLED = console_checks.START.replace("--log=all", "--log=guest")

# dom0's view, one "key: values" line each, from a script put in dom0 once
# (long command lines typed over the serial console under load lose bytes);
# its argument is the console daemon's pid file
STATE_SCRIPT = "/tmp/pxl-cycles-state"
HV_SCRIPT = "/tmp/pxl-cycles-hv"
# physinfo's free pages in KiB, from the `Mem:` line pxl top prints as xentop does
FREE_KIB = "pxl top -i 1 | sed -n 's/^Mem: .* \\([0-9]*\\)k free .*/\\1/p'"
STATE = """echo domains: $(xenstore-list /local/domain)
echo vm: $(xenstore-list /vm 2>/dev/null)
echo libxl: $(xenstore-list /libxl 2>/dev/null)
echo userdata: $(ls /var/lib/xen 2>/dev/null | grep userdata-)
echo pts: $(ls /dev/pts)
echo daemon-fds: $(ls /proc/$(cat $1)/fd | wc -l)
echo pxl: $(pidof pxl)
echo free-kib: $(%s)
""" % FREE_KIB
STATE_LINE = re.compile(r"^(domains|vm|libxl|userdata|pts|daemon-fds|pxl|free-kib):(.*)$", re.M)


def put_script(t, con, path, text):
    """Write `text` to `path` in dom0, checked by its MD5 sum; True if it is there."""
    want = hashlib.md5(text.encode()).hexdigest()
    for _ in range(3):
        _, out = t.shell_run(con, "printf '%%s' %s > %s; md5sum %s"
                             % (shlex.quote(text), path, path), 60)
        if want in out:
            return True
    return False


def hv_read(t, con):
    """hv_state.read through HV_SCRIPT."""
    return hv_state.read(lambda _, timeout: t.shell_run(con, "sh " + HV_SCRIPT, timeout))


def dom0_state(t, con, pid_file):
    """{key: value} of STATE; an empty daemon-fds or free-kib means unread."""
    _, out = t.shell_run(con, "sh %s %s" % (STATE_SCRIPT, pid_file), 60)
    return {m.group(1): m.group(2).strip() for m in STATE_LINE.finditer(out)}


def differences(before, now):
    return ["%s %r, %r before" % (k, now.get(k), v) for k, v in before.items()
            if now.get(k) != v]


def settled(t, con, pid_file, before):
    """Poll dom0's state until it is `before`; None or what differs."""
    for _ in range(SETTLE_WAIT):
        diff = differences(before, dom0_state(t, con, pid_file))
        if not diff:
            return None
        t.shell_run(con, "sleep 1")
    return "; ".join(diff)


def usable(state):
    return len(state) == 8 and state["daemon-fds"] not in ("", "0") and \
        state["free-kib"].isdigit() and state["domains"] == "0" and not state["pxl"]


def run(t, con, cmd, timeout):
    """(exit status, output's tail) of a dom0 command; the status comes with
    the shell's end marker, which a hypervisor line cannot split."""
    rc, out = t.shell_run(con, "%s > /tmp/pxl-cycles.out 2>&1; r=$?; "
                          "tail -n 15 /tmp/pxl-cycles.out; (exit $r)" % cmd, timeout)
    return rc, out.strip()[-900:]


def cycle(t, con, timeout, guest):
    """pxl create of guest (xl.cfg, name, console marker, seconds to wait for
    it), its marker in its console log, pxl destroy; None or what failed."""
    cfg, name, marker, wait = guest
    t.shell_run(con, "rm -f %s/guest-%s.log" % (t.XL_CONSOLE_DIR, name))
    rc, out = run(t, con, "pxl create %s 'name=\"%s\"'" % (cfg, name), t.XL_CREATE_TIMEOUT)
    if rc != 0:
        return "pxl create: rc=%d %r" % (rc, out)
    rc, log = t.console_log_wait(con, name, marker, wait)
    rc2, out = run(t, con, "pxl destroy %s" % name, timeout)
    if rc != 0 or rc2 != 0:
        return "marker rc=%d %r; pxl destroy rc=%d %r" % (rc, log.strip()[-300:], rc2, out)
    return None


def run_cycles(t, con, res, name, cycles, guest, pid_file, timeout):
    """`cycles` cycles of guest, dom0 and the hypervisor checked; the check `name`."""
    if not (put_script(t, con, STATE_SCRIPT, STATE) and
            put_script(t, con, HV_SCRIPT, hv_state.DUMP + "\n")):
        res.check(name, False, "could not write %s and %s in dom0" % (STATE_SCRIPT, HV_SCRIPT))
        return
    warm = cycle(t, con, timeout, guest)
    t.shell_run(con, "sleep 5")
    before = dom0_state(t, con, pid_file)
    hv_before = hv_read(t, con)
    start = len(con.text)
    done, problem = 0, None
    if warm or not usable(before) or hv_before is None:
        problem = "no usable state before the cycles: warm-up %s, %r, hypervisor %s" % (
            warm, before, hv_state.summary(hv_before))
    while problem is None and done < cycles:
        problem = cycle(t, con, timeout, guest) or settled(t, con, pid_file, before)
        if problem is None and ((done + 1) % HV_EVERY == 0 or done + 1 == cycles):
            left = hv_state.leftovers(hv_before, hv_read(t, con))
            problem = "hypervisor: %s" % "; ".join(left) if left else None
        done += problem is None
    trouble = t.HV_TROUBLE.findall(con.text[start:])
    oops = t.dom0_dmesg_grep(con, t.DOM0_OOPS)
    res.check(name, problem is None and done == cycles and not trouble and not oops,
              "cycle %d of %d: %s; console %r; dmesg %r"
              % (done + 1, cycles, problem, trouble, oops[:5]),
              "%d of %d cycles, %s KiB free, %s ptys, daemon %s fds, %s"
              % (done, cycles, before.get("free-kib"), len(before.get("pts", "").split()),
                 before.get("daemon-fds"), hv_state.summary(hv_before)))


def check_pxl_cycles(t, con, res, timeout):
    rc, out = t.shell_run(con, PXENCONSOLED, timeout)
    if res.check("pxl-cycles/start", rc == 0 and "started" in out,
                 "pxenconsoled rc=%d %r" % (rc, out.strip())):
        guest = ("/etc/xl-hello.cfg", HELLO_NAME, console_checks.MARKER, t.XL_CONSOLE_WAIT)
        run_cycles(t, con, res, "pxl-cycles", PXL_CYCLES, guest,
                   console_checks.PID_FILE, timeout)
    t.shell_run(con, "pxl destroy %s; kill $(cat %s)" % (HELLO_NAME, console_checks.PID_FILE),
                timeout)


def check_pxl_linux_cycles(t, con, res, timeout):
    rc, out = t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    if res.check("pxl-linux-cycles/start", rc == 0 and "started" in out,
                 "xenconsoled rc=%d %r" % (rc, out.strip())):
        guest = ("/etc/xl-linux.cfg", LINUX_NAME, t.DOMU_MARKER, t.DOMU_BOOT_WAIT)
        run_cycles(t, con, res, "pxl-linux-cycles", PXL_LINUX_CYCLES, guest,
                   XENCONSOLED_PID, timeout)
    t.shell_run(con, "pxl destroy %s; kill $(cat %s)" % (LINUX_NAME, XENCONSOLED_PID), timeout)
