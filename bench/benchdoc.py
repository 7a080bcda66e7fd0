"""What the Python benchmarks share: the host's load average and the table
they write into docs/performance.md between a pair of markers."""


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
    import os
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
    import os
    import re
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
