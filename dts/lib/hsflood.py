#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flood a WireGuard responder with handshake initiations.

Every initiation carries a valid MAC1 (computed from the responder's public
key) and random contents (its ephemeral key, static and timestamp fields
are garbage: the responder pays a DH, then drops it). They are sent from
NADDR source addresses x NPORTS ports (UDP sockets bound to each address,
which must exist on the host). A cookie reply is opened (XChaCha20-Poly1305
with HASH("cookie--" || responder key), the initiation's MAC1 as AD) and
every later initiation of that socket carries a valid MAC2, so a responder
under load passes them to its per-source rate limiter.

Prints one line: sent=N cookies=N cookie_bad=N seconds=S pps=R
"""

import argparse
import base64
import hashlib
import os
import select
import socket
import struct
import time

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

M32 = 0xFFFFFFFF


def blake2s(*a):
    return hashlib.blake2s(b"".join(a)).digest()


def mac(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def hchacha20(key, nonce):
    x = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    x += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce))

    def qr(a, b, c, d):
        for (p, q, r, s) in ((a, b, d, 16), (c, d, b, 12),
                             (a, b, d, 8), (c, d, b, 7)):
            x[p] = (x[p] + x[q]) & M32
            v = x[r] ^ x[p]
            x[r] = ((v << s) | (v >> (32 - s))) & M32

    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(x[0:4] + x[12:16]))


def xaead_open(key, nonce, ct, ad):
    sub = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(sub).decrypt(b"\0" * 4 + nonce[16:], ct, ad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="IP:PORT")
    ap.add_argument("--pubkey", required=True, help="responder key, base64")
    ap.add_argument("--src-base", required=True, help="first source IPv4")
    ap.add_argument("--naddr", type=int, default=32)
    ap.add_argument("--nports", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--ready", help="file created once the flood runs")
    a = ap.parse_args()

    host, port = a.target.rsplit(":", 1)
    spub = base64.b64decode(a.pubkey)
    mac1_key = blake2s(b"mac1----", spub)
    cookie_key = blake2s(b"cookie--", spub)
    # 64 initiations, MAC1 valid, MAC2 zero; by sender index
    tmpl, by_index = [], {}
    for _ in range(64):
        idx = os.urandom(4)
        body = b"\x01\0\0\0" + idx + os.urandom(32 + 48 + 28)
        m = body + mac(mac1_key, body)
        tmpl.append(m)
        by_index[idx] = m
    base = struct.unpack("!I", socket.inet_aton(a.src_base))[0]
    socks, cur = [], []
    ep = select.epoll()
    for i in range(a.naddr):
        src = socket.inet_ntoa(struct.pack("!I", base + i))
        for _ in range(a.nports):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            s.connect((host, int(port)))
            s.setblocking(False)
            ep.register(s.fileno(), select.EPOLLIN)
            socks.append(s)
            cur.append([m + b"\0" * 16 for m in tmpl])
    fd_pos = {s.fileno(): i for i, s in enumerate(socks)}
    sent = cookies = bad = k = 0
    start = time.monotonic()
    end = start + a.seconds
    if a.ready:
        open(a.ready, "w").close()
    while True:
        j = k % len(tmpl)
        for i, s in enumerate(socks):
            try:
                s.send(cur[i][j])
                sent += 1
            except OSError:
                pass
        k += 1
        for fd, _ in ep.poll(0):
            i = fd_pos[fd]
            while True:
                try:
                    r = socks[i].recv(256)
                except OSError:
                    break
                m = by_index.get(r[4:8])
                if len(r) != 64 or r[0] != 3 or m is None:
                    continue
                try:
                    cookie = xaead_open(cookie_key, r[8:32], r[32:64],
                                        m[116:132])
                except Exception:
                    bad += 1
                    continue
                cookies += 1
                cur[i] = [t + mac(cookie, t) for t in tmpl]
        if k % 8 == 0 and time.monotonic() >= end:
            break
    secs = time.monotonic() - start
    print("hsflood: sent=%d cookies=%d cookie_bad=%d seconds=%.1f pps=%d "
          "sources=%d" % (sent, cookies, bad, secs, sent / secs, len(socks)))


if __name__ == "__main__":
    main()
