# SPDX-License-Identifier: BSD-3-Clause
# Independent WireGuard reference (Python cryptography + hashlib) that
# produced the vectors of proto_python_vector_autotest and
# proto_python_interop_autotest (test/test_proto_noise.c):
#   python3 test/wg_reference.py

import hashlib, hmac, struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization as ser

def H(*a): return hashlib.blake2s(b"".join(a)).digest()
def MAC(k, d): return hashlib.blake2s(d, key=k, digest_size=16).digest()
def HM(k, d): return hmac.new(k, d, hashlib.blake2s).digest()
def KDF(n, ck, inp):
    p = HM(ck, inp); out=[]; t=b""
    for i in range(1, n+1):
        t = HM(p, t + bytes([i])); out.append(t)
    return out
def pub(priv): return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
def DH(priv, p): return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(p))
def AEAD(k, n, pt, ad): return ChaCha20Poly1305(k).encrypt(b"\0"*4 + struct.pack("<Q", n), pt, ad)

CK0 = H(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
H0 = H(CK0, b"WireGuard v1 zx2c4 Jason@zx2c4.com")

si = bytes.fromhex("e0" + "11"*30 + "41")   # initiator static private
sr = bytes.fromhex("e8" + "22"*30 + "42")   # responder static private
ei = bytes.fromhex("f0" + "33"*30 + "43")   # initiator ephemeral private
Si, Sr, Ei = pub(si), pub(sr), pub(ei)
sender = 0x11223344
wall_sec = 1700000000
ts = struct.pack(">QI", 0x400000000000000a + wall_sec, 0)

ck = CK0; h = H(H0, Sr)
ck = KDF(1, ck, Ei)[0]; h = H(h, Ei)
ck, k = KDF(2, ck, DH(ei, Sr))
es = AEAD(k, 0, Si, h); h = H(h, es)
ck, k = KDF(2, ck, DH(si, Sr))
et = AEAD(k, 0, ts, h); h = H(h, et)
msg = struct.pack("<II", 1, sender) + Ei + es + et
msg += MAC(H(b"mac1----", Sr), msg) + b"\0"*16
assert len(msg) == 148
print("init_si", si.hex()); print("init_sr", sr.hex())
print("init_msg", msg.hex())

# ---- response from R to the initiation above, R ephemeral er, psk ----
er = bytes.fromhex("c8" + "44"*30 + "44")
psk = bytes([0x77]*32)
Er = pub(er)
r_sender = 0x55667788
# responder state after consuming the initiation equals (ck, h) above
ck_r, h_r = ck, h
ck_r = KDF(1, ck_r, Er)[0]; h_r = H(h_r, Er)
ck_r = KDF(1, ck_r, DH(er, Ei))[0]
ck_r = KDF(1, ck_r, DH(er, Si))[0]
ck_r, tau, k = KDF(3, ck_r, psk)
h_r = H(h_r, tau)
en = AEAD(k, 0, b"", h_r); h_r = H(h_r, en)
resp = struct.pack("<III", 2, r_sender, sender) + Er + en
resp += MAC(H(b"mac1----", Si), resp) + b"\0"*16
assert len(resp) == 92
t1, t2 = KDF(2, ck_r, b"")
print("resp_er", er.hex()); print("resp_msg", resp.hex())
print("resp_ti_send", t1.hex()); print("resp_ti_recv", t2.hex())
# first transport packet from I (counter 0, 4-byte payload padded to 16)
payload = b"\x45\x00\x00\x04" + b"\0"*12
ct = ChaCha20Poly1305(t1).encrypt(b"\0"*4 + struct.pack("<Q", 0), payload, b"")
pkt = struct.pack("<IIQ", 4, r_sender, 0) + ct
print("transport_pkt", pkt.hex())
