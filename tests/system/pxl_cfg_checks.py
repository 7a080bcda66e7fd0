"""The configuration libxl stores for a domain with a disk and a vif, from
Debian's xl and from Petrel's pxl (step pxl-cfg, run only when named in
--only; make test-pxl-cfg and test-pxl-cfg-xen).

    check_pxl_cfg(t, con, res, timeout)
        the save-restore test guest (rootfs/etc/xl-save.cfg) with one raw
        disk and one vif on xenbr0, created paused by Debian's xl and then by
        pxl from the same command line: `create -d` prints the same JSON on
        stderr as each other, the stored userdata-d.*.libxl-json files are
        the same byte for byte and name the disk and the vif, `list -l` of
        either domain prints the same by both tools; a second disk and vif
        attached by each tool to its own domain are stored alike; then the
        pxl-built domain runs, Debian's xl saves it and restores it, and the
        restored domain has its disks and vifs again (backend nodes, xl
        block-list and network-list rows, the disk on a loop device), counts
        on and has the configuration Debian's xl stored for its own domain;
        Debian's xl destroys it and nothing is left behind.

    check_pxl_cpupool(t, con, res, timeout)
        the same sequence of cpupool-create, -cpu-add, -cpu-remove,
        -migrate and -destroy command lines run by Debian's xl, then by pxl
        from the same state: each line's exit status, stdout and last stderr
        line the same, and `xl cpupool-list` after each the same (on Xen
        4.17 the pool is made and destroyed; Petrel's sysctl has no pool
        but Pool-0, so both tools fail alike there)

`t` is the system test's module (dom0_system_test): its shell_run,
console_log_wait, xl helpers and constants.
"""

import re

NAME = "pcfg"
UUID = "5c7e2a10-3b4d-4e6f-8a9b-0c1d2e3f4a5b"
DISK = "/tmp/pcfg-disk.img"
MAC = "00:16:3e:5e:7a:41"
ARGS = ("/etc/xl-save.cfg 'name=\"%s\"' 'uuid=\"%s\"' "
        "\"disk=['format=raw,vdev=xvda,access=rw,target=%s']\" "
        "\"vif=['bridge=xenbr0,mac=%s']\"" % (NAME, UUID, DISK, MAC))
DISK2 = "/tmp/pcfg-disk2.img"
MAC2 = "00:16:3e:5e:7a:42"
# a second disk and vif attached to the paused domain, by the tool that created it
ATTACH = ("%%s block-attach %s 'format=raw,vdev=xvdb,access=ro,target=%s' && "
          "%%s network-attach %s bridge=xenbr0 mac=%s" % (NAME, DISK2, NAME, MAC2))
STORED = "/var/lib/xen/userdata-d.*.%s.libxl-json" % UUID
SAVE = "/tmp/pcfg.save"
# the JSON `create -d` prints on stderr, from its first line to its last
JSON_PART = "sed -n '/^{$/,/^}$/p'"
# xl restore's own process runs the block script's `remove` once the domain
# has died, so a loop device may go a little after the destroy: up to 20 s
LOOPS = "$(/sbin/losetup -n -l -O BACK-FILE)"
LEFTOVERS = ("i=0; while [ -n \"%s\" ] && [ $i -lt 100 ]; do usleep 200000; i=$((i+1)); done; "
             "echo loops: %s; " % (LOOPS, LOOPS) +
             "echo vbds: $(xenstore-list /local/domain/0/backend/vbd 2>/dev/null); "
             "echo vifs: $(xenstore-list /local/domain/0/backend/vif 2>/dev/null) "
             "$(ls /sys/class/net | grep ^vif)")


def create_and_record(t, con, res, tool, timeout):
    """`TOOL create -d -p` of the guest; its stored JSON, its -d JSON and
    both tools' `list -l` of it kept as /tmp/pcfg-TOOL-*.json.  True when
    it was created."""
    rc, out = t.shell_run(con, "%s create -d -p %s 2>/tmp/pcfg-%s-d.err; echo rc=$?; "
                          "tail -n 5 /tmp/pcfg-%s-d.err" % (tool, ARGS, tool, tool),
                          t.XL_CREATE_TIMEOUT)
    if not res.check("pxl/cfg-%s-create" % tool, "rc=0" in out, "%r" % out.strip()[-600:]):
        return False
    t.shell_run(con, "%s < /tmp/pcfg-%s-d.err > /tmp/pcfg-%s-d.json; cp %s /tmp/pcfg-%s-stored.json"
                % (JSON_PART, tool, tool, STORED, tool), timeout)
    list_long_both(t, con, tool, timeout)
    rc, out = t.shell_run(con, (ATTACH % (tool, tool)) + " && cp %s /tmp/pcfg-%s-attached.json"
                          % (STORED, tool), 240)
    res.check("pxl/cfg-%s-attach" % tool, rc == 0, "rc=%d %r" % (rc, out.strip()[-600:]))
    return True


def list_long_both(t, con, tag, timeout):
    """`xl list -l` and `pxl list -l` of the guest into /tmp/pcfg-TAG-{xl,pxl}-ll.json,
    the domain ids written as N (the two domains have different ones)."""
    t.shell_run(con, "for x in xl pxl; do $x list -l %s 2>/tmp/pcfg-%s-$x-ll.err | sed -E "
                "'s/\"domid\": [0-9]+/\"domid\": N/' > /tmp/pcfg-%s-$x-ll.json; done"
                % (NAME, tag, tag), timeout)


def same_files(t, con, res, check, a, b, needles, timeout):
    """Files a and b the same, byte for byte, and holding each of needles."""
    _, out = t.shell_run(con, "cmp %s %s && echo same; grep -c -e %s %s; diff -a %s %s; wc -l < %s"
                         % (a, b, " -e ".join(needles), b, a, b, b), timeout)
    lines = out.splitlines()
    found = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0
    return res.check(check, lines[:1] == ["same"] and found >= len(needles),
                     "%s vs %s, the count of %r in the second, the diff: %r"
                     % (a, b, needles, out[-3000:]), "%s lines" % lines[-1])


def check_recorded(t, con, res, timeout):
    """What each tool printed and stored for its own domain, compared."""
    same_files(t, con, res, "pxl/cfg-create-d", "/tmp/pcfg-xl-d.json", "/tmp/pcfg-pxl-d.json",
               ['"disks"', '"nics"'], timeout)
    same_files(t, con, res, "pxl/cfg-stored", "/tmp/pcfg-xl-stored.json",
               "/tmp/pcfg-pxl-stored.json", ['"pdev_path"', '"nictype"', MAC], timeout)
    same_files(t, con, res, "pxl/cfg-stored-attached", "/tmp/pcfg-xl-attached.json",
               "/tmp/pcfg-pxl-attached.json", ['"xvdb"', MAC2], timeout)
    # xl and pxl list -l of Debian's xl's domain, and of pxl's
    same_files(t, con, res, "pxl/cfg-list-long-xl", "/tmp/pcfg-xl-xl-ll.json",
               "/tmp/pcfg-xl-pxl-ll.json", ['"disks"', '"nics"'], timeout)
    same_files(t, con, res, "pxl/cfg-list-long-pxl", "/tmp/pcfg-pxl-xl-ll.json",
               "/tmp/pcfg-pxl-pxl-ll.json", ['"disks"', '"nics"'], timeout)
    # Debian's xl list -l of the two domains
    same_files(t, con, res, "pxl/cfg-list-long", "/tmp/pcfg-xl-xl-ll.json",
               "/tmp/pcfg-pxl-xl-ll.json", ['"disks"', '"nics"'], timeout)


def restored_devices(t, con, timeout):
    """The restored domain's id, its block-list and network-list rows and
    its backends' params and mac nodes."""
    _, out = t.shell_run(con, "d=$(xl domid %s); echo domid=$d; xl block-list %s; "
                         "xl network-list %s; xenstore-read /local/domain/0/backend/vbd/$d/51712/params "
                         "/local/domain/0/backend/vif/$d/0/mac; /sbin/losetup -n -l -O BACK-FILE"
                         % (NAME, NAME, NAME), timeout)
    return out


def probe_dump_core(t, con):
    """Debian's xl dump-core of the running pxl-built domain, reported (not
    judged here: test-pxl-dumpcore judges dump-core)."""
    _, out = t.shell_run(con, "xl dump-core %s /tmp/pcfg.core > /tmp/dc.out 2>&1; echo rc=$?; "
                         "tail -n 2 /tmp/dc.out; ls -l /tmp/pcfg.core; head -c 4 /tmp/pcfg.core | "
                         "od -c | head -n 1; rm -f /tmp/pcfg.core" % NAME, t.SAVE_WAIT)
    print("note: xl dump-core of the pxl-built domain: %r" % out.strip(), flush=True)


def check_save_restore(t, con, res, timeout):
    """The pxl-built domain runs, Debian's xl saves and restores it: the
    restored domain has the disk and the vif and counts on."""
    t.shell_run(con, "pxl unpause %s" % NAME, timeout)
    rc, out = t.console_log_wait(con, NAME, "save-restore: tick 2", 60)
    if not res.check("pxl/cfg-running", rc == 0, "%r" % out.strip()[-400:]):
        return
    probe_dump_core(t, con)
    rc, out = t.xl_run(con, "xl save %s %s" % (NAME, SAVE), t.SAVE_WAIT)
    if not res.check("pxl/cfg-xl-save", "rc=0" in out, "%r" % out):
        return
    rc, out = t.xl_run(con, "xl restore %s" % SAVE, t.SAVE_WAIT)
    if not res.check("pxl/cfg-xl-restore", "rc=0" in out, "%r" % out):
        return
    rc, log = t.console_log_wait(con, NAME, "save-restore: PASS resumed", 60)
    res.check("pxl/cfg-resumed", rc == 0 and "save-restore: FAIL" not in log,
              "%r" % log.strip()[-600:])
    out = restored_devices(t, con, timeout)
    res.check("pxl/cfg-restore-devices",
              re.search(r"^51712\s+0\s+\d+\s+\d+", out, re.M) and
              re.search(r"^0\s+0\s+%s\s" % MAC, out, re.M) and
              re.search(r"^%s$" % re.escape(DISK), out, re.M) and
              re.search(r"^%s$" % MAC, out, re.M) and out.count(DISK) >= 2,
              "block-list, network-list, params, mac, loop devices: %r" % out.strip(),
              "xvda and vif 0 back")
    # the restore stored both disks and both vifs (with the scheduler's live
    # parameters the save took and every disk's colo_restore_enable, as libxl
    # stores a restored domain), and both tools list it alike
    _, out = t.shell_run(con, "cat %s | tr -d '\\000' | grep -E '\"(pdev_path|mac)\"'" % STORED,
                         timeout)
    res.check("pxl/cfg-restored-stored",
              all(x in out for x in (DISK, DISK2, MAC, MAC2)), "%r" % out, "2 disks, 2 vifs")
    list_long_both(t, con, "restored", timeout)
    same_files(t, con, res, "pxl/cfg-restored-list-long", "/tmp/pcfg-restored-xl-ll.json",
               "/tmp/pcfg-restored-pxl-ll.json", ['"xvdb"', MAC, MAC2], timeout)
    check_detached_list_long(t, con, res, timeout)


def check_detached_list_long(t, con, res, timeout):
    """Debian's xl detaches the second disk and vif: list -l of both tools
    leaves them out (libxl drops what xenstore no longer has), the same."""
    rc, out = t.shell_run(con, "xl block-detach -f %s xvdb && xl network-detach %s %s"
                          % (NAME, NAME, MAC2), 120)
    list_long_both(t, con, "detached", timeout)
    # each tool warns once for each device it leaves out
    _, left = t.shell_run(con, "grep -c -e xvdb -e %s /tmp/pcfg-detached-pxl-ll.json; "
                          "cat /tmp/pcfg-detached-xl-ll.err /tmp/pcfg-detached-pxl-ll.err | "
                          "grep -c 'present in JSON but not in xenstore'" % MAC2, timeout)
    res.check("pxl/cfg-detached", rc == 0 and left.split() == ["0", "4"],
              "detach rc=%d %r; lines of pxl list -l naming them, then warnings: %r"
              % (rc, out, left))
    same_files(t, con, res, "pxl/cfg-detached-list-long", "/tmp/pcfg-detached-xl-ll.json",
               "/tmp/pcfg-detached-pxl-ll.json", ['"pdev_path"', MAC], timeout)


def check_pxl_cfg(t, con, res, timeout):
    check_pxl_cpupool(t, con, res, timeout)
    t.shell_run(con, "%s && echo started" % t.XENCONSOLED, timeout)
    rc, _ = t.shell_run(con, "rm -f %s/guest-%s.log; dd if=/dev/zero of=%s bs=1M count=4 "
                        "2>/dev/null && cp %s %s" % (t.XL_CONSOLE_DIR, NAME, DISK, DISK, DISK2),
                        timeout)
    res.check("pxl/cfg-image", rc == 0, "rc=%d making %s" % (rc, DISK))
    if create_and_record(t, con, res, "xl", timeout):
        t.shell_run(con, "xl destroy %s" % NAME, 120)
    if create_and_record(t, con, res, "pxl", timeout):
        check_recorded(t, con, res, timeout)
        check_save_restore(t, con, res, timeout)
    t.shell_run(con, "xl destroy %s; pxl destroy %s" % (NAME, NAME), 120)
    _, left = t.shell_run(con, LEFTOVERS, timeout)
    res.check("pxl/cfg-teardown", DISK not in left and DISK2 not in left and
              re.search(r"^vbds:\s*$", left, re.M) and re.search(r"^vifs:\s*$", left, re.M),
              "left behind: %r" % left.strip(), left.strip().replace("\n", "; "))
    t.shell_run(con, "rm -f %s %s %s; kill $(cat /run/xenconsoled.pid)" % (SAVE, DISK, DISK2),
                timeout)


# Run in order by each tool (TOOL replaced); the state after each ends as it began.
CPUPOOL_LINES = (
    "TOOL cpupool-create 'name=\"ptest\"'",
    "TOOL cpupool-create 'name=\"ptest\"'",
    "TOOL cpupool-cpu-add ptest 0",
    "TOOL cpupool-cpu-remove Pool-0 0",
    "TOOL cpupool-migrate nosuch ptest",
    "TOOL cpupool-migrate 0 nopool",
    "TOOL cpupool-destroy Pool-0",
    "TOOL cpupool-destroy ptest",
    "TOOL cpupool-destroy ptest",
    "TOOL -N cpupool-create 'name=\"pdry\"' 'cpus=\"0\"'",
    "TOOL cpupool-create -n 'name=\"pdry\"' 'sched=\"nosuch\"'",
    "TOOL cpupool-create -n 'name=\"pdry\"' 'sched=\"credit2\"'",
    "TOOL cpupool-cpu-add Pool-0 3-1",
)


def cpupool_run(t, con, tool, timeout):
    """Each line by `tool`: its exit status, stdout and last stderr line,
    then Debian's xl cpupool-list."""
    outs = []
    for line in CPUPOOL_LINES:
        cmd = line.replace("TOOL", tool)
        _, out = t.shell_run(con, "%s > /tmp/cp.out 2> /tmp/cp.err; echo rc=$?; cat /tmp/cp.out; "
                             "tail -n 1 /tmp/cp.err; echo ---; xl cpupool-list" % cmd, timeout)
        outs.append(out)
    return outs


def check_pxl_cpupool(t, con, res, timeout):
    xl = cpupool_run(t, con, "xl", timeout)
    pxl = cpupool_run(t, con, "pxl", timeout)
    for n, (line, a, b) in enumerate(zip(CPUPOOL_LINES, xl, pxl)):
        res.check("pxl/cpupool-%d" % (n + 1), a == b and a.startswith("rc="),
                  "%s: xl %r, pxl %r" % (line, a, b), a.split("\n", 1)[0])
