#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count UDP datagrams on ADDR:PORT (wgc-loadgen streams carry a 64-bit
big-endian sequence number first in their payload).

    udpsink.py ADDR PORT [--expect N] [--idle S] [--max S] [--ready FILE]

Stops after N datagrams, after S idle seconds once traffic started, or at
--max. Prints: udpsink: received=R distinct=D min_seq=A max_seq=B bytes=X
"""

import argparse
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--expect", type=int, default=0)
    ap.add_argument("--idle", type=float, default=2.0)
    ap.add_argument("--max", type=float, default=30.0)
    ap.add_argument("--ready")
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((a.addr, a.port))
    if a.ready:
        open(a.ready, "w").close()
    seen = set()
    n = nbytes = 0
    start = time.monotonic()
    last = None
    while True:
        now = time.monotonic()
        if now - start > a.max:
            break
        if last is not None and now - last > a.idle:
            break
        s.settimeout(0.2)
        try:
            b = s.recv(65535)
        except socket.timeout:
            continue
        n += 1
        nbytes += len(b)
        last = time.monotonic()
        if len(b) >= 8:
            seen.add(struct.unpack(">Q", b[:8])[0])
        if a.expect and n >= a.expect:
            break
    lo = min(seen) if seen else -1
    hi = max(seen) if seen else -1
    print("udpsink: received=%d distinct=%d min_seq=%d max_seq=%d bytes=%d"
          % (n, len(seen), lo, hi, nbytes), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
