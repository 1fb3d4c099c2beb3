# SPDX-License-Identifier: BSD-3-Clause
"""WireGuard handshake initiations (Noise_IKpsk2 first messages, no
preshared key), built independently of wgc with Python's cryptography and
hashlib, for the dts tools that talk to a responder."""

import hashlib
import hmac
import struct
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat)

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"


def blake2s(*a):
    return hashlib.blake2s(b"".join(a)).digest()


def _hmac(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def _kdf(n, ck, data):
    prk = _hmac(ck, data)
    out, t = [], b""
    for i in range(1, n + 1):
        t = _hmac(prk, t + bytes([i]))
        out.append(t)
    return out


def raw_pub(priv):
    return priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _aead(key, plain, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 12, plain, ad)


def tai64n():
    ns = time.time_ns()
    return struct.pack(">QI", 0x400000000000000A + ns // 10**9, ns % 10**9)


class Initiator:
    """One static key (an X25519PrivateKey, or None for a random one)
    towards one responder (its raw public key): what all its initiations
    share (the static-static DH, the first hash) is computed once."""

    def __init__(self, priv, spub_r):
        self.priv = priv if priv is not None else \
            X25519PrivateKey.generate()
        self.pub = raw_pub(self.priv)
        self.spub_r = spub_r
        self.ss = self.priv.exchange(
            X25519PublicKey.from_public_bytes(spub_r))
        self.ck0 = blake2s(CONSTRUCTION)
        self.h0 = blake2s(blake2s(self.ck0, IDENTIFIER), spub_r)
        self.mac1_key = blake2s(b"mac1----", spub_r)

    def initiation(self, sender):
        """A first message with sender index `sender`, a fresh ephemeral
        and the time now; MAC1 valid, MAC2 zero."""
        e = X25519PrivateKey.generate()
        epub = raw_pub(e)
        ck = _kdf(1, self.ck0, epub)[0]
        h = blake2s(self.h0, epub)
        ck, k = _kdf(2, ck, e.exchange(
            X25519PublicKey.from_public_bytes(self.spub_r)))
        static = _aead(k, self.pub, h)
        h = blake2s(h, static)
        ck, k = _kdf(2, ck, self.ss)
        stamp = _aead(k, tai64n(), h)
        body = struct.pack("<II", 1, sender) + epub + static + stamp
        mac1 = hashlib.blake2s(body, key=self.mac1_key,
                               digest_size=16).digest()
        return body + mac1 + b"\0" * 16
