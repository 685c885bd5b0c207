#!/usr/bin/python3
"""Echo server for the network tests: listens on 127.0.0.1 only, answers
"echo:<data>" to each TCP connection, and exits after --count of them or
--timeout seconds. Prints the port it got (0 asks the kernel for one)."""
import argparse
import socket
import sys

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--count", type=int, default=1)
p.add_argument("--timeout", type=float, default=20)
a = p.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", a.port))
s.listen(4)
s.settimeout(a.timeout)
print(s.getsockname()[1], flush=True)
for _ in range(a.count):
    try:
        c, _peer = s.accept()
    except socket.timeout:
        sys.exit(0)
    c.settimeout(a.timeout)
    data = c.recv(4096)
    c.sendall(b"echo:" + data)
    c.close()
