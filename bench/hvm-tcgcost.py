#!/usr/bin/env python3
"""What one HVM exit costs QEMU (TCG), Petrel beside Xen 4.17.

Boots bench/guests/hvm-tcg/hvm-tcgcost.c as a PVH initial domain (the way
bench-hvm boots bench-hvm-exits) on each hypervisor in turn, one QEMU at a
time, and follows its marker lines (TCGBEGIN, TCGGO, TCGEND) on the serial
log. For each phase of N operations it takes:

  * QEMU's own CPU time (the sum of /proc/PID/task/*/schedstat run times)
    and the wall time from TCGGO to TCGEND: CPU time is what the exits cost
    QEMU, free of how much of the machine the other processes leave it;
  * the counters of QEMU's monitor command `info jit` (TLB flushes, TB
    invalidations, TBs translated) from TCGBEGIN to TCGEND, both taken
    while the guest waits without exits;
  * the guest's own TSC cycles per operation (on Xen the guest's rdtsc is
    intercepted and emulated).

The "idle" phase (no operation) gives the markers' own cost, which is taken
off every row. Medians over the phases of all boots; QEMU's CPU time as
Petrel / Xen, under 1.00x Petrel ahead (bench/benchdoc.py's ratio). Judges
nothing.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdoc import LOWER, legend, load, markdown, ratio  # noqa: E402

JIT_KEYS = {
    "TB count": "tbs",
    "TB invalidate count": "tb_inval",
    "TB flush count": "tb_flush",
    "TLB full flushes": "tlb_full",
    "TLB partial flushes": "tlb_partial",
    "TLB elided flushes": "tlb_elided",
}
ROWS = ["hvm-null-hypercall", "hvm-cpuid-exit", "hvm-npt-fault-read", "hvm-port-read"]
MARK_RE = re.compile(r"^(TCGBEGIN|TCGGO|TCGEND) (\S+)(?: (\d+))?\r?$")


class Monitor:
    """QEMU's human monitor on a unix socket."""

    def __init__(self, path, qemu):
        for _ in range(300):
            if os.path.exists(path) or qemu.poll() is not None:
                break
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(60)
        self.command("")

    def command(self, cmd):
        self.sock.sendall(cmd.encode() + b"\n")
        buf = b""
        while not (buf.rstrip().endswith(b"(qemu)") and cmd.encode() in buf):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    def jit(self):
        counts = {}
        for line in self.command("info jit").splitlines():
            for key, name in JIT_KEYS.items():
                m = re.match(r"\s*%s\s+(\d+)" % re.escape(key), line)
                if m:
                    counts[name] = int(m.group(1))
        return counts


def qemu_cpu_ns(pid):
    """Run time (ns) of all QEMU's threads, and of its vCPU thread ("CPU 0/TCG")."""
    total = vcpu = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return 0, 0
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns = int(f.read().split()[0])
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                comm = f.read()
        except (OSError, ValueError, IndexError):
            continue
        total += ns
        if "TCG" in comm:
            vcpu += ns
    return total, vcpu


def qemu_command(hv, kernel, guest, log, mon, dlog):
    append = "console=com1 loglvl=all dom0=pvh dom0_mem=64M"
    if hv == "xen":
        append = "console=com1 loglvl=all guest_loglvl=all noreboot dom0=pvh dom0_mem=64M"
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-m", "512M", "-cpu", "qemu64,+svm,+npt",
           "-nographic", "-no-reboot", "-nic", "none", "-kernel", kernel, "-initrd", guest,
           "-append", append, "-serial", "file:" + log,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "amd-iommu",
           "-display", "none", "-monitor", "unix:%s,server,nowait" % mon,
           "-name", hv + ",debug-threads=on"]  # names the vCPU thread "CPU 0/TCG"
    if dlog:
        # QEMU logs each VMRUN and #VMEXIT (with its exit code) under in_asm
        cmd += ["-d", "in_asm", "-D", dlog]
    return cmd


def boot(hv, kernel, guest, outdir, tag, timeout, exits):
    """One boot: a list of phases (row, ops, tsc, cpu_ns, wall_s, jit deltas)."""
    log = os.path.join(outdir, tag + ".log")
    mon = os.path.join(outdir, tag + ".mon")
    dlog = os.path.join(outdir, tag + ".dlog") if exits else None
    for f in (log, mon):
        if os.path.exists(f):
            os.unlink(f)
    open(log, "w").close()
    with open(os.path.join(outdir, tag + ".qemu"), "w") as qout:
        qemu = subprocess.Popen(qemu_command(hv, kernel, guest, log, mon, dlog),
                                stdin=subprocess.DEVNULL, stdout=qout, stderr=subprocess.STDOUT)
    phases, cur, result = [], {}, None
    try:
        monitor = Monitor(mon, qemu)
        deadline = time.monotonic() + timeout
        pos, pending = 0, ""
        while time.monotonic() < deadline and qemu.poll() is None and result is None:
            with open(log, "rb") as f:
                f.seek(pos)
                chunk = f.read()
            pos += len(chunk)
            now, cpu = time.monotonic(), qemu_cpu_ns(qemu.pid)
            pending += chunk.decode(errors="replace")
            lines = pending.split("\n")
            pending = lines.pop()
            for line in lines:
                m = MARK_RE.match(line)
                if line.startswith("Test result:"):
                    result = line.strip()
                if not m:
                    continue
                kind, row, num = m.group(1), m.group(2), m.group(3)
                if kind == "TCGBEGIN":
                    cur = {"row": row, "jit0": monitor.jit()}
                elif kind == "TCGGO" and cur.get("row") == row:
                    cur.update(ops=int(num), t0=now, c0=cpu[0], v0=cpu[1])
                elif kind == "TCGEND" and "t0" in cur and cur["row"] == row:
                    jit1 = monitor.jit()
                    phases.append({
                        "row": row, "ops": cur["ops"], "tsc": int(num),
                        "cpu_ns": cpu[0] - cur["c0"], "vcpu_ns": cpu[1] - cur["v0"],
                        "wall_s": now - cur["t0"],
                        "jit": {k: jit1.get(k, 0) - cur["jit0"].get(k, 0) for k in JIT_KEYS.values()},
                    })
                    cur = {}
            time.sleep(0.002)
    finally:
        qemu.kill()
        qemu.wait()
    if dlog and os.path.exists(dlog):
        codes = {}
        with open(dlog, errors="replace") as f:
            for line in f:
                if line.startswith("vmexit("):
                    code = line[7:15]
                    codes[code] = codes.get(code, 0) + 1
        print("%s: #VMEXIT codes over the whole boot: %s" % (hv, ", ".join(
            "0x%x x%d" % (int(c, 16), n) for c, n in sorted(codes.items(), key=lambda x: -x[1]))))
    return phases, result


def per_op(phases, row, idle):
    """Medians per operation for one row, the idle phase's cost taken off."""
    ps = [p for p in phases if p["row"] == row]
    if not ps:
        return None
    out = {
        "cpu_us": statistics.median((p["cpu_ns"] - idle["cpu_ns"]) / p["ops"] / 1000 for p in ps),
        "vcpu_us": statistics.median((p["vcpu_ns"] - idle["vcpu_ns"]) / p["ops"] / 1000 for p in ps),
        "wall_us": statistics.median((p["wall_s"] - idle["wall_s"]) * 1e6 / p["ops"] for p in ps),
        "tsc": statistics.median(p["tsc"] for p in ps),
        "n": len(ps),
    }
    for k in JIT_KEYS.values():
        out[k] = statistics.median((p["jit"][k] - idle["jit"][k]) / p["ops"] for p in ps)
    return out


def idle_cost(phases):
    ps = [p for p in phases if p["row"] == "idle"]
    if not ps:
        return {"cpu_ns": 0, "vcpu_ns": 0, "wall_s": 0, "jit": {k: 0 for k in JIT_KEYS.values()}}
    return {
        "cpu_ns": statistics.median(p["cpu_ns"] for p in ps),
        "vcpu_ns": statistics.median(p["vcpu_ns"] for p in ps),
        "wall_s": statistics.median(p["wall_s"] for p in ps),
        "jit": {k: statistics.median(p["jit"][k] for p in ps) for k in JIT_KEYS.values()},
    }


def report(figs, load_before, load_after, boots):
    print("QEMU %s, TCG, -cpu qemu64,+svm,+npt, q35; %d boot(s) of each, load %s before, %s after."
          % (subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                            text=True).stdout.split("\n")[0].replace("QEMU emulator version ", ""),
             boots, load_before, load_after))
    print("Per operation, medians over the phases, the markers' own cost taken off; %s\n"
          % legend([("cpu_us", "QEMU CPU", "us", LOWER)], over=False))
    print(table(figs, ["Xen QEMU CPU us", "Petrel QEMU CPU us", "Petrel / Xen",
                       "vCPU thread, Xen / Petrel", "Xen wall us", "Petrel wall us",
                       "Xen guest TSC", "Petrel guest TSC"],
                lambda x, p: ["%.1f" % x["cpu_us"], "%.1f" % p["cpu_us"],
                              ratio(p["cpu_us"], x["cpu_us"], LOWER, over=False),
                              "%.1f / %.1f" % (x["vcpu_us"], p["vcpu_us"]),
                              "%.0f" % x["wall_us"], "%.0f" % p["wall_us"],
                              "%d" % x["tsc"], "%d" % p["tsc"]]))
    print(table(figs, ["TLB partial flushes, Xen / Petrel", "TLB elided flushes, Xen / Petrel",
                       "TLB full flushes", "TB invalidations", "TBs translated"],
                lambda x, p: [form % (x[k], p[k]) for form, k in (
                    ("%.2f / %.2f", "tlb_partial"), ("%.1f / %.1f", "tlb_elided"),
                    ("%.2f / %.2f", "tlb_full"), ("%.2f / %.2f", "tb_inval"),
                    ("%.2f / %.2f", "tbs"))]))


def table(figs, head, cells):
    """A Markdown table: "figure" and @head, then a row per figure both
    hypervisors have, @cells(xen, petrel) its cells."""
    return markdown(["figure"] + head, [[row] + cells(figs["xen"][row], figs["petrel"][row])
                                        for row in ROWS
                                        if figs["xen"].get(row) and figs["petrel"].get(row)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--petrel", required=True)
    ap.add_argument("--xen", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--boots", type=int, default=1, help="boots of each hypervisor, alternating")
    ap.add_argument("--only", choices=["petrel", "xen"], help="boot one hypervisor only")
    ap.add_argument("--exits", action="store_true",
                    help="also count #VMEXIT codes (QEMU -d in_asm; slower boots)")
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    kernels = {"petrel": args.petrel, "xen": args.xen}
    phases = {"petrel": [], "xen": []}
    load_before = load()
    for b in range(args.boots):
        order = ["petrel", "xen"] if b % 2 == 0 else ["xen", "petrel"]
        for hv in order:
            if args.only and hv != args.only:
                continue
            got, result = boot(hv, kernels[hv], args.guest, args.out, "%s-%d" % (hv, b + 1),
                               args.timeout, args.exits)
            print("boot %d %s: %d phases, %s" % (b + 1, hv, len(got), result or "no verdict"))
            phases[hv] += got
    load_after = load()
    figs = {}
    for hv, ps in phases.items():
        idle = idle_cost(ps)
        figs[hv] = {row: per_op(ps, row, idle) for row in ROWS}
        for row in ROWS:
            f = figs[hv][row]
            if f:
                print("%s %s: QEMU CPU %.1f us (vCPU thread %.1f), wall %.0f us, guest TSC %d, "
                      "TLB partial %.2f, elided %.1f, full %.2f, TB inval %.2f, TBs %.2f (%d phases)" % (
                          hv, row, f["cpu_us"], f["vcpu_us"], f["wall_us"], f["tsc"], f["tlb_partial"],
                          f["tlb_elided"], f["tlb_full"], f["tb_inval"], f["tbs"], f["n"]))
    if phases["petrel"] and phases["xen"]:
        print()
        report(figs, load_before, load_after, args.boots)
    return 0 if any(phases.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
