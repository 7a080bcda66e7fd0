#!/usr/bin/env python3
"""Self-test of the system-test harness and the dom0 image tools (no QEMU).

Covers: the serial console driver against fake_console.py (expect, run with
exit status and output, timeouts, end of file, exit status), the escape
cleaner, the QEMU command line builders (with a hypervisor and bare), the
boot profile's reading of Petrel's hcstats table (bootprof.py), the initramfs cpio writer (read back
with an independent newc parser), the modules.dep closure and the vmlinux
extraction from a bzImage, and how the save-devices step judges its
counters (save_dev_checks.py: a reset, a lost line or an uptime going back
must fail), how hv_state.py reads the hypervisor's 'e' and 'g' dumps and
judges what a domain left behind, pxl_cycles_checks.py's dom0 state
script and its wait for a cycle's leftovers to go (fake commands on PATH),
and the lines of the HVM device-model benchmark's guest program
(bench/hvm_dm.py, a dry run on the host).
Prints "PASS name"/"FAIL name: why" and "system-harness: N passed, N failed".
"""

import gzip
import lzma
import os
import re
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bootprof  # noqa: E402
import hvboot  # noqa: E402
from testrun import run  # noqa: E402
from serialconsole import ConsoleEOF, ConsoleFailure, ConsoleTimeout, SerialConsole, clean  # noqa: E402

FAKE = [sys.executable, os.path.join(HERE, "fake_console.py")]
INITRAMFS = os.path.join(TOP, "dom0-tools", "initramfs")
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def expect_raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


@test
def console_marker_and_run():
    with SerialConsole(FAKE) as con:
        con.expect(r"PETREL-DOM0-SHELL-READY", 10)
        rc, out = con.run("echo hello; echo world", 10)
        assert rc == 0, rc
        assert out == "hello\nworld\n", repr(out)
        rc, out = con.run("echo oops; false", 10)
        assert rc == 1 and out == "oops\n", (rc, out)
        rc, out = con.run("(exit 7)", 10)
        assert (rc, out) == (7, ""), (rc, out)


@test
def console_run_with_interleaved_line():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        for word in ("KMSG", "HVMSG"):
            rc, out = con.run("echo %s; echo x" % word, 10)
            assert (rc, out) == (0, "%s\nx\n" % word), (word, rc, out)


@test
def console_status_of_command():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        rc, _ = con.run("sh -c 'exit 42'", 10)
        assert rc == 42, rc


@test
def console_sync_after_lost_input():
    with SerialConsole(FAKE + ["--late-shell"]) as con:
        con.expect(r"READY", 10)
        con.sync(attempts=3, timeout=2)
        rc, out = con.run("echo ok", 10)
        assert (rc, out) == (0, "ok\n"), (rc, out)


@test
def console_timeout():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        t0 = time.monotonic()
        e = expect_raises(ConsoleTimeout, con.expect, r"never-printed", 1)
        assert 0.9 < time.monotonic() - t0 < 5, "timeout not honoured"
        assert "never-printed" in str(e)


@test
def console_timeout_on_hung_command():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        expect_raises(ConsoleTimeout, con.run, "hang", 1)


@test
def console_failure_pattern():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        con.send_line("printf 'Kernel %s - not syncing: boom\\n' panic")
        t0 = time.monotonic()
        e = expect_raises(ConsoleFailure, con.expect, r"never-printed", 20,
                          fail=hvboot.BOOT_FAILURE)
        assert time.monotonic() - t0 < 10 and "not syncing: boom" in str(e), str(e)
        # a failure pattern that never shows does not stop a normal match
        con.send_line("echo fine")
        con.expect(r"^fine$", 10, fail=hvboot.BOOT_FAILURE)


@test
def console_exit_status():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        con.send_line("poweroff")
        assert con.wait_exit(10) == 0
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        con.send_line("crash 3")
        assert con.wait_exit(10) == 3


@test
def console_eof_while_waiting():
    with SerialConsole(FAKE) as con:
        con.expect(r"READY", 10)
        con.send_line("crash 0")
        e = expect_raises(ConsoleEOF, con.expect, r"more output", 10)
        assert "closed" in str(e)


@test
def console_log_and_tail():
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        with SerialConsole(FAKE, log_path=log) as con:
            con.expect(r"READY", 10)
            con.run("echo last-line", 10)
            tail = con.tail(3)
        assert "last-line" in tail, tail
        raw = open(log, "rb").read()
        assert b"\x1b[2J" in raw and b"booting step 2\r\n" in raw, "raw log incomplete"


@test
def console_companion_watched_lines():
    """A wait on one console reads its companion too, and the companion's
    watched lines keep the times they arrived."""
    ticker = ["sh", "-c", "echo '(XEN) (d1) guest: tick 1'; echo other; sleep 0.6; "
              "echo '(XEN) (d1) guest: tick 2'; sleep 30"]
    with SerialConsole(FAKE) as con, SerialConsole(ticker, watch=r"\(d\d+\) guest: tick") as other:
        con.companions = [other]
        con.expect(r"READY", 10)
        con.run("sleep 1.5", 10)
        lines = [line for _, line in other.watched]
        assert lines == ["(XEN) (d1) guest: tick 1", "(XEN) (d1) guest: tick 2"], lines
        gap = other.watched[1][0] - other.watched[0][0]
        assert 0.4 < gap < 1.4, gap
        assert con.watched == [] and other.text.count("other") == 1, (con.watched, other.text)


@test
def clean_strips_escapes():
    assert clean(b"\x1bc\x1b[?7l\x1b[2Ja\r\nb\x1b[6n\x1b[0;32mc\x07") == "a\nbc"


@test
def qemu_argv_shape():
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for n in ("hv", "vmlinuz", "initrd"):
            paths.append(os.path.join(d, n))
            open(paths[-1], "w").close()
        argv = hvboot.qemu_argv("xen", paths[1], paths[2], image=paths[0])
        i = argv.index("-initrd")
        assert argv[i + 1] == "%s console=hvc0 earlyprintk=xen,%s" % (paths[1], paths[2])
        assert argv[argv.index("-kernel") + 1] == paths[0]
        assert "dom0_mem=512M" in argv[argv.index("-append") + 1]
        assert "spec-ctrl=eager-fpu" in argv[argv.index("-append") + 1].split()
        for opt, val in (("-cpu", "max"), ("-machine", "pc"), ("-smp", "1"), ("-m", "2G")):
            assert argv[argv.index(opt) + 1] == val, opt
        expect_raises(FileNotFoundError, hvboot.qemu_argv, "xen", paths[1] + "x", paths[2],
                      image=paths[0])
        expect_raises(ValueError, hvboot.qemu_argv, "bhyve", paths[1], paths[2])
        comma = os.path.join(d, "a,b")
        open(comma, "w").close()
        expect_raises(ValueError, hvboot.qemu_argv, "xen", comma, paths[2], image=paths[0])


@test
def bare_argv_shape():
    with tempfile.TemporaryDirectory() as d:
        kernel, initrd = os.path.join(d, "vmlinuz"), os.path.join(d, "initrd")
        for p in (kernel, initrd):
            open(p, "w").close()
        argv = hvboot.bare_argv(kernel, initrd)
        hv = hvboot.qemu_argv("xen", kernel, initrd, image=kernel)
        assert argv[:argv.index("-kernel")] == hv[:hv.index("-kernel")], "not the same machine"
        assert argv[argv.index("-kernel") + 1] == kernel
        assert argv[argv.index("-initrd") + 1] == initrd
        assert "console=ttyS0" in argv[argv.index("-append") + 1].split()
        expect_raises(FileNotFoundError, hvboot.bare_argv, kernel, initrd + "x")


PROFILE_LOG = """(XEN) Detected 2596.000 MHz processor, APIC timer 1000000 kHz
(XEN) Dom0 kernel: bzImage with xz payload, 8122480 -> 65906612 bytes in 2100 ms
(XEN) Dom0 built in 2600 ms
(XEN) hcstats: kind op count cycles cycles/call
(XEN) hcstats: hypercall 13 10 5000 500
(XEN) hcstats: hypercall 1 100 2596000000 25960000
(XEN) hcstats: hypercall 26 4 1000 250
(XEN) hcstats: trap 14 1000 1298000000 1298000
(XEN) hcstats: trap 240 7 700 100
(XEN) hcstats: pagefault 2 900 1000000000 1111111
(XEN) hcstats: trap 51 2 20 10
"""


@test
def bootprof_reads_table():
    # only the last table counts: an earlier one is a different span
    text = "(XEN) hcstats: kind op count cycles cycles/call\n" \
           "(XEN) hcstats: hypercall 1 5 5 1\n" + PROFILE_LOG
    rows = bootprof.parse_hcstats(text)
    assert ("hypercall", 1, 100, 2596000000) in rows, rows
    assert ("hypercall", 1, 5, 5) not in rows, rows
    assert len(rows) == 7, rows
    assert bootprof.tsc_mhz(text) == 2596.0
    assert bootprof.dom0_build(text) == {"format": "xz", "packed": 8122480,
                                         "unpacked": 65906612, "decompress_ms": 2100,
                                         "build_ms": 2600}
    # the multicall row is left out (its entries count in their own rows);
    # page faults are inside trap 14
    t = bootprof.totals(rows)
    assert t == {"hypercalls": 2596001000, "traps": 1298000720, "all": 3894001720}, t
    assert bootprof.parse_hcstats("(XEN) nothing here\n") == []


@test
def bootprof_summary():
    names = bootprof.hypercall_names()
    assert names[1] == "mmu_update" and names[13] == "multicall" and names[26] == "mmuext_op"
    lines = bootprof.summary(PROFILE_LOG, top=3, hnames=names)
    text = "\n".join(lines)
    assert "dom0 build 2600 ms, of which xz decompression 2100 ms" in text, text
    assert "in Petrel 1.50 s: hypercalls 1.00 s, traps and interrupts 0.50 s" in text, text
    rows = [l for l in lines if re.search(r"\d+ +[\d.]+ +\d+$", l)]
    assert len(rows) == 3, lines
    assert "hypercall mmu_update" in rows[0] and "trap #PF" in rows[1], rows
    assert "page-table write" in rows[2], rows
    assert "device interrupt" in bootprof.row_name("trap", 51, names)
    assert bootprof.row_name("emul_0f", 0x30, names) == "emulated wrmsr"
    assert bootprof.row_name("emul", 0xee, names) == "emulated out dx,al"
    assert bootprof.summary("(XEN) hello\n")[0].startswith("profile: no hcstats table")


def read_newc(data):
    """An independent reader of the cpio "newc" format."""
    entries, off = {}, 0
    while True:
        assert data[off:off + 6] == b"070701", "bad magic at %d" % off
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        namesize, size = f[11], f[6]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        body = data[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name] = {"mode": f[1], "uid": f[2], "size": size, "data": body,
                         "rdev": (f[9], f[10])}


@test
def cpio_writer_roundtrip():
    with tempfile.TemporaryDirectory() as d:
        root = os.path.join(d, "root")
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "dev"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write("#!/bin/sh\necho hi\n")
        os.chmod(os.path.join(root, "init"), 0o755)
        with open(os.path.join(root, "bin", "odd"), "wb") as f:
            f.write(b"x" * 5)
        os.symlink("/bin/busybox", os.path.join(root, "bin", "sh"))
        out = os.path.join(d, "i.cpio.gz")
        subprocess.run([sys.executable, os.path.join(INITRAMFS, "mkcpio.py"), root, out,
                        "--node", "dev/console:600:c:5:1"], check=True)
        e = read_newc(gzip.decompress(open(out, "rb").read()))
        assert e["init"]["data"] == b"#!/bin/sh\necho hi\n"
        assert e["init"]["mode"] == stat.S_IFREG | 0o755, oct(e["init"]["mode"])
        assert e["bin/odd"]["data"] == b"xxxxx"
        assert e["bin/sh"]["mode"] == stat.S_IFLNK | 0o777 and e["bin/sh"]["data"] == b"/bin/busybox"
        assert stat.S_ISDIR(e["bin"]["mode"])
        assert e["dev/console"]["mode"] == stat.S_IFCHR | 0o600 and e["dev/console"]["rdev"] == (5, 1)
        assert all(v["uid"] == 0 for v in e.values())
        names = list(e)
        assert names.index("bin") < names.index("bin/odd"), "parent after child"
        r = subprocess.run([sys.executable, os.path.join(INITRAMFS, "mkcpio.py"), root, out,
                            "--node", "dev/x:600:q:1:1"], stderr=subprocess.PIPE)
        assert r.returncode != 0 and b"PATH:MODE" in r.stderr, "bad --node accepted"


@test
def modules_dep_closure():
    with tempfile.TemporaryDirectory() as d:
        dep = os.path.join(d, "modules.dep")
        with open(dep, "w") as f:
            f.write("kernel/a/xenfs.ko.xz: kernel/b/xen-privcmd.ko.xz kernel/c/base_lib.ko.xz\n"
                    "kernel/b/xen-privcmd.ko.xz: kernel/c/base_lib.ko.xz\n"
                    "kernel/c/base_lib.ko.xz:\n"
                    "kernel/d/xen-evtchn.ko:\n")
        with open(os.path.join(d, "modules.builtin"), "w") as f:
            f.write("kernel/e/xen_gntdev.ko\n")
        tool = [sys.executable, os.path.join(INITRAMFS, "modclosure.py"), dep]
        r = subprocess.run(tool + ["xenfs", "xen_evtchn", "xen-gntdev", "xen-privcmd"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        order = [line.split()[0] for line in r.stdout.splitlines()]
        assert order == ["kernel/c/base_lib.ko.xz", "kernel/b/xen-privcmd.ko.xz",
                         "kernel/a/xenfs.ko.xz", "kernel/d/xen-evtchn.ko"], order
        assert "built into the kernel" in r.stderr
        r = subprocess.run(tool + ["nosuch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        assert r.returncode != 0 and "nosuch not found" in r.stderr, r.stderr


def fake_bzimage(payload, setup_sects=3):
    """A minimal bzImage: setup header fields and a payload, nothing else."""
    img = bytearray((setup_sects + 1) * 512)
    img[0x1f1] = setup_sects
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x20f)
    struct.pack_into("<II", img, 0x248, 100, len(payload))
    return bytes(img) + b"\0" * 100 + payload + b"\0" * 64


@test
def extract_vmlinux_from_bzimage():
    elf = b"\x7fELF\x02\x01\x01" + bytes(range(200)) * 50
    tool = [sys.executable, os.path.join(INITRAMFS, "extract-vmlinux.py")]
    with tempfile.TemporaryDirectory() as d:
        for name, packed in (("xz", lzma.compress(elf, format=lzma.FORMAT_XZ)),
                             ("gzip", gzip.compress(elf))):
            src, dst = os.path.join(d, "bz-" + name), os.path.join(d, "vmlinux-" + name)
            with open(src, "wb") as f:
                f.write(fake_bzimage(packed + struct.pack("<I", len(elf))))
            subprocess.run(tool + [src, dst], check=True)
            assert open(dst, "rb").read() == elf, "%s payload not recovered" % name
        bad = os.path.join(d, "not-a-kernel")
        with open(bad, "wb") as f:
            f.write(b"\0" * 4096)
        r = subprocess.run(tool + [bad, os.path.join(d, "out")], stderr=subprocess.PIPE)
        assert r.returncode != 0 and b"not a bzImage" in r.stderr, r.stderr


@test
def dom0_test_program_on_host():
    """dom0-test's own error paths: bad arguments, no Xen devices."""
    prog = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")),
                        "dom0-tools", "dom0-test", "dom0-test")
    if not os.path.isabs(prog):
        prog = os.path.join(TOP, prog)
    assert os.path.isfile(prog), "%s not built (make dom0-test)" % prog
    r = subprocess.run([prog, "--expect-version", "4.x"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2 and "bad version" in r.stderr, (r.returncode, r.stderr)
    r = subprocess.run([prog, "bogus"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    assert r.returncode == 2 and "usage:" in r.stderr, (r.returncode, r.stderr)
    if os.path.exists("/dev/xen"):
        return  # running in a Xen domain: the open failures below would not happen
    r = subprocess.run([prog, "privcmd", "evtchn"], stdout=subprocess.PIPE, text=True)
    lines = r.stdout.splitlines()
    assert r.returncode == 1, r.returncode
    assert lines[0].startswith("FAIL privcmd-open: open /dev/xen/privcmd"), lines
    assert lines[1].startswith("FAIL evtchn-open: open /dev/xen/evtchn"), lines
    assert lines[-1] == "dom0-test: 0 passed, 2 failed", lines


@test
def hvm_bench_lines():
    """The HVM device-model benchmark's guest program (hvm-bench.c) in its
    dry run prints lines that bench/hvm_dm.py parses, its figures and its
    errors; malformed lines are refused; the GRUB environment block the
    benchmark writes in dom0 reads back with grub-editenv, when installed."""
    sys.path.insert(0, os.path.join(TOP, "bench"))
    import hvm_dm
    prog = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")), "hvm-bench",
                        "petrel-hvm-bench")
    if not os.path.isabs(prog):
        prog = os.path.join(TOP, prog)
    assert os.path.isfile(prog), "%s not built" % prog
    with tempfile.TemporaryDirectory() as d:
        disk = os.path.join(d, "sda")
        with open(disk, "wb") as f:
            f.write(os.urandom(2 << 20))
        r = subprocess.run([prog, "--dry-run", "--mib", "2", "--accesses", "100", disk,
                            os.path.join(d, "xvda")], stdout=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.returncode
        lines = r.stdout.splitlines()
        kinds = [hvm_dm.parse_line(l) for l in lines]
        assert None not in kinds, lines
        assert [k for k, _ in kinds] == ["disk", "error", "ioreq", "pmtimer", "done"], lines
        assert kinds[0][1]["dev"] == "sda" and kinds[0][1]["bytes"] == 2 << 20, lines
        assert kinds[2][1]["accesses"] == 100 and kinds[2][1]["bad"] == 0, lines
        figs, problems = hvm_dm.figures(r.stdout)
        assert set(figs) == {"emu-disk", "ioreq", "pmtimer"}, figs
        assert problems == ["disk: open-xvda-errno-2"], problems
        r = subprocess.run([prog, "--mib", "x"], stderr=subprocess.PIPE, text=True)
        assert r.returncode == 2 and "usage:" in r.stderr, r.returncode
        for bad in ("PETREL-HVM-BENCH: ioreq port=0x3ff accesses=4 ns=9 tsc=9",
                    "PETREL-HVM-BENCH: pmtimer port=b008 accesses=4 ns=9 tsc=9",
                    "PETREL-HVM-BENCH: disk dev=sda bytes=1 ns=-3 direct=1",
                    "PETREL-HVM-BENCH: sleep"):
            assert hvm_dm.parse_line(bad) is None, bad
        figs, problems = hvm_dm.figures("x " + bad.replace("sleep", "ioreq"))
        assert not figs and problems and problems[0].startswith("malformed"), problems
        # bench-sector.S's lines, as xl dmesg shows them
        figs, problems = hvm_dm.figures(
            "(XEN) (d3) PETREL-HVM-BENCH: sector what=ioreq accesses=10000 pmticks=357954 bad=0\n"
            "(d3) PETREL-HVM-BENCH: sector what=pmtimer accesses=10000 pmticks=35795 bad=0\n"
            "(d3) PETREL-HVM-BENCH: done\n")
        assert not problems and set(figs) == {"sector-ioreq", "sector-pmtimer"}, (figs, problems)
        assert abs(figs["sector-ioreq"] - 10.0) < 0.01, figs
        # the sector's own strings, with numbers where it prints them
        with open(os.path.join(os.path.dirname(prog), "..", "dom0-hvm", "boot-disk",
                               "bench-sector.img"), "rb") as f:
            data = f.read(512).decode("latin-1")
        heads = re.findall(r"PETREL-HVM-BENCH: sector[ -~]*", data)
        tail = re.findall(r"\0( bad=)\0", data)
        assert len(heads) == 2 and tail == [" bad="], data
        text = "".join(h + "1234" + tail[0] + "0\n" for h in heads)
        figs, problems = hvm_dm.figures(text + "PETREL-HVM-BENCH: done\n")
        assert not problems and set(figs) == {"sector-ioreq", "sector-pmtimer"}, (text, problems)
        if subprocess.run(["sh", "-c", "command -v grub-editenv"],
                          stdout=subprocess.DEVNULL).returncode == 0:
            subprocess.run(["sh", "-c", hvm_dm.ENV_BLOCK.replace("/tmp/", d + "/")], check=True)
            env = os.path.join(d, "bench.env")
            assert os.path.getsize(env) == 1024, os.path.getsize(env)
            out = subprocess.run(["grub-editenv", env, "list"], stdout=subprocess.PIPE,
                                 text=True, check=True).stdout
            assert out == "petrel_args=%s\n" % hvm_dm.ENV_ARGS, out


def fake_save_image():
    """A small xl save image: xl's header with a config, libxl's stream with
    its LIBXC_CONTEXT record, then libxc's stream (image and domain headers,
    X86_PV_P2M_FRAMES, a PAGE_DATA record of two pages, vCPU 0's
    X86_PV_VCPU_BASIC, END), then libxl's END.  Offsets of the records."""
    def rec(t, body):
        return struct.pack("<II", t, len(body)) + body + b"\0" * (-len(body) % 8)
    cfg = b'{"c_info": {}}\0'
    out = b"Xen saved domain, xl format\n \0 \r" + struct.pack("<IIII", 0x01020304, 1, 0, len(cfg))
    out += cfg + struct.pack(">QII", 0x4c6962786c466d74, 2, 0) + rec(1, b"")
    out += struct.pack(">QIIHHI", 2**64 - 1, 0x58454E46, 3, 0, 0, 0)
    out += struct.pack("<IHHII", 1, 12, 0, 4, 17)
    offs = {"p2m": len(out)}
    out += rec(3, struct.pack("<IIQ", 0, 31, 20))
    offs["page"] = len(out)
    out += rec(1, struct.pack("<IIQQ", 2, 0, 5, 0x1000000000000006) + b"\xaa" * 8192)
    offs["vcpu"] = len(out)
    out += rec(4, struct.pack("<II", 0, 0) + b"\0" * 5168)
    out += rec(0, b"") + rec(0, b"")
    return out, offs


@test
def save_corrupt_on_fake_image():
    """save-corrupt changes exactly the field each kind names."""
    prog = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")),
                        "dom0-tools", "dom0-test", "save-corrupt")
    if not os.path.isabs(prog):
        prog = os.path.join(TOP, prog)
    assert os.path.isfile(prog), "%s not built (make all)" % prog
    img, offs = fake_save_image()
    page, vcpu = offs["page"], offs["vcpu"] + 16
    want = {"bad-type": (page, struct.pack("<I", 0x7fff)),
            "length-past-end": (page + 4, struct.pack("<I", len(img) - page - 8 + 4096)),
            "length-max": (page + 4, struct.pack("<I", (128 << 20) + 8)),
            "pfn-range": (page + 16, struct.pack("<Q", 0xfffffffff)),
            "p2m-frame": (offs["p2m"] + 16, struct.pack("<Q", 0xfffffffff)),
            "vcpu-rip": (vcpu + 512 + 8 + 128, struct.pack("<Q", 1 << 63)),
            "vcpu-ldt": (vcpu + 512 + 8 + 200 + 4096 + 8, struct.pack("<Q", 65536))}
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in"), os.path.join(d, "out")
        with open(src, "wb") as f:
            f.write(img)
        for kind, (at, data) in sorted(want.items()) + [("page-truncated", (None, None))]:
            r = subprocess.run([prog, kind, src, dst], stdout=subprocess.PIPE, text=True)
            assert r.returncode == 0 and kind in r.stdout, (kind, r.returncode, r.stdout)
            got = open(dst, "rb").read()
            if at is None:
                assert got == img[:page + 8 + 8 + 16 + 2048], (kind, len(got))
                continue
            expect = img[:at] + data + img[at + len(data):]
            assert got == expect, (kind, [i for i in range(len(img)) if got[i] != img[i]][:8])
        with open(src, "wb") as f:
            f.write(img[:40])
        r = subprocess.run([prog, "bad-type", src, dst], stderr=subprocess.PIPE, text=True)
        assert r.returncode == 1 and "no xl save header" in r.stderr, (r.returncode, r.stderr)


@test
def usclock_on_host():
    """usclock prints the clock, or a command's time as the T lines bench-xl
    reads (-1 when the command fails or cannot start), with its status."""
    prog = os.path.join(os.environ.get("BUILD", os.path.join(TOP, "build")),
                        "dom0-tools", "dom0-test", "usclock")
    if not os.path.isabs(prog):
        prog = os.path.join(TOP, prog)
    assert os.path.isfile(prog), "%s not built (make all)" % prog

    def run(*argv):
        r = subprocess.run([prog] + list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        return r.returncode, r.stdout, r.stderr

    # CLOCK_MONOTONIC in microseconds: between Python's readings of that clock
    before = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
    rc, now, _ = run()
    after = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6) + 1
    assert rc == 0 and before <= int(now) <= after, (rc, before, now, after)
    rc, out, _ = run("step", "true")
    assert rc == 0 and re.fullmatch(r"T step \d+\n", out), (rc, out)
    assert run("bad", "sh", "-c", "exit 3")[:2] == (3, "T bad -1\n")
    rc, out, err = run("gone", "/nonexistent/cmd")
    assert rc == 127 and out == "T gone -1\n" and "/nonexistent/cmd" in err, (rc, out, err)
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "out")
        rc, out, _ = run("-o", log, "x", "sh", "-c", "echo one; echo two >&2")
        assert rc == 0 and re.fullmatch(r"T x \d+\n", out), (rc, out)
        assert open(log).read() == "one\ntwo\n"
    rc, out, _ = run("-l", "y", "sh", "-c", "echo one; sleep 0.01; echo two >&2")
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 3, (rc, out)
    t1, t2 = (int(l.split()[0]) for l in lines[:2])
    assert lines[0].endswith(" one") and lines[1].endswith(" two") and t1 <= t2, out
    assert re.fullmatch(r"T y \d+", lines[2]), out
    for bad in (["-l"], ["-x", "n", "true"], ["-l", "-o", "f", "n", "true"]):
        rc, out, err = run(*bad)
        assert rc == 2 and "usage:" in err and not out, (bad, rc, out, err)


@test
def save_devices_judges():
    import save_dev_checks as sd
    cases = (("keep 0 1.0\nkeep 1 2.0\nkeep 2 3.0\n", (3, 0, 2)),
             ("keep 0 1.0\nkeep 1 2.0\nkeep 0 0.5\nkeep 1 1.5\n", (4, 2, 1)),
             ("keep 0 1.0\nkeep 2 3.0\n", (2, 1, 2)),
             ("", (0, 0, -1)))
    for text, want in cases:
        out = subprocess.run(["sh", "-c", sd.SEQ_AWK], input=text, capture_output=True,
                             text=True, check=True).stdout
        assert sd.seq_state(out) == want, (text, out, want)
    old = [(0, 1.0), (1, 2.0)]
    assert sd.counter_went_on(old, old + [(2, 40.0), (3, 41.0)])
    assert not sd.counter_went_on(old, old), "no new line"
    assert not sd.counter_went_on(old, old + [(0, 0.5), (1, 1.5)]), "a reset"
    assert not sd.counter_went_on(old, old + [(2, 1.5)]), "uptime back"
    assert not sd.counter_went_on(old, old + [(3, 4.0)]), "a line lost"
    assert not sd.counter_went_on([], [(0, 1.0)]), "nothing before"


# Two dumps as `xl dmesg` holds them: an older one, then Xen 4.17's lines
# with a domU still listed (a port of dom0 bound to it, an entry it pins),
# one line with a console timestamp.
HV_DUMP_TEXT = """(XEN) 'e' pressed -> dumping event-channel info
(XEN) Event channel information for d0:
(XEN)        9 [0/0/0]: s=2 n=0 x=0 d=7
(XEN) 'e' pressed -> dumping event-channel info
(XEN) Event channel information for d0:
(XEN) ABI: FIFO
(XEN)     port [p/m/s]
(XEN) [   42.125000]        1 [0/0/-]: s=5 n=0 x=0 v=0
(XEN)       24 [0/1/0]: s=3 n=0 x=0 d=3 p=5
(XEN) Event channel information for d3:
(XEN)        5 [0/0/0]: s=3 n=0 x=0 d=0 p=24
(XEN) gnttab_usage_print_all [ key 'g' pressed
(XEN)       -------- active --------       -------- shared --------
(XEN) [ref] localdom mfn      pin          localdom gmfn     flags
(XEN) grant-table for remote d0 (v1)
(XEN)   1 frames (64 max), 0 maptrack frames (1024 max)
(XEN) no active grant table entries
(XEN) grant-table for remote d3 (v1)
(XEN) [0x008]      0 0x12345 0x00000001          0 0x0123ab 0x19
(XEN) gnttab_usage_print_all ] done
"""


@test
def hv_state_judges():
    import hv_state
    awk = hv_state.DUMP.split("xl dmesg | ", 1)[1]
    out = subprocess.run(["sh", "-c", awk], input=HV_DUMP_TEXT, capture_output=True,
                         text=True, check=True).stdout
    assert "(XEN)" not in out and " 9 [" not in out, out
    after = hv_state.parse(out)
    assert after["ports"] == {0: [(1, 5, None), (24, 3, 3)], 3: [(5, 3, 0)]}, after
    assert after["grants"] == {0: 0, 3: 1} and after["maptrack"] == {0: None, 3: None}
    before = hv_state.parse("Event channel information for d0:\n"
                            "       1 [0/0/-]: s=5 n=0 x=0 v=0 (virq)\n"
                            "grant-table for remote d0 (v1)\n"
                            "no active grant table entries\n")
    assert hv_state.leftovers(before, before) == []
    left = " ".join(hv_state.leftovers(before, after))
    for what in ("ports dump: [3]", "grants dump: [3]", "2 ports in use, 1 before",
                 "naming a domU: [(24, 3, 3)]"):
        assert what in left, (what, left)
    assert hv_state.leftovers(before, None), "no dump after"
    assert hv_state.parse("grant-table for remote d0 (v1)\n") is None, "no 'e' part"



class FakeDom0:
    """The system test's module as pxl_cycles_checks uses it: shell_run runs
    the state script on the host with fake xenstore-list, pidof and pxl
    first on PATH; `leftover` adds a pty and a pxl process for N reads."""

    def __init__(self, tmp, leftover=0):
        self.tmp, self.leftover = tmp, leftover
        fake = {"xenstore-list": 'case "$1" in /local/domain) echo 0;; esac',
                "pidof": 'cat %s/pids 2>/dev/null' % tmp,
                "pxl": 'echo "Mem: 2097152k total, 556656k used, 1540496k free    '
                       'CPUs: 1 @ 2394MHz"'}
        os.makedirs(os.path.join(tmp, "bin"), exist_ok=True)
        for name, body in fake.items():
            path = os.path.join(tmp, "bin", name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n%s\n" % body)
            os.chmod(path, 0o755)
        with open(os.path.join(tmp, "pid"), "w") as f:
            f.write("%d\n" % os.getpid())

    def shell_run(self, con, cmd, timeout=30):
        if cmd.startswith("sleep"):
            return 0, ""
        with open(os.path.join(self.tmp, "pids"), "w") as f:
            f.write("4242\n" if self.leftover > 0 else "")
        self.leftover -= 1
        env = dict(os.environ, PATH=os.path.join(self.tmp, "bin") + ":" + os.environ["PATH"])
        r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, env=env)
        return r.returncode, r.stdout


@test
def pxl_cycles_judges():
    import pxl_cycles_checks as pc
    with tempfile.TemporaryDirectory() as tmp:
        t = FakeDom0(tmp)
        script = os.path.join(tmp, "state")
        assert pc.put_script(t, None, script, pc.STATE), "script not written"
        pid_file = os.path.join(tmp, "pid")
        # dom0_state runs STATE_SCRIPT: point it at the host's copy
        pc.STATE_SCRIPT, saved = script, pc.STATE_SCRIPT
        try:
            before = pc.dom0_state(t, None, pid_file)
            assert before["free-kib"] == "1540496" and before["domains"] == "0", before
            assert pc.usable(before) and int(before["daemon-fds"]) > 0, before
            assert pc.settled(t, None, pid_file, before) is None
            t.leftover = 3  # a monitor still there for three reads: waited for
            assert pc.settled(t, None, pid_file, before) is None
            t.leftover = pc.SETTLE_WAIT + 1
            why = pc.settled(t, None, pid_file, before)
            assert why and "pxl '4242'" in why, why
            assert not pc.usable(dict(before, pxl="4242"))
            assert not pc.usable(dict(before, **{"free-kib": ""}))
        finally:
            pc.STATE_SCRIPT = saved


class FreeReads:
    """The system test's module as net_checks.free_left uses it: free_kib
    gives `reads` one by one (then the last again), wait_free_memory polls
    it up to `polls` times."""

    def __init__(self, reads, polls=3):
        self.reads, self.polls = list(reads), polls

    def free_kib(self, con):
        return self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]

    def wait_free_memory(self, con, want, read):
        got = read(con)
        for _ in range(self.polls):
            if got == want:
                break
            got = read(con)
        return got


@test
def split_cycles_free_judges():
    import net_checks as nc
    start = 1540496
    # the warm-up may keep one page, and its frames may come back late
    assert nc.free_left(FreeReads([start - 4]), None, (start,)) is None
    assert nc.free_left(FreeReads([start - 400, start]), None, (start,)) is None
    why = nc.free_left(FreeReads([start - 8]), None, (start,))
    assert why and "1540488 KiB, 1540496 before the warm-up" in why, why
    assert nc.free_left(FreeReads([None]), None, (start,)), "unread"
    # after it, not a page less: one page kept is a leak
    assert nc.free_left(FreeReads([start - 4096, start]), None, start) is None
    why = nc.free_left(FreeReads([start - 4]), None, start)
    assert why and "free 1540492 KiB, 1540496 before" in why, why
    assert nc.free_left(FreeReads([start + 4]), None, start), "more than before"


@test
def migrate2_dev_writer():
    import migrate2_dev_test as md
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "memw.awk")
        with open(prog, "w") as f:
            f.write(md.WRITER)
        out = subprocess.run(["awk", "-v", "S=0", "-v", "N=70", "-f", prog],
                             capture_output=True, text=True, check=True).stdout
    lines = [(int(n), float(u), int(b)) for n, u, b in md.MEM_LINE.findall(out)]
    assert [n for n, _, _ in lines] == list(range(70)), out[-300:]
    assert not [l for l in lines if l[2]], [l for l in lines if l[2]][:4]


@test
def migrate2_dev_judges():
    import migrate2_dev_test as md
    good = [(n, 10.0 + n, 0) for n in range(8)]
    cases = ((good, True), (good[:3] + good[4:], False), (good + [(8, 30.0, 1)], False),
             (good + [(8, 5.0, 0)], False), (good[:2], False))
    verdicts = []
    res = type("Res", (), {"check": lambda self, name, cond, why, detail="": verdicts.append(
        bool(cond))})()
    for mem, want in cases:
        md.check_memory("x", mem, good[:2], res)
        assert verdicts[-1] == want, (mem, want)
    mac, ip = bytes.fromhex(md.DOMU[1].replace(":", "")), bytes([192, 168, 77, 41])
    peer = bytes([192, 168, 77, 1])

    def arp(sec, target):
        frame = b"\xff" * 6 + mac + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01" + \
            mac + ip + b"\x00" * 6 + target
        return struct.pack("<IIII", sec, 0, len(frame), len(frame)) + frame
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "a.pcap")
        with open(path, "wb") as f:
            f.write(b"\0" * 24 + arp(50, ip) + arp(100, peer) + arp(120, ip))
        assert md.garps(path, 60) == [120.0], md.garps(path, 60)


def main():
    return run(TESTS, "system-harness")


if __name__ == "__main__":
    sys.exit(main())
