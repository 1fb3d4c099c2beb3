#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark (prints figures, never fails on them): the real daemon
# (build/app/wgc on net_null ports, control plane bound to lib/peers,
# persistence on) loaded with N peers through POST /v1/peers in chunks of
# 100 000; RSS before and after; listing them all; kill -9 and restart from
# the state directory; then, from an empty state, the same N peers through
# `wg setconf` on the UAPI socket. No namespace, no traffic.
#   flock /tmp/wgc-heavy.lock dts/ctl_bench_daemon.sh [BUILDDIR] [N]
set -u

builddir=${1:-build}
n=${2:-1000000}
wgc="$builddir/app/wgc"
dir=$(mktemp -d /tmp/wgcctl-benchd-XXXXXX)
rest="$dir/rest.sock"
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f /var/run/wireguard/wgcctl-bd.sock
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dts_conf "$dir/wgc.json" name=wgcctl-bd prefix=wgc-ctl-benchd mem=6144 \
	key=GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM= vdev=net_null0 \
	ipv4=192.0.2.1/24 inner=ethdev iname=none sock="$rest" \
	state="$dir/state" uapi=/var/run/wireguard \
	"json=.interface.max_peers = $n | .control.max_body = 67108864"

/usr/bin/python3 - "$dir" "$n" <<'EOF'
import base64, hashlib, json, sys
d, n = sys.argv[1], int(sys.argv[2])
for b in range(0, n, 100000):
    with open("%s/chunk%07d.json" % (d, b), "w") as f:
        json.dump([{"public_key": base64.b64encode(hashlib.sha256(
                        i.to_bytes(4, "big")).digest()).decode(),
                    "allowed_ips": ["10.%d.%d.%d/32" % ((i >> 16) & 255,
                                    (i >> 8) & 255, i & 255)]}
                   for i in range(b, min(n, b + 100000))], f)
with open("%s/peers.conf" % d, "w") as f:
    f.write("[Interface]\nPrivateKey = GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\nListenPort = 51820\n")
    for i in range(n):
        f.write("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.%d/32\n" % (
            base64.b64encode(hashlib.sha256(i.to_bytes(4, "big")).digest()).decode(),
            (i >> 16) & 255, (i >> 8) & 255, i & 255))
EOF

now() { date +%s.%N; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# RSS in KiB of DPDK's memory (the mappings of 1 GiB and more: EAL's
# --no-huge arena) and of the rest (malloc heaps, libraries, stacks)
rss_split() {
	/usr/bin/python3 - "$1" <<'PY'
import re, sys
d = o = 0
big = False
for line in open("/proc/%s/smaps" % sys.argv[1]):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
    if m:
        big = int(m.group(2), 16) - int(m.group(1), 16) >= 1 << 30
    elif line.startswith("Rss:"):
        if big:
            d += int(line.split()[1])
        else:
            o += int(line.split()[1])
print("DPDK %d KiB, other %d KiB" % (d, o))
PY
}
start() {
	"$wgc" --config "$dir/wgc.json" >>"$dir/wgc.log" 2>&1 &
	pid=$!
	i=0
	# (the daemon's stdout is a file: block-buffered, so poll the API)
	while ! curl -sf --unix-socket "$rest" http://wgc/v1/health >/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$dir/wgc.log"; exit 1; }
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "no REST after 120 s"; exit 1; }
		sleep 0.1
	done
}

t0=$(now); start; t1=$(now)
r0=$(rss "$pid")
s0=$(rss_split "$pid")
echo "ctl_bench_daemon: start (empty): $(echo "$t1 - $t0" | bc) s, RSS $r0 KiB"
t0=$(now)
for f in "$dir"/chunk*.json; do
	s=$(curl -s -o "$dir/out" -w '%{http_code}' --unix-socket "$rest" \
		-H 'Content-Type: application/json' --data-binary "@$f" \
		http://wgc/v1/peers)
	[ "$s" = 200 ] || { echo "POST $f: $s $(cat "$dir/out")"; break; }
done
t1=$(now)
r1=$(rss "$pid")
echo "ctl_bench_daemon: RSS split after the load: $(rss_split "$pid") (before: $s0)"
echo "ctl_bench_daemon: $n peers via POST /v1/peers (chunks of 100000, journal fsync): $(echo "$t1 - $t0" | bc) s; RSS $r0 -> $r1 KiB ($(( (r1 - r0) * 1024 / n )) B/peer: lib/peers slots + LPM + control shadow)"
t0=$(now)
url="http://wgc/v1/peers?limit=10000"
c=0
while :; do
	curl -s --unix-socket "$rest" "$url" >"$dir/page"
	# (no JSON parser: one per page costs more than wgc; a peer is two
	# objects, the page one more; "next" ends the page)
	k="$(( ($(tr -cd '{' <"$dir/page" | wc -c) - 1) / 2 )) $(tail -c 80 "$dir/page" | grep -o '"next":"[^"]*"' | cut -d'"' -f4)"
	c=$((c + ${k%% *}))
	next=${k#* }
	[ "$next" = "${k%% *}" ] && break
	[ -z "$next" ] && break
	url="http://wgc/v1/peers?limit=10000&after=$next"
done
t1=$(now)
echo "ctl_bench_daemon: listed $c peers in pages of 10000: $(echo "$t1 - $t0" | bc) s"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
t0=$(now); start; t1=$(now)
c=$(curl -s --unix-socket "$rest" http://wgc/v1/interface |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])')
echo "ctl_bench_daemon: kill -9 + restart with $c peers from the state directory: $(echo "$t1 - $t0" | bc) s, RSS $(rss "$pid") KiB"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
rm -rf "$dir/state"
start
r0=$(rss "$pid")
t0=$(now); wg setconf wgcctl-bd "$dir/peers.conf"; rc=$?; t1=$(now)
r1=$(rss "$pid")
echo "ctl_bench_daemon: $n peers via wg setconf (UAPI, empty state): $(echo "$t1 - $t0" | bc) s (rc $rc); RSS $r0 -> $r1 KiB ($(( (r1 - r0) * 1024 / n )) B/peer)"
t0=$(now); c=$(wg show wgcctl-bd peers | wc -l); t1=$(now)
echo "ctl_bench_daemon: wg show peers ($c): $(echo "$t1 - $t0" | bc) s"
echo "ctl_bench_daemon: command: flock /tmp/wgc-heavy.lock dts/ctl_bench_daemon.sh $builddir $n"
