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
                (/dev/xen/xenbus), the kernel's own nodes, no xenbus errors,
                the daemon's socket replies going through io_uring
  xl/*          Debian's own xl and xen-init-dom0 (xen-utils-4.17): /init's
                xen-init-dom0 run; `xl info` (version, CPUs, memory against
                the QEMU machine and dom0_mem, caps, command line, build id),
                `xl info -n` (CPU topology, node 0's memory), `xl list` (the
                Domain-0 row: memory, vCPUs as dom0 sees them, running, CPU
                time), dom0 + free <= total, `xl uptime`, `xl vcpu-list`
                (dom0's vCPUs on CPUs of the machine, affinity all / all),
                `xl vcpu-pin` (dom0's last vCPU pinned to CPU 0 runs there
                with that hard affinity, back to all, a missing vCPU
                refused), `xl dmesg` (the
                hypervisor's banner) and `xl dmesg -c` (clears the ring);
                `xl create` of a small PV domU (the guest test hello.elf,
                32 MiB) with Debian's xenconsoled running: it is built and
                listed, its console ring output reaches xenconsoled's log
                and `xl console`, then `xl destroy` removes it; a Linux PV
                domU (dom0's kernel, a busybox initramfs, 128 MiB): its console
                marker in xenconsoled's log, `xl pause`/`unpause` (its ticks
                stop and go on), `xl reboot` (built again under a new id),
                `xl mem-set` (its balloon gives memory back), `xl shutdown`
                (clean poweroff, gone), dom0's copy of the domU files intact;
                `xl save` of a running domU (the guest test save-restore.elf,
                32 MiB, rootfs/etc/xl-save.cfg): a save that fails after the
                suspend (a 1 MiB tmpfs) resumes it (its suspend returns 1),
                the saved domain is gone, `xl restore` brings it back, it
                finds its pattern pages intact and counts on; `xl migrate`
                of it to this host through a pipe moves it, memory intact
                (Xen 4.17: refused, no PV log-dirty, the guest runs on); a
                truncated image and eight damaged ones (save-corrupt) are
                refused and leave no domain, then the intact one restores
                (step xl-save); four Linux domUs at once, each created while
                the others boot (step xl-multi, xl-multi/*);
                with --only xl-net, two Linux domUs and dom0 on xenbr0
                (net_checks.py: pings, a TCP transfer, vif and disk hot
                attach and detach; xl-net/*); with --only xl-dev-cycles,
                create/destroy cycles of hello.elf with a disk and a vif;
                with --only xl-split-cycles, cycles of the Linux domU with
                a disk and a vif whose frontends connect; each of these
                ends with nothing left in dom0 (loop devices, vifs,
                backend nodes) or in the hypervisor (hv_state.py: its
                event-channel and grant-table dumps, `xl debug-keys e g`);
                with --only xl-save-devices, xl save and restore of a
                Linux domU with a mounted disk and a vif, its uptime
                counter, open file and TCP connection to dom0 carrying on
                (save_dev_checks.py; xl-save-devices/*);
                with --only xl-luks, pxl-luks, xl-qdisk or pxl-qdisk (dom0
                image build/dom0-disk), the Linux domU on a LUKS2 mapping, or
                on a qcow2 image through QEMU's qdisk, built by xl or pxl
                (disk_checks.py; xl/luks-*, pxl/luks-*, */qdisk-*); with
                --only xl-hotdisk or pxl-hotdisk, a phy: and a qdisk disk
                attached to the running Linux domU and detached (*/hot-*);
                then
                Debian's xenstored replaces ours: xen-init-dom0, a read over
                dom0's ring and `xl list` against it
  xl-pvh/*      `xl create` of a PVH domU (the HVM guest test hvm-hello.elf,
                type = "pvh", 32 MiB) with Debian's xenconsoled running: built
                and listed, its greeting and verdict (its memory map read
                back with XENMEM_memory_map among the checks) in xenconsoled's
                log, shut down by itself, gone after `xl destroy`
  xl-pvh-linux/* only with --only xl-pvh-linux: the Linux domU (dom0's kernel
                and its busybox initramfs, 128 MiB) as a PVH guest of
                Debian's xl (type = "pvh"), with 1 and then 2 vCPUs: its
                marker names that many CPUs and guest type PVH, listed with
                its vCPUs, `xl pause`/`unpause` (its ticks stop and go on);
                the 1-vCPU domU: `xl reboot` (built again under a new id, its
                marker again), `xl shutdown` powers it off cleanly; the
                2-vCPU one: `xl destroy` while it runs; either way xl info's
                free memory is back where it was; then the same domU with 2
                vCPUs built by Petrel's `pxl create` (type = "pvh"): its
                marker, listed and paused by Debian's xl, `pxl reboot`,
                `pxl shutdown`, free memory back (xl-pvh-linux/pxl*)
  xl-pvh-save/* only with --only xl-pvh-save (pvh_save_checks.py): `xl save`
                and `xl restore` of the PVH Linux domU of xl-pvh-linux (1
                vCPU): saved and gone, restored running, its tick counter
                going on on the console xenconsoled reconnects to, `xl
                destroy` leaves it gone and free memory back
  bench-linux/* only with --only bench-linux (bench_linux_checks.py,
                bench/linux-domu.sh): the Linux domU as PVH, then as PV,
                timed from xl create to its marker, then its own
                fork/exec and CPU loops timed; figures printed, not judged
  xl-pvgrub/*   only with --only xl-pvgrub and the dom0-image-pvgrub image
                (tests/system/pvgrub.mk, pvgrub_checks.py): Debian's PV GRUB
                (grub-xen-host) as the kernel of a domU whose read-only disk
                holds grub.cfg, dom0's kernel and a busybox initramfs; built
                paused by Debian's xl, then by pxl, each tool's `console`
                attached before the unpause shows GRUB's line from grub.cfg
                and the kernel's /init marker with grub.cfg's command line;
                the domain powers itself off and is gone, free memory back
  xl-pvhgrub/*  only with --only xl-pvhgrub and the same image: the same with
                Debian's PVH GRUB (grub-i386-xen_pvh.bin) as the kernel of a
                PVH domU; the kernel it starts reports guest type PVH
  xl-hvm/*      only with --only xl-hvm and the dom0-image-hvm image
                (tests/system/hvm.mk): with Debian's xenconsoled running
                (libxl waits for the console tty it writes), `xl create` of
                an HVM guest (type =
                "hvm", 32 MiB, /etc/xl-hvm.cfg) with Debian's qemu-system-xen
                as its device model, hvmloader and SeaBIOS: hvmloader's and
                SeaBIOS's banners and the boot sector's marker (read from the
                one-sector disk on the emulated AHCI controller) on the debug
                port in `xl dmesg`, the guest's ACPI S5 ends it (shut down),
                `xl destroy` ends it and its device model, and xl info's
                free_memory is back where it was; then created again, its
                device model killed (SIGKILL) two seconds after `xl create`,
                and `xl destroy` must still end it and free all (dm-kill,
                dm-killed-destroy, dm-killed-memory)
  xl-hvm-memtest/* only with --only xl-hvm-memtest and the dom0-image-hvm
                image: memtest86+ 6.10 as an HVM guest (/etc/xl-memtest.cfg,
                32 MiB) of the same firmware and device model, loaded by GRUB
                from its disk, its serial console (COM1 to a file in dom0)
                read: GRUB's line and memtest's banner, its tests from 0 to
                10 in order, a completed pass with status Pass, never an
                error, still running after it; `xl destroy` ends it and its
                device model and free memory is back where it was
  xl-hvm-installed/* only with --only xl-hvm-installed, the dom0-image-hvm
                image and --hvm-disk: the installed Debian 12 disk
                (tests/installed, GRUB put in its MBR) as an HVM guest
                (/etc/xl-installed.cfg, 384 MiB) of the same firmware and
                device model, booted twice by GRUB (the kernel's extra
                arguments from an environment block dom0 writes first):
                with xen_nopv, the marker line of its systemd service on
                its serial console names /dev/sda1 as root and no Xen, then
                without (PVHVM), /dev/xvda1 and Xen; each time the guest's
                poweroff (ACPI S5) shuts the domain down, `xl destroy` ends
                it and its device model and free memory is back
  xl-hvm-dinst/* only with --only xl-hvm-dinst, the dom0-image-hvm image
                and --hvm-disk (dinst_checks.py): Debian's installer
                (debian-installer-12-netboot-amd64, GRUB from its disk) as
                an HVM guest (/etc/xl-dinst.cfg, 800 MiB): GRUB's line and
                the installer's first screen ("Select a language") on its
                serial console, still running; then its device model
                stopped (SIGSTOP), `xl destroy` ends the domain and the
                device model and free memory is back
  smp/*         with --smp N (N > 1): dom0 has N vCPUs, a parallel workload (a
                busy loop per CPU and a compression) gives every CPU work, CPU
                1 goes offline and back (/sys/devices/system/cpu/cpu1/online:
                VCPUOP_down, is_up, up), the workload again, `xl vcpu-set`
                takes dom0's last vCPU offline and back (xenstore's
                cpu/N/availability, which dom0's kernel acts on; the CPU
                comes back present and is put online through sysfs, as udev
                does on Xen), dmesg without a
                warning, stall or lockup (run right after `xl info`/`xl list`,
                before the console transfer of `xl create`)
  pxl/*         Petrel's xl (/usr/sbin/pxl) beside Debian's xl: the same output
                and exit codes for info (-n), list (-v, by id and name), uptime,
                dmesg, failing commands, a domU's list/domid/pause/unpause, pxl
                destroy of a domU Debian's xl created, pxl create of the same
                guest (it runs to its poweroff; Debian's xl destroys it), and
                after the reboot pxl dmesg -c (tests/system/pxl_checks.py,
                docs/xl.md)
  pxenconsoled  Petrel's console daemon in place of xenconsoled: the hello
                guest's output in its log, console/tty, Debian's `xl console`
                and `pxl console` (Ctrl-] leaves), the hypervisor log; pxl
                shutdown/reboot (-w, -ww) beside xl's; no descriptor left
                (tests/system/console_checks.py, docs/xl.md)
  pxl-cycles    with --only pxl-cycles, PXL_CYCLES (100) pxl create/destroy
                cycles of hello.elf under pxenconsoled; with --only
                pxl-linux-cycles, PXL_LINUX_CYCLES (20) of the Linux domU
                under xenconsoled: after each no xenstore node, userdata
                file, pty, daemon descriptor, pxl process or free page left,
                every 10 the hypervisor's dumps as before
                (tests/system/pxl_cycles_checks.py)
  pxl-kcache    with --only pxl-kcache, pxl's unpacked-kernel cache: three
                pxl creates of the Linux domU, a miss, a hit and a corrupted
                entry unpacked again, each guest at its marker
                (tests/system/kcache_checks.py)
  reboot        `reboot` in dom0 restarts the machine: firmware, hypervisor
                and dom0 come back to the shell marker (skip: --no-reboot)
  poweroff      `poweroff` in dom0 ends QEMU with exit status 0
The last line is "system-<hv>: N passed, N failed"; the exit status is 0
only when nothing failed.  On a failure the tail of the serial log follows.
"""

import argparse
import collections
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvboot  # noqa: E402
import console_checks  # noqa: E402
import pxl_checks  # noqa: E402
import kcache_checks  # noqa: E402
import pxl_top_checks  # noqa: E402
import pxl_cfg_checks  # noqa: E402
import pxl_cycles_checks  # noqa: E402
import dumpcore_checks  # noqa: E402
import net_checks  # noqa: E402
import hv_state  # noqa: E402
import pvgrub_checks  # noqa: E402
import save_dev_checks  # noqa: E402
import pvh_save_checks  # noqa: E402
import softreset_checks  # noqa: E402
import disk_checks  # noqa: E402
import dinst_checks  # noqa: E402
import bench_linux_checks  # noqa: E402
from serialconsole import ConsoleError, ConsoleTimeout, SerialConsole  # noqa: E402

# Lines that share the serial port with dom0's shell but are not its
# output: the hypervisor's console, guest consoles and kernel messages.
NOISE = re.compile(r"^(\(XEN\) |\(d\d+\) |\[\s*\d+\.\d+\] )")

MODULES = ["xen_evtchn", "xen_privcmd", "xen_gntdev", "xen_gntalloc", "xenfs",
           "ata_piix", "sr_mod", "qemu_fw_cfg", "loop", "xen_blkback", "bridge", "xen_netback"]
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


def shell_fn(con):
    """shell_run bound to con, for the check modules."""
    return lambda cmd, timeout=30: shell_run(con, cmd, timeout)


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


def dom0_dmesg(con, pattern="."):
    """rc and dom0's kernel log lines matching the extended regular
    expression `pattern`, each prefixed in the shell (shell_run drops lines
    that start with a kernel timestamp, as every dmesg line does)."""
    rc, out = shell_run(con, "dmesg > /tmp/dmesg.txt && { grep -E '%s' /tmp/dmesg.txt || :; } | "
                        "sed 's/^/dmesg: /'" % pattern)
    return rc, [l[len("dmesg: "):].strip() for l in out.splitlines() if l.startswith("dmesg: ")]


def dom0_dmesg_grep(con, pattern):
    """dom0's kernel log lines matching the extended regular expression."""
    return dom0_dmesg(con, pattern)[1]


def check_dmesg(con, res):
    rc, lines = dom0_dmesg(con)
    bad = [l for l in lines if DMESG_XEN_TROUBLE.search(l)]
    res.check("dmesg-clean", rc == 0 and len(lines) > 10 and not bad,
              "rc=%d, %d lines, %d Xen-related complaints, first: %s"
              % (rc, len(lines), len(bad), bad[:3]))


# PCI functions with MSI or MSI-X given to the machine: an AHCI controller
# (MSI), a virtio-pci disk on QEMU's null block driver and a virtio-pci NIC
# on an isolated user network (both MSI-X).  Their drivers are in the
# initramfs (build-dom0.sh).
PCI_DEVICES = ["-device", "ich9-ahci",
               "-blockdev", "driver=null-co,node-name=null0,size=16777216,read-zeroes=on",
               "-device", "virtio-blk-pci,drive=null0",
               "-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-pci,netdev=net0"]
# One count column per CPU dom0 has; the counts are summed.
PIRQ_LINE = re.compile(r"^\s*\d+:((?:\s+\d+)+)\s+xen-pirq\s+-(msi|msi-x)\s+(\S+)")


def msi_lines(con):
    rc, out = shell_run(con, "cat /proc/interrupts")
    return rc, {m.group(3): (m.group(2), sum(int(n) for n in m.group(1).split()))
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
    res.check("xenstore/io_uring", rc == 0 and "socket replies through io_uring" in out,
              "xenstored does not use io_uring for its socket (rc=%d): %r" % (rc, out.strip()))
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
    bad = [line for line in dom0_dmesg_grep(con, "[Xx][Ee][Nn][Bb][Uu][Ss]")
           if XENBUS_TROUBLE.search(line)]
    res.check("xenstore/xenbus-dmesg", not bad, "xenbus trouble in dmesg: %r" % bad)


# Debian's own xl (xen-utils-4.17, unmodified, in the initramfs: stage-xl.py)
# against the machine hvboot.qemu_argv describes.  Numbers are checked
# against what that machine is, so they hold on Xen 4.17 and on Petrel.
XL_SCHEDULERS = {"credit", "credit2", "arinc653", "rtds", "null"}
XL_LIST_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+([\d.]+)$")
# Hypervisor overhead allowed between RAM and dom0 + free memory: the
# hypervisor's own heap and frame table, and the boot modules Petrel keeps
# (the dom0 kernel and initramfs).
XL_OVERHEAD_MB = 96


def machine_facts(argv, hv_cmdline):
    """RAM (MiB), CPUs and dom0_mem (MiB) of the machine argv boots."""
    m = re.fullmatch(r"(\d+)([MG]?)", argv[argv.index("-m") + 1])
    ram = int(m.group(1)) * (1024 if m.group(2) == "G" else 1)
    cpus = int(argv[argv.index("-smp") + 1].split(",")[0])
    m = re.search(r"dom0_mem=(\d+)M", hv_cmdline)
    return ram, cpus, int(m.group(1)) if m else None


def xl_info(con, args):
    rc, out = shell_run(con, "xl info %s" % args)
    info = {}
    for line in out.splitlines():
        key, sep, val = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            info.setdefault(key.strip(), val.strip())
    return rc, out, info


def xl_list(con):
    rc, out = shell_run(con, "xl list")
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    rows = [m.groups() for m in map(XL_LIST_ROW.match, lines[1:]) if m]
    return rc, lines, rows


def check_xl_info(con, res, facts, hv_cmdline, version):
    ram, cpus, dom0_mem = facts
    rc, out, info = xl_info(con, "")
    if not res.check("xl/info", rc == 0 and "xen_major" in info,
                     "rc=%d, output %r" % (rc, out[-400:])):
        return None

    def num(key):
        try:
            return int(info.get(key, ""))
        except ValueError:
            return -1
    res.check("xl/info-version", "%s.%s" % (info.get("xen_major"), info.get("xen_minor"))
              == version, "xen_major/minor %s.%s, expected %s"
              % (info.get("xen_major"), info.get("xen_minor"), version))
    res.check("xl/info-cpus", num("nr_cpus") == cpus and num("max_cpu_id") >= cpus - 1
              and num("free_cpus") == 0 and num("nr_nodes") == 1,
              "nr_cpus %s max_cpu_id %s free_cpus %s nr_nodes %s; the machine has %d CPUs, "
              "all in pool 0, one node" % (info.get("nr_cpus"), info.get("max_cpu_id"),
                                           info.get("free_cpus"), info.get("nr_nodes"), cpus),
              "%d CPUs" % cpus)
    total, free = num("total_memory"), num("free_memory")
    res.check("xl/info-memory", ram - 16 <= total <= ram and
              total - dom0_mem - XL_OVERHEAD_MB <= free <= total - dom0_mem,
              "total_memory %d MiB (machine: %d MiB), free_memory %d MiB (expected between "
              "%d and %d with dom0_mem=%dM)" % (total, ram, free, total - dom0_mem -
                                                XL_OVERHEAD_MB, total - dom0_mem, dom0_mem),
              "total %d free %d" % (total, free))
    caps = info.get("virt_caps", "").split()
    res.check("xl/info-caps", "pv" in caps and "gnttab-v1" in caps,
              "virt_caps %r lacks pv or gnttab-v1" % caps, " ".join(caps))
    res.check("xl/info-cmdline", info.get("xen_commandline") == hv_cmdline,
              "xen_commandline %r, booted with %r" % (info.get("xen_commandline"), hv_cmdline))
    res.check("xl/info-misc", info.get("xen_scheduler") in XL_SCHEDULERS and
              num("xen_pagesize") == 4096 and
              re.fullmatch(r"[0-9a-f]{40}", info.get("build_id", "")) is not None and
              info.get("platform_params") == "virt_start=0xffff800000000000",
              "scheduler %r, pagesize %r, build_id %r, platform_params %r"
              % (info.get("xen_scheduler"), info.get("xen_pagesize"), info.get("build_id"),
                 info.get("platform_params")), info.get("xen_scheduler"))
    return info


# `xl info -n`: CPU topology (sysctl cputopoinfo) and NUMA nodes (numainfo).
XL_TOPO_ROW = re.compile(r"^\s*(\d+):\s+(\d+)\s+(\d+)\s+(\d+)\s*$")
XL_NODE_ROW = re.compile(r"^\s*(\d+):\s+(\d+)\s+(\d+)\s+(.*)$")


def check_xl_numa(con, res, facts, info):
    ram, cpus, _ = facts
    rc, out, _ = xl_info(con, "-n")
    lines = out.splitlines()
    topo, nodes, where = [], [], None
    for line in lines:
        if line.startswith("cpu_topology"):
            where = topo
        elif line.startswith("numa_info"):
            where = nodes
        elif where is topo and XL_TOPO_ROW.match(line):
            topo.append(XL_TOPO_ROW.match(line).groups())
        elif where is nodes and XL_NODE_ROW.match(line):
            nodes.append(XL_NODE_ROW.match(line).groups())
    free = int(info.get("free_memory", "-1"))
    # xl leaves out CPUs whose core id the hypervisor does not know: Xen
    # 4.17 knows none when CPUID shows no topology (QEMU's one-CPU "max"
    # model has no HTT bit), so either every CPU or none is listed.
    ok = (rc == 0 and "failed" not in out and len(topo) in (0, cpus) and
          all(int(t[0]) < cpus and t[3] == "0" for t in topo) and
          len(nodes) == 1 and nodes[0][0] == "0" and ram - 16 <= int(nodes[0][1]) <= ram and
          abs(int(nodes[0][2]) - free) <= 2 and nodes[0][3].split() == ["10"])
    res.check("xl/info-numa", ok, "rc=%d, cpu_topology %r, numa_info %r (free_memory %d)"
              % (rc, topo, nodes, free), "%d CPU rows, node 0" % len(topo))


# `xl vcpu-list`: one row per dom0 vCPU (domctl getvcpuinfo and
# getvcpuaffinity): on a CPU of the machine, running or blocked, with CPU
# time, and no pinning.
XL_VCPU_ROW = re.compile(r"^Domain-0\s+0\s+(\d+)\s+(\d+|-)\s+([-rbpy]{3})\s+([\d.]+)\s+(.*)$")


def check_xl_vcpu_list(con, res, cpus, dom0_vcpus):
    rc, out = shell_run(con, "xl vcpu-list")
    rows = [m.groups() for m in map(XL_VCPU_ROW.match, (l.strip() for l in out.splitlines()))
            if m]
    # Online vCPUs (a CPU number, not paused): running, blocked, or, caught between a
    # wake-up and its CPU picking it up, runnable ("---").
    ok = (rc == 0 and sorted(int(r[0]) for r in rows) == list(range(dom0_vcpus)) and
          all(r[1] != "-" and int(r[1]) < cpus and "p" not in r[2] and
              float(r[3]) > 0 and r[4].split() == ["all", "/", "all"] for r in rows))
    res.check("xl/vcpu-list", ok, "rc=%d, rows %r; expected vCPUs 0..%d of Domain-0 on CPUs "
              "below %d, online, affinity all / all" % (rc, rows, dom0_vcpus - 1,
                                                        cpus), "%d rows" % len(rows))


def vcpu_rows(con):
    """rc and {vCPU: (CPU, state, affinity words)} of Domain-0 from `xl vcpu-list`."""
    rc, out = shell_run(con, "xl vcpu-list 0")
    rows = {}
    for m in map(XL_VCPU_ROW.match, (l.strip() for l in out.splitlines())):
        if m:
            rows[int(m.group(1))] = (m.group(2), m.group(3), m.group(5).split())
    return rc, rows


def wait_vcpu_cpu(con, vcpu, cpu, tries=20):
    """Poll `xl vcpu-list` until the vCPU sits on that CPU; the last rows."""
    for _ in range(tries):
        rc, rows = vcpu_rows(con)
        if rc == 0 and vcpu in rows and rows[vcpu][0] == str(cpu):
            break
        shell_run(con, "usleep 250000")
    return rc, rows


# `xl vcpu-pin` (domctl setvcpuaffinity): dom0's last vCPU pinned to CPU 0
# shows hard affinity "0" (xl writes "all" when the map covers every CPU,
# so on one CPU it stays "all") and runs there; pinned back to all it shows
# "all / all"; a vCPU dom0 does not have is refused.
def check_xl_vcpu_pin(con, res, cpus, dom0_vcpus):
    last = dom0_vcpus - 1
    want = ["all" if cpus == 1 else "0", "/", "all"]
    rc, _ = shell_run(con, "xl vcpu-pin 0 %d 0" % last)
    rc2, rows = wait_vcpu_cpu(con, last, 0)
    row = rows.get(last)
    res.check("xl/vcpu-pin", rc == 0 and rc2 == 0 and row is not None and
              row[0] == "0" and row[2] == want,
              "rc=%d/%d, vCPU %d row %r: expected CPU 0, affinity %s"
              % (rc, rc2, last, row, " ".join(want)), "vCPU %d on CPU 0" % last)
    rc, _ = shell_run(con, "xl vcpu-pin 0 %d all" % last)
    rc2, rows = vcpu_rows(con)
    ok = rc == 0 and rc2 == 0 and sorted(rows) == list(range(dom0_vcpus)) and \
        all(r[2] == ["all", "/", "all"] for r in rows.values())
    res.check("xl/vcpu-unpin", ok, "rc=%d/%d, rows %r: expected affinity all / all"
              % (rc, rc2, rows))
    rc, out = shell_run(con, "xl vcpu-pin 0 %d all" % dom0_vcpus)
    res.check("xl/vcpu-pin-missing", rc != 0, "rc=%d for vCPU %d of %d: %r"
              % (rc, dom0_vcpus, dom0_vcpus, out.strip()), "rc=%d" % rc)


# `xl sched-credit` (sched-credit2 where the hypervisor runs credit2): the pool's line, then
# Domain-0's weight and cap; set to 512 and 50 and read back, then put back to 256 and 0.
XL_SCHED_CMDS = {"credit": "sched-credit", "credit2": "sched-credit2"}
XL_SCHED_ROW = re.compile(r"^Domain-0\s+0\s+(\d+)\s+(\d+)\s*$", re.M)


def check_xl_sched(con, res, scheduler):
    cmd = XL_SCHED_CMDS.get(scheduler)
    if cmd is None:
        res.check("xl/sched", False, "no credit scheduler: %r" % scheduler)
        return
    rc, out = shell_run(con, "xl %s" % cmd)
    m = XL_SCHED_ROW.search(out)
    res.check("xl/sched-show", rc == 0 and out.startswith("Cpupool Pool-0: ") and m is not None
              and m.groups() == ("256", "0"), "rc=%d, %r: expected the pool's line and "
              "Domain-0 with weight 256, cap 0" % (rc, out.strip()), cmd)
    rc, out = shell_run(con, "xl %s -d 0 -w 512 -c 50 && xl %s -d Domain-0" % (cmd, cmd))
    rc2, _ = shell_run(con, "xl %s -d 0 -w 256 -c 0" % cmd)
    m = XL_SCHED_ROW.search(out)
    res.check("xl/sched-set", rc == 0 and rc2 == 0 and m is not None and
              m.groups() == ("512", "50"), "rc=%d/%d, %r: expected Domain-0 with weight 512, "
              "cap 50" % (rc, rc2, out.strip()))


def check_xl(con, res, args, hv_cmdline, argv):
    facts = machine_facts(argv, hv_cmdline)
    rc, out = shell_run(con, "cat /var/log/xen/xen-init-dom0.log; "
                        "ls /var/lib/xen/userdata-d.0.*.libxl-json")
    res.check("xl/xen-init-dom0", rc == 0 and "Done setting up Dom0" in out,
              "rc=%d: %r" % (rc, out.strip()))
    info = check_xl_info(con, res, facts, hv_cmdline, args.expect_version)
    if info:
        check_xl_numa(con, res, facts, info)
    rc, lines, rows = xl_list(con)
    _, online = shell_run(con, "cat /sys/devices/system/cpu/online")
    _, up = shell_run(con, "cat /proc/uptime")
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", online.strip())
    dom0_vcpus = (int(m.group(2) or m.group(1)) + 1) if m else -1
    uptime = float(up.split()[0]) if up.split() else -1
    row = rows[0] if len(rows) == 1 else None
    ok = (rc == 0 and row is not None and row[:2] == ("Domain-0", "0") and
          abs(int(row[2]) - facts[2]) <= 1 and int(row[3]) == dom0_vcpus and
          "r" in row[4] and 0 < float(row[5]) <= dom0_vcpus * uptime + 30)
    res.check("xl/list", ok, "rc=%d, rows %r; expected one Domain-0 row with %d MiB, %d vCPUs, "
              "running, CPU time (summed over the vCPUs) at most 30 s past %d times dom0's "
              "uptime %.1fs" % (rc, lines, facts[2], dom0_vcpus, dom0_vcpus, uptime),
              " ".join(row) if row else "")
    if info and row:
        res.check("xl/memory-sum", int(row[2]) + int(info["free_memory"]) <=
                  int(info["total_memory"]), "dom0 %s MiB + free %s MiB > total %s MiB"
                  % (row[2], info["free_memory"], info["total_memory"]))
    rc, out = shell_run(con, "xl uptime")
    m = re.search(r"^Domain-0\s+0\s+(\d+):(\d\d):(\d\d)$", out, re.M)
    secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) if m else -1
    res.check("xl/uptime", rc == 0 and m and abs(secs - uptime) <= 60,
              "rc=%d, %r (dom0 uptime %.0fs)" % (rc, out.strip(), uptime))
    check_xl_vcpu_list(con, res, facts[1], dom0_vcpus)
    check_xl_vcpu_pin(con, res, facts[1], dom0_vcpus)
    if info:
        check_xl_sched(con, res, info.get("xen_scheduler"))
    # The console ring: the hypervisor's first line, then cleared by -c.  Its
    # lines are prefixed so that they are not taken for console noise.
    banner = re.compile(hvboot.HV_BANNER, re.M)
    rc, out = xl_dmesg(con, "")
    res.check("xl/dmesg", rc == 0 and banner.search(out) is not None,
              "rc=%d, no banner in %r" % (rc, out[:300]), "%d lines" % len(out.splitlines()))
    rc, out = xl_dmesg(con, "-c")
    rc2, after = xl_dmesg(con, "")
    res.check("xl/dmesg-clear", rc == 0 and rc2 == 0 and banner.search(out) is not None and
              banner.search(after) is None,
              "rc=%d/%d, the banner in xl dmesg -c: %s, still there after it: %s"
              % (rc, rc2, banner.search(out) is not None, banner.search(after) is not None))


# `xl create` of a PV domU: the guest test hello.elf (built by the guest
# tests), which the dom0 image carries with its xl config (dom0.mk,
# rootfs/etc/xl-hello.cfg).  It prints to its console ring, then powers
# itself off.
XL_DESTROY_WAIT = 10  # seconds a destroyed domain may stay listed
XL_CONSOLE_WAIT = 30  # seconds a domU's console output may take to reach the log
XL_CONSOLE_DIR = "/var/log/xen/console"
FRAMES_FREED = r"\bd%s: last frame mapped elsewhere freed"
XENCONSOLED = ("mkdir -p /var/log/xen/console && /usr/lib/xen-4.17/bin/xenconsoled "
               "--pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console")


def console_log_wait(con, name, marker, secs, count=1):
    """Wait until xenconsoled's log of domain `name` holds `marker` on
    `count` lines (rootfs/bin/console-wait); (rc, its report and the log's tail)."""
    return shell_run(con, "console-wait %s '%s' %d %d" % (name, marker, secs, count),
                     secs + 30)


def check_xl_console(con, res, name, marker, timeout):
    """The domU's console ring reaches xenconsoled's log and `xl console`."""
    rc, out = console_log_wait(con, name, marker, XL_CONSOLE_WAIT)
    res.check("xl/console-log", rc == 0 and marker in out,
              "rc=%d, %r not in %s/guest-%s.log: %r" % (rc, marker, XL_CONSOLE_DIR, name,
                                                        out.strip()[-400:]),
              out.split("\n", 1)[0])
    # xl console copies the pty to its stdout; its stdin is a pipe that stays
    # open and silent.  It ends by itself once the domain has shut down, or
    # timeout ends it.
    rc, out = shell_run(con, "sleep 8 | timeout 4 xl console %s > /tmp/xlcon 2>&1; "
                        "echo status $?; cat /tmp/xlcon" % name, timeout)
    res.check("xl/console", re.search(r"^status (0|124)$", out, re.M) and marker in out,
              "xl console %s did not show %r: %r" % (name, marker, out.strip()[-400:]))


def xl_wait_only_dom0(con, timeout):
    """Wait up to XL_DESTROY_WAIT s until xl list shows no domain but dom0."""
    return shell_run(con, "i=0; while xl list | tail -n +2 | grep -qv '^Domain-0 '; do "
                     "[ $i -ge %d ] && break; usleep 200000; i=$((i+1)); done; "
                     "echo waited $i" % (XL_DESTROY_WAIT * 5), timeout)


def check_xl_create(con, res, timeout):
    # pxl's checks take the same guest from /tmp (a config to change, a kernel to gzip)
    rc, out = shell_run(con, "cp /etc/xl-hello.cfg /tmp/xlt.cfg && "
                        "cp /usr/lib/petrel-domu/hello.elf /tmp/xlt.elf && %s && echo started"
                        % XENCONSOLED)
    if not res.check("xl/create-setup", rc == 0 and "started" in out,
                     "xenconsoled rc=%d %r" % (rc, out.strip())):
        return
    rc, out = shell_run(con, "xl create /etc/xl-hello.cfg", timeout)
    res.check("xl/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:]))
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == "xlt"]
    res.check("xl/create-list", rc == 0 and len(row) == 1 and int(row[0][1]) > 0 and
              row[0][2] == "32" and row[0][3] == "1",
              "rc=%d, rows %r; expected an xlt row with 32 MiB and 1 vCPU" % (rc, lines),
              " ".join(row[0]) if row else "")
    check_xl_console(con, res, "xlt", "Test result: SUCCESS", timeout)
    if row:
        pxl_checks.check_domu(shell_fn(con), res, "xlt")
        pxl_top_checks.check_top_sched(shell_fn(con), res, "xlt")
    # After xl destroy the domain is gone within a few seconds: xenstored
    # hears of its death (VIRQ_DOM_EXC) and unmaps its store ring, the last
    # page another domain held.  Xen lists the domain as dying until then;
    # Petrel logs the frames still mapped at the kill and the last one freed.
    domid = row[0][1] if row else "?"
    start = len(con.text)
    rc, out = shell_run(con, "xl destroy xlt", timeout)
    rc2, out2 = xl_wait_only_dom0(con, timeout)
    rc3, lines, rows = xl_list(con)
    left = [r for r in rows if r[0] != "Domain-0"]
    log = con.text[start:]
    held = re.search(r"\bd%s: \d+ frames still mapped elsewhere" % domid, log)
    freed = re.search(FRAMES_FREED % domid, log)
    if held and not freed:
        try:
            freed = con.expect(FRAMES_FREED % domid, XL_DESTROY_WAIT)
        except ConsoleTimeout:
            pass
    res.check("xl/destroy", rc == 0 and rc2 == 0 and rc3 == 0 and len(rows) == 1 and
              rows[0][0] == "Domain-0" and not left,
              "rc=%d/%d/%d %r, after %d s rows %r" % (rc, rc2, rc3, out.strip(),
                                                    XL_DESTROY_WAIT, lines),
              "gone, %s" % out2.strip())
    res.check("xl/destroy-frames", not held or freed is not None,
              "d%s: frames still mapped after the kill were never freed" % domid,
              "frames held at the kill: %s, freed: %s" % (held is not None, freed is not None))
    # Petrel's xl destroys a domain Debian's xl created.
    rc, out = shell_run(con, "xl create /tmp/xlt.cfg", timeout)
    if res.check("pxl/destroy-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        pxl_checks.check_destroy(shell_fn(con), res, "xlt", XL_DESTROY_WAIT, timeout)
    # and builds it itself: Debian's xl lists and destroys what Petrel's built
    pxl_checks.check_create(shell_fn(con), res, "xlt", XL_DESTROY_WAIT, timeout)
    pxl_checks.check_create_more(shell_fn(con), res, "xlt", XL_DESTROY_WAIT, timeout)
    pxl_top_checks.check_rename_restart(shell_fn(con), res, "/tmp/xlt.cfg", "xlt",
                                        XL_DESTROY_WAIT * 2)
    pxl_checks.check_create_grant_limits(shell_fn(con), res, XL_DESTROY_WAIT, timeout)
    check_xl_claim(con, res, timeout)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)")


def check_xl_claim(con, res, timeout):
    """xl's claim_mode (on by default): a guest larger than the free memory is
    refused by XENMEM_claim_pages before libxc populates anything, with
    nothing left behind; without the claim libxc finds out mid-populate."""
    rc, _, info = xl_info(con, "")
    free0 = int(info.get("free_memory", "0"))
    big = "'name=\"xlbig\"' memory=%d" % (free0 + 64)
    if not res.check("xl/claim-setup", rc == 0 and free0 > 0, "xl info rc=%d, free %d" %
                     (rc, free0)):
        return
    rc, out = shell_run(con, "xl -v create /etc/xl-hello.cfg %s 2>&1" % big, timeout)
    _, lines, rows = xl_list(con)
    _, _, info = xl_info(con, "")
    free1 = int(info.get("free_memory", "0"))
    res.check("xl/claim-refused", rc != 0 and "failed to allocate" not in out and
              "xc_dom_boot_mem_init failed: Cannot allocate memory" in out and
              not any(r[0] == "xlbig" for r in rows) and free1 == free0 and
              info.get("outstanding_claims") == "0",
              "rc=%d, list %r, free %d -> %d MiB, outstanding_claims %s: %r" %
              (rc, lines, free0, free1, info.get("outstanding_claims"), out.strip()[-600:]),
              "refused before populating, free %d MiB kept" % free1)
    # the same guest with claim_mode=0 runs into the allocation failure instead
    rc, out = shell_run(con, "cp /etc/xen/xl.conf /tmp/xl.conf.keep && "
                        "echo claim_mode=0 >>/etc/xen/xl.conf && "
                        "xl -v create /etc/xl-hello.cfg %s 2>&1; r=$?; "
                        "cp /tmp/xl.conf.keep /etc/xen/xl.conf; (exit $r)" % big, timeout)
    _, lines, rows = xl_list(con)
    res.check("xl/claim-off", rc != 0 and "failed to allocate" in out and
              not any(r[0] == "xlbig" for r in rows),
              "rc=%d, list %r: %r" % (rc, lines, out.strip()[-600:]),
              "populate failed, nothing left")


# `xl create` of a PVH domU: the HVM guest test hvm-hello.elf (rootfs/etc/
# xl-pvh.cfg), started at its PHYS32 entry in an HVM container on the
# machine's SVM with nested paging.  It finds its console ring through its
# HVM params, prints its greeting and verdict there and powers itself off;
# on_poweroff = "preserve" keeps it listed as shut down until xl destroy.
PVH_MARKER = "Hello from an HVM guest"


def check_xl_pvh(con, res, timeout):
    rc, out = shell_run(con, "%s && echo started" % XENCONSOLED)
    if not res.check("xl-pvh/setup", rc == 0 and "started" in out,
                     "xenconsoled rc=%d %r" % (rc, out.strip())):
        return
    rc, out = shell_run(con, "xl create /etc/xl-pvh.cfg", timeout)
    res.check("xl-pvh/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:]))
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == "xlpvh"]
    res.check("xl-pvh/list", rc == 0 and len(row) == 1 and int(row[0][1]) > 0 and
              row[0][2] == "32" and row[0][3] == "1",
              "rc=%d, rows %r; expected an xlpvh row with 32 MiB and 1 vCPU" % (rc, lines),
              " ".join(row[0]) if row else "")
    rc, out = console_log_wait(con, "xlpvh", "Test result: SUCCESS", XL_CONSOLE_WAIT)
    res.check("xl-pvh/console-log", rc == 0 and PVH_MARKER in out,
              "rc=%d, no %r and verdict in %s/guest-xlpvh.log: %r"
              % (rc, PVH_MARKER, XL_CONSOLE_DIR, out.strip()[-400:]), out.split("\n", 1)[0])
    # it powered itself off: listed as shut down ("s") until destroyed
    rc, out = shell_run(con, "i=0; until xl list xlpvh | awk 'NR == 2 { print $5 }' | "
                        "grep -q s; do [ $i -ge 50 ] && break; usleep 200000; i=$((i+1)); "
                        "done; xl list xlpvh | awk 'NR == 2 { print \"state\", $5 }'", timeout)
    res.check("xl-pvh/shutdown", rc == 0 and re.search(r"^state \S*s", out, re.M),
              "rc=%d, not shut down: %r" % (rc, out.strip()[-300:]), out.strip())
    rc, out = shell_run(con, "xl destroy xlpvh", timeout)
    rc2, out2 = xl_wait_only_dom0(con, timeout)
    rc3, lines, rows = xl_list(con)
    res.check("xl-pvh/destroy", rc == 0 and rc2 == 0 and rc3 == 0 and len(rows) == 1 and
              rows[0][0] == "Domain-0",
              "rc=%d/%d/%d %r, rows %r" % (rc, rc2, rc3, out.strip(), lines), out2.strip())
    check_beside(con, res, "xl-pvh/beside", [], timeout)
    # a PVH domU that soft-resets itself, under xl and pxl, then pxl under pxenconsoled
    softreset_checks.check_soft_reset(
        shell_fn(con), res, timeout,
        "kill $(cat /run/xenconsoled.pid); sleep 1; " + console_checks.START)
    shell_run(con, "kill $(cat /run/xenconsoled.pid) $(cat /run/pxenconsoled.pid) 2>/dev/null")


# PV and PVH domUs side by side, and a PVH domU that triple-faults beside
# them (check_beside, steps xl-pvh and xl-pvh-linux): the PV guest test
# save-restore.elf (rootfs/etc/xl-save.cfg, xls) counts every 250 ms beside
# the domains already running; hvm-hello.elf as a PVH domU (xl-pvh.cfg under
# another name) runs to its verdict beside them; then hvm-triple-fault.elf as
# a PVH domU prints its line and triple-faults: the hypervisor logs it with
# Xen's default action (1, reboot; on_reboot = "preserve" keeps the domain
# listed as shut down) and every other domain counts on, none of them shut
# down, crashed or dying.
BESIDE_PV = ("xls", "save-restore: tick")
BESIDE_PVH = "xlpvh2"
TRIPLE_NAME = "pvhtf"
TRIPLE_CFG = ("/etc/xl-pvh.cfg 'name=\"%s\"' 'kernel=\"/usr/lib/petrel-domu/hvm-triple-fault.elf\"' "
              "'on_reboot=\"preserve\"'" % TRIPLE_NAME)
TRIPLE_LINE = "Triple fault - invoking HVM shutdown action 1"


def last_count(con, name, word):
    """The last N of the `word N` lines domain `name` printed (-1 if none)."""
    _, out = shell_run(con, "grep -o '%s [0-9]*' %s/guest-%s.log | tail -n 1"
                       % (word, XL_CONSOLE_DIR, name))
    m = re.search(r"(\d+)\s*$", out)
    return int(m.group(1)) if m else -1


def counting_on(con, doms, ahead=3, secs=60):
    """Whether each (name, word) of `doms` prints `ahead` more `word N` lines
    within `secs` seconds; (all did, a report)."""
    ok, report = True, []
    for name, word in doms:
        before = last_count(con, name, word)
        console_log_wait(con, name, "%s %d" % (word, before + ahead), secs)
        after = last_count(con, name, word)
        ok = ok and before >= 0 and after >= before + ahead
        report.append("%s %d -> %d" % (name, before, after))
    return ok, ", ".join(report)


def all_running(con, names):
    """Whether `names` are each listed once, not shut down, crashed or dying."""
    _, lines, rows = xl_list(con)
    ok = all(len([r for r in rows if r[0] == n and r[4][2:] == "----"]) == 1 for n in names)
    return ok, lines


def wait_shut_down(con, name, secs=60):
    """xl list's state of `name` once it shows shut down ("s"), or the last one."""
    _, out = shell_run(con, "i=0; until xl list %s | awk 'NR == 2 { print $5 }' | grep -q s; "
                       "do [ $i -ge %d ] && break; usleep 200000; i=$((i+1)); done; "
                       "xl list %s | awk 'NR == 2 { print \"state\", $5 }'"
                       % (name, secs * 5, name), secs + 30)
    return out.strip()


def beside_pvh(con, res, step, doms, timeout):
    """The PVH hello domU beside `doms`, which count on while it runs."""
    rc, out = shell_run(con, "xl create /etc/xl-pvh.cfg 'name=\"%s\"'" % BESIDE_PVH, timeout)
    rc2, log = console_log_wait(con, BESIDE_PVH, "Test result: SUCCESS", XL_CONSOLE_WAIT)
    ok, report = counting_on(con, doms)
    res.check(step + "-pv-pvh", rc == 0 and rc2 == 0 and PVH_MARKER in log and ok,
              "rc=%d/%d %r, counting: %s; %s log %r" % (rc, rc2, out.strip()[-200:], report,
                                                       BESIDE_PVH, log.strip()[-300:]), report)


def beside_triple_fault(con, res, step, doms, timeout):
    """The triple-faulting PVH domU dies alone: `doms` count on."""
    rc, out = shell_run(con, "xl create %s" % TRIPLE_CFG, timeout)
    rc2, log = console_log_wait(con, TRIPLE_NAME, "about to triple fault", XL_CONSOLE_WAIT)
    state = wait_shut_down(con, TRIPLE_NAME)
    _, dmesg = shell_run(con, "xl dmesg | grep -a 'Triple fault' | tail -n 1 | sed 's/^(XEN) //'")
    res.check(step + "-triple-fault", rc == 0 and rc2 == 0 and
              re.search(r"^state \S*s", state, re.M) and TRIPLE_LINE in dmesg,
              "rc=%d/%d %r, %s, xl dmesg %r, its log %r"
              % (rc, rc2, out.strip()[-200:], state, dmesg.strip(), log.strip()[-300:]),
              dmesg.strip()[-90:])
    ok, report = counting_on(con, doms)
    listed, lines = all_running(con, [d[0] for d in doms])
    res.check(step + "-rest-running", ok and listed, "counting: %s; xl list %r"
              % (report, lines), report)


def check_beside(con, res, step, doms, timeout):
    """A PV domU beside the running `doms` ((name, tick word) pairs), a PVH
    one beside them all, then a triple-faulting PVH one; all destroyed."""
    doms = doms + [BESIDE_PV]
    rc, out = shell_run(con, "xl create /etc/xl-save.cfg", timeout)
    rc2, _ = console_log_wait(con, BESIDE_PV[0], BESIDE_PV[1] + " 2", XL_CONSOLE_WAIT)
    if res.check(step + "-pv", rc == 0 and rc2 == 0, "rc=%d/%d: %r"
                 % (rc, rc2, out.strip()[-300:])):
        beside_pvh(con, res, step, doms, timeout)
        beside_triple_fault(con, res, step, doms, timeout)
    names = [BESIDE_PV[0], BESIDE_PVH, TRIPLE_NAME]
    shell_run(con, "; ".join("xl destroy %s 2>/dev/null" % n for n in names), timeout)
    gone = [n for n in names if wait_gone(con, n)]
    res.check(step + "-destroy", gone == names, "still listed: %r"
              % sorted(set(names) - set(gone)))


# `xl create` of an HVM guest with QEMU as its device model (tests/system/
# hvm.mk, hvm-boot/): hvmloader and SeaBIOS print on the debug port 0xE9,
# which the hypervisor logs as the domain's lines; SeaBIOS boots the disk on
# QEMU's AHCI controller, whose boot sector prints its marker there and asks
# for ACPI S5.  Under TCG the whole path takes minutes.
HVM_MARKER = "PETREL-HVM-BOOT-SECTOR: booted from the emulated disk"
HVM_WAIT = 900  # seconds from xl create to the boot sector's marker under TCG
HVM_STAGES = (("hvmloader", r"HVM Loader"), ("seabios", r"SeaBIOS \(version"),
              ("marker", re.escape(HVM_MARKER)))


def xl_free_memory(con):
    rc, out = shell_run(con, "xl info | awk '$1 == \"free_memory\" { print $3 }'")
    return int(out.strip()) if rc == 0 and out.strip().isdigit() else -1


def hvm_guest_lines(con, domid):
    """The HVM guest's debug-port lines in the hypervisor's log."""
    rc, out = xl_dmesg(con, "")
    return "\n".join(l for l in out.splitlines() if "(d%s)" % domid in l)


def hvm_wait_marker(con, domid):
    """Poll xl dmesg until the boot sector's marker, the domain's end (shut
    down or crashed) or HVM_WAIT; its lines."""
    shell_run(con, "i=0; until xl dmesg | grep -q '(d%s) %s'; do [ $i -ge %d ] && break; "
              "xl list xlhvm | awk 'NR == 2 { print $5 }' | grep -q '[sc]' && break; "
              "sleep 2; i=$((i+1)); done" % (domid, HVM_MARKER, HVM_WAIT // 2),
              HVM_WAIT + 60)
    return hvm_guest_lines(con, domid)


def hvm_failure_report(con, dom="xlhvm", xl_out="/tmp/xl-hvm.out"):
    """What the device model, xl and xenstored said, for a failed step."""
    shell_run(con, "tail -n 30 /var/log/xen/qemu-dm-%s.log; tail -n 20 /var/log/xenstored.log; "
              "xenstore-ls /local/domain/$(xl domid %s)/hvmloader; "
              "grep -n -i -E 'error|fail|timed out|qmp|tty|console|chardev' %s "
              "| tail -n 60" % (dom, dom, xl_out), 30)


def xl_hvm_destroy_checks(con, res, names, timeout, free0, dom="xlhvm", step="xl-hvm"):
    """xl destroy of the HVM guest @dom: only Domain-0 and no device model
    left (check names[0]), and free_memory back at @free0 (names[1])."""
    rc, out = shell_run(con, "xl destroy %s" % dom, timeout)
    rc2, out2 = xl_wait_only_dom0(con, timeout)
    rc3, lines, rows = xl_list(con)
    rc4, dm = shell_run(con, "pidof xen-qemu-system-i386 || echo none")
    res.check(step + "/" + names[0], rc == 0 and rc2 == 0 and rc3 == 0 and len(rows) == 1 and
              rows[0][0] == "Domain-0" and dm.strip() == "none",
              "rc=%d/%d/%d %r, rows %r, device model %r" % (rc, rc2, rc3, out.strip(), lines,
                                                          dm.strip()), out2.strip())
    free1 = xl_free_memory(con)
    for _ in range(10):
        if free1 == free0:
            break
        shell_run(con, "sleep 1")
        free1 = xl_free_memory(con)
    res.check(step + "/" + names[1], free0 > 0 and free1 == free0,
              "free_memory %d MiB before create, %d MiB after destroy" % (free0, free1),
              "%d MiB free again" % free1)


def check_xl_hvm_dm_killed(con, res, timeout, free0):
    """The guest again, its device model killed (SIGKILL) while the guest
    runs: xl destroy must still end the domain and free everything."""
    rc, out = shell_run(con, "xl create /etc/xl-hvm.cfg > /tmp/xl-hvm2.out 2>&1; r=$?; "
                        "sleep 2; kill -9 $(pidof xen-qemu-system-i386) && echo killed; "
                        "test $r = 0", 4 * timeout)
    if not res.check("xl-hvm/dm-kill", rc == 0 and "killed" in out,
                     "rc=%d: %r" % (rc, out.strip()[-300:])):
        return
    shell_run(con, "sleep 3")
    xl_hvm_destroy_checks(con, res, ("dm-killed-destroy", "dm-killed-memory"), timeout, free0)


def hvm_setup(con, res, step):
    """Debian's xenconsoled, which libxl waits for also for an HVM guest."""
    rc, out = shell_run(con, "mkdir -p /var/log/xen /var/run/xen && %s && echo started"
                        % XENCONSOLED)
    return res.check(step + "/setup", rc == 0 and "started" in out,
                     "xenconsoled rc=%d %r" % (rc, out.strip()))


def check_xl_hvm(con, res, timeout):
    if not hvm_setup(con, res, "xl-hvm"):
        return
    free0 = xl_free_memory(con)
    rc, out = shell_run(con, "xl -vvv create /etc/xl-hvm.cfg > /tmp/xl-hvm.out 2>&1; "
                        "r=$?; tail -n 5 /tmp/xl-hvm.out; test $r = 0", 4 * timeout)
    if not res.check("xl-hvm/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-600:])):
        hvm_failure_report(con)
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == "xlhvm"]
    res.check("xl-hvm/list", rc == 0 and len(row) == 1 and int(row[0][1]) > 0,
              "rc=%d, rows %r; expected an xlhvm row" % (rc, lines),
              " ".join(row[0]) if row else "")
    if not row:
        shell_run(con, "kill $(cat /run/xenconsoled.pid)")
        return
    domid = row[0][1]
    t0 = con.elapsed()
    log = hvm_wait_marker(con, domid)
    for name, rx in HVM_STAGES:
        res.check("xl-hvm/" + name, re.search(r"\(d%s\) %s" % (domid, rx), log),
                  "no /%s/ from d%s in xl dmesg; its last lines: %r"
                  % (rx, domid, log[-600:]), "%.0fs after create" % (con.elapsed() - t0))
    rc, out = shell_run(con, "i=0; until xl list xlhvm | awk 'NR == 2 { print $5 }' | "
                        "grep -q s; do [ $i -ge 100 ] && break; usleep 200000; i=$((i+1)); "
                        "done; xl list xlhvm | awk 'NR == 2 { print \"state\", $5 }'", timeout)
    # shut down ("s"), not crashed ("c")
    if not res.check("xl-hvm/shutdown", rc == 0 and re.search(r"^state [^\sc]*s[^\sc]*$", out,
                                                               re.M),
                     "rc=%d, not shut down by its S5: %r" % (rc, out.strip()[-300:]),
                     out.strip()):
        hvm_failure_report(con)
    xl_hvm_destroy_checks(con, res, ("destroy", "memory"), timeout, free0)
    check_xl_hvm_dm_killed(con, res, timeout, free0)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)")


# memtest86+ 6.10 as an HVM guest (tests/system/hvm.mk, hvm-boot/xl-memtest.cfg):
# SeaBIOS boots GRUB from the AHCI disk, GRUB loads memtest86+ by the Linux
# boot protocol (its linux command) with console=ttyS0; memtest86+ mirrors its screen
# on COM1, which the device model writes to MEMTEST_SERIAL.  The screen comes
# as VT100 row updates: the status row carries "Pass: N" and "Errors: N", the
# test row "#N [name]".  Its first pass (a third of the iterations of later
# passes, each bit fade delay 80 s of wall time) runs every enabled test:
# 0 and 2 to 10 (test 1 is off by default).  The serial console gets the
# changed rows about once a second, so a test shorter than that may never
# show there; the first and the last (two 80 s delays) always do.
MEMTEST_SERIAL = "/var/log/xen/memtest-serial.log"
MEMTEST_TESTS = [0] + list(range(2, 11))
MEMTEST_WAIT = 5400  # seconds from xl create to the end of the first pass under TCG
MEMTEST_POLL = 30
# dom0 shares its CPU with the busy guest, under a loaded TCG machine: a
# `sleep 30` came back after more than 60 s.
MEMTEST_POLL_SLACK = 600
# hvm-boot/memtest-status.sh, in the image: one line per fact of the log
# (GRUB's line, the banner, tests, passes, errors, status, time, the domain's
# state), a typed command line that long would not survive the console.
MEMTEST_STATUS = "sh /usr/lib/petrel-domu/memtest-status.sh %s xlmemtest" % MEMTEST_SERIAL


def memtest_status(con):
    """The facts of memtest-status.sh as a dict of lists of words, plus the
    GRUB and banner lines under "lines"."""
    rc, out = shell_run(con, MEMTEST_STATUS, MEMTEST_POLL_SLACK)
    st = {"lines": [], "tests": [], "passes": [], "errors": [], "status": [], "time": [],
          "state": [], "bytes": []}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in st:
            st[words[0]] = words[1:]
        elif line.strip():
            st["lines"].append(line.strip())
    return st


def memtest_done(st):
    """A pass counted, an error shown, or the domain no longer running."""
    return (any(p != "0" for p in st["passes"]) or any(e != "0" for e in st["errors"]) or
            not st["state"] or any(c in st["state"][0] for c in "sc"))


def check_xl_hvm_memtest(con, res, timeout):
    step = "xl-hvm-memtest"
    failed0 = res.failed
    if not hvm_setup(con, res, step):
        return
    free0 = xl_free_memory(con)
    rc, out = shell_run(con, "rm -f %s; xl -vvv create /etc/xl-memtest.cfg > /tmp/xl-memtest.out "
                        "2>&1; r=$?; tail -n 5 /tmp/xl-memtest.out; test $r = 0" % MEMTEST_SERIAL,
                        4 * timeout)
    if not res.check(step + "/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-600:])):
        hvm_failure_report(con, "xlmemtest", "/tmp/xl-memtest.out")
    t0 = con.elapsed()
    st = memtest_status(con)
    seen = []
    while not memtest_done(st) and con.elapsed() - t0 < MEMTEST_WAIT:
        shell_run(con, "sleep %d" % MEMTEST_POLL, MEMTEST_POLL + MEMTEST_POLL_SLACK)
        st = memtest_status(con)
        if st["tests"] != seen:
            seen = st["tests"]
            print("note: %.0f s after create: memtest86+ tests started %s"
                  % (con.elapsed() - t0, " ".join(seen)), flush=True)
    took = "%.0f s after create" % (con.elapsed() - t0)
    res.check(step + "/grub", "grub: loading memtest86+" in st["lines"],
              "GRUB's line not in %s: %r" % (MEMTEST_SERIAL, st), "SeaBIOS booted GRUB")
    banner = [l for l in st["lines"] if l.startswith("Memtest86+ v")]
    res.check(step + "/banner", banner == ["Memtest86+ v6.10"],
              "no memtest86+ 6.10 banner on its serial console: %r" % st, " ".join(banner))
    seq = [int(t) for t in st["tests"]]
    res.check(step + "/tests", seq[:1] == [0] and seq[-1:] == [10] and seq == sorted(seq) and
              set(seq) <= set(MEMTEST_TESTS),
              "tests shown %r: expected the first, 0, and the last, 10, in order, among %r"
              % (seq, MEMTEST_TESTS), " ".join(st["tests"]))
    res.check(step + "/pass", "1" in st["passes"] and "Pass" in st["status"],
              "no completed pass within %d s: %r" % (MEMTEST_WAIT, st),
              "%s; memtest86+'s own clock %s" % (took, " ".join(st["time"])))
    res.check(step + "/no-errors", st["errors"] == ["0"] and
              set(st["status"]) <= {"Init", "Testing", "Pass"},
              "memtest86+ error counts shown %r, status %r" % (st["errors"], st["status"]),
              "Errors: 0 throughout, status %s" % " ".join(st["status"]))
    res.check(step + "/running", st["state"] and not any(c in st["state"][0] for c in "sc"),
              "the domain is no longer running: state %r" % st["state"], " ".join(st["state"]))
    if res.failed > failed0:
        shell_run(con, "tr '\\033' '\\n' < %s | tail -n 40" % MEMTEST_SERIAL, 30)
        hvm_failure_report(con, "xlmemtest", "/tmp/xl-memtest.out")
    xl_hvm_destroy_checks(con, res, ("destroy", "memory"), timeout, free0, "xlmemtest", step)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)")


# The installed Debian 12 disk as an HVM guest (tests/system/hvm.mk,
# hvm-boot/installed-disk.sh and xl-installed.cfg): dom0's second virtio
# disk (serial INSTALLED_SERIAL, on a QEMU snapshot) given to the guest as
# phy:, on an emulated disk controller.  SeaBIOS boots GRUB from its MBR,
# GRUB Debian's kernel and initramfs with console=ttyS0 and the arguments of
# the environment block dom0 writes into the MBR gap; systemd starts the
# marker service, which writes INSTALLED_MARKER's line on ttyS0 and powers
# off (ACPI S5).  Booted with xen_nopv on AHCI (the emulated disk, no Xen
# drivers), without it on IDE, xl's default (PVHVM: the platform device
# unplugs the emulated IDE disk and blkfront's xvda is the root disk; QEMU 7.2
# unplugs IDE disks only, so an AHCI disk would stay as sda, with the same
# root UUID), and PVHVM again under OVMF (firmware = "uefi": GRUB x86_64-efi
# from the disk's EFI system partition, the same grub.cfg and kernel).
INSTALLED_SERIAL = "petrel-hvm-disk"
INSTALLED_LOG = "/var/log/xen/installed-serial.log"
INSTALLED_MARKER = "PETREL-HVM-INSTALLED:"
INSTALLED_WAIT = 3600  # seconds from xl create to the guest's poweroff under TCG at load 30+
INSTALLED_POLL = 30
INSTALLED_STALL_POLLS = 6  # polls without a byte more on the guest's serial log: a stall
INSTALLED_STALL_BYTES = 8192  # more than firmware and GRUB write: the kernel is running
INSTALLED_FW_STALL_POLLS = 20  # the same before the kernel: firmware or GRUB reading for 10 min
INSTALLED_FW_WAIT = 300  # seconds from xl create to hvmloader's "Loading <firmware>"
# One boot: its environment block (hvm.mk's nopv.env or pvhvm.env), the xl
# options it adds on the command line, the firmware hvmloader loads, GRUB's
# line, and what the marker must say: root device, the block device present
# and the one absent, /sys/hypervisor/type, whether Linux booted from UEFI.
InstalledMode = collections.namedtuple(
    "InstalledMode", "name env xl_opts firmware grub root disk absent hv efi")
INSTALLED_MODES = (
    InstalledMode("nopv", "nopv", "'hdtype=\"ahci\"'", "SeaBIOS",
                  "grub: Debian with petrel_args=[xen_nopv rootdelay=600]", "/dev/sda1", "sda",
                  "xvda", "none", "no"),
    InstalledMode("pvhvm", "pvhvm", "", "SeaBIOS", "grub: Debian with petrel_args=[]",
                  "/dev/xvda1", "xvda", "sda", "xen", "no"),
    InstalledMode("uefi", "pvhvm", "'firmware=\"uefi\"'", "OVMF",
                  "grub: Debian with petrel_args=[]", "/dev/xvda1", "xvda", "sda", "xen", "yes"))
INSTALLED_MARKER_RE = re.compile(r"PETREL-HVM-INSTALLED: root=(\S*) disks=\[([^\]]*)\] "
                                 r"hypervisor=(\S+) efi=(\S+) cmdline=\[([^\]]*)\]")


def hvm_disk_args(path):
    """QEMU options for the HVM guest's disk image as dom0's second virtio
    disk; snapshot=on keeps every write away from the image."""
    if not path:
        return []
    return ["-drive", "file=%s,if=none,id=hvmdisk,format=raw,snapshot=on" % path,
            "-device", "virtio-blk-pci,drive=hvmdisk,serial=%s" % INSTALLED_SERIAL]


def installed_status(con):
    """GRUB's line and the marker from the guest's serial log, the domain's
    state in xl list (empty once it is gone), the log's size and its last
    line."""
    rc, out = shell_run(con, "grep -a -o -E 'grub: Debian[[:print:]]*|%s[[:print:]]*' %s; "
                        "echo state $(xl list xlinst | awk 'NR == 2 { print $5 }'); "
                        "echo bytes $(wc -c < %s); echo last $(tr -d '\\r\\033' < %s | "
                        "tail -n 1 | cut -c 1-100)" % (INSTALLED_MARKER, INSTALLED_LOG,
                                                       INSTALLED_LOG, INSTALLED_LOG), 600)
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    state = [l.split()[1:] for l in lines if l.startswith("state")]
    return {"grub": [l for l in lines if l.startswith("grub: ")],
            "marker": [l for l in lines if l.startswith(INSTALLED_MARKER)],
            "state": state[0][0] if state and state[0] else "",
            "bytes": [l for l in lines if l.startswith("bytes")],
            "last": [l[5:] for l in lines if l.startswith("last ")]}


def installed_stall_report(con, domid):
    """The guest's serial log stopped growing: the hypervisor's view of its
    vCPUs (debug key 'q', twice, 10 s apart), the end of its log, the device
    model's, its PV devices' states in xenstore and the guest's lines about
    ACPI, APICs, EFI, Xen and interrupts, printed as notes: a clue, not a
    check."""
    rc, out = shell_run(con, "{ xl debug-keys q; sleep 10; xl debug-keys q; xl dmesg | "
                        "grep -v '^(d%s) ' | tail -n 60; tail -n 15 /var/log/xen/qemu-dm-xlinst.log; "
                        "xenstore-ls -f /local/domain/%s/device | grep -E '/state|ring-ref'; "
                        "xenstore-ls -f /local/domain/0/backend | grep -E '/%s/.*/state'; "
                        "tr -d '\\r' < %s | grep -a -E 'ACPI|APIC|efi:|Xen|xen|clocksource|"
                        "Run /init|XENBUS|irq' | head -n 80; } 2>&1 | sed 's/^/| /'"
                        % (domid, domid, domid, INSTALLED_LOG), 120)
    for line in out.splitlines():
        if line.startswith("| "):  # prefixed, so that shell_run keeps (XEN) and kernel lines
            print("note: stalled: %s" % line[2:].rstrip(), flush=True)


def installed_wait(con, t0, domid):
    """Poll until the guest has shut down or crashed (or is gone), or
    INSTALLED_WAIT; the last status.  A serial log with a kernel's log in it
    (INSTALLED_STALL_BYTES) that has not grown for INSTALLED_STALL_POLLS polls,
    or a shorter one (firmware, GRUB) not grown for INSTALLED_FW_STALL_POLLS,
    gets one stall report."""
    st = installed_status(con)
    same, reported = 0, False
    while (st["state"] and not any(c in st["state"] for c in "sc") and
           con.elapsed() - t0 < INSTALLED_WAIT):
        shell_run(con, "sleep %d" % INSTALLED_POLL, INSTALLED_POLL + 600)
        bytes0 = st["bytes"]
        st = installed_status(con)
        print("note: %.0f s after create: %s, serial log %s, last line %r"
              % (con.elapsed() - t0, st["state"], " ".join(st["bytes"]), st["last"]), flush=True)
        size = int((st["bytes"] or ["bytes 0"])[0].split()[-1] or 0)
        same = same + 1 if st["bytes"] == bytes0 and size > 0 else 0
        limit = INSTALLED_STALL_POLLS if size > INSTALLED_STALL_BYTES else INSTALLED_FW_STALL_POLLS
        if same >= limit and not reported:
            installed_stall_report(con, domid)
            reported = True
    return st


def installed_disk(con):
    """dom0's name of the installed disk (vdX), by its virtio serial."""
    rc, out = shell_run(con, "for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = %s ] && "
                        "echo ${d##*/}; done; true" % INSTALLED_SERIAL)
    names = out.split()
    return names[0] if rc == 0 and len(names) == 1 else ""


def installed_oops(con):
    """Print the guest's kernel oopses (their first lines), its CPU flags and
    where its ACPI tables came from and how it stopped (the firmware's RSDP,
    its OEM ID, or none; power down or panic) from its serial log as notes:
    not a check, a clue for the next run."""
    rc, out = shell_run(con, "tr -d '\\r' < %s | grep -a -B 4 -A 24 -E 'invalid opcode|kernel BUG|"
                        "Oops|general protection' | head -n 50; grep -a -m 1 PETREL-HVM-CPUFLAGS %s; "
                        "tr -d '\\r' < %s | grep -a -E 'efi: +ACPI|ACPI: RSDP|tables not found|"
                        "ACPI: (FACP|APIC|DSDT) |MP-table|reboot: |Kernel panic|kill init' | head -n 12"
                        % (INSTALLED_LOG, INSTALLED_LOG, INSTALLED_LOG), 60)
    for line in out.splitlines():
        print("note: guest: %s" % line.rstrip(), flush=True)


def installed_firmware(con, domid):
    """What hvmloader says it loads ("Loading OVMF ..."), polled in xl dmesg
    for up to INSTALLED_FW_WAIT seconds after create: read early, since a
    long boot may push it out of the hypervisor's console ring."""
    shell_run(con, "i=0; until xl dmesg | grep -q '(d%s) Loading '; do [ $i -ge %d ] && break; "
              "sleep 2; i=$((i+1)); done" % (domid, INSTALLED_FW_WAIT // 2), INSTALLED_FW_WAIT + 60)
    return re.findall(r"\(d%s\) Loading (\S+) \.\.\." % domid, hvm_guest_lines(con, domid))


def installed_marker_ok(mode, line):
    """Whether @line is the marker @mode expects."""
    m = INSTALLED_MARKER_RE.match(line)
    if not m:
        return False
    root, disks, hv, efi, cmdline = m.group(1), m.group(2).split(), m.group(3), m.group(4), \
        m.group(5).split()
    return (root == mode.root and mode.disk in disks and mode.absent not in disks and
            hv == mode.hv and efi == mode.efi and ("xen_nopv" in cmdline) == (mode.env == "nopv"))


def check_installed_boot(con, res, timeout, dev, mode):
    """One boot of the installed disk in @mode (INSTALLED_MODES)."""
    step = "xl-hvm-installed/" + mode.name
    failed0 = res.failed
    free0 = xl_free_memory(con)
    rc, out = shell_run(con, "dd if=/usr/lib/petrel-domu/installed-%s.env of=/dev/%s bs=512 "
                        "seek=2040 conv=notrunc && sync && rm -f %s && "
                        "xl -vvv create /etc/xl-installed.cfg "
                        "'disk=[\"format=raw,vdev=hda,access=rw,target=/dev/%s\"]' %s "
                        "> /tmp/xl-installed.out 2>&1; r=$?; tail -n 5 /tmp/xl-installed.out; "
                        "echo domid $(xl domid xlinst); test $r = 0"
                        % (mode.env, dev, INSTALLED_LOG, dev, mode.xl_opts), 4 * timeout)
    res.check(step + "-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-600:]))
    domid = (re.findall(r"^domid (\d+)", out, re.M) or ["none"])[0]
    t0 = con.elapsed()
    loading = installed_firmware(con, domid)
    st = installed_wait(con, t0, domid)
    took = "%.0f s after create" % (con.elapsed() - t0)
    installed_oops(con)
    res.check(step + "-firmware", mode.firmware in loading,
              "hvmloader loaded %r, expected %s" % (loading, mode.firmware), " ".join(loading))
    res.check(step + "-grub", mode.grub in st["grub"],
              "no %r in %s: %r" % (mode.grub, INSTALLED_LOG, st), "GRUB booted")
    ok = [l for l in st["marker"] if installed_marker_ok(mode, l)]
    res.check(step + "-marker", len(ok) == 1,
              "marker lines %r: expected root %s, disk %s and no %s, hypervisor %s, efi=%s"
              % (st["marker"], mode.root, mode.disk, mode.absent, mode.hv, mode.efi),
              "%s; %s" % (took, st["marker"][0] if st["marker"] else ""))
    res.check(step + "-shutdown", st["state"] and "s" in st["state"] and "c" not in st["state"],
              "state %r %s: not shut down by its S5" % (st["state"], took), st["state"])
    if res.failed > failed0:
        shell_run(con, "tr -d '\\r' < %s | tail -n 40" % INSTALLED_LOG, 30)
        hvm_failure_report(con, "xlinst", "/tmp/xl-installed.out")
    xl_hvm_destroy_checks(con, res, (mode.name + "-destroy", mode.name + "-memory"), timeout,
                          free0, "xlinst", "xl-hvm-installed")


def check_xl_hvm_installed(con, res, timeout, modes):
    step = "xl-hvm-installed"
    dev = installed_disk(con)
    if not res.check(step + "/disk", dev, "no virtio disk with serial %s in dom0 (--hvm-disk)"
                     % INSTALLED_SERIAL, dev):
        return
    if not hvm_setup(con, res, step):
        return
    for mode in INSTALLED_MODES:
        if mode.name in modes:
            check_installed_boot(con, res, timeout, dev, mode)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)")


# `xl save` and `xl restore` of a running PV domU: the guest test
# save-restore.elf (rootfs/etc/xl-save.cfg) fills pages with a pattern and
# counts on its console ring; on the suspend request it calls
# SCHEDOP_shutdown(suspend), and once restored it checks the pattern and
# prints PASS or FAIL, then counts on.
SAVE_FILE = "/tmp/xls.save"
SAVE_WAIT = 120  # seconds for xl save or xl restore of the 32 MiB domU under TCG


def save_last_tick(con):
    """The last tick the save-restore domU printed (-1 if none).  Tried up to
    three times: on Xen 4.17 under TCG dom0's busybox now and then dies of a
    segfault in a pipeline (seen in the Linux domU step too)."""
    for _ in range(3):
        rc, out = shell_run(con, "grep -o 'save-restore: tick [0-9]*' %s/guest-xls.log "
                            "> /tmp/ticks; tail -n 1 /tmp/ticks" % XL_CONSOLE_DIR)
        m = re.search(r"tick (\d+)", out)
        if rc == 0 and m:
            return int(m.group(1))
    return -1


def xl_run(con, cmd, timeout):
    """Run an xl command; (rc, its output's tail)."""
    rc, out = shell_run(con, "%s > /tmp/xl.out 2>&1; echo rc=$?; tail -n 15 /tmp/xl.out"
                        % cmd, timeout)
    m = re.search(r"^rc=(\d+)$", out, re.M)
    return (int(m.group(1)) if m else -1), out.strip()[-900:]


def check_xl_save_restore(con, res, timeout, args):
    start = con.elapsed()
    save_restore_steps(con, res, timeout, args)
    print("note: the xl/save checks took %.0f s" % (con.elapsed() - start), flush=True)


def save_restore_steps(con, res, timeout, args):
    rc, out = shell_run(con, "rm -f %s/guest-xls.log; %s && echo started"
                        % (XL_CONSOLE_DIR, XENCONSOLED), timeout)
    rc, out = xl_run(con, "xl create /etc/xl-save.cfg", timeout)
    if not res.check("xl/save-create", rc == 0, "rc=%d: %r" % (rc, out)):
        return
    rc, out = console_log_wait(con, "xls", "save-restore: tick 2", 60)
    res.check("xl/save-running", rc == 0, "the domU does not count: %r" % out.strip()[-400:])
    check_xl_save_cancelled(con, res, timeout)
    rc, out = xl_run(con, "xl -v save xls %s" % SAVE_FILE, SAVE_WAIT)
    _, lines, rows = xl_list(con)
    saved = rc == 0 and not [r for r in rows if r[0] == "xls"]
    res.check("xl/save", saved, "rc=%d, %r, xl list %r" % (rc, out, lines))
    if saved:
        check_save_reader(con, res, timeout)
        check_xl_restore(con, res, timeout)
        if args.migrate_faults:
            check_xl_migrate_broken(con, res)
        passes = migrate_passes_before(con, args.hv)
        check_xl_migrate(con, res, args.hv)
        check_xl_migrate_passes(con, res, passes)
    shell_run(con, "xl destroy xls", timeout)
    check_xl_restore_truncated(con, res, timeout)
    if saved:
        check_xl_restore_hostile(con, res, timeout)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


def check_xl_save_cancelled(con, res, timeout):
    """A save that fails once the guest has suspended (a 1 MiB file system
    fills up) resumes it: its SCHEDOP_shutdown returns 1, it carries on."""
    rc, out = shell_run(con, "mkdir -p /tmp/small && mount -t tmpfs -o size=1m small "
                        "/tmp/small && echo mounted", timeout)
    if not res.check("xl/save-cancelled-setup", "mounted" in out, "no tmpfs: %r" % out):
        return
    before = save_last_tick(con)
    rc, out = xl_run(con, "xl save xls /tmp/small/xls.save", SAVE_WAIT)
    shell_run(con, "umount /tmp/small", timeout)
    rc2, log = console_log_wait(con, "xls", "save-restore: PASS cancelled", 60)
    console_log_wait(con, "xls", "save-restore: tick %d" % (before + 3), 60)
    after = save_last_tick(con)
    res.check("xl/save-cancelled", rc != 0 and rc2 == 0 and after >= before + 3 and
              "save-restore: FAIL" not in log,
              "xl save rc=%d %r; the guest: %r; ticks %d then %d"
              % (rc, out, log.strip()[-500:], before, after),
              "xl save rc %d, the guest resumed (rc 1), tick %d then %d" % (rc, before, after))


def check_xl_restore(con, res, timeout):
    """The saved domU comes back, finds its memory intact and counts on."""
    before = save_last_tick(con)
    rc, out = xl_run(con, "xl -v restore %s" % SAVE_FILE, SAVE_WAIT)
    if not res.check("xl/restore", rc == 0, "rc=%d: %r" % (rc, out)):
        return
    rc, out = console_log_wait(con, "xls", "save-restore: PASS resumed", 60)
    verdict = re.search(r"save-restore: (PASS resumed|FAIL).*", out)
    res.check("xl/restore-memory", rc == 0 and "save-restore: FAIL" not in out,
              "no PASS from the restored domU: %r" % out.strip()[-600:],
              verdict.group(0) if verdict else "")
    console_log_wait(con, "xls", "save-restore: tick %d" % (before + 3), 60)
    after = save_last_tick(con)
    res.check("xl/restore-running", after >= before + 3,
              "ticks %d before the save, %d after the restore" % (before, after),
              "tick %d before, %d after" % (before, after))


# `xl migrate` to this same host through a pipe: with an empty -s, xl runs
# the "host" argument as the receiver's command line instead of ssh.  The
# domU comes up as xls--incoming (xenconsoled's log guest-xls--incoming.log)
# and takes the name back once the source is gone.
MIGRATE_WAIT = 600  # seconds: five live passes over the 32 MiB domU, then the last one
MIGRATE_CMD = 'xl migrate -s "" xls "%sxl migrate-receive -e"'
MIGRATE_CUT = 40 << 20  # bytes of the stream the broken link lets through (the second pass)


def migrate_logs(con, what):
    """Over the domU's console logs (its own and the incoming one's): the
    count of `what` lines, and the last tick."""
    rc, out = shell_run(con, "cat %s/guest-xls*.log > /tmp/xlm.log; echo n=$(grep -c '%s' "
                        "/tmp/xlm.log); grep -o 'save-restore: tick [0-9]*' /tmp/xlm.log | "
                        "sort -n -k3 | tail -n 1" % (XL_CONSOLE_DIR, what))
    n = re.search(r"^n=(\d+)", out, re.M)
    tick = re.search(r"tick (\d+)", out)
    return (int(n.group(1)) if n else -1), (int(tick.group(1)) if tick else -1)


def migrate_wait(con, what, count, secs):
    """Wait until the domU's console logs hold `what` `count` times; (count, last tick)."""
    n, tick = migrate_logs(con, what)
    for _ in range(secs):
        if n >= count:
            break
        shell_run(con, "sleep 1")
        n, tick = migrate_logs(con, what)
    return n, tick


def migrate_domains(con):
    """The domains other than dom0 once a migration's ends have settled; and xl list's lines."""
    shell_run(con, "sleep 2")  # the source's teardown, the rename, a receiver's cleanup
    _, lines, rows = xl_list(con)
    return sorted(r[0] for r in rows if r[0] != "Domain-0"), lines


def check_xl_migrate_broken(con, res):
    """The link dies in the middle of the live passes (the stream cut after
    MIGRATE_CUT bytes; --migrate-faults): the migration fails, the receiver
    builds nothing that stays, and the domU carries on where it was (on Xen
    4.17 it fails earlier, at enabling log-dirty, with the same outcome)."""
    _, before = migrate_logs(con, "save-restore: tick")
    rc, out = xl_run(con, MIGRATE_CMD % ("head -c %d | " % MIGRATE_CUT), MIGRATE_WAIT)
    names, lines = migrate_domains(con)
    res.check("xl/migrate-broken", rc != 0 and names == ["xls"],
              "rc=%d %r, domains %r" % (rc, out, lines), "xl migrate rc %d" % rc)
    _, after = migrate_wait(con, "save-restore: tick %d" % (before + 3), 1, 60)
    res.check("xl/migrate-broken-running", after >= before + 3,
              "tick %d before, %d after" % (before, after),
              "tick %d before, %d after" % (before, after))


def check_xl_migrate(con, res, hv):
    """Live migration of the domU to this host.  On Petrel it moves (log-dirty
    passes, then the suspended last pass), finds its memory intact and counts
    on; Debian's Xen 4.17 has no PV log-dirty, so there xl migrate fails at
    enabling it and the domU carries on where it was."""
    resumed, before = migrate_logs(con, "save-restore: PASS resumed")
    rc, out = xl_run(con, MIGRATE_CMD % "", MIGRATE_WAIT)
    names, lines = migrate_domains(con)
    if hv == "xen":
        _, why = shell_run(con, "grep -m 1 'Failed to enable logdirty' /tmp/xl.out")
        res.check("xl/migrate-refused", rc != 0 and "logdirty" in why and names == ["xls"],
                  "rc=%d %r, domains %r" % (rc, out, lines), why.strip()[-200:])
        _, after = migrate_wait(con, "save-restore: tick %d" % (before + 3), 1, 60)
        res.check("xl/migrate-refused-running", after >= before + 3,
                  "tick %d before, %d after" % (before, after),
                  "tick %d before, %d after" % (before, after))
        return
    res.check("xl/migrate", rc == 0 and names == ["xls"],
              "rc=%d %r, domains %r" % (rc, out, lines), out.strip().splitlines()[-1]
              if out.strip() else "")
    n, _ = migrate_wait(con, "save-restore: PASS resumed", resumed + 1, 60)
    _, log = shell_run(con, "grep -E 'save-restore: (PASS|FAIL)' /tmp/xlm.log | tail -n 3")
    res.check("xl/migrate-memory", n == resumed + 1 and "save-restore: FAIL" not in log,
              "PASS resumed %d times (was %d): %r" % (n, resumed, log.strip()[-600:]),
              log.strip().splitlines()[-1] if log.strip() else "")
    _, after = migrate_wait(con, "save-restore: tick %d" % (before + 3), 1, 60)
    res.check("xl/migrate-running", after >= before + 3,
              "tick %d before the migration, %d after" % (before, after),
              "tick %d before, %d after" % (before, after))


MIGRATE_PAGES = 32 << 8  # the save-restore domU's pages (32 MiB)


def migrate_clean_counts(con, domid):
    """The dirty counts of Petrel's log-dirty CLEAN lines for `domid` in xl dmesg."""
    _, out = shell_run(con, "xl dmesg | grep -o 'd%d: log-dirty CLEAN: [0-9]* pages'" % domid)
    return [int(n) for n in re.findall(r"CLEAN: (\d+) pages", out)]


def migrate_passes_before(con, hv):
    """Before the migration (Petrel): the domU's id and how many CLEANs it has had."""
    if hv == "xen":
        return None
    _, out = shell_run(con, "xl domid xls")
    m = re.search(r"^(\d+)\s*$", out, re.M)
    domid = int(m.group(1)) if m else -1
    return domid, len(migrate_clean_counts(con, domid))


def check_xl_migrate_passes(con, res, before):
    """The migration's passes shrink (Petrel): each log-dirty CLEAN, the
    first (what the domU wrote while all its memory was sent) and the last
    (the suspended pass) included, finds fewer than a quarter of its pages
    dirty (it writes a counter, not its memory), where counting every frame
    it maps writable would find nearly all of them in every pass."""
    if before is None:
        return
    domid, n = before
    counts = migrate_clean_counts(con, domid)[n:]
    res.check("xl/migrate-passes", len(counts) >= 2 and max(counts) < MIGRATE_PAGES // 4,
              "d%d's CLEANs found %r pages dirty (of %d)" % (domid, counts, MIGRATE_PAGES),
              "pages dirty per pass %r" % counts)


def first_line(text):
    return (text.strip().splitlines() or [""])[0]


# The domU of /etc/xl-save.cfg: 32 MiB, every page in the image.
SAVE_PAGES = 8192


def check_save_reader(con, res, timeout):
    """pxl's save file reader (save-check, dom0-tools/xl/xl_stream.c) reads
    the image Debian's xl wrote whole: a 64-bit PV domain of this Xen with
    all its pages and its JSON configuration."""
    rc, out = shell_run(con, "save-check %s; echo rc=$?" % SAVE_FILE, timeout)
    want = "type 1 width 8 xen 4.17 libxc v3 pages %d vcpus 1" % SAVE_PAGES
    res.check("xl/save-reader", "rc=0" in out and want in out,
              "wanted %r: %r" % (want, out.strip()), first_line(out).split(": ", 1)[-1])


# What save-check says of each damaged image: the kinds that break the
# stream's structure refused with the reader's message, the two vCPU ones
# (a well-formed stream, refused by the hypervisor) read whole.
READER_VERDICTS = {
    "bad-type": "libxc record of type 0x7fff",
    "length-past-end": "the file ends inside a record's body",
    "length-max": "(at most 134217728)",
    "pfn-range": "PAGE_DATA pfn 0xfffffffff beyond the p2m's end",
    "page-truncated": "the file ends inside a record's body",
    "p2m-frame": "X86_PV_P2M_FRAMES frame 0 at pfn 0xfffffffff",
    "vcpu-rip": None,
    "vcpu-ldt": None,
}


def check_save_reader_bad(con, res, kind, timeout):
    rc, out = shell_run(con, "save-check %s; echo rc=$?" % BAD_SAVE, timeout)
    want = READER_VERDICTS[kind]
    ok = ("rc=0" in out and "pages %d" % SAVE_PAGES in out) if want is None else (
        "rc=1" in out and "refused: " in out and want in out)
    res.check("xl/save-reader-bad-" + kind, ok,
              "wanted %r: %r" % (want or "read whole", out.strip()),
              first_line(out).split(": ", 1)[-1][:200])


def check_xl_restore_truncated(con, res, timeout):
    """xl restore refuses a truncated image and leaves no domain behind."""
    rc, out = shell_run(con, "n=$(stat -c %%s %s) && head -c $((n / 2)) %s > /tmp/xls-half.save"
                        " && echo cut" % (SAVE_FILE, SAVE_FILE), timeout)
    if not res.check("xl/restore-truncated-setup", "cut" in out, "no save file: %r" % out):
        return
    rc, out = xl_run(con, "xl restore /tmp/xls-half.save", SAVE_WAIT)
    xl_wait_only_dom0(con, timeout)
    _, lines, rows = xl_list(con)
    left = [r for r in rows if r[0] != "Domain-0"]
    res.check("xl/restore-truncated", rc != 0 and not left,
              "rc=%d %r, xl list %r" % (rc, out, lines), "refused, rc %d" % rc)


# Damaged copies of the saved image (dom0-tools/dom0-test/save-corrupt.c):
# records of libxc's stream with a bad type, a length past the end of the
# file or above the stream's limit, a PFN past the domain's end, the file cut
# inside a page, a p2m frame list naming a frame out of range, and vCPU 0's
# context with a non-canonical rip or an LDT too long, which libxc passes on
# and the hypervisor must refuse.  Each restore must fail with an error and
# leave no domain, no /local/domain/<id> in xenstore and xenstored serving,
# with no hypervisor panic on the console; then the intact image still
# restores and runs.
# Each kind with the error libxc must report (the vCPU ones: the hypervisor's
# -EINVAL for the context), as Xen 4.17 does.
HOSTILE_KINDS = (
    ("bad-type", r"Mandatory record 0x7fff .*not handled"),
    ("length-past-end", r"Failed to read \d+ bytes of data for record \(0x00000001, Page data\)"),
    ("length-max", r"Record \(0x00000001, Page data\) length 0x8000008 exceeds max"),
    ("pfn-range", r"pfn 0xfffffffff \(index 0\) outside domain maximum"),
    ("page-truncated", r"Failed to read \d+ bytes of data for record \(0x00000001, Page data\)"),
    ("p2m-frame", r"pfn \(0xfffffffff\) for p2m_frame_list\[0\] out of range"),
    ("vcpu-rip", r"Failed to set vcpu0's basic info \(22 = Invalid argument\)"),
    ("vcpu-ldt", r"Failed to set vcpu0's basic info \(22 = Invalid argument\)"))
BAD_SAVE = "/tmp/xls-bad.save"
HV_TROUBLE = re.compile(r"PANIC|Panic|Fatal|Domain 0 crashed|Xen BUG|FATAL")


def check_xl_restore_hostile(con, res, timeout):
    for kind, error in HOSTILE_KINDS:
        start = len(con.text)
        rc, made = shell_run(con, "rm -f %s; save-corrupt %s %s %s"
                             % (BAD_SAVE, kind, SAVE_FILE, BAD_SAVE), timeout)
        check_save_reader_bad(con, res, kind, timeout)
        rc2, out = xl_run(con, "xl restore %s" % BAD_SAVE, SAVE_WAIT)
        xl_wait_only_dom0(con, timeout)
        _, lines, rows = xl_list(con)
        left = [r for r in rows if r[0] != "Domain-0"]
        rc3, xs = shell_run(con, "kill -0 $(cat /run/xenstored.pid) && "
                            "timeout 20 xenstore-list -s /local/domain", timeout)
        trouble = HV_TROUBLE.findall(con.text[start:])
        why = re.search(r"xc: error: (%s)" % error, out)
        res.check("xl/restore-bad-" + kind, rc == 0 and rc2 not in (0, -1) and why and
                  not left and rc3 == 0 and xs.split() == ["0"] and not trouble,
                  "save-corrupt rc=%d %r; xl restore rc=%d (expected %r) %r; xl list %r; "
                  "xenstored rc=%d, /local/domain %r; console %r"
                  % (rc, made.strip(), rc2, error, out, lines, rc3, xs.split(), trouble),
                  "refused, rc %d: %s" % (rc2, why.group(1) if why else ""))
    shell_run(con, "rm -f %s" % BAD_SAVE, timeout)
    check_xl_restore_again(con, res, timeout)


def check_xl_restore_again(con, res, timeout):
    """After the damaged images the intact one restores and runs."""
    rc, out = xl_run(con, "xl restore %s" % SAVE_FILE, SAVE_WAIT)
    rc2, log = console_log_wait(con, "xls", "save-restore: PASS resumed", 60, 2)
    res.check("xl/restore-after-bad", rc == 0 and rc2 == 0 and "save-restore: FAIL" not in log,
              "xl restore rc=%d %r; the guest: %r" % (rc, out, log.strip()[-500:]))
    shell_run(con, "xl destroy xls", timeout)


# A Linux PV domU: Debian's kernel (dom0's own vmlinuz) with a busybox
# initramfs (dom0-tools/initramfs/domu-rootfs), 128 MiB, created by xl.  Its
# /init prints DOMU_MARKER on hvc0, the console ring xenconsoled logs.
DOMU_MARKER = "PETREL-DOMU-READY"
DOMU_BOOT_WAIT = 240  # seconds for the domU's kernel to reach its /init (nested TCG)
XL_CREATE_TIMEOUT = 400  # seconds for xl create (it unpacks the xz kernel under TCG)


def xl_create_linux(con, name, timeout, extra=""):
    """xl create the Linux domU `name` (rootfs/etc/xl-linux.cfg, plus the
    config lines `extra`, shell-quoted); (rc, output)."""
    return shell_run(con, "xl create /etc/xl-linux.cfg 'name=\"%s\"' %s" % (name, extra),
                     XL_CREATE_TIMEOUT)


# The domU's PV disks: two raw image files in dom0 that Debian's `block`
# hotplug script attaches to loop devices for xen-blkback; xvda read-write,
# xvdb read-only.  dom0 writes a line with a fresh token into sector 0 of
# each; the domU's /bin/domu-disks prints what it reads there and in sector
# 8, and writes "PETREL-DISK domU boot N" into sector 8 (N one more than the
# line it found), which the read-only disk must refuse.
DOMU_DISK = "/tmp/domu-disk.img"
DOMU_DISK_RO = "/tmp/domu-disk-ro.img"
DOMU_DISKS = ("\"disk=['format=raw,vdev=xvda,access=rw,target=%s', "
              "'format=raw,vdev=xvdb,access=ro,target=%s']\"" % (DOMU_DISK, DOMU_DISK_RO))
# Its PV network: one vif on dom0's bridge xenbr0 (dom0-init gives dom0
# 192.168.77.1 on it); the domU's /bin/domu-net takes its address and the
# address to ping from the kernel command line.
DOMU_MAC = "00:16:3e:5e:7a:01"
DOMU_IP = "192.168.77.2"
DOM0_BRIDGE_IP = "192.168.77.1"
DOMU_VIF = "\"vif=['bridge=xenbr0,mac=%s']\"" % DOMU_MAC
DOMU_NET_ARGS = "domu_ip=%s/24 domu_peer=%s" % (DOMU_IP, DOM0_BRIDGE_IP)
DOMU_NET = "%s 'extra=\"console=hvc0 %s\"'" % (DOMU_VIF, DOMU_NET_ARGS)
# The same with dom0's shell in the domU (/bin/domu-shell, net_checks.domu_sh)
DOMU_NET_SHELL = "%s 'extra=\"console=hvc0 %s domu_shell=%d\"'" % (
    DOMU_VIF, DOMU_NET_ARGS, net_checks.SHELL_PORT)
DISK_LINE = re.compile(r"^domu-disk (xvd\w+) ro=(\d) dom0='([^']*)' previous='([^']*)' "
                       r"write=(ok|refused.*)$", re.M)


def make_domu_disks(con, timeout, images=(DOMU_DISK, DOMU_DISK_RO)):
    """The images, each with its token line in sector 0; (rc, the tokens,
    the last image's md5 sum)."""
    tokens = tuple(os.urandom(6).hex() for _ in images)
    cmds = ["dd if=/dev/zero of=%s bs=1M count=4 2>/dev/null && printf 'PETREL-DISK dom0 %s\\n' "
            "| dd of=%s conv=notrunc 2>/dev/null" % (img, tok, img)
            for img, tok in zip(images, tokens)]
    rc, out = shell_run(con, " && ".join(cmds) + " && md5sum %s" % images[-1], timeout)
    return rc, tokens, out.split()[0] if rc == 0 and out.split() else ""


def domu_disk_lines(con, name, count, last="xvdb"):
    """The domU's domu-disk lines of its boot number `count` (1, 2, ...),
    once the line of its disk `last` is there."""
    rc, out = console_log_wait(con, name, "domu-disk " + last, 120, count)
    _, log = shell_run(con, "grep '^domu-disk' %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    log = log.replace("\r", "")
    lines = {}
    for m in DISK_LINE.finditer(log):
        lines.setdefault(m.group(1), []).append(m.groups()[1:])
    return rc, {dev: rows[count - 1] for dev, rows in lines.items() if len(rows) >= count}, log


def check_xl_disks(con, res, name, tokens, timeout, ro=True, prefix="xl"):
    """The domU read dom0's lines through blkfront and blkback, wrote its own
    on xvda and (with `ro`) was refused on xvdb; dom0 has the images on loop
    devices, xvdb's read-only (util-linux's losetup, which the block script
    runs, by its path: dom0's busybox shell prefers its own applet to PATH);
    xl block-list shows them connected (state 4)."""
    rc, disks, log = domu_disk_lines(con, name, 1, "xvdb" if ro else "xvda")
    a, b = disks.get("xvda"), disks.get("xvdb")
    res.check(prefix + "/blk-read", a is not None and a[1] == "PETREL-DISK dom0 " + tokens[0] and
              (not ro or (b is not None and b[1] == "PETREL-DISK dom0 " + tokens[1])),
              "rc=%d, tokens %r, the domU's lines %r" % (rc, tokens, log.strip()[-600:]))
    res.check(prefix + "/blk-write", a is not None and a[0] == "0" and a[2] == "" and a[3] == "ok",
              "xvda: %r" % (a,))
    if ro:
        res.check(prefix + "/blk-ro", b is not None and b[0] == "1" and b[3].startswith("refused"),
                  "xvdb: %r" % (b,), b[3] if b else "")
    want = [("0", DOMU_DISK), ("1", DOMU_DISK_RO)] if ro else [("0", DOMU_DISK)]
    rc, out = shell_run(con, "/sbin/losetup -l -n -O RO,BACK-FILE", timeout)
    loops = sorted(tuple(l.split()) for l in out.splitlines() if l.strip())
    res.check(prefix + "/blk-loop", rc == 0 and loops == want,
              "rc=%d, losetup: %r" % (rc, out.strip()), out.strip().replace("\n", "; "))
    want = [("51712", "4"), ("51728", "4")] if ro else [("51712", "4")]
    rc, out = shell_run(con, "xl block-list %s" % name, timeout)
    rows = [l.split() for l in out.splitlines()[1:] if l.strip()]
    res.check(prefix + "/block-list", rc == 0 and sorted((r[0], r[3]) for r in rows) == want,
              "rc=%d, expected %r (vdev, state): %r" % (rc, want, out.strip()))


def check_xl_net(con, res, name, domid, timeout, prefix="xl"):
    """The domU's eth0 came up with the configured MAC and pinged dom0 on
    xenbr0; dom0 pings it back through vif<domid>.0, which vif-bridge put
    on the bridge with Xen's MAC fe:ff:ff:ff:ff:ff; xl network-list shows
    the vif connected."""
    rc, _ = console_log_wait(con, name, "domu-net ping", 120)
    _, out = shell_run(con, "grep '^domu-net' %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    out = out.replace("\r", "")
    m = re.search(r"^domu-net eth0 mac (\S+) ip (\S+)", out, re.M)
    res.check(prefix + "/net-domu", m is not None and m.groups() == (DOMU_MAC, DOMU_IP + "/24"),
              "rc=%d, expected eth0 with %s and %s/24: %r" % (rc, DOMU_MAC, DOMU_IP,
                                                            out.strip()[-600:]),
              m.group(0) if m else "")
    m = re.search(r"^domu-net ping %s: (\d+) received" % re.escape(DOM0_BRIDGE_IP), out, re.M)
    res.check(prefix + "/net-ping-dom0", m is not None and int(m.group(1)) == 3,
              "the domU's ping of dom0: %r" % out.strip()[-400:], m.group(0) if m else "")
    vif = "vif%s.0" % domid
    rc, out = shell_run(con, "ls /sys/class/net/xenbr0/brif; cat /sys/class/net/%s/address"
                        % vif, timeout)
    res.check(prefix + "/net-vif", rc == 0 and re.search(r"\b%s\b" % re.escape(vif), out) and
              "fe:ff:ff:ff:ff:ff" in out, "rc=%d, %s on xenbr0 with fe:ff:ff:ff:ff:ff: %r"
              % (rc, vif, out.strip()))
    rc, out = shell_run(con, "ping -c 3 -W 5 %s" % DOMU_IP, 60)
    m = re.search(r"(\d+) packets received", out)
    res.check(prefix + "/net-ping", rc == 0 and m is not None and int(m.group(1)) == 3,
              "rc=%d: %r" % (rc, out.strip()[-400:]), m.group(0) if m else "")
    rc, out = shell_run(con, "xl network-list %s" % name, timeout)
    rows = [l.split() for l in out.splitlines()[1:] if l.strip()]
    # Idx, BE, Mac Addr., handle, state, ...
    got = [(r[0], r[2], r[4]) for r in rows if len(r) > 4]
    res.check(prefix + "/network-list", rc == 0 and got == [("0", DOMU_MAC, "4")],
              "rc=%d, expected idx 0 with %s in state 4: %r"
              % (rc, DOMU_MAC, out.strip()))


def check_xl_disk_reboot(con, res, name, prefix="xl", last="xvdb"):
    """After xl reboot the new domain finds the first boot's line on xvda."""
    rc, disks, log = domu_disk_lines(con, name, 2, last)
    a = disks.get("xvda")
    res.check(prefix + "/blk-persist", a is not None and a[2] == "PETREL-DISK domU boot 1" and
              a[3] == "ok", "rc=%d, xvda after the reboot: %r; lines %r"
              % (rc, a, log.strip()[-600:]))


def check_xl_disk_teardown(con, res, ro_sum, timeout, boots=2, prefix="xl"):
    """After the domU is gone: xvda's image holds the line of its last boot
    (`boots`), xvdb's (with `ro_sum`) is unchanged, and no loop device, vif
    or vbd/vif backend node is left."""
    rc, out = shell_run(con, "dd if=%s bs=512 skip=8 count=1 2>/dev/null | tr -d '\\000'; "
                        "md5sum %s" % (DOMU_DISK, DOMU_DISK_RO if ro_sum else DOMU_DISK),
                        timeout)
    res.check(prefix + "/blk-image", rc == 0 and
              re.search(r"^PETREL-DISK domU boot %d\r?$" % boots, out, re.M) and
              (ro_sum is None or (ro_sum and ro_sum in out)),
              "rc=%d, sector 8 and the read-only image's md5 (was %s): %r"
              % (rc, ro_sum, out.strip()))
    # xl create's own process runs the hotplug scripts' `remove` once the
    # domain has died, so the loop devices may go a little after it
    loops = "$(/sbin/losetup -n -l -O NAME)"
    rc, out = shell_run(con, "i=0; while [ -n \"%s\" ] && [ $i -lt 100 ]; do usleep 200000; "
                        "i=$((i+1)); done; echo loops: %s; " % (loops, loops) +
                        "echo vbds: $(xenstore-list /local/domain/0/backend/vbd 2>/dev/null); "
                        "echo vifs: $(ls /sys/class/net | grep ^vif; "
                        "xenstore-list /local/domain/0/backend/vif 2>/dev/null)", timeout)
    res.check(prefix + "/blk-teardown", rc == 0 and re.search(r"^loops: *$", out, re.M) and
              re.search(r"^vbds: *$", out, re.M), "left behind: %r" % out.strip())
    res.check(prefix + "/net-teardown", rc == 0 and re.search(r"^vifs: *$", out, re.M),
              "left behind: %r" % out.strip())


DOMU_DIR = "/usr/lib/petrel-domu"  # the domU files build-dom0.sh --domu puts in dom0
DOMU_FILES = "%s/vmlinuz %s/initrd.gz" % (DOMU_DIR, DOMU_DIR)


def linux_up(con, res, timeout, extra):
    """xl create the Linux domU lin with the config lines `extra`, its
    marker on the console, listed running; (created, its xl list row or None)."""
    rc, out = xl_create_linux(con, "lin", timeout, extra)
    if not res.check("xl/linux-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        return False, None
    rc, out = console_log_wait(con, "lin", DOMU_MARKER, DOMU_BOOT_WAIT)
    m = re.search(r"%s kernel (\S+) memory (\d+) kB" % DOMU_MARKER, out)
    res.check("xl/linux-console", rc == 0 and m is not None,
              "rc=%d, no %r in guest-lin.log: %r" % (rc, DOMU_MARKER, out.strip()[-600:]),
              m.group(0) if m else "")
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == "lin"]
    res.check("xl/linux-list", rc == 0 and len(row) == 1 and row[0][2] == "128" and
              row[0][4][:2] != "rb" and row[0][4][2:] == "----",
              "rc=%d, rows %r; expected a lin row with 128 MiB, running, blocked or "
              "runnable (not paused, shut down, crashed or dying)"
              % (rc, lines), " ".join(row[0]) if row else "")
    return True, row[0] if row else None


def linux_down(con, res, timeout, sums):
    """Stop xenconsoled; no domU may have written into dom0's memory: the
    files its page cache holds (read by every xl create) are as they were."""
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
    rc, after = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    res.check("xl/dom0-intact", rc == 0 and sums.strip() and after == sums,
              "md5sum before the domUs %r, after %r" % (sums.strip(), after.strip()))


def check_xl_linux(con, res, timeout, split=False):
    """The Linux domU's lifecycle; with `split`, with its PV disks and vif
    and the split-driver checks."""
    rc, out = shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    _, sums = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    extra = ""
    if split:
        rc, tokens, ro_sum = make_domu_disks(con, timeout)
        res.check("xl/blk-images", rc == 0 and ro_sum, "rc=%d making %s and %s"
                  % (rc, DOMU_DISK, DOMU_DISK_RO))
        extra = DOMU_DISKS + " " + DOMU_NET
    created, row = linux_up(con, res, timeout, extra)
    if not created:
        return
    if row and split:
        check_xl_disks(con, res, "lin", tokens, timeout)
        check_xl_net(con, res, "lin", row[1], timeout)
    if row:
        check_xl_pause(con, res, "lin", timeout)
        check_xl_reboot(con, res, "lin", row[1], timeout)
    if row and split:
        check_xl_disk_reboot(con, res, "lin")
    if row:
        check_xl_mem_set(con, res, "lin", timeout)
        check_xl_shutdown(con, res, "lin", timeout)
    shell_run(con, "xl destroy lin", timeout)
    if row and split:
        check_xl_disk_teardown(con, res, ro_sum, timeout)
    linux_down(con, res, timeout, sums)


# The split-driver slice (step xl-split): the Linux domU with one read-write
# disk and one vif, its blkfront reading and writing the disk and its
# netfront pinging dom0 over xenbr0, a phy: disk attached to it and detached
# (disk_checks.check_hot_phy, through dom0's shell in the domU), then
# destroyed with its backends torn down.  With --hostile, the hostile blkif
# and netif frontends run beside it first.
DOMU_DISK_RW = "\"disk=['format=raw,vdev=xvda,access=rw,target=%s']\"" % DOMU_DISK


def check_xl_split(con, res, timeout, hostile=False):
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    _, sums = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    rc, tokens, _ = make_domu_disks(con, timeout, (DOMU_DISK,))
    res.check("xl/blk-images", rc == 0, "rc=%d making %s" % (rc, DOMU_DISK))
    free = free_memory(con)
    hv_before = hv_state.read(shell_fn(con))
    created, row = linux_up(con, res, timeout, DOMU_DISK_RW + " " + DOMU_NET_SHELL)
    if not created:
        return
    if row:
        check_xl_disks(con, res, "lin", tokens, timeout, ro=False)
        check_xl_net(con, res, "lin", row[1], timeout)
        disk_checks.check_hot_phy(sys.modules[__name__], con, res,
                                  ("lin", DOMU_MAC, DOMU_IP), row[1], timeout)
    if row and hostile:
        check_split_hostile(con, res, row[1], timeout)
    shell_run(con, "xl destroy lin", timeout)
    if row:
        check_xl_disk_teardown(con, res, None, timeout, boots=1)
    now = wait_free_memory(con, free)
    res.check("xl/split-free", free is not None and now == free,
              "free memory %s MiB after the destroy, %s before" % (now, free), "%s MiB" % now)
    left = hv_state.leftovers(hv_before, hv_state.read(shell_fn(con)))
    res.check("xl/split-hv-left", not left, "left in the hypervisor: %r" % left,
              hv_state.summary(hv_before))
    linux_down(con, res, timeout, sums)


# The same Linux domU with a disk and a vif built by Petrel's pxl (step
# pxl-split, run only when named in --only): blkfront reads and writes the
# disk, netfront pings dom0, pxl's block-list and network-list print what
# Debian's xl prints, a second disk and a second vif are attached to the
# running guest and detached again, and pxl's monitor tears the devices down
# when the guest powers off.
PXL_SPLIT_NAME = "psplit"
PXL_DISK2 = ("'format=raw,vdev=xvdb,access=ro,target=%s'" % DOMU_DISK_RO)
PXL_MAC2 = "00:16:3e:5e:7a:02"


def pxl_split_up(con, res, timeout):
    """pxl create the domU with one disk and one vif; its marker on the
    console and Debian's xl list showing it; its domid, or None."""
    rc, out = shell_run(con, "pxl create /etc/xl-linux.cfg 'name=\"%s\"' %s %s"
                        % (PXL_SPLIT_NAME, DOMU_DISK_RW, DOMU_NET), XL_CREATE_TIMEOUT)
    if not res.check("pxl/split-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        return None
    rc, out = console_log_wait(con, PXL_SPLIT_NAME, DOMU_MARKER, DOMU_BOOT_WAIT)
    res.check("pxl/split-console", rc == 0 and DOMU_MARKER in out,
              "rc=%d: %r" % (rc, out.strip()[-600:]))
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == PXL_SPLIT_NAME]
    res.check("pxl/split-xl-list", rc == 0 and len(row) == 1 and row[0][4][2:] == "----",
              "rc=%d, rows %r" % (rc, lines), " ".join(row[0]) if row else "")
    return row[0][1] if row else None


def same_listing(con, res, check, cmd, timeout):
    """`pxl CMD` and Debian's `xl CMD`: the same exit status and stdout."""
    rc, out = shell_run(con, "pxl %s 2>/dev/null" % cmd, timeout)
    rc2, out2 = shell_run(con, "xl %s 2>/dev/null" % cmd, timeout)
    res.check(check, rc == rc2 and out == out2 and len(out.splitlines()) > 1,
              "pxl rc=%d %r; xl rc=%d %r" % (rc, out, rc2, out2),
              "%d lines" % len(out.splitlines()))
    return out


def wait_device_state(con, path, state, timeout, secs=60):
    """Poll a xenstore state node until it reads `state`; what it read last."""
    _, out = shell_run(con, "i=0; while [ \"$(xenstore-read %s 2>/dev/null)\" != %s ] && "
                       "[ $i -lt %d ]; do usleep 200000; i=$((i+1)); done; "
                       "xenstore-read %s 2>&1" % (path, state, secs * 5, path), secs + timeout)
    return out.strip()


def check_pxl_block_hotplug(con, res, domid, timeout):
    """pxl block-attach of a read-only second disk: blkfront connects it
    (state 4) on a read-only loop device, both tools list it; pxl
    block-detach: the guest lets it go, loop device and nodes gone."""
    rc, out = shell_run(con, "pxl block-attach %s %s" % (PXL_SPLIT_NAME, PXL_DISK2), 120)
    fe = "/local/domain/%s/device/vbd/51728/state" % domid
    state = wait_device_state(con, fe, 4, timeout)
    rc2, loops = shell_run(con, "/sbin/losetup -l -n -O RO,BACK-FILE", timeout)
    res.check("pxl/block-attach", rc == 0 and state == "4" and
              re.search(r"^\s*1\s+%s\s*$" % re.escape(DOMU_DISK_RO), loops, re.M),
              "rc=%d %r, frontend state %r, losetup %r" % (rc, out, state, loops.strip()))
    same_listing(con, res, "pxl/block-list-attached", "block-list %s" % PXL_SPLIT_NAME, timeout)
    rc, out = shell_run(con, "pxl block-detach %s xvdb" % PXL_SPLIT_NAME, 120)
    _, left = shell_run(con, "/sbin/losetup -l -n -O BACK-FILE; xenstore-list "
                        "/local/domain/0/backend/vbd/%s; xl block-list %s"
                        % (domid, PXL_SPLIT_NAME), timeout)
    res.check("pxl/block-detach", rc == 0 and DOMU_DISK_RO not in left and
              "51728" not in left and "51712" in left,
              "rc=%d %r, left: %r" % (rc, out, left.strip()))
    rc, out = shell_run(con, "pxl block-detach %s xvdb" % PXL_SPLIT_NAME, timeout)
    res.check("pxl/block-detach-again", rc == 1 and "Device xvdb not connected" in out,
              "rc=%d %r" % (rc, out))


def check_pxl_net_hotplug(con, res, domid, timeout):
    """pxl network-attach of a second vif: netfront connects it (state 4),
    vif<domid>.1 is on xenbr0, both tools list it; pxl network-detach by
    MAC: the interface and its nodes are gone."""
    rc, out = shell_run(con, "pxl network-attach %s bridge=xenbr0 mac=%s"
                        % (PXL_SPLIT_NAME, PXL_MAC2), 120)
    state = wait_device_state(con, "/local/domain/%s/device/vif/1/state" % domid, 4, timeout)
    _, brif = shell_run(con, "ls /sys/class/net/xenbr0/brif", timeout)
    res.check("pxl/network-attach", rc == 0 and state == "4" and "vif%s.1" % domid in brif,
              "rc=%d %r, frontend state %r, xenbr0 ports %r" % (rc, out, state, brif.strip()))
    same_listing(con, res, "pxl/network-list-attached", "network-list %s" % PXL_SPLIT_NAME,
                 timeout)
    rc, out = shell_run(con, "pxl network-detach %s %s" % (PXL_SPLIT_NAME, PXL_MAC2), 120)
    _, left = shell_run(con, "ls /sys/class/net; xenstore-list /local/domain/0/backend/vif/%s"
                        % domid, timeout)
    res.check("pxl/network-detach", rc == 0 and "vif%s.1" % domid not in left and
              "vif%s.0" % domid in left, "rc=%d %r, left: %r" % (rc, out, left.strip()))


# xl -N create and pxl -N create of the domU with two disks and two vifs:
# the same JSON, byte for byte.
PXL_DRY_ARGS = ("/etc/xl-linux.cfg 'name=\"pxldry\"' "
                "'uuid=\"6b1f0c2e-8d3a-4e5b-9c7d-1a2b3c4d5e6f\"' "
                "\"disk=['format=raw,vdev=xvda,access=rw,target=%s', 'file:%s,xvdb,r']\" "
                "\"vif=['bridge=xenbr0,mac=%s', 'ip=192.168.77.9,mtu=1400']\""
                % (DOMU_DISK, DOMU_DISK_RO, DOMU_MAC))


def check_pxl_dry_run_devices(con, res, timeout):
    cmd = "%s -N create %s > /tmp/%s-dry.json 2>/dev/null; echo rc=$?"
    _, xl = shell_run(con, cmd % ("xl", PXL_DRY_ARGS, "xl"), 120)
    _, pxl = shell_run(con, cmd % ("pxl", PXL_DRY_ARGS, "pxl"), 120)
    _, diff = shell_run(con, "diff /tmp/xl-dry.json /tmp/pxl-dry.json && echo same; "
                        "cat /tmp/xl-dry.json", timeout)
    res.check("pxl/split-dry-run", xl.strip() == "rc=0" and pxl.strip() == "rc=0" and
              re.search(r"^same$", diff, re.M) and '"disks"' in diff,
              "xl %r, pxl %r; diff, then xl's JSON: %r" % (xl, pxl, diff))


def check_pxl_split(con, res, timeout):
    check_pxl_dry_run_devices(con, res, timeout)
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    _, sums = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    rc, tokens, _ = make_domu_disks(con, timeout, (DOMU_DISK, DOMU_DISK_RO))
    res.check("pxl/split-images", rc == 0, "rc=%d making the images" % rc)
    free = free_memory(con)
    domid = pxl_split_up(con, res, timeout)
    if domid is None:
        shell_run(con, "pxl destroy %s" % PXL_SPLIT_NAME, 120)
    else:
        check_xl_disks(con, res, PXL_SPLIT_NAME, tokens, timeout, ro=False, prefix="pxl")
        check_xl_net(con, res, PXL_SPLIT_NAME, domid, timeout, prefix="pxl")
        same_listing(con, res, "pxl/block-list-same", "block-list %s" % PXL_SPLIT_NAME, timeout)
        same_listing(con, res, "pxl/network-list-same", "network-list %s" % PXL_SPLIT_NAME,
                     timeout)
        check_pxl_block_hotplug(con, res, domid, timeout)
        check_pxl_net_hotplug(con, res, domid, timeout)
        # the guest powers off; pxl's monitor takes its devices down, then destroys it
        rc, out = shell_run(con, "timeout 150 pxl shutdown -ww %s" % PXL_SPLIT_NAME, 180)
        res.check("pxl/split-shutdown", rc == 0, "rc=%d %r" % (rc, out.strip()[-300:]))
        check_xl_disk_teardown(con, res, None, timeout, boots=1, prefix="pxl")
    now = wait_free_memory(con, free)
    res.check("pxl/split-free", free is not None and now == free,
              "free memory %s MiB after the guest, %s before" % (now, free), "%s MiB" % now)
    linux_down(con, res, timeout, sums)


# The hostile frontends (tests/guests/tests/blkif-hostile.c and
# netif-hostile.c, 32 MiB each, rootfs/etc/xl-<guest>.cfg): domain hostile
# with one disk on its own image, domain hostnet with one vif on xenbr0.
# Each prints a status line for each request and its verdict, then idles.
HOSTILE_DISK = "/tmp/hostile-disk.img"
HOSTILE_WAIT = 120  # seconds from xl create to the verdict under TCG
HOSTILE_GUESTS = (("hostile", "blkif-hostile", 23), ("hostnet", "netif-hostile", 16))
DOM0_OOPS = "BUG:|WARNING:|Oops|Call Trace|general protection|Kernel panic"




def check_hostile_verdict(con, res, name, guest, lines, timeout):
    """The guest's verdict, from its `lines` status lines (each bad request
    answered with an error, each good one served)."""
    console_log_wait(con, name, "%s: verdict" % guest, HOSTILE_WAIT)
    _, log = shell_run(con, "cat %s/guest-%s.log" % (XL_CONSOLE_DIR, name), timeout)
    log = log.replace("\r", "")
    cases = re.findall(r"^%s: (\S+) status (-?\d+)" % guest, log, re.M)
    bad = [l for l in log.splitlines() if l.startswith(("Failure", "Error"))]
    notes = re.findall(r"^%s: (flood status .*|\S+-ahead responses \d+|\S+ checks took \d+ ms)$" % guest, log, re.M)
    res.check("xl/%s" % guest, "%s: verdict SUCCESS" % guest in log and not bad and
              len(cases) == lines, "%d status lines of %d, complaints %r, log tail %r"
              % (len(cases), lines, bad, log.strip()[-800:]),
              " ".join(["%s=%s" % c for c in cases] + notes))


def check_hostile_flood(con, res, timeout):
    """While netif-hostile floods its backend with event-channel sends, dom0
    still answers: its shell runs and it pings the Linux domU; then dom0
    tells the guest to stop (data/flood-stop)."""
    rc, out = console_log_wait(con, "hostnet", "netif-hostile: flood running", HOSTILE_WAIT)
    rc2, shell = shell_run(con, "echo shell-$((6*7))", timeout)
    _, ping = shell_run(con, "ping -c 3 -W 5 %s" % DOMU_IP, 60)
    m = re.search(r"(\d+) packets received", ping)
    domid = xl_domid(con, "hostnet")
    rc3, _ = shell_run(con, "xenstore-write /local/domain/%s/data/flood-stop 1" % domid, timeout)
    res.check("xl/hostile-flood-dom0", rc == 0 and rc2 == 0 and "shell-42" in shell and
              m is not None and int(m.group(1)) == 3 and domid is not None and rc3 == 0,
              "flood started: rc=%d %r; shell rc=%d %r; ping of lin %r; stop written to "
              "domain %s: rc=%d" % (rc, out.strip()[-300:], rc2, shell.strip()[-100:],
                                    ping.strip()[-300:], domid, rc3))


def check_hostile_effects(con, res, timeout):
    """What dom0 saw: blkif-hostile's good write in its image, blkback
    halting its ring and netback giving up on hostnet's vif."""
    rc, out = shell_run(con, "dd if=%s bs=512 skip=8 count=1 2>/dev/null | tr -d '\\000'"
                        % HOSTILE_DISK, timeout)
    res.check("xl/hostile-write", rc == 0 and "PETREL-DISK hostile frontend" in out,
              "sector 8 of %s: %r" % (HOSTILE_DISK, out.strip()[:200]))
    for check, pattern in (("xl/hostile-blk-halted", "xen-blkback: Frontend provided bogus"),
                           ("xl/hostile-net-halted", "vif.*fatal error; disabling device")):
        found = dom0_dmesg_grep(con, pattern)
        res.check(check, found, "no %r in dom0's dmesg" % pattern,
                  found[-1][-120:] if found else "")


def hostile_teardown(con, lin_domid, timeout):
    """xl destroy both; then what is left of their loop device, vbd
    backends and vifs (lin's only, if the teardown worked)."""
    rcs = [xl_run(con, "xl destroy %s" % name, timeout)[0] for name, _, _ in HOSTILE_GUESTS]
    loops = "$(/sbin/losetup -n -l -O BACK-FILE | grep -c hostile)"
    _, left = shell_run(con, "i=0; while [ %s != 0 ] && [ $i -lt 100 ]; do usleep 200000; "
                        "i=$((i+1)); done; echo loops: %s; echo vbds: $(xenstore-list "
                        "/local/domain/0/backend/vbd); echo vifs: $(xenstore-list "
                        "/local/domain/0/backend/vif) $(ls /sys/class/net | grep ^vif)"
                        % (loops, loops), timeout)
    gone = all(xl_domid(con, name) is None for name, _, _ in HOSTILE_GUESTS)
    ok = (rcs == [0, 0] and gone and re.search(r"^loops: 0\s*$", left, re.M) and
          re.search(r"^vbds: %s\s*$" % lin_domid, left, re.M) and
          re.search(r"^vifs: %s vif%s\.0\s*$" % (lin_domid, lin_domid), left, re.M))
    return ok, "xl destroy %r, gone %s; %r" % (rcs, gone, left.strip())


def check_split_hostile(con, res, lin_domid, timeout):
    """The hostile frontends beside the Linux domU: dom0 and the hypervisor
    carry on, lin still reaches dom0 over its vif, and xl destroy of the
    hostile guests frees their loop device, vif, backend nodes and memory."""
    start, began = len(con.text), con.elapsed()
    free = free_memory(con)
    rc, _, _ = make_domu_disks(con, timeout, (HOSTILE_DISK,))
    for name, guest, lines in HOSTILE_GUESTS:
        # the same disk or vif hotplug as the Linux domU's create, as slow under load
        rc2, out = xl_run(con, "xl create /etc/xl-%s.cfg" % guest, XL_CREATE_TIMEOUT)
        res.check("xl/%s-create" % guest, rc == 0 and rc2 == 0,
                  "image rc=%d, xl create rc=%d: %r" % (rc, rc2, out))
    check_hostile_flood(con, res, timeout)
    for name, guest, lines in HOSTILE_GUESTS:
        check_hostile_verdict(con, res, name, guest, lines, timeout)
    check_hostile_effects(con, res, timeout)
    rc, out = shell_run(con, "ping -c 3 -W 5 %s" % DOMU_IP, 60)
    m = re.search(r"(\d+) packets received", out)
    res.check("xl/hostile-neighbour", rc == 0 and m is not None and int(m.group(1)) == 3,
              "dom0's ping of lin after the hostile guests: %r" % out.strip()[-300:])
    ok, why = hostile_teardown(con, lin_domid, timeout)
    now = wait_free_memory(con, free)
    trouble = HV_TROUBLE.findall(con.text[start:])
    oops = dom0_dmesg_grep(con, DOM0_OOPS)
    res.check("xl/hostile-destroy", ok and now == free and not trouble and not oops,
              "%s; free memory %s MiB, %s before; console %r; dmesg %r"
              % (why, now, free, trouble, oops[:5]))
    print("note: the hostile frontends took %.0f s" % (con.elapsed() - began), flush=True)


# Create/destroy cycles of the Linux domU (step xl-linux-cycles, run only when
# named in --only): each boots to its marker, is destroyed, and the free memory
# xl info reports must come back to where it started.
LINUX_CYCLES = int(os.environ.get("LINUX_CYCLES", "20"))
FREE_WAIT = 30  # seconds for a dead domain's last frames to come back


def shell_number(con, cmd):
    """The number a dom0 command prints on a line of its own, or None."""
    rc, out = shell_run(con, cmd)
    m = re.search(r"^(\d+)\s*$", out, re.M)
    return int(m.group(1)) if rc == 0 and m else None


def free_memory(con):
    """xl info's free_memory (MiB), or None."""
    return shell_number(con, "xl info | awk '$1 == \"free_memory\" { print $3 }'")


def free_kib(con):
    """physinfo's free pages in KiB, exact where xl info's free_memory is in
    MiB: the `Mem:` line of Petrel's `pxl top -i 1` (as xentop prints it)."""
    return shell_number(con, pxl_cycles_checks.FREE_KIB)


def wait_free_memory(con, want, read=free_memory):
    """Poll `read` (free_memory: MiB, or free_kib) until it is `want` (or
    FREE_WAIT passes); the last value."""
    got = read(con)
    for _ in range(FREE_WAIT):
        if got == want:
            break
        shell_run(con, "sleep 1")
        got = read(con)
    return got


def linux_cycle(con, name, timeout):
    """One create, boot to the marker, destroy; None, or what went wrong."""
    shell_run(con, "rm -f %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    rc, out = xl_create_linux(con, name, timeout)
    if rc != 0:
        return "xl create: rc=%d %r" % (rc, out.strip()[-300:])
    rc, out = console_log_wait(con, name, DOMU_MARKER, DOMU_BOOT_WAIT)
    booted = rc == 0 and DOMU_MARKER in out
    rc, out = shell_run(con, "xl destroy %s" % name, timeout)
    if rc != 0:
        return "xl destroy: rc=%d %r" % (rc, out.strip()[-300:])
    if not booted:
        return "no %s in its console log" % DOMU_MARKER
    for _ in range(XL_DESTROY_WAIT * 5):
        if xl_domid(con, name) is None:
            return None
        shell_run(con, "usleep 200000")
    return "still listed %d s after xl destroy" % XL_DESTROY_WAIT


def check_xl_linux_cycles(con, res, timeout):
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    _, sums = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    start = free_memory(con)
    if not res.check("xl/linux-cycles-free", start is not None,
                     "no free_memory in xl info", "%s MiB free" % start):
        return
    done, problem = 0, None
    for i in range(LINUX_CYCLES):
        problem = linux_cycle(con, "cyc", timeout)
        now = wait_free_memory(con, start)
        if problem is None and now != start:
            problem = "free memory %s MiB after the destroy, %d MiB before" % (now, start)
        if problem:
            problem = "cycle %d: %s" % (i + 1, problem)
            break
        done += 1
    res.check("xl/linux-cycles", problem is None and done == LINUX_CYCLES,
              "%d of %d cycles, then %s" % (done, LINUX_CYCLES, problem),
              "%d cycles, %d MiB free after each" % (done, start))
    shell_run(con, "xl destroy cyc", timeout)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
    rc, after = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    res.check("xl/linux-cycles-dom0-intact", rc == 0 and sums.strip() and after == sums,
              "md5sum before the cycles %r, after %r" % (sums.strip(), after.strip()))


# The Linux domU as a PVH guest (step xl-pvh-linux, run only when named in
# --only): the same kernel and initramfs, type = "pvh", first with one vCPU,
# then with two.  Each boots to its marker, which names its CPU count and the
# guest type Linux found (/sys/hypervisor/guest_type), is listed with its
# vCPUs, shuts down cleanly on `xl shutdown`, and xl info's free memory comes
# back to where it was before it.
PVH_LINUX_MARKER = re.compile(r"%s kernel (\S+) memory (\d+) kB cpus (\d+) type (\S*)"
                              % DOMU_MARKER)


# earlyprintk=xen keep_bootcon: a PVH domU's kernel also writes its messages
# to the debug port 0xE9, which the hypervisor logs as the domain's lines (on
# the serial log, even when the domain dies before xenconsoled reads its ring).
PVH_LINUX_EXTRA = "'extra=\"console=hvc0 earlyprintk=xen keep_bootcon\"'"


# Seconds for a PVH domU to reach its marker: Xen 4.17's under QEMU 7.2 took
# more than DOMU_BOOT_WAIT at load ~20 (2026-12-02).
PVH_LINUX_BOOT_WAIT = 2 * DOMU_BOOT_WAIT


# The vCPU counts, one domU each (PVH_LINUX_VCPUS=2 runs only the second, an
# empty list none); PVH_LINUX_PXL=0 leaves out the domU pxl builds.
PVH_LINUX_VCPUS = [int(n) for n in os.environ.get("PVH_LINUX_VCPUS", "1,2").split(",") if n]


def check_pvh_marker(con, res, name, step, vcpus):
    """The PVH domU's marker in its console log, naming `vcpus` CPUs and guest
    type PVH (step-console).  The marker's match, or None."""
    rc, out = console_log_wait(con, name, DOMU_MARKER, PVH_LINUX_BOOT_WAIT)
    m = PVH_LINUX_MARKER.search(out)
    res.check(step + "-console", rc == 0 and m is not None and m.group(3) == str(vcpus) and
              m.group(4) == "PVH",
              "rc=%d, expected %r with %d cpus and type PVH in guest-%s.log: %r"
              % (rc, DOMU_MARKER, vcpus, name, out.strip()[-600:]), m.group(0) if m else "")
    return m


def check_pvh_list(con, res, name, step, vcpus):
    """xl list shows the PVH domU once, with 128 MiB, `vcpus` vCPUs and none of
    the shutdown, crashed or dying flags (step-list).  Its row, or []."""
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == name]
    res.check(step + "-list", rc == 0 and len(row) == 1 and row[0][2] == "128" and
              row[0][3] == str(vcpus) and row[0][4][2:] == "----",
              "rc=%d, rows %r; expected a %s row with 128 MiB and %d vCPUs, not shut down, "
              "crashed or dying" % (rc, lines, name, vcpus), " ".join(row[0]) if row else "")
    return row


# The 1-vCPU domU of Debian's xl and the one pxl builds have a read-write PV
# disk and a vif on xenbr0 (PVH_LINUX_DEVICES=0: neither): blkfront reads
# dom0's line and writes its own, netfront pings dom0 and dom0 pings back
# (the xl-split checks under step/), the line of the first boot is there
# after the reboot, and nothing of the backends is left after the shutdown.
PVH_LINUX_DEVICES = os.environ.get("PVH_LINUX_DEVICES", "1") == "1"


def pvh_linux_config(con, res, step, vcpus, devices, timeout):
    """The config lines of a PVH domU with `vcpus` vCPUs; with `devices`,
    also its disk (a fresh image) and vif.  (lines, the disk's tokens)."""
    lines = "'type=\"pvh\"' 'vcpus=%d' " % vcpus
    if not devices:
        return lines + PVH_LINUX_EXTRA, None
    rc, tokens, _ = make_domu_disks(con, timeout, (DOMU_DISK,))
    res.check(step + "/blk-make", rc == 0, "rc=%d making %s" % (rc, DOMU_DISK))
    extra = PVH_LINUX_EXTRA[:-2] + " " + DOMU_NET_ARGS + "\"'"
    return "%s %s %s %s" % (lines, DOMU_DISK_RW, DOMU_VIF, extra), tokens


def pvh_devices_up(con, res, name, domid, step, tokens, timeout):
    """blkfront and netfront of the running PVH domU at work."""
    check_xl_disks(con, res, name, tokens, timeout, ro=False, prefix=step)
    check_xl_net(con, res, name, domid, timeout, prefix=step)


def pvh_linux_cycle(con, res, vcpus, timeout):
    """One PVH domU with `vcpus` vCPUs: booted, listed, paused and unpaused;
    the one-vCPU domU (with its devices, and with a PV domU and a
    triple-faulting PVH one beside it) is then rebooted and shut down, any
    other destroyed while it runs; either way free memory comes back."""
    name = "pvhlin%d" % vcpus
    step = "xl-pvh-linux/%dvcpu" % vcpus
    devices = PVH_LINUX_DEVICES and vcpus == 1
    start = free_memory(con)
    lines, tokens = pvh_linux_config(con, res, step, vcpus, devices, timeout)
    rc, out = xl_create_linux(con, name, timeout, lines)
    if not res.check(step + "-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        shell_run(con, "xl destroy %s" % name, timeout)
        return
    check_pvh_marker(con, res, name, step, vcpus)
    row = check_pvh_list(con, res, name, step, vcpus)
    if row and devices:
        pvh_devices_up(con, res, name, row[0][1], step, tokens, timeout)
    if row and vcpus == 1:
        check_beside(con, res, step + "/beside", [(name, "domu-tick")], timeout)
    if row:
        check_xl_pause(con, res, name, timeout, step)
    if vcpus == 1:
        if row:
            check_xl_reboot(con, res, name, row[0][1], timeout, step + "-reboot")
        if row and devices:
            check_xl_disk_reboot(con, res, name, step, "xvda")
        pvh_linux_shutdown(con, res, name, step, timeout, boots=2 if row else 1)
    else:
        rc, out = shell_run(con, "xl destroy %s" % name, timeout)
        gone = wait_gone(con, name)
        res.check(step + "-destroy", rc == 0 and gone,
                  "rc=%d %r, still listed: %s" % (rc, out.strip()[-200:], not gone))
    shell_run(con, "xl destroy %s" % name, timeout)
    if devices:
        check_xl_disk_teardown(con, res, None, timeout, boots=2, prefix=step)
    now = wait_free_memory(con, start)
    res.check(step + "-free", start is not None and now == start,
              "free memory %s MiB after, %s MiB before" % (now, start), "%s MiB" % now)


def pvh_linux_shutdown(con, res, name, step, timeout, xl="xl", boots=1):
    """xl (or pxl) shutdown -w: the domU's own poweroff, and the domain gone.
    It is asked once busybox init runs in its boot number `boots` (its first
    tick): before, PID 1 is the /init script, which no poweroff signal ends."""
    console_log_wait(con, name, "domu-tick 0", PVH_LINUX_BOOT_WAIT, boots)
    rc, out = shell_run(con, "timeout 120 %s shutdown -w %s" % (xl, name), 150)
    _, log = shell_run(con, "tail -n 20 %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    gone = wait_gone(con, name)
    res.check(step + "-shutdown", rc == 0 and "domu: shutting down" in log and gone,
              "rc=%d %r, still listed: %s, console tail %r"
              % (rc, out.strip()[-200:], not gone, log[-300:]))


# The same PVH domU, with two vCPUs, built by Petrel's pxl (type = "pvh"; its
# xl -vv steps kept in /tmp/ppvh.out): its marker with its CPUs and type
# PVH, Debian's xl lists it and pauses it, `pxl reboot` (pxl's monitor builds
# it again), `pxl shutdown -w`, free memory back.
PXL_PVH_NAME = "ppvh"
# its vCPU count (PVH_LINUX_PXL_VCPUS=1: Xen 4.17 under QEMU 7.2's TCG leaves a
# 2-vCPU PVH domU in soft lockups at high load, whichever toolstack built it)
PXL_PVH_VCPUS = int(os.environ.get("PVH_LINUX_PXL_VCPUS", "2"))


def pxl_pvh_linux(con, res, timeout):
    name, step = PXL_PVH_NAME, "xl-pvh-linux/pxl"
    start = free_memory(con)
    lines, tokens = pvh_linux_config(con, res, step, PXL_PVH_VCPUS, PVH_LINUX_DEVICES, timeout)
    rc, out = shell_run(con, "pxl -vv create /etc/xl-linux.cfg 'name=\"%s\"' %s > /tmp/ppvh.out "
                        "2>&1; echo status $?; tail -n 25 /tmp/ppvh.out" % (name, lines),
                        XL_CREATE_TIMEOUT)
    # the domU's own lines on the debug port may follow the status on its line
    ok = re.search(r"^status 0\b", out, re.M) is not None
    if not res.check(step + "-create", ok, "%r" % out.strip()[-1500:]):
        shell_run(con, "pxl destroy %s" % name, timeout)
        return
    m = check_pvh_marker(con, res, name, step, PXL_PVH_VCPUS)
    row = check_pvh_list(con, res, name, step, PXL_PVH_VCPUS)
    if row and m and PVH_LINUX_DEVICES:
        pvh_devices_up(con, res, name, row[0][1], step, tokens, timeout)
    if row and m:
        check_xl_pause(con, res, name, timeout, step)
        check_xl_reboot(con, res, name, row[0][1], timeout, step + "-reboot", "pxl")
    if row and m and PVH_LINUX_DEVICES:
        check_xl_disk_reboot(con, res, name, step, "xvda")
    pvh_linux_shutdown(con, res, name, step, timeout, "pxl", 2 if row and m else 1)
    shell_run(con, "pxl destroy %s" % name, timeout)
    if PVH_LINUX_DEVICES:
        check_xl_disk_teardown(con, res, None, timeout, boots=2, prefix=step)
    now = wait_free_memory(con, start)
    res.check(step + "-free", start is not None and now == start,
              "free memory %s MiB after, %s MiB before" % (now, start), "%s MiB" % now)


def check_xl_pvh_linux(con, res, timeout):
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    for vcpus in PVH_LINUX_VCPUS:
        pvh_linux_cycle(con, res, vcpus, timeout)
    if os.environ.get("PVH_LINUX_PXL", "1") == "1":
        pxl_pvh_linux(con, res, timeout)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


# The same Linux domU built by Petrel's pxl (step pxl-linux, run only when
# named in --only): Debian's xenconsoled logs its console, Debian's xl sees it.
PXL_LINUX_NAME = "plin"


def pxl_linux_boot(con, res, timeout):
    """pxl create the Linux domU; its marker on the console, `pxl console`
    and Debian's `xl list` showing it.  True if it booted."""
    t0 = time.time()
    rc, out = shell_run(con, "pxl -vv create /etc/xl-linux.cfg 'name=\"%s\"'" % PXL_LINUX_NAME,
                        XL_CREATE_TIMEOUT)
    t1 = time.time()
    if not res.check("pxl/linux-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:]),
                     "returned after %.1f s" % (t1 - t0)):
        return False
    check_pxl_phases(res, out)
    check_pxl_stored_config(con, res)
    rc, out = console_log_wait(con, PXL_LINUX_NAME, DOMU_MARKER, DOMU_BOOT_WAIT)
    m = re.search(r"%s kernel (\S+) memory (\d+) kB" % DOMU_MARKER, out)
    if not res.check("pxl/linux-console-log", rc == 0 and m is not None,
                     "rc=%d, no %r in guest-%s.log: %r" % (rc, DOMU_MARKER, PXL_LINUX_NAME,
                                                           out.strip()[-800:]),
                     "%s, %.0f s after pxl create started" % (m.group(0), time.time() - t0)
                     if m else ""):
        return False
    # the domU's init prints a tick a second: pxl console shows the next ones
    rc, out = shell_run(con, "(sleep 4; printf '\\035'; sleep 20) | timeout 15 pxl console %s "
                        "> /tmp/plin-con 2>&1; echo status $?; cat /tmp/plin-con"
                        % PXL_LINUX_NAME, timeout)
    res.check("pxl/linux-console", re.search(r"^status 0$", out, re.M) and
              re.search(r"domu-tick \d+", out),
              "pxl console %s: %r" % (PXL_LINUX_NAME, out[-400:]), "ticks shown, left with Ctrl-]")
    # and Debian's xl console (xenconsole) on the same pty, left by timeout
    rc, out = shell_run(con, "sleep 6 | timeout 5 xl console %s > /tmp/plin-xlcon 2>&1; "
                        "echo status $?; cat /tmp/plin-xlcon" % PXL_LINUX_NAME, timeout)
    res.check("pxl/linux-xl-console", re.search(r"^status (0|124)$", out, re.M) and
              re.search(r"domu-tick \d+", out),
              "xl console %s: %r" % (PXL_LINUX_NAME, out[-400:]), "ticks shown")
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == PXL_LINUX_NAME]
    res.check("pxl/linux-xl-list", rc == 0 and len(row) == 1 and row[0][2] == "128" and
              row[0][3] == "1" and row[0][4][2:] == "----",
              "rc=%d, rows %r; expected %s with 128 MiB, 1 vCPU, not paused or shut down"
              % (rc, lines, PXL_LINUX_NAME), " ".join(row[0]) if row else "")
    return True


# The steps `pxl -vv create` names for the Linux domU (128 MiB, a gzip'd
# ramdisk outside the initial mapping), in order, each with its seconds.
PXL_PHASES = (r"config parsed", r"kernel read \(bzImage\+xz, \d+ KiB unpacked, [^)]+\)",
              r"ramdisk read \(gzip, \d+ KiB\)", r"domain \d+ created, limits, event channels",
              r"populated 32768 pages", r"initial mapping mapped \(\d+ pages\)",
              r"kernel loaded, the rest zeroed", r"p2m, start_info, page tables",
              r"initial mapping unmapped", r"ramdisk written \(\d+ pages\)",
              r"hypercall page, L4 pinned, vCPU 0, grant refs",
              r"xenstore records, domain introduced", r"libxl's configuration stored",
              r"monitor started", r"unpaused")
PXL_PHASE_LINE = re.compile(r"^pxl: (.+?)\s+(\d+\.\d{3}) s  \(at\s+(\d+\.\d{3}) s\)$")


def check_pxl_phases(res, out):
    """pxl -vv create: every step named in order, the steps' seconds adding
    up to the running total."""
    rows = [m.groups() for m in map(PXL_PHASE_LINE.match, out.splitlines()) if m]
    names = [r[0] for r in rows]
    ok = len(rows) == len(PXL_PHASES) and all(re.fullmatch(p, n)
                                              for p, n in zip(PXL_PHASES, names))
    total = sum(float(r[1]) for r in rows)
    ok = ok and abs(total - float(rows[-1][2])) < 0.002 * len(rows)
    slow = sorted(rows, key=lambda r: -float(r[1]))[:3]
    res.check("pxl/linux-create-phases", ok, "steps %r, %r" % (names, out[-1500:]),
              ", ".join("%s %s s" % (r[0], r[1]) for r in slow) if ok else "")


def stored_config(con, domid):
    """libxl's stored configuration of domain `domid` as a dict, or None."""
    rc, out = shell_run(con, "cat /var/lib/xen/userdata-d.%s.*.libxl-json" % domid)
    try:
        return json.loads(out) if rc == 0 else None
    except ValueError:
        return None


def check_pxl_stored_config(con, res):
    """The configuration pxl stores for libxl: Debian's `xl list -l` shows
    the domain from it, as pxl's own list -l does, byte for byte."""
    domid = xl_domid(con, PXL_LINUX_NAME)
    conf = stored_config(con, domid)
    _, uuid = shell_run(con, "xenstore-read /local/domain/%s/vm" % domid)
    rc1, out1 = shell_run(con, "xl list -l %s" % PXL_LINUX_NAME)
    rc2, out2 = shell_run(con, "pxl list -l %s" % PXL_LINUX_NAME)
    try:
        listed = json.loads(out1)
    except ValueError:
        listed = None
    c = (listed or [{}])[0].get("config", {})
    ok = (conf is not None and rc1 == 0 and rc2 == 0 and listed and
          listed[0].get("domid") == int(domid) and
          c.get("c_info", {}).get("name") == PXL_LINUX_NAME and
          "/vm/" + c.get("c_info", {}).get("uuid", "?") == uuid.strip() and
          c.get("b_info", {}).get("max_memkb") == 131072 and
          c.get("b_info", {}).get("cmdline") == "console=hvc0" and
          c.get("on_reboot") == "restart" and c.get("on_crash") == "preserve" and
          out1 == out2)
    res.check("pxl/linux-xl-list-long", ok, "stored %r; xl list -l rc=%d %r; pxl list -l rc=%d "
              "%r" % (conf, rc1, out1[-800:], rc2, out2[-800:]),
              "xl list -l shows d%s from pxl's stored configuration" % domid)


def pxl_linux_reboot(con, res, timeout):
    """pxl reboot: the guest reboots itself, and the process pxl create left
    behind (on_reboot = "restart") builds it again under a new id."""
    old = xl_domid(con, PXL_LINUX_NAME)
    rc, out = shell_run(con, "pxl reboot %s" % PXL_LINUX_NAME, timeout)
    rc2, out2 = console_log_wait(con, PXL_LINUX_NAME, DOMU_MARKER, DOMU_BOOT_WAIT, 2)
    new = xl_domid(con, PXL_LINUX_NAME)
    _, log = shell_run(con, "cat /var/log/xen/xl-%s.log" % PXL_LINUX_NAME)
    res.check("pxl/linux-reboot", rc == 0 and rc2 == 0 and new not in (None, old) and
              "Action for shutdown reason code 1 is restart" in log,
              "rc=%d/%d %r; domain id %s before, %s after; console %r; pxl's log %r"
              % (rc, rc2, out.strip()[-200:], old, new, out2.strip()[-400:], log.strip()[-600:]),
              "d%s -> d%s" % (old, new))


def pxl_linux_shutdown(con, res, timeout):
    """pxl shutdown -w: the domU's own poweroff runs, pxl reports it as xl
    does, and on_poweroff = "destroy" removes the domain."""
    rc, out = shell_run(con, "timeout 120 pxl shutdown -w %s" % PXL_LINUX_NAME, 150)
    _, log = shell_run(con, "tail -n 20 %s/guest-%s.log" % (XL_CONSOLE_DIR, PXL_LINUX_NAME))
    # the monitor may destroy the domain before the waiter sees it shut down
    m = re.search(r"^Domain (\d+) has been (shut down, reason code 0|destroyed)$", out, re.M)
    res.check("pxl/linux-shutdown-w", rc == 0 and m and "domu: shutting down" in log and
              re.search(r"^Shutting down domain \d+$", out, re.M) and
              re.search(r"^Waiting for 1 domains$", out, re.M),
              "rc=%d %r, console tail %r" % (rc, out.strip()[-300:], log[-300:]),
              m.group(0) if m else "")
    gone = wait_gone(con, PXL_LINUX_NAME)
    _, log = shell_run(con, "cat /var/log/xen/xl-%s.log" % PXL_LINUX_NAME)
    res.check("pxl/linux-poweroff-destroy", gone and
              "Action for shutdown reason code 0 is destroy" in log,
              "still listed: %s; pxl's log %r" % (not gone, log.strip()[-600:]))


def wait_gone(con, name):
    """Whether domain `name` leaves xl's list within XL_DESTROY_WAIT seconds."""
    for _ in range(XL_DESTROY_WAIT * 5):
        if xl_domid(con, name) is None:
            return True
        shell_run(con, "usleep 200000")
    return False


def check_pxl_linux(con, res, timeout):
    """The Linux domU through pxl: create, boot, console, reboot, clean
    shutdown, and every page back; then a paused create and pxl destroy."""
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    shell_run(con, "rm -f %s/guest-%s.log /var/log/xen/xl-%s.log"
              % (XL_CONSOLE_DIR, PXL_LINUX_NAME, PXL_LINUX_NAME))
    start = free_memory(con)
    if pxl_linux_boot(con, res, timeout):
        pxl_linux_reboot(con, res, timeout)
        pxl_linux_shutdown(con, res, timeout)
    shell_run(con, "pxl destroy %s" % PXL_LINUX_NAME, timeout)
    now = wait_free_memory(con, start)
    res.check("pxl/linux-free", start is not None and now == start,
              "free memory %s MiB before, %s after" % (start, now), "%s MiB free" % now)
    # what Debian's xl stores for the same file, to hold pxl's record against
    rc, out = shell_run(con, "xl create -p /etc/xl-linux.cfg 'name=\"%s\"'" % PXL_LINUX_NAME,
                        XL_CREATE_TIMEOUT)
    xl_conf = stored_config(con, xl_domid(con, PXL_LINUX_NAME)) if rc == 0 else None
    shell_run(con, "xl destroy %s" % PXL_LINUX_NAME, timeout)
    wait_gone(con, PXL_LINUX_NAME)
    rc, out = shell_run(con, "pxl create -p -e /etc/xl-linux.cfg 'name=\"%s\"' && "
                        "cp /var/lib/xen/userdata-d.$(xl domid %s).* /tmp/plin.json && "
                        "pxl destroy %s; echo status $?"
                        % (PXL_LINUX_NAME, PXL_LINUX_NAME, PXL_LINUX_NAME), XL_CREATE_TIMEOUT)
    gone = wait_gone(con, PXL_LINUX_NAME)
    now = wait_free_memory(con, start)
    res.check("pxl/linux-destroy-free", "status 0" in out and gone and start is not None and
              now == start, "%r, gone %s, free memory %s MiB before, %s after"
              % (out.strip()[-200:], gone, start, now), "%s MiB free again" % now)
    _, text = shell_run(con, "cat /tmp/plin.json")
    try:
        pxl_conf = json.loads(text)
    except ValueError:
        pxl_conf = None
    for conf in (xl_conf, pxl_conf):
        if conf:
            conf.get("c_info", {}).pop("uuid", None)
    res.check("pxl/linux-libxl-json", xl_conf and pxl_conf == xl_conf,
              "Debian's xl stored %r, pxl %r" % (xl_conf, pxl_conf),
              "the same as Debian's xl stores, but for the UUID")
    pxl_linux_console_create(con, res, timeout)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


def ticks(text):
    """The number grep -c printed, or -1."""
    return int(text.strip()) if text.strip().isdigit() else -1


def check_pxl_linux_restore(con, res, timeout):
    """Only the end of step pxl-linux: pxl create -c of the Linux domU, then
    Debian's xl save and restore of it (step pxl-linux-restore)."""
    shell_run(con, "%s && echo started" % XENCONSOLED, timeout)
    shell_run(con, "rm -f %s/guest-%s.log /var/log/xen/xl-%s.log"
              % (XL_CONSOLE_DIR, PXL_LINUX_NAME, PXL_LINUX_NAME))
    pxl_linux_console_create(con, res, timeout)


def pxl_linux_console_create(con, res, timeout):
    """pxl create -c: the domU's boot on the terminal until Ctrl-]; then
    Debian's xl saves the running domain pxl built and restores it."""
    rc, out = shell_run(con, "(sleep 90; printf '\\035') | pxl create -c /etc/xl-linux.cfg "
                        "'name=\"%s\"' > /tmp/plin-c 2>&1; echo status $?; "
                        # a count: the kernel's lines look like dom0's noise to shell_run
                        "echo first line $(grep -a -c 'Linux version' /tmp/plin-c)"
                        % PXL_LINUX_NAME, XL_CREATE_TIMEOUT)
    res.check("pxl/linux-create-c", re.search(r"^status 0$", out, re.M) and
              re.search(r"^first line [1-9]", out, re.M) and xl_domid(con, PXL_LINUX_NAME),
              "%r" % out[-600:], "the domU's boot from its first line, left with Ctrl-]")
    rc, out = console_log_wait(con, PXL_LINUX_NAME, DOMU_MARKER, DOMU_BOOT_WAIT)
    if rc != 0:
        shell_run(con, "xl destroy %s" % PXL_LINUX_NAME, timeout)
        return
    rc, out = shell_run(con, "xl save %s /tmp/plin.save; echo status $?" % PXL_LINUX_NAME,
                        XL_CREATE_TIMEOUT)
    gone = wait_gone(con, PXL_LINUX_NAME)
    # xl's progress lines end in carriage returns: the status may follow spaces
    res.check("pxl/linux-xl-save", re.search(r"\bstatus 0$", out, re.M) and gone,
              "%r, gone %s" % (out[-600:], gone), "saved and gone")
    rc, out = shell_run(con, "xl restore /tmp/plin.save; echo status $?", XL_CREATE_TIMEOUT)
    rc2, _, rows = xl_list(con)
    row = [r for r in rows if r[0] == PXL_LINUX_NAME]
    n0 = shell_run(con, "grep -c domu-tick %s/guest-%s.log" % (XL_CONSOLE_DIR, PXL_LINUX_NAME))[1]
    shell_run(con, "sleep 5")
    n1 = shell_run(con, "grep -c domu-tick %s/guest-%s.log" % (XL_CONSOLE_DIR, PXL_LINUX_NAME))[1]
    res.check("pxl/linux-xl-restore", re.search(r"\bstatus 0$", out, re.M) and len(row) == 1 and
              row[0][4][2:] == "----" and ticks(n1) > ticks(n0),
              "%r, rows %r, ticks %r then %r" % (out[-600:], row, n0, n1),
              "running again, ticks %s -> %s" % (n0.strip(), n1.strip()))
    shell_run(con, "xl destroy %s; rm -f /tmp/plin.save" % PXL_LINUX_NAME, timeout)
    wait_gone(con, PXL_LINUX_NAME)


# Several Linux domUs at once (step xl-multi): MULTI_DOMUS are created one
# after another, each while the ones before it boot, with xl's debug log kept
# (/tmp/xl-<name>.out) so that a failed build says why; all must reach their
# marker and be listed together; after xl destroy of all, free memory and
# dom0's copies of the domU files are as before.
MULTI_DOMUS = ("m1", "m2", "m3", "m4")
MULTI_BOOT_WAIT = 900  # seconds for all of them to boot, one CPU under nested TCG
XL_ERRORS = "grep -iE 'error|fail|decompress|memory' /tmp/xl-%s.out | tail -n 15"


def check_xl_multi(con, res, timeout):
    shell_run(con, "rm -f %s/guest-m*.log; %s" % (XL_CONSOLE_DIR, XENCONSOLED), timeout)
    _, sums = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    free0 = free_memory(con)
    created = []
    for name in MULTI_DOMUS:
        rc, out = shell_run(con, "xl -vvv create /etc/xl-linux.cfg 'name=\"%s\"' "
                            "> /tmp/xl-%s.out 2>&1; echo rc=$?; free -m | grep Mem; "
                            % (name, name) + XL_ERRORS % name, XL_CREATE_TIMEOUT)
        ok = re.search(r"^rc=0$", out, re.M) is not None
        res.check("xl-multi/create-" + name, ok, "with %s booting: %r" % (created, out[-1500:]),
                  "with %d booting" % len(created))
        if ok:
            created.append(name)
    t0 = con.elapsed()
    for name in created:
        left = max(MULTI_BOOT_WAIT - (con.elapsed() - t0), 10)
        rc, out = console_log_wait(con, name, DOMU_MARKER, int(left))
        # console-wait's status says whether the marker is in the log (its
        # tail may have scrolled past it by now)
        res.check("xl-multi/boot-" + name, rc == 0 and out.startswith("waited"),
                  "no %r in guest-%s.log: %r" % (DOMU_MARKER, name, out.strip()[-400:]),
                  "%.0f s after the last create" % (con.elapsed() - t0))
    rc, lines, rows = xl_list(con)
    up = sorted(r[0] for r in rows if r[0] in MULTI_DOMUS and r[2] == "128" and
                r[4][2:] == "----")
    res.check("xl-multi/list", rc == 0 and up == list(MULTI_DOMUS),
              "rc=%d, expected %s at 128 MiB, running: %r" % (rc, MULTI_DOMUS, lines),
              " ".join(up))
    shell_run(con, "for d in %s; do xl destroy $d; done" % " ".join(MULTI_DOMUS), 120)
    rc, out = xl_wait_only_dom0(con, timeout)
    now = wait_free_memory(con, free0)
    res.check("xl-multi/destroy", rc == 0 and free0 is not None and now == free0,
              "free memory %s MiB before, %s after destroying all: %r" % (free0, now, out),
              "%s MiB free again" % now)
    shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
    rc, after = shell_run(con, "md5sum %s" % DOMU_FILES, timeout)
    res.check("xl-multi/dom0-intact", rc == 0 and sums.strip() and after == sums,
              "md5sum before the domUs %r, after %r" % (sums.strip(), after.strip()))


def last_tick(con, name):
    """The last tick domU `name` printed (-1 if none)."""
    rc, out = shell_run(con, "grep -o 'domu-tick [0-9]*' %s/guest-%s.log | tail -n 1"
                        % (XL_CONSOLE_DIR, name))
    m = re.search(r"domu-tick (\d+)", out)
    return int(m.group(1)) if m else -1


def check_xl_pause(con, res, name, timeout, check="xl"):
    """xl pause stops the domU's ticks; xl unpause lets them go on (checks
    `check`/pause and `check`/unpause)."""
    console_log_wait(con, name, "domu-tick 1", 60)
    rc, out = shell_run(con, "xl pause %s && sleep 1 && xl list %s" % (name, name), timeout)
    paused = re.search(r"^%s\s.*\s[-rb]{2}p[-sdc]{3}\s" % name, out, re.M)
    first = last_tick(con, name)
    shell_run(con, "sleep 4")
    second = last_tick(con, name)
    res.check(check + "/pause", rc == 0 and paused and first >= 0 and first == second,
              "rc=%d, state %r, ticks %d then %d over 4 s paused" % (rc, out.strip()[-200:],
                                                                     first, second),
              "tick %d held" % first)
    rc, out = shell_run(con, "xl unpause %s && console-wait %s 'domu-tick %d' 10"
                        % (name, name, second + 2), timeout)
    third = last_tick(con, name)
    res.check(check + "/unpause", rc == 0 and third >= second + 2,
              "rc=%d, ticks %d before, %d after unpause" % (rc, second, third),
              "tick %d" % third)


def xl_mem(con, name):
    rc, lines, rows = xl_list(con)
    row = [r for r in rows if r[0] == name]
    return int(row[0][2]) if row else -1


def check_xl_mem_set(con, res, name, timeout):
    """xl mem-set: the domU's balloon driver gives memory back (tot_pages falls)."""
    before = xl_mem(con, name)
    rc, out = shell_run(con, "xl mem-set %s 96m && i=0; while [ $i -lt 30 ]; do "
                        "xl list %s | awk 'NR == 2 { exit !($3 <= 98) }' && break; "
                        "sleep 1; i=$((i+1)); done; echo waited $i" % (name, name), 120)
    after = xl_mem(con, name)
    _, log = shell_run(con, "tail -n 30 %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    res.check("xl/mem-set", rc == 0 and 0 < after <= 98 < before,
              "rc=%d %r, %d MiB before, %d MiB after mem-set 96m; console: %s"
              % (rc, out.strip()[-200:], before, after, log[-1500:]),
              "%d -> %d MiB" % (before, after))


def xl_domid(con, name):
    rc, out = shell_run(con, "xl domid %s" % name)
    return out.strip() if rc == 0 else None


def check_xl_reboot(con, res, name, domid, timeout, check="xl/reboot", xl="xl"):
    """xl reboot: the domU restarts (ctrl-alt-del, busybox init's reboot),
    and xl builds it again under a new id, which boots to its marker.  The
    wait covers a whole xl create and a boot: xl's monitor tears the devices
    down, unpacks the kernel again, reruns the hotplug scripts (about 200 s
    from the reboot to the marker with split drivers on a loaded host)."""
    rc, out = shell_run(con, "%s reboot %s" % (xl, name), timeout)
    rc2, out2 = console_log_wait(con, name, DOMU_MARKER, XL_CREATE_TIMEOUT + DOMU_BOOT_WAIT, 2)
    new = xl_domid(con, name)
    _, xl_log = shell_run(con, "tail -n 12 /var/log/xen/xl-%s.log" % name)
    if rc2 != 0:
        # where the new domain is: xl's list, its monitor's log, hotplug scripts still running
        _, more = shell_run(con, "{ xl list; tail -n 40 /var/log/xen/xl-%s.log; ps | grep -v grep "
                            "| grep -E 'xl|vif|block|hotplug'; xenstore-ls -f /local/domain/0/backend "
                            "| grep -E 'state|hotplug'; } 2>&1 | sed 's/^/| /'" % name, 60)
        print(more, flush=True)
    res.check(check, rc == 0 and rc2 == 0 and new not in (None, domid),
              "rc=%d/%d %r; domain id %s before, %s after; console %r; xl's log %r"
              % (rc, rc2, out.strip()[-200:], domid, new, out2.strip()[-400:], xl_log.strip()),
              "d%s -> d%s, %s" % (domid, new, out2.splitlines()[0] if out2 else ""))


# Seconds a domU that shut down may stay listed: `xl shutdown -w` returns once
# the domain has shut down, and xl's monitor destroys it afterwards, first
# taking its devices down (backends to Closed, the hotplug scripts' remove).
XL_SHUTDOWN_DESTROY_WAIT = 120


def check_xl_shutdown(con, res, name, timeout):
    """xl shutdown: the domU powers off cleanly (busybox init's shutdown
    action runs) and, with on_poweroff=destroy, the domain disappears."""
    rc, out = shell_run(con, "timeout 120 xl shutdown -w %s" % name, 150)
    rc2, log = shell_run(con, "tail -n 20 %s/guest-%s.log" % (XL_CONSOLE_DIR, name))
    _, waited = shell_run(con, "i=0; while xl domid %s >/dev/null 2>&1 && [ $i -lt %d ]; do "
                          "usleep 200000; i=$((i+1)); done; echo $i"
                          % (name, XL_SHUTDOWN_DESTROY_WAIT * 5), XL_SHUTDOWN_DESTROY_WAIT + 60)
    gone = xl_domid(con, name) is None
    res.check("xl/shutdown", rc == 0 and "domu: shutting down" in log and gone,
              "rc=%d %r, still listed after %s polls: %s, console tail %r"
              % (rc, out.strip()[-200:], waited.strip(), not gone, log[-300:]),
              "gone after %s polls of 0.2 s" % waited.strip())


# Debian's own xenstored in place of Petrel's: the first is stopped, the
# second serves the same socket and dom0's ring; xen-init-dom0 fills the new
# store, and both the ring and xl work against it.
XS_DEBIAN_START = ("kill $(cat /run/xenstored.pid); i=0; while kill -0 $(cat /run/xenstored.pid) "
                   "2>/dev/null && [ $i -lt 50 ]; do usleep 100000; i=$((i+1)); done; "
                   "rm -f /run/xenstored/socket; mkdir -p /var/lib/xenstored; "
                   "sh -c '/usr/lib/xen-4.17/bin/xenstored -N -F /run/xenstored-debian.pid "
                   "</dev/null >/var/log/xenstored-debian.log 2>&1 &'; i=0; "
                   "while ! [ -S /run/xenstored/socket -a -s /run/xenstored-debian.pid ] && "
                   "[ $i -lt 100 ]; do usleep 100000; i=$((i+1)); done; "
                   "kill -0 $(cat /run/xenstored-debian.pid) && echo started")


def check_xl_debian_xenstored(con, res, timeout):
    rc, out = shell_run(con, XS_DEBIAN_START, timeout)
    if not res.check("xl/debian-xenstored", rc == 0 and "started" in out,
                     "Debian's xenstored did not start (rc=%d): %r" % (rc, out.strip())):
        return
    rc, out = shell_run(con, "/usr/lib/xen-4.17/bin/xen-init-dom0 && "
                        "timeout 20 xenstore-read -x /local/domain/0/name", timeout)
    res.check("xl/debian-xenstored-init", rc == 0 and out.split()[-1:] == ["Domain-0"] and
              "Done setting up Dom0" in out, "rc=%d: %r" % (rc, out.strip()))
    rc, lines, rows = xl_list(con)
    res.check("xl/debian-xenstored-list", rc == 0 and len(rows) == 1 and
              rows[0][:2] == ("Domain-0", "0"), "rc=%d, %r" % (rc, lines))


def xl_dmesg(con, args):
    rc, out = shell_run(con, "sh -c 'set -o pipefail; xl dmesg %s | sed \"s/^/dmesg: /\"'"
                        % args)
    return rc, "".join(l[len("dmesg: "):] for l in out.splitlines(True)
                       if l.startswith("dmesg: "))


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


def cpu_user_times(con):
    """rc and {cpuN: user+system jiffies} from /proc/stat."""
    rc, out = shell_run(con, "cat /proc/stat")
    times = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) > 3 and re.match(r"cpu\d+$", f[0]):
            times[f[0]] = int(f[1]) + int(f[3])
    return rc, times


# One busy shell loop per CPU and a compression, in parallel; then wait for all.
SMP_WORKLOAD = ("for i in %s; do (n=0; while [ $n -lt 60000 ]; do n=$((n+1)); done) & done; "
                "head -c 4000000 /dev/urandom | gzip -1 > /dev/null; wait")


def run_workload(con, res, name, ncpus, timeout):
    """The workload runs and every online CPU of dom0 did part of it."""
    rc0, before = cpu_user_times(con)
    rc, _ = shell_run(con, SMP_WORKLOAD % " ".join(str(i) for i in range(ncpus)), timeout)
    rc1, after = cpu_user_times(con)
    idle = sorted(c for c in after if after[c] <= before.get(c, 0))
    res.check(name, rc0 == 0 and rc == 0 and rc1 == 0 and after and not idle,
              "rc=%d; CPUs without work: %s (before %s, after %s)" % (rc, idle, before, after),
              "%d CPUs worked" % len(after))


def check_smp(con, res, ncpus, timeout):
    """dom0 has a vCPU per CPU, runs a parallel workload, takes vCPU 1 offline and back."""
    rc, out = shell_run(con, "grep -c ^processor /proc/cpuinfo")
    res.check("smp/vcpus", rc == 0 and out.strip() == str(ncpus),
              "rc=%d, %s processors, expected %d" % (rc, out.strip(), ncpus), out.strip())
    run_workload(con, res, "smp/parallel", ncpus, 10 * timeout)
    rc, _ = shell_run(con, "echo 0 > /sys/devices/system/cpu/cpu1/online")
    rc2, out = shell_run(con, "cat /sys/devices/system/cpu/online")
    want = "0" if ncpus == 2 else "0,2-%d" % (ncpus - 1) if ncpus > 3 else "0,2"
    res.check("smp/unplug", rc == 0 and rc2 == 0 and out.strip() == want,
              "rc=%d, online CPUs %r, expected %r" % (rc, out.strip(), want), out.strip())
    rc, _ = shell_run(con, "echo 1 > /sys/devices/system/cpu/cpu1/online")
    rc2, out = shell_run(con, "cat /sys/devices/system/cpu/online")
    want = "0-%d" % (ncpus - 1)
    res.check("smp/plug", rc == 0 and rc2 == 0 and out.strip() == want,
              "rc=%d, online CPUs %r, expected %r" % (rc, out.strip(), want), out.strip())
    run_workload(con, res, "smp/parallel-after-plug", ncpus, 10 * timeout)
    check_vcpu_set(con, res, ncpus)
    rc, lines = dom0_dmesg(con)
    bad = [l for l in lines
           if re.search(r"WARNING:|BUG:|soft lockup|\bstalls?\b|hung_task|Call Trace", l)]
    res.check("smp/dmesg-clean", rc == 0 and len(lines) > 10 and not bad,
              "rc=%d, %d lines, %d warnings, first: %s" % (rc, len(lines), len(bad), bad[:3]))


def dom0_cpu_state(con):
    """dom0's present and online CPUs (sysfs) and `xl list`'s vCPU count."""
    _, out = shell_run(con, "cat /sys/devices/system/cpu/present /sys/devices/system/cpu/online")
    rc, _, rows = xl_list(con)
    f = out.split()
    return (f[0] if f else "", f[1] if len(f) > 1 else "",
            int(rows[0][3]) if rc == 0 and rows else -1)


def wait_cpu_state(con, want, tries=120):
    """Poll (every half second) until dom0_cpu_state is @want; the last state read."""
    got = dom0_cpu_state(con)
    for _ in range(tries):
        if got == want:
            break
        shell_run(con, "usleep 500000")
        got = dom0_cpu_state(con)
    return got


def check_vcpu_set(con, res, ncpus):
    """`xl vcpu-set` through xenstore (cpu/N/availability, which dom0's kernel
    watches): fewer vCPUs takes dom0's last CPU offline and out of the present
    set; more makes it present again, and online once written to its sysfs
    file, as udev does on Xen."""
    last = ncpus - 1
    fewer = "0" if ncpus == 2 else "0-%d" % (ncpus - 2)
    rc, out = shell_run(con, "xl vcpu-set 0 %d" % last)
    want = (fewer, fewer, last)
    got = wait_cpu_state(con, want)
    res.check("smp/vcpu-set-down", rc == 0 and got == want,
              "rc=%d %r; present, online CPUs and xl's vCPUs %r, expected %r"
              % (rc, out.strip(), got, want), "%s %s, %d vCPUs" % got)
    rc, out = shell_run(con, "xl vcpu-set 0 %d" % ncpus)
    every = "0-%d" % last
    got = wait_cpu_state(con, (every, fewer, last))
    rc2, _ = shell_run(con, "echo 1 > /sys/devices/system/cpu/cpu%d/online" % last)
    want = (every, every, ncpus)
    got2 = wait_cpu_state(con, want)
    res.check("smp/vcpu-set-up", rc == 0 and got[0] == every and rc2 == 0 and got2 == want,
              "rc=%d/%d %r; present, online CPUs and xl's vCPUs %r after vcpu-set, %r after "
              "the online write, expected %r" % (rc, rc2, out.strip(), got, got2, want),
              "%s %s, %d vCPUs" % got2)


def check_cpus_up(con, res, want, timeout):
    """The hypervisor brought up every CPU QEMU gave it."""
    m = con.expect(CPUS_UP, timeout, fail=hvboot.BOOT_FAILURE)
    up = int(next(g for g in m.groups() if g))
    res.check("cpus-online", up == want, "%d of %d CPUs online" % (up, want),
              "%d CPUs online" % up)


def disk_step(args, con, res, step):
    """A step of disk_checks.py, TOOL-luks, TOOL-qdisk or TOOL-hotdisk, when
    named in --only."""
    if step in args.only:
        tool, kind = step.split("-")
        check = {"luks": disk_checks.check_luks, "qdisk": disk_checks.check_qdisk,
                 "hotdisk": disk_checks.check_hotdisk}[kind]
        check(sys.modules[__name__], con, res, tool, args.cmd_timeout)


HANG_DUMP_KEY = b"\x1d"  # Ctrl-]: Petrel's hang dump with its hang_key option


def expect_boot_marker(con, args):
    """Wait for dom0's shell marker. On Petrel, a console silent for
    --hang-dump-after seconds meanwhile gets Ctrl-], so that the log of a
    boot that stalls holds the hang dump of every CPU, vCPU and timer taken
    during the stall (once per silence: output since the last ask allows
    another)."""
    deadline = time.monotonic() + args.boot_timeout
    asked_at = None
    while True:
        left = deadline - time.monotonic()
        try:
            return con.expect(re.escape(hvboot.MARKER), min(max(left, 0), 10),
                              fail=hvboot.BOOT_FAILURE)
        except ConsoleTimeout:
            if left <= 10:
                raise ConsoleTimeout("timed out after %gs waiting for the shell marker"
                                     % args.boot_timeout)
        silent = time.monotonic() - con.last_data
        if (dumps_hangs(args) and silent >= args.hang_dump_after and
                asked_at != con.last_data):
            print("note: no console output for %.0f s during the boot: hang dump asked"
                  % silent, flush=True)
            con.send(HANG_DUMP_KEY)
            asked_at = con.last_data


def dumps_hangs(args):
    return args.hv == "petrel" and args.hang_dump_after > 0


def run(args, res):
    if dumps_hangs(args) and "hang_key" not in os.environ.get("SYSTEM_HV_OPTS", "").split():
        os.environ["SYSTEM_HV_OPTS"] = (os.environ.get("SYSTEM_HV_OPTS", "") + " hang_key").strip()
    argv = hvboot.qemu_argv(args.hv, args.kernel, args.initrd, image=args.image,
                            extra=PCI_DEVICES + hvm_disk_args(args.hvm_disk),
                            smp=args.smp)
    hv_cmdline = hvboot.hv_cmdline(args.hv)
    print("qemu: %s" % hvboot.shell_quote(argv), flush=True)
    with SerialConsole(argv, log_path=args.log, echo=args.verbose) as con:
        step = "boot"
        try:
            if args.smp > 1:
                check_cpus_up(con, res, args.smp, args.boot_timeout)
            expect_boot_marker(con, args)
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
                                ("pxl", lambda: pxl_checks.check_dom0(shell_fn(con), res)),
                                ("xl", lambda: check_xl(con, res, args, hv_cmdline, argv)),
                                ("smp", lambda: args.smp <= 1 or check_smp(
                                    con, res, args.smp, args.cmd_timeout)),
                                ("xl-create", lambda: check_xl_create(
                                    con, res, args.cmd_timeout)),
                                ("xl-pvh", lambda: check_xl_pvh(
                                    con, res, args.cmd_timeout)),
                                ("xl-hvm", lambda: "xl-hvm" not in args.only
                                 or check_xl_hvm(con, res, args.cmd_timeout)),
                                ("xl-hvm-memtest", lambda: "xl-hvm-memtest" not in args.only
                                 or check_xl_hvm_memtest(con, res, args.cmd_timeout)),
                                ("xl-hvm-installed", lambda: "xl-hvm-installed" not in args.only
                                 or check_xl_hvm_installed(con, res, args.cmd_timeout,
                                                           args.hvm_modes)),
                                ("xl-hvm-dinst", lambda: "xl-hvm-dinst" not in args.only
                                 or dinst_checks.check_dinst(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxenconsoled", lambda: console_checks.check_console(
                                    shell_fn(con), res, args.cmd_timeout)),
                                ("xl-save", lambda: check_xl_save_restore(
                                    con, res, args.cmd_timeout, args)),
                                ("xl-linux", lambda: check_xl_linux(
                                    con, res, args.cmd_timeout, args.split_drivers)),
                                ("xl-split", lambda: "xl-split" not in args.only
                                 or check_xl_split(con, res, args.cmd_timeout, args.hostile)),
                                ("pxl-split", lambda: "pxl-split" not in args.only
                                 or check_pxl_split(con, res, args.cmd_timeout)),
                                ("xl-luks", lambda: disk_step(args, con, res, "xl-luks")),
                                ("pxl-luks", lambda: disk_step(args, con, res, "pxl-luks")),
                                ("xl-qdisk", lambda: disk_step(args, con, res, "xl-qdisk")),
                                ("pxl-qdisk", lambda: disk_step(args, con, res, "pxl-qdisk")),
                                ("xl-hotdisk", lambda: disk_step(args, con, res, "xl-hotdisk")),
                                ("pxl-hotdisk", lambda: disk_step(args, con, res,
                                                                  "pxl-hotdisk")),
                                ("pxl-cfg", lambda: "pxl-cfg" not in args.only
                                 or pxl_cfg_checks.check_pxl_cfg(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-dumpcore", lambda: "pxl-dumpcore" not in args.only
                                 or dumpcore_checks.check_dumpcore(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-dumpcore-linux", lambda: "pxl-dumpcore-linux" not in args.only
                                 or dumpcore_checks.check_dumpcore_linux(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-kcache", lambda: "pxl-kcache" not in args.only
                                 or kcache_checks.check_kcache(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-dumpcore-hvm", lambda: "pxl-dumpcore-hvm" not in args.only
                                 or dumpcore_checks.check_dumpcore_hvm(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-multi", lambda: check_xl_multi(
                                    con, res, args.cmd_timeout)),
                                ("xl-net", lambda: "xl-net" not in args.only
                                 or net_checks.check_xl_net(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-dev-cycles", lambda: "xl-dev-cycles" not in args.only
                                 or net_checks.check_dev_cycles(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-split-cycles", lambda: "xl-split-cycles" not in args.only
                                 or net_checks.check_split_cycles(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-save-devices", lambda: "xl-save-devices" not in args.only
                                 or save_dev_checks.check_save_devices(
                                     sys.modules[__name__], con, res, args.cmd_timeout, args.hv)),
                                ("xl-linux-cycles", lambda: "xl-linux-cycles" not in args.only
                                 or check_xl_linux_cycles(con, res, args.cmd_timeout)),
                                ("xl-pvh-linux", lambda: "xl-pvh-linux" not in args.only
                                 or check_xl_pvh_linux(con, res, args.cmd_timeout)),
                                ("xl-pvh-save", lambda: "xl-pvh-save" not in args.only
                                 or pvh_save_checks.check_pvh_save(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("bench-linux", lambda: "bench-linux" not in args.only
                                 or bench_linux_checks.check_bench_linux(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-pvgrub", lambda: "xl-pvgrub" not in args.only
                                 or pvgrub_checks.check_pvgrub(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-pvhgrub", lambda: "xl-pvhgrub" not in args.only
                                 or pvgrub_checks.check_pvhgrub(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-linux", lambda: "pxl-linux" not in args.only
                                 or check_pxl_linux(con, res, args.cmd_timeout)),
                                ("pxl-linux-restore", lambda: "pxl-linux-restore" not in args.only
                                 or check_pxl_linux_restore(con, res, args.cmd_timeout)),
                                ("pxl-cycles", lambda: "pxl-cycles" not in args.only
                                 or pxl_cycles_checks.check_pxl_cycles(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("pxl-linux-cycles", lambda: "pxl-linux-cycles" not in args.only
                                 or pxl_cycles_checks.check_pxl_linux_cycles(
                                     sys.modules[__name__], con, res, args.cmd_timeout)),
                                ("xl-xenstored", lambda: check_xl_debian_xenstored(
                                    con, res, args.cmd_timeout)),
                                ("reboot", lambda: args.no_reboot or check_reboot(
                                    con, res, args.boot_timeout)),
                                # the ring holds the banner again after the reboot
                                ("pxl-dmesg-clear", lambda: args.no_reboot or
                                 pxl_checks.check_dmesg_clear(shell_fn(con), res)),
                                ("poweroff", lambda: check_poweroff(
                                    con, res, args.poweroff_timeout))):
                if step == "poweroff" or ((not args.only or step in args.only) and
                                          step not in args.skip):
                    t0 = con.elapsed()
                    check()
                    print("note: step %s took %.0f s" % (step, con.elapsed() - t0), flush=True)
        except ConsoleError as e:
            # the console is in an unknown state: the remaining checks are not run
            res.bad(step, str(e))
        if res.failed:
            print("---- last lines of the serial console (full log: %s) ----"
                  % (args.log or "not kept"))
            print(con.tail(args.tail))
            print("---- end of serial console ----", flush=True)


# QEMU's own assertion failing (for instance iotlb_to_section's in its
# multi-threaded TCG when a CPU's TLB holds an entry of a memory map that
# another CPU's PCI BAR write has just replaced): the emulator's bug, not
# the hypervisor's, and it ends the run with SIGABRT.
QEMU_ABORT = re.compile(r"^qemu-system-\S+: (\S+: \S+: Assertion .* failed\.)$", re.M)


def qemu_abort(log_path):
    """The QEMU assertion that ended the run logged at log_path, or None."""
    try:
        with open(log_path, errors="replace") as f:
            m = QEMU_ABORT.search(f.read())
    except OSError:
        return None
    return m.group(1) if m else None


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
    ap.add_argument("--hang-dump-after", type=float, default=150,
                    help="on Petrel, ask for the hang dump (hang_key, Ctrl-]) when the boot "
                    "prints nothing for this many seconds (0: never)")
    ap.add_argument("--poweroff-timeout", type=float, default=120)
    ap.add_argument("--expect-version", default="4.17")
    ap.add_argument("--no-reboot", action="store_true", help="skip the reboot check")
    ap.add_argument("--smp", type=int, default=1,
                    help="CPUs of the machine (multi-threaded TCG above 1); checks that the "
                    "hypervisor brought them all up")
    ap.add_argument("--only", type=lambda v: v.split(","), default=[],
                    help="run only these steps (comma separated, e.g. xl,xl-create); "
                    "boot, shell and poweroff always run")
    ap.add_argument("--skip", type=lambda v: v.split(","), default=[],
                    help="leave out these steps (comma separated, e.g. xl-linux)")
    ap.add_argument("--split-drivers", action="store_true",
                    help="give the xl-linux step's domU PV disks and a vif, and check them")
    ap.add_argument("--hostile", action="store_true",
                    help="in the xl-split step, the hostile blkif and netif frontends "
                    "beside the domU")
    ap.add_argument("--migrate-faults", action="store_true",
                    help="in the xl-save step, first a migration whose link breaks half-way")
    ap.add_argument("--hvm-disk", help="disk image for the xl-hvm-installed or xl-hvm-dinst step, given to "
                    "dom0 as a second virtio disk (on a snapshot)")
    ap.add_argument("--hvm-modes", type=lambda v: v.split(","), default=["nopv", "pvhvm"],
                    help="the xl-hvm-installed step's boots (comma separated: nopv, pvhvm, uefi)")
    ap.add_argument("--tail", type=int, default=40, help="log lines shown on failure")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the console")
    args = ap.parse_args()
    kernel, args.initrd = hvboot.default_dom0(args.kernel_dir)
    args.kernel = args.kernel or kernel
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)

    if not args.log:
        args.log = os.path.join(tempfile.mkdtemp(prefix="dom0-system-"), "serial.log")
    for attempt in (1, 2):
        res = Results()
        try:
            run(args, res)
        except (FileNotFoundError, ValueError) as e:
            res.bad("setup", str(e))
        abort = qemu_abort(args.log) if res.failed else None
        if attempt == 2 or not abort:
            break
        print("note: QEMU itself aborted (%s): its multi-threaded TCG, not the hypervisor; "
              "the whole run is made again, once" % abort, flush=True)
    print("system-%s: %d passed, %d failed" % (args.hv, res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
