#!/usr/bin/env python3
"""Differential wire test: the same raw request scripts against Debian's
xenstored (Xen 4.17) and Petrel's, replies compared byte for byte.

Usage: differential.py SOCKET_A SOCKET_B   (A = reference, B = Petrel)
Each script runs on fresh connections of both daemons.  Values that are
legitimately different are normalised: transaction ids (scripts refer to
them symbolically) and DIRECTORY_PART generation counts.  Cases where
Petrel deliberately differs are listed in DEVIATIONS with the reason.
Prints "differential: N passed, N failed".
"""
import socket
import struct
import sys

SOCK_A, SOCK_B = sys.argv[1], sys.argv[2]

(CONTROL, DIRECTORY, READ, GET_PERMS, WATCH, UNWATCH, TX_START, TX_END, INTRODUCE,
 RELEASE, GET_DOMAIN_PATH, WRITE, MKDIR, RM, SET_PERMS, WATCH_EVENT, ERROR,
 IS_INTRODUCED, RESUME, SET_TARGET, RESTRICT, RESET_WATCHES, DIRECTORY_PART) = range(23)

# (name, [(conn, type, payload, tx)]); tx is 0 or 'T' (the last id conn started)
SCRIPTS = [
    ('write/read/dir', [(0, WRITE, b'/d/a/b\0v', 0), (0, READ, b'/d/a/b\0', 0),
                        (0, READ, b'/d/a\0', 0), (0, DIRECTORY, b'/d\0', 0),
                        (0, DIRECTORY, b'/d/a/b\0', 0), (0, WRITE, b'/d/a\0x', 0),
                        (0, DIRECTORY, b'/d/a\0', 0)]),
    ('mkdir', [(0, MKDIR, b'/m/n\0', 0), (0, READ, b'/m/n\0', 0), (0, WRITE, b'/m/n\0keep', 0),
               (0, MKDIR, b'/m/n\0', 0), (0, READ, b'/m/n\0', 0)]),
    ('rm', [(0, WRITE, b'/r/x/y\0', 0), (0, RM, b'/r/x\0', 0), (0, READ, b'/r/x/y\0', 0),
            (0, RM, b'/r/none\0', 0), (0, RM, b'/nothere/x\0', 0), (0, RM, b'/\0', 0),
            (0, DIRECTORY, b'/r\0', 0)]),
    ('bad paths', [(0, READ, b'//x\0', 0), (0, READ, b'/x/\0', 0), (0, READ, b'/a b\0', 0),
                   (0, READ, b'\0', 0), (0, WRITE, b'/x\xff\0v', 0),
                   (0, READ, b'/' + b'a' * 3072 + b'\0', 0),
                   (0, READ, b'/' + b'a' * 3071 + b'\0', 0), (0, READ, b'@releaseDomain\0', 0),
                   (0, READ, b'rel/path\0', 0)]),
    ('relative paths', [(0, WRITE, b'rel/x\0v', 0), (0, READ, b'/local/domain/0/rel/x\0', 0),
                        (0, DIRECTORY, b'rel\0', 0), (0, RM, b'rel\0', 0)]),
    ('unknown types', [(0, 99, b'/\0', 0), (0, RESTRICT, b'1\0', 0), (0, WATCH_EVENT, b'/\0', 0),
                       (0, ERROR, b'x\0', 0), (0, 0xffff, b'', 0)]),
    ('perms', [(0, WRITE, b'/p\0v', 0), (0, GET_PERMS, b'/p\0', 0),
               (0, SET_PERMS, b'/p\0n0\0r5\0b7\0', 0), (0, GET_PERMS, b'/p\0', 0),
               (0, SET_PERMS, b'/p\0x1\0', 0), (0, SET_PERMS, b'/p\0\0', 0),
               (0, SET_PERMS, b'/p\0r\0', 0), (0, SET_PERMS, b'/none\0n0\0', 0),
               (0, WRITE, b'/p/child\0', 0), (0, GET_PERMS, b'/p/child\0', 0),
               (0, GET_PERMS, b'/none\0', 0)]),
    ('transactions', [(0, WRITE, b'/t\0a', 0), (0, TX_START, b'\0', 0),
                      (0, READ, b'/t\0', 'T'), (1, WRITE, b'/t\0b', 0),
                      (0, READ, b'/t\0', 'T'), (0, WRITE, b'/t\0c', 'T'),
                      (0, TX_END, b'T\0', 'T'), (0, READ, b'/t\0', 0)]),
    ('transaction commit', [(0, TX_START, b'\0', 0), (0, WRITE, b'/tc/a\0', 'T'),
                            (0, READ, b'/tc/a\0', 0), (0, DIRECTORY, b'/tc\0', 'T'),
                            (0, TX_END, b'T\0', 'T'), (0, READ, b'/tc/a\0', 0)]),
    ('transaction errors', [(0, TX_END, b'T\0', 0), (0, READ, b'/\0', 4242),
                            (0, TX_START, b'\0', 0), (0, TX_START, b'\0', 'T'),
                            (0, TX_END, b'X\0', 'T'), (1, READ, b'/\0', 'T1'),
                            (0, TX_END, b'F\0', 'T'), (0, TX_END, b'F\0', 'T')]),
    ('watches', [(0, WATCH, b'/w\0tok\0', 0), (1, WRITE, b'/w/x\0', 0),
                 (0, WATCH, b'/w\0tok\0', 0), (0, WATCH, b'/w\0t\0extra\0', 0),
                 (0, UNWATCH, b'/w\0tok\0', 0), (0, UNWATCH, b'/w\0tok\0', 0),
                 (0, WATCH, b'rel\0r\0', 0), (1, WRITE, b'/local/domain/0/rel/q\0', 0),
                 (0, WATCH, b'@releaseDomain\0s\0', 0), (0, RESET_WATCHES, b'', 0),
                 (1, WRITE, b'/local/domain/0/rel/q\0', 0), (0, READ, b'/w/x\0', 0)]),
    ('watch on rm of a parent', [(0, WRITE, b'/wp/a/b\0', 0), (0, WATCH, b'/wp/a/b\0deep\0', 0),
                                 (0, WATCH, b'/wp\0top\0', 0), (1, RM, b'/wp\0', 0),
                                 (0, READ, b'/wp\0', 0)]),
    ('domains', [(0, GET_DOMAIN_PATH, b'5\0', 0), (0, IS_INTRODUCED, b'5\0', 0),
                 (0, IS_INTRODUCED, b'0\0', 0), (0, RELEASE, b'5\0', 0), (0, RELEASE, b'0\0', 0),
                 (0, RESUME, b'5\0', 0), (0, SET_TARGET, b'5\0', 0), (0, SET_TARGET, b'5\0006\0', 0)]),
    ('directory part', [(0, WRITE, b'/dp/' + b'c' * 40 + b'%d\0' % i, 0) for i in range(150)] +
     [(0, DIRECTORY, b'/dp\0', 0), (0, DIRECTORY_PART, b'/dp\0000\0', 0),
      (0, DIRECTORY_PART, b'/dp\0004089\0', 0), (0, DIRECTORY_PART, b'/dp\0006300\0', 0),
      (0, DIRECTORY_PART, b'/dp\0', 0)]),
    ('max sizes', [(0, WRITE, b'/big\0' + b'v' * 4091, 0), (0, READ, b'/big\0', 0)]),
    ('txn mkdir/rm/perms', [(0, WRITE, b'/x/keep\0', 0), (0, TX_START, b'\0', 0),
                            (0, MKDIR, b'/x/new\0', 'T'), (0, RM, b'/x/keep\0', 'T'),
                            (0, SET_PERMS, b'/x\0n0\0r3\0', 'T'), (0, GET_PERMS, b'/x\0', 'T'),
                            (0, GET_PERMS, b'/x\0', 0), (0, DIRECTORY, b'/x\0', 'T'),
                            (0, DIRECTORY, b'/x\0', 0), (0, TX_END, b'T\0', 'T'),
                            (0, DIRECTORY, b'/x\0', 0), (0, GET_PERMS, b'/x\0', 0)]),
    ('txn sibling conflict', [(0, WRITE, b'/s\0', 0), (0, TX_START, b'\0', 0),
                              (0, WRITE, b'/s/one\0', 'T'), (1, WRITE, b'/s/two\0', 0),
                              (0, TX_END, b'T\0', 'T'), (0, DIRECTORY, b'/s\0', 0)]),
    ('txn watch at commit', [(1, WATCH, b'/tw\0t\0', 0), (0, TX_START, b'\0', 0),
                             (0, WRITE, b'/tw/a\0', 'T'), (0, RM, b'/tw/a\0', 'T'),
                             (0, WRITE, b'/tw/b\0', 'T'), (0, TX_END, b'T\0', 'T'),
                             (0, TX_START, b'\0', 0), (0, WRITE, b'/tw/c\0', 'T'),
                             (0, TX_END, b'F\0', 'T')]),
    ('order of children', [(0, WRITE, b'/o/b\0', 0), (0, WRITE, b'/o/a\0', 0),
                           (0, WRITE, b'/o/c\0', 0), (0, RM, b'/o/a\0', 0),
                           (0, WRITE, b'/o/a\0', 0), (0, DIRECTORY, b'/o\0', 0)]),
    ('tx start payloads', [(0, TX_START, b'', 0), (0, TX_END, b'F\0', 'T'),
                           (0, TX_START, b'junk\0', 0), (0, TX_END, b'F\0', 'T')]),
    ('lenient parsing', [(0, READ, b'/tool', 0), (0, READ, b'/tool\0junk\0', 0),
                         (0, GET_DOMAIN_PATH, b'abc\0', 0), (0, DIRECTORY_PART, b'/tool\0zz\0', 0),
                         (0, WRITE, b'/nonul', 0)]),
]

# (script, step index): why Petrel answers differently
DEVIATIONS = {
    ('lenient parsing', 0): 'a path without its NUL is EINVAL (Xen: ENOENT)',
    ('lenient parsing', 1): 'junk after the only argument is EINVAL (Xen: ENOENT)',
    ('lenient parsing', 2): 'a non-numeric domid is EINVAL (Xen reads it as 0)',
    ('lenient parsing', 3): 'a non-numeric offset is EINVAL (Xen reads it as 0)',
}


def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(5)
    return s


def recv_exact(s, n):
    b = b''
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def recv_msg(s):
    t, rid, tx, ln = struct.unpack('<IIII', recv_exact(s, 16))
    return t, recv_exact(s, ln) if ln else b''


def run(path, steps):
    conns = [connect(path), connect(path)]
    txid = {}
    out = []
    for conn, t, payload, tx in steps:
        if tx == 'T':
            tx = txid.get(conn, 0)
        elif tx == 'T1':
            tx = txid.get(0, 0)
        s = conns[conn]
        s.sendall(struct.pack('<IIII', t, 7, tx, len(payload)) + payload)
        # collect the reply and every event queued on either connection:
        # events come before the reply to a later request on the same
        # connection, so a GET_DOMAIN_PATH on each acts as a barrier
        events = []
        while True:
            rt, body = recv_msg(s)
            if rt == WATCH_EVENT:
                events.append(body)
                continue
            break
        for o in conns:
            o.sendall(struct.pack('<IIII', GET_DOMAIN_PATH, 9, 0, 2) + b'0\0')
            while True:
                et, eb = recv_msg(o)
                if et != WATCH_EVENT:
                    break
                events.append((b'' if o is s else b'other:') + eb)
        if t == TX_START and rt == TX_START:
            txid[conn] = int(body.rstrip(b'\0'))
            body = b'<id>'
        if t == DIRECTORY_PART and rt == DIRECTORY_PART:
            body = b'<gen>' + body[body.index(b'\0'):]
        out.append((rt, body, sorted(events)))
    for s in conns:
        s.close()
    return out


def main():
    passed = failed = 0
    for name, steps in SCRIPTS:
        a = run(SOCK_A, steps)
        b = run(SOCK_B, steps)
        for i, (ra, rb) in enumerate(zip(a, b)):
            if ra == rb:
                passed += 1
            elif (name, i) in DEVIATIONS:
                passed += 1
                print('dev  %s #%d: %s' % (name, i, DEVIATIONS[(name, i)]))
            else:
                failed += 1
                print('FAIL %s #%d: debian %r\n     petrel %r' % (name, i, ra, rb))
    print('differential: %d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
