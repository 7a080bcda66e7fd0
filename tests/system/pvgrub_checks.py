"""PV GRUB as a domU's kernel (step xl-pvgrub, tests/system/pvgrub.mk).

    check_pvgrub(t, con, res, timeout)

Debian's PV GRUB image (/usr/lib/petrel-domu/pvgrub.bin) is the kernel of
/etc/xl-pvgrub.cfg; its only disk, xvda (read-only), holds
/boot/grub/grub.cfg, dom0's kernel and a busybox initramfs.  Created paused,
once by Debian's xl and once by Petrel's pxl, each with that tool's
`console` attached before it is unpaused: GRUB finds grub.cfg through its
blkfront and says so (PETREL-PVGRUB-CFG), loads the kernel and initramfs and
starts the kernel, whose /init prints PETREL-PVGRUB-READY with the command
line grub.cfg gave it and powers off; with on_poweroff = "destroy" the domain
goes away by itself and xl info's free memory is back where it was.

`t` is the system test's module (dom0_system_test): its shell_run, the xl
helpers and constants.
"""

import re

NAME = "pvgrub"
CONFIG = "/etc/xl-pvgrub.cfg"
CFG_MARKER = "PETREL-PVGRUB-CFG"
MARKER = "PETREL-PVGRUB-READY"
# GRUB reads the 8 MiB kernel through blkfront and unpacks it, then the
# kernel boots: minutes under nested TCG on a loaded host
BOOT_WAIT = 600
CONSOLE_OUT = "/tmp/pvgrub-console-%s"
STDIN_PID = "/tmp/pvgrub-stdin-%s.pid"


def console_start(t, con, tool, timeout):
    """`tool console` of the domain in the background, its output to a file,
    its stdin a pipe kept open by a sleep whose pid is written down."""
    return t.shell_run(con, "rm -f %s; (sh -c 'echo $$ > %s; exec sleep %d' | %s console %s "
                       "> %s 2>&1 &); sleep 2" % (CONSOLE_OUT % tool, STDIN_PID % tool,
                                                  BOOT_WAIT + 120, tool, NAME,
                                                  CONSOLE_OUT % tool), timeout)


def console_wait(t, con, tool):
    """Wait until the console output holds MARKER; (rc, the output)."""
    out = CONSOLE_OUT % tool
    return t.shell_run(con, "i=0; while ! grep -q %s %s && [ $i -lt %d ]; do sleep 1; "
                       "i=$((i+1)); done; echo waited $i; tr -d '\\r\\033' < %s | "
                       "grep -a 'PETREL-PVGRUB\\|error\\|panic'" % (MARKER, out, BOOT_WAIT, out),
                       BOOT_WAIT + 60)


def boot_checks(t, con, res, tool, prefix):
    """GRUB read its config, the kernel reached its /init with grub.cfg's
    command line, all seen on `tool console`."""
    rc, out = console_wait(t, con, tool)
    m = re.search(r"%s read from (\S+)" % CFG_MARKER, out)
    res.check(prefix + "grub-cfg", m is not None, "no %r on %s console: %r"
              % (CFG_MARKER, tool, out.strip()[-600:]), m.group(0) if m else "")
    m = re.search(r"%s kernel (\S+) cmdline .*petrel_pvgrub=1" % MARKER, out)
    waited = re.search(r"waited (\d+)", out)
    res.check(prefix + "console", m is not None,
              "no %r with grub.cfg's command line on %s console: %r"
              % (MARKER, tool, out.strip()[-600:]),
              "kernel %s, %s s after the unpause" % (m.group(1), waited.group(1))
              if m and waited else "")


def poweroff_checks(t, con, res, free0, prefix):
    """The domain powered itself off and was destroyed, memory back."""
    gone = t.wait_gone(con, NAME)
    res.check(prefix + "poweroff", gone, "%s still listed %d s after its poweroff"
              % (NAME, t.XL_DESTROY_WAIT))
    free1 = t.wait_free_memory(con, free0)
    res.check(prefix + "memory", free1 == free0,
              "free_memory %s MiB, was %s MiB before the domain" % (free1, free0),
              "%s MiB free again" % free1)


def pvgrub_run(t, con, res, tool, timeout):
    """One domain built by `tool` (xl or pxl) through boot and poweroff."""
    prefix = "xl-pvgrub/" if tool == "xl" else "xl-pvgrub/pxl-"
    free0 = t.free_memory(con)
    rc, out = t.shell_run(con, "%s create -p %s" % (tool, CONFIG), t.XL_CREATE_TIMEOUT)
    if not res.check(prefix + "create", rc == 0 and free0 is not None,
                     "rc=%d, free memory %s: %r" % (rc, free0, out.strip()[-400:])):
        t.shell_run(con, "xl destroy %s" % NAME, timeout)
        return
    console_start(t, con, tool, timeout)
    rc, out = t.shell_run(con, "%s unpause %s" % (tool, NAME), timeout)
    res.check(prefix + "unpause", rc == 0, "rc=%d: %r" % (rc, out.strip()[-300:]))
    boot_checks(t, con, res, tool, prefix)
    poweroff_checks(t, con, res, free0, prefix)
    t.shell_run(con, "xl destroy %s 2>/dev/null; kill $(cat %s)" % (NAME, STDIN_PID % tool),
                timeout)


def check_pvgrub(t, con, res, timeout):
    """The PV GRUB domU under Debian's xl, then under pxl."""
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    pvgrub_run(t, con, res, "xl", timeout)
    pvgrub_run(t, con, res, "pxl", timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
