"""Reading a dom0 boot's profile from Petrel's serial console.

With the hypervisor option `hcstats` Petrel counts calls and TSC cycles per
hypercall, trap vector, page-fault outcome, emulated privileged instruction
(and the other hcstats kinds)
from boot; debug key 'p' (`xl debug-keys p` in dom0) prints them as
"(XEN) hcstats: KIND OP COUNT CYCLES CYCLES/CALL" lines. This module turns
those lines, the TSC frequency Petrel prints at boot and its dom0-build
lines into a summary: seconds in Petrel by kind and the costliest rows.

What the counters measure: a hypercall from its handler's start to its
end, a trap from its entry to just before the return to the guest (the
page-fault rows are inside trap 14, the emulated instructions inside trap
13, the timer rows inside the hypercalls
and interrupts that run them). A multicall counts as a whole and each entry
again under its own number, so the hypercall total leaves the multicall
row out. Entry and exit paths outside those spans are not counted: the
totals are a lower bound of the time in Petrel.
"""

import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XEN_H = os.path.join(TOP, "include", "public", "xen.h")

HCSTATS_LINE = re.compile(r"hcstats: ([a-z_]+) (\d+) (\d+) (\d+) \d+\s*$", re.M)
TSC_LINE = re.compile(r"Detected (\d+\.\d+) MHz processor")
DECOMP_LINE = re.compile(r"Dom0 kernel: bzImage with (\w+) payload, (\d+) -> (\d+) bytes in (\d+) ms")
BUILT_LINE = re.compile(r"Dom0 built in (\d+) ms")

MULTICALL = 13
TRAP_NAMES = {0: "#DE", 1: "#DB", 3: "#BP", 6: "#UD (emulated invalid op)", 7: "#NM",
              13: "#GP (emulated privileged op)", 14: "#PF", 0xf0: "LAPIC timer",
              0xf1: "event-check IPI", 0xff: "spurious"}
PF_NAMES = {0: "bounced without the lock", 1: "shadow", 2: "page-table write (ptwr) or ro MMIO",
            3: "bounced under the lock"}
TIMER_NAMES = {0: "LAPIC timer write", 1: "timer functions"}
EMUL_NAMES = {0x6c: "insb", 0x6d: "ins", 0x6e: "outsb", 0x6f: "outs", 0xe4: "in al,imm8",
              0xe5: "in imm8", 0xe6: "out imm8,al", 0xe7: "out imm8", 0xec: "in al,dx",
              0xed: "in dx", 0xee: "out dx,al", 0xef: "out dx", 0xf4: "hlt", 0xfa: "cli",
              0xfb: "sti"}
EMUL_0F_NAMES = {0x01: "group 7 (lgdt/lidt/xsetbv/...)", 0x06: "clts", 0x08: "invd",
                 0x09: "wbinvd", 0x20: "mov from cr", 0x21: "mov from dr", 0x22: "mov to cr",
                 0x23: "mov to dr", 0x30: "wrmsr", 0x31: "rdtsc", 0x32: "rdmsr", 0x33: "rdpmc",
                 0xa2: "cpuid"}


def hypercall_names(path=XEN_H):
    """{number: name} from Xen's public header (the project's copy)."""
    names = {}
    with open(path) as f:
        for m in re.finditer(r"^#define __HYPERVISOR_(\w+)\s+(\d+)", f.read(), re.M):
            names.setdefault(int(m.group(2)), m.group(1))
    return names


def parse_hcstats(text):
    """[(kind, op, count, cycles)] of the last table printed in text."""
    last = text.rfind("hcstats: kind op count cycles")
    if last < 0:
        return []
    return [(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
            for m in HCSTATS_LINE.finditer(text, last)]


def tsc_mhz(text):
    m = TSC_LINE.search(text)
    return float(m.group(1)) if m else None


def dom0_build(text):
    """{"format", "packed", "unpacked", "decompress_ms", "build_ms"} from the log (missing: absent)."""
    out = {}
    m = DECOMP_LINE.search(text)
    if m:
        out.update(format=m.group(1), packed=int(m.group(2)), unpacked=int(m.group(3)),
                   decompress_ms=int(m.group(4)))
    m = BUILT_LINE.search(text)
    if m:
        out["build_ms"] = int(m.group(1))
    return out


def row_name(kind, op, hnames):
    if kind == "hypercall":
        return "hypercall %s" % hnames.get(op, op)
    if kind == "trap":
        if op in TRAP_NAMES:
            return "trap %s" % TRAP_NAMES[op]
        return "trap vector %d%s" % (op, " (device interrupt)" if 0x30 <= op <= 0xdf else "")
    if kind == "pagefault":
        return "pagefault %s" % PF_NAMES.get(op, op)
    if kind == "emul":
        return "emulated %s" % EMUL_NAMES.get(op, "opcode %#04x" % op)
    if kind == "emul_0f":
        return "emulated %s" % EMUL_0F_NAMES.get(op, "opcode 0f %02x" % op)
    if kind == "timer":
        return "timer %s" % TIMER_NAMES.get(op, op)
    return "%s %d" % (kind, op)


def totals(rows):
    """Cycles in Petrel: {"hypercalls", "traps", "all"} (see the module's note)."""
    hc = sum(c for k, op, n, c in rows if k == "hypercall" and op != MULTICALL)
    tr = sum(c for k, op, n, c in rows if k == "trap")
    return {"hypercalls": hc, "traps": tr, "all": hc + tr}


def summary(text, top=15, hnames=None):
    """The profile's report lines, or a line saying why there is none."""
    rows = parse_hcstats(text)
    mhz = tsc_mhz(text)
    if not rows or not mhz:
        return ["profile: no hcstats table%s in the log" % ("" if mhz else " or TSC frequency")]
    hnames = hnames if hnames is not None else hypercall_names()
    hz = mhz * 1e6
    t = totals(rows)
    out = []
    b = dom0_build(text)
    if b:
        out.append("profile: dom0 build %s ms, of which %s decompression %s ms (%s -> %s bytes)"
                   % (b.get("build_ms", "?"), b.get("format", "?"), b.get("decompress_ms", "?"),
                      b.get("packed", "?"), b.get("unpacked", "?")))
    out.append("profile: in Petrel %.2f s: hypercalls %.2f s, traps and interrupts %.2f s "
               "(TSC %.0f MHz; a lower bound)" % (t["all"] / hz, t["hypercalls"] / hz,
                                                   t["traps"] / hz, mhz))
    out.append("profile: %-48s %10s %8s %10s" % ("row", "count", "s", "cycles/op"))
    for kind, op, n, c in sorted(rows, key=lambda r: -r[3])[:top]:
        out.append("profile: %-48s %10d %8.3f %10d" % (row_name(kind, op, hnames), n, c / hz,
                                                       c // n))
    return out
