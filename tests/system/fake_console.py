#!/usr/bin/env python3
"""A stand-in for a booted dom0 console, for the harness self-test.

Behaves like a serial console with a shell behind it: prints boot noise
with ANSI escape sequences and CRLF line ends, then the shell marker, echoes
every typed line (as a tty does) and runs it with /bin/sh.  `poweroff`
ends it with status 0, `crash N` with status N, `hang` stops answering;
KMSG or HVMSG in a command puts a kernel or hypervisor line right after
the shell's begin marker.
With --late-shell the first line typed is swallowed (a shell that starts
after its marker).
"""

import re
import subprocess
import sys
import time


def out(s):
    sys.stdout.buffer.write(s.encode() if isinstance(s, str) else s)
    sys.stdout.buffer.flush()


def main():
    late = "--late-shell" in sys.argv
    out(b"\x1bc\x1b[?7l\x1b[2JFirmware 1.0\r\n")
    for i in range(3):
        out("[    %d.000000] booting step %d\r\n" % (i, i))
        time.sleep(0.05)
    out("PETREL-DOM0-SHELL-READY\r\n")
    swallowed = not late
    while True:
        out("dom0# \x1b[6n")
        line = sys.stdin.readline()
        if not line:
            return 0
        if not swallowed:
            swallowed = True
            continue
        cmd = line.rstrip("\n")
        out(cmd.replace("\n", "\r\n") + "\r\n")  # the tty's echo
        word = cmd.split()
        if word[:1] == ["poweroff"]:
            out("reboot: Power down\r\n")
            return 0
        if word[:1] == ["crash"]:
            return int(word[1])
        if re.search(r"\bhang\b", cmd):
            time.sleep(3600)
        r = subprocess.run(["/bin/sh", "-c", cmd], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out(interleave(cmd, r.stdout).replace(b"\n", b"\r\n"))


# A line of the kernel's or the hypervisor's that lands between the shell's
# begin marker and its newline, as on a real console (KMSG, HVMSG in a command).
NOISE = {"KMSG": b"[   55.463514] smpboot: CPU 3 is now offline\n",
         "HVMSG": b"(XEN) d1v0 a line of the hypervisor's\n"}


def interleave(cmd, output):
    for word, line in NOISE.items():
        if word in cmd:
            output = re.sub(rb"(@@B\d+@@)", lambda m: m.group(1) + line, output, count=1)
    return output


if __name__ == "__main__":
    sys.exit(main())
