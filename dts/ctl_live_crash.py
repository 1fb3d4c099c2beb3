#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash-safety driver for dts/ctl_live_crash.sh (REST over AF_UNIX).

  ctl_live_crash.py write  MODEL SOCKET LOG SEED
      Send random changes (PUT a new peer, PATCH a peer's allowed IPs,
      DELETE a peer, POST a bulk of 20 new peers) until wgc dies. Every
      change that got a 2xx is appended to LOG as {"ack": op}; the one in
      flight when the connection broke as {"unknown": op}.
  ctl_live_crash.py verify MODEL SOCKET LOG
      List every peer of the restarted wgc and compare with MODEL plus the
      acknowledged ops of LOG: the live set must equal the expected set,
      or the expected set plus the one unknown op applied completely.
      Writes the new MODEL and prints one line; exit 1 on a mismatch.

MODEL is {"peers": {key: [cidr, ...]}, "next_ip": n}.
"""

import base64
import http.client
import json
import os
import random
import socket
import sys


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("wgc", timeout=10)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.path)
        self.sock = s


def call(sock, method, path, body=None):
    c = UnixHTTP(sock)
    hdr = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdr["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=hdr)
    r = c.getresponse()
    out = r.read()
    c.close()
    return r.status, out


def url(key):
    return key.replace("+", "-").replace("/", "_")


def ip(n):
    return "10.%d.%d.%d/32" % (1 + n // 65536, (n // 256) % 256, n % 256)


def newkey():
    return base64.b64encode(os.urandom(32)).decode()


def apply(peers, op):
    p = dict(peers)
    if op["op"] in ("put", "patch"):
        p[op["key"]] = [op["ip"]]
    elif op["op"] == "delete":
        p.pop(op["key"], None)
    elif op["op"] == "bulk":
        for k, a in op["peers"]:
            p[k] = [a]
    return p


def write(model_path, sock, log_path, seed):
    m = json.load(open(model_path))
    peers = m["peers"]
    nxt = m["next_ip"]
    rnd = random.Random(seed)
    log = open(log_path, "a")
    while True:
        r = rnd.random()
        keys = list(peers)
        if len(keys) > 1500:
            # keep the set around 1 500 peers: mostly deletes
            r = rnd.choice([0.7] * 35 + [0.5] * 10 + [0.1] * 4 + [0.9])
        if r < 0.4 or len(keys) < 5:
            op = {"op": "put", "key": newkey(), "ip": ip(nxt)}
            nxt += 1
            req = ("PUT", "/v1/peers/" + url(op["key"]),
                   {"allowed_ips": [op["ip"]]})
        elif r < 0.6:
            op = {"op": "patch", "key": rnd.choice(keys), "ip": ip(nxt)}
            nxt += 1
            req = ("PATCH", "/v1/peers/" + url(op["key"]),
                   {"allowed_ips": [op["ip"]]})
        elif r < 0.8:
            op = {"op": "delete", "key": rnd.choice(keys)}
            req = ("DELETE", "/v1/peers/" + url(op["key"]), None)
        else:
            op = {"op": "bulk", "peers": []}
            for _ in range(20):
                op["peers"].append([newkey(), ip(nxt)])
                nxt += 1
            req = ("POST", "/v1/peers",
                   [{"public_key": k, "allowed_ips": [a]}
                    for k, a in op["peers"]])
        try:
            st, body = call(sock, *req)
        except (OSError, http.client.HTTPException):
            log.write(json.dumps({"unknown": op, "next_ip": nxt}) + "\n")
            log.flush()
            return 0
        if st // 100 != 2:
            log.write(json.dumps({"status": st,
                                  "body": body.decode(errors="replace"),
                                  "error": op, "next_ip": nxt}) + "\n")
            log.flush()
            continue
        peers = apply(peers, op)
        log.write(json.dumps({"ack": op, "next_ip": nxt}) + "\n")
        log.flush()


def live(sock):
    out = {}
    after = None
    while True:
        path = "/v1/peers?limit=1000" + ("&after=" + after if after else "")
        st, body = call(sock, "GET", path)
        if st != 200:
            raise RuntimeError("GET %s: %d" % (path, st))
        j = json.loads(body)
        for p in j["peers"]:
            out[p["public_key"]] = sorted(p["allowed_ips"])
        after = j["next"]
        if after is None:
            return out


def verify(model_path, sock, log_path):
    m = json.load(open(model_path))
    peers = m["peers"]
    nxt = m["next_ip"]
    acks = 0
    unknown = None
    errors = []
    for line in open(log_path):
        e = json.loads(line)
        nxt = max(nxt, e.get("next_ip", nxt))
        if "ack" in e:
            peers = apply(peers, e["ack"])
            acks += 1
        elif "unknown" in e:
            unknown = e["unknown"]
        else:
            errors.append(e)
    got = live(sock)
    want = {k: sorted(v) for k, v in peers.items()}
    verdict = None
    if got == want:
        verdict = "in-flight change absent" if unknown else "no change in flight"
    elif unknown is not None:
        after = {k: sorted(v) for k, v in apply(peers, unknown).items()}
        if got == after:
            verdict = "in-flight change applied completely"
            want = after
    if verdict is not None:
        # the next round starts from what is live
        json.dump({"peers": want, "next_ip": nxt}, open(model_path, "w"))
    if verdict is not None and not errors:
        print("ok: %d acknowledged changes present, %d peers, %s"
              % (acks, len(got), verdict))
        return 0
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    wrong = [k for k in want if k in got and got[k] != want[k]]
    print("MISMATCH: %d acked, %d live, %d expected; missing %d, extra %d, "
          "wrong allowed IPs %d; unknown op %s; errors %s"
          % (acks, len(got), len(want), len(missing), len(extra), len(wrong),
             json.dumps(unknown)[:200], json.dumps(errors)[:300]))
    return 1


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "write":
        return write(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    if len(sys.argv) >= 5 and sys.argv[1] == "verify":
        return verify(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) >= 3 and sys.argv[1] == "init":
        json.dump({"peers": {}, "next_ip": 0}, open(sys.argv[2], "w"))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
