"""xl dump-core and the on_crash actions coredump-destroy and
coredump-restart, Debian's xl beside Petrel's pxl (step pxl-dumpcore, run
only when named in --only; make test-pxl-dumpcore and test-pxl-dumpcore-xen).

    check_dumpcore(t, con, res, timeout)
        the save-restore test guest (rootfs/etc/xl-save.cfg), paused: Debian's
        `xl dump-core` and `pxl dump-core` write the same file byte for byte;
        it is an ELF core with xc_domain_dumpcore's sections and notes (Xen's
        version, the guest's vCPU and page counts), its vCPU's rip is in the
        guest's kernel, its shared_info holds the max_pfn the guest wrote, and
        the pages of the guest's pattern (save-restore.c) hold what the guest
        wrote there; dump-core of a missing domain, to a missing directory and
        without a file fail alike under both tools.  Then the guest, created
        by each tool with on_crash = "coredump-destroy" and then
        "coredump-restart", is crashed (control/shutdown "crash"): the core is
        written to /var/lib/xen/dump/NAME, the domain destroyed (or built
        again under a new id), and the monitor's log has xl's lines.

    check_dumpcore_linux(t, con, res, timeout)
        step pxl-dumpcore-linux (make test-pxl-dumpcore-linux, -xen): the
        Linux domU (rootfs/etc/xl-linux.cfg, 128 MiB: its p2m is a linear list
        in its own address space), paused, dumped by both tools: the same
        file, section by section, its sections and notes.

    check_dumpcore_hvm(t, con, res, timeout)
        step pxl-dumpcore-hvm (make test-pxl-dumpcore-hvm, -xen): the PVH
        domU hvm-hello (rootfs/etc/xl-pvh.cfg, 32 MiB), kept after it powers
        itself off, dumped by Debian's xl and by pxl: the cores of an HVM
        guest agree (section names, note types, the HVM magic, vCPU and page
        counts, the .xen_pfn list and the pages the same), and the guest's
        first text page (its ELF's, loaded at 1 MiB) is found at its pfn.

`t` is the system test's module (dom0_system_test).
"""

import os
import re
import struct
import subprocess

from pxl_checks import compare_outcomes

NAME = "dcore"
CFG = "/etc/xl-save.cfg"
GUEST_ELF = os.path.join(os.path.dirname(__file__), "..", "..", "build", "tests", "guests",
                         "save-restore.elf")
VIRT_BASE = 0xffffffff80000000
PAGE = 4096
SECTIONS = ["", ".shstrtab", ".note.Xen", ".xen_prstatus", ".xen_shared_info", ".xen_pages",
            ".xen_p2m"]
NOTE_TYPES = [0x2000000, 0x2000001, 0x2000002, 0x2000003]
CONTEXT_SIZE = 5168  # vcpu_guest_context (64-bit)
RIP_IN_CONTEXT = 520 + 128  # user_regs, then 15 registers and error_code/entry_vector
MAX_PFN_IN_SHINFO = 3088
HVM_SECTIONS = ["", ".shstrtab", ".note.Xen", ".xen_prstatus", ".xen_pages", ".xen_pfn"]
HVM_MAGIC = 0xF00FEBEE
HVM_CFG = "/etc/xl-pvh.cfg"
HVM_ELF = "/usr/lib/petrel-domu/hvm-hello.elf"
# xl maps each GFN below XENMEM_maximum_gpfn + 1 alone, and a PVH domU's
# special pages sit just below 0xFF000000: about a million tries under TCG
HVM_XL_DUMP_WAIT = 2400
HVM_ELF_BUILT = os.path.join(os.path.dirname(__file__), "..", "..", "build", "tests", "guests-hvm",
                             "hvm-hello.elf")
DUMP_DIR = "/var/lib/xen/dump"
CRASH_WAIT = 600  # seconds for a crashed domain's core and destroy (and rebuild)


def pattern_word(page, i):
    """save-restore.c's pattern_word()."""
    return (((page * 512 + i) * 0x9e3779b97f4a7c15) & (2**64 - 1)) ^ 0x5a5a00005a5a0000


def pattern_page(page):
    return struct.pack("<512Q", *(pattern_word(page, i) for i in range(512)))


def read_bytes(sh, path, off, n):
    """n bytes of a file in dom0 from offset off (through od)."""
    _, out = sh("od -A n -t x1 -v -j %d -N %d %s" % (off, n, path), 60 + n // 512)
    return bytes(int(x, 16) for x in out.split() if re.fullmatch(r"[0-9a-f]{2}", x))


def pattern_pfn():
    """The PFN of the guest's first pattern page (the symbol `pattern`)."""
    out = subprocess.run(["nm", GUEST_ELF], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) [bBdD] pattern$", out, re.M)
    return (int(m.group(1), 16) - VIRT_BASE) // PAGE if m else None


def sections(sh, path, want=SECTIONS):
    """{name: (type, offset, size, entsize)} of the core's sections, the ELF
    header's fields, or ({}, reason)."""
    head = read_bytes(sh, path, 0, 512)
    if len(head) < 512 or head[:4] != b"\x7fELF":
        return {}, "no ELF header: %r" % head[:16]
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    shoff, = struct.unpack_from("<Q", head, 40)
    shnum, shstrndx = struct.unpack_from("<HH", head, 60)
    if (e_type, e_machine, shoff, shnum) != (4, 62, 64, len(want)):
        return {}, "type %d machine %d shoff %d shnum %d" % (e_type, e_machine, shoff, shnum)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", head, 64 + 64 * i) for i in range(shnum)]
    strtab = read_bytes(sh, path, shdrs[shstrndx][4], shdrs[shstrndx][5])
    out = {}
    for s in shdrs:
        name = strtab[s[0]:strtab.index(b"\0", s[0])].decode()
        out[name] = (s[1], s[4], s[5], s[9])
    return out, "sections %s" % sorted(out)


def notes(sh, path, sec):
    """The .note.Xen notes: [(type, desc bytes)]."""
    data = read_bytes(sh, path, sec[".note.Xen"][1], sec[".note.Xen"][2])
    got, off = [], 0
    while off + 16 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        name = data[off + 12:off + 16]
        got.append((ntype, name, data[off + 16:off + 16 + descsz]))
        off += 16 + descsz
    return got


def check_notes(sh, res, check, path, sec):
    got = notes(sh, path, sec)
    types = [n[0] for n in got]
    header = struct.unpack_from("<4Q", got[1][2]) if len(got) > 1 and len(got[1][2]) == 32 \
        else None
    version = struct.unpack_from("<2Q", got[2][2]) if len(got) > 2 and len(got[2][2]) >= 16 \
        else None
    fmt = struct.unpack_from("<Q", got[3][2]) if len(got) > 3 and len(got[3][2]) == 8 else None
    pages = sec[".xen_pages"][2] // PAGE
    res.check(check,
              types == NOTE_TYPES and all(n[1] == b"Xen\0" for n in got) and
              header == (0xF00FEBED, 1, pages, PAGE) and version == (4, 17) and fmt == (1,) and
              sec[".xen_p2m"][2] == 16 * pages and sec[".xen_prstatus"][2] == CONTEXT_SIZE,
              "notes %r, header %r, version %r, format %r, sections %r"
              % (types, header, version, fmt, sec),
              "header (magic, vcpus, pages, page size) %r, Xen %r" % (header, version))
    return pages


def check_layout(sh, res, check, path):
    """The core's ELF header, section table and notes; its sections or {}."""
    sec, why = sections(sh, path)
    _, size = sh("wc -c < %s" % path)
    last = max((s[1] + s[2] for s in sec.values()), default=0)
    ok = sorted(sec) == sorted(SECTIONS) and size.strip() == str(last) and \
        sec[".xen_pages"][1] % PAGE == 0 and sec[".xen_pages"][3] == PAGE and \
        sec[".note.Xen"][0] == 7
    res.check(check, ok, "%s; file %s bytes, sections end at %d: %r"
              % (why, size.strip(), last, sec), "%d sections, %s bytes" % (len(sec), size.strip()))
    return sec if ok else {}


def check_contents(sh, res, path, sec, pages):
    """vCPU 0's rip, shared_info's max_pfn, two pattern pages."""
    ctxt = read_bytes(sh, path, sec[".xen_prstatus"][1], CONTEXT_SIZE)
    rip = struct.unpack_from("<Q", ctxt, RIP_IN_CONTEXT)[0] if len(ctxt) == CONTEXT_SIZE else 0
    shinfo = read_bytes(sh, path, sec[".xen_shared_info"][1] + MAX_PFN_IN_SHINFO, 8)
    max_pfn = struct.unpack("<Q", shinfo)[0] if len(shinfo) == 8 else None
    res.check("pxl/dumpcore-state", VIRT_BASE <= rip < VIRT_BASE + pages * PAGE and
              max_pfn == pages, "rip %#x, max_pfn %r, %d pages" % (rip, max_pfn, pages),
              "rip %#x, max_pfn %d" % (rip, max_pfn or 0))
    first = pattern_pfn()
    bad = [] if first is not None else ["no `pattern` symbol in %s" % GUEST_ELF]
    for page in (0, 255) if first is not None else ():
        pfn = first + page
        pair = read_bytes(sh, path, sec[".xen_p2m"][1] + 16 * pfn, 16)
        got = read_bytes(sh, path, sec[".xen_pages"][1] + PAGE * pfn, PAGE)
        if len(pair) != 16 or struct.unpack("<Q", pair[:8])[0] != pfn:
            bad.append("p2m entry %d: %r" % (pfn, pair.hex()))
        elif got != pattern_page(page):
            bad.append("pattern page %d (pfn %d) differs: %r" % (page, pfn, got[:32].hex()))
    res.check("pxl/dumpcore-pages", not bad, "; ".join(bad), "pattern pages 0 and 255 as written")


def section_sums(sh, path, want=SECTIONS):
    """{section name: MD5 of its bytes} of a core in dom0."""
    sec, _ = sections(sh, path, want)
    names = sorted(n for n in sec if n)
    _, out = sh("; ".join("tail -c +%d %s | head -c %d | md5sum" % (sec[n][1] + 1, path, sec[n][2])
                          for n in names), 600)
    return dict(zip(names, re.findall(r"^([0-9a-f]{32})\s", out, re.M)))


def small_sections(sh, path):
    """The vCPU contexts and shared_info of a core in dom0, as bytes."""
    sec, _ = sections(sh, path)
    return {n: read_bytes(sh, path, sec[n][1], sec[n][2])
            for n in (".xen_prstatus", ".xen_shared_info") if n in sec}


def differences(a, b):
    """The offsets (at most 8) where two byte strings differ, and how many."""
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    return "%d bytes differ%s, at %s" % (len(diff), "" if len(a) == len(b) else " (lengths)",
                                         ", ".join("%#x" % i for i in diff[:8]))


def dump_both(t, con, res, dom, tag, timeout):
    """The paused domain dumped by each tool (xl's core removed after its
    sections' MD5 sums are taken, pxl's kept as /tmp/pxl.core): each
    section the same; True when both wrote one."""
    sh = t.shell_fn(con)
    ok, sums, small = True, [], []
    for tool in ("xl", "pxl"):
        _, out = sh("s=$(date +%%s); %s dump-core %s /tmp/%s.core 2>/tmp/dc.err; echo rc=$?; "
                    "echo took $(($(date +%%s) - s)) s; tail -n 3 /tmp/dc.err"
                    % (tool, dom, tool), timeout + 300)
        took = re.search(r"took \d+ s", out)
        ok &= res.check("pxl/dumpcore-%s%s" % (tag, tool), "rc=0" in out, "%r" % out.strip(),
                        took.group(0) if took else "")
        sums.append(section_sums(sh, "/tmp/%s.core" % tool))
        small.append(small_sections(sh, "/tmp/%s.core" % tool))
        sh("rm -f /tmp/xl.core")
    differ = sorted(n for n in set(sums[0]) | set(sums[1]) if sums[0].get(n) != sums[1].get(n))
    detail = "; ".join("%s: %s" % (n, differences(small[0][n], small[1][n]))
                       for n in differ if n in small[0] and n in small[1])
    res.check("pxl/dumpcore-%ssame" % tag, ok and len(sums[0]) == 6 and not differ,
              "sections that differ: %r (%s); xl %r, pxl %r" % (differ, detail, sums[0], sums[1]),
              "xl's and pxl's cores the same, section by section")
    return ok


def check_dump_core(t, con, res, timeout):
    sh = t.shell_fn(con)
    rc, out = t.shell_run(con, "xl create %s 'name=\"%s\"'; echo rc=$?" % (CFG, NAME),
                          t.XL_CREATE_TIMEOUT)
    rc, log = t.console_log_wait(con, NAME, "save-restore: tick 2", 60)
    if not res.check("pxl/dumpcore-running", rc == 0, "%r %r" % (out[-400:], log[-400:])):
        return
    sh("xl pause %s" % NAME)
    if dump_both(t, con, res, NAME, "", timeout):
        sec = check_layout(sh, res, "pxl/dumpcore-elf", "/tmp/pxl.core")
        if sec:
            pages = check_notes(sh, res, "pxl/dumpcore-notes", "/tmp/pxl.core", sec)
            check_contents(sh, res, "/tmp/pxl.core", sec, pages)
    compare_outcomes(sh, res, "pxl/dumpcore", [
        ("missing-domain", "dump-core nosuch /tmp/x.core"),
        ("missing-dir", "dump-core %s /nonexistent/x.core" % NAME),
        ("no-file-usage", "dump-core %s" % NAME)])
    sh("xl destroy %s; rm -f /tmp/pxl.core /tmp/x.core" % NAME, 120)


def check_linux(t, con, res, timeout):
    """The Linux domU (its p2m a linear list under p2m_cr3), paused and
    dumped by both tools."""
    sh = t.shell_fn(con)
    dom = "dclin"
    t.xl_create_linux(con, dom, timeout)
    rc, out = t.console_log_wait(con, dom, t.DOMU_MARKER, t.DOMU_BOOT_WAIT)
    if res.check("pxl/dumpcore-linux-running", rc == 0, "%r" % out.strip()[-400:]):
        sh("xl pause %s" % dom)
        if dump_both(t, con, res, dom, "linux-", timeout):
            sec = check_layout(sh, res, "pxl/dumpcore-linux-elf", "/tmp/pxl.core")
            if sec:
                check_notes(sh, res, "pxl/dumpcore-linux-notes", "/tmp/pxl.core", sec)
    sh("xl destroy %s; rm -f /tmp/pxl.core" % dom, 120)


def crash_outcome(t, con, tool, action, timeout):
    """`TOOL create` of the guest as NAME-c with on_crash = action, crashed once
    it counts: (created, core written with ELF magic, domain gone, rebuilt
    under a new id) and the monitor log's lines about it."""
    sh = t.shell_fn(con)
    name = NAME + "-c"
    core = "%s/%s" % (DUMP_DIR, name)
    sh("rm -f %s /var/log/xen/xl-%s.log %s/guest-%s.log; mkdir -p %s"
       % (core, name, t.XL_CONSOLE_DIR, name, DUMP_DIR))
    _, out = sh("%s create -q %s 'name=\"%s\"' 'on_crash=\"%s\"'; echo rc=$?"
                % (tool, CFG, name, action), t.XL_CREATE_TIMEOUT)
    t.console_log_wait(con, name, "save-restore: tick 1", 60)
    _, old = sh("xl domid %s" % name)
    sh("xenstore-write /local/domain/%s/control/shutdown crash" % old.strip())
    # the core is written (xl's takes minutes under TCG), then the domain
    # destroyed (and built again)
    _, new = sh("e=$(($(date +%%s) + %d)); while [ $(date +%%s) -lt $e ]; do "
                "d=$(xl domid %s 2>/dev/null); [ -n \"$d\" ] && [ \"$d\" != %s ] && break; "
                "[ -z \"$d\" ] && [ %d = 0 ] && break; sleep 2; done; echo \"id=$d\""
                % (CRASH_WAIT, name, old.strip(), action == "coredump-restart"), CRASH_WAIT + 60)
    _, magic = sh("sleep 1; od -c -N 4 %s | head -n 1" % core)
    _, log = sh("grep -E 'shutdown reason|core|cleaned up|Rebooting' /var/log/xen/xl-%s.log"
                % name)
    m = re.search(r"id=(\d*)", new)
    new_id = m.group(1) if m else ""
    sh("xl destroy %s 2>/dev/null; rm -f %s" % (name, core), 120)
    outcome = ("rc=0" in out, "E   L   F" in magic, new_id == "",
               new_id not in ("", old.strip()))
    return outcome, log


def check_crash_actions(t, con, res, timeout):
    """on_crash = coredump-destroy and coredump-restart, under each tool."""
    for action, want in (("coredump-destroy", (True, True, True, False)),
                         ("coredump-restart", (True, True, False, True))):
        got = {tool: crash_outcome(t, con, tool, action, timeout) for tool in ("xl", "pxl")}
        res.check("pxl/dumpcore-%s" % action, got["xl"][0] == got["pxl"][0] == want,
                  "(created, core written, destroyed, rebuilt): xl %r, pxl %r"
                  % (got["xl"][0], got["pxl"][0]), "as xl: %r" % (got["pxl"][0],))
        lines = (r"Action for shutdown reason code 3 is %s\n"
                 r"dumping core to %s/%s-c\n"
                 r"Domain \d+ needs to be cleaned up: destroying the domain" % (action, DUMP_DIR,
                                                                               NAME))
        res.check("pxl/dumpcore-%s-log" % action,
                  all(re.search(lines, got[tool][1]) for tool in ("xl", "pxl")),
                  "monitor logs: xl %r, pxl %r" % (got["xl"][1], got["pxl"][1]), "xl's lines")


def check_dumpcore(t, con, res, timeout):
    t.shell_run(con, "%s && echo started; rm -f %s/guest-%s.log"
                % (t.XENCONSOLED, t.XL_CONSOLE_DIR, NAME), timeout)
    check_dump_core(t, con, res, timeout)
    check_crash_actions(t, con, res, timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


def check_dumpcore_linux(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    check_linux(t, con, res, timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)


def elf_first_load():
    """(physical address, file offset) of hvm-hello.elf's first PT_LOAD."""
    with open(HVM_ELF_BUILT, "rb") as f:
        data = f.read(4096)
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    for i in range(phnum):
        p_type, _, p_offset, _, p_paddr = struct.unpack_from("<IIQQQ", data, phoff + 56 * i)
        if p_type == 1:
            return p_paddr, p_offset
    return None, None


def hvm_core(sh, tool, dom, timeout):
    """TOOL dump-core of dom to /tmp/TOOL.core: (exit 0, sections, notes, sums, report)."""
    path = "/tmp/%s.core" % tool
    _, out = sh("s=$(date +%%s); %s dump-core %s %s 2>/tmp/dc.err; echo rc=$?; "
                "echo took $(($(date +%%s) - s)) s; tail -n 3 /tmp/dc.err"
                % (tool, dom, path), timeout + (HVM_XL_DUMP_WAIT if tool == "xl" else 300))
    sec, why = sections(sh, path, HVM_SECTIONS)
    got = notes(sh, path, sec) if ".note.Xen" in sec else []
    sums = section_sums(sh, path, HVM_SECTIONS) if sec else {}
    return "rc=0" in out, sec, got, sums, "%s; %s" % (out.strip(), why)


def hvm_header(got):
    """The core header note's (magic, vCPUs, pages, page size), or None."""
    return struct.unpack_from("<4Q", got[1][2]) if len(got) > 1 and len(got[1][2]) == 32 \
        else None


def check_hvm_pattern(sh, res, sec):
    """The guest's first loaded page (its ELF's) at its pfn in pxl's core."""
    paddr, offset = elf_first_load()
    pfn = paddr // PAGE if paddr is not None else None
    nr = sec[".xen_pfn"][2] // 8
    raw = read_bytes(sh, "/tmp/pxl.core", sec[".xen_pfn"][1], 8 * min(nr, (pfn or 0) + 1))
    pfns = list(struct.unpack("<%dQ" % (len(raw) // 8), raw[:len(raw) // 8 * 8]))
    j = pfns.index(pfn) if pfn in pfns else None
    _, out = sh("tail -c +%d %s | head -c %d | md5sum; tail -c +%d /tmp/pxl.core | head -c %d | "
                "md5sum" % ((offset or 0) + 1, HVM_ELF, PAGE,
                            sec[".xen_pages"][1] + PAGE * (j or 0) + 1, PAGE), 120)
    sums = re.findall(r"^([0-9a-f]{32})\s", out, re.M)
    res.check("pxl/dumpcore-hvm-pages", j is not None and len(sums) == 2 and sums[0] == sums[1],
              "pfn %r at index %r of .xen_pfn (first entries %r); ELF page and core page: %r"
              % (pfn, j, pfns[:4], sums),
              "pfn %#x (index %d) holds the ELF's page at offset %#x" % (pfn or 0, j or 0,
                                                                         offset or 0))


def check_hvm(t, con, res, timeout):
    """The PVH hello domU, shut down and kept, dumped by both tools."""
    sh = t.shell_fn(con)
    dom = "dchvm"
    rc, out = t.shell_run(con, "xl create %s 'name=\"%s\"'; echo rc=$?" % (HVM_CFG, dom),
                          t.XL_CREATE_TIMEOUT)
    state = t.wait_shut_down(con, dom)
    if not res.check("pxl/dumpcore-hvm-shutdown", "rc=0" in out and re.search(r"state \S*s", state),
                     "%r; %r" % (out.strip()[-300:], state), state):
        sh("xl destroy %s" % dom, 120)
        return
    cores = {tool: hvm_core(sh, tool, dom, timeout) for tool in ("pxl", "xl")}
    for tool, (ok, sec, got, sums, why) in cores.items():
        header = hvm_header(got)
        res.check("pxl/dumpcore-hvm-%s" % tool,
                  ok and sorted(sec) == sorted(HVM_SECTIONS) and
                  [n[0] for n in got] == NOTE_TYPES and header is not None and
                  header[0] == HVM_MAGIC and header[3] == PAGE and
                  sec[".xen_pages"][2] == PAGE * header[2] and
                  sec[".xen_pfn"][2] == 8 * header[2] and sec[".xen_pfn"][3] == 8 and
                  sec[".xen_prstatus"][2] == CONTEXT_SIZE * header[1],
                  "%s; notes %r, header %r, sections %r" % (why, [n[0] for n in got], header, sec),
                  "header (magic, vcpus, pages, page size) %r" % (header,))
    xl, pxl = cores["xl"], cores["pxl"]
    differ = sorted(n for n in (".xen_pages", ".xen_pfn") if xl[3].get(n) != pxl[3].get(n))
    res.check("pxl/dumpcore-hvm-same",
              sorted(xl[1]) == sorted(pxl[1]) and hvm_header(xl[2]) == hvm_header(pxl[2]) and
              [n[0] for n in xl[2]] == [n[0] for n in pxl[2]] and not differ and xl[3],
              "sections xl %r pxl %r; headers xl %r pxl %r; differ %r"
              % (sorted(xl[1]), sorted(pxl[1]), hvm_header(xl[2]), hvm_header(pxl[2]), differ),
              "same sections, notes, header, .xen_pfn and .xen_pages")
    if pxl[1].get(".xen_pfn"):
        check_hvm_pattern(sh, res, pxl[1])
    sh("xl destroy %s; rm -f /tmp/xl.core /tmp/pxl.core" % dom, 120)


def check_dumpcore_hvm(t, con, res, timeout):
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    check_hvm(t, con, res, timeout)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)", timeout)
