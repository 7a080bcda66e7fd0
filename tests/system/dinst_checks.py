"""Debian's installer as an HVM guest, then its device model stopped (step
xl-hvm-dinst, run only when named in --only; make test-system-hvm-dinst and
test-system-hvm-dinst-xen).

    check_dinst(t, con, res, timeout)
        the boot disk of hvm-boot/dinst-disk.sh (dom0's second virtio disk,
        --hvm-disk) as the AHCI disk of /etc/xl-dinst.cfg (800 MiB, SeaBIOS,
        Debian's qemu-system-xen, COM1 to a file in dom0): GRUB's line, then
        the kernel with console=ttyS0 and the installer's first screen,
        "Select a language", on its serial console, the domain still running
        there; then its device model is stopped (SIGSTOP) while the guest
        waits for a key, dom0's shell carries on, `xl destroy` returns and
        the domain runs no more; the stopped model (libxl's SIGHUP pending)
        is then killed (SIGKILL) and only Domain-0 is left, no device model,
        free memory back.

`t` is the system test's module (dom0_system_test).
"""

import os

DINST_LOG = "/var/log/xen/dinst-serial.log"
DINST_DOM = "xldinst"
DINST_GRUB = "grub: loading debian-installer"
# The title of localechooser's first question (its English text).
DINST_SCREEN = "Select a language"
DINST_WAIT = 2400  # seconds from xl create to the first screen under TCG
DINST_POLL = 30


def dinst_status(t, con):
    """GRUB's line and the first screen's title from the guest's serial log
    (VT100: each escape starts a line), the domain's state in xl list (empty
    once it is gone) and the log's size."""
    rc, out = t.shell_run(con, "tr '\\033' '\\n' < %s | grep -a -o -E '%s|%s' | sort -u; "
                          "echo state $(xl list %s | awk 'NR == 2 { print $5 }'); "
                          "echo bytes $(wc -c < %s)"
                          % (DINST_LOG, DINST_GRUB, DINST_SCREEN, DINST_DOM, DINST_LOG), 600)
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    state = [l.split()[1:] for l in lines if l.startswith("state")]
    return {"grub": DINST_GRUB in lines, "screen": DINST_SCREEN in lines,
            "state": state[0][0] if state and state[0] else "",
            "bytes": " ".join(l for l in lines if l.startswith("bytes"))}


XENCTX = "/usr/lib/xen-4.17/bin/xenctx"
# With DINST_SAMPLE=1 in the environment, dom0 samples the guest's vCPU with
# xenctx (registers and the code bytes at rip) every 0.3 s while it runs and
# keeps the last two samples that show registers (rip:, or cs:eip: outside
# long mode; xenctx exits 0 when it cannot read them): Xen keeps no register
# record for a vCPU that is down, so after a halt with interrupts off the
# samples are all that show where it was.
SAMPLER = ("( until d=$(xl domid %s 2>/dev/null); do usleep 200000; done; n=0; "
           "while [ $n -lt 20 ]; do %s -a $d 0 > /tmp/ctx.new 2>&1; "
           "if grep -q -E '[er]ip: ' /tmp/ctx.new; then "
           "mv -f /tmp/ctx.last /tmp/ctx.prev 2>/dev/null; mv /tmp/ctx.new /tmp/ctx.last; n=0; "
           "else n=$((n + 1)); fi; usleep 300000; done ) > /dev/null 2>&1 & echo sampler $!"
           % (DINST_DOM, XENCTX))


def vcpu_state(t, con):
    """Where the guest's vCPU stopped: Xen's xenctx now (registers, and the
    code bytes at rip, read from the guest's memory; nothing once the vCPU is
    down), the sampler's last two records (DINST_SAMPLE) and the start of
    xen-hvmctx's dump (the PICs' and IO-APIC's state)."""
    t.shell_run(con, "d=$(xl domid %s); %s -a $d 0 2>&1 | head -n 40; for f in /tmp/ctx.prev "
                "/tmp/ctx.last; do [ -f $f ] && echo \"== $f\" && head -n 40 $f; done; "
                "/usr/lib/xen-4.17/bin/xen-hvmctx $d 2>&1 | head -n 45" % (DINST_DOM, XENCTX), 120)


# After the guest powered off (kept: on_poweroff = "preserve"), its memory
# as an ELF core from xl dump-core, streamed through a FIFO (800 MiB, not
# kept), and the printable runs in it (busybox strings) that look like the
# kernel's log lines with their values filled in (the bare format strings in
# the kernel's read-only data do not match): printk keeps its text in a ring
# in the kernel's image from the first call, before any console is
# registered, so what the kernel said before it halted (an early exception's
# registers and trace, a BUG or WARNING line, an unchecked MSR access) is
# there when nothing reached COM1.  The patterns go to dom0 a few at a time
# (grep -f): a long typed line can lose characters on a loaded console.
LOG_MARKS = ["Linux version [0-9]", "Command line: [a-z]", "BIOS-e820: .mem 0x",
             "CPU: [0-9]+ PID: ", "Hardware name: [A-Z]", "RIP: [0-9a-f]{4}:",
             "Code: [0-9a-f<]", "RSP: [0-9a-f]{4}:", "RAX: [0-9a-f]", "RDX: [0-9a-f]",
             "RBP: [0-9a-f]", "R10: [0-9a-f]", "R13: [0-9a-f]", "CR2: [0-9a-f]", "Call Trace:",
             "kernel BUG at [a-z]", "WARNING: CPU: [0-9]",
             "unchecked MSR access error: [RW][DR]MSR [a-z]+ 0x[0-9a-f]",
             "Hypervisor detected: [A-Z]", "Kernel panic - not syncing: [A-Za-z]",
             "invalid opcode: [0-9]", "general protection fault[:,] [0-9a-z]",
             "x86/fpu: [A-Z][ -~]+0x[0-9a-f]", "ACPI: RSDP 0x"]
LOG_PATTERNS = "/tmp/klog.pat"
CORE_FIFO = "/tmp/core.fifo"


def kernel_log(t, con):
    """What the guest's kernel logged, from its memory (LOG_MARKS)."""
    t.shell_run(con, "rm -f %s %s /tmp/klog.txt; mkfifo %s" % (LOG_PATTERNS, CORE_FIFO, CORE_FIFO))
    for i in range(0, len(LOG_MARKS), 4):
        t.shell_run(con, "printf '%%s\\n' %s >> %s"
                    % (" ".join("'%s[ -~]{0,160}'" % m for m in LOG_MARKS[i:i + 4]), LOG_PATTERNS))
    t.shell_run(con, "( strings -n 10 < %s | grep -a -o -E -f %s | sed -n '1,200p' "
                "> /tmp/klog.txt ) & sleep 1" % (CORE_FIFO, LOG_PATTERNS))
    t.shell_run(con, "xl dump-core $(xl domid %s) %s; echo dump-core rc=$?; wait"
                % (DINST_DOM, CORE_FIFO), 1800)
    rc, out = t.shell_run(con, "echo \"== the guest kernel's log lines in its memory\"; "
                          "cat /tmp/klog.txt; rm -f %s" % CORE_FIFO, 60)
    return out


# What the kernel's log shows on Xen 4.17 under QEMU's TCG (docs/testing.md,
# "Debian's installer as an HVM guest"): its first early page fault, the
# demand-mapped direct-map read of copy_bootdata, handled with CR2 reading 0,
# so the early handler cannot map it, prints the registers and halts. QEMU
# checks the MOV from CR2 against the CR0-read intercept, and Xen, which
# intercepts CR0 reads, answers it from a copy of CR2 it never wrote (hvm-cr2).
CR2_ZERO = "CR2: 0000000000000000"


def early_fault_note(log):
    """A line that names the early fault with CR2 0, if the log shows one."""
    rip = [l.strip() for l in log.splitlines() if l.startswith("RIP: ")]
    if not rip or CR2_ZERO not in log:
        return ""
    return ("the guest's kernel halted in its early exception handler at %s with CR2 0 "
            "(the fault address lost): QEMU's TCG sends the guest's MOV from CR2 to Xen 4.17 "
            "as a CR0 read, a known limit, not of the test (docs/testing.md, hvm-cr2)"
            % rip[0][len("RIP: "):])


def dinst_ended(st):
    return not st["state"] or any(c in st["state"] for c in "sc")


def dinst_wait(t, con, t0):
    """Poll until the first screen, the domain's end or DINST_WAIT."""
    st = dinst_status(t, con)
    while not st["screen"] and not dinst_ended(st) and con.elapsed() - t0 < DINST_WAIT:
        t.shell_run(con, "sleep %d" % DINST_POLL, DINST_POLL + 600)
        st = dinst_status(t, con)
        print("note: %.0f s after create: %s, serial log %s"
              % (con.elapsed() - t0, st["state"], st["bytes"]), flush=True)
    return st


def dm_stop(t, con, res, step):
    """SIGSTOP to the guest's device model; dom0's shell still answers."""
    rc, out = t.shell_run(con, "kill -STOP $(pidof xen-qemu-system-i386) && sleep 5 && "
                          "echo stopped $(awk '{ print $3 }' /proc/$(pidof xen-qemu-system-i386)"
                          "/stat)")
    return res.check(step + "/dm-stop", rc == 0 and "stopped T" in out,
                     "rc=%d: %r" % (rc, out.strip()[-300:]), out.strip())


def dm_stopped_destroy(t, con, res, timeout, free0, step):
    """xl destroy with the device model stopped: libxl's SIGHUP to it stays
    pending, so the model lives on (and may keep the guest's pages mapped)
    until it is killed; xl destroy must still return, the domain must not
    run on, and once the model is killed (SIGKILL) nothing is left: only
    Domain-0, no device model, free memory back."""
    rc, out = t.shell_run(con, "xl destroy %s; echo rc=$?; xl list | awk 'NR > 1 { print "
                          "\"dom\", $1, $5 }'" % DINST_DOM, timeout)
    left = [l.split()[1:] for l in out.splitlines() if l.startswith("dom ")]
    running = [d for d in left if d[0] == DINST_DOM and "r" in d[-1]]
    res.check(step + "/dm-stopped-destroy", "rc=0" in out and not running,
              "xl destroy with the device model stopped: %r" % out.strip()[-400:],
              " ".join(" ".join(d) for d in left))
    rc, out = t.shell_run(con, "p=$(pidof xen-qemu-system-i386) && kill -9 $p && "
                          "echo killed $p; true")
    print("note: after xl destroy: device model %s" % (out.strip() or "gone"), flush=True)
    rc, out = t.xl_wait_only_dom0(con, timeout)
    rc2, lines, rows = t.xl_list(con)
    rc3, dm = t.shell_run(con, "pidof xen-qemu-system-i386 || echo none")
    res.check(step + "/dm-stopped-gone", rc == 0 and rc2 == 0 and len(rows) == 1 and
              rows[0][0] == "Domain-0" and dm.strip() == "none",
              "rows %r, device model %r" % (lines, dm.strip()), out.strip())
    free1 = t.xl_free_memory(con)
    for _ in range(10):
        if free1 == free0:
            break
        t.shell_run(con, "sleep 1")
        free1 = t.xl_free_memory(con)
    res.check(step + "/dm-stopped-memory", free0 > 0 and free1 == free0,
              "free_memory %d MiB before create, %d MiB after" % (free0, free1),
              "%d MiB free again" % free1)


def check_dinst(t, con, res, timeout):
    step = "xl-hvm-dinst"
    failed0 = res.failed
    dev = t.installed_disk(con)
    if not res.check(step + "/disk", dev, "no virtio disk with serial %s in dom0 (--hvm-disk)"
                     % t.INSTALLED_SERIAL, dev):
        return
    if not t.hvm_setup(con, res, step):
        return
    free0 = t.xl_free_memory(con)
    if os.environ.get("DINST_SAMPLE") == "1":
        t.shell_run(con, SAMPLER)
    rc, out = t.shell_run(con, "rm -f %s; xl -vvv create /etc/xl-dinst.cfg "
                          "'disk=[\"format=raw,vdev=hda,access=rw,target=/dev/%s\"]' "
                          "> /tmp/xl-dinst.out 2>&1; r=$?; tail -n 5 /tmp/xl-dinst.out; "
                          "test $r = 0" % (DINST_LOG, dev), 4 * timeout)
    res.check(step + "/create", rc == 0, "rc=%d: %r" % (rc, out.strip()[-600:]))
    t0 = con.elapsed()
    st = dinst_wait(t, con, t0)
    took = "%.0f s after create" % (con.elapsed() - t0)
    res.check(step + "/grub", st["grub"], "GRUB's line not in %s: %r" % (DINST_LOG, st),
              "SeaBIOS booted GRUB")
    res.check(step + "/first-screen", st["screen"],
              "no %r on the installer's serial console within %d s: %r"
              % (DINST_SCREEN, DINST_WAIT, st), took)
    res.check(step + "/running", not dinst_ended(st),
              "the domain is no longer running: state %r" % st["state"], st["state"])
    if res.failed > failed0:
        t.shell_run(con, "tr -d '\\r' < %s | tr '\\033' '\\n' | tail -n 40" % DINST_LOG, 30)
        # the shutdown code (Reason-Code: 0 poweroff, 1 reboot, 3 crash)
        t.shell_run(con, "xl list -v %s" % DINST_DOM, 30)
        vcpu_state(t, con)
        if st["state"] and "s" in st["state"]:
            note = early_fault_note(kernel_log(t, con))
            if note:
                print("note: %s" % note, flush=True)
        t.hvm_failure_report(con, DINST_DOM, "/tmp/xl-dinst.out")
    if not dinst_ended(st) and dm_stop(t, con, res, step):
        dm_stopped_destroy(t, con, res, timeout, free0, step)
    else:
        t.xl_hvm_destroy_checks(con, res, ("destroy", "memory"), timeout, free0, DINST_DOM,
                                step)
    t.shell_run(con, "kill $(cat /run/xenconsoled.pid)")
