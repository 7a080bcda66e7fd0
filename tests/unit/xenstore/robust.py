#!/usr/bin/env python3
"""Robustness of Petrel's xenstored over its Unix socket.

Each check sends malformed or abusive traffic on one connection and then
verifies that (a) the offender got Xen's error or was disconnected and (b) a
separate, well-behaved connection still gets correct answers.

Usage: robust.py PATH/TO/xenstored   (prints "robust: N passed, N failed";
a copy of the output goes to robust.last next to the daemon)
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

DAEMON = sys.argv[1]
RUNDIR = tempfile.mkdtemp(prefix='petrel-xs-robust.')
SOCK = os.path.join(RUNDIR, 'socket')
LOG = []
PASS = FAIL = 0

XS_READ, XS_WRITE, XS_WATCH, XS_TXN_START = 2, 11, 4, 6
XS_ERROR, XS_EVENT, XS_DIR = 16, 15, 1


def out(line):
    print(line, flush=True)
    LOG.append(line)


def check(name, cond, detail=''):
    global PASS, FAIL
    if cond:
        PASS += 1
        out('ok   ' + name)
    else:
        FAIL += 1
        out('FAIL %s %s' % (name, detail))


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    s.settimeout(5)
    return s


def hdr(t, length, tx=0, rid=1):
    return struct.pack('<IIII', t, rid, tx, length)


def recv_exact(s, n):
    b = b''
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            return None
        b += d
    return b


def recv_msg(s):
    h = recv_exact(s, 16)
    if h is None:
        return None
    t, rid, tx, ln = struct.unpack('<IIII', h)
    body = recv_exact(s, ln) if ln else b''
    return (t, rid, tx, body)


def reply(s, t, payload, tx=0):
    """Send a request; return the first non-event message (or None on EOF)."""
    s.sendall(hdr(t, len(payload), tx) + payload)
    while True:
        m = recv_msg(s)
        if m is None or m[0] != XS_EVENT:
            return m


def closed(s):
    """True once the daemon has closed s (whatever was queued is drained)."""
    try:
        s.settimeout(3)
        while True:
            if s.recv(65536) == b'':
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def healthy():
    """A fresh connection can write and read back."""
    try:
        s = connect()
        v = b'ok%d' % time.monotonic_ns()
        r = reply(s, XS_WRITE, b'/robust/health\0' + v)
        r2 = reply(s, XS_READ, b'/robust/health\0')
        s.close()
        return r and r[0] == XS_WRITE and r2 and r2[3] == v
    except OSError:
        return False


def expect_err(name, payload_msgs, err):
    s = connect()
    got = []
    for t, p in payload_msgs:
        got.append(reply(s, t, p))
    last = got[-1]
    check(name, last is not None and last[0] == XS_ERROR and last[3] == err + b'\0',
          'got %r' % (last,))
    s.close()


def main():
    env = dict(os.environ, XENSTORED_PATH=SOCK)
    d = subprocess.Popen([DAEMON, '-N'], env=env, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(RUNDIR, 'daemon.log'), 'w'))
    for _ in range(100):
        if os.path.exists(SOCK):
            break
        time.sleep(0.05)
    try:
        run_checks()
        check('daemon still running', d.poll() is None)
    finally:
        d.terminate()
        try:
            d.wait(5)
        except subprocess.TimeoutExpired:
            d.kill()
    fd_exhaustion()
    out('robust: %d passed, %d failed' % (PASS, FAIL))
    with open(os.path.join(os.path.dirname(DAEMON), 'robust.last'), 'w') as f:
        f.write('\n'.join(LOG) + '\n')
    return 0 if FAIL == 0 else 1


def cpu_seconds(pid):
    f = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')


def fd_exhaustion():
    """More clients than file descriptors: refused, no busy loop, recovers."""
    import resource
    sock = os.path.join(RUNDIR, 'fdsock')
    env = dict(os.environ, XENSTORED_PATH=sock)
    d = subprocess.Popen([DAEMON, '-N'], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24)))
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    conns = []
    try:
        for _ in range(60):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            conns.append(s)
        time.sleep(0.3)
        c0 = cpu_seconds(d.pid)
        time.sleep(1)
        used = cpu_seconds(d.pid) - c0
        check('fd exhaustion: no busy loop', used < 0.3, 'cpu %.2fs in 1s' % used)
        for s in conns:
            s.close()
        conns = []
        time.sleep(0.3)
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.settimeout(5)
        r = reply(s, XS_READ, b'/tool\0')
        check('fd exhaustion: serves again afterwards', r is not None and r[0] == XS_READ)
        s.close()
    except OSError as e:
        check('fd exhaustion', False, str(e))
    finally:
        for s in conns:
            s.close()
        d.terminate()
        d.wait(5)


def run_checks():
    check('daemon answers', healthy())
    # malformed requests get Xen's errors
    expect_err('path without NUL', [(XS_READ, b'/robust')], b'EINVAL')
    expect_err('invalid characters', [(XS_READ, b'/a b\0')], b'EINVAL')
    expect_err('non-ASCII bytes', [(XS_READ, b'/a\xc3\xa9\0')], b'EINVAL')
    expect_err('double slash', [(XS_WRITE, b'/a//b\0x')], b'EINVAL')
    expect_err('trailing slash', [(XS_READ, b'/a/\0')], b'EINVAL')
    expect_err('oversized path', [(XS_READ, b'/' + b'a' * 3100 + b'\0')], b'EINVAL')
    expect_err('unknown type', [(12345, b'/\0')], b'ENOSYS')
    expect_err('extra arguments', [(XS_READ, b'/tool\0junk\0')], b'EINVAL')
    s = connect()
    r = reply(s, XS_READ, b'/tool\0', tx=424242)
    check('unknown transaction id', r and r[0] == XS_ERROR and r[3] == b'ENOENT\0')
    s.close()
    check('healthy after malformed requests', healthy())

    # length over 4096: the connection is dropped, nobody else notices
    s = connect()
    s.sendall(hdr(XS_WRITE, 4097) + b'x' * 100)
    check('len over 4096 drops the connection', closed(s))
    check('others unaffected (len over 4096)', healthy())
    s = connect()
    s.sendall(hdr(XS_READ, 0xffffffff))
    check('len 0xffffffff drops the connection', closed(s))

    # wrong length: a header claiming more than is sent, then silence
    s = connect()
    s.sendall(hdr(XS_READ, 100) + b'/tool\0')
    check('short body is waited for, others served', healthy())
    s.close()
    # half-sent header then disconnect
    for cut in (3, 16, 20):
        s = connect()
        s.sendall((hdr(XS_WRITE, 10) + b'/robust/h\0')[:cut])
        s.close()
    check('half-sent messages then disconnect', healthy())

    # header and payload in separate writes (as Debian's libxenstore sends
    # them), and a header itself cut in two: answered as one request
    s = connect()
    body = b'/robust/split\0v'
    s.sendall(hdr(XS_WRITE, len(body)))
    time.sleep(0.05)
    s.sendall(body)
    m = recv_msg(s)
    msg = hdr(XS_READ, len(b'/robust/split\0')) + b'/robust/split\0'
    s.sendall(msg[:7])
    time.sleep(0.05)
    s.sendall(msg[7:])
    m2 = recv_msg(s)
    check('header and payload sent apart', m and m[0] == XS_WRITE and m2 and m2[3] == b'v',
          'got %r %r' % (m, m2))
    s.close()

    # a message of exactly 4096 bytes is accepted
    s = connect()
    path = b'/robust/max\0'
    r = reply(s, XS_WRITE, path + b'v' * (4096 - len(path)))
    check('payload of exactly 4096 bytes', r and r[0] == XS_WRITE)
    s.close()

    # floods: many watches and transactions on one connection, then close
    s = connect()
    batch = b''.join(hdr(XS_WATCH, len(p)) + p for p in
                     (b'/robust/w%d\0tok\0' % i for i in range(3000)))
    s.sendall(batch)
    n_ok = n_ev = 0
    while n_ok < 3000:
        m = recv_msg(s)
        if m is None:
            break
        if m[0] == XS_WATCH:
            n_ok += 1
        elif m[0] == XS_EVENT:
            n_ev += 1
    check('3000 watches on one connection', n_ok == 3000, 'ok=%d' % n_ok)
    batch = b''.join(hdr(XS_TXN_START, 1) + b'\0' for _ in range(2000))
    s.sendall(batch)
    n_tx = 0
    while n_tx < 2000:
        m = recv_msg(s)
        if m is None:
            break
        if m[0] == XS_TXN_START:
            n_tx += 1
    check('2000 open transactions on one connection', n_tx == 2000, 'n=%d' % n_tx)
    check('others unaffected by the flood', healthy())
    s.close()
    check('healthy after the flooding client left', healthy())

    # a client that never reads its replies
    lazy = connect()
    lazy.setblocking(False)
    req = hdr(XS_READ, len(b'/tool\0')) + b'/tool\0'
    sent = 0
    t0 = time.monotonic()
    try:
        while sent < 20 * 1024 * 1024 and time.monotonic() - t0 < 5:
            sent += lazy.send(req * 256)
    except BlockingIOError:
        pass
    check('non-reading client is throttled, others served', healthy(),
          'sent %d bytes' % sent)
    lazy.close()

    # a watcher that never reads while someone writes a lot
    w = connect()
    w.sendall(hdr(XS_WATCH, len(b'/robust/flood\0t\0')) + b'/robust/flood\0t\0')
    wr = connect()
    # events carry the path: use a long one (path-max is 2048) so that each is ~2 KB
    payload = b'/robust/flood/' + b'p' * 2030 + b'\0x'
    wr.settimeout(20)
    bad = 0
    for i in range(12000):
        wr.sendall(hdr(XS_WRITE, len(payload)) + payload)
        m = recv_msg(wr)
        if m is None:
            break
        bad += m[0] != XS_WRITE
    check('flooding writes accepted', bad == 0, '%d errors' % bad)
    check('writer unaffected by a watcher that never reads', healthy())
    check('non-reading watcher dropped once its queue is huge', closed(w))
    wr.close()


if __name__ == '__main__':
    sys.exit(main())
