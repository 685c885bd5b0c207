#!/usr/bin/python3
"""UDP echo for the published-port tests.

udp-echo.py serve PORT [--connect]
    answers each datagram on PORT (every address) with the same bytes;
    with --connect, connect()s its socket to the first client, as iperf3
    and many DNS servers do, and answers only it from then on. Prints
    "ready" once bound; exits after 30 s without a datagram.
udp-echo.py ask HOST PORT COUNT
    sends COUNT datagrams one after the other, each waiting up to 2 s for
    its echo (the first, while the port may not be there yet, up to 20 s);
    prints how many came back."""
import socket
import sys
import time


def serve(port, connect):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(30)
    print("ready", flush=True)
    try:
        data, peer = s.recvfrom(65536)
        if connect:
            s.connect(peer)
        s.sendto(data, peer)
        while True:
            if connect:
                s.send(s.recv(65536))
            else:
                data, peer = s.recvfrom(65536)
                s.sendto(data, peer)
    except socket.timeout:
        pass


def ask(host, port, count):
    c = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    answered = 0
    for i in range(count):
        deadline = time.monotonic() + (20 if answered == 0 else 2)
        payload = b"datagram %d" % i
        while time.monotonic() < deadline:
            c.sendto(payload, (host, port))
            c.settimeout(0.5 if answered == 0 else 2)
            try:
                if c.recvfrom(65536)[0] == payload:
                    answered += 1
                    break
            except (socket.timeout, ConnectionRefusedError):
                pass
            if answered > 0:
                break
    print(answered)


if sys.argv[1] == "serve":
    serve(int(sys.argv[2]), "--connect" in sys.argv[3:])
else:
    ask(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
