#!/usr/bin/env python3
"""Host self-test of what the Python benchmarks share (bench/benchdoc.py):
the ratio in each direction and convention, the legend line, the table of
medians (rows left out, a row's own comparison, the column order), the
Markdown shape, and the markers a table is written between; then the
tables of save.py, split.py, smp.py, hvm_dm.py, xl-lifecycle.py and
hvm-tcgcost.py on made-up figures, each row's ratio read against the
convention docs/performance.md reports it in.
No QEMU.  Prints "PASS name"/"FAIL name: why" and
"bench-harness: N passed, N failed".
"""

import importlib.util
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "system"))
sys.path.insert(0, HERE)
import benchdoc as bd  # noqa: E402
from testrun import run  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def script(name):
    """A bench/ script loaded as a module (its main not run)."""
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def cells(text, what):
    """The cells of the table line whose first cell is what."""
    for line in text.splitlines():
        got = [c.strip() for c in line.strip().strip("|").split("|")]
        if got[0] == what:
            return got
    raise AssertionError("no row %r in:\n%s" % (what, text))


@test
def ratio_directions():
    # Petrel 2 against Xen 1: twice Xen's throughput, twice Xen's time
    assert bd.ratio(2.0, 1.0, bd.HIGHER) == "2.00x"
    assert bd.ratio(2.0, 1.0, bd.LOWER) == "0.50x"
    assert bd.ratio(2.0, 1.0, bd.HIGHER, over=False) == "0.50x"
    assert bd.ratio(2.0, 1.0, bd.LOWER, over=False) == "2.00x"
    for p, x, better in ((None, 1.0, bd.LOWER), (1.0, 0, bd.HIGHER), (1.0, 2.0, None)):
        assert bd.ratio(p, x, better) == "-", (p, x, better)


@test
def legend_line():
    rows = [("a", "a", "s", bd.LOWER), ("b", "b", "MB/s", bd.HIGHER)]
    assert bd.legend(rows) == ("Petrel / Xen: over 1.00x is Petrel ahead (where lower is "
                               "better, Xen's / Petrel's)."), bd.legend(rows)
    assert bd.legend(rows[1:]) == "Petrel / Xen: over 1.00x is Petrel ahead."
    assert bd.legend(rows[:1], over=False) == "Petrel / Xen: under 1.00x is Petrel ahead."
    assert "where higher is better" in bd.legend(rows, over=False)


@test
def medians_and_formats():
    assert bd.median([3, 1, 2]) == 2 and bd.median([]) is None and bd.median(4.5) == 4.5
    assert bd.fmt(None) == "-" and bd.fmt(123.4) == "123" and bd.fmt(1.234) == "1.23"
    assert bd.fmt(-250.0) == "-250"


@test
def table_shape():
    rows = [("t", "a time", "s", bd.LOWER), ("r", "a rate", "MB/s", bd.HIGHER),
            ("n", "a count", "count", None), ("gone", "nobody has it", "s", bd.LOWER),
            ("own", "its own cell", "%", lambda med: "own %s" % sorted(med))]
    figs = {"petrel": {"t": [1.0, 3.0, 2.0], "r": [50.0], "n": [7], "own": [1]},
            "xen": {"t": [4.0], "r": [100.0], "own": [2]}}
    text = bd.table(rows, figs, ["petrel", "xen"])
    lines = text.splitlines()
    assert lines[0] == "| figure | unit | Petrel | Xen 4.17 | Petrel / Xen |", lines[0]
    assert lines[1] == "|---|---|---|---|---|", lines[1]
    assert cells(text, "a time") == ["a time", "s", "2.00", "4.00", "2.00x"]
    assert cells(text, "a rate") == ["a rate", "MB/s", "50.00", "100", "0.50x"]
    assert cells(text, "a count") == ["a count", "count", "7.00", "-", "-"]
    assert cells(text, "its own cell")[-1] == "own ['petrel', 'xen']"
    assert "nobody has it" not in text
    assert len(lines) == 6 and text.endswith("\n")
    text = bd.table(rows, figs, ["xen", "petrel"], over=False, ratio_head="P/X",
                    form=lambda key, v: "%s=%s" % (key, v))
    assert text.splitlines()[0] == "| figure | unit | Xen 4.17 | Petrel | P/X |"
    assert cells(text, "a time") == ["a time", "s", "t=4.0", "t=2.0", "0.50x"]
    assert cells(text, "a rate")[-1] == "2.00x"


@test
def table_one_hypervisor():
    rows = [("t", "a time", "s", bd.LOWER)]
    text = bd.table(rows, {"petrel": {"t": [1.0]}}, ["petrel"])
    assert cells(text, "a time") == ["a time", "s", "1.00", "-"], text


@test
def markers_written():
    with tempfile.TemporaryDirectory() as d:
        doc = os.path.join(d, "doc.md")
        with open(doc, "w") as f:
            f.write("head\n<!-- t begin -->\nold\n<!-- t end -->\ntail\n")
        bd.publish(d, "t", "new\n", doc)
        with open(doc) as f:
            assert f.read() == "head\n<!-- t begin -->\nnew\n<!-- t end -->\ntail\n"
        with open(os.path.join(d, "table.md")) as f:
            assert f.read() == "new\n"
        bd.write_doc(doc, "other", "x\n")  # no such markers: left alone
        with open(doc) as f:
            assert "x\n" not in f.read()


@test
def save_table_times_under():
    save = script("save")
    figs = {"petrel": {"save": [3.0], "restore": [2.0], "size": [256.5], "save MiB/s": [80.0],
                       "alive": [True, True]},
            "xen": {"save": [2.0], "restore": [4.0], "size": [256.5], "save MiB/s": [120.0],
                    "alive": [True, False]}}
    text = save.save_table(figs, ["petrel", "xen"])
    assert cells(text, "xl save, running domU to dom0's tmpfs")[-1] == "1.50x"
    assert cells(text, "xl restore from dom0's tmpfs")[-1] == "0.50x"
    assert cells(text, "save file")[-1] == "-"
    assert cells(text, "save file written per second of xl save")[-1] == "-"
    assert "Restored domU ticking again: Petrel 2 of 2 Xen 4.17 1 of 2." in text


@test
def split_table_over():
    split = script("split")
    figs = {"petrel": {"seq-read": [200.0], "ping-dom0": [0.5]},
            "xen": {"seq-read": [100.0], "ping-dom0": [1.0]}}
    text = bd.table(split.ROWS, figs, ["petrel", "xen"])
    assert cells(text, "sequential read, 1 MiB O_DIRECT, domU xvda")[-1] == "2.00x"
    assert cells(text, "ping round trip domU -> dom0, average")[-1] == "2.00x"
    assert "where lower is better" in bd.legend(split.ROWS)


@test
def smp_table_times_and_shares():
    smp = script("smp")
    figs = {"xen": {"gzip4": [10.0], "weights": [2.2], "cap": [50.0]},
            "petrel": {"gzip4": [12.0], "weights": [1.8], "cap": [55.0]}}
    text = bd.table(smp.ROWS, figs, ("xen", "petrel"), over=False, form=smp.fmt)
    row = cells(text, "4 gzip -1 of a 4 MB buffer at once in dom0, wall time")
    assert row[2:] == ["10.0", "12.0", "1.20x"], row
    assert cells(text, "weights 256:512 on one CPU, share ratio (ideal 2.00)")[-1] == "+10%, -10%"
    assert cells(text, "cap 50 on one CPU, share of the CPU (ideal 50)")[-1] == "+0%, +10%"


@test
def hvm_dm_table_under():
    hvm_dm = script("hvm_dm")
    figs = {"xen": {"marker": 100.0, "pv-disk": 40.0, "ioreq": 0},
            "petrel": {"marker": 50.0, "pv-disk": 80.0, "ioreq": 30.0}}
    text = bd.table(hvm_dm.ROWS, figs, ("xen", "petrel"), over=False, form=hvm_dm.fmt)
    assert cells(text, "create to marker (marker)")[2:] == ["100", "50", "0.50x"]
    assert cells(text, "PV disk (blkfront) (pv-disk)")[-1] == "0.50x"
    assert cells(text, "ioreq port access (ioreq)")[2:] == ["-", "30", "-"]


def printed(fn, *args):
    """What fn(*args) prints."""
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue()


@test
def xl_lifecycle_report_under():
    xl = script("xl-lifecycle")
    text = printed(xl.report, {"petrel": {"xl-create": [1.0, 2.0], "pxl-list": [0.5]},
                               "xen": {"xl-create": [1.0], "xl-list": [2.0]}}, ["petrel", "xen"])
    assert "Petrel / Xen: under 1.00x is Petrel ahead." in text, text
    assert cells(text, "xl-create") == ["xl-create", "s", "1.500", "1.000", "1.50x"]
    assert cells(text, "pxl-list") == ["pxl-list", "s", "0.500", "-", "-"]
    assert cells(text, "list") == ["list", "0.500", "2.000", "0.25x"]


@test
def hvm_tcgcost_table_under():
    tc = script("hvm-tcgcost")
    f = {"cpu_us": 10.0, "vcpu_us": 5.0, "wall_us": 30.0, "tsc": 1000, "tlb_partial": 1.0,
         "tlb_elided": 0.0, "tlb_full": 0.1, "tb_inval": 0.0, "tbs": 0.2}
    figs = {"xen": {"hvm-cpuid-exit": f}, "petrel": {"hvm-cpuid-exit": dict(f, cpu_us=8.0)}}
    text = printed(tc.report, figs, "1 1 1", "2 2 2", 1)
    assert cells(text, "hvm-cpuid-exit")[1:4] == ["10.0", "8.0", "0.80x"], text
    assert "hvm-null-hypercall" not in text


def main():
    return run(TESTS, "bench-harness")


if __name__ == "__main__":
    sys.exit(main())
