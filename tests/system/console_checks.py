"""Petrel's console daemon (pxenconsoled) in place of Debian's xenconsoled,
and pxl's console, shutdown and reboot judged by Debian's xl.

    check_console(sh, res, timeout)   the whole step (dom0_system_test's
                                      `pxenconsoled` step)

With pxenconsoled running (guest and hypervisor logs on), Debian's xl
creates the hello guest twice (pcon1, pcon2; it prints, then powers off
and is preserved).  Checked: its output in the guest log, the pty path in
console/tty, Debian's `xl console` and `pxl console` (left with Ctrl-])
showing it, the hypervisor log following `xl dmesg`; `pxl shutdown`,
`shutdown -w`, `-ww` and `reboot` printing and exiting as `xl` does on the
same kind of domain and writing control/shutdown; `pxl list -l` printing
`xl list -l`'s text; a guest `pxl create` built logged as well; after the
domains are destroyed the daemon holds no more descriptors than before,
and it stops on SIGTERM.

`sh(cmd, timeout=30)` runs a shell command in dom0 and returns (rc, output).
"""

import re

MARKER = "Test result: SUCCESS"
LOG_DIR = "/var/log/xen/console"
PID_FILE = "/run/pxenconsoled.pid"
START = ("mkdir -p %s && rm -f %s/guest-pcon*.log %s/hypervisor.log && "
         "pxenconsoled --pid-file=%s --log=all --log-dir=%s && kill -0 $(cat %s) && "
         "echo started" % (LOG_DIR, LOG_DIR, LOG_DIR, PID_FILE, LOG_DIR, PID_FILE))
FDS = "ls /proc/$(cat %s)/fd | wc -l" % PID_FILE


def create(sh, name, timeout):
    rc, out = sh("xl create /etc/xl-hello.cfg 'name=\"%s\"' && console-wait %s '%s' 30"
                 % (name, name, MARKER), timeout + 60)
    return rc, out


def domid(sh, name):
    rc, out = sh("xl domid %s" % name)
    return out.strip() if rc == 0 and out.strip().isdigit() else None


def check_logs(sh, res, timeout):
    rc, out = create(sh, "pcon1", timeout)
    res.check("pxenconsoled/guest-log", rc == 0 and MARKER in out,
              "rc=%d, no %r in %s/guest-pcon1.log: %r" % (rc, MARKER, LOG_DIR, out[-400:]),
              out.split("\n", 1)[0])
    d = domid(sh, "pcon1")
    rc, tty = sh("xenstore-read /local/domain/%s/console/tty && test -c "
                 "$(xenstore-read /local/domain/%s/console/tty) && echo isatty" % (d, d))
    res.check("pxenconsoled/tty", rc == 0 and re.match(r"^/dev/pts/\d+\n", tty) and
              "isatty" in tty, "console/tty of d%s: rc=%d %r" % (d, rc, tty),
              tty.split("\n", 1)[0])
    # the guest ran after the daemon started: the ring's newest line came by VIRQ_CON_RING
    rc, out = sh("last=$(xl dmesg | tail -n 1); i=0; while ! grep -qxF \"$last\" "
                 "%s/hypervisor.log; do [ $i -ge 10 ] && break; usleep 500000; i=$((i+1)); "
                 "done; grep -cxF \"$last\" %s/hypervisor.log; "
                 "wc -l < %s/hypervisor.log" % (LOG_DIR, LOG_DIR, LOG_DIR), timeout)
    # (the ring's lines start "(XEN) ", which the shell filter drops: only the
    # count of matching log lines and the log's length come back)
    nums = [int(x) for x in out.split() if x.isdigit()]
    res.check("pxenconsoled/hv-log", len(nums) == 2 and nums[0] > 0 and nums[1] > 0,
              "xl dmesg's last line not in hypervisor.log: %r" % out.strip()[-400:],
              "%s lines" % (nums[1] if len(nums) == 2 else "?"))


def check_attach(sh, res, timeout):
    # Debian's xl console (xenconsole) on the pty pxenconsoled made; it ends
    # when timeout stops it (status 124) or the domain goes.
    rc, out = sh("sleep 8 | timeout 4 xl console pcon1 > /tmp/pcon 2>&1; echo status $?; "
                 "cat /tmp/pcon", timeout)
    res.check("pxenconsoled/xl-console", re.search(r"^status (0|124)$", out, re.M) and
              MARKER in out, "xl console pcon1 did not show %r: %r" % (MARKER, out[-400:]))
    rc, out = create(sh, "pcon2", timeout)
    # Ctrl-] after 3 s: pxl console leaves with status 0 before timeout's 10 s
    rc, out = sh("(sleep 3; printf '\\035'; sleep 20) | timeout 10 pxl console pcon2 "
                 "> /tmp/pcon 2>&1; echo status $?; cat /tmp/pcon", timeout)
    res.check("pxl/console", re.search(r"^status 0$", out, re.M) and MARKER in out,
              "pxl console pcon2: %r" % out[-400:], "output shown, left with Ctrl-]")


def normalised(out, ids):
    """Output with domain ids as N, without the hypervisor's console lines,
    which the serial console may splice into the middle of a line."""
    out = re.sub(r"\(XEN\) [^\n]*", "", out)
    for d in ids:
        out = re.sub(r"\b%s\b" % d, "N", out)
    return "\n".join(l for l in out.splitlines() if l.strip())


def compare(sh, res, name, xl_cmd, pxl_cmd, ids, timeout):
    """The same command with xl and pxl: equal status and output (ids as N)."""
    rc1, out1 = sh("%s 2>&1; echo rc=$?" % xl_cmd, timeout)
    rc2, out2 = sh("%s 2>&1; echo rc=$?" % pxl_cmd, timeout)
    a, b = normalised(out1, ids), normalised(out2, ids)
    return res.check(name, a == b and "rc=" in a, "xl %r\npxl %r" % (a, b),
                     b.replace("\n", " | "))


# The hello guest does not watch control/shutdown: a loop in dom0 plays its
# xenbus driver, recording each request and acknowledging it by emptying the
# node, until the domain's home goes.
ACKER = ("(p=/local/domain/%s; i=0; while xenstore-exists $p && [ $i -lt 1200 ]; do "
         "v=$(xenstore-read $p/control/shutdown 2>/dev/null); if [ -n \"$v\" ]; then "
         "echo $v >> /tmp/acks-%s; xenstore-write $p/control/shutdown ''; fi; "
         "usleep 100000; i=$((i+1)); done) >/dev/null 2>&1 &")


def last_ack(sh, d):
    rc, out = sh("tail -n 1 /tmp/acks-%s 2>/dev/null" % d)
    return out.strip()


LONG_KEYS = ("domid", "type", "name", "uuid", "max_vcpus", "max_memkb", "target_memkb")


def json_fields(out):
    """The first value of each of LONG_KEYS in `list -l` output, as text."""
    found = {}
    for key in LONG_KEYS:
        m = re.search(r'"%s": ("[^"]*"|[-\w.]+)' % key, out)
        found[key] = m.group(1) if m else None
    return found


def json_sched(out):
    """The sched_params object of `list -l` output, as text."""
    m = re.search(r'"sched_params": \{[^}]*\}', out)
    return m.group(0) if m else None


def check_list_long(sh, res, timeout):
    """pxl list -l of a domain Debian's xl created: libxl's fields, same values."""
    rc1, out1 = sh("xl list -l pcon1", timeout)
    rc2, out2 = sh("pxl list -l pcon1", timeout)
    a, b = json_fields(out1), json_fields(out2)
    same_text = out1.strip() == out2.strip()
    res.check("pxl/list-long", rc1 == rc2 == 0 and None not in a.values() and a == b and
              json_sched(out1) == json_sched(out2),
              "rc xl=%d pxl=%d\nxl %r %r\npxl %r %r" % (rc1, rc2, a, json_sched(out1), b,
                                                    json_sched(out2)),
              "%d fields and sched_params as xl's" % len(a))
    # for this guest libxl's live update touches nothing pxl leaves out
    res.check("pxl/list-long-text", rc1 == rc2 == 0 and same_text,
              "xl:\n%s\npxl:\n%s" % (out1.strip()[-1500:], out2.strip()[-1500:]),
              "%d lines as xl's" % len(out2.strip().splitlines()))
    rc, out = sh("pxl list -l | head -n 1; pxl list -l | sed '/^$/d' | tail -n 1", timeout)
    res.check("pxl/list-long-all", rc == 0 and out.split() == ["[", "]"],
              "pxl list -l is not one JSON array: %r" % out[-300:])


def check_shutdown(sh, res, timeout):
    d1, d2 = domid(sh, "pcon1"), domid(sh, "pcon2")
    if not res.check("pxl/shutdown-setup", d1 and d2, "domains pcon1 %r pcon2 %r" % (d1, d2)):
        return
    ids = [d1, d2]
    check_list_long(sh, res, timeout)
    sh("rm -f /tmp/acks-*; " + ACKER % (d1, d1) + " " + ACKER % (d2, d2) + " true")
    compare(sh, res, "pxl/shutdown", "xl shutdown pcon1", "pxl shutdown pcon2", ids, timeout)
    ack = last_ack(sh, d2)
    res.check("pxl/shutdown-request", ack == "poweroff",
              "the guest's control/shutdown saw %r, not poweroff" % ack, ack)
    compare(sh, res, "pxl/reboot", "xl reboot pcon1", "pxl reboot pcon2", ids, timeout)
    ack = last_ack(sh, d2)
    res.check("pxl/reboot-request", ack == "reboot",
              "the guest's control/shutdown saw %r, not reboot" % ack, ack)
    # the guests are shut down already (powered off, preserved)
    compare(sh, res, "pxl/shutdown-w", "timeout 30 xl shutdown -w pcon1",
            "timeout 30 pxl shutdown -w pcon2", ids, timeout)
    compare(sh, res, "pxl/shutdown-ww",
            "(sleep 3; xl destroy pcon1) & timeout 30 xl shutdown -w -w pcon1",
            "(sleep 3; xl destroy pcon2) & timeout 30 pxl shutdown -w -w pcon2", ids, timeout)
    compare(sh, res, "pxl/shutdown-no-domain", "xl shutdown nosuchdomain",
            "pxl shutdown nosuchdomain", ids, timeout)


def check_pxl_guest(sh, res, timeout):
    """A guest Petrel's builder made: pxenconsoled serves its console too."""
    rc, out = sh("pxl create /etc/xl-hello.cfg 'name=\"pcon3\"' && console-wait pcon3 '%s' 30"
                 % MARKER, timeout + 60)
    res.check("pxenconsoled/pxl-guest", rc == 0 and MARKER in out,
              "rc=%d, no %r in %s/guest-pcon3.log: %r" % (rc, MARKER, LOG_DIR, out[-400:]),
              out.split("\n", 1)[0])
    sh("pxl destroy pcon3", timeout)


def check_console(sh, res, timeout):
    rc, out = sh(START, timeout)
    if not res.check("pxenconsoled/start", rc == 0 and "started" in out,
                     "rc=%d %r" % (rc, out.strip())):
        return
    _, fds_before = sh(FDS)
    check_logs(sh, res, timeout)
    check_attach(sh, res, timeout)
    check_shutdown(sh, res, timeout)
    check_pxl_guest(sh, res, timeout)
    sh("xl destroy pcon1 2>/dev/null; xl destroy pcon2 2>/dev/null; sleep 2", timeout)
    rc, fds_after = sh(FDS)
    res.check("pxenconsoled/cleanup", rc == 0 and fds_after.strip() == fds_before.strip(),
              "descriptors before the guests %r, after they are gone %r (or the daemon died)"
              % (fds_before.strip(), fds_after.strip()), "%s fds" % fds_after.strip())
    rc, out = sh("p=$(cat %s); kill $p; i=0; while kill -0 $p 2>/dev/null; do "
                 "[ $i -ge 25 ] && break; usleep 200000; i=$((i+1)); done; "
                 "kill -0 $p 2>/dev/null && echo running || echo stopped" % PID_FILE)
    res.check("pxenconsoled/stop", "stopped" in out, "after SIGTERM: %r" % out.strip())
