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
import hashlib
import hmac
import os
import socket
import struct
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat)

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"


def h(*a):
    return hashlib.blake2s(b"".join(a)).digest()


def hm(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf2(ck, data):
    t0 = hm(ck, data)
    t1 = hm(t0, b"\x01")
    return t1, hm(t0, t1 + b"\x02")


def pub(k):
    return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def seal(key, pt, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 12, pt, ad)


def tai64n():
    t = time.time()
    return struct.pack(">QI", (1 << 62) + int(t), int((t % 1) * 1e9))


def initiation(spub_r, mac1_key):
    """One first message from a new random static key."""
    srv = X25519PublicKey.from_public_bytes(spub_r)
    s_i = X25519PrivateKey.generate()
    e_i = X25519PrivateKey.generate()
    ck = h(CONSTRUCTION)
    hh = h(h(ck, IDENTIFIER), spub_r)
    e_pub = pub(e_i)
    ck = hm(hm(ck, e_pub), b"\x01")
    hh = h(hh, e_pub)
    ck, k = kdf2(ck, e_i.exchange(srv))
    enc_static = seal(k, pub(s_i), hh)
    hh = h(hh, enc_static)
    ck, k = kdf2(ck, s_i.exchange(srv))
    enc_ts = seal(k, tai64n(), hh)
    body = b"\x01\0\0\0" + os.urandom(4) + e_pub + enc_static + enc_ts
    m1 = hashlib.blake2s(body, key=mac1_key, digest_size=16).digest()
    return body + m1 + b"\0" * 16


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
    mac1_key = h(b"mac1----", spub)
    msgs = [initiation(spub, mac1_key) for _ in range(a.nkeys)]
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
