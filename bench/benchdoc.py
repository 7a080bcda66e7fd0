"""What the Python benchmarks share: the host's load average, the table of
medians with Petrel / Xen ratios they print, and how they write it into
docs/performance.md between a pair of markers.

A table row is (key, what, unit, better): better is HIGHER or LOWER (which
figure is ahead), None for a row without a ratio, or a function of the
row's medians ({hv: median}) that gives the last cell itself.  figs[hv][key]
is the list of a figure's values (or one value) on that hypervisor.  Each
benchmark keeps the ratio convention docs/performance.md reports its table
in: over=True, Petrel / Xen over 1.00x is Petrel ahead (where lower is
better, Xen's / Petrel's); over=False, under 1.00x is Petrel ahead (where
higher is better, Xen's / Petrel's)."""

import os
import re
import statistics
import subprocess
import time

HIGHER, LOWER = "higher", "lower"
HV_NAMES = {"petrel": "Petrel", "xen": "Xen 4.17"}


def note(msg):
    print(msg, flush=True)


def median(vals):
    """The median of a list of values (None if empty); a lone value as is."""
    if not isinstance(vals, (list, tuple)):
        return vals
    return statistics.median(vals) if vals else None


def fmt(v):
    """A figure: whole above 100, else two decimals; None is "-"."""
    if v is None:
        return "-"
    return "%.0f" % v if abs(v) >= 100 else "%.2f" % v


def ratio(p, x, better, over=True):
    """Petrel's median p against Xen's x as "N.NNx" ("-" without both or
    without a direction): Petrel's over Xen's where that puts Petrel ahead
    over 1.00x (over) or under it (not over), else Xen's over Petrel's."""
    if not p or not x or better not in (HIGHER, LOWER):
        return "-"
    return "%.2fx" % (p / x if (better == HIGHER) == over else x / p)


def legend(rows, over=True):
    """The line that says how to read the ratio column of a table of rows."""
    flipped = LOWER if over else HIGHER
    text = "Petrel / Xen: %s 1.00x is Petrel ahead" % ("over" if over else "under")
    if any(r[3] == flipped for r in rows):
        text += " (where %s is better, Xen's / Petrel's)" % flipped
    return text + "."


def markdown(head, lines):
    """A Markdown table: the header cells head, then one row of cells a line."""
    out = ["| %s |" % " | ".join(head), "|%s" % ("---|" * len(head))]
    out += ["| %s |" % " | ".join(cells) for cells in lines]
    return "\n".join(out) + "\n"


def table(rows, figs, hvs, over=True, form=None, ratio_head="Petrel / Xen"):
    """The Markdown table of rows: figure, unit, each hypervisor's median in
    the order hvs, the ratio (or the row's own comparison); rows that no
    hypervisor has are left out.  form(key, value) formats a median."""
    form = form or (lambda key, v: fmt(v))
    lines = []
    for key, what, unit, better in rows:
        if not any(figs.get(hv, {}).get(key) not in (None, []) for hv in hvs):
            continue
        med = {hv: median(figs.get(hv, {}).get(key, [])) for hv in hvs}
        cmp = (better(med) if callable(better) else
               ratio(med.get("petrel"), med.get("xen"), better, over))
        lines.append([what, unit] + [form(key, med[hv]) for hv in hvs] + [cmp])
    return markdown(["figure", "unit"] + [HV_NAMES[hv] for hv in hvs] + [ratio_head], lines)


def revision(path=None):
    """git describe of the tree the benchmarks are in."""
    here = path or os.path.dirname(os.path.abspath(__file__))
    return subprocess.run(["git", "-C", here, "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()


def started():
    """(UTC time, load average, revision) at a run's start."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load(), revision()


def load():
    """The host's load averages over 1, 5 and 15 minutes, as text."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def write_doc(path, name, text):
    """Put @text between the "<!-- NAME begin -->" and "<!-- NAME end -->"
    lines of the file @path; a file without them is left alone."""
    with open(path) as f:
        doc = f.read()
    begin, end = "<!-- %s begin -->\n" % name, "<!-- %s end -->" % name
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        print("%s: no %s markers in %s; left alone" % (name, name, path), flush=True)
        return
    with open(path, "w") as f:
        f.write(doc[:i + len(begin)] + text + doc[j:])


def publish(out_dir, name, text, doc=None):
    """Print a benchmark's table text, write it to out_dir/table.md and,
    with doc, between doc's NAME markers."""
    print("\n" + text, flush=True)
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(text)
    if doc:
        write_doc(doc, name, text)


def dom0_run(hv, image, extra, log, boot_timeout, fn):
    """Boot dom0 (build/dom0) on hv (image: Petrel's, None for Xen's) on the
    system tests' QEMU plus the options extra, call fn(con) at its shell,
    then power it off; a console error is printed with the log's name.
    The callers have tests/system on sys.path."""
    import hvboot
    from serialconsole import ConsoleError, SerialConsole
    kernel, initrd = hvboot.default_dom0(os.path.join(hvboot.BUILD, "dom0"))
    argv = hvboot.qemu_argv(hv, kernel, initrd, image=image if hv == "petrel" else None,
                            extra=extra)
    with SerialConsole(argv, log_path=log) as con:
        try:
            con.expect(re.escape(hvboot.MARKER), boot_timeout, fail=hvboot.BOOT_FAILURE)
            con.sync(attempts=5, timeout=30)
            fn(con)
            con.send_line("poweroff")
            con.wait_exit(120)
        except ConsoleError as e:
            print("  %s: %s (log %s)" % (hv, e, log), flush=True)
