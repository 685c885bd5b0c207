#!/usr/bin/env python3
"""Ethernet frames written straight to tap0, as a container's root with
CAP_NET_RAW can: run where tap0 is (inside the test's namespace, or the
container's through nsenter). Used by slirp.sh, fuzz-frames.sh and
nethelper.sh.

  frames.py issue
      the frame of issue 12: a last IPv4 fragment (MF clear) at offset 2307
      with 1076 bytes of UDP payload, alone. libslirp 4.7.0's ip_reass()
      took it for a whole datagram and crashed the helper.
  frames.py udp-reversed DST PORT SIZE
      a UDP datagram of SIZE bytes to DST:PORT, cut into fragments that fit
      tap0's MTU and sent last first; waits for the echo and prints
      "echo N bytes" (exit 0), or "timeout" (exit 3).
  frames.py arp-announce
      a gratuitous ARP for 10.0.2.100 with tap0's own address: what libslirp
      learnt of it from the fuzzer's frames is right again.
  frames.py fuzz COUNT SEED
      COUNT frames, random and mutated from valid ones: IPv4 fragments
      (overlapping, duplicated, out of order, at the limits), bad lengths
      and checksums, IP options, TCP, UDP and ICMP, IPv6 with extension
      headers and fragments, ARP, NC-SI, truncated and empty frames.
      Prints "N frames (seed S)", N those the kernel took.
"""
import fcntl
import random
import socket
import struct
import sys

SLIRP_MAC = bytes.fromhex("52550a000202")
GUEST = "10.0.2.100"
HOST4 = ["10.0.2.2", "10.0.2.3", "10.0.2.100", "10.0.2.255", "127.0.0.1", "224.0.0.1", "0.0.0.0"]
HOST6 = ["fd00::2", "fd00::3", "fe80::2", "ff02::1", "ff02::2", "::1", "fd00::100"]
TAP = "tap0"


# /sys may be the host's: ask the kernel of this network namespace.
def ifreq(request):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        return fcntl.ioctl(s, request, struct.pack("256s", TAP.encode()))


def own_mac():
    return ifreq(0x8927)[18:24]  # SIOCGIFHWADDR


def mtu():
    return struct.unpack("i", ifreq(0x8921)[16:20])[0]  # SIOCGIFMTU


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ether(payload, etype=0x0800, src=None, dst=SLIRP_MAC):
    return dst + (src or own_mac()) + struct.pack("!H", etype) + payload


def ipv4(payload, proto=17, dst="10.0.2.2", ident=0x1234, off=0, mf=False, options=b"", total=None,
         ttl=64, good_sum=True, src=GUEST):
    hl = 20 + len(options)
    field = (0x2000 if mf else 0) | (off & 0x1FFF)
    length = hl + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (hl // 4), 0, length & 0xFFFF, ident & 0xFFFF, field, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + options
    s = checksum(hdr) if good_sum else random.getrandbits(16)
    return hdr[:10] + struct.pack("!H", s) + hdr[12:] + payload


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def send_all(frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((TAP, 0))
    n = 0
    for f in frames:
        try:
            s.send(f)
            n += 1
        except OSError:
            pass  # too short or too long for the link: the kernel refuses it
    return n


def issue():
    send_all([ether(ipv4(bytes(1076), proto=17, off=2307, mf=False))])
    print("sent the frame of issue 12")


def arp_announce():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, own_mac(), socket.inet_aton(GUEST), bytes(6),
                       socket.inet_aton(GUEST))
    send_all([ether(body, 0x0806, dst=b"\xff" * 6)])
    print("announced %s" % GUEST)


def udp_reversed(dst, port, size):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((GUEST, 0))
    sock.settimeout(5)
    data = bytes((i * 31 + 7) & 0xFF for i in range(size))
    datagram = udp(sock.getsockname()[1], port, data)
    step = (mtu() - 20) // 8 * 8
    ident = random.getrandbits(16)
    frags = []
    for at in range(0, len(datagram), step):
        part = datagram[at:at + step]
        frags.append(ether(ipv4(part, dst=dst, ident=ident, off=at // 8, mf=at + step < len(datagram))))
    send_all(reversed(frags))
    try:
        got, _ = sock.recvfrom(65536)
    except socket.timeout:
        print("timeout")
        return 3
    if got != b"echo:" + data and got != data:
        print("wrong echo: %d bytes" % len(got))
        return 4
    print("echo %d bytes" % size)
    return 0


# --- the fuzzer ---------------------------------------------------------------

def junk(n):
    return bytes(random.getrandbits(8) for _ in range(n))


def mutate(frame):
    f = bytearray(frame)
    for _ in range(random.randint(1, 6)):
        what = random.random()
        if what < 0.5 and f:
            f[random.randrange(len(f))] ^= 1 << random.randrange(8)
        elif what < 0.7 and f:
            del f[random.randrange(len(f)):]
        elif what < 0.85:
            f += junk(random.randint(1, 64))
        elif f:
            at = random.randrange(len(f))
            f[at:at + 2] = junk(2)
    return bytes(f)


def l4(proto, v6=False):
    sport, dport = random.randint(1, 65535), random.choice([53, 7, 80, 1, random.randint(1, 65535)])
    if proto == 17:
        return udp(sport, dport, junk(random.randint(0, 200)))
    if proto == 6:
        flags = random.choice([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x20 | 0x10, random.getrandbits(8)])
        doff = random.choice([5, 6, 15, random.randint(0, 15)])
        opts = junk((max(doff, 5) - 5) * 4)
        return struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), random.getrandbits(32),
                           doff << 4, flags, random.getrandbits(16), 0, random.getrandbits(16)) + opts + junk(
                               random.randint(0, 100))
    if proto in (1, 58):
        kind = random.choice([0, 3, 8, 11, 128, 129, 133, 134, 135, 136, 137, random.getrandbits(8)])
        return struct.pack("!BBH", kind, random.getrandbits(8), 0) + junk(random.randint(0, 120))
    return junk(random.randint(0, 100))


def fragments(pool):
    """IPv4 fragments of a few datagrams, so that they meet: overlaps,
    duplicates, holes, ends that disagree, the largest offsets."""
    ident = random.choice(pool)
    off = random.choice([0, 1, 2, 185, 2307, 8000, 8189, 8190, 8191, random.randint(0, 8191)])
    length = random.choice([8, 16, 1076, 1480, 1481, 7, 0, random.randint(0, 1600)])
    mf = random.random() < 0.5
    opts = random.choice([b"", b"", b"\x01\x01\x01\x00", b"\x07\x07\x04" + bytes(5), junk(random.choice([4, 8, 40]))])
    total = None if random.random() < 0.85 else random.randint(0, 2000)
    return ether(ipv4(junk(length), proto=random.choice([17, 6, 1, 17]), dst=random.choice(HOST4[:3]),
                      ident=ident, off=off, mf=mf, options=opts, total=total, good_sum=random.random() < 0.9))


def ipv4_packet():
    proto = random.choice([17, 6, 1, 2, 0, 255])
    opts = random.choice([b"", b"", b"\x01\x01\x01\x00", b"\x83\x07\x04" + bytes(5), junk(4)])
    total = None if random.random() < 0.8 else random.randint(0, 3000)
    frame = ether(ipv4(l4(proto), proto=proto, dst=random.choice(HOST4), options=opts, total=total,
                       ttl=random.choice([0, 1, 64]), good_sum=random.random() < 0.9))
    return mutate(frame) if random.random() < 0.3 else frame


def ipv6_packet(pool):
    chain = []
    for _ in range(random.choice([0, 0, 1, 2, 3])):
        chain.append(random.choice([0, 43, 44, 60, 51, 59]))
    last = random.choice([6, 17, 58, 58, 253])
    body = l4(last, True)
    for nh in reversed(chain):
        nxt = last
        if nh == 44:
            field = (random.choice([0, 1, 185, 8191, random.randint(0, 8191)]) << 3) | random.getrandbits(1)
            body = struct.pack("!BBHI", nxt, 0, field, random.choice(pool)) + body
        else:
            ext = junk(6 + 8 * random.randint(0, 2))
            body = struct.pack("!BB", nxt, (len(ext) - 6) // 8) + ext + body
        last = nh
    plen = len(body) if random.random() < 0.85 else random.randint(0, 70000) & 0xFFFF
    hdr = struct.pack("!IHBB16s16s", 0x60000000, plen, last, random.choice([0, 1, 255]),
                      socket.inet_pton(socket.AF_INET6, random.choice(["fd00::100", "fe80::1", "::"])),
                      socket.inet_pton(socket.AF_INET6, random.choice(HOST6)))
    frame = ether(hdr + body, 0x86DD)
    return mutate(frame) if random.random() < 0.3 else frame


def arp():
    op = random.choice([1, 2, random.getrandbits(16)])
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, own_mac(), socket.inet_aton(GUEST), bytes(6),
                       socket.inet_aton(random.choice(HOST4)))
    frame = ether(body, 0x0806, dst=b"\xff" * 6)
    return mutate(frame) if random.random() < 0.4 else frame


def fuzz(count, seed):
    random.seed(seed)
    pool = [random.getrandbits(16) for _ in range(6)]
    frames = [ether(ipv4(bytes(1076), proto=17, off=2307, mf=False))]
    while len(frames) < count:
        r = random.random()
        if r < 0.35:
            frames.append(fragments(pool))
        elif r < 0.55:
            frames.append(ipv4_packet())
        elif r < 0.75:
            frames.append(ipv6_packet(pool))
        elif r < 0.85:
            frames.append(arp())
        elif r < 0.9:
            frames.append(ether(junk(random.randint(0, 100)), random.choice([0x88F8, 0x8100, 0x0800, 0x86DD])))
        else:
            frames.append(junk(random.choice([0, 1, 13, 14, 15, 33, 34, 53, 54, random.randint(0, 1514)])))
    print("%d frames (seed %d)" % (send_all(frames), seed))


def main(argv):
    if len(argv) == 2 and argv[1] == "issue":
        issue()
        return 0
    if len(argv) == 2 and argv[1] == "arp-announce":
        arp_announce()
        return 0
    if len(argv) == 5 and argv[1] == "udp-reversed":
        return udp_reversed(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 4 and argv[1] == "fuzz":
        fuzz(int(argv[2]), int(argv[3]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
