#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile traffic for a WireGuard endpoint (scapy), as a library and a CLI.

Run it inside the namespace that faces the target (as root, with Debian's
/usr/bin/python3, which has scapy). Every category sends a known number of
frames and prints one line

    badtraffic: <category> sent=<frames> datagrams=<n> expect=<reason>

so a suite can compare the counts with the target's drop counters by
reason. `expect` names the drop reason a correct receiver reports.

Categories (see CATEGORIES): runt, wrong_type, bad_length, bad_mac1,
bad_index, bad_cookie_index, replay (needs a capture), oversized,
fragments, bad_ip_checksum, bad_udp_checksum.

    badtraffic.py send --iface IF --target IP:PORT [--count N]
                       [--category C]... [--pcap CAPTURE] [--json]
    badtraffic.py capture --iface IF --port PORT --out FILE.pcap
                          [--count N] [--timeout S]
    badtraffic.py list

`capture` records WireGuard messages sent to PORT (run it in the
background while a real peer talks); `send --pcap FILE` replays them.

Library use:

    from badtraffic import BadTraffic
    bt = BadTraffic("veth0", "10.0.0.2", 51820)
    n = bt.bad_mac1(50)          # returns frames sent
    bt.close()
"""

import argparse
import ipaddress
import json
import os
import random
import struct
import sys

# scapy prints warnings on import about missing routes etc.: keep quiet
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    Ether, IP, IPv6, UDP, Raw, conf, getmacbyip, sniff, wrpcap, rdpcap,
    get_if_hwaddr)
from scapy.layers.inet import fragment  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    IPv6ExtHdrFragment, fragment6, getmacbyip6)

MSG_INITIATION = 1
MSG_RESPONSE = 2
MSG_COOKIE = 3
MSG_TRANSPORT = 4
LEN = {MSG_INITIATION: 148, MSG_RESPONSE: 92, MSG_COOKIE: 64}
TRANSPORT_MIN = 32

# category -> (method name, drop reason a receiver should count)
CATEGORIES = {
    "runt": "bad_length",
    "wrong_type": "bad_length",
    "bad_length": "bad_length",
    "bad_mac1": "bad_mac1",
    "bad_index": "unknown_index",
    "bad_cookie_index": "unknown_index",
    "replay": "replay",
    "oversized": "oversized",
    "fragments": "fragment",
    "bad_ip_checksum": "bad_ip_checksum",
    "bad_udp_checksum": "bad_udp_checksum",
}

# replay is only sent when a capture is given
DEFAULT = [c for c in CATEGORIES if c != "replay"]


def le32(v):
    return struct.pack("<I", v & 0xffffffff)


def parse_endpoint(s):
    """'a.b.c.d:port' or '[v6]:port' -> (address string, port)."""
    if s.startswith("["):
        host, sep, port = s[1:].partition("]:")
        if not sep:
            raise ValueError("'%s': expected [v6]:port" % s)
    else:
        host, sep, port = s.rpartition(":")
        if not sep:
            raise ValueError("'%s': expected ip:port" % s)
    ipaddress.ip_address(host)
    p = int(port)
    if not 1 <= p <= 65535:
        raise ValueError("'%s': port out of range" % s)
    return host, p


class BadTraffic:
    """Sends each hostile category through one L2 socket on iface."""

    def __init__(self, iface, target, port, sport=None, dst_mac=None,
                 src=None, seed=1, verbose=True):
        self.iface = iface
        self.target = target
        self.port = port
        self.v6 = ipaddress.ip_address(target).version == 6
        self.sport = sport if sport is not None else 40000 + os.getpid() % 20000
        self.rng = random.Random(seed)
        self.verbose = verbose
        self.src_mac = get_if_hwaddr(iface)
        if dst_mac is None:
            conf.iface = iface
            dst_mac = getmacbyip6(target) if self.v6 else getmacbyip(target)
            if dst_mac is None:
                raise RuntimeError("cannot resolve the MAC of %s on %s"
                                   % (target, iface))
        self.dst_mac = dst_mac
        self.src = src
        self.sock = conf.L2socket(iface=iface)
        self.results = []

    def close(self):
        self.sock.close()

    # ---- building blocks

    def ip(self, **kw):
        if self.v6:
            kw.pop("flags", None)
            kw.pop("chksum", None)
            kw.pop("id", None)
            return IPv6(dst=self.target, src=self.src, **kw) if self.src \
                else IPv6(dst=self.target, **kw)
        return IP(dst=self.target, src=self.src, **kw) if self.src \
            else IP(dst=self.target, **kw)

    def frame(self, payload, sport=None, **ipkw):
        return (Ether(src=self.src_mac, dst=self.dst_mac) / self.ip(**ipkw) /
                UDP(sport=sport or self.sport, dport=self.port) /
                Raw(payload))

    def rand(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def emit(self, frames):
        for f in frames:
            self.sock.send(f)
        return len(frames)

    def report(self, name, frames, datagrams=None, whole=None):
        d = frames if datagrams is None else datagrams
        r = {"category": name, "sent": frames, "datagrams": d,
             "expect": CATEGORIES[name]}
        extra = ""
        if whole is not None:
            r["whole"] = whole
            extra = " whole=%d" % whole
        self.results.append(r)
        if self.verbose:
            print("badtraffic: %s sent=%d datagrams=%d%s expect=%s"
                  % (name, frames, d, extra, CATEGORIES[name]), flush=True)
        return frames

    def transport(self, size=None, index=None):
        """A type 4 message with a random receiver index and counter."""
        size = size or self.rng.randrange(TRANSPORT_MIN, 200)
        idx = self.rng.getrandbits(32) if index is None else index
        return (le32(MSG_TRANSPORT) + le32(idx) +
                struct.pack("<Q", self.rng.getrandbits(64)) +
                self.rand(size - 16))

    # ---- categories; each returns the number of frames sent

    def runt(self, count):
        """UDP payloads shorter than any message header (0..3 bytes)."""
        fr = [self.frame(self.rand(i % 4)) for i in range(count)]
        return self.report("runt", self.emit(fr))

    def wrong_type(self, count):
        """Unknown message types (0, 5..255, nonzero reserved bytes)."""
        types = [0, 5, 6, 7, 0xff, 0x101, 0x102, 0x103, 0x104, 0x10004,
                 0x1000001, 0xffffffff]
        lens = [32, 64, 92, 148, 200]
        fr = []
        for i in range(count):
            t = types[i % len(types)]
            n = lens[(i // len(types)) % len(lens)]
            fr.append(self.frame(le32(t) + self.rand(n - 4)))
        return self.report("wrong_type", self.emit(fr))

    def bad_length(self, count):
        """Types 1..3 one byte short/long, far off, type 4 under 32."""
        shapes = []
        for t, n in LEN.items():
            for m in (n - 1, n + 1, 4, 8, n * 2):
                shapes.append((t, m))
        for m in (4, 8, 16, 31):
            shapes.append((MSG_TRANSPORT, m))
        fr = []
        for i in range(count):
            t, m = shapes[i % len(shapes)]
            fr.append(self.frame(le32(t) + self.rand(m - 4)))
        return self.report("bad_length", self.emit(fr))

    def bad_mac1(self, count):
        """Right-sized initiations and responses whose MAC1 is wrong."""
        fr = []
        for i in range(count):
            t = MSG_INITIATION if i % 2 == 0 else MSG_RESPONSE
            fr.append(self.frame(le32(t) + self.rand(LEN[t] - 4)))
        return self.report("bad_mac1", self.emit(fr))

    def bad_index(self, count):
        """Type 4 with random receiver indices, 32..1400 bytes."""
        fr = [self.frame(self.transport(self.rng.choice(
            [32, 48, 96, 512, 1400]))) for _ in range(count)]
        return self.report("bad_index", self.emit(fr))

    def bad_cookie_index(self, count):
        """Cookie replies (type 3) for receiver indices nobody sent."""
        fr = [self.frame(le32(MSG_COOKIE) + self.rand(60))
              for _ in range(count)]
        return self.report("bad_cookie_index", self.emit(fr))

    def replay(self, count, payloads):
        """Resend captured messages (type 1 and 4) verbatim, from their
        original source port, cycling through the capture."""
        if not payloads:
            raise RuntimeError("replay: the capture holds no message")
        fr = []
        for i in range(count):
            sport, p = payloads[i % len(payloads)]
            fr.append(self.frame(p, sport=sport))
        return self.report("replay", self.emit(fr))

    def oversized(self, count, size=9000):
        """Unfragmented frames above a 1500 MTU (DF set), type 4 inside;
        they reach the target only if the link MTU allows them."""
        fr = []
        for i in range(count):
            n = size if i % 2 == 0 else 1600
            ipkw = {} if self.v6 else {"flags": "DF"}
            fr.append(self.frame(self.transport(n - 28 - (20 if self.v6
                                                            else 0)),
                                 **ipkw))
        return self.report("oversized", self.emit(fr))

    def fragments(self, count):
        """IPv4/IPv6 fragments: whole fragmented datagrams (type 4,
        random index), lone first fragments and lone later fragments.
        sent= counts frames, datagrams= the UDP datagrams they carry,
        whole= the datagrams sent with all their fragments (what a
        reassembling receiver, e.g. an AF_PACKET socket with
        PACKET_FANOUT_FLAG_DEFRAG, hands up)."""
        fr = []
        datagrams = 0
        self.whole = 0
        while len(fr) < count:
            kind = datagrams % 3
            d = self.frame(self.transport(1200))
            if self.v6:
                d = (Ether(src=self.src_mac, dst=self.dst_mac) /
                     IPv6(dst=self.target) / IPv6ExtHdrFragment(
                         id=self.rng.getrandbits(32)) /
                     d[UDP])
                parts = [Ether(src=self.src_mac, dst=self.dst_mac) / p
                         for p in fragment6(d[IPv6], 600)]
            else:
                d[IP].id = self.rng.getrandbits(16)
                parts = [Ether(src=self.src_mac, dst=self.dst_mac) / p
                         for p in fragment(d[IP], fragsize=600)]
            if kind == 1:
                parts = parts[:1]
            elif kind == 2:
                parts = parts[1:]
            if kind == 0 and len(parts) <= count - len(fr):
                self.whole += 1
            parts = parts[:count - len(fr)]
            fr += parts
            datagrams += 1
        return self.report("fragments", self.emit(fr), datagrams,
                           self.whole)

    def bad_ip_checksum(self, count):
        """IPv4 header checksum wrong (type 4 inside). IPv6 has none:
        skipped (0 sent) on an IPv6 target."""
        if self.v6:
            return self.report("bad_ip_checksum", 0)
        fr = []
        for _ in range(count):
            f = self.frame(self.transport())
            good = IP(bytes(f[IP]))
            f[IP].chksum = good.chksum ^ 0x5a5a
            fr.append(f)
        return self.report("bad_ip_checksum", self.emit(fr))

    def bad_udp_checksum(self, count):
        """UDP checksum wrong (never zero), type 4 or 1 inside."""
        fr = []
        for i in range(count):
            p = self.transport() if i % 2 == 0 else \
                le32(MSG_INITIATION) + self.rand(144)
            f = self.frame(p)
            good = f.__class__(bytes(f))[UDP].chksum
            bad = good ^ 0x1234
            f[UDP].chksum = bad if bad != 0 else 1
            fr.append(f)
        return self.report("bad_udp_checksum", self.emit(fr))

    def run(self, categories, count, payloads=None):
        total = 0
        for c in categories:
            if c == "replay":
                total += self.replay(count, payloads)
            else:
                total += getattr(self, c)(count)
        return total


def read_capture(path, port):
    """Captured WireGuard messages of type 1 or 4 sent to port, as
    (source port, payload) pairs."""
    out = []
    for p in rdpcap(path):
        if UDP not in p or p[UDP].dport != port:
            continue
        b = bytes(p[UDP].payload)
        if len(b) >= 4 and struct.unpack("<I", b[:4])[0] in (
                MSG_INITIATION, MSG_TRANSPORT):
            out.append((p[UDP].sport, b))
    return out


def cmd_capture(a):
    def is_wg(p):
        if UDP not in p or p[UDP].dport != a.port:
            return False
        b = bytes(p[UDP].payload)
        return len(b) >= 4 and b[0] in (MSG_INITIATION, MSG_TRANSPORT)
    # a.ready is created once sniffing runs, for scripts that wait on it
    pk = sniff(iface=a.iface, count=a.count, timeout=a.timeout,
               lfilter=is_wg, filter="udp and dst port %d" % a.port,
               started_callback=(lambda: open(a.ready, "w").close())
               if a.ready else None)
    wrpcap(a.out, pk)
    print("badtraffic: captured %d messages to %s" % (len(pk), a.out))
    return 0 if len(pk) > 0 else 1


def cmd_send(a):
    try:
        host, port = parse_endpoint(a.target)
    except ValueError as e:
        print("badtraffic: --target: %s" % e, file=sys.stderr)
        return 2
    cats = a.category or list(DEFAULT)
    for c in cats:
        if c not in CATEGORIES:
            print("badtraffic: unknown category '%s' (try: list)" % c,
                  file=sys.stderr)
            return 2
    payloads = None
    if a.pcap:
        payloads = read_capture(a.pcap, port)
        if not a.category and "replay" not in cats:
            cats.append("replay")
    if "replay" in cats and not payloads:
        print("badtraffic: replay needs --pcap with captured messages",
              file=sys.stderr)
        return 2
    bt = BadTraffic(a.iface, host, port, sport=a.sport, dst_mac=a.dst_mac,
                    seed=a.seed, verbose=not a.json)
    try:
        total = bt.run(cats, a.count, payloads)
    finally:
        bt.close()
    if a.json:
        print(json.dumps({"total": total, "categories": bt.results}))
    else:
        print("badtraffic: total sent=%d" % total)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(
        prog="badtraffic.py",
        description="hostile traffic for a WireGuard endpoint")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send", help="send hostile categories")
    s.add_argument("--iface", required=True)
    s.add_argument("--target", required=True, help="IP:PORT or [v6]:PORT")
    s.add_argument("--count", type=int, default=50,
                   help="frames per category (default 50)")
    s.add_argument("--category", action="append",
                   help="a category (repeat); default: all but replay, "
                   "plus replay when --pcap is given")
    s.add_argument("--pcap", help="capture to replay")
    s.add_argument("--sport", type=int, help="UDP source port")
    s.add_argument("--dst-mac", help="skip ARP/ND for the target")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--json", action="store_true",
                   help="print one JSON summary instead of lines")
    c = sub.add_parser("capture", help="record messages sent to a port")
    c.add_argument("--iface", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--count", type=int, default=20)
    c.add_argument("--timeout", type=float, default=10)
    c.add_argument("--ready", help="file created once sniffing has started")
    sub.add_parser("list", help="list categories and expected reasons")
    a = ap.parse_args(argv)
    if a.cmd == "list":
        for k, v in CATEGORIES.items():
            print("%s %s" % (k, v))
        return 0
    if a.cmd == "capture":
        return cmd_capture(a)
    if a.count < 1 or a.count > 1000000:
        print("badtraffic: --count must be 1..1000000", file=sys.stderr)
        return 2
    return cmd_send(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
