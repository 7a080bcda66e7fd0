#!/usr/bin/env python3
"""HVM guest with QEMU as its device model: Petrel against Xen 4.17.

    bench/hvm_dm.py [--hv petrel,xen] [--image FILE] [--kernel-dir DIR]
                    [--disk FILE] [--sector FILE] [--only sector,linux]
                    [--no-hcstats] [--doc FILE]

One boot of dom0 (build/dom0-hvm, `make dom0-image-hvm`) on each hypervisor,
one QEMU at a time, the same QEMU command line as the system test's
xl-hvm-installed step (-cpu max: SVM with nested paging under TCG, the
installed Debian disk as dom0's second virtio disk on a snapshot); only the
hypervisor differs, plus a third disk for dom0, the firmware-only guest's
(with --only sector the installed disk is left out and need not exist).
In that boot Debian's xl first creates a firmware-only HVM guest (the
xl-hvm step's config: hvmloader, SeaBIOS, 32 MiB, plus a COM1 to /dev/null
in dom0, whose scratch register it uses) whose AHCI disk's boot
sector is tests/system/hvm-boot/bench-sector.S, which times port accesses
with the ACPI PM timer and prints them on the debug port (xl dmesg):
  sector-marker   seconds from `xl create` to its last line
  sector-ioreq    microseconds per access of COM1's scratch register (port
                  0x3ff, served by QEMU: an ioreq round trip through dom0)
  sector-pmtimer  microseconds per read of the ACPI PM timer, which the
                  hypervisor serves itself (the exit without the device model)
Then it creates the installed disk's HVM guest with Debian's qemu-system-xen and SeaBIOS, PVHVM (no xen_nopv) with
hdtype="ahci": QEMU 7.2 unplugs IDE disks only, so the guest has the disk
both as sda on the emulated AHCI controller and as xvda through blkfront.
GRUB's environment block carries petrel_bench, so after its marker line the
marker service runs petrel-hvm-bench (tests/system/hvm-boot/hvm-bench.c):
  marker      seconds from `xl create` to the marker on the guest's COM1 log
              (dom0's /proc/uptime, polled every second)
  create      seconds until `xl create` returned
  emu-disk    MB/s of O_DIRECT 1 MiB reads of sda (QEMU's AHCI)
  pv-disk     MB/s of the same on xvda (blkfront, dom0's blkback)
  ioreq       microseconds per access of COM1's scratch register, served
              by QEMU (an ioreq round trip through dom0)
  pmtimer     the same for the ACPI PM timer, the hypervisor's
With hcstats (the default), Petrel's per-call counters from before each
create to the end of its guest's figures follow (`xl debug-keys P` / `p`).
Prints each boot's figures and a table (bench/benchdoc.py's) with Petrel /
Xen ratios, under 1.00x Petrel ahead (Xen's / Petrel's for the disks'
throughput); --doc writes the table between the "hvm-dm-table" markers.
Not a test: nothing is judged.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "system"))
import dom0_system_test as st  # noqa: E402
import hvboot  # noqa: E402
from serialconsole import ConsoleError, SerialConsole  # noqa: E402
sys.path.insert(0, HERE)
from benchdoc import HIGHER, LOWER, legend, load, publish, started, table  # noqa: E402

BUILD = hvboot.BUILD
LOG = st.INSTALLED_LOG
GUEST = "xlinst"
SECTOR_GUEST = "xlbsect"
SECTOR_SERIAL = "petrel-hvm-bsect"
SECTOR_WAIT = 1200  # seconds from xl create to the boot sector's last line
PMTMR_HZ = 3579545
BENCH_TAG = "PETREL-HVM-BENCH:"
BOOT_WAIT = 3600  # seconds from xl create to the marker under TCG at a high load
BENCH_WAIT = 1800  # seconds from the marker to the figures' end
# GRUB's environment block (grub-editenv's format: a header line, name=value
# lines, '#' up to 1024 bytes), made in dom0.  no_timer_check: at a high host
# load Linux's check that the IO-APIC timer ticks (a few ticks within a busy
# wait) failed on Petrel and panicked the guest ("IO-APIC + timer doesn't
# work!"); its tests are not what this benchmark measures.
ENV_ARGS = "petrel_bench no_timer_check"
ENV_TEXT = "# GRUB Environment Block\npetrel_args=%s\n" % ENV_ARGS
ENV_BLOCK = ("{ printf '%s'; head -c %d /dev/zero | tr '\\0' '#'; } > /tmp/bench.env"
             % (ENV_TEXT.replace("\n", "\\n"), 1024 - len(ENV_TEXT)))
LINE = re.compile(r"^%s (\w+)((?: [\w]+=\S+)*)\s*$" % re.escape(BENCH_TAG))
# the keys each kind of line must carry, all integers but port (hex) and dev
KEYS = {"disk": ("dev", "bytes", "ns", "direct"), "ioreq": ("port", "accesses", "ns", "tsc", "bad"),
        "pmtimer": ("port", "accesses", "ns", "tsc"), "done": (), "error": ("what", "reason"),
        "sector": ("what", "accesses", "pmticks", "bad")}
NOW = 'read u x </proc/uptime; %s="${u%%.*}${u#*.}"'
# (key, what, unit, better: benchdoc's table rows)
ROWS = tuple((key, "%s (%s)" % (what, key), unit, better) for key, unit, what, better in (
    ("sector-marker", "s", "firmware guest: create to its end", LOWER),
    ("sector-ioreq", "us", "firmware guest: ioreq port access", LOWER),
    ("sector-pmtimer", "us", "firmware guest: PM timer read (hypervisor)", LOWER),
    ("marker", "s", "create to marker", LOWER), ("create", "s", "xl create returns", LOWER),
    ("emu-disk", "MB/s", "emulated disk (AHCI)", HIGHER),
    ("pv-disk", "MB/s", "PV disk (blkfront)", HIGHER),
    ("ioreq", "us", "ioreq port access", LOWER),
    ("pmtimer", "us", "PM timer read (hypervisor)", LOWER)))


def parse_line(line):
    """(kind, {key: value}) of one well-formed benchmark line, else None."""
    m = LINE.match(line.strip())
    if not m or m.group(1) not in KEYS:
        return None
    fields = dict(kv.split("=", 1) for kv in m.group(2).split())
    if set(fields) != set(KEYS[m.group(1)]):
        return None
    for k, v in fields.items():
        if k == "port":
            if not re.fullmatch(r"0x[0-9a-f]+", v):
                return None
            fields[k] = int(v, 16)
        elif k not in ("dev", "what", "reason"):
            if not v.isdigit():
                return None
            fields[k] = int(v)
    return m.group(1), fields


def figures(text, emulated="sda", pv="xvda"):
    """The figures (ROWS' keys) of the guest's lines in @text, and its
    error lines and lines that did not parse, as (figs, problems)."""
    figs, problems = {}, []
    for line in text.splitlines():
        if BENCH_TAG not in line:
            continue
        got = parse_line(line[line.index(BENCH_TAG):])
        if got is None:
            problems.append("malformed: %r" % line.strip())
            continue
        kind, f = got
        if kind == "error":
            problems.append("%s: %s" % (f["what"], f["reason"]))
        elif kind == "disk" and f["ns"] > 0 and f["dev"] in (emulated, pv):
            key = "emu-disk" if f["dev"] == emulated else "pv-disk"
            figs[key] = f["bytes"] / (f["ns"] / 1e9) / 1e6
        elif kind in ("ioreq", "pmtimer") and f["accesses"]:
            figs[kind] = f["ns"] / f["accesses"] / 1e3
            if kind == "ioreq" and f["bad"]:
                problems.append("ioreq: %d reads of the scratch register were wrong" % f["bad"])
        elif kind == "sector" and f["what"] in ("ioreq", "pmtimer") and f["accesses"]:
            figs["sector-" + f["what"]] = f["pmticks"] * 1e6 / PMTMR_HZ / f["accesses"]
            if f["bad"]:
                problems.append("sector: %d reads of the scratch register were wrong" % f["bad"])
    return figs, problems


def timed_wait(grep, secs, var, guest=GUEST):
    """Shell text: poll every second until @grep succeeds, the guest has shut
    down or crashed, or @secs; then 'T var centiseconds since t0' (-1 if not)."""
    return ("i=0; until %s; do [ $i -ge %d ] && break; xl list %s 2>/dev/null | "
            "awk 'NR == 2 { print $5 }' | grep -q '[sc]' && i=%d && break; sleep 1; "
            "i=$((i + 1)); done; %s; if [ $i -lt %d ]; then echo T %s $((t1 - t0)); "
            "else echo T %s -1; fi" % (grep, secs, guest, secs, NOW % "t1", secs, var, var))


def times(out):
    return {m.group(1): int(m.group(2)) / 100.0
            for m in re.finditer(r"^T (\S+) (\d+)$", out, re.M)}


def disk_by_serial(con, serial):
    """dom0's name (vdX) of the virtio disk with @serial, or ""."""
    rc, out = st.shell_run(con, "for d in /sys/block/vd*; do [ \"$(cat $d/serial)\" = %s ] && "
                           "echo ${d##*/}; done; true" % serial)
    names = out.split()
    return names[0] if rc == 0 and len(names) == 1 else ""


def print_hcstats(con, what):
    start = len(con.text)
    st.shell_run(con, "xl debug-keys p")
    print("hcstats over %s (kind, op, calls, cycles, cycles per call):\n%s" % (what, "".join(
        l for l in con.text[start:].splitlines(True) if "hcstats: " in l)), flush=True)


def sector_run(con, dev, hcstats):
    """The firmware-only guest on disk @dev: (figs, problems)."""
    if hcstats:
        st.shell_run(con, "xl debug-keys P")
    done = "(d$(xl domid %s)) %s done" % (SECTOR_GUEST, BENCH_TAG)
    text = ("%s; xl create /etc/xl-hvm.cfg 'name=\"%s\"' 'disk=[\"format=raw,vdev=hda,"
            "access=rw,target=/dev/%s\"]' 'serial=\"file:/dev/null\"' > /tmp/xl-bsect.out "
            "2>&1; %s"
            % (NOW % "t0", SECTOR_GUEST, dev,
               timed_wait("xl dmesg | grep -q -F \"%s\"" % done, SECTOR_WAIT, "sector-marker",
                          SECTOR_GUEST)))
    _, out = st.shell_run(con, text, SECTOR_WAIT + 600)
    figs = times(out)
    # prefixed: shell_run drops the lines that start with "(XEN)", as Petrel's xl dmesg
    # lines do, since they are the hypervisor's console interleaved with the output
    _, out = st.shell_run(con, "xl dmesg | grep -F \"(d$(xl domid %s)) %s\" | sed 's/^/| /'"
                          % (SECTOR_GUEST, BENCH_TAG), 120)
    got, problems = figures(out)
    figs.update(got)
    if "sector-marker" not in figs:
        problems.append("no end line: %r" % out.strip()[-300:])
        st.shell_run(con, "tail -n 20 /tmp/xl-bsect.out; xl dmesg | tail -n 20", 60)
    if hcstats:
        print_hcstats(con, "the firmware-only guest, create to its end")
    st.shell_run(con, "xl destroy %s" % SECTOR_GUEST, 300)
    return figs, problems


def linux_run(con, dev, hcstats):
    """Create the installed disk's guest on @dev, wait for its marker and
    figures: (figs, problems)."""
    st.shell_run(con, ENV_BLOCK + " && dd if=/tmp/bench.env of=/dev/%s bs=512 seek=2040 "
                 "conv=notrunc && sync && rm -f %s" % (dev, LOG), 60)
    if hcstats:
        st.shell_run(con, "xl debug-keys P")
    text = ("%s; xl create /etc/xl-installed.cfg 'disk=[\"format=raw,vdev=hda,access=rw,"
            "target=/dev/%s\"]' 'hdtype=\"ahci\"' > /tmp/xl-bench.out 2>&1 && { %s; "
            "echo T create $((t1 - t0)); }; %s"
            % (NOW % "t0", dev, NOW % "t1",
               timed_wait("grep -q -a '%s' %s" % (st.INSTALLED_MARKER, LOG), BOOT_WAIT, "marker")))
    _, out = st.shell_run(con, text, BOOT_WAIT + 600)
    figs = times(out)
    problems = [] if "marker" in figs else ["no marker: %r" % out.strip()[-300:]]
    if "marker" in figs:
        st.shell_run(con, timed_wait("grep -q -a '%s done' %s" % (BENCH_TAG, LOG), BENCH_WAIT,
                                     "bench"), BENCH_WAIT + 600)
    _, out = st.shell_run(con, "grep -a '%s' %s | tr -d '\\r'" % (BENCH_TAG, LOG), 120)
    got, more = figures(out)
    figs.update(got)
    problems += more
    if "ioreq" not in figs:
        st.shell_run(con, "tr -d '\\r' < %s | tail -n 30; tail -n 20 /tmp/xl-bench.out" % LOG,
                     60)
    if hcstats:
        print_hcstats(con, "the installed disk's guest, create to its figures' end")
    st.shell_run(con, "xl destroy %s" % GUEST, 300)
    return figs, problems


def one_boot(hv, args):
    kernel, initrd = hvboot.default_dom0(args.kernel_dir)
    image = args.image if hv == "petrel" else None
    sector = ["-drive", "file=%s,if=none,id=bsect,format=raw,snapshot=on" % args.sector,
              "-device", "virtio-blk-pci,drive=bsect,serial=%s" % SECTOR_SERIAL]
    # the installed disk only for its guest: --only sector runs without it
    disk = st.hvm_disk_args(args.disk if "linux" in args.only else None)
    argv = hvboot.qemu_argv(hv, kernel, initrd, image=image,
                            extra=st.PCI_DEVICES + disk + sector)
    log = os.path.join(args.log_dir, "%s.log" % hv)
    hcstats = args.hcstats and hv == "petrel"
    figs, problems = {}, []
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(re.escape(hvboot.MARKER), args.boot_timeout, fail=hvboot.BOOT_FAILURE)
            con.sync()
            rc, out = st.shell_run(con, "mkdir -p /var/log/xen /var/run/xen && %s && "
                                   "echo started" % st.XENCONSOLED)
            for part, serial, run in (("sector", SECTOR_SERIAL, sector_run),
                                      ("linux", st.INSTALLED_SERIAL, linux_run)):
                dev = disk_by_serial(con, serial)
                if part not in args.only:
                    continue
                if not dev or "started" not in out:
                    problems.append("%s: no disk (%r) or no xenconsoled" % (part, dev))
                    continue
                got, more = run(con, dev, hcstats)
                figs.update(got)
                problems += more
            con.send_line("poweroff")
            con.wait_exit(300)
        except ConsoleError as e:
            problems.append("console: %s" % e)
    print("%s: %s%s (log %s)" % (hv, " ".join("%s=%.3g" % kv for kv in sorted(figs.items())),
                                 "".join("; " + p for p in problems), log), flush=True)
    return figs


def fmt(key, x):
    """A figure with three significant digits, never in exponent form."""
    if not x:
        return "-"
    return "%.0f" % x if x >= 100 else "%.3g" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hv", default="petrel,xen")
    ap.add_argument("--image", default=hvboot.HV_IMAGES["petrel"])
    ap.add_argument("--kernel-dir", default=os.path.join(BUILD, "dom0-hvm"))
    ap.add_argument("--disk", default=os.path.join(BUILD, "dom0-hvm", "installed", "disk.img"))
    ap.add_argument("--sector", default=os.path.join(BUILD, "dom0-hvm", "boot-disk",
                                                     "bench-sector.img"))
    ap.add_argument("--only", default="sector,linux", help="the guests: sector, linux")
    ap.add_argument("--boot-timeout", type=float, default=2400)
    ap.add_argument("--no-hcstats", dest="hcstats", action="store_false")
    ap.add_argument("--log-dir", default=os.path.join(BUILD, "bench", "hvm-dm"))
    ap.add_argument("--doc")
    args = ap.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    start = started()
    print("start %s, load %s" % start[:2], flush=True)
    all_figs = {hv: one_boot(hv, args) for hv in args.hv.split(",")}
    head = ("Run of %s, Petrel at %s, one boot each (%s), %d host CPUs; load average %s "
            "before and %s after.  %s\n"
            % (start[0], start[2], args.hv, os.cpu_count(), start[1], load(),
               legend(ROWS, over=False)))
    text = head + "\n" + table(ROWS, all_figs, ("xen", "petrel"), over=False, form=fmt)
    publish(args.log_dir, "hvm-dm-table", text, args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
