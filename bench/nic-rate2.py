#!/usr/bin/env python3
"""dom0 to dom0 over the two machines of tests/system/migrate2_test.py.

    bench/nic-rate2.py --hv petrel|xen [--image IMAGE] [--log-dir DIR]

QEMU A and B (a virtio NIC each on a datagram network over 127.0.0.1) boot
the same hypervisor and dom0 image.  Dom0 A sends NIC_RATE_MIB MiB (8 by
default; busybox dd | nc) to nc -l on B, first on the NICs' own addresses,
then again with each NIC on its dom0's xenbr0 (as migrate2_dev_test.py puts
them).  For each: the seconds dom0 A's `time` gives, the NIC's interrupt
counts in both dom0s' /proc/interrupts before and after, and on Petrel the
hypercall counts of the transfer (`xl debug-keys P` / `p`, hcstats).
Nothing is judged: every figure is printed as a "PASS name: detail" line.
"""

import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import migrate2_test as m2  # noqa: E402

MIB = int(os.environ.get("NIC_RATE_MIB", "8"))
BRIDGE_ADDR = {"a": "192.168.77.1", "b": "192.168.77.2"}


def nic_irqs(h):
    _, out = h.sh("grep -E 'virtio0|virtio1|virtio2' /proc/interrupts")
    return sum(int(x) for l in out.splitlines() for x in l.split()[1:2] if x.isdigit())


def hcstats(h):
    _, out = h.sh("xl debug-keys p; xl dmesg | grep 'hcstats: hypercall' | tail -n 20")
    return " ".join(l.split("hcstats: ")[-1] for l in out.splitlines() if "hcstats" in l)


def retrans(h):
    """TCP segments h retransmitted so far (/proc/net/snmp)."""
    _, out = h.sh("awk '$1 == \"Tcp:\" && $13 ~ /^[0-9]+$/ { print $13 }' /proc/net/snmp")
    return int(out.split()[0]) if out.split() and out.split()[0].isdigit() else -1


def transfer(a, b, dst, res, name):
    irq0 = (nic_irqs(a), nic_irqs(b))
    rt0 = retrans(a)
    b.sh("(nc -l -p %d > /dev/null; echo received > /tmp/nc.done) & sleep 1" % m2.PORT)
    a.sh("xl debug-keys P")
    rc, out = a.sh("time sh -c 'dd if=/dev/zero bs=64k count=%d 2>/dev/null | nc %s %d'"
                   % (MIB * 16, dst, m2.PORT), 3600)
    stats = hcstats(a)
    irq1 = (nic_irqs(a), nic_irqs(b))
    res.ok(name, "%d MiB: %s; NIC interrupts A +%d, B +%d; A retransmitted %d segments; "
           "A's hypercalls: %s" % (MIB, " ".join(out.split()), irq1[0] - irq0[0],
                                   irq1[1] - irq0[1], retrans(a) - rt0, stats))


def plan_steps(a, b, args, res):
    for h in (a, b):
        h.sh("for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = %s ] && i=${n##*/}; done;"
             " ip addr add %s/24 dev $i && ip link set $i up" % (m2.MAC[h.name], h.addr))
        _, out = h.sh("grep -E 'virtio' /proc/interrupts")
        res.ok("irqs-" + h.name, " | ".join(" ".join(l.split()) for l in out.splitlines()))
    m2.check_net(a, b, res)
    transfer(a, b, b.addr, res, "plain")
    for h in (a, b):
        h.sh("for n in /sys/class/net/*; do [ \"$(cat $n/address)\" = %s ] && i=${n##*/}; "
             "done; ip addr flush dev $i; brctl addif xenbr0 $i && ip addr flush dev xenbr0 && "
             "ip addr add %s/24 dev xenbr0 && ip link set xenbr0 up"
             % (m2.MAC[h.name], BRIDGE_ADDR[h.name]))
    rc, out = a.sh("ping -c 3 -W 5 %s" % BRIDGE_ADDR["b"], 60)
    res.ok("bridge-net", out.strip().splitlines()[-1] if out.strip() else "rc %d" % rc)
    transfer(a, b, BRIDGE_ADDR["b"], res, "bridged")


PLAN = m2.Plan("nic-rate2", "dom0 to dom0 throughput over two QEMU machines",
               m2.machine_argv, plan_steps, None, None)

if __name__ == "__main__":
    sys.exit(m2.main(PLAN))
