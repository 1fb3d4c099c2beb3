#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure the rate at which an interface's rx_packets counter grows
(e.g. decrypted packets a WireGuard implementation writes to its TUN).

    rxrate.py IFACE [--idle S] [--max S] [--ready FILE]

Polls /sys/class/net/IFACE/statistics/rx_packets every 2 ms; the window
runs from the first increase to the last one; it ends after S idle
seconds once packets flowed, or at --max. Prints:
rxrate: packets=N seconds=T pps=R
"""

import argparse
import sys
import time


def read(path):
    with open(path) as f:
        return int(f.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--idle", type=float, default=1.0)
    ap.add_argument("--max", type=float, default=60.0)
    ap.add_argument("--ready")
    a = ap.parse_args()
    path = "/sys/class/net/%s/statistics/rx_packets" % a.iface
    base = prev = read(path)
    start = time.monotonic()
    if a.ready:
        open(a.ready, "w").close()
    t_first = t_last = None
    first_val = None
    while True:
        time.sleep(0.002)
        now = time.monotonic()
        v = read(path)
        if v != prev:
            if t_first is None:
                # the first increase: count from the previous sample
                t_first = now
                first_val = prev
            t_last = now
            prev = v
        if t_last is not None and now - t_last > a.idle:
            break
        if now - start > a.max:
            break
    if t_first is None:
        print("rxrate: packets=0 seconds=0 pps=0", flush=True)
        return 1
    n = prev - first_val
    dt = max(t_last - t_first, 0.002)
    print("rxrate: packets=%d seconds=%.4f pps=%.0f total=%d"
          % (n, dt, n / dt, prev - base), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
