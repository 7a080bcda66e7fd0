#!/usr/bin/env python3
"""Write a small seed corpus for fuzz-xenstore: valid request streams in the
record format of fuzz_xenstore.c ({selector, length, bytes}...)."""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def msg(t, payload, tx=0, rid=1):
    return struct.pack('<IIII', t, rid, tx, len(payload)) + payload


def records(sel, stream):
    b = b''
    for i in range(0, len(stream), 255):
        chunk = stream[i:i + 255]
        b += bytes([sel, len(chunk)]) + chunk
    return b


seeds = {
    'write-read': [(0, msg(11, b'/a/b\0v') + msg(2, b'/a/b\0') + msg(1, b'/a\0'))],
    'perms': [(0, msg(11, b'/local/domain/1/x\0v') + msg(14, b'/local/domain/1\0n1\0r2\0')),
              (1, msg(11, b'x/y\0z') + msg(3, b'x\0') + msg(14, b'x\0n1\0b2\0')),
              (2, msg(2, b'/local/domain/1/x\0'))],
    'txn': [(0, msg(6, b'\0') + msg(11, b'/t\0v', tx=1) + msg(2, b'/t\0', tx=1) +
             msg(13, b'/t\0', tx=1) + msg(7, b'T\0', tx=1))],
    'watch': [(0, msg(4, b'/w\0tok\0') + msg(4, b'@releaseDomain\0r\0') +
               msg(11, b'/w/x\0y') + msg(13, b'/w\0') + msg(5, b'/w\0tok\0'))],
    'domains': [(0, msg(8, b'5\0001\0002\0') + msg(17, b'5\0') + msg(19, b'5\0005\0') +
                 msg(18, b'5\0') + msg(10, b'5\0') + msg(9, b'5\0') + msg(21, b''))],
    'dirpart': [(0, b''.join(msg(11, b'/d/child%d\0' % i) for i in range(40)) +
                 msg(22, b'/d\0000\0') + msg(0, b'help\0'))],
    'ring': [(4, msg(11, b'/local/domain/3/r\0v') + msg(6, b'\0') + msg(2, b'r\0'))],
    'guest-txn': [(1, msg(6, b'\0') + msg(11, b'a\0b', tx=1) + msg(7, b'T\0', tx=1))],
}
for name, parts in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(b''.join(records(sel, s) for sel, s in parts))
