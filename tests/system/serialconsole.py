"""Drive a program's serial console over its stdin/stdout (QEMU -serial stdio).

Standard library only.  The driver keeps the whole console log (raw bytes,
optionally mirrored to a file), matches regular expressions against a
cleaned-up copy (no ANSI escape sequences, no carriage returns), and every
wait has a timeout.  On any failure the caller prints tail() so the last
lines of the console explain what happened.

    con = SerialConsole(["qemu-system-x86_64", ...], log_path="serial.log")
    con.expect(r"READY", timeout=300)
    rc, out = con.run("cat /proc/xen/capabilities", timeout=30)
    con.send_line("poweroff")
    status = con.wait_exit(timeout=60)

Two machines at once: make each the other's companion (a wait on one then
reads both, so neither's output pipe fills and stalls it) and give a watch
pattern: its lines are kept with the time they arrived (watched).
"""

import os
import re
import select
import signal
import subprocess
import time

# CSI sequences (ESC [ ... final byte), OSC-less two-byte escapes, and
# the other control characters a console emits around its text.
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-~]")
_CTRL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


class ConsoleError(Exception):
    """A wait on the console did not succeed."""


class ConsoleTimeout(ConsoleError):
    pass


class ConsoleEOF(ConsoleError):
    pass


class ConsoleFailure(ConsoleError):
    """The console printed what the caller called a failure."""


def clean(raw):
    """Console bytes -> text for matching: escapes and CRs removed."""
    text = _ANSI.sub(b"", raw)
    text = _CTRL.sub(lambda m: b"" if m.group() != b"\t" else b"\t", text)
    return text.decode("utf-8", errors="replace")


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class SerialConsole:
    def __init__(self, argv, log_path=None, echo=False, watch=None):
        # The program runs in its own session (so that close() can kill all
        # of it); turn SIGTERM/SIGHUP into an exit that runs close() rather
        # than leaving an orphaned QEMU behind.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _exit_on_signal)
        self.argv = list(argv)
        self.raw = bytearray()
        self.text = ""
        self.pos = 0  # matches are searched from here on
        self.echo = echo
        self.log = open(log_path, "wb") if log_path else None
        self.started = time.monotonic()
        self.last_data = self.started  # when the program last printed
        self.seq = 0
        self.watch = re.compile(watch) if watch else None
        self.watched = []  # (time.monotonic(), line) of the lines matching watch
        self.scanned = 0  # self.text up to here was searched for watch
        self.companions = []  # consoles read too while waiting on this one
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)

    # -- reading ---------------------------------------------------------
    def _read(self, timeout, alone=False):
        """Read what arrives within timeout: "data", "idle" or "eof"
        (unless alone, the companions' output is read as it comes, not reported)."""
        fd = self.proc.stdout.fileno()
        others = {} if alone else {c.proc.stdout.fileno(): c for c in self.companions}
        r, _, _ = select.select([fd] + list(others), [], [], max(0.0, timeout))
        for other in (others[o] for o in r if o in others):
            if other._read(0, alone=True) == "eof":
                self.companions.remove(other)
        if fd not in r:
            return "idle"
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return "idle"
        if not data:
            return "eof"
        self.raw += data
        self.last_data = time.monotonic()
        if self.log:
            self.log.write(data)
            self.log.flush()
        if self.echo:
            os.write(1, data)
        self.text = clean(bytes(self.raw))
        self._note_watched()
        return "data"

    def _note_watched(self):
        """Keep the new complete lines that match watch, with the time now."""
        end = self.text.rfind("\n") + 1
        if not self.watch or end <= self.scanned:
            return
        now = time.monotonic()
        for line in self.text[self.scanned:end].splitlines():
            if self.watch.search(line):
                self.watched.append((now, line))
        self.scanned = end

    def poll(self, timeout=0):
        """Read what this console and its companions print within timeout."""
        return self._read(timeout)

    def elapsed(self):
        """Seconds since the program was started."""
        return time.monotonic() - self.started

    def expect(self, pattern, timeout, flags=re.MULTILINE, fail=None):
        """Wait for pattern (after earlier matches); return the match.

        fail: a pattern that ends the wait early with ConsoleFailure when it
        shows up before pattern (a kernel panic while waiting for a prompt).
        """
        rx = re.compile(pattern, flags)
        bad = re.compile(fail, flags) if fail else None
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text, self.pos)
            b = bad.search(self.text, self.pos) if bad else None
            if b and (not m or b.start() < m.start()):
                self.pos = b.end()
                raise ConsoleFailure("console shows failure after %.1fs: %s"
                                     % (self.elapsed(), b.group(0).strip()))
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConsoleTimeout("timed out after %gs waiting for /%s/" % (timeout, pattern))
            if self._read(min(left, 0.5)) == "eof":
                if rx.search(self.text, self.pos) or (bad and bad.search(self.text, self.pos)):
                    continue  # the last bytes hold the answer
                raise ConsoleEOF("console closed (exit status %s) while waiting for /%s/"
                                 % (self._status(), pattern))

    def _status(self):
        """Exit status once the output has closed (None if still running)."""
        try:
            return self.proc.wait(2)
        except subprocess.TimeoutExpired:
            return None

    # -- writing ---------------------------------------------------------
    def send(self, data):
        """Type data; slowly enough for a 16550 FIFO behind an emulated UART."""
        if isinstance(data, str):
            data = data.encode()
        try:
            for i in range(0, len(data), 8):
                self.proc.stdin.write(data[i:i + 8])
                self.proc.stdin.flush()
                time.sleep(0.01)
        except BrokenPipeError:
            raise ConsoleEOF("console closed while typing %r" % data[:40])

    def send_line(self, line):
        self.send(line + "\n")

    def run(self, cmd, timeout=30):
        """Run a shell command on the console; return (exit status, output).

        The command is bracketed by markers that the shell prints but whose
        typed form differs (printf formats), so the console's echo of the
        typed line never matches them.
        """
        self.seq += 1
        n = self.seq
        self.send_line("printf '@@B%%d@@\\n' %d; %s; printf '@@E%%d=%%d@@\\n' %d $?"
                       % (n, cmd, n))
        # the hypervisor's own line ("(XEN) ...", "(d1) ...") or the kernel's
        # ("[   55.463514] ...") may land right between the marker and the
        # shell's newline: it is not output
        begin = self.expect(r"@@B%d@@(?:(?:\((?:XEN|d\d+)\)|\[ *\d+\.\d+\])[^\n]*\n)?\n" % n,
                            timeout)
        end = self.expect(r"@@E%d=(\d+)@@" % n, timeout)
        out = self.text[begin.end():end.start()]
        return int(end.group(1)), out

    def sync(self, attempts=5, timeout=10):
        """Make sure a shell answers (its first prompt may eat early input)."""
        last = None
        for _ in range(attempts):
            try:
                self.run("true", timeout)
                return
            except ConsoleTimeout as e:
                last = e
        raise ConsoleTimeout("shell did not answer: %s" % last)

    # -- ending ----------------------------------------------------------
    def wait_exit(self, timeout):
        """Wait for the program to exit (reading its output); return status."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConsoleTimeout("program still running %gs later" % timeout)
            if self._read(min(left, 0.5)) == "eof":
                break
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise ConsoleTimeout("output closed but program still running")

    def close(self):
        """Kill the program (its whole session) if it is still running."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        if self.log:
            self.log.close()
            self.log = None

    def tail(self, lines=40):
        return "\n".join(self.text.splitlines()[-lines:])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
