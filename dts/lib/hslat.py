#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure a WireGuard responder's handshake latency, one at a time.

The initiators' static private keys (base64, one per line in --keys) must
be peers of the responder. They take turns: each sends a real initiation
(Noise IKpsk2 without a preshared key, a fresh ephemeral, a TAI64N
timestamp of now, MAC1 valid) and waits for the response carrying its
sender index. A sample is the time from sendto() to the response read,
written to --out as "<wall clock s at send> <latency us>", or
"<wall clock s> timeout" after --timeout seconds. Runs until the file
--stop exists (or --seconds have passed), --interval ms apart.

Prints one line at the end: samples=N timeouts=N
"""

import argparse
import base64
import os
import socket
import struct
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import \
    X25519PrivateKey

from wginit import Initiator


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="IP:PORT")
    ap.add_argument("--pubkey", required=True, help="responder key, base64")
    ap.add_argument("--keys", required=True,
                    help="file: initiator private keys, one per line")
    ap.add_argument("--out", required=True, help="samples file")
    ap.add_argument("--stop", help="stop once this file exists")
    ap.add_argument("--seconds", type=float, default=0,
                    help="stop after this long (0: only --stop)")
    ap.add_argument("--interval", type=float, default=2.0,
                    help="ms between handshakes")
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()

    host, port = a.target.rsplit(":", 1)
    spub = base64.b64decode(a.pubkey)
    with open(a.keys) as f:
        inits = [Initiator(X25519PrivateKey.from_private_bytes(
                    base64.b64decode(line.strip())), spub) for line in f
                 if line.strip()]
    if not inits:
        raise SystemExit("hslat: no keys")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    end = time.monotonic() + a.seconds if a.seconds > 0 else None
    samples = timeouts = turn = 0
    with open(a.out, "w", buffering=1) as out:
        while True:
            if a.stop and os.path.exists(a.stop):
                break
            if end is not None and time.monotonic() >= end:
                break
            it = inits[turn % len(inits)]
            turn += 1
            sender = struct.unpack("<I", os.urandom(4))[0]
            msg = it.initiation(sender)
            wall = time.time()
            t0 = time.monotonic_ns()
            s.send(msg)
            deadline = time.monotonic() + a.timeout
            got = False
            while not got:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                try:
                    r = s.recv(2048)
                except socket.timeout:
                    break
                t1 = time.monotonic_ns()
                if len(r) == 92 and r[0] == 2 and \
                        struct.unpack("<I", r[8:12])[0] == sender:
                    got = True
            if got:
                samples += 1
                out.write("%.6f %.1f\n" % (wall, (t1 - t0) / 1e3))
            else:
                timeouts += 1
                out.write("%.6f timeout\n" % wall)
            time.sleep(a.interval / 1e3)
    print("samples=%d timeouts=%d" % (samples, timeouts))


if __name__ == "__main__":
    main()
