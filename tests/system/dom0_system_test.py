#!/usr/bin/env python3
"""System test: boot the Linux dom0 on a hypervisor under QEMU and check it.

    dom0_system_test.py --hv xen|petrel [--kernel-dir build/dom0] [--log FILE]

Checks, one "PASS name" / "FAIL name: why" line each:
  boot          the initramfs's shell marker appears on the serial console
  shell         the console shell runs commands
  capabilities  /proc/xen/capabilities reads control_d
  modules       xen_evtchn, xen_privcmd, xen_gntdev, xen_gntalloc, xenfs,
                ata_piix, sr_mod, qemu_fw_cfg loaded
  port-io       drivers doing string port I/O work: ata_piix found QEMU's
                IDE CD drive (IDENTIFY read with rep insw/insl) as sr0, and
                qemu_fw_cfg read its revision and file directory (rep insb)
  dev-nodes     /dev/xen/{privcmd,evtchn,gntdev,gntalloc} are character devices
  msi           the machine's AHCI controller interrupts through MSI and its
                virtio-pci disk and NIC through MSI-X (xen-pirq -msi and
                -msi-x lines in /proc/interrupts), and a read from the disk
                is completed by its MSI-X interrupt
  dom0-test/*   each check of the dom0-test program (privcmd, evtchn, grant)
  xenstore/*    our xenstored in dom0: running on dom0's ring, the dom0 nodes,
                write/read/ls/watch/rm over the socket and over the ring
                (/dev/xen/xenbus), the kernel's own nodes, no xenbus errors
  reboot        `reboot` in dom0 restarts the machine: firmware, hypervisor
                and dom0 come back to the shell marker (skip: --no-reboot)
  poweroff      `poweroff` in dom0 ends QEMU with exit status 0
The last line is "system-<hv>: N passed, N failed"; the exit status is 0
only when nothing failed.  On a failure the tail of the serial log follows.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

# Lines that share the serial port with dom0's shell but are not its
# output: the hypervisor's console, guest consoles and kernel messages.
NOISE = re.compile(r"^(\(XEN\) |\(d\d+\) |\[\s*\d+\.\d+\] )")

MODULES = ["xen_evtchn", "xen_privcmd", "xen_gntdev", "xen_gntalloc", "xenfs",
           "ata_piix", "sr_mod", "qemu_fw_cfg"]
DEV_NODES = ["privcmd", "evtchn", "gntdev", "gntalloc"]


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name, detail=""):
        self.passed += 1
        print("PASS %s%s" % (name, (" (%s)" % detail) if detail else ""), flush=True)

    def bad(self, name, why):
        self.failed += 1
        print("FAIL %s: %s" % (name, why), flush=True)

    def check(self, name, cond, why, detail=""):
        (self.ok(name, detail) if cond else self.bad(name, why))
        return cond


def shell_run(con, cmd, timeout=30):
    """Run cmd in dom0's shell; its output without the interleaved noise."""
    rc, out = con.run(cmd, timeout)
    return rc, "".join(l for l in out.splitlines(True) if not NOISE.match(l))


def check_capabilities(con, res):
    rc, out = shell_run(con, "cat /proc/xen/capabilities")
    res.check("capabilities", rc == 0 and out.strip() == "control_d",
              "rc=%d, read %r" % (rc, out.strip()), out.strip())


# Kernel messages that mean the hypervisor let Linux down: each is something
# Linux prints when a Xen interface it uses fails, and none of them appears
# when the same dom0 boots on Xen 4.17 (build/system/xen-serial.log).
DMESG_XEN_TROUBLE = re.compile(
    r"map irq failed|Failed to setup GSI|swiotlb.*Failed to remap|Failed to sync pcpu|"
    r"xen_mcelog: Failed|might fail!|physdev_op failed|Xen.*not available|"
    r"BUG:|WARNING:|Oops|Call Trace|xen.*(error|failed)", re.I)


def check_dmesg(con, res):
    rc, out = shell_run(con, "dmesg")
    bad = [l.strip() for l in out.splitlines() if DMESG_XEN_TROUBLE.search(l)]
    res.check("dmesg-clean", rc == 0 and not bad,
              "rc=%d, %d Xen-related complaints, first: %s" % (rc, len(bad), bad[:3]))


# PCI functions with MSI or MSI-X given to the machine: an AHCI controller
# (MSI), a virtio-pci disk on QEMU's null block driver and a virtio-pci NIC
# on an isolated user network (both MSI-X).  Their drivers are in the
# initramfs (build-dom0.sh).
PCI_DEVICES = ["-device", "ich9-ahci",
               "-blockdev", "driver=null-co,node-name=null0,size=16777216,read-zeroes=on",
               "-device", "virtio-blk-pci,drive=null0",
               "-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-pci,netdev=net0"]
PIRQ_LINE = re.compile(r"^\s*\d+:\s+(\d+)\s+xen-pirq\s+-(msi|msi-x)\s+(\S+)")


def msi_lines(con):
    rc, out = shell_run(con, "cat /proc/interrupts")
    return rc, {m.group(3): (m.group(2), int(m.group(1)))
                for m in map(PIRQ_LINE.match, out.splitlines()) if m}


def check_msi(con, res):
    rc, before = msi_lines(con)
    kinds = {kind for kind, _ in before.values()}
    res.check("msi/lines", rc == 0 and kinds == {"msi", "msi-x"},
              "rc=%d, MSI interrupts seen: %s" % (rc, before), " ".join(sorted(before)))
    rc2, _ = shell_run(con, "dd if=/dev/vda of=/dev/null bs=4096 count=64 iflag=direct")
    _, after = msi_lines(con)
    grew = [n for n in after if n.endswith("req.0") and after[n][1] > before.get(n, ("", 0))[1]]
    res.check("msi/disk-interrupt", rc2 == 0 and grew,
              "dd rc=%d; virtio queue interrupts before %s, after %s" % (rc2, before, after))


def check_modules(con, res):
    rc, out = shell_run(con, "lsmod")
    loaded = {line.split()[0] for line in out.splitlines() if line.strip()}
    missing = [m for m in MODULES if m not in loaded]
    res.check("modules", rc == 0 and not missing, "rc=%d, not loaded: %s" % (rc, missing))


def check_port_io(con, res):
    fw = "/sys/firmware/qemu_fw_cfg"
    rc, out = shell_run(con, "cat /sys/block/sr0/device/model %s/rev; "
                        "head -c 20 %s/by_name/etc/e820/raw | wc -c" % (fw, fw))
    lines = [l.strip() for l in out.splitlines()]
    res.check("port-io", rc == 0 and lines == ["QEMU DVD-ROM", "3", "20"],
              "rc=%d, sr0 model / fw_cfg revision / e820 item: %r" % (rc, lines))


def check_dev_nodes(con, res):
    tests = " && ".join("test -c /dev/xen/%s" % n for n in DEV_NODES)
    rc, out = shell_run(con, "ls /dev/xen; %s" % tests)
    res.check("dev-nodes", rc == 0, "not all of %s are character devices; /dev/xen has: %s"
              % (DEV_NODES, " ".join(out.split())))


def check_dom0_test(con, res, expect_version, timeout):
    rc, out = shell_run(con, "dom0-test --expect-version %s" % expect_version, timeout)
    seen = 0
    for line in out.splitlines():
        m = re.match(r"(PASS|FAIL) (\S+?):?(?: (.*))?$", line.strip())
        if not m:
            continue
        seen += 1
        if m.group(1) == "PASS":
            res.ok("dom0-test/" + m.group(2))
        else:
            res.bad("dom0-test/" + m.group(2), m.group(3) or "")
    res.check("dom0-test", rc == 0 and seen > 0, "exit status %d, %d checks seen" % (rc, seen))


# Xenstore in dom0 (docs/xenstore.md, "xenstored in dom0"): /init started our
# xenstored on dom0's ring.  "-s" clients use the daemon's Unix socket; "-x"
# clients use the kernel's /dev/xen/xenbus, so their requests, replies and
# watch events cross the real shared ring and its event channel (each under
# `timeout`: a ring that never answers fails its check, not the console).
# The watcher is not under `timeout`: registering a watch through the xenbus
# device blocks uninterruptibly in the kernel until xenstored answers, so it is
# given 10 s to finish after the last change and then abandoned.
XS_WATCH = ("sh -c 'rm -f /tmp/xsw; xenstore-watch -x -n 3 /test/w >/tmp/xsw & w=$!; "
            "for i in $(seq 100); do [ -s /tmp/xsw ] && break; usleep 100000; done; "
            "xenstore-write -s /test/w/x 1 && timeout 20 xenstore-rm -x /test/w; "
            "for i in $(seq 100); do kill -0 $w 2>/dev/null || break; usleep 100000; done; "
            "if kill -0 $w 2>/dev/null; then kill $w; s=124; else wait $w; s=$?; fi; "
            "cat /tmp/xsw; exit $s'")
XENBUS_TROUBLE = re.compile(r"xenbus.*(error|fail|unable|timeout|timed out|warn)|"
                            r"(error|fail|unable|timeout).*xenbus", re.I)


def xs_check(con, res, name, cmd, expect, timeout):
    """Run cmd; pass if it exits 0 and its output lines are expect (a list)."""
    rc, out = shell_run(con, cmd, timeout)
    got = [line.rstrip() for line in out.splitlines() if line.strip()]
    return res.check("xenstore/" + name, rc == 0 and got == expect,
                     "rc=%d, expected %r, got %r" % (rc, expect, got))


def check_xenstore(con, res, timeout):
    rc, out = shell_run(con, "kill -0 $(cat /run/xenstored.pid) && cat /var/log/xenstored.log")
    res.check("xenstore/daemon", rc == 0 and "dom0 ring on event channel" in out,
              "xenstored not running or without dom0's ring (rc=%d): %r" % (rc, out.strip()))
    xs_check(con, res, "dom0-nodes", "xenstore-read -s /local/domain/0/domid /local/domain/0/name",
             ["0", "Domain-0"], timeout)
    xs_check(con, res, "write-read", "xenstore-write /test/a hello; xenstore-read /test/a",
             ["hello"], timeout)
    xs_check(con, res, "ring-write-read", "timeout 20 xenstore-write -x /test/b via-ring && "
             "timeout 20 xenstore-read -x /test/a && xenstore-read -s /test/b",
             ["hello", "via-ring"], timeout)
    # the kernel's own xenbus writes these over the ring once xenstored signals it
    xs_check(con, res, "kernel-nodes", "xenstore-read -s /local/domain/0/control/feature-poweroff",
             ["1"], timeout)
    rc, out = shell_run(con, "timeout 20 xenstore-ls -x /local/domain/0", timeout)
    want = ['domid = "0"', 'name = "Domain-0"', ' feature-poweroff = "1"']
    lines = out.splitlines()
    res.check("xenstore/ls", rc == 0 and all(w in lines for w in want),
              "rc=%d, %r not all in %r" % (rc, want, lines))
    xs_check(con, res, "watch", XS_WATCH, ["/test/w", "/test/w/x", "/test/w"], timeout)
    rc, out = shell_run(con, "timeout 20 xenstore-rm -x /test && ! xenstore-exists -s /test/a",
                        timeout)
    res.check("xenstore/rm", rc == 0, "rc=%d: %r" % (rc, out.strip()))
    rc, out = shell_run(con, "dmesg | grep -i xenbus")
    bad = [line for line in out.splitlines() if XENBUS_TROUBLE.search(line)]
    res.check("xenstore/xenbus-dmesg", not bad, "xenbus trouble in dmesg: %r" % bad)


def check_reboot(con, res, timeout):
    """`reboot` restarts the machine: hypervisor and dom0 come back."""
    con.send_line("reboot")
    t0 = con.elapsed()
    con.expect(hvboot.HV_BANNER, timeout, fail=hvboot.REBOOT_FAILURE)
    con.expect(re.escape(hvboot.MARKER), timeout, fail=hvboot.BOOT_FAILURE)
    con.sync()
    res.ok("reboot", "shell again %.1fs after reboot" % (con.elapsed() - t0))


def check_poweroff(con, res, timeout):
    con.send_line("poweroff")
    status = con.wait_exit(timeout)
    res.check("poweroff", status == 0, "QEMU exit status %d" % status,
              "QEMU exited 0 after %.1fs" % con.elapsed())


# What each hypervisor says once it brought its CPUs up.
CPUS_UP = r"SMP: (\d+) of \d+ CPUs online|Brought up (\d+) CPUs"


def check_cpus_up(con, res, want, timeout):
    """The hypervisor brought up every CPU QEMU gave it."""
    m = con.expect(CPUS_UP, timeout, fail=hvboot.BOOT_FAILURE)
    up = int(next(g for g in m.groups() if g))
    res.check("cpus-online", up == want, "%d of %d CPUs online" % (up, want),
              "%d CPUs online" % up)


def run(args, res):
    argv = hvboot.qemu_argv(args.hv, args.kernel, args.initrd, image=args.image,
                            extra=PCI_DEVICES, smp=args.smp)
    print("qemu: %s" % hvboot.shell_quote(argv), flush=True)
    with SerialConsole(argv, log_path=args.log, echo=args.verbose) as con:
        step = "boot"
        try:
            if args.smp > 1:
                check_cpus_up(con, res, args.smp, args.boot_timeout)
            con.expect(re.escape(hvboot.MARKER), args.boot_timeout, fail=hvboot.BOOT_FAILURE)
            res.ok("boot", "shell marker after %.1fs" % con.elapsed())
            step = "shell"
            con.sync()
            res.ok("shell")
            for step, check in (("capabilities", lambda: check_capabilities(con, res)),
                                ("modules", lambda: check_modules(con, res)),
                                ("dmesg", lambda: check_dmesg(con, res)),
                                ("port-io", lambda: check_port_io(con, res)),
                                ("dev-nodes", lambda: check_dev_nodes(con, res)),
                                ("msi", lambda: check_msi(con, res)),
                                ("dom0-test", lambda: check_dom0_test(
                                    con, res, args.expect_version, args.cmd_timeout)),
                                ("xenstore", lambda: check_xenstore(con, res, args.cmd_timeout)),
                                ("reboot", lambda: args.no_reboot or check_reboot(
                                    con, res, args.boot_timeout)),
                                ("poweroff", lambda: check_poweroff(
                                    con, res, args.poweroff_timeout))):
                check()
        except ConsoleError as e:
            # the console is in an unknown state: the remaining checks are not run
            res.bad(step, str(e))
        if res.failed:
            print("---- last lines of the serial console (full log: %s) ----"
                  % (args.log or "not kept"))
            print(con.tail(args.tail))
            print("---- end of serial console ----", flush=True)


def main():
    ap = argparse.ArgumentParser(description="Linux dom0 system test under QEMU")
    ap.add_argument("--hv", choices=sorted(hvboot.HV_IMAGES), required=True)
    ap.add_argument("--image", help="hypervisor binary (default: the --hv one in build/)")
    ap.add_argument("--kernel-dir", default=os.path.join(hvboot.BUILD, "dom0"),
                    help="dom0 image directory (vmlinuz, initramfs.cpio.gz)")
    ap.add_argument("--kernel", help="dom0 kernel (default: KERNEL_DIR/vmlinuz; "
                    "KERNEL_DIR/vmlinux is the ELF one)")
    ap.add_argument("--log", help="keep the full serial log here")
    ap.add_argument("--boot-timeout", type=float, default=300)
    ap.add_argument("--cmd-timeout", type=float, default=60)
    ap.add_argument("--poweroff-timeout", type=float, default=120)
    ap.add_argument("--expect-version", default="4.17")
    ap.add_argument("--no-reboot", action="store_true", help="skip the reboot check")
    ap.add_argument("--smp", type=int, default=1,
                    help="CPUs of the machine (multi-threaded TCG above 1); checks that the "
                    "hypervisor brought them all up")
    ap.add_argument("--tail", type=int, default=40, help="log lines shown on failure")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the console")
    args = ap.parse_args()
    kernel, args.initrd = hvboot.default_dom0(args.kernel_dir)
    args.kernel = args.kernel or kernel
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)

    res = Results()
    try:
        run(args, res)
    except (FileNotFoundError, ValueError) as e:
        res.bad("setup", str(e))
    print("system-%s: %d passed, %d failed" % (args.hv, res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
