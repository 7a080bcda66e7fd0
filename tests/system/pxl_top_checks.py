"""pxl top, sched-credit2, sched-rtds, cpupool-list and the monitor's
rename-restart, judged by Debian's xentop and xl on the same host.

    check_top_sched(sh, res, name)   with the domU `name` running: pxl top -b
                                     beside xentop -b, the summary lines, the
                                     scheduler and pool commands beside xl's
    check_rename_restart(sh, res, cfg, name, wait_s)
                                     xl create and pxl create of a guest that
                                     powers off once told, with on_poweroff =
                                     "rename-restart": the same result

The checks hold on Petrel (credit) and on Xen 4.17 (credit2): where a
scheduler is not the pool's, both tools must refuse alike.
`sh(cmd, timeout=30)` runs a shell command in dom0 and returns (rc, output).
"""

import re

from pxl_checks import compare_outcomes, compare_settings

TOP_HEADER = ("NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS NETS "
              "NETTX(k) NETRX(k) VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT SSID")
# columns that move between two samples, with what may differ
TOP_CPU_SEC, TOP_CPU_PCT, TOP_MEM, TOP_MEM_PCT = 2, 3, 4, 5
PRESERVED = re.compile(r"^(\S+)-\d{8}T\d{4}Z$")
TOLD_KERNEL = "/usr/lib/petrel-domu/poweroff-when-told.elf"


def top_rows(out):
    """The header lines and rows of `top -b` output, split into columns."""
    headers, rows = [], []
    for line in out.splitlines():
        cols = line.replace("no limit", "no-limit").split()
        if " ".join(cols) == TOP_HEADER:
            headers.append(line)
        elif len(cols) == 19:
            rows.append(cols)
    return headers, rows


def top_row_differences(a, b):
    """What differs between xentop's and pxl's row of one domain."""
    bad = []
    for i, (x, y) in enumerate(zip(a, b)):
        if i == 1:  # running and blocked change from one moment to the next
            same = x.replace("r", "-").replace("b", "-") == y.replace("r", "-").replace("b", "-")
        elif i == TOP_CPU_SEC:
            same = 0 <= int(y) - int(x) <= 5
        elif i == TOP_CPU_PCT:
            same = True
        elif i == TOP_MEM:
            same = abs(int(x) - int(y)) <= 2048
        elif i == TOP_MEM_PCT:
            same = abs(float(x) - float(y)) <= 0.3
        else:
            same = x == y
        if not same:
            bad.append("%s: xentop %r, pxl %r" % (TOP_HEADER.split()[i], x, y))
    return bad


def check_top(sh, res):
    """pxl top -b -i 2 -d 1 beside xentop -b -i 2 -d 1: the same header lines,
    the same domains in the same order, the same values but for those that
    move with time."""
    _, out = sh("xentop -b -i 2 -d 1 >/tmp/xt.out 2>&1; echo xt=$?; pxl top -b -i 2 -d 1 "
                ">/tmp/pt.out 2>&1; echo pt=$?; cat /tmp/xt.out; echo @@pxl; cat /tmp/pt.out",
                60)
    xt, _, pt = out.partition("@@pxl")
    (xh, xr), (ph, pr) = top_rows(xt), top_rows(pt)
    bad = [] if "xt=0" in xt and "pt=0" in xt else ["exit statuses: %r" % xt[:40]]
    if xh != ph or len(xh) != 2:
        bad.append("header lines: xentop %r, pxl %r" % (xh, ph))
    if [r[0] for r in xr] != [r[0] for r in pr] or not xr:
        bad.append("domains: xentop %r, pxl %r" % ([r[0] for r in xr], [r[0] for r in pr]))
    for a, b in zip(xr, pr):
        bad += ["%s %s" % (a[0], d) for d in top_row_differences(a, b)]
    res.check("pxl/top-batch", not bad, "; ".join(bad) + "\nxentop:\n%s\npxl:\n%s" % (xt, pt),
              "%d rows like xentop's" % len(pr))


def check_top_summary(sh, res):
    """Without -b: xentop's three summary lines above the table, the version
    xl info names, as many domains as the table has rows."""
    _, out = sh("pxl top -i 1 -d 1 | tr -d '\\033'; xl info xen_version", 30)
    ver = out.strip().splitlines()[-1] if out.strip() else ""
    m = re.search(r"xentop - \d\d:\d\d:\d\d   Xen (\S+)\n(\d+) domains: \d+ running, \d+ blocked, "
                  r"\d+ paused, \d+ crashed, \d+ dying, \d+ shutdown \nMem: \d+k total, \d+k used, "
                  r"\d+k free    CPUs: \d+ @ \d+MHz\n", out)
    _, rows = top_rows(out)
    res.check("pxl/top-summary", m is not None and m.group(1) == ver and
              int(m.group(2)) == len(rows), "%r (xl info xen_version %r)" % (out[-900:], ver),
              m.group(0).splitlines()[1] if m else "")


def check_sched_credit2(sh, res, name):
    """sched-credit2: a weight and cap and the pool's rate limit set by each
    tool from the same start and read back by xl (on credit2); refused alike
    by both where the pool runs credit."""
    _, facts = sh("xl info xen_scheduler; xl sched-credit2 -s 2>/dev/null")
    m = re.search(r"ratelimit=(\d+)us", facts)
    compare_settings(sh, res, "sched-credit2", facts.split()[:1] == ["credit2"], [
        ("set", "-d %s -w 512 -c 50" % name, "-d %s" % name, "-d %s -w 256 -c 0" % name,
         "512 50"),
        ("params-set", "-s -r 500", "-s", "-s -r %s" % (m.group(1) if m else "1000"),
         "ratelimit=500us")])
    compare_outcomes(sh, res, "pxl/sched-credit2", [
        ("list", "sched-credit2"),
        ("domain", "sched-credit2 -d %s" % name),
        ("pool", "sched-credit2 -p Pool-0"),
        ("params", "sched-credit2 -s"),
        ("params-pool", "sched-credit2 -s -p 0")])
    compare_outcomes(sh, res, "pxl/error-sched-credit2", [
        ("weight-0", "sched-credit2 -d %s -w 0" % name),
        ("cap-1000", "sched-credit2 -d %s -c 1000" % name),
        ("no-domain", "sched-credit2 -w 5"),
        ("pool-and-domain", "sched-credit2 -p 0 -d %s" % name),
        ("ratelimit-50", "sched-credit2 -s -r 50"),
        ("pool-nosuch", "sched-credit2 -p nosuch"),
        ("domain-nosuch", "sched-credit2 -d nosuch"),
        ("domain-999", "sched-credit2 -d 999"),
        ("missing-value", "sched-credit2 -d")])


def check_sched_rtds_cpupool(sh, res, name):
    """sched-rtds where no pool runs RTDS, and cpupool-list: xl's exit
    status, stdout and last stderr line."""
    compare_outcomes(sh, res, "pxl/sched-rtds", [
        ("list", "sched-rtds"),
        ("list-vcpus", "sched-rtds -v all"),
        ("domain", "sched-rtds -d %s" % name),
        ("domain-vcpus", "sched-rtds -d %s -v all" % name),
        ("domain-vcpu", "sched-rtds -d %s -v 0" % name),
        ("set-vcpu", "sched-rtds -d %s -v 0 -p 10000 -b 5000 -e 1" % name),
        ("set-all", "sched-rtds -d %s -v all -p 10000 -b 5000 -e 0" % name),
        ("no-vcpu", "sched-rtds -d %s -p 10000 -b 5000 -e 1" % name),
        ("bad-extratime", "sched-rtds -d %s -v 0 -p 1 -b 1 -e 2" % name),
        ("missing", "sched-rtds -p 10000")])
    compare_outcomes(sh, res, "pxl/cpupool-list", [
        ("all", "cpupool-list"),
        ("cpus", "cpupool-list -c"),
        ("pool", "cpupool-list Pool-0"),
        ("cpus-long", "cpupool-list --cpus Pool-0"),
        ("nosuch", "cpupool-list nosuch"),
        ("by-number", "cpupool-list 0")])


def check_top_sched(sh, res, name):
    check_top(sh, res)
    check_top_summary(sh, res)
    check_sched_credit2(sh, res, name)
    check_sched_rtds_cpupool(sh, res, name)


def domains(sh):
    """xl list's (name, domid, state) rows."""
    _, out = sh("xl list")
    rows = []
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 6 and cols[1].isdigit():
            rows.append((cols[0], cols[1], cols[4]))
    return rows


def rename_restart_outcome(sh, prog, cfg, name, wait_s):
    """`PROG create` of cfg with on_poweroff = "rename-restart" and the domU
    poweroff-when-told.elf, which powers off only once its home's
    data/poweroff is written: written for the first domain alone, that one
    is kept as NAME-YYYYMMDDTHHMMZ, shut down, and the NAME the monitor builds
    in its place stays up.  Whether it was created, exactly one domain kept,
    shut down, exactly one NAME, newer and not shut down, the kept one's own
    /vm (holding its uuid, no name, as libxl leaves it); then every such
    domain is destroyed."""
    rc, out = sh("rm -f /var/log/xen/xl-%s.log; %s create -q %s 'on_poweroff=\"rename-restart\"'"
                 " 'kernel=\"%s\"' && xenstore-write /local/domain/$(xl domid %s)/data/poweroff 1;"
                 " echo rc=$?" % (name, prog, cfg, TOLD_KERNEL, name), 60)
    sh("i=0; while [ $(xl list | grep -cE '^%s(-[0-9]{8}T[0-9]{4}Z)? ') -lt 2 ]; do "
       "[ $i -ge %d ] && break; sleep 1; i=$((i+1)); done" % (name, wait_s), 3 * wait_s + 30)
    rows = domains(sh)
    kept = [d for d in rows if PRESERVED.match(d[0]) and PRESERVED.match(d[0]).group(1) == name]
    new = [d for d in rows if d[0] == name]
    one = len(kept) == 1 and len(new) == 1
    vm = ""
    if one:
        _, vm = sh("a=$(xenstore-read /local/domain/%s/vm); b=$(xenstore-read /local/domain/%s/vm);"
                   " [ \"$a\" != \"$b\" ] && echo vm-differs; xenstore-read $a/name >/dev/null "
                   "2>&1 || echo vm-no-name; [ \"$(xenstore-read $a/uuid)\" = \"${a#/vm/}\" ] && "
                   "echo vm-uuid" % (kept[0][1], new[0][1]))
    remove_all(sh, name)
    renewed = one and int(new[0][1]) > int(kept[0][1]) and new[0][2][3] != "s"
    outcome = ("rc=0" in out, len(kept) == 1, one and kept[0][2][3] == "s", renewed,
               "vm-differs" in vm, "vm-no-name" in vm, "vm-uuid" in vm)
    return outcome, rows


def remove_all(sh, name):
    """Destroy every domain named NAME or NAME-<suffix> until two looks in a
    row find none (a monitor that saw a domain power off may be building one
    more; with its domain gone it stops)."""
    sh("n=0; i=0; while [ $n -lt 2 ] && [ $i -lt 20 ]; do "
       "ids=$(xl list | awk '$1 ~ /^%s(-[0-9]{8}T[0-9]{4}Z)?$/ {print $2}'); "
       "if [ -z \"$ids\" ]; then n=$((n+1)); else n=0; for d in $ids; do xl destroy $d; done; fi; "
       "sleep 1; i=$((i+1)); done" % name, 180)


def check_rename_restart(sh, res, cfg, name, wait_s):
    """on_poweroff = "rename-restart" under Debian's xl and under pxl: the
    shut-down guest stays as NAME-YYYYMMDDTHHMMZ with its own /vm, a new NAME
    is built; pxl's monitor log has xl's lines."""
    got = {}
    for prog in ("xl", "pxl"):
        got[prog] = rename_restart_outcome(sh, prog, cfg, name, wait_s)
    # the log holds pxl's monitor's lines (each run starts a new one)
    want = (True,) * 7
    res.check("pxl/rename-restart", got["xl"][0] == got["pxl"][0] == want,
              "(created, one kept, shut down, one new NAME up, own /vm, no /vm name, /vm uuid): "
              "xl %r %r, pxl %r %r" % (got["xl"][0], got["xl"][1], got["pxl"][0],
                                       got["pxl"][1]),
              "as xl: " + " ".join(d[0] for d in got["pxl"][1] if d[0].startswith(name)))
    _, log = sh("grep -E 'rename-restart|Preserving domain|Rebooting now' "
                "/var/log/xen/xl-%s.log | tail -n 6" % name)
    res.check("pxl/rename-restart-log", re.search(
        r"Action for shutdown reason code 0 is rename-restart\n"
        r"Preserving domain \d+ %s with suffix-\d{8}T\d{4}Z\nDone. Rebooting now" % name, log),
        "monitor log: %r" % log, "xl's lines")
