#!/usr/bin/env python3
"""Dom0 on machines of many shapes, on Petrel and on Debian's Xen 4.17.

    shapes.py [--set slice|pairwise|full] [--hv petrel,xen] [--jobs 2]
              [--only CELL,...] [--out DIR] [--timeout SECS] [--list]

A cell is one machine: QEMU machine type (pc, q35), RAM (2G ... 16G), the
hypervisor's dom0_mem (512M ... 4G, or none: the hypervisor's default),
-cpu model, firmware: bios (the hypervisor as a multiboot -kernel) or
uefi (OVMF starting petrel.efi, or Debian's xen.efi, from an ESP), and the
CPUs: smpN is QEMU's -smp N (multi-threaded TCG above 1), with the
hypervisor options maxcpus=M or nosmp where the value says so.  Each
cell boots Debian's 6.1 dom0 kernel (unpacked, build/dom0/vmlinux) with the
smallest initramfs that reaches the Xen part of dom0 (tests/system/shapes/
init: the Xen modules, xenfs, /proc/xen/capabilities, dmesg).

A boot passes when the initramfs reports SHAPE-DONE, control_d, no module or
xenfs failure, and a dmesg without Xen-interface complaints (the same
patterns as dom0_system_test.py's dmesg-clean), and the hypervisor's log
says it brought up every CPU it was allowed ("SMP: K of N CPUs online" on
Petrel, "Brought up K CPUs" on Xen).  Every cell has a virtio disk without
MSI-X, which dom0 reads: its interrupt must arrive on an IO-APIC pin that
Linux routed from ACPI's _PRT (under UEFI, with the RSDP found through
XENPF_firmware_info's EFI configuration table).  A cell passes when every
hypervisor passes it, Linux counts the same RAM (within 2% or 16 MiB) on
each, and dom0 was given the same memory (MemTotal within 1% or 16 MiB), so
dom0_mem's defaults and clamping are compared too.

Sets: slice (in `make test`) takes every value of every axis at least once
(of the CPUs axis only smp1 and smp2-nosmp, see SLICE),
with the pairs where the bugs of machine shape live (RAM above 4 GiB with
BIOS and UEFI, dom0_mem above the RAM below 4 GiB, above all RAM, and none);
pairwise covers every pair of values of any two axes; full is the whole
cross product.  Prints a table; exits non-zero if any cell failed.
"""

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dom0_system_test import DMESG_XEN_TROUBLE  # noqa: E402
from hvboot import BOOT_FAILURE  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
AXES = {
    "machine": ["pc", "q35"],
    "mem": ["2G", "3G", "4G", "8G", "16G"],
    "dom0_mem": ["512M", "1G", "2G", "4G", "none"],
    "cpu": ["qemu64", "EPYC", "Skylake-Server", "max"],
    "fw": ["bios", "uefi"],
    "smp": ["smp1", "smp4", "smp4-maxcpus2", "smp2-nosmp"],
}
AXIS_ORDER = ["machine", "mem", "dom0_mem", "cpu", "fw", "smp"]

# The slice: every value of every axis (but the CPUs'), and the shapes that matter most.
# The CPUs axis in the slice: nosmp on a two-CPU machine. Boots with several
# CPUs running (smp4, smp4-maxcpus2) took over 300 s on both hypervisors
# under multi-threaded TCG on the loaded 2-core machine, so they are left to
# the pairwise and full sets (900 s a boot); the guest tests with TEST_SMP
# and make test-system-smp cover several running CPUs in less time.
SLICE = [
    ("q35", "4G", "1G", "EPYC", "bios", "smp1"),  # ACPI tables below the RAM top
    ("q35", "3G", "2G", "Skylake-Server", "bios", "smp1"),  # dom0_mem above the RAM below 4 GiB
    ("pc", "2G", "4G", "max", "bios", "smp2-nosmp"),  # dom0_mem above all RAM: clamped
    ("pc", "3G", "none", "qemu64", "uefi", "smp1"),  # the hypervisor's default
    ("q35", "16G", "512M", "max", "uefi", "smp1"),  # most RAM free above 4 GiB: swiotlb
    ("q35", "8G", "1G", "qemu64", "uefi", "smp1"),
    ("q35", "2G", "none", "max", "uefi", "smp1"),  # the default dom0 size under UEFI
]

HV_CMDLINE = "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot"
# Xen 4.17 alone gets cpuidle=0: once dom0 uploads the ACPI C-states, Xen
# idles its CPUs with MWAIT, which QEMU's TCG does not model for -cpu EPYC
# (a general protection fault on an AP panics Xen); without cpuidle Xen
# halts, as it does on hardware without C-state data.
XEN_ONLY_OPTS = ["cpuidle=0"]
DOM0_CMDLINE = "console=hvc0 earlyprintk=xen"
DONE = "SHAPE-DONE"
OVMF = ["/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF.fd"]
# A virtio disk (QEMU's null driver) without MSI-X vectors: its interrupt is
# the slot's INTx line, which dom0 can only route to an IO-APIC pin from
# ACPI's _PRT (with the RSDP found from the EFI configuration table under
# UEFI, by scanning low memory under BIOS).
DISK = ["-blockdev", "driver=null-co,node-name=shape0,size=16777216,read-zeroes=on",
        "-device", "virtio-blk-pci,drive=shape0,vectors=0"]
# dmesg lines that match DMESG_XEN_TROUBLE but are about the CPU model, not
# a Xen interface: Linux's notes on CPU vulnerabilities and their
# mitigations (EPYC's SRSO, Skylake's RETBleed).
NOT_XEN = re.compile(r"\] [\w ]+: WARNING: .*([Mm]itigation|vulnerable|hw-vuln)")


def cell_name(cell):
    return "-".join(cell)


def pairwise(axes):
    """A covering array: every pair of values of any two axes, greedily."""
    names = AXIS_ORDER
    todo = set()
    for a, b in itertools.combinations(range(len(names)), 2):
        for va in axes[names[a]]:
            for vb in axes[names[b]]:
                todo.add((a, va, b, vb))
    cells = []
    every = list(itertools.product(*(axes[n] for n in names)))
    while todo:
        best, best_n = None, -1
        for c in every:
            n = sum((a, c[a], b, c[b]) in todo
                    for a, b in itertools.combinations(range(len(names)), 2))
            if n > best_n:
                best, best_n = c, n
        cells.append(best)
        for a, b in itertools.combinations(range(len(names)), 2):
            todo.discard((a, best[a], b, best[b]))
    return cells


def cells_of(which):
    if which == "slice":
        return list(SLICE)
    if which == "pairwise":
        return pairwise(AXES)
    return list(itertools.product(*(AXES[n] for n in AXIS_ORDER)))


def images(hv):
    """(multiboot image, EFI image, name of its config file on the ESP)."""
    if hv == "petrel":
        return (os.path.join(BUILD, "xen", "petrel"), os.path.join(BUILD, "xen", "petrel.efi"),
                "petrel.cfg")
    # xen.efi reads the .cfg named like itself.
    return (os.path.join(BUILD, "xen-ref", "xen-4.17-amd64"),
            os.path.join(BUILD, "xen-ref", "root", "boot", "xen-4.17-amd64.efi"), "BOOTX64.cfg")


def place(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def smp_of(value):
    """(QEMU's CPU count, hypervisor options, CPUs the hypervisor should bring up).
    dom0 keeps one vCPU on both hypervisors (Petrel's dom0 has one anyway)."""
    parts = value.split("-")
    n = int(parts[0][len("smp"):])
    opts, up = ["dom0_max_vcpus=1"] if n > 1 else [], n
    for p in parts[1:]:
        if p == "nosmp":
            opts.append("nosmp")
            up = 1
        elif p.startswith("maxcpus"):
            m = int(p[len("maxcpus"):])
            opts.append("maxcpus=%d" % m)
            up = min(up, m)
    return n, opts, up


def qemu_argv(hv, cell, log, esp, kernel, initrd):
    machine, mem, dom0_mem, cpu, fw, smp = cell
    ncpus, hv_opts, _ = smp_of(smp)
    cmdline = " ".join([HV_CMDLINE] + hv_opts + (XEN_ONLY_OPTS if hv == "xen" else []) +
                       ([] if dom0_mem == "none" else ["dom0_mem=" + dom0_mem]))
    argv = ["qemu-system-x86_64", "-machine", machine, "-m", mem, "-cpu", cpu,
            "-smp", str(ncpus), "-display", "none", "-monitor", "none", "-nic", "none",
            "-no-reboot", "-serial", "file:" + log]
    if ncpus > 1:
        argv += ["-accel", "tcg,thread=multi"]
    argv += DISK
    mb, efi, cfg = images(hv)
    if fw == "bios":
        return argv + ["-kernel", mb, "-append", cmdline,
                       "-initrd", "%s %s,%s" % (kernel, DOM0_CMDLINE, initrd)]
    boot = os.path.join(esp, "EFI", "BOOT")
    os.makedirs(boot)
    place(efi, os.path.join(boot, "BOOTX64.EFI"))
    place(kernel, os.path.join(boot, "vmlinux"))
    place(initrd, os.path.join(boot, "initrd"))
    with open(os.path.join(boot, cfg), "w") as f:
        f.write("[global]\ndefault=dom0\n\n[dom0]\noptions=%s\nkernel=vmlinux %s\n"
                "ramdisk=initrd\n" % (cmdline, DOM0_CMDLINE))
    ovmf = next((p for p in OVMF if os.path.isfile(p)), None)
    if not ovmf:
        raise FileNotFoundError("OVMF not found (apt-get install ovmf)")
    return argv + ["-bios", ovmf, "-drive", "format=raw,file=fat:rw:" + esp]


def cpus_up(text):
    """How many CPUs the hypervisor says it brought up (Petrel's or Xen's words)."""
    m = re.search(r"SMP: (\d+) of \d+ CPUs online", text) or \
        re.search(r"Brought up (\d+) CPUs", text)
    return int(m.group(1)) if m else None


def intx_delivered(text):
    """True if the virtio disk's interrupt arrived on an IO-APIC pin."""
    for line in re.findall(r"^SHAPE-IRQ (.*)$", text, re.M):
        fields = line.split(":", 1)[-1].split()
        counts = list(itertools.takewhile(str.isdigit, fields))
        if "ioapic" in line and sum(map(int, counts)) > 0:
            return True
    return False


def judge(text, want_cpus=1):
    """(ok, why, dom0 MiB) from one boot's serial log: the MiB Linux counts
    as its RAM (populated plus the balloon space it may grow into)."""
    m = re.search(r"Memory: \d+K/(\d+)K available", text)
    mib = int(m.group(1)) // 1024 if m else None
    up = cpus_up(text)
    if up != want_cpus:
        return False, "%s CPUs brought up, %d expected" % (up, want_cpus), mib
    if DONE not in text:
        fail = re.search(BOOT_FAILURE, text, re.M)
        return False, fail.group(0).strip() if fail else "no %s" % DONE, mib
    failed = re.findall(r"^SHAPE-FAILED .*", text, re.M)
    if failed:
        return False, failed[0], mib
    caps = re.search(r"^SHAPE-CAPS (.*)$", text, re.M)
    if not caps or caps.group(1).strip() != "control_d":
        return False, "capabilities %r" % (caps.group(1) if caps else None), mib
    if not intx_delivered(text):
        irq = re.findall(r"^SHAPE-IRQ (.*)$", text, re.M)
        return False, "no virtio INTx through the IO-APIC: %r" % irq[:2], mib
    dmesg = text.split("SHAPE-DMESG-BEGIN", 1)[-1].split("SHAPE-DMESG-END", 1)[0]
    bad = [l.strip() for l in dmesg.splitlines()
           if DMESG_XEN_TROUBLE.search(l) and not NOT_XEN.search(l)]
    if bad:
        return False, "dmesg: %s" % bad[0][:90], mib
    return True, "", mib


def populated_mib(text):
    """MemTotal: the memory dom0 was given, less what Linux keeps for itself."""
    m = re.search(r"^SHAPE-MEMTOTAL (\d+)", text, re.M)
    return int(m.group(1)) // 1024 if m else None


def boot(hv, cell, out, kernel, initrd, timeout):
    name = "%s-%s" % (hv, cell_name(cell))
    log = os.path.join(out, name + ".log")
    esp = tempfile.mkdtemp(prefix="esp-", dir=out)
    open(log, "w").close()
    start = time.time()
    try:
        argv = qemu_argv(hv, cell, log, esp, kernel, initrd)
        with open(log + ".qemu", "w") as q:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=q, stderr=q)
        fail_re = re.compile(BOOT_FAILURE, re.M)
        while proc.poll() is None and time.time() - start < timeout:
            time.sleep(1)
            with open(log, errors="replace") as f:
                text = f.read()
            if DONE in text or fail_re.search(text):
                time.sleep(2)  # the rest of the report, or of the panic
                break
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(esp, ignore_errors=True)
    with open(log, errors="replace") as f:
        text = f.read()
    ok, why, mib = judge(text, smp_of(cell[5])[2])
    if not ok and time.time() - start >= timeout:
        why = "timeout after %d s (%s)" % (timeout, why)
    return ok, why, mib, int(time.time() - start), populated_mib(text)


def same_memory(mibs):
    mibs = [m for m in mibs if m is not None]
    return len(mibs) < 2 or max(mibs) - min(mibs) <= max(16, min(mibs) // 50)


def same_total(mibs):
    """MemTotal within 16 MiB or 1%: what the hypervisors' own footprints
    (frame tables, Petrel's p2m array outside dom0 and its 4 MiB headroom,
    Xen's image and heap) change in the memory both size dom0 from."""
    if None in mibs:
        return False
    return len(mibs) < 2 or max(mibs) - min(mibs) <= max(16, max(mibs) // 100)


# Xen 4.17's own limits, seen only where dom0_mem asks for all of the
# machine's RAM or more: Xen then gives dom0 so much that it has no memory
# left for dom0's root page table (UEFI) or for swiotlb-xen's exchange below
# 4 GiB.  Petrel keeps headroom for both (docs/dom0.md).  A cell where Xen
# fails with one of these, and only there, is judged on the others alone
# and marked in the table.
XEN_LIMITS = [r"Error -12 setting up PV root page table",
              r"swiotlb_memblock_alloc: Failed to remap"]


def mib_of(size):
    return int(size[:-1]) * (1024 if size.endswith("G") else 1)


def xen_limit(hv, cell, log):
    """The Xen 4.17 limit a failed boot of @cell hit, or None."""
    mem, dom0_mem = cell[1], cell[2]
    if hv != "xen" or dom0_mem == "none" or mib_of(dom0_mem) < mib_of(mem):
        return None
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return next((pat for pat in XEN_LIMITS if re.search(pat, text)), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=["slice", "pairwise", "full"], default="slice")
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated cell names")
    ap.add_argument("--out", default=os.path.join(BUILD, "shapes", "logs"))
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--kernel", default=os.path.join(BUILD, "dom0", "vmlinux"))
    ap.add_argument("--initrd", default=os.path.join(BUILD, "shapes", "initramfs.cpio.gz"))
    ap.add_argument("--list", action="store_true", help="print the cells and stop")
    args = ap.parse_args()

    cells = cells_of(args.set)
    if args.only:
        wanted = args.only.split(",")
        cells = [c for c in cells_of("full") if cell_name(c) in wanted]
        if len(cells) != len(wanted):
            ap.error("unknown cell in --only (names look like %s)" % cell_name(SLICE[0]))
    if args.list:
        for c in cells:
            print(cell_name(c))
        print("%d cells" % len(cells))
        return 0
    hvs = args.hv.split(",")
    for hv in hvs:
        for path in images(hv)[:2] + (args.kernel, args.initrd):
            if not os.path.isfile(path):
                print("shapes: %s does not exist" % path)
                return 2
    os.makedirs(args.out, exist_ok=True)
    lock = threading.Lock()
    results = {}

    def run(job):
        hv, cell = job
        r = boot(hv, cell, args.out, args.kernel, args.initrd, args.timeout)
        with lock:
            results[job] = r
            print("  %-6s %-34s %s (%d s)%s" % (hv, cell_name(cell), "ok" if r[0] else "FAIL",
                                                r[3], "" if r[0] else ": " + r[1]), flush=True)

    print("shapes: %d cells x %s, %d at a time" % (len(cells), "+".join(hvs), args.jobs),
          flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, [(hv, c) for c in cells for hv in hvs]))

    width = max([len(cell_name(c)) for c in cells] + [len("(machine-RAM-dom0_mem-cpu-fw-smp)")])
    print("\n%-*s  %s  %s" % (width, "cell", "  ".join("%-22s" % hv for hv in hvs), "verdict"))
    print("%-*s  %s" % (width, "(machine-RAM-dom0_mem-cpu-fw-smp)",
                        "  ".join("%-22s" % "RAM MiB / MemTotal" for hv in hvs)))
    failed = 0
    limits = {}
    for c in cells:
        for hv in hvs:
            if not results[(hv, c)][0]:
                lim = xen_limit(hv, c, os.path.join(args.out, "%s-%s.log" % (hv, cell_name(c))))
                if lim:
                    limits[(hv, c)] = lim
        rs = [results[(hv, c)] for hv in hvs]
        judged = [results[(hv, c)] for hv in hvs if (hv, c) not in limits]
        ok = (bool(judged) and all(r[0] for r in judged) and
              same_memory([r[2] for r in judged]) and same_total([r[4] for r in judged]))
        failed += not ok
        cols = "  ".join("%-22s" % ("%s %s / %s" % ("boots" if r[0] else
                                                    "LIMIT" if (hv, c) in limits else "FAIL",
                                                    "?" if r[2] is None else r[2],
                                                    "?" if r[4] is None else r[4]))
                         for hv, r in zip(hvs, rs))
        print("%-*s  %s  %s" % (width, cell_name(c), cols, "PASS" if ok else "FAIL"))
    for (hv, c), lim in sorted(limits.items(), key=lambda kv: cell_name(kv[0][1])):
        print("LIMIT %s on %s: Xen 4.17's own limit with dom0_mem >= RAM (%s); judged on %s" %
              (cell_name(c), hv, lim, "+".join(h for h in hvs if h != hv)))
    for c in cells:
        for hv in hvs:
            r = results[(hv, c)]
            if not r[0] and (hv, c) not in limits:
                print("FAIL %s on %s: %s (log %s)" % (cell_name(c), hv, r[1],
                      os.path.join(args.out, "%s-%s.log" % (hv, cell_name(c)))))
    print("shapes: %d passed, %d failed" % (len(cells) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
