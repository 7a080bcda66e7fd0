#!/usr/bin/env python3
"""TB exits of one benchmark iteration under QEMU's TCG, from a pathlen trace.

Usage: PATHLEN_TRACE=1 bench/pathlen.sh ... > trace.txt; bench/tbexits.py trace.txt

Reads the "PLTRACE pc kind bytes" lines and splits the path into translated
blocks at every branch. A conditional or direct branch to the page its block
starts in is chained by TCG; a ret, an indirect jump or call, a direct branch
to another page, syscall, sysret and iret end in a look-up of the next block
in QEMU's per-CPU jump cache. Prints the count of those look-ups (all, and
those into the hypervisor) and the looked-up addresses that share a
jump-cache entry (QEMU's tb_jmp_cache_hash_func: 4096 entries, 4 KiB pages).
"""
import collections
import sys

HYP_LO, HYP_HI = 0xFFFF800000000000, 0xFFFF880000000000
PREFIXES = (0x66, 0xF2, 0xF3, 0xF0, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65)


def jmp_cache_hash(pc):
    tmp = pc ^ (pc >> 6)
    return ((tmp >> 6) & 0xFC0) | (tmp & 0x3F)


def branch_kind(b):
    """'direct' (chainable), 'lookup' (always looked up) or None."""
    i = 0
    while i < len(b) and b[i] in PREFIXES:
        i += 1
    if i < len(b) and 0x40 <= b[i] <= 0x4F:
        i += 1
    op = b[i:]
    if not op:
        return None
    if op[0] in (0xE8, 0xE9, 0xEB, 0xE3) or 0x70 <= op[0] <= 0x7F:
        return "direct"
    if op[0] in (0xC3, 0xC2, 0xCF):
        return "lookup"
    if op[0] == 0x0F and len(op) > 1:
        if 0x80 <= op[1] <= 0x8F:
            return "direct"
        if op[1] in (0x05, 0x07):
            return "lookup"
    if op[0] == 0xFF and len(op) > 1 and ((op[1] >> 3) & 7) in (2, 3, 4, 5):
        return "lookup"
    return None


def main(path):
    trace = []
    for line in open(path, errors="replace"):
        if line.startswith("PLTRACE "):
            f = line.split()
            trace.append((int(f[1], 16), bytes.fromhex(f[-1])))
    if not trace:
        sys.exit("tbexits: no PLTRACE lines in " + path)
    start, lookups = trace[0][0], []
    for n, (pc, b) in enumerate(trace):
        kind = branch_kind(b)
        if not kind:
            continue
        nxt = trace[(n + 1) % len(trace)][0]
        if kind == "lookup" or nxt >> 12 != start >> 12:
            lookups.append(nxt)
        start = nxt
    shared = collections.defaultdict(set)
    for t in lookups:
        shared[jmp_cache_hash(t)].add(t)
    pairs = [sorted(s) for s in shared.values() if len(s) > 1]
    print("TBEXITS instructions=%d lookups=%d hyp_lookups=%d shared_entries=%d" % (
        len(trace), len(lookups), sum(HYP_LO <= t < HYP_HI for t in lookups), len(pairs)))
    for s in pairs:
        print("  shared: " + " ".join("%#x" % t for t in s))


if __name__ == "__main__":
    main(sys.argv[1])
