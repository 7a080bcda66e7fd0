#!/usr/bin/env python3
"""Print the modules.dep closure of the named kernel modules.

Usage: modclosure.py MODULES.DEP NAME...
Output: one line per module, dependencies before their users:
    <path as in modules.dep> <its dependencies' paths...>
Names compare like the kernel's: '-' and '_' are the same.  A name that is
built into the kernel (modules.builtin next to modules.dep) is skipped with a
note; a name that is neither a module nor built in is an error.
"""

import os
import re
import sys


def modname(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base)
    return base.replace("-", "_")


def load_dep(path):
    deps = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if ":" not in line:
                raise SystemExit("modclosure: %s:%d: malformed line" % (path, lineno))
            mod, rest = line.split(":", 1)
            deps[modname(mod)] = (mod, rest.split())
    return deps


def load_builtin(depfile):
    path = os.path.join(os.path.dirname(depfile), "modules.builtin")
    try:
        with open(path) as f:
            return {modname(l.strip()) for l in f if l.strip()}
    except FileNotFoundError:
        return set()


def closure(deps, names):
    order, seen = [], set()

    def visit(name, chain):
        if name in seen:
            return
        if name in chain:
            raise SystemExit("modclosure: dependency loop: %s" % " -> ".join(chain + [name]))
        path, needs = deps[name]
        for d in needs:
            visit(modname(d), chain + [name])
        seen.add(name)
        order.append((path, needs))

    for n in names:
        visit(n, [])
    return order


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    depfile = sys.argv[1]
    deps = load_dep(depfile)
    builtin = load_builtin(depfile)
    wanted = []
    for n in sys.argv[2:]:
        key = modname(n)
        if key in deps:
            wanted.append(key)
        elif key in builtin:
            print("modclosure: note: %s is built into the kernel" % n, file=sys.stderr)
        else:
            raise SystemExit("modclosure: module %s not found in %s" % (n, depfile))
    for path, needs in closure(deps, wanted):
        print(" ".join([path] + needs))


if __name__ == "__main__":
    main()
