#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flood a WireGuard responder with real initiations from unknown keys.

Unlike hsflood.py (garbage contents: the responder drops them after one
DH), every initiation here is a valid Noise_IKpsk2 first message from a
fresh random static key: the responder decrypts the initiator's static key
and finds no peer for it, which is what reaches peers on demand (a lookup
in the shared store). NKEYS initiations are built first, then sent round
robin from NADDR source addresses x NPORTS ports for SECONDS, at most PPS
per second (sources must exist on the host).

Prints one line: keys=N sent=N seconds=S pps=R
"""

import argparse
import base64
import os
import socket
import struct
import time

from wginit import Initiator


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="IP:PORT")
    ap.add_argument("--pubkey", required=True, help="responder key, base64")
    ap.add_argument("--src-base", required=True, help="first source IPv4")
    ap.add_argument("--naddr", type=int, default=8)
    ap.add_argument("--nports", type=int, default=4)
    ap.add_argument("--nkeys", type=int, default=4000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pps", type=int, default=0, help="0: as fast as "
                    "the sockets take them")
    ap.add_argument("--ready", help="file created once the flood runs")
    a = ap.parse_args()

    host, port = a.target.rsplit(":", 1)
    spub = base64.b64decode(a.pubkey)
    msgs = [Initiator(None, spub).initiation(
        struct.unpack("<I", os.urandom(4))[0]) for _ in range(a.nkeys)]
    base = struct.unpack("!I", socket.inet_aton(a.src_base))[0]
    socks = []
    for i in range(a.naddr):
        src = socket.inet_ntoa(struct.pack("!I", base + i))
        for _ in range(a.nports):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            s.connect((host, int(port)))
            s.setblocking(False)
            socks.append(s)
    sent = k = 0
    start = time.monotonic()
    end = start + a.seconds
    if a.ready:
        open(a.ready, "w").close()
    while True:
        for s in socks:
            try:
                s.send(msgs[k % len(msgs)])
                sent += 1
            except OSError:
                pass
            k += 1
        if k % 256 < len(socks):
            now = time.monotonic()
            if now >= end:
                break
            if a.pps > 0 and sent > a.pps * (now - start):
                time.sleep(sent / a.pps - (now - start))
    secs = time.monotonic() - start
    print("hsunknown: keys=%d sent=%d seconds=%.1f pps=%d sources=%d"
          % (len(msgs), sent, secs, sent / secs, len(socks)))


if __name__ == "__main__":
    main()
