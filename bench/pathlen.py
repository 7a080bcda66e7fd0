# gdb script (run by bench/pathlen.sh): single-step one iteration of a
# benchmark loop through QEMU's gdb stub and count what was executed.
#
# Settings (gdb convenience variables, set before sourcing):
#   $pl_addr   the loop address: one iteration is from one hit to the next
#   $pl_skip   hits to let pass first (the warm-up)
#   $pl_reg    "" or a register name, $pl_val its value at the hit that counts
#              (to pick one figure of several that share the loop)
#   $pl_max    a bound on the steps
#   $pl_smp    1: several CPUs, stepped in turn (scheduler-locking on): the
#              CPU that hit $pl_addr runs until it halts or spins (pause),
#              then the next CPU until it does, and so on; the iteration
#              ends when the first CPU is back at $pl_addr. The halts' wake
#              interrupts are not taken (QEMU steps with interrupts off),
#              so a woken CPU goes on after its hlt, as it would after the
#              interrupt's handler, which is not counted.
# Prints one "PATHLEN total=N hyp=N guest=N <kind>=N..." line: instructions
# in the hypervisor (its slots of the upper half, below the guest's
# kernel image) and in the guest, and the instructions that
# cost most under TCG (CR3/CR4 writes, invlpg, invpcid, wrmsr, swapgs,
# iretq, sysretq, syscall, locked ones).
import gdb


def conv(name):
    v = gdb.convenience_variable(name)
    return v


def opcode_kind(b):
    """The costly kind of the instruction at b (bytes), or None."""
    i = 0
    lock = False
    while i < len(b) and b[i] in (0x66, 0xF2, 0xF3, 0xF0, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65):
        lock = lock or b[i] == 0xF0
        i += 1
    pfx66 = 0x66 in b[:i]
    rex = 0
    if i < len(b) and 0x40 <= b[i] <= 0x4F:
        rex = b[i]
        i += 1
    op = b[i:i + 4]
    if lock:
        return "lock"
    if op[:1] == b"\xcf":
        return "iretq" if rex & 8 else "iret"
    if op[:1] == b"\x0f":
        o2 = op[1]
        if o2 == 0x22:
            reg = ((op[2] >> 3) & 7) | (8 if rex & 4 else 0)
            return "mov-cr%d" % reg
        if o2 == 0x01:
            modrm = op[2]
            if modrm == 0xF8:
                return "swapgs"
            if (modrm >> 6) != 3 and ((modrm >> 3) & 7) == 7:
                return "invlpg"
        if o2 == 0x30:
            return "wrmsr"
        if o2 == 0x07:
            return "sysret"
        if o2 == 0x05:
            return "syscall"
        if o2 == 0x38 and op[2] == 0x82 and pfx66:
            return "invpcid"
        if o2 == 0x09:
            return "wbinvd"
    if op[:1] in (b"\x87",) and (op[1] >> 6) != 3:
        return "lock"  # xchg with memory is locked
    return None


def main():
    addr = int(conv("pl_addr"))
    skip = int(conv("pl_skip"))
    reg = conv("pl_reg")
    reg = reg.string() if reg is not None else ""
    want = int(conv("pl_val")) if reg else 0
    limit = int(conv("pl_max"))
    trace = conv("pl_trace") is not None and int(conv("pl_trace")) != 0
    gdb.execute("break *%#x" % addr, to_string=True)
    hits = 0
    while True:
        gdb.execute("continue", to_string=True)
        if int(gdb.parse_and_eval("$pc")) != addr:
            continue
        if reg and int(gdb.parse_and_eval("$" + reg)) != want:
            continue
        hits += 1
        if hits > skip:
            break
    gdb.execute("delete", to_string=True)
    inf = gdb.selected_inferior()
    smp = conv("pl_smp") is not None and int(conv("pl_smp")) != 0
    first = gdb.selected_thread()
    cpus = [first]
    if smp:
        gdb.execute("set scheduler-locking on", to_string=True)
        cpus += [t for t in sorted(inf.threads(), key=lambda t: t.num) if t.num != first.num]
    cur = 0
    total = hyp = 0
    per_cpu = [[0, 0] for _ in cpus]  # [hypervisor, guest] per CPU, first the stepped one
    kinds = {}
    pc = addr
    while total < limit:
        try:
            b = bytes(inf.read_memory(pc, 16))
        except gdb.MemoryError:
            b = b""
        k = opcode_kind(b) if b else None
        if k:
            kinds[k] = kinds.get(k, 0) + 1
        if trace:
            print("PLTRACE %#x %s %s%s" % (pc, k or "", b[:8].hex(), " cpu%d" % cur if smp else ""))
        in_hyp = 0xFFFF800000000000 <= pc < 0xFFFF880000000000
        if in_hyp:
            hyp += 1
        per_cpu[cur][0 if in_hyp else 1] += 1
        total += 1
        gdb.execute("stepi", to_string=True)
        # it halted, or spins (pause) on something another CPU holds: the next runs
        if smp and len(cpus) > 1 and (b[:1] == b"\xf4" or b[:2] == b"\xf3\x90"):
            cur = (cur + 1) % len(cpus)
            cpus[cur].switch()
        pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
        if cur == 0 and pc == addr:
            break
    extra = " ".join("%s=%d" % (k, kinds[k]) for k in sorted(kinds))
    if smp:
        extra += "".join(" cpu%d=%d/%d" % (i, c[0], c[1]) for i, c in enumerate(per_cpu))
    print("PATHLEN total=%d hyp=%d guest=%d %s%s" % (
        total, hyp, total - hyp, extra, "" if total < limit else " (limit)"))


main()
gdb.execute("kill")
