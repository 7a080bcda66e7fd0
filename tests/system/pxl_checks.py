"""Petrel's xl (/usr/sbin/pxl) judged by Debian's xl on the same host.

Each check runs a command with both tools in dom0 and compares what they
print and how they exit, so the same checks hold on Petrel and on Xen 4.17.
Columns that move between two runs (CPU time, uptime seconds, running or
blocked) are compared with a tolerance; everything else must be equal.

    check_dom0(sh, res)           info, list, uptime, dmesg, errors (dom0 only)
    check_domu(sh, res, name)     list, domid/domname, pause/unpause, uptime of a domU;
                                  vcpu-list, rename, vcpu-set, mem-max, mem-set, vcpu-pin,
                                  sched-credit against xl's output and effects
    check_destroy(sh, res, ...)   pxl destroy of a domU Debian's xl created
    check_create(sh, res, ...)    pxl create of the guest; Debian's xl lists and destroys it
    check_create_more(sh, res, ...) -N create (xl's dry run), a broken file, create -p
    check_dmesg_clear(sh, res)    pxl dmesg -c, on a ring that still has the banner

`sh(cmd, timeout=30)` runs a shell command in dom0 and returns (rc, output);
`res` is the system test's Results.
"""

import re
import time

LIST_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+([\d.]+)(.*)$")
# `xl info` keys whose values move between two runs, with the allowed drift
INFO_DRIFT = {"free_memory": 2}


def both(sh, args, timeout=30):
    """Run `xl ARGS` and `pxl ARGS`: ((rc, out), (rc, out))."""
    return sh("xl %s" % args, timeout), sh("pxl %s" % args, timeout)


def info_dict(out):
    pairs = []
    for line in out.splitlines():
        key, sep, val = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            pairs.append((key.strip(), val.strip()))
    return pairs


def info_differences(xl_pairs, pxl_pairs):
    if [k for k, _ in xl_pairs] != [k for k, _ in pxl_pairs]:
        return ["keys differ: xl %r, pxl %r" % ([k for k, _ in xl_pairs],
                                                [k for k, _ in pxl_pairs])]
    bad = []
    for (key, a), (_, b) in zip(xl_pairs, pxl_pairs):
        if key in INFO_DRIFT:
            if not (a.isdigit() and b.isdigit() and abs(int(a) - int(b)) <= INFO_DRIFT[key]):
                bad.append("%s: xl %r, pxl %r" % (key, a, b))
        elif a != b:
            bad.append("%s: xl %r, pxl %r" % (key, a, b))
    return bad


def check_info(sh, res):
    (rc1, out1), (rc2, out2) = both(sh, "info")
    a, b = info_dict(out1), info_dict(out2)
    bad = info_differences(a, b)
    res.check("pxl/info", rc1 == 0 and rc2 == 0 and len(a) > 20 and not bad,
              "rc xl=%d pxl=%d, %d keys; %s" % (rc1, rc2, len(a), "; ".join(bad[:4])),
              "%d lines as xl's" % len(b))
    (rc1, out1), (rc2, out2) = both(sh, "info xen_caps")
    res.check("pxl/info-field", rc1 == rc2 == 0 and out1.strip() == out2.strip() != "",
              "xl %r, pxl %r" % (out1.strip(), out2.strip()), out2.strip())


NUMA_ROW = re.compile(r"^\s*(\d+):\s+(\d+)\s+(\d+)\s+(\S+)$")


def table_lines(out):
    """The lines of `xl info -n` that are not `key : value` ones."""
    return [l.rstrip() for l in out.splitlines()
            if l.strip() and not re.match(r"^\S+\s+: ", l)]


def tables_match(a, b):
    """Topology tables equal; a NUMA row's free memory may drift by 2 MiB."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        mx, my = NUMA_ROW.match(x), NUMA_ROW.match(y)
        if mx and my:
            if (mx.group(1, 2, 4) != my.group(1, 2, 4) or
                    abs(int(mx.group(3)) - int(my.group(3))) > 2):
                return False
        elif x != y:
            return False
    return True


def check_info_numa(sh, res):
    (rc1, out1), (rc2, out2) = both(sh, "info -n")
    bad = info_differences(info_dict(out1), info_dict(out2))
    t1, t2 = table_lines(out1), table_lines(out2)
    res.check("pxl/info-numa", rc1 == rc2 == 0 and not bad and len(t1) >= 4 and
              tables_match(t1, t2),
              "rc xl=%d pxl=%d; %s\nxl tables %r\npxl tables %r"
              % (rc1, rc2, "; ".join(bad[:4]), t1, t2), "%d table lines as xl's" % len(t2))


def list_rows(out):
    lines = [l.rstrip() for l in out.splitlines() if l.strip()]
    return (lines[0] if lines else ""), [LIST_ROW.match(l) for l in lines[1:]]


def rows_match(xl_rows, pxl_rows, strict_state):
    """Rows equal but for CPU time (pxl ran later) and, unless strict, r/b."""
    if len(xl_rows) != len(pxl_rows) or None in xl_rows or None in pxl_rows:
        return False
    for a, b in zip(xl_rows, pxl_rows):
        if a.group(1, 2, 3, 4, 7) != b.group(1, 2, 3, 4, 7):
            return False
        sa, sb = a.group(5), b.group(5)
        if not strict_state:
            sa, sb = sa[2:], sb[2:]
        if sa != sb or not 0 <= float(b.group(6)) - float(a.group(6)) <= 5:
            return False
    return True


def compare_list(sh, res, name, args):
    (rc1, out1), (rc2, out2) = both(sh, "list %s" % args)
    h1, r1 = list_rows(out1)
    h2, r2 = list_rows(out2)
    ok = rc1 == 0 and rc2 == 0 and h1 == h2 and r1 and rows_match(r1, r2, False)
    return res.check(name, ok, "rc xl=%d pxl=%d\nxl:\n%s\npxl:\n%s" % (rc1, rc2, out1, out2),
                     "%d rows" % len(r2))


# Commands that fail: the exit status and the first line on stderr must be
# xl's (with the program's name in it replaced); for "-last" cases the last
# line, where xl's first is a libxl log line naming its source position.
ERROR_CASES = [
    ("list-nosuch-name", "list nosuch"),
    ("list-nosuch-id", "list 999"),
    ("pause-nosuch", "pause nosuch"),
    ("destroy-dom0", "destroy 0"),
    ("destroy-nosuch", "destroy nosuch"),
    ("destroy-nosuch-id-last", "destroy 999"),
    ("unknown-command", "frob"),
    ("missing-arg", "unpause"),
    ("bad-option", "list -q"),
    ("domid-nosuch", "domid nosuch"),
    ("domname-nosuch", "domname 999"),
    ("domname-bad", "domname abc"),
]


def first_error(sh, prog, args, last=False):
    rc, out = sh("%s %s >/dev/null 2>/tmp/pxl-err; echo rc=$?; %s -n 1 /tmp/pxl-err"
                 % (prog, args, "tail" if last else "head"))
    lines = out.splitlines()
    status = lines[0] if lines else ""
    return status, (lines[1] if len(lines) > 1 else "").replace("'%s " % prog, "'PROG ")


def check_errors(sh, res):
    for name, args in ERROR_CASES:
        last = name.endswith("-last")
        a, b = first_error(sh, "xl", args, last), first_error(sh, "pxl", args, last)
        res.check("pxl/error-" + name, a == b and a[0] != "rc=0",
                  "`%s`: xl %r, pxl %r" % (args, a, b), "%s %s" % b)


def check_uptime(sh, res, args, name):
    (rc1, out1), (rc2, out2) = both(sh, "uptime %s" % args)
    row = re.compile(r"^(\S+)\s+(\d+)\s+(?:(\d+) days?, )?\s*(\d+):(\d\d):(\d\d)$")

    def parse(out):
        got = []
        for m in map(row.match, out.splitlines()[1:]):
            if not m:
                return None
            secs = (int(m.group(3) or 0) * 86400 + int(m.group(4)) * 3600 +
                    int(m.group(5)) * 60 + int(m.group(6)))
            got.append((m.group(1), m.group(2), secs))
        return got
    a, b = parse(out1), parse(out2)
    ok = (rc1 == rc2 == 0 and out1.splitlines()[:1] == out2.splitlines()[:1] and a and b and
          [x[:2] for x in a] == [x[:2] for x in b] and
          all(0 <= y[2] - x[2] <= 3 for x, y in zip(a, b)))
    res.check(name, ok, "xl rc=%d %r, pxl rc=%d %r" % (rc1, out1, rc2, out2),
              "%d rows" % len(b or []))


def check_dmesg(sh, res):
    # the ring may grow between the two reads: xl's copy is a prefix of pxl's
    rc, out = sh("xl dmesg > /tmp/xl-dmesg && pxl dmesg > /tmp/pxl-dmesg && "
                 "n=$(wc -c < /tmp/xl-dmesg) && head -c $n /tmp/pxl-dmesg | "
                 "cmp - /tmp/xl-dmesg && echo same $n")
    m = re.search(r"same (\d+)", out)
    res.check("pxl/dmesg", rc == 0 and m and int(m.group(1)) > 100,
              "rc=%d: %r" % (rc, out.strip()[-300:]), "%s bytes as xl's" % (m and m.group(1)))


def check_dom0(sh, res):
    check_info(sh, res)
    check_info_numa(sh, res)
    compare_list(sh, res, "pxl/list", "")
    compare_list(sh, res, "pxl/list-verbose", "-v")
    compare_list(sh, res, "pxl/list-one", "0")
    compare_list(sh, res, "pxl/list-by-name", "Domain-0")
    check_uptime(sh, res, "", "pxl/uptime")
    check_dmesg(sh, res)
    check_errors(sh, res)
    rc, out = sh("pxl help >/dev/null && pxl --version && pxl list -h | head -n 1")
    res.check("pxl/help", rc == 0 and "Usage: pxl [-v] list" in out,
              "rc=%d: %r" % (rc, out.strip()), out.splitlines()[0] if out else "")


def state_of(sh, name):
    rc, out = sh("xl list %s" % name)
    _, rows = list_rows(out)
    return rows[0].group(5) if rc == 0 and rows and rows[0] else None


def check_domu(sh, res, name):
    compare_list(sh, res, "pxl/list-domu", "")
    compare_list(sh, res, "pxl/list-domu-verbose", "-v")
    (rc1, id1), (rc2, id2) = both(sh, "domid %s" % name)
    (rc3, n1), (rc4, n2) = both(sh, "domname %s" % id1.strip())
    res.check("pxl/domid-domname", rc1 == rc2 == rc3 == rc4 == 0 and id1 == id2 and
              n1.strip() == n2.strip() == name,
              "domid xl %r pxl %r; domname xl %r pxl %r" % (id1, id2, n1, n2), id2.strip())
    rc, out = sh("pxl pause %s" % name)
    paused = state_of(sh, name)
    rc2, out2 = sh("pxl unpause %s" % name)
    running = state_of(sh, name)
    res.check("pxl/pause-unpause", rc == rc2 == 0 and paused and paused[2] == "p" and
              running and running[2] == "-",
              "rc %d/%d, state after pause %r, after unpause %r (%r %r)"
              % (rc, rc2, paused, running, out, out2), "%s then %s" % (paused, running))
    check_uptime(sh, res, name, "pxl/uptime-domu")
    check_domu_more(sh, res, name)


VCPU_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+([-r][-b][-p])\s+([\d.]+)\s+(.*)$")


def vcpu_rows(out):
    lines = [l.rstrip() for l in out.splitlines() if l.strip()]
    return (lines[0] if lines else ""), [VCPU_ROW.match(l) for l in lines[1:]]


def compare_vcpu_list(sh, res, name, args):
    """vcpu-list: the same header and rows but for CPU time (pxl ran later,
    at most 5 s more) and running/blocked."""
    (rc1, out1), (rc2, out2) = both(sh, "vcpu-list %s" % args)
    h1, r1 = vcpu_rows(out1)
    h2, r2 = vcpu_rows(out2)
    ok = (rc1 == rc2 == 0 and h1 == h2 and r1 and len(r1) == len(r2) and
          None not in r1 + r2 and
          all(a.group(1, 2, 3, 4, 7) == b.group(1, 2, 3, 4, 7) and
              a.group(5)[2] == b.group(5)[2] and
              0 <= float(b.group(6)) - float(a.group(6)) <= 5 for a, b in zip(r1, r2)))
    res.check(name, ok, "rc xl=%d pxl=%d\nxl:\n%s\npxl:\n%s" % (rc1, rc2, out1, out2),
              "%d rows" % len(r2))


def memory_nodes(sh, domid):
    """memory/static-max, memory/target and /vm/<uuid>/memory of a domain
    ("none" for a node that is not there: libxl writes the last at mem-set)."""
    rc, out = sh("for n in static-max target; do xenstore-read /local/domain/%s/memory/$n "
                 "2>/dev/null || echo none; done; xenstore-read "
                 "$(xenstore-read /local/domain/%s/vm)/memory 2>/dev/null || echo none"
                 % (domid, domid))
    return out.split()


def check_same_effect(sh, res, name, domid, cmd, undo, expect):
    """`xl CMD` then `pxl CMD`, each from the state `xl UNDO` leaves: the
    same exit status and xenstore nodes afterwards, which must be EXPECT."""
    sh("xl %s" % undo)
    rc1, out1 = sh("xl %s" % cmd)
    s1 = memory_nodes(sh, domid)
    sh("xl %s" % undo)
    rc2, out2 = sh("pxl %s" % cmd)
    s2 = memory_nodes(sh, domid)
    res.check(name, rc1 == rc2 == 0 and s1 == s2 == expect,
              "`%s`: xl rc=%d %r -> %r; pxl rc=%d %r -> %r; expected %r"
              % (cmd, rc1, out1, s1, rc2, out2, s2, expect), " ".join(s2))


def check_rename(sh, res, name, domid):
    rc, out = sh("pxl rename %s %sr && xl domid %sr && xl domname %s && "
                 "xenstore-read $(xenstore-read /local/domain/%s/vm)/name && "
                 "! xl domid %s 2>/dev/null && echo old-name-gone"
                 % (name, name, name, domid, domid, name))
    want = [domid, name + "r", name + "r", "old-name-gone"]
    rc2, out2 = sh("pxl rename %sr %s && xl domid %s" % (name, name, name))
    res.check("pxl/rename", rc == 0 and out.split() == want and rc2 == 0 and
              out2.split() == [domid],
              "rc=%d %r (want %r), renamed back rc=%d %r" % (rc, out, want, rc2, out2),
              "%s -> %sr -> %s" % (name, name, name))


def check_vcpu_set(sh, res, name, domid):
    """vcpu-set 1 from cpu/0/availability set offline: xl and pxl both put
    it back online; the refusals as xl's."""
    node = "/local/domain/%s/cpu/0/availability" % domid
    got = []
    for prog in ("xl", "pxl"):
        rc, out = sh("xenstore-write %s offline && %s vcpu-set %s 1; echo rc=$?; "
                     "xenstore-read %s" % (node, prog, name, node))
        got.append(out.split())
    res.check("pxl/vcpu-set", got[0] == got[1] == ["rc=0", "online"],
              "xl %r, pxl %r" % tuple(got), " ".join(got[1]))
    for case, args in (("vcpu-set-too-many", "vcpu-set -i %s 2" % name),
                       ("vcpu-set-zero", "vcpu-set %s 0" % name),
                       ("vcpu-set-bad", "vcpu-set %s x" % name)):
        a, b = first_error(sh, "xl", args, True), first_error(sh, "pxl", args, True)
        res.check("pxl/error-" + case, a == b and a[0] != "rc=0",
                  "`%s`: xl %r, pxl %r" % (args, a, b), "%s %s" % b)


def check_domu_more(sh, res, name):
    """vcpu-list, rename, vcpu-set, mem-max and mem-set of a 32 MiB domU, against xl."""
    compare_vcpu_list(sh, res, "pxl/vcpu-list", "")
    compare_vcpu_list(sh, res, "pxl/vcpu-list-domu", name)
    rc, domid = sh("xl domid %s" % name)
    domid = domid.strip()
    check_rename(sh, res, name, domid)
    check_vcpu_set(sh, res, name, domid)
    check_same_effect(sh, res, "pxl/mem-max", domid, "mem-max %s 40" % name,
                      "mem-max %s 32" % name, ["40960", "32768", "none"])
    check_same_effect(sh, res, "pxl/mem-set", domid, "mem-set %s 36m" % name,
                      "mem-set %s 32" % name, ["40960", "36864", "36"])
    for case, args in (("rename-taken", "rename %s Domain-0" % name),
                       ("mem-max-below-target", "mem-max %s 34" % name),
                       ("mem-set-above-max", "mem-set %s 41" % name),
                       ("mem-set-bad-size", "mem-set %s 12q" % name),
                       ("vcpu-list-nosuch", "vcpu-list nosuch")):
        a, b = first_error(sh, "xl", args, True), first_error(sh, "pxl", args, True)
        res.check("pxl/error-" + case, a == b and a[0] != "rc=0",
                  "`%s`: xl %r, pxl %r" % (args, a, b), "%s %s" % b)
    t0 = time.monotonic()
    check_vcpu_pin(sh, res, name)
    check_sched_credit(sh, res, name)
    print("note: vcpu-pin and sched-credit checks took %.0f s" % (time.monotonic() - t0),
          flush=True)
    sh("xl mem-set %s 32; xl mem-max %s 32" % (name, name))
    after = memory_nodes(sh, domid)
    res.check("pxl/mem-restored", after == ["32768", "32768", "32"],
              "memory nodes after xl mem-set/mem-max 32: %r" % after, " ".join(after))


def check_destroy(sh, res, name, wait_s, timeout):
    """pxl destroys a domain Debian's xl created; xl and xenstore lose it."""
    rc, out = sh("xl list -v %s" % name)
    _, rows = list_rows(out)
    row = rows[0] if rc == 0 and rows and rows[0] else None
    if not res.check("pxl/destroy-setup", row is not None, "rc=%d %r" % (rc, out)):
        return
    domid, uuid = row.group(2), row.group(7).split()[0]
    rc, out = sh("pxl destroy %s" % name, timeout)
    rc2, out2 = sh("i=0; while xl list %s >/dev/null 2>&1; do [ $i -ge %d ] && break; "
                   "usleep 200000; i=$((i+1)); done; xl list %s; echo rc=$?"
                   % (domid, wait_s * 5, domid), timeout)
    rc3, left = sh("for p in /local/domain/%s /vm/%s /libxl/%s; do xenstore-exists $p && "
                   "echo left $p; done; xenstore-ls -f /local/domain/0/backend 2>/dev/null | "
                   "grep '/%s/' | head -n 3; ls /var/lib/xen/userdata-d.%s.* 2>/dev/null; "
                   "echo end" % (domid, uuid, domid, domid, domid))
    res.check("pxl/destroy", rc == 0 and "rc=1" in out2 and "does not exist" in out2 and
              left.split() == ["end"],
              "pxl rc=%d %r; xl list after %d s: %r; left in xenstore/userdata: %r"
              % (rc, out, wait_s, out2, left), "d%s gone from xl list and xenstore" % domid)


# The hypervisor's first line, as grep -E reads hvboot.HV_BANNER.
BANNER_GREP = r"'^\(XEN\) (Xen version [0-9]|Petrel hypervisor)'"


def check_dmesg_clear(sh, res):
    """pxl dmesg -c empties the ring: it prints the banner, xl then lacks it.

    Needs a ring that still holds the banner: run after a fresh boot."""
    rc, out = sh("pxl dmesg -c > /tmp/pxl-c && xl dmesg > /tmp/xl-d && "
                 "echo counts $(grep -cE %s /tmp/pxl-c) $(grep -cE %s /tmp/xl-d)"
                 % (BANNER_GREP, BANNER_GREP))
    m = re.search(r"counts (\d+) (\d+)", out)
    res.check("pxl/dmesg-clear", rc == 0 and m and m.group(1, 2) == ("1", "0"),
              "rc=%d: %r (banner lines in pxl dmesg -c, then in xl dmesg)" % (rc, out.strip()),
              "banner read, then gone")


def wait_state(sh, name, wait_s, timeout):
    """xl list's row for name once it shows a shutdown (or after wait_s)."""
    rc, out = sh("i=0; while ! xl list %s 2>/dev/null | tail -n +2 | grep -q '^%s .*s.. '; do "
                 "[ $i -ge %d ] && break; usleep 200000; i=$((i+1)); done; xl list %s"
                 % (name, name, wait_s * 5, name), timeout)
    _, rows = list_rows(out)
    return rows[0] if rc == 0 and rows and rows[0] else None


def check_create(sh, res, name, wait_s, timeout):
    """pxl create builds the guest Debian's xl built; Debian's xl lists and destroys it.

    The guest (hello.elf) runs to its end and powers off: a guest whose start
    of day was wrong crashes instead, and xl list shows the crash letter."""
    rc, out = sh("pxl create /tmp/xlt.cfg", timeout)
    if not res.check("pxl/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:]),
                     out.strip().splitlines()[-1] if out.strip() else ""):
        return
    row = wait_state(sh, name, wait_s * 2, timeout)
    res.check("pxl/create-runs", row is not None and row.group(3, 4, 5) == ("32", "1", "---s--"),
              "xl list row %r: expected 32 MiB, 1 vCPU, shut down by poweroff (---s--)"
              % (row.group(0) if row else None), row.group(0) if row else "")
    rc, out = sh("xl destroy %s; i=0; while xl list %s >/dev/null 2>&1; do [ $i -ge %d ] && "
                 "break; usleep 200000; i=$((i+1)); done; xl list %s; echo rc=$?"
                 % (name, name, wait_s * 5, name), timeout)
    res.check("pxl/create-xl-destroy", "rc=1" in out, "still listed: %r" % out.strip())


def check_create_dry_run(sh, res, timeout):
    """-N create prints what xl -N create prints (a uuid given, so byte for
    byte) and creates nothing."""
    rc, out = sh("u='uuid=\"5a0b9c1d-2e3f-4a5b-8c6d-7e8f90a1b2c3\"'; for p in xl pxl; do "
                 "$p -N create /tmp/xlt.cfg name=\\\"xldry\\\" \"$u\" >/tmp/$p.json; "
                 "echo $p=$?; done; cmp /tmp/xl.json /tmp/pxl.json && echo same; "
                 "grep -c xldry /tmp/pxl.json; xl list xldry; echo listed=$?", timeout)
    words = out.split()
    res.check("pxl/create-dry-run", all(w in words for w in ("xl=0", "pxl=0", "same", "1",
                                                              "listed=1")),
              "%r" % out.strip()[-600:], "the same JSON as xl's, nothing created")


def check_create_more(sh, res, name, wait_s, timeout):
    """-N create; a broken xl.cfg creates nothing; -p, a gzip'd kernel given as an override."""
    check_create_dry_run(sh, res, timeout)
    rc, out = sh("printf 'name=\"bad\"\\nmemory = 32M\\n' > /tmp/bad.cfg; "
                 "pxl create /tmp/bad.cfg; echo rc=$?; xl list | grep -c '^bad '", timeout)
    res.check("pxl/create-broken-cfg", "rc=1" in out and
              "/tmp/bad.cfg:2:10: config parsing error near `32M'" in out and
              out.split()[-1:] == ["0"], "%r" % out.strip(), "refused, nothing created")
    rc, out = sh("gzip -c /tmp/xlt.elf > /tmp/xlt.gz && pxl create -p /tmp/xlt.cfg "
                 "'kernel=\"/tmp/xlt.gz\"'", timeout)
    made = res.check("pxl/create-paused-gzip", rc == 0 and "gzip kernel" in out,
                     "rc=%d %r" % (rc, out.strip()[-300:]))
    if not made:
        return
    paused = state_of(sh, name)
    rc, _ = sh("pxl unpause %s" % name)
    row = wait_state(sh, name, wait_s * 2, timeout)
    res.check("pxl/create-unpause-runs", paused == "--p---" and rc == 0 and row is not None and
              row.group(5) == "---s--", "state after create -p %r, after unpause %r"
              % (paused, row.group(5) if row else None), "%s then %s"
              % (paused, row.group(5) if row else None))
    rc, out = sh("pxl destroy %s; i=0; while xl list %s >/dev/null 2>&1; do [ $i -ge %d ] && "
                 "break; usleep 200000; i=$((i+1)); done; xl list %s; echo rc=$?"
                 % (name, name, wait_s * 5, name), timeout)
    res.check("pxl/create-pxl-destroy", "rc=1" in out, "still listed: %r" % out.strip())


def check_create_grant_limits(sh, res, wait_s, timeout):
    """xl.cfg's max_grant_frames and max_maptrack_frames: -N create prints
    them where Debian's xl does; above the hypervisor's limit (64 grant
    frames) createdomain refuses the domain for both xls (exit 3), nothing is left;
    small limits are taken, and the guest runs."""
    rc, out = sh("u='uuid=\"5a0b9c1d-2e3f-4a5b-8c6d-7e8f90a1b2c3\"'; for p in xl pxl; do "
                 "$p -N create /tmp/xlt.cfg name=\\\"xlgnt\\\" \"$u\" max_grant_frames=8 "
                 "max_maptrack_frames=4 >/tmp/$p-gnt.json; echo $p=$?; done; "
                 "cmp /tmp/xl-gnt.json /tmp/pxl-gnt.json && echo same; "
                 "grep -c max_maptrack_frames /tmp/pxl-gnt.json", timeout)
    words = out.split()
    res.check("pxl/create-grant-limits-dry-run",
              all(w in words for w in ("xl=0", "pxl=0", "same", "1")),
              "%r" % out.strip()[-600:], "the same JSON as xl's, with the limits")
    rc, out = sh("for p in xl pxl; do $p create /tmp/xlt.cfg name=\\\"xlgnt\\\" "
                 "max_grant_frames=65 >/dev/null 2>&1; echo $p=$?; done; "
                 "xl list xlgnt >/dev/null 2>&1; echo listed=$?", timeout)
    words = out.split()
    res.check("pxl/create-grant-limits-refused",
              all(w in words for w in ("xl=3", "pxl=3", "listed=1")),
              "%r" % out.strip()[-600:], "65 grant frames refused by both (exit 3, libxl's "
              "ERROR_FAIL), nothing listed")
    rc, out = sh("pxl create /tmp/xlt.cfg name=\\\"xlgnt\\\" max_grant_frames=2 "
                 "max_maptrack_frames=0", timeout)
    if not res.check("pxl/create-grant-limits", rc == 0, "rc=%d %r" % (rc, out.strip()[-300:])):
        return
    row = wait_state(sh, "xlgnt", wait_s * 2, timeout)
    res.check("pxl/create-grant-limits-runs", row is not None and row.group(5) == "---s--",
              "xl list row %r: expected shut down by poweroff" % (row.group(0) if row else None),
              row.group(0) if row else "")
    rc, out = sh("xl destroy xlgnt; i=0; while xl list xlgnt >/dev/null 2>&1; do "
                 "[ $i -ge %d ] && break; usleep 200000; i=$((i+1)); done; xl list xlgnt; "
                 "echo rc=$?" % (wait_s * 5), timeout)
    res.check("pxl/create-grant-limits-destroy", "rc=1" in out, "still listed: %r" % out.strip())


# Command lines per shell command in outcomes(): the serial console drops
# input from long lines under load.
OUTCOMES_PER_COMMAND = 5


def outcomes(sh, prog, arglist):
    """`PROG ARGS` for each ARGS, a few to a shell command: a list of (exit
    status, stdout, first stderr line, last stderr line)."""
    out = ""
    for i in range(0, len(arglist), OUTCOMES_PER_COMMAND):
        part = arglist[i:i + OUTCOMES_PER_COMMAND]
        script = ("for a in %s; do %s $a >/tmp/pxl-out 2>/tmp/pxl-err; echo \"@@rc=$?\"; "
                  "cat /tmp/pxl-out; echo @@err; head -n 1 /tmp/pxl-err; echo @@last; "
                  "tail -n 1 /tmp/pxl-err; done" % (" ".join("'%s'" % a for a in part), prog))
        out += sh(script, 30 + 3 * len(part))[1]
    got = []
    for rec in out.split("@@rc=")[1:]:
        head, _, rest = rec.partition("\n")
        body, _, errs = rest.partition("@@err\n")
        first, _, last = errs.partition("@@last\n")
        got.append(("rc=" + head.strip(), body.rstrip("\n"),
                    first.strip().replace("'%s " % prog, "'PROG "),
                    last.strip().replace("'%s " % prog, "'PROG ")))
    return got + [None] * (len(arglist) - len(got))


def compare_outcomes(sh, res, name, cases):
    """Each (case, args): xl's and pxl's exit status, stdout and last stderr
    line agree; for a case named *-usage (xl's help text goes with it) the
    exit status and the first stderr line."""
    arglist = [args for _, args in cases]
    for (case, args), a, b in zip(cases, outcomes(sh, "xl", arglist),
                                  outcomes(sh, "pxl", arglist)):
        if case.endswith("-usage") and a and b:
            a, b = (a[0], a[2]), (b[0], b[2])
        elif a and b:
            a, b = (a[0], a[1], a[3]), (b[0], b[1], b[3])
        shown = " ".join(b[-1].splitlines()[-1:] or b[1].splitlines()[-1:]) if b else ""
        res.check("%s-%s" % (name, case), a is not None and a == b,
                  "`%s`: xl %r, pxl %r" % (args, a, b), "%s %s" % (b and b[0], shown))


def check_vcpu_pin(sh, res, name):
    """vcpu-pin: the same effect through xl vcpu-list as xl's (a soft
    affinity emptied by "^0", every vCPU back to all), the same dry-run
    cpumaps (-N) and refusals."""
    got = []
    for prog in ("xl", "pxl"):
        _, out = sh("xl vcpu-pin {n} all all all; {p} vcpu-pin {n} 0 - ^0; echo rc=$?; "
                    "xl vcpu-list {n}; {p} vcpu-pin {n} all all all; echo rc=$?; "
                    "xl vcpu-list {n}".format(n=name, p=prog))
        rows = [m.group(7) for m in map(VCPU_ROW.match, out.splitlines()) if m]
        got.append((re.findall(r"rc=\d+", out), rows))
    want = (["rc=0", "rc=0"], ["all / none", "all / all"])
    res.check("pxl/vcpu-pin", got[0] == got[1] == want,
              "(exit statuses, affinities after ^0 and after all): xl %r, pxl %r"
              % tuple(got), " then ".join(got[1][1]))
    compare_outcomes(sh, res, "pxl/vcpu-pin", [
        ("dry-run", "-N vcpu-pin 0 0 0-3,^2 1,,0"),
        ("dry-run-soft-only", "-N vcpu-pin 0 all - node:0"),
        ("dry-run-none", "-N vcpu-pin 0 0 ^0"),
        ("force", "vcpu-pin -f %s 0 all" % name),
        ("bad-range", "vcpu-pin %s 0 3-1" % name),
        ("bad-cpu", "vcpu-pin %s 0 ^x" % name),
        ("not-all", "vcpu-pin %s 0 ^all" % name),
        ("bad-vcpu", "vcpu-pin %s x all" % name),
        ("force-all", "vcpu-pin -f %s all all" % name),
        ("no-maps", "vcpu-pin %s 0 -" % name),
        ("vcpu-missing", "vcpu-pin %s 5 all" % name),
        ("domain-missing", "vcpu-pin 999 0 all"),
        ("few-args-usage", "vcpu-pin %s 0" % name)])


def compare_settings(sh, res, cmd, active, cases):
    """Each (case, args, show, undo, want): `xl CMD ARGS`, then from the same
    start `pxl CMD ARGS`, each followed by `xl CMD SHOW` and put back with
    `xl CMD UNDO`: the same exit status and shown line; where the scheduler
    is the pool's (active), exit 0 and WANT in it (elsewhere both refuse alike)."""
    for case, args, show, undo, want in cases:
        got = []
        for prog in ("xl", "pxl"):
            _, out = sh("%s %s %s 2>/dev/null; echo rc=$?; xl %s %s 2>&1; xl %s %s >/dev/null 2>&1"
                        % (prog, cmd, args, cmd, show, cmd, undo))
            rc, _, shown = out[out.find("rc="):].partition("\n")
            got.append((rc.strip(), " ".join(shown.split())))
        ok = got[0] == got[1] and (not active or (got[1][0] == "rc=0" and want in got[1][1]))
        res.check("pxl/%s-%s" % (cmd, case), ok, "`%s` (%s active: %s): xl %r, pxl %r; want %r"
                  % (args, cmd, active, got[0], got[1], want), "%s %s" % got[1])


def check_sched_credit(sh, res, name):
    """sched-credit: the listings byte for byte; a weight and cap, and the
    pool's slice and rate limit, set by each tool from the same start and
    read back by xl; the refusals."""
    _, facts = sh("xl info xen_scheduler; xl sched-credit -s")
    m = re.search(r"tslice=(\d+)ms ratelimit=(\d+)us", facts)
    start = m.groups() if m else ("30", "0")
    compare_settings(sh, res, "sched-credit", facts.split()[:1] == ["credit"], [
        ("set", "-d %s -w 512 -c 50" % name, "-d %s" % name, "-d %s -w 256 -c 0" % name,
         "512 50"),
        ("params-set", "-s -t 10 -r 500", "-s", "-s -t %s -r %s" % start,
         "tslice=10ms ratelimit=500us")])
    compare_outcomes(sh, res, "pxl/sched-credit", [
        ("list", "sched-credit"),
        ("domain", "sched-credit -d %s" % name),
        ("pool", "sched-credit -p Pool-0"),
        ("params", "sched-credit -s"),
        ("params-pool", "sched-credit -s -p 0")])
    compare_outcomes(sh, res, "pxl/error-sched-credit", [
        ("weight-0", "sched-credit -d %s -w 0" % name),
        ("cap-1000", "sched-credit -d %s -c 1000" % name),
        ("no-domain", "sched-credit -w 5"),
        ("pool-and-domain", "sched-credit -p 0 -d %s" % name),
        ("tslice-no-s", "sched-credit -t 5"),
        ("tslice-0", "sched-credit -s -t 0"),
        ("ratelimit-50", "sched-credit -s -r 50"),
        ("pool-nosuch", "sched-credit -p nosuch"),
        ("domain-nosuch", "sched-credit -d nosuch"),
        ("domain-999", "sched-credit -d 999"),
        ("missing-value", "sched-credit -d")])
