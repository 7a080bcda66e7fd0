#!/usr/bin/env python3
"""dom0's NIC throughput: Petrel against Debian's Xen 4.17 on the same QEMU.

    bench/nic-rate.py [--hv petrel,xen] [--mib N] [--nic virtio-net-pci]
                      [--kernel-dir DIR] [--boot-timeout S]

One QEMU at a time boots the hypervisor with the dom0 image (build/dom0) and
a NIC (virtio-net-pci by default, on MSI-X; --nic virtio-net-pci,vectors=0
puts it on its IO-APIC line, level-triggered) on QEMU's user-mode network.
dom0 sends N MiB (busybox dd | nc) to a TCP receiver of this script on the
host (10.0.2.2 in dom0), then receives N MiB from it (nc -l behind a
hostfwd).  For each direction: the rate and dom0's `time`, and the NIC's
lines of dom0's /proc/interrupts (their chip column is the interrupt kind)
before and after.  Nothing is judged; the figures go to stdout.
"""

import argparse
import os
import re
import socket
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import hvboot  # noqa: E402
from dom0_system_test import shell_run  # noqa: E402
from serialconsole import ConsoleError, SerialConsole  # noqa: E402

GUEST_PORT = 5001
MAC = "52:54:00:12:34:99"


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Receiver(threading.Thread):
    """Accepts one connection on 127.0.0.1:port and counts its bytes."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", port))
        self.srv.listen(1)
        self.nbytes, self.first, self.last = 0, None, None

    def run(self):
        conn, _ = self.srv.accept()
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
            self.nbytes += len(b)
        conn.close()
        self.srv.close()


def connect(port, timeout):
    """A connection to the guest's listener through the hostfwd, once it
    takes one (QEMU accepts at once and resets when nobody listens)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.settimeout(timeout)
            s.send(b"\0")
            time.sleep(1)
            s.send(b"\0")
            return s
        except OSError:
            time.sleep(1)
    return None


def send_to(port, nbytes, timeout):
    """Send nbytes to the guest's listener through the hostfwd; seconds."""
    s = connect(port, timeout)
    if not s:
        return -1.0
    buf = b"\0" * (1 << 16)
    t0 = time.monotonic()
    sent = 2
    while sent < nbytes:
        sent += s.send(buf[:min(len(buf), nbytes - sent)])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # the guest's nc closes after the last byte
    s.close()
    return time.monotonic() - t0


def nic_irqs(con):
    """The /proc/interrupts lines of the NIC (virtio or e1000 / eth)."""
    _, out = shell_run(con, "grep -E 'virtio|eth[0-9]|enp[0-9]' /proc/interrupts")
    return [l.strip() for l in out.splitlines() if l.strip()]


def irq_total(lines):
    total = 0
    for l in lines:
        f = l.split()
        total += sum(int(x) for x in f[1:] if x.isdigit())
    return total


def measure(args, hv):
    hostport = free_tcp_port()
    fwdport = free_tcp_port()
    nic = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d" % (fwdport, GUEST_PORT),
           "-device", "%s,netdev=n0,mac=%s" % (args.nic, MAC)]
    argv = hvboot.qemu_argv(hv, args.kernel, args.initrd, extra=nic)
    log = os.path.join(args.log_dir, "%s-nic-rate.log" % hv)
    con = SerialConsole(argv, log_path=log)
    try:
        con.expect(re.escape(hvboot.MARKER), args.boot_timeout, fail=hvboot.BOOT_FAILURE)
        con.sync()
        shell_run(con, "for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = %s ] && "
                  "i=${n##*/}; done; ip addr add 10.0.2.15/24 dev $i && ip link set $i up"
                  % MAC)
        _, pci = shell_run(con, "lspci 2>/dev/null | grep -i -E 'eth|net' || "
                           "cat /sys/class/net/eth*/device/uevent")
        print("%s: NIC %s" % (hv, pci.strip()))
        shell_run(con, "sleep 2")
        before = nic_irqs(con)
        print("%s: interrupts before: %r" % (hv, before))
        recv = Receiver(hostport)
        recv.start()
        nblk = args.mib * 16
        rc, out = shell_run(con, "time sh -c 'dd if=/dev/zero bs=64k count=%d 2>/dev/null | "
                            "nc 10.0.2.2 %d'" % (nblk, hostport), args.cmd_timeout)
        recv.join(30)
        mid = nic_irqs(con)
        span = (recv.last - recv.first) if recv.first and recv.last else 0
        print("%s: send: %d bytes in %.1f s (%.2f MiB/s); dom0: %s" %
              (hv, recv.nbytes, span, recv.nbytes / 1048576.0 / span if span else 0,
               " ".join(out.split())))
        print("%s: interrupts after send: %r (+%d)" % (hv, mid, irq_total(mid) -
                                                        irq_total(before)))
        con.send_line("nc -l -p %d > /dev/null; echo RECV-DONE" % GUEST_PORT)
        took = send_to(fwdport, args.mib << 20, args.cmd_timeout)
        con.expect("RECV-DONE", args.cmd_timeout)
        con.sync()
        after = nic_irqs(con)
        print("%s: receive: %d MiB in %.1f s (%.2f MiB/s)" %
              (hv, args.mib, took, args.mib / took if took > 0 else 0))
        print("%s: interrupts after receive: %r (+%d)" % (hv, after, irq_total(after) -
                                                           irq_total(mid)))
        con.send_line("poweroff")
        con.wait_exit(120)
    except ConsoleError as e:
        print("%s: %s\n%s" % (hv, e, con.tail(30)))
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description="dom0 NIC throughput")
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--nic", default="virtio-net-pci")
    ap.add_argument("--kernel-dir", default=os.path.join(hvboot.BUILD, "dom0"))
    ap.add_argument("--log-dir", default=os.path.join(hvboot.BUILD, "bench", "nic-rate"))
    ap.add_argument("--boot-timeout", type=float, default=600)
    ap.add_argument("--cmd-timeout", type=float, default=600)
    args = ap.parse_args()
    args.kernel, args.initrd = hvboot.default_dom0(args.kernel_dir)
    os.makedirs(args.log_dir, exist_ok=True)
    for hv in args.hv.split(","):
        measure(args, hv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
