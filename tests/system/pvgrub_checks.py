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

    check_pvhgrub(t, con, res, timeout)

The same with Debian's PVH GRUB image (/usr/lib/petrel-domu/pvhgrub.bin,
grub-xen-host's grub-i386-xen_pvh.bin) as the kernel of a PVH domU
(/etc/xl-pvhgrub.cfg, step xl-pvhgrub) and the same disk: the kernel it
starts must find itself a PVH guest (its marker's type).

`t` is the system test's module (dom0_system_test): its shell_run, the xl
helpers and constants.
"""

import re

import collections

# A GRUB domU: its name (also its check prefix), its config and the guest
# type its kernel must report.
Kind = collections.namedtuple("Kind", "name config guest_type")
PV = Kind("pvgrub", "/etc/xl-pvgrub.cfg", "PV")
PVH = Kind("pvhgrub", "/etc/xl-pvhgrub.cfg", "PVH")
CFG_MARKER = "PETREL-PVGRUB-CFG"
MARKER = "PETREL-PVGRUB-READY"
# GRUB reads the 8 MiB kernel through blkfront and unpacks it, then the
# kernel boots: minutes under nested TCG on a loaded host
BOOT_WAIT = 600
CONSOLE_OUT = "/tmp/%s-console-%s"
STDIN_PID = "/tmp/%s-stdin-%s.pid"


def console_start(t, con, kind, tool, timeout):
    """`tool console` of the domain in the background, its output to a file,
    its stdin a pipe kept open by a sleep whose pid is written down."""
    out = CONSOLE_OUT % (kind.name, tool)
    return t.shell_run(con, "rm -f %s; (sh -c 'echo $$ > %s; exec sleep %d' | %s console %s "
                       "> %s 2>&1 &); sleep 2" % (out, STDIN_PID % (kind.name, tool),
                                                  BOOT_WAIT + 120, tool, kind.name, out),
                       timeout)


def console_wait(t, con, kind, tool):
    """Wait until the console output holds MARKER; (rc, the output)."""
    out = CONSOLE_OUT % (kind.name, tool)
    return t.shell_run(con, "s=$(date +%%s); i=0; while ! grep -q %s %s && [ $i -lt %d ]; do "
                       "sleep 1; i=$(($(date +%%s) - s)); done; echo waited $i; "
                       "tr -d '\\r\\033' < %s | grep -a 'PETREL-PVGRUB\\|error\\|panic'"
                       % (MARKER, out, BOOT_WAIT, out), BOOT_WAIT + 120)


def boot_checks(t, con, res, kind, tool, prefix):
    """GRUB read its config, the kernel reached its /init with grub.cfg's
    command line as a guest of `kind`'s type, all seen on `tool console`."""
    rc, out = console_wait(t, con, kind, tool)
    m = re.search(r"%s read from (\S+)" % CFG_MARKER, out)
    res.check(prefix + "grub-cfg", m is not None, "no %r on %s console: %r"
              % (CFG_MARKER, tool, out.strip()[-600:]), m.group(0) if m else "")
    m = re.search(r"%s kernel (\S+) cmdline .*petrel_pvgrub=1.* type (\S*)" % MARKER, out)
    waited = re.search(r"waited (\d+)", out)
    return res.check(prefix + "console", m is not None and m.group(2) == kind.guest_type,
              "no %r with grub.cfg's command line and type %s on %s console: %r"
              % (MARKER, kind.guest_type, tool, out.strip()[-600:]),
              "kernel %s, type %s, %s s after the unpause" % (m.group(1), m.group(2),
                                                              waited.group(1))
              if m and waited else "")


def poweroff_checks(t, con, res, kind, free0, prefix):
    """The domain powered itself off and was destroyed, memory back."""
    gone = t.wait_gone(con, kind.name)
    res.check(prefix + "poweroff", gone, "%s still listed %d s after its poweroff"
              % (kind.name, t.XL_DESTROY_WAIT))
    free1 = t.wait_free_memory(con, free0)
    res.check(prefix + "memory", free1 == free0,
              "free_memory %s MiB, was %s MiB before the domain" % (free1, free0),
              "%s MiB free again" % free1)


def state_dump(t, con, kind, tool, when):
    """Print what the domain looks like to dom0 (its xenstore records, Debian's
    `xl list -l` of it, the guest's console log and the hypervisor's vCPU
    dump), so that a domain built by xl and one built by pxl can be told
    apart when one of them does not boot."""
    print("%s %s, %s:" % (kind.name, tool, when))
    rc, out = t.shell_run(con, "{ d=$(xl domid %s); echo domid $d; xenstore-ls -f /local/domain/$d; "
                          "xenstore-ls -f /libxl/$d; xl list -l %s | head -120; "
                          "tr -d '\\r\\033' < %s/guest-%s.log | tail -40; xl debug-keys q; "
                          "xl dmesg | tail -60; dmesg | tail -20; ps | grep -v grep | grep console; "
                          "tail -c 1500 %s | tr -d '\\r\\033'; } 2>&1 | sed 's/^/| /'"
                          % (kind.name, kind.name, t.XL_CONSOLE_DIR, kind.name,
                             CONSOLE_OUT % (kind.name, tool)), 120)
    print(out, flush=True)


def pvgrub_run(t, con, res, kind, tool, timeout):
    """One domain of `kind` built by `tool` (xl or pxl) through boot and
    poweroff."""
    prefix = "xl-%s/%s" % (kind.name, "" if tool == "xl" else "pxl-")
    free0 = t.free_memory(con)
    rc, out = t.shell_run(con, "%s create -p %s" % (tool, kind.config), t.XL_CREATE_TIMEOUT)
    if not res.check(prefix + "create", rc == 0 and free0 is not None,
                     "rc=%d, free memory %s: %r" % (rc, free0, out.strip()[-400:])):
        t.shell_run(con, "xl destroy %s" % kind.name, timeout)
        return
    state_dump(t, con, kind, tool, "created")
    # the domain type libxl records, and Debian's xl reads back for an HVM container
    rc, out = t.shell_run(con, "xenstore-read /libxl/$(xl domid %s)/type" % kind.name, timeout)
    res.check(prefix + "libxl-type", rc == 0 and out.strip() == kind.name[:-4],
              "rc=%d, /libxl/N/type %r, expected %r" % (rc, out.strip(), kind.name[:-4]),
              out.strip())
    console_start(t, con, kind, tool, timeout)
    rc, out = t.shell_run(con, "%s unpause %s" % (tool, kind.name), timeout)
    res.check(prefix + "unpause", rc == 0, "rc=%d: %r" % (rc, out.strip()[-300:]))
    if not boot_checks(t, con, res, kind, tool, prefix):
        state_dump(t, con, kind, tool, "no marker")
    poweroff_checks(t, con, res, kind, free0, prefix)
    t.shell_run(con, "xl destroy %s 2>/dev/null; kill $(cat %s)"
                % (kind.name, STDIN_PID % (kind.name, tool)), timeout)


def check_grub(t, con, res, kind, timeout):
    """The GRUB domU of `kind` under Debian's xl, then under pxl."""
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    pvgrub_run(t, con, res, kind, "xl", timeout)
    pvgrub_run(t, con, res, kind, "pxl", timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


def check_pvgrub(t, con, res, timeout):
    check_grub(t, con, res, PV, timeout)


def check_pvhgrub(t, con, res, timeout):
    check_grub(t, con, res, PVH, timeout)
