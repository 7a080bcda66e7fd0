#!/usr/bin/env python3
"""Command-line options of Petrel's xenstored, in the style of Xen's daemon.

Usage: daemon-options.py PATH/TO/xenstored
Prints ok/FAIL lines and "options: N passed, N failed".
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

DAEMON = sys.argv[1]
PASS = FAIL = 0


def check(name, cond, detail=''):
    global PASS, FAIL
    if cond:
        PASS += 1
        print('ok   ' + name)
    else:
        FAIL += 1
        print('FAIL %s %s' % (name, detail))


def request(sock_path, t, payload):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(5)
    s.sendall(struct.pack('<IIII', t, 1, 0, len(payload)) + payload)
    h = b''
    while len(h) < 16:
        h += s.recv(16 - len(h))
    rt, _, _, ln = struct.unpack('<IIII', h)
    body = b''
    while len(body) < ln:
        body += s.recv(ln - len(body))
    s.close()
    return rt, body


def wait_socket(path):
    for _ in range(100):
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def main():
    d = tempfile.mkdtemp(prefix='petrel-xs-opts.')
    sock = os.path.join(d, 'socket')
    pidf = os.path.join(d, 'pid')
    trace = os.path.join(d, 'trace')
    env = dict(os.environ, XENSTORED_PATH=sock)

    r = subprocess.run([DAEMON, '-H'], capture_output=True, text=True, timeout=10)
    check('-H prints usage', r.returncode == 0 and '--no-fork' in r.stdout)
    r = subprocess.run([DAEMON, '--bogus'], capture_output=True, text=True, timeout=10)
    check('unknown option is refused', r.returncode != 0)
    r = subprocess.run([DAEMON, '-E', 'lots'], capture_output=True, text=True, timeout=10)
    check('bad number is refused with a message', r.returncode != 0 and 'bad value' in r.stderr)
    r = subprocess.run([DAEMON, '-Q', 'nonsense=1'], capture_output=True, text=True, timeout=10)
    check('unknown quota is refused', r.returncode != 0)

    # foreground, pid file, trace file, quotas from the command line
    p = subprocess.Popen([DAEMON, '-N', '-F', pidf, '-T', trace, '-E', '7', '-W', '3',
                          '-t', '4', '-A', '2', '-M', '100', '-S', '512',
                          '-Q', 'outstanding=5', '-Q', 'transaction-nodes=50',
                          '-Q', 'memory=123456', '-q', 'memory=100000'],
                         env=env, stderr=subprocess.DEVNULL)
    check('-N: socket appears', wait_socket(sock))
    time.sleep(0.1)
    check('-F: pid file holds the pid',
          os.path.exists(pidf) and open(pidf).read().strip() == str(p.pid))
    t, body = request(sock, 0, b'quota\0')
    want = [b'entry-nb 7', b'watch-nb 3', b'transaction 4', b'perm-nb 2', b'path-max 100',
            b'entry-size 512', b'outstanding 5', b'transaction-nodes 50', b'memory 123456']
    check('quotas from the command line (CONTROL quota)',
          t == 0 and all(w in body for w in want), repr(body))
    request(sock, 11, b'/opt/x\0v')
    tr = open(trace).read() if os.path.exists(trace) else ''
    check('-T: requests and replies traced', 'IN ' in tr and 'OUT ' in tr)
    check('read-only socket next to it', os.path.exists(sock + '_ro'))
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    check('SIGTERM: clean exit', rc == 0)
    check('SIGTERM: socket and pid file removed',
          not os.path.exists(sock) and not os.path.exists(pidf))

    # default: forks into the background
    r = subprocess.run([DAEMON, '-F', pidf], env=env, timeout=10)
    check('fork: parent returns 0', r.returncode == 0)
    ok = wait_socket(sock) and wait_socket(pidf)
    time.sleep(0.05)
    pid = int(open(pidf).read()) if ok else 0
    check('fork: daemon answers', ok and pid and request(sock, 2, b'/tool\0')[0] == 2)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not os.path.exists(sock):
                break
            time.sleep(0.05)
    print('options: %d passed, %d failed' % (PASS, FAIL))
    return 0 if FAIL == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
