#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write N peers into etcd under PREFIX through its JSON gateway.

Peer i has the public key SHA-256(i as 4 bytes), the allowed IP
10.a.b.c/32 of i, and its REST JSON as value, at
<prefix>peers/<key in base64url without padding>, the layout wgc's
cluster sync reads. Transactions of OPS puts (etcd's --max-txn-ops is 128)
are sent over THREADS keep-alive connections.

Prints one line: etcdload: peers=N seconds=S puts_per_s=R
"""

import argparse
import base64
import hashlib
import http.client
import json
import threading
import time
import urllib.parse


def b64(b):
    return base64.b64encode(b).decode()


def peer(prefix, i):
    k = hashlib.sha256(i.to_bytes(4, "big")).digest()
    key = prefix + "peers/" + base64.urlsafe_b64encode(k).decode().rstrip("=")
    val = json.dumps({"public_key": b64(k), "allowed_ips": [
        "10.%d.%d.%d/32" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)]})
    return {"requestPut": {"key": b64(key.encode()),
                           "value": b64(val.encode())}}


def worker(url, prefix, lo, hi, ops, errors):
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for b in range(lo, hi, ops):
        body = json.dumps({"success": [peer(prefix, i)
                                       for i in range(b, min(hi, b + ops))]})
        c.request("POST", "/v3/kv/txn", body,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status != 200 or b"error" in data[:200]:
            errors.append("%d %s" % (r.status, data[:200]))
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="http://host:port")
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--ops", type=int, default=128)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()

    errors = []
    per = -(-a.count // a.threads)
    t0 = time.monotonic()
    ts = []
    for t in range(a.threads):
        lo = a.first + t * per
        hi = min(a.first + a.count, lo + per)
        if lo >= hi:
            continue
        th = threading.Thread(target=worker, args=(a.url, a.prefix, lo, hi,
                                                   a.ops, errors))
        th.start()
        ts.append(th)
    for th in ts:
        th.join()
    secs = time.monotonic() - t0
    if errors:
        print("etcdload: error: %s" % errors[0])
        raise SystemExit(1)
    print("etcdload: peers=%d seconds=%.1f puts_per_s=%d"
          % (a.count, secs, a.count / secs))


if __name__ == "__main__":
    main()
