"""What the hypervisor holds for each domain, as its debug keys print it:
`xl debug-keys e` (event channels) and `xl debug-keys g` (grant tables),
read back with `xl dmesg`.  Xen 4.17 and Petrel print the same lines:

    Event channel information for d0:            (Xen: %pd, "d0")
        12 [0/0/0]: s=3 n=0 x=0 d=5 p=1           one per port in use
    grant-table for remote d0 (v1)
    [0x064]      5 0x1a2b3 0x00000001 ...          one per pinned entry
    no active grant table entries
      3 maptrack handles in use                    (Petrel only)

    read(shell)          the state: {"ports": {domid: [(port, state,
        peer)]}, "grants": {domid: pinned entries}, "maptrack": {domid:
        handles or None}}, or None when a dump is missing
    leftovers(before, after)  what `after` holds that `before` did not: a
        domain still listed, dom0 ports (their count, or one whose peer
        is a domU), dom0 grant entries pinned or maptrack handles in use
"""

import re

# Everything from the last 'e' dump on, only the lines read below, without
# the "(XEN) " prefix (the system test drops such lines as console noise).
DUMP = ("xl debug-keys e && xl debug-keys g && xl dmesg | awk "
        "'/pressed -> dumping event-channel info/ { n = 0 } "
        "/Event channel information for|: s=[0-9]|grant-table for remote|"
        "\\[0x[0-9a-f]+\\] |maptrack handles in use|key .g. pressed/ "
        "{ sub(/^\\(XEN\\) (\\[[ 0-9.:-]*\\] )?/, \"\"); l[n++] = $0 } "
        "END { for (i = 0; i < n; i++) print l[i] }'")
EVTCHN_DOMAIN = re.compile(r"Event channel information for (?:domain |d)(\d+):")
PORT = re.compile(r"\s(\d+) \[[^\]]*\]: s=(\d+) n=\d+ x=\d+(?: d=(\d+))?")
GRANT_DOMAIN = re.compile(r"grant-table for remote d(\d+) \(v\d\)")
ACTIVE = re.compile(r"\[0x[0-9a-f]+\]\s+\d+ 0x")
MAPTRACK = re.compile(r"\s(\d+) maptrack handles in use")
ECS_UNBOUND, ECS_INTERDOMAIN = 2, 3


def parse(text):
    """The state in one dump's lines, or None if either part is missing."""
    ports, grants, maptrack = {}, {}, {}
    dom = gdom = None
    for line in text.splitlines():
        m = EVTCHN_DOMAIN.search(line)
        if m:
            dom = int(m.group(1))
            ports[dom] = []
            continue
        m = GRANT_DOMAIN.search(line)
        if m:
            gdom, dom = int(m.group(1)), None
            grants[gdom], maptrack[gdom] = 0, None
            continue
        m = PORT.search(line)
        if m and dom is not None:
            peer = int(m.group(3)) if m.group(3) else None
            ports[dom].append((int(m.group(1)), int(m.group(2)), peer))
        elif gdom is not None and ACTIVE.search(line):
            grants[gdom] += 1
        elif gdom is not None and MAPTRACK.search(line):
            maptrack[gdom] = int(MAPTRACK.search(line).group(1))
    if 0 not in ports or 0 not in grants:
        return None
    return {"ports": ports, "grants": grants, "maptrack": maptrack}


def read(shell):
    """`shell(cmd, timeout)` runs a dom0 command: (rc, output)."""
    rc, out = shell(DUMP, 120)
    return parse(out) if rc == 0 else None


def domu_ports(state):
    """dom0's ports whose other end is (or waits for) a domU."""
    return [p for p in state["ports"][0]
            if p[1] in (ECS_UNBOUND, ECS_INTERDOMAIN) and p[2] not in (None, 0)]


def leftovers(before, after):
    """A list of what is left behind (empty: nothing)."""
    if before is None or after is None:
        return ["no debug-key dump (before: %s, after: %s)" % (before is not None,
                                                              after is not None)]
    left = []
    for kind in ("ports", "grants"):
        extra = sorted(set(after[kind]) - set(before[kind]))
        if extra:
            left.append("domains still in the %s dump: %r" % (kind, extra))
    if len(after["ports"][0]) != len(before["ports"][0]):
        left.append("dom0 has %d ports in use, %d before" % (len(after["ports"][0]),
                                                              len(before["ports"][0])))
    stale = sorted(set(domu_ports(after)) - set(domu_ports(before)))
    if stale:
        left.append("dom0 ports naming a domU: %r" % stale[:8])
    if after["grants"][0] != before["grants"][0]:
        left.append("dom0 grant entries pinned: %d, %d before" % (after["grants"][0],
                                                                 before["grants"][0]))
    if after["maptrack"].get(0) != before["maptrack"].get(0):
        left.append("dom0 maptrack handles in use: %s, %s before" % (
            after["maptrack"].get(0), before["maptrack"].get(0)))
    return left


def summary(state):
    """A short line for a passing check's detail."""
    if state is None:
        return "no dump"
    return "dom0: %d ports, %d grant entries pinned, maptrack %s" % (
        len(state["ports"][0]), state["grants"][0], state["maptrack"].get(0))
