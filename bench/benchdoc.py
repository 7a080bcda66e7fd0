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
