#!/usr/bin/env python3
"""The petrel package on the installed Debian image, booted through GRUB.

    grub_test.py --deb petrel_amd64.deb [--image-dir build/debian] [--work DIR]

1. install: a copy of the image boots as a plain Linux machine (no
   hypervisor, console ttyS0); the package comes in on a second disk (a tar
   archive written to it raw).  As root on that console: dpkg -i, settings for
   a serial GRUB and console, grub-install onto the first disk (BIOS) and
   update-grub, which must write the "with Petrel hypervisor" entries; then
   poweroff.
2. boot: the same disk, no -kernel: SeaBIOS, GRUB from the disk's MBR, its
   default entry (Petrel with multiboot2, the dom0 kernel and initramfs as
   module2), to the login prompt on hvc0; then xenstored running under
   systemd with dom0's nodes, no failed unit, and poweroff.
Each check prints "PASS name" or "FAIL name: why"; the last line is
"grub-debian: N passed, N failed".
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
sys.path.insert(0, HERE)
from installed_test import (LOGIN, POWEROFF, SHELL_FAILURE, Results,  # noqa: E402
                            check_systemd, disk_args, shell_run)
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

BUILD = os.environ.get("BUILD", "build")

# What the test adds to GRUB's settings: serial terminal, no menu wait, and
# the consoles the harness reads (the package's petrel.cfg stays as shipped).
TEST_GRUB_CFG = r"""GRUB_TIMEOUT=1
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_PETREL="console=com1 com1=115200,8n1 dom0_mem=1024M loglvl=all guest_loglvl=all noreboot"
GRUB_CMDLINE_LINUX_PETREL_DOM0="console=hvc0 earlyprintk=xen"
"""


def qemu_base(machine, disk, img, log_extra=()):
    return ["qemu-system-x86_64", "-cpu", "max", "-m", "2G", "-smp", "1", "-machine", machine,
            "-display", "none", "-monitor", "none", "-serial", "stdio"] + \
        disk_args(machine, disk, img) + list(log_extra)


def install(args, res, img, root_dev):
    uuid = open(os.path.join(args.image_dir, "root-uuid")).read().strip()
    pkg = os.path.join(args.work, "pkg.tar")
    with tarfile.open(pkg, "w") as t:
        t.add(args.deb, arcname="petrel_amd64.deb")
    argv = qemu_base(args.machine, args.disk, img) + [
        "-nic", "none",
        "-drive", "file=%s,format=raw,if=virtio,readonly=on" % pkg,
        "-kernel", os.path.join(args.image_dir, "vmlinuz"),
        "-initrd", os.path.join(args.image_dir, "initrd.img"),
        "-append", "root=UUID=%s ro console=ttyS0" % uuid]
    log = os.path.join(args.work, "install.log")
    step = "install/login"
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(LOGIN, args.boot_timeout, fail=SHELL_FAILURE)
            con.sync(attempts=10, timeout=20)
            shell_run(con, "dmesg -n 1", 30)
            res.check(step, True, "", "plain Linux at its login prompt after %.1fs"
                      % con.elapsed())
            step = "install/dpkg"
            rc, out = shell_run(con, "tar -xf /dev/vda -C /tmp && dpkg -i /tmp/petrel_amd64.deb"
                                " && dpkg -s petrel | grep -q 'Status: install ok installed'",
                                300)
            res.check(step, rc == 0, "rc=%d: %s" % (rc, out.strip()[-600:]))
            cfg = TEST_GRUB_CFG.replace("\\", "\\\\").replace("'", "'\\''").replace("\n", "\\n")
            shell_run(con, "printf '%s' >/etc/default/grub.d/zz-test.cfg" % cfg, 30)
            step = "install/grub-install"
            rc, out = shell_run(con, "grub-install --target=i386-pc %s 2>&1" % root_dev, 300)
            res.check(step, rc == 0, "rc=%d: %s" % (rc, out.strip()[-600:]))
            step = "install/update-grub"
            rc, out = shell_run(con, "update-grub 2>&1", 300)
            found = re.findall(r"Found Petrel dom0 kernel: (\S+)", out)
            res.check(step, rc == 0 and bool(found), "rc=%d: %s" % (rc, out.strip()[-600:]),
                      "kernels: %s" % " ".join(found))
            step = "install/grub.cfg"
            rc, out = shell_run(con, "grep -E \"^(menuentry|submenu|\\s+menuentry)|multiboot2|"
                                "module2|^set default\" /boot/grub/grub.cfg", 30)
            entries = re.findall(r"menuentry '([^']*with Petrel hypervisor[^']*)'", out)
            ok = (rc == 0 and "Debian GNU/Linux, with Petrel hypervisor" in entries
                  and re.search(r"multiboot2\s+/boot/petrel ", out)
                  and re.search(r"module2\s+/boot/vmlinuz-\S+ root=UUID=%s" % uuid, out)
                  and re.search(r"module2\s+--nounzip\s+/boot/initrd.img-", out))
            res.check(step, bool(ok), "grub.cfg lacks the Petrel entries: %s" % out.strip(),
                      "%d entries" % len(entries))
            print("INFO grub.cfg:\n    " + "\n    ".join(out.strip().splitlines()), flush=True)
            step = "install/poweroff"
            con.send_line(POWEROFF)
            status = con.wait_exit(args.poweroff_timeout)
            res.check(step, status == 0, "QEMU exit status %d" % status)
        except ConsoleError as e:
            res.check(step, False, str(e))
        if res.failed:
            print("---- install: serial tail (full log %s) ----\n%s\n----" % (log, con.tail(40)))
    return res.failed == 0


def boot(args, res, img):
    argv = qemu_base(args.machine, args.disk, img) + ["-nic", "user,model=%s" % args.nic]
    log = os.path.join(args.work, "boot.log")
    step = "boot/petrel"
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(r"Petrel hypervisor", args.boot_timeout, fail=SHELL_FAILURE)
            con.expect(r"Memory map \(GRUB", 60, fail=SHELL_FAILURE)
            res.check(step, True, "", "GRUB started Petrel (multiboot2) after %.1fs"
                      % con.elapsed())
            step = "boot/login"
            con.expect(LOGIN, args.boot_timeout, fail=SHELL_FAILURE)
            t = con.elapsed()
            con.sync(attempts=10, timeout=20)
            shell_run(con, "dmesg -n 1", 30)
            res.check(step, True, "", "dom0's login prompt after %.1fs" % t)
            step = "boot/systemd"
            check_systemd(con, res, args.settle_timeout)
            step = "boot/xenstored"
            rc, out = shell_run(con, "systemctl is-active petrel-xenstored.service && "
                                "xenstore-read /local/domain/0/name && "
                                "xenstore-read /local/domain/0/control/feature-poweroff", 60)
            got = out.split()
            res.check(step, rc == 0 and got == ["active", "Domain-0", "1"],
                      "rc=%d, got %r (want active, Domain-0, 1)" % (rc, got),
                      "petrel-xenstored active, dom0 nodes present")
            step = "boot/poweroff"
            con.send_line(POWEROFF)
            status = con.wait_exit(args.poweroff_timeout)
            res.check(step, status == 0, "QEMU exit status %d" % status)
        except ConsoleError as e:
            res.check(step, False, str(e))
        if res.failed:
            print("---- boot: serial tail (full log %s) ----\n%s\n----" % (log, con.tail(60)))


def main():
    ap = argparse.ArgumentParser(description="petrel.deb in the Debian image, booted by GRUB")
    ap.add_argument("--deb", required=True)
    ap.add_argument("--image-dir", default=os.path.join(BUILD, "debian"))
    ap.add_argument("--work", default=os.path.join(BUILD, "installed", "grub"))
    ap.add_argument("--machine", default="pc")
    ap.add_argument("--disk", default="ide", choices=["ide", "ahci"],
                    help="the root disk (the package disk is virtio, /dev/vda)")
    ap.add_argument("--nic", default="e1000")
    ap.add_argument("--boot-timeout", type=float, default=900)
    ap.add_argument("--settle-timeout", type=int, default=300)
    ap.add_argument("--poweroff-timeout", type=float, default=180)
    args = ap.parse_args()
    res = Results("")
    res.cell = "grub-debian"
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    img = os.path.join(args.work, "disk.img")
    subprocess.run(["cp", "--sparse=always", os.path.join(args.image_dir, "disk.img"), img],
                   check=True)
    root_dev = "/dev/sda"
    if install(args, res, img, root_dev):
        boot(args, res, img)
    print("grub-debian: %d passed, %d failed" % (res.passed, res.failed))
    if res.failed == 0:
        os.remove(img)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
