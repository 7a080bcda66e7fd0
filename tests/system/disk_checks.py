"""The Linux domU's PV disk on a LUKS2 container and on a qcow2 image
(dom0 image build/dom0-disk, tests/system/disk.mk).

    check_luks(t, con, res, tool, timeout)   steps xl-luks (tool "xl") and
        pxl-luks ("pxl"): a LUKS2 container in an image file, opened in dom0
        with a key file (Xen's block script has no LUKS support: the user opens
        the mapping) and given to the domU as phy:/dev/mapper/NAME.  dom0
        writes its line through the mapping, the domU reads it through
        blkfront and writes its own; once the domain is gone and the mapping
        closed, neither line is in the image file, and reopened, the mapping
        shows both
    check_qdisk(t, con, res, tool, timeout)  steps xl-qdisk and pxl-qdisk: a
        qcow2 image as xvdb with backendtype=qdisk, served by the QEMU libxl
        (or pxl) starts for the PV domain (-machine xenpv); the domU reads
        dom0's line and writes its own, the image grows by the cluster that
        write allocates, and after the destroy QEMU and the backend nodes are
        gone and qemu-img finds the domU's line in a clean image; pxl's dry
        run must first print xl's JSON
    check_hotdisk(t, con, res, tool, timeout) steps xl-hotdisk and
        pxl-hotdisk: a qdisk attach to a domain without QEMU refused as
        libxl refuses it; then a phy: disk and a qcow2 qdisk disk attached to
        the running Linux domU (created with a qdisk disk, so that QEMU runs
        for it), written and read back there, detached: gone in the domU,
        no backend, frontend or libxl node, loop device, or port or grant
        entry in the hypervisor left, the domU's pattern in the image

`t` is the system test's module (dom0_system_test): its shell_run,
console_log_wait, domu_disk_lines and constants.  The domU's /bin/domu-disks
reads sector 0 of each disk (dom0's line) and writes "PETREL-DISK domU boot 1"
into sector 8.
"""

import os
import re

import hv_state
import net_checks

LUKS_IMG = "/tmp/luks-disk.img"
LUKS_KEY = "/tmp/luks.key"
LUKS_NAME = "petrel-luks"
LUKS_DEV = "/dev/mapper/" + LUKS_NAME
# pbkdf2 with the fewest iterations cryptsetup takes: argon2's benchmark and
# memory would cost minutes and most of dom0's RAM under TCG.  A small header
# (16 KiB of metadata, 512 KiB of keyslots, not LUKS2's 16 MiB) keeps the image
# at 2 MiB, which dom0's busybox scans in seconds.
LUKS_FORMAT = ("cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 "
               "--pbkdf-force-iterations 1000 --luks2-metadata-size 16k "
               "--luks2-keyslots-size 512k --key-file %s %s" % (LUKS_KEY, LUKS_IMG))
# libdevmapper makes /dev/mapper/NAME itself: dom0 runs no udev.
CRYPTSETUP = "DM_DISABLE_UDEV=1 cryptsetup"
# Lines holding the test's marker in a file or device; NULs become line
# breaks so that a line after one is seen.
COUNT_LINES = "tr '\\000' '\\n' < %s | grep -c 'PETREL-DISK'"
QCOW_IMG = "/tmp/qdisk.qcow2"
QCOW_RAW = "/tmp/qdisk-raw.img"
QCOW_VDEV = "51728"  # xvdb
DRY_UUID = "3f6c1e0a-5b2d-4c7e-9a8f-0d1e2c3b4a59"


def sector(dev, n):
    return "dd if=%s bs=512 skip=%d count=1 2>/dev/null | tr -d '\\000'" % (dev, n)


def dom0_line(token, dev):
    """The command that writes dom0's line into sector 0 of `dev`."""
    return ("printf 'PETREL-DISK dom0 %s\\n' | dd of=%s conv=notrunc,fsync 2>/dev/null"
            % (token, dev))


def wait_gone(t, con, domid, kind, timeout):
    """Wait until dom0's `kind` backend nodes for `domid` are gone; what is left."""
    path = "/local/domain/0/backend/%s/%s" % (kind, domid)
    _, out = t.shell_run(con, "i=0; while xenstore-exists %s && [ $i -lt 150 ]; do "
                         "usleep 200000; i=$((i+1)); done; xenstore-list %s 2>&1"
                         % (path, path), timeout + 30)
    return out.strip()


def luks_open(t, con, timeout):
    return t.shell_run(con, "%s open --key-file %s %s %s && test -b %s"
                       % (CRYPTSETUP, LUKS_KEY, LUKS_IMG, LUKS_NAME, LUKS_DEV), timeout)


def luks_close(t, con, timeout):
    """Close the mapping, trying again while blkback lets it go; (rc, output)."""
    return t.shell_run(con, "i=0; until %s close %s; do [ $i -lt 50 ] || break; "
                       "usleep 200000; i=$((i+1)); done; ! test -e %s"
                       % (CRYPTSETUP, LUKS_NAME, LUKS_DEV), timeout + 30)


def make_luks(t, con, res, tool, timeout):
    """A fresh container with dom0's line written through the mapping; the
    token, or None."""
    token = os.urandom(6).hex()
    rc, out = t.shell_run(con, "rm -f %s; dd if=/dev/zero of=%s bs=1M count=2 2>/dev/null && "
                          "dd if=/dev/urandom of=%s bs=64 count=1 2>/dev/null && %s"
                          % (LUKS_IMG, LUKS_IMG, LUKS_KEY, LUKS_FORMAT), 300)
    if not res.check(tool + "/luks-format", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        return None
    rc, out = luks_open(t, con, timeout)
    # zeros first: the image's zeros read through the cipher as noise
    rc2, out2 = t.shell_run(con, "dd if=/dev/zero of=%s bs=64k count=1 conv=fsync 2>/dev/null "
                            "&& %s" % (LUKS_DEV, dom0_line(token, LUKS_DEV)), timeout)
    res.check(tool + "/luks-open", rc == 0 and rc2 == 0,
              "rc=%d %r; writing dom0's line: rc=%d %r" % (rc, out.strip()[-400:], rc2, out2))
    return token if rc == 0 and rc2 == 0 else None


def luks_domu(t, con, res, tool, token, timeout):
    """Create the domU on the mapping; it reads dom0's line and writes its
    own; then destroy it.  Whether it ran."""
    name = tool + "luks"
    rc, out = t.shell_run(con, "%s create /etc/xl-linux.cfg 'name=\"%s\"' "
                          "\"disk=['phy:%s,xvda,w']\"" % (tool, name, LUKS_DEV),
                          t.XL_CREATE_TIMEOUT)
    if not res.check(tool + "/luks-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-400:])):
        t.shell_run(con, "%s destroy %s" % (tool, name), 120)
        return False
    domid = t.xl_domid(con, name)
    rc, disks, log = t.domu_disk_lines(con, name, 1, "xvda")
    a = disks.get("xvda")
    res.check(tool + "/luks-domu", a is not None and a[1] == "PETREL-DISK dom0 " + token and
              a[3] == "ok", "rc=%d, token %s, the domU's lines %r" % (rc, token, log[-600:]),
              "xvda: %r" % (a,))
    t.shell_run(con, "%s destroy %s" % (tool, name), 120)
    left = wait_gone(t, con, domid, "vbd", timeout)
    res.check(tool + "/luks-teardown", "No such file" in left or left == "",
              "vbd backend of domain %s left: %r" % (domid, left))
    return True


def luks_cipher_only(t, con, res, tool, timeout):
    """Closed, the image holds neither line but a LUKS header; reopened, the
    same count finds both lines in the mapping and the domU's in sector 8."""
    rc, out = luks_close(t, con, timeout)
    res.check(tool + "/luks-close", rc == 0, "rc=%d %r" % (rc, out.strip()[-300:]))
    rc, out = t.shell_run(con, ("echo image: $(%s); cryptsetup isLuks %s && echo luks; "
                                % (COUNT_LINES % LUKS_IMG, LUKS_IMG)) +
                          "ls /dev/mapper", timeout + 120)
    res.check(tool + "/luks-no-plaintext", re.search(r"^image: 0\r?$", out, re.M) and
              re.search(r"^luks\r?$", out, re.M) and LUKS_NAME not in out,
              "expected no marker line in %s, a LUKS header, the mapping closed: %r"
              % (LUKS_IMG, out.strip()), "0 lines with the marker in the image")
    rc, out = luks_open(t, con, timeout)
    rc2, out2 = t.shell_run(con, "echo mapping: $(%s); %s"
                            % (COUNT_LINES % LUKS_DEV, sector(LUKS_DEV, 8)), timeout + 120)
    res.check(tool + "/luks-reopen", rc == 0 and re.search(r"^mapping: 2\r?$", out2, re.M) and
              re.search(r"^PETREL-DISK domU boot 1\r?$", out2, re.M),
              "open rc=%d %r; the mapping: %r" % (rc, out.strip()[-300:], out2.strip()))
    luks_close(t, con, timeout)


def check_luks(t, con, res, tool, timeout):
    t.shell_run(con, "pidof xenconsoled || { %s && echo started; }" % t.XENCONSOLED, timeout)
    token = make_luks(t, con, res, tool, timeout)
    if token is None:
        t.shell_run(con, "%s close %s" % (CRYPTSETUP, LUKS_NAME), timeout)
        return
    if luks_domu(t, con, res, tool, token, timeout):
        luks_cipher_only(t, con, res, tool, timeout)
    else:
        luks_close(t, con, timeout)


def make_qcow(t, con, res, tool, timeout):
    """dom0's line in sector 0 of a raw image converted to qcow2 with 4 KiB
    clusters (only the first one allocated); (token, the qcow2's size) or None."""
    token = os.urandom(6).hex()
    rc, out = t.shell_run(con, "dd if=/dev/zero of=%s bs=1M count=4 2>/dev/null && %s && "
                          "qemu-img convert -f raw -O qcow2 -o cluster_size=4096 %s %s && "
                          "rm %s && stat -c 'size %%s' %s"
                          % (QCOW_RAW, dom0_line(token, QCOW_RAW), QCOW_RAW, QCOW_IMG,
                             QCOW_RAW, QCOW_IMG), timeout)
    m = re.search(r"^size (\d+)", out, re.M)
    res.check(tool + "/qdisk-image", rc == 0 and m is not None,
              "rc=%d %r" % (rc, out.strip()[-400:]),
              m.group(0) if m else "")
    return (token, int(m.group(1))) if rc == 0 and m else None


def qdisk_running(t, con, res, tool, domid, token, timeout):
    """The domU's xvdb line, the backend connected, QEMU running for it."""
    rc, disks, log = t.domu_disk_lines(con, tool + "qdisk", 1, "xvdb")
    b = disks.get("xvdb")
    res.check(tool + "/qdisk-domu", b is not None and b[1] == "PETREL-DISK dom0 " + token and
              b[3] == "ok", "rc=%d, token %s, the domU's lines %r" % (rc, token, log[-600:]),
              "xvdb: %r" % (b,))
    rc, out = t.shell_run(con, "xenstore-read /local/domain/0/backend/qdisk/%s/%s/state; "
                          "ps -o args | grep '[x]en-domid %s '" % (domid, QCOW_VDEV, domid),
                          timeout)
    lines = out.strip().splitlines()
    res.check(tool + "/qdisk-backend", rc == 0 and len(lines) == 2 and lines[0].strip() == "4" and
              "xenpv" in lines[1], "expected backend state 4 and one QEMU (-machine xenpv) "
              "for domain %s: %r" % (domid, out.strip()), lines[-1] if lines else "")


def qdisk_after(t, con, res, tool, domid, size0, timeout):
    """QEMU and the backend gone; the image grew, is clean and holds both lines."""
    left = wait_gone(t, con, domid, "qdisk", timeout)
    _, procs = t.shell_run(con, "ps | grep -c '[x]en-domid %s '" % domid, timeout)
    res.check(tool + "/qdisk-teardown", ("No such file" in left or left == "") and
              procs.strip() == "0", "backend left %r, QEMU processes %r" % (left, procs))
    rc, out = t.shell_run(con, "stat -c 'size %%s' %s; qemu-img check %s && "
                          "qemu-img convert -f qcow2 -O raw %s %s && %s && %s; rm -f %s"
                          % (QCOW_IMG, QCOW_IMG, QCOW_IMG, QCOW_RAW, sector(QCOW_RAW, 0),
                             sector(QCOW_RAW, 8), QCOW_RAW), timeout)
    m = re.search(r"^size (\d+)", out, re.M)
    res.check(tool + "/qdisk-grown", m is not None and int(m.group(1)) > size0,
              "size %d before, after: %r" % (size0, out.strip()[-400:]),
              "%d -> %s bytes" % (size0, m.group(1) if m else "?"))
    res.check(tool + "/qdisk-contents", rc == 0 and "No errors were found" in out and
              re.search(r"^PETREL-DISK domU boot 1\r?$", out, re.M),
              "rc=%d %r" % (rc, out.strip()[-600:]))


def qdisk_config(name):
    return ("/etc/xl-linux.cfg 'name=\"%s\"' \"disk=['format=qcow2,vdev=xvdb,access=rw,"
            "backendtype=qdisk,target=%s']\"" % (name, QCOW_IMG))


def check_qdisk_dry_run(t, con, res, timeout):
    """xl -N create and pxl -N create of the domain (one UUID): the same JSON."""
    cmd = ("%s -N create " + qdisk_config("qdry") + " 'uuid=\"%s\"'" % DRY_UUID +
           " > /tmp/%s-qdry.json 2>/dev/null; echo rc=$?")
    _, xl = t.shell_run(con, cmd % ("xl", "xl"), 120)
    _, pxl = t.shell_run(con, cmd % ("pxl", "pxl"), 120)
    _, diff = t.shell_run(con, "diff /tmp/xl-qdry.json /tmp/pxl-qdry.json && echo same; "
                          "grep -A6 '\"disks\"' /tmp/xl-qdry.json", timeout)
    res.check("pxl/qdisk-dry-run", xl.strip() == "rc=0" and pxl.strip() == "rc=0" and
              re.search(r"^same\r?$", diff, re.M) and '"qdisk"' in diff,
              "xl %r, pxl %r; diff, then xl's disks: %r" % (xl, pxl, diff))


def check_qdisk(t, con, res, tool, timeout):
    t.shell_run(con, "pidof xenconsoled || { %s && echo started; }" % t.XENCONSOLED, timeout)
    made = make_qcow(t, con, res, tool, timeout)
    if made is None:
        return
    if tool == "pxl":
        check_qdisk_dry_run(t, con, res, timeout)
    token, size0 = made
    name = tool + "qdisk"
    rc, out = t.shell_run(con, "%s create %s" % (tool, qdisk_config(name)), t.XL_CREATE_TIMEOUT)
    if not res.check(tool + "/qdisk-create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-600:])):
        t.shell_run(con, "%s destroy %s; tail -20 /var/log/xen/qemu-dm-%s.log"
                    % (tool, name, name), 120)
        return
    domid = t.xl_domid(con, name)
    qdisk_running(t, con, res, tool, domid, token, timeout)
    t.shell_run(con, "%s destroy %s" % (tool, name), 120)
    qdisk_after(t, con, res, tool, domid, size0, timeout)


# Step TOOL-hotdisk: disks attached to and detached from a running Linux domU.
# The domU is created with a qdisk disk (xvdb, raw), so that the toolstack
# starts QEMU for it: libxl starts QEMU only at create, and refuses a qdisk
# attach to a domain without one ("device model required but not running").
HOT_BASE = "/tmp/hot-base.img"
HOT_PHY = "/tmp/hot-phy.img"
HOT_QCOW = "/tmp/hot-qdisk.qcow2"
HOT_PATTERN_KIB = 64  # the pattern the domU writes at 64 KiB into each disk
# name, MAC, address on xenbr0 of each tool's domU (net_checks.domu_config)
HOT_DOMU = {"xl": ("xlhot", "00:16:3e:5e:7a:41", "192.168.77.41"),
            "pxl": ("pxlhot", "00:16:3e:5e:7a:42", "192.168.77.42")}
# kind, the spec's format (phy: or qdisk), vdev, devid, backend directory kind, image
HOT_DISKS = (("phy", "phy:%s,xvdc,w" % HOT_PHY, "xvdc", 51744, "vbd", HOT_PHY),
             ("qdisk", "format=qcow2,vdev=xvdd,access=rw,backendtype=qdisk,target=%s"
              % HOT_QCOW, "xvdd", 51760, "qdisk", HOT_QCOW))
# In the domU: wait for the disk, print dom0's line, write a random pattern
# at 64 KiB and read it back past the page cache; md5 sums of both.
HOT_GUEST_IO = ("i=0; while [ ! -b /dev/{v} ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done; "
                "echo line: $(dd if=/dev/{v} bs=512 count=1 2>/dev/null | tr -d '\\000'); "
                "dd if=/dev/urandom of=/tmp/pat bs=1k count={k} 2>/dev/null; "
                "echo wrote: $(md5sum < /tmp/pat); "
                "dd if=/tmp/pat of=/dev/{v} bs=1k seek={k} conv=notrunc,fsync 2>/dev/null && "
                "sync && echo 3 > /proc/sys/vm/drop_caches && "
                "echo read: $(dd if=/dev/{v} bs=1k skip={k} count={k} 2>/dev/null | md5sum)")
HOT_GUEST_GONE = ("i=0; while [ -e /sys/block/{v} ] && [ $i -lt 60 ]; do sleep 1; "
                  "i=$((i+1)); done; echo disks: $(ls /sys/block)")
MD5 = re.compile(r"^(wrote|read): ([0-9a-f]{32})", re.M)


def hot_image(t, con, kind, image, timeout):
    """A 4 MiB image (qcow2 for qdisk) with dom0's line in sector 0; the token or None."""
    token = os.urandom(6).hex()
    raw = QCOW_RAW if kind == "qdisk" else image
    cmd = "dd if=/dev/zero of=%s bs=1M count=4 2>/dev/null && %s" % (raw, dom0_line(token, raw))
    if kind == "qdisk":
        cmd += (" && qemu-img convert -f raw -O qcow2 %s %s && rm %s"
                % (QCOW_RAW, image, QCOW_RAW))
    rc, _ = t.shell_run(con, cmd, timeout)
    return token if rc == 0 else None


def hot_image_md5(t, con, kind, image, timeout):
    """The md5 sum of the pattern's place in the image, and qemu-img check's verdict."""
    src, pre = image, ""
    if kind == "qdisk":
        src = QCOW_RAW
        pre = ("qemu-img check %s >/dev/null && echo clean; "
               "qemu-img convert -f qcow2 -O raw %s %s && " % (image, image, QCOW_RAW))
    _, out = t.shell_run(con, "%secho image: $(dd if=%s bs=1k skip=%d count=%d 2>/dev/null | "
                         "md5sum); rm -f %s" % (pre, src, HOT_PATTERN_KIB, HOT_PATTERN_KIB,
                                                QCOW_RAW), timeout)
    m = re.search(r"^image: ([0-9a-f]{32})", out, re.M)
    return (m.group(1) if m else None), kind != "qdisk" or re.search(r"^clean\r?$", out, re.M)


def hot_left(t, con, domid, devid, bekind, image, timeout):
    """What is left of the device in xenstore and dom0 once it is detached."""
    be = "/local/domain/0/backend/%s/%s/%d" % (bekind, domid, devid)
    fe = "/local/domain/%s/device/vbd/%d" % (domid, devid)
    lx = "/libxl/%s/device/vbd/%d" % (domid, devid)
    _, out = t.shell_run(con, "i=0; while xenstore-exists %s && [ $i -lt 150 ]; do "
                         "usleep 200000; i=$((i+1)); done; for p in %s %s %s; do "
                         "xenstore-exists $p && echo left: $p; done; "
                         "/sbin/losetup -n -l -O BACK-FILE | grep -F %s | sed 's/^/loop: /'"
                         % (be, be, fe, lx, image), timeout + 60)
    return re.findall(r"^(?:left|loop): .*", out.replace("\r", ""), re.M)


def hot_hv_left(before, after, domid):
    """hv_state's leftovers, and the running domU's ports and grant entries
    in use that were not there before the attach."""
    left = hv_state.leftovers(before, after)
    if left:
        return left
    for kind in ("ports", "grants"):
        was, now = before[kind].get(domid), after[kind].get(domid)
        if isinstance(was, list):
            was, now = len(was), len(now or [])
        if was != now:
            left.append("domain %d's %s: %s, %s before" % (domid, kind, now, was))
    return left


def hot_cycle(t, con, res, tool, domu, domid, disk, hv_before, timeout):
    """Attach one disk to the running domU, use it there, detach it."""
    kind, spec, vdev, devid, bekind, image = disk
    pre = "%s/hot-%s-" % (tool, kind)
    token = hot_image(t, con, kind, image, timeout)
    if not res.check(pre + "image", token is not None, "making %s failed" % image):
        return
    rc, out = t.xl_run(con, "%s block-attach %s '%s'" % (tool, domu[0], spec), t.XL_CREATE_TIMEOUT)
    if not res.check(pre + "attach", rc == 0, "rc=%d %r" % (rc, out)):
        t.shell_run(con, "%s block-detach %s %s" % (tool, domu[0], vdev), timeout)
        return
    rc, seen = net_checks.domu_sh(t, con, domu, HOT_GUEST_IO.format(v=vdev, k=HOT_PATTERN_KIB))
    sums = dict(MD5.findall(seen))
    _, rows = t.shell_run(con, "%s block-list %s; xenstore-read /local/domain/0/backend/%s/%s/%d"
                          "/state" % (tool, domu[0], bekind, domid, devid), timeout)
    row = re.search(r"^%d\s+0\s+\d+\s+4\s" % devid, rows, re.M)
    during = hv_state.read(t.shell_fn(con))
    ports = [len(s["ports"][0]) if s else -1 for s in (hv_before, during)]
    res.check(pre + "guest", rc == 0 and "line: PETREL-DISK dom0 %s" % token in seen and
              sums.get("wrote") and sums.get("wrote") == sums.get("read") and row and
              re.search(r"^4\r?$", rows, re.M) and ports[1] > ports[0] >= 0,
              "the domU rc=%d %r; block-list and backend state %r; dom0 ports before and "
              "while attached %r" % (rc, seen[-500:], rows, ports),
              "%s in the domU, dom0's line read, pattern %s, dom0 ports %d -> %d"
              % (vdev, sums.get("wrote"), ports[0], ports[1]))
    rc, out = t.xl_run(con, "%s block-detach %s %s" % (tool, domu[0], vdev), timeout)
    rc2, gone = net_checks.domu_sh(t, con, domu, HOT_GUEST_GONE.format(v=vdev))
    left = hot_left(t, con, domid, devid, bekind, image, timeout)
    _, rows = t.shell_run(con, "%s block-list %s" % (tool, domu[0]), timeout)
    res.check(pre + "detach", rc == 0 and rc2 == 0 and "disks:" in gone and vdev not in gone and
              not left and not re.search(r"^%d\s" % devid, rows, re.M),
              "detach rc=%d %r; the domU rc=%d %r; left %r; block-list %r"
              % (rc, out, rc2, gone[-300:], left, rows),
              "; ".join(re.findall(r"^disks: .*", gone, re.M)))
    md5, clean = hot_image_md5(t, con, kind, image, timeout)
    res.check(pre + "image-md5", md5 is not None and md5 == sums.get("wrote") and clean,
              "image %s, the domU wrote %s, qemu-img check clean: %s"
              % (md5, sums.get("wrote"), bool(clean)), md5 or "")
    hv_left = hot_hv_left(hv_before, hv_state.read(t.shell_fn(con)), int(domid or -1))
    res.check(pre + "hv-left", not hv_left, "the hypervisor: %r" % hv_left,
              hv_state.summary(hv_before))


def hot_no_qemu(t, con, res, tool, timeout):
    """A qdisk attach to a domain without QEMU (hello.elf, paused) is refused
    as libxl refuses it; nothing is left under backend/qdisk."""
    name = tool + "nodm"
    rc, out = t.xl_run(con, "%s create -p /etc/xl-hello.cfg 'name=\"%s\"'" % (tool, name), timeout)
    if not res.check(tool + "/hot-no-qemu-create", rc == 0, "rc=%d %r" % (rc, out)):
        return
    domid = t.xl_domid(con, name)
    rc, out = t.xl_run(con, "%s block-attach %s '%s'" % (tool, name, HOT_DISKS[1][1]), timeout)
    _, left = t.shell_run(con, "xenstore-list /local/domain/0/backend/qdisk/%s 2>&1; "
                          "xenstore-list /local/domain/%s/device 2>&1" % (domid, domid), timeout)
    t.shell_run(con, "%s destroy %s" % (tool, name), timeout)
    res.check(tool + "/hot-qdisk-no-qemu", rc == 1 and
              "device model required but not running" in out and
              "libxl_device_disk_add failed." in out and "vbd" not in left and
              re.search(r"^\d+\r?$", left, re.M) is None,
              "rc=%d %r; backend/qdisk and the domain's devices: %r" % (rc, out, left),
              out.strip().splitlines()[-1] if out.strip() else "")


def check_hotdisk(t, con, res, tool, timeout):
    t.shell_run(con, "pidof xenconsoled || { %s && echo started; }" % t.XENCONSOLED, timeout)
    t.shell_run(con, "dd if=/dev/zero of=%s bs=1M count=1 2>/dev/null" % HOT_QCOW, timeout)
    hot_no_qemu(t, con, res, tool, timeout)
    domu = HOT_DOMU[tool]
    rc, _ = t.shell_run(con, "dd if=/dev/zero of=%s bs=1M count=1 2>/dev/null" % HOT_BASE, timeout)
    t.shell_run(con, "rm -f %s/guest-%s.log" % (t.XL_CONSOLE_DIR, domu[0]), timeout)
    rc, out = t.shell_run(con, "%s create /etc/xl-linux.cfg 'name=\"%s\"' %s \"disk=['format=raw,"
                          "vdev=xvdb,access=rw,backendtype=qdisk,target=%s']\""
                          % (tool, domu[0], net_checks.domu_config(domu), HOT_BASE),
                          t.XL_CREATE_TIMEOUT)
    if not res.check(tool + "/hot-create", rc == 0, "rc=%d %r" % (rc, out.strip()[-600:])):
        t.shell_run(con, "%s destroy %s" % (tool, domu[0]), 120)
        return
    domid = t.xl_domid(con, domu[0])
    rc, out = t.console_log_wait(con, domu[0], "domu-shell listening", t.DOMU_BOOT_WAIT)
    if res.check(tool + "/hot-boot", rc == 0, "no domu-shell line: %r" % out.strip()[-600:]):
        hv_before = hv_state.read(t.shell_fn(con))
        for disk in HOT_DISKS:
            hot_cycle(t, con, res, tool, domu, domid, disk, hv_before, timeout)
    t.shell_run(con, "%s destroy %s" % (tool, domu[0]), 120)
    left = wait_gone(t, con, domid, "qdisk", timeout)
    _, procs = t.shell_run(con, "ps | grep -c '[x]en-domid %s '" % domid, timeout)
    res.check(tool + "/hot-teardown", ("No such file" in left or left == "") and
              procs.strip() == "0", "backend left %r, QEMU processes %r" % (left, procs))


def check_hot_phy(t, con, res, domu, domid, timeout):
    """The phy: disk's attach and detach alone, on a running domU that has
    the domU shell (the xl-split step's; make test's slice)."""
    hv_before = hv_state.read(t.shell_fn(con))
    hot_cycle(t, con, res, "xl", domu, domid, HOT_DISKS[0], hv_before, timeout)
