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
import hashlib
import hmac
import os
import socket
import struct
import time

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"


def blake2s(*a):
    return hashlib.blake2s(b"".join(a)).digest()


def hmac2s(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf(n, ck, data):
    prk = hmac2s(ck, data)
    out, t = [], b""
    for i in range(1, n + 1):
        t = hmac2s(prk, t + bytes([i]))
        out.append(t)
    return out


def raw_pub(priv):
    return priv.public_key().public_bytes(ser.Encoding.Raw,
                                          ser.PublicFormat.Raw)


def aead(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(
        b"\0" * 4 + struct.pack("<Q", counter), plain, ad)


class Initiator:
    """One static key: what every initiation towards the responder
    shares (the static-static DH, the first hash)."""

    def __init__(self, priv_b64, spub_r):
        self.priv = X25519PrivateKey.from_private_bytes(
            base64.b64decode(priv_b64))
        self.pub = raw_pub(self.priv)
        self.spub_r = spub_r
        self.ss = self.priv.exchange(X25519PublicKey.from_public_bytes(
            spub_r))
        ck0 = blake2s(CONSTRUCTION)
        self.ck0 = ck0
        self.h0 = blake2s(blake2s(ck0, IDENTIFIER), spub_r)
        self.mac1_key = blake2s(b"mac1----", spub_r)

    def initiation(self, sender):
        e = X25519PrivateKey.generate()
        epub = raw_pub(e)
        ck = kdf(1, self.ck0, epub)[0]
        h = blake2s(self.h0, epub)
        ck, k = kdf(2, ck, e.exchange(X25519PublicKey.from_public_bytes(
            self.spub_r)))
        static = aead(k, 0, self.pub, h)
        h = blake2s(h, static)
        ck, k = kdf(2, ck, self.ss)
        ns = time.time_ns()
        ts = struct.pack(">QI", 0x400000000000000A + ns // 10**9,
                         ns % 10**9)
        stamp = aead(k, 0, ts, h)
        body = struct.pack("<I", 1) + struct.pack("<I", sender) + epub + \
            static + stamp
        mac1 = hashlib.blake2s(body, key=self.mac1_key,
                               digest_size=16).digest()
        return body + mac1 + b"\0" * 16


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
        inits = [Initiator(line.strip(), spub) for line in f
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
