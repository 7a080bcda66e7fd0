#!/usr/bin/env python3
"""Installed-Debian dom0 benchmark: Debian's Xen 4.17 against Petrel.

    bench/installed-boot.py [--cell MACHINE/DISK/NIC/FIRMWARE] [--boot-timeout S]

One run of each hypervisor, one QEMU at a time, on the same QEMU command line
and the same image (tests/installed: build/debian, the disk opened with
-snapshot); only the hypervisor differs.  Figures:
  boot   seconds from QEMU's start to the autologin prompt on hvc0
  disk   dom0 reading 256 MiB from the root disk with O_DIRECT
         (dd if=/dev/vda bs=1M count=256 iflag=direct), MB/s as dd reports
Prints each figure, then the ratios petrel/xen (boot: lower is better,
goal <= 0.9; disk: higher is better, goal >= 1.0).  A hypervisor whose
dom0 does not reach the prompt gets the reason in place of its figures.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "installed"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))
import installed_test as it  # noqa: E402
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

DD = "dd if=/dev/%s of=/dev/null bs=1M count=256 iflag=direct 2>&1"


def dd_rate(out):
    """bytes/s from dd's summary line."""
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", out)
    if not m or float(m.group(2)) <= 0:
        return None
    return int(m.group(1)) / float(m.group(2))


def one(hv, args):
    cell = "%s/%s" % (hv, args.cell)
    disk = args.cell.split("/")[1]
    dev = "vda" if disk == "virtio" else "sda"
    workdir = os.path.join(args.log_dir, "bench-" + hv)
    os.makedirs(workdir, exist_ok=True)
    argv = it.qemu_argv(cell, args, workdir)
    log = os.path.join(args.log_dir, "bench-%s.log" % hv)
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(it.LOGIN, args.boot_timeout, fail=it.SHELL_FAILURE)
            boot = con.elapsed()
            con.sync(attempts=10, timeout=20)
            it.shell_run(con, "dmesg -n 1", 30)
            # let the boot's own jobs finish so that dd does not share the CPU with them
            it.shell_run(con, "timeout 300 systemctl is-system-running --wait", 330)
            rc, out = it.shell_run(con, DD % dev, 600)
            rate = dd_rate(out) if rc == 0 else None
            con.send_line(it.POWEROFF)
            try:
                con.wait_exit(args.poweroff_timeout)
            except ConsoleError:
                pass
            if rate is None:
                return boot, None, "dd failed (rc=%d): %s" % (rc, out.strip()[-200:])
            return boot, rate, ""
        except ConsoleError as e:
            return None, None, "no login prompt: %s (log %s)" % (e, log)


def main():
    ap = argparse.ArgumentParser(description="installed-Debian boot and disk benchmark")
    ap.add_argument("--cell", default="q35/virtio/virtio/bios")
    ap.add_argument("--image-dir", default=it.IMAGE_DIR)
    ap.add_argument("--petrel", default=os.path.join(it.BUILD, "xen", "petrel"))
    ap.add_argument("--petrel-efi", default=it.EFI_IMAGES["petrel"])
    ap.add_argument("--log-dir", default=os.path.join(it.BUILD, "bench", "installed"))
    ap.add_argument("--boot-timeout", type=float, default=900)
    ap.add_argument("--poweroff-timeout", type=float, default=180)
    args = ap.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    print("cell %s, image %s, one run each, one QEMU at a time" % (args.cell, args.image_dir))
    res = {}
    for hv in ("xen", "petrel"):
        boot, rate, why = one(hv, args)
        res[hv] = (boot, rate)
        print("%-7s boot to login prompt: %s   disk read: %s%s" % (
            hv, "%.1f s" % boot if boot else "-",
            "%.1f MB/s" % (rate / 1e6) if rate else "-", ("   (%s)" % why) if why else ""),
            flush=True)
    (xb, xr), (pb, pr) = res["xen"], res["petrel"]
    print("ratio petrel/xen: boot %s (goal <= 0.9), disk read %s (goal >= 1.0)" % (
        "%.2fx" % (pb / xb) if xb and pb else "n/a",
        "%.2fx" % (pr / xr) if xr and pr else "n/a"))
    return 0 if xb and pb else 1


if __name__ == "__main__":
    sys.exit(main())
