#!/usr/bin/env python3
"""Compare Petrel's public headers with Xen 4.17's, number by number.

Reference: the Xen public headers Debian 12 ships in libxen-dev
(/usr/include/xen, version 4.17).  Nothing from them is copied; they are
only compiled next to ours and the results compared.

Checks, each counted per item:
  * constants: every object-like #define in our headers is expanded by the
    preprocessor on both sides; the expansions must be equal as text
    (whitespace ignored) or, compiled as C, have the same value, size and
    signedness.  A macro that Xen
    does not define must be ours (PETREL_ prefix or in OURS_ONLY).
  * function-like macros: each is applied to small numbers on both sides;
    integer results (judged as above) or the expansions must be equal.
  * enumerators: every enum constant in our headers is printed by a program
    built against each side; the values must be equal.
  * typedefs: every typedef name we declare must exist in Xen's headers and
    have the same size there.
  * io/ring.h behaviour: check/ring-test.c runs a scripted front/back
    exchange built once over each ring.h; both transcripts must match.
  * layouts: every `struct NAME {` in our headers is laid out by clang
    (-fdump-record-layouts) on both sides; size, alignment and each member's
    offset, nesting depth, name and (for scalar types) size must agree.
    Structs Xen does not have must be named petrel_* or be in OURS_ONLY;
    xen_domctl and xen_sysctl may carry a subset of Xen's union members.

Usage: abi-compare.py OUR_DIR XEN_DIR WORK_DIR
Prints one line per failure and ends with "headers-abi: N passed, N failed".
"""
import os
import re
import subprocess
import sys

# Our own names (not in Xen's headers), allowed without a counterpart.
OURS_ONLY = {
    "PETREL_PUBLIC_STATIC_ASSERT_H",
    "__ASSEMBLY__",  # set from gcc's __ASSEMBLER__ for .S files
}
# Headers with no counterpart to compare against.
SKIP_HEADERS = {"static-assert.h"}
# Xen-side structs only visible with __XEN_TOOLS__ (compiled in a second TU).
TOOLS_HEADERS = {"domctl.h", "sysctl.h", "hvm/save.h", "arch-x86/hvm/save.h"}
# Argument wrappers whose union carries only the ops Petrel declares: every
# member we have must sit exactly where Xen has it, and the sizes must match.
SUBSET_RECORDS = {"xen_domctl", "xen_sysctl"}
TOOLS_STRUCTS = {"xen_arch_domainconfig", "xenctl_bitmap", "xen_reserved_device_memory",
                 "xen_reserved_device_memory_map"}

SCALAR_SIZES = {}
for names, size in (
    ("char int8_t uint8_t signed_char unsigned_char", 1),
    ("int16_t uint16_t short unsigned_short domid_t", 2),
    ("int uint32_t int32_t unsigned_int unsigned evtchn_port_t grant_ref_t "
     "grant_handle_t", 4),
    ("long unsigned_long int64_t uint64_t xen_pfn_t xen_ulong_t "
     "xen_callback_t tsc_timestamp_t uint64_aligned_t int64_aligned_t "
     "unsigned_long_long long_long", 8),
):
    for n in names.split():
        SCALAR_SIZES[n.replace("_", " ") if n.startswith(("signed_", "unsigned_", "long_"))
                     else n] = size


def headers(our_dir):
    out = []
    for root, dirs, files in os.walk(our_dir):
        dirs[:] = sorted(d for d in dirs if d != "check")
        for f in sorted(files):
            if f.endswith(".h"):
                rel = os.path.relpath(os.path.join(root, f), our_dir)
                out.append(rel)
    return out


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


DEFINE_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(?)(.*)$")


def our_function_macros(our_dir, hdrs):
    """(name, header, arity) of every function-like macro."""
    out = []
    for h in hdrs:
        text = open(os.path.join(our_dir, h)).read().replace("\\\n", " ")
        for m in re.finditer(r"^\s*#\s*define\s+([A-Za-z_]\w*)\(([^)]*)\)", text, re.M):
            params = [x for x in m.group(2).split(",") if x.strip()]
            out.append((m.group(1), h, len(params)))
    return out


def our_macros(our_dir, hdrs):
    names = []
    for h in hdrs:
        text = open(os.path.join(our_dir, h)).read().replace("\\\n", " ")
        for line in text.splitlines():
            m = DEFINE_RE.match(line)
            if not m or m.group(2) == "(":
                continue
            value = re.sub(r"/\*.*?\*/", "", m.group(3)).strip()
            if value:
                names.append((m.group(1), h))
    return names


def expand(names, includes, flags, work, tag):
    src = os.path.join(work, "macros-%s.c" % tag)
    with open(src, "w") as f:
        f.write("#include <stdint.h>\n")
        for inc in includes:
            f.write('#include "%s"\n' % inc)
        for n, _ in names:
            f.write('"@@%s" %s\n' % (n, n))
    r = run(["gcc", "-E", "-P"] + flags + [src])
    if r.returncode != 0:
        sys.exit("abi-compare: preprocessing %s failed:\n%s" % (tag, r.stderr[-3000:]))
    vals = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^"@@(\w+)" ?(.*)$', line)
        if m:
            vals[m.group(1)] = m.group(2).strip()
    return vals


def xen_errnos(xen_dir, work):
    """Xen lists its error values through an X-macro, not #defines."""
    src = os.path.join(work, "errno-xen.c")
    with open(src, "w") as f:
        f.write('#define XEN_ERRNO(name, value) "@@" #name value\n')
        f.write('#include "%s"\n' % os.path.join(xen_dir, "errno.h"))
    r = run(["gcc", "-E", "-P", "-D__XEN__", src])
    if r.returncode != 0:
        sys.exit("abi-compare: preprocessing Xen's errno.h failed:\n" + r.stderr[-3000:])
    return {"XEN_" + n: v for n, v in re.findall(r'"@@" "(\w+)" (\d+)', r.stdout)}


INT_EXPR_RE = re.compile(
    r"(?:[0-9a-fA-FxXuUlL()<>|&~+\-* ]|\b(?:u?int(?:8|16|32|64)_t|unsigned|signed|long|int|"
    r"short|char|xen_ulong_t|xen_pfn_t)\b)+")


def c_compare(pairs, work, tag):
    """For (ours, xen) expansions that look like integer constant expressions,
    let the C compiler decide whether they have the same value, size and
    signedness.  Returns {index: True/False}; indexes left out could not be
    judged this way (not integer expressions)."""
    idx = [i for i, (a, b) in enumerate(pairs)
           if a and b and INT_EXPR_RE.fullmatch(a) and INT_EXPR_RE.fullmatch(b)]
    if not idx:
        return {}
    src = os.path.join(work, "values-%s.c" % tag)
    exe = os.path.join(work, "values-%s" % tag)
    with open(src, "w") as f:
        f.write("#include <stdint.h>\n#include <stdio.h>\n")
        f.write("typedef unsigned long xen_ulong_t;\ntypedef unsigned long xen_pfn_t;\n")
        f.write("#define SAME(i, a, b) printf(\"%d %d\\n\", i, (a) == (b) && "
                "sizeof(a) == sizeof(b) && (((a) - (a) - 1) < 0) == (((b) - (b) - 1) < 0))\n")
        f.write("int main(void)\n{\n")
        for i in idx:
            f.write("\tSAME(%d, %s, %s);\n" % (i, pairs[i][0], pairs[i][1]))
        f.write("\treturn 0;\n}\n")
    r = run(["gcc", "-w", "-o", exe, src])
    if r.returncode != 0:
        sys.exit("abi-compare: value program %s failed:\n%s" % (tag, r.stderr[-3000:]))
    r = run([exe])
    return {int(i): v == "1" for i, v in (l.split() for l in r.stdout.splitlines())}


def compare_function_macros(our_dir, xen_dir, hdrs, work, fails):
    """Apply each function-like macro to small numbers on both sides; where
    both results are integer expressions they must be equal.  Macros whose
    expansion is code (ring macros, guest-handle helpers) are not compared
    here; io/ring.h has its own behavioural test."""
    macros = our_function_macros(our_dir, hdrs)
    calls = [("%s(%s)" % (n, ", ".join(str(5 + 3 * i) for i in range(k))), n, h)
             for n, h, k in macros]
    names = [(c, h) for c, _, h in calls]

    def expand_calls(includes, flags, tag):
        src = os.path.join(work, "fmacros-%s.c" % tag)
        with open(src, "w") as f:
            f.write("#include <stdint.h>\n#include <errno.h>\n")
            for inc in includes:
                f.write('#include "%s"\n' % inc)
            for i, (c, _) in enumerate(names):
                f.write('"@@%d" %s\n' % (i, c))
        r = run(["gcc", "-E", "-P"] + flags + [src])
        if r.returncode != 0:
            sys.exit("abi-compare: preprocessing %s failed:\n%s" % (tag, r.stderr[-3000:]))
        return dict(re.findall(r'^"@@(\d+)" ?(.*)$', r.stdout, re.M))

    ours = expand_calls([os.path.join(our_dir, h) for h in hdrs], [], "ours")
    xen_incs = [os.path.join(xen_dir, h) for h in hdrs
                if h not in SKIP_HEADERS and os.path.exists(os.path.join(xen_dir, h))]
    xen = expand_calls(xen_incs, ["-D__XEN_TOOLS__"], "xen")
    pairs = [(ours.get(str(i), ""), xen.get(str(i), "")) for i in range(len(calls))]
    judged = c_compare(pairs, work, "functions")
    passed = 0
    for i, (c, n, h) in enumerate(calls):
        a, b = pairs[i]
        if b.replace(" ", "") == c.replace(" ", ""):
            if not (n.startswith("PETREL_") or n in OURS_ONLY):
                fails.append("macro %s (%s): not defined by Xen" % (n, h))
            else:
                passed += 1
        elif a.replace(" ", "") == b.replace(" ", "") or judged.get(i):
            passed += 1
        elif i in judged:
            fails.append("macro %s (%s): %s is '%s' here, '%s' in Xen" % (n, h, c, a, b))
        # else: code-like expansion (ring macros, ...), not judged here
    return passed


def compare_macros(our_dir, xen_dir, hdrs, work, fails):
    names = our_macros(our_dir, hdrs)
    ours = expand(names, [os.path.join(our_dir, h) for h in hdrs], [], work, "ours")
    xen_incs = [os.path.join(xen_dir, h) for h in hdrs
                if h not in SKIP_HEADERS and os.path.exists(os.path.join(xen_dir, h))]
    xen = expand(names, xen_incs, ["-D__XEN_TOOLS__"], work, "xen")
    errnos = xen_errnos(xen_dir, work)
    xen.update(errnos)
    passed = 0
    for n in sorted(errnos):
        if n in ours:
            passed += 1
        else:
            fails.append("errno %s = %s: missing from our errno.h" % (n, errnos[n]))
    todo = []
    seen = set()
    for n, h in names:
        if n in seen:
            continue
        seen.add(n)
        a, b = ours.get(n), xen.get(n)
        if a is None:
            fails.append("macro %s (%s): did not expand on our side" % (n, h))
        elif b is None or b == n:
            if n.startswith("PETREL_") or n in OURS_ONLY:
                passed += 1
            else:
                fails.append("macro %s (%s): not defined by Xen" % (n, h))
        elif a.replace(" ", "") == b.replace(" ", ""):
            passed += 1
        else:
            todo.append((n, h, a, b))
    judged = c_compare([(a, b) for _, _, a, b in todo], work, "constants")
    for i, (n, h, a, b) in enumerate(todo):
        if judged.get(i):
            passed += 1
        else:
            fails.append("macro %s (%s): ours '%s', Xen '%s'" % (n, h, a, b))
    return passed


ENUM_RE = re.compile(r"\benum\s*\w*\s*\{(.*?)\}", re.S)


def enum_values(names, includes, flags, work, tag, fmt="%lld"):
    src = os.path.join(work, "enums-%s.c" % tag)
    with open(src, "w") as f:
        f.write("#include <stdint.h>\n#include <stdio.h>\n")
        for inc in includes:
            f.write('#include "%s"\n' % inc)
        f.write("int main(void)\n{\n")
        for n in names:
            cast = "(long long)" if fmt == "%lld" else ""
            f.write('\tprintf("%%s %s\\n", "%s", %s%s);\n' % (fmt, n, cast, n))
        f.write("\treturn 0;\n}\n")
    exe = os.path.join(work, "enums-%s" % tag)
    r = run(["gcc", "-w", "-o", exe] + flags + [src])
    if r.returncode != 0:
        sys.exit("abi-compare: enum program %s failed:\n%s" % (tag, r.stderr[-3000:]))
    r = run([exe])
    return dict(l.rsplit(" ", 1) for l in r.stdout.splitlines())


def compare_enums(our_dir, xen_dir, hdrs, work, fails):
    """Enumerators (e.g. the xenstore message types) are no macros: run them."""
    names = []
    xen_text = {}
    for h in hdrs:
        text = re.sub(r"/\*.*?\*/", "", open(os.path.join(our_dir, h)).read(), flags=re.S)
        for body in ENUM_RE.findall(text):
            for item in body.split(","):
                m = re.match(r"\s*([A-Za-z_]\w*)", item)
                if m:
                    names.append((m.group(1), h))
        xp = os.path.join(xen_dir, h)
        xen_text[h] = open(xp).read() if os.path.exists(xp) else ""
    if not names:
        return 0
    ours = enum_values([n for n, _ in names], [os.path.join(our_dir, h) for h in hdrs], [],
                       work, "ours")
    common = [(n, h) for n, h in names if re.search(r"\b%s\b" % n, xen_text[h])]
    xen_hdrs = sorted({h for _, h in common})
    # Some of Xen's headers (arch-x86/xen-mca.h) need xen.h in front of them.
    xen_hdrs = ["xen.h"] + [h for h in xen_hdrs if h != "xen.h"]
    xen = enum_values([n for n, _ in common], [os.path.join(xen_dir, h) for h in xen_hdrs],
                      ["-D__XEN_TOOLS__"], work, "xen")
    passed = 0
    for n, h in names:
        if n not in xen:
            if n.startswith("PETREL_"):
                passed += 1
            else:
                fails.append("enumerator %s (%s): not defined by Xen" % (n, h))
        elif ours[n] == xen[n]:
            passed += 1
        else:
            fails.append("enumerator %s (%s): ours %s, Xen %s" % (n, h, ours[n], xen[n]))
    return passed


TYPEDEF_END_RE = re.compile(r"\}\s*([A-Za-z_]\w*)\s*;")
TYPEDEF_RE = re.compile(r"^typedef\s+[^;{]*?\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*;", re.M)


def compare_typedefs(our_dir, xen_dir, hdrs, work, fails):
    """Every typedef name we declare must exist in Xen with the same size."""
    names = []
    xen_text = {}
    for h in hdrs:
        text = re.sub(r"/\*.*?\*/", "", open(os.path.join(our_dir, h)).read(), flags=re.S)
        found = TYPEDEF_RE.findall(text)
        found = [n for n, _ in found]
        # typedef struct/union/enum { ... } NAME;
        for m in re.finditer(r"^typedef\s+(struct|union|enum)\b[^;{]*\{", text, re.M):
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            end = TYPEDEF_END_RE.match(text, i - 1)
            if end:
                found.append(end.group(1))
        names += [(n, h) for n in found]
        xp = os.path.join(xen_dir, h)
        xen_text[h] = open(xp).read() if os.path.exists(xp) else ""
    sizes = lambda ns: ["sizeof(%s)" % n for n in ns]
    ours = enum_values(sizes([n for n, _ in names]), [os.path.join(our_dir, h) for h in hdrs],
                       [], work, "typedefs-ours", "%zu")
    common = [(n, h) for n, h in names if re.search(r"\b%s\b" % n, xen_text[h])]
    xen_hdrs = sorted({h for _, h in common})
    # Some of Xen's headers (arch-x86/xen-mca.h) need xen.h in front of them.
    xen_hdrs = ["xen.h"] + [h for h in xen_hdrs if h != "xen.h"]
    xen = enum_values(sizes([n for n, _ in common]), [os.path.join(xen_dir, h) for h in xen_hdrs],
                      ["-D__XEN_TOOLS__", "-std=gnu99"], work, "typedefs-xen", "%zu")
    passed = 0
    for n, h in names:
        key = "sizeof(%s)" % n
        if key not in xen:
            if n.startswith("petrel_"):
                passed += 1
            else:
                fails.append("typedef %s (%s): not declared by Xen" % (n, h))
        elif ours[key] == xen[key]:
            passed += 1
        else:
            fails.append("typedef %s (%s): size %s, Xen %s" % (n, h, ours[key], xen[key]))
    return passed


STRUCT_RE = re.compile(r"\b(struct|union)\s+([A-Za-z_]\w*)\s*\{")


KINDS = {}


def our_structs(our_dir, hdrs):
    out = []
    for h in hdrs:
        for kind, n in STRUCT_RE.findall(open(os.path.join(our_dir, h)).read()):
            KINDS[n] = kind
            out.append((n, h))
    return out


def layouts(includes, structs, flags, work, tag):
    src = os.path.join(work, "layout-%s.c" % tag)
    with open(src, "w") as f:
        f.write("#include <stdint.h>\n")
        for inc in includes:
            f.write('#include "%s"\n' % inc)
        f.write("unsigned long petrel_sizes[] = {\n")
        for n in structs:
            f.write("\tsizeof(%s %s),\n" % (KINDS[n], n))
        f.write("};\n")
    r = run(["clang", "-std=c99", "-fsyntax-only", "-w", "-Xclang", "-fdump-record-layouts"]
            + flags + [src])
    if r.returncode != 0:
        sys.exit("abi-compare: layout of %s failed:\n%s" % (tag, r.stderr[-3000:]))
    recs = {}
    for block in r.stdout.split("*** Dumping AST Record Layout")[1:]:
        lines = [l for l in block.splitlines() if "|" in l]
        if not lines:
            continue
        head = lines[0].split("|", 1)[1].strip()
        m = re.match(r"^(struct|union) (\w+)$", head)
        if m:
            recs[m.group(2)] = [x for x in (normalise(l) for l in lines[1:]) if x]
    return recs


def normalise(line):
    off, rest = line.split("|", 1)
    if rest.strip().startswith("[sizeof="):
        return rest.strip()
    if rest.rstrip().split()[-2].endswith("[]"):
        return None  # flexible array member: left out of our C89 headers
    depth = (len(rest) - len(rest.lstrip(" "))) // 2
    body = rest.strip()
    name = body.split()[-1]
    typ = body[: len(body) - len(name)].strip()
    m = re.match(r"^(.*?)(\[\d+\])*$", typ)
    base = m.group(1).strip()
    dims = re.findall(r"\[(\d+)\]", typ)
    size = SCALAR_SIZES.get(base.replace("const ", ""))
    if "(unnamed" in base or "(anonymous" in base:
        # an anonymous member has no name: its last word is the end of the
        # type's "(anonymous at FILE:LINE:COL)", which differs between trees
        name = "-" if name.startswith("(") or name.endswith(")") else name
    if size is not None:
        for d in dims:
            size *= int(d)
        kind = "s%d" % size
    else:
        kind = "?"
    return "%s %d %s %s" % (off.strip(), depth, name, kind)


def subset(a, b):
    """a's lines appear in b in order, and the [sizeof=...] lines agree."""
    if not a or not b or a[-1] != b[-1]:
        return False
    j = 0
    for x in a[:-1]:
        while j < len(b) - 1 and not same([x], [b[j]]):
            j += 1
        if j >= len(b) - 1:
            return False
        j += 1
    return True


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        xs, ys = x.split(), y.split()
        if len(xs) == 4 and len(ys) == 4 and xs[:3] == ys[:3] and "?" in (xs[3], ys[3]):
            continue
        return False
    return True


def compare_structs(our_dir, xen_dir, hdrs, work, fails):
    structs = our_structs(our_dir, hdrs)
    # GNU C, as Xen's side: a header may offer GNU C an anonymous union
    # where strict C gets the plain member (ext_vcpucontext's mcg_cap/vmce)
    ours = layouts([os.path.join(our_dir, h) for h in hdrs], [n for n, _ in structs],
                   ["-std=gnu99"], work, "ours")
    guest = [(n, h) for n, h in structs if h not in TOOLS_HEADERS and n not in TOOLS_STRUCTS]
    tools = [(n, h) for n, h in structs if (n, h) not in guest]
    xen = {}
    for group, flags, tag in ((guest, ["-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__"], "xen-guest"), (tools, ["-D__XEN_TOOLS__", "-std=gnu99"], "xen-tools")):
        hs = []
        for n, h in group:
            if h not in hs and os.path.exists(os.path.join(xen_dir, h)):
                hs.append(h)
        hs = ["xen.h"] + [h for h in hs if h != "xen.h"]
        present = [n for n, h in group if n not in OURS_ONLY and not n.startswith("petrel_")]
        xen.update(layouts([os.path.join(xen_dir, h) for h in hs], present, flags, work, tag))
    passed = 0
    for n, h in structs:
        if n in OURS_ONLY or n.startswith("petrel_"):
            passed += 1
            continue
        if n not in xen or n not in ours:
            fails.append("struct %s (%s): no layout to compare" % (n, h))
            continue
        match = subset if n in SUBSET_RECORDS else same
        if match(ours[n], xen[n]):
            passed += 1
        else:
            fails.append("struct %s (%s) differs:\n  ours: %s\n  xen:  %s"
                         % (n, h, "; ".join(ours[n]), "; ".join(xen[n])))
    return passed


def compare_ring(our_dir, xen_dir, work, fails):
    """Run the same scripted ring exchange over our io/ring.h and Xen's."""
    test = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ring-test.c")
    out = {}
    latest = "-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__"
    for tag, d, flags in (("ours", our_dir, []), ("xen", xen_dir, [latest])):
        exe = os.path.join(work, "ring-test-" + tag)
        r = run(["gcc", "-std=gnu99", "-O1", "-Wall", "-Wextra", "-Werror"] + flags
                + ['-DRING_H="%s"' % os.path.join(d, "io", "ring.h"), "-o", exe, test])
        if r.returncode != 0:
            fails.append("ring-test against %s's io/ring.h does not build:\n%s"
                         % (tag, r.stderr[-2000:]))
            return 0
        r = run([exe])
        out[tag] = r.stdout
        if r.returncode != 0:
            fails.append("ring-test against %s's io/ring.h failed:\n%s" % (tag, r.stdout[-2000:]))
            return 0
    if out["ours"] != out["xen"]:
        with open(os.path.join(work, "ring-ours.txt"), "w") as f:
            f.write(out["ours"])
        with open(os.path.join(work, "ring-xen.txt"), "w") as f:
            f.write(out["xen"])
        fails.append("ring-test transcripts differ (see %s/ring-{ours,xen}.txt)" % work)
        return 0
    return 1


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: abi-compare.py OUR_DIR XEN_DIR WORK_DIR")
    our_dir, xen_dir, work = [os.path.abspath(a) for a in sys.argv[1:]]
    if not os.path.exists(os.path.join(our_dir, "xen.h")):
        print("abi-compare: %s/xen.h missing: not a public header directory" % our_dir)
        print("headers-abi: 0 passed, 1 failed")
        return 1
    if not os.path.exists(os.path.join(xen_dir, "xen.h")):
        print("abi-compare: %s/xen.h missing (install libxen-dev: make deps)" % xen_dir)
        print("headers-abi: 0 passed, 1 failed")
        return 1
    os.makedirs(work, exist_ok=True)
    hdrs = [h for h in headers(our_dir) if h not in SKIP_HEADERS]
    fails = []
    passed = compare_macros(our_dir, xen_dir, hdrs, work, fails)
    passed += compare_function_macros(our_dir, xen_dir, hdrs, work, fails)
    passed += compare_enums(our_dir, xen_dir, hdrs, work, fails)
    passed += compare_typedefs(our_dir, xen_dir, hdrs, work, fails)
    passed += compare_structs(our_dir, xen_dir, hdrs, work, fails)
    passed += compare_ring(our_dir, xen_dir, work, fails)
    for f in fails:
        print("FAIL " + f)
    print("headers-abi: %d passed, %d failed" % (passed, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
