"""QEMU command lines that boot a hypervisor with the Linux dom0.

One place for the machine the system tests and the boot-time benchmark use,
so that Debian's Xen 4.17 and Petrel run on exactly the same QEMU, dom0
kernel and initramfs.  Only -kernel (the hypervisor) and -append (its
command line) differ.
"""

import os
import shutil

MARKER = "PETREL-DOM0-SHELL-READY"
# The hypervisor's first console line (SeaBIOS prints nothing on the serial
# port without -nographic, so this is what shows that a machine restarted).
HV_BANNER = r"^\(XEN\) (Xen version \d|Petrel hypervisor)"
BUILD = os.environ.get("BUILD", "build")

HV_IMAGES = {
    # Debian's xen-hypervisor-4.17-amd64, unpacked and gunzipped (an ELF32
    # multiboot image, which QEMU's -kernel loader accepts).
    "xen": os.path.join(BUILD, "xen-ref", "xen-4.17-amd64"),
    "petrel": os.path.join(BUILD, "xen", "petrel"),
}

# Xen gets spec-ctrl=eager-fpu: on this AMD-vendor CPU Xen 4.17 would
# otherwise switch vCPUs' FPU state lazily (CR0.TS set, state loaded on the
# #NM fault), and QEMU's TCG runs XSAVE/XSAVEOPT/XRSTOR with CR0.TS set
# without the #NM.  A Linux dom0 saves and restores its tasks' registers with
# those instructions, so once Xen had run a domU, dom0's processes got another
# task's vector registers (busybox and xl crashing while a domU ran).  Eager
# switching never leaves CR0.TS set for a guest; Petrel switches eagerly too.
# docs/testing.md, "Xen 4.17 under TCG".
HV_CMDLINE = {
    "xen": "console=com1 com1=115200,8n1 dom0_mem=512M loglvl=all guest_loglvl=all noreboot"
           " spec-ctrl=eager-fpu",
    "petrel": "console=com1 com1=115200,8n1 dom0_mem=512M loglvl=all guest_loglvl=all noreboot",
}

# Console lines after which the dom0 will not reach its shell: waits for the
# marker end at once instead of running into their timeout.
BOOT_FAILURE = (r"Kernel panic - not syncing[^\n]*|^\(XEN\) Panic on CPU[^\n]*"
                r"|^\(XEN\) \*+ ?Panic[^\n]*|^\(XEN\) Could not set up DOM0[^\n]*")

# After dom0's `reboot`: the hypervisor stopped instead of restarting.
REBOOT_FAILURE = r"^\(XEN\) [^\n]*(Halting|halted|not rebooting)[^\n]*"

DOM0_CMDLINE = "console=hvc0 earlyprintk=xen"
# The same kernel booted without a hypervisor: the console and its early
# printk on the first serial port, as dom0's are on the hypervisor's console.
BARE_CMDLINE = "console=ttyS0 earlyprintk=ttyS0"


def hv_cmdline(hv):
    """The hypervisor's command line: HV_CMDLINE's, then $SYSTEM_HV_OPTS (options
    added for one run, such as tlb_holders=0 on Petrel)."""
    extra = os.environ.get("SYSTEM_HV_OPTS", "").strip()
    return HV_CMDLINE[hv] + (" " + extra if extra else "")


def default_dom0(kernel_dir=None):
    d = kernel_dir or os.path.join(BUILD, "dom0")
    return os.path.join(d, "vmlinuz"), os.path.join(d, "initramfs.cpio.gz")


def qemu_binary():
    """The QEMU to run and its data-directory options: $SYSTEM_QEMU (another
    build, such as bookworm's 7.2 unpacked by tests/system/qemu72.mk) with the
    directories of $SYSTEM_QEMU_DATA (colon separated, searched in order),
    else the installed qemu-system-x86_64.  $SYSTEM_QEMU_CPU replaces the
    CPU model (max)."""
    qemu = os.environ.get("SYSTEM_QEMU") or shutil.which("qemu-system-x86_64")
    if not qemu or not os.path.isfile(qemu):
        raise FileNotFoundError("QEMU %s not found (run: make deps)"
                                % (qemu or "qemu-system-x86_64"))
    data = []
    for d in filter(None, os.environ.get("SYSTEM_QEMU_DATA", "").split(":")):
        data += ["-L", d]
    return qemu, data


def check_files(files):
    """Each (what, path) must exist and have no comma (QEMU's module separator)."""
    for what, path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError("%s %s does not exist" % (what, path))
        if "," in path:
            raise ValueError("%s path %s contains a comma (QEMU's module separator)"
                             % (what, path))


def machine_argv(memory, smp):
    """QEMU and the machine every boot here gets: CPU model, memory, CPUs, serial on stdio."""
    qemu, data = qemu_binary()
    accel = ["-accel", "tcg,thread=multi"] if smp > 1 else []
    cpu = os.environ.get("SYSTEM_QEMU_CPU", "max")
    return [qemu] + data + ["-cpu", cpu, "-m", memory, "-machine", "pc", "-smp", str(smp)] + \
        accel + ["-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none"]


def qemu_argv(hv, kernel, initrd, image=None, memory="2G", extra=(), smp=1):
    """argv for one boot; image overrides the hypervisor binary; smp CPUs
    (multi-threaded TCG when more than one)."""
    if hv not in HV_IMAGES:
        raise ValueError("unknown hypervisor %r (xen or petrel)" % hv)
    image = image or HV_IMAGES[hv]
    check_files((("hypervisor", image), ("dom0 kernel", kernel), ("initramfs", initrd)))
    # QEMU's multiboot loader: modules are comma separated, each "file args".
    modules = "%s %s,%s" % (kernel, DOM0_CMDLINE, initrd)
    return machine_argv(memory, smp) + [
        "-kernel", image, "-append", hv_cmdline(hv), "-initrd", modules] + list(extra)


def bare_argv(kernel, initrd, memory="2G", smp=1):
    """argv that boots the dom0 kernel and initramfs as a plain PC (no
    hypervisor) on the same machine: QEMU's Linux loader, console on ttyS0.
    The initramfs's Xen steps fail at once there (the xen-* modules refuse
    to load, xenfs does not mount, xen-init-dom0 finds no privcmd) and it
    goes on to the shell marker."""
    check_files((("dom0 kernel", kernel), ("initramfs", initrd)))
    return machine_argv(memory, smp) + [
        "-kernel", kernel, "-append", BARE_CMDLINE, "-initrd", initrd]


def shell_quote(argv):
    out = []
    for a in argv:
        if a and all(c.isalnum() or c in "-_./=:," for c in a):
            out.append(a)
        else:
            out.append("'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)
