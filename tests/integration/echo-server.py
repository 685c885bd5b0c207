#!/usr/bin/python3
"""Echo server for the network tests: listens on 127.0.0.1 (or ::1) only, answers
"echo:<data>" to each TCP connection, and exits after --count of them or
--timeout seconds. Prints the port it got (0 asks the kernel for one).
With --digest it reads each connection to its end and answers "LENGTH
SHA256"; with --send N it sends N bytes of a fixed pattern whose SHA256
--send-digest prints."""
import argparse
import hashlib
import socket
import sys


def pattern(n):
    """N bytes that are not all alike, the same every time."""
    block = hashlib.sha256(b"uctr").digest() * 2048
    return (block * (n // len(block) + 1))[:n]


def serve(c, a):
    if a.digest:
        h, n = hashlib.sha256(), 0
        while True:
            data = c.recv(1 << 16)
            if not data:
                break
            h.update(data)
            n += len(data)
        c.sendall(b"%d %s" % (n, h.hexdigest().encode()))
    elif a.send:
        c.sendall(pattern(a.send))
    else:
        data = c.recv(4096)
        c.sendall(b"echo:" + data)


p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--count", type=int, default=1)
p.add_argument("--timeout", type=float, default=20)
p.add_argument("--digest", action="store_true")
p.add_argument("--send", type=int, default=0)
p.add_argument("--send-digest", type=int, default=0)
p.add_argument("--ipv6", action="store_true", help="listen on ::1 instead")
a = p.parse_args()

if a.send_digest:
    print(hashlib.sha256(pattern(a.send_digest)).hexdigest())
    sys.exit(0)

s = socket.socket(socket.AF_INET6 if a.ipv6 else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::1" if a.ipv6 else "127.0.0.1", a.port))
s.listen(4)
s.settimeout(a.timeout)
print(s.getsockname()[1], flush=True)
for _ in range(a.count):
    try:
        c, _peer = s.accept()
    except socket.timeout:
        sys.exit(0)
    c.settimeout(a.timeout)
    serve(c, a)
    c.close()
