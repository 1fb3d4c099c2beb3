#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark (prints figures, never fails on them): `wg setconf` of N peers
# against wgc's control plane (build/app/wgc-ctl-server, in-memory backend,
# persistence on) and against Debian's wireguard-go (its limit is 65 536
# peers), in the same run; then 1 000 000 peers into wgc alone. RSS after
# each load. wireguard-go runs in its own network namespace (wgcctl-bench).
#   flock /tmp/wgc-heavy.lock dts/ctl_bench_setconf.sh [BUILDDIR] [N]
set -u

builddir=${1:-build}
n=${2:-65536}
server="$builddir/app/wgc-ctl-server"
dir=$(mktemp -d /tmp/wgcctl-bench-XXXXXX)
ns=wgcctl-bench
spid=""
gpid=""

cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -f /var/run/wireguard/wgcctl-bw.sock /var/run/wireguard/wgcctl-bg.sock
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# N peers as a wg config file, one /32 each (keys: a fast deterministic
# generator; wg only checks they are 32 bytes of base64)
gen() { # gen N FILE
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import base64, hashlib, sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("[Interface]\nPrivateKey = GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=\n")
    for i in range(n):
        k = base64.b64encode(hashlib.sha256(i.to_bytes(4, "big")).digest()).decode()
        f.write("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.%d/32\n"
                % (k, (i >> 16) & 255, (i >> 8) & 255, i & 255))
EOF
}

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }

gen "$n" "$dir/n.conf"
gen 1000000 "$dir/1m.conf"
echo "ctl_bench_setconf: configs: $n peers ($(du -h "$dir/n.conf" | cut -f1)), 1000000 peers ($(du -h "$dir/1m.conf" | cut -f1))"

# wgc control plane
"$server" --name wgcctl-bw --socket "$dir/rest.sock" --state-dir "$dir/state" \
	>"$dir/server.log" 2>&1 &
spid=$!
sleep 0.5
r0=$(rss "$spid")
t0=$(now); wg setconf wgcctl-bw "$dir/n.conf"; rc=$?; t1=$(now)
r1=$(rss "$spid")
echo "ctl_bench_setconf: wgc:          wg setconf $n peers: $(echo "$t1 - $t0" | bc) s (rc $rc), RSS $r0 -> $r1 KiB ($(( (r1 - r0) * 1024 / n )) B/peer)"
t0=$(now); c=$(wg show wgcctl-bw peers | wc -l); t1=$(now)
echo "ctl_bench_setconf: wgc:          wg show peers ($c): $(echo "$t1 - $t0" | bc) s"

# wireguard-go in its own namespace (TUN), same file
ip netns add "$ns"
ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go wgcctl-bg \
	>"$dir/wggo.log" 2>&1 &
gpid=$!
i=0
while [ $i -lt 50 ] && [ ! -S /var/run/wireguard/wgcctl-bg.sock ]; do
	sleep 0.1; i=$((i + 1))
done
gp=$gpid  # ip netns exec execs wireguard-go: same pid
g0=$(rss "$gp")
t0=$(now); wg setconf wgcctl-bg "$dir/n.conf"; rc=$?; t1=$(now)
g1=$(rss "$gp")
echo "ctl_bench_setconf: wireguard-go: wg setconf $n peers: $(echo "$t1 - $t0" | bc) s (rc $rc), RSS $g0 -> $g1 KiB ($(( (g1 - g0) * 1024 / n )) B/peer)"
t0=$(now); c=$(wg show wgcctl-bg peers | wc -l); t1=$(now)
echo "ctl_bench_setconf: wireguard-go: wg show peers ($c): $(echo "$t1 - $t0" | bc) s"
kill "$gpid" 2>/dev/null; gpid=""

# 1 000 000 into wgc (replaces the set: replace_peers keeps nothing here)
t0=$(now); wg setconf wgcctl-bw "$dir/1m.conf"; rc=$?; t1=$(now)
r2=$(rss "$spid")
echo "ctl_bench_setconf: wgc:          wg setconf 1000000 peers: $(echo "$t1 - $t0" | bc) s (rc $rc), RSS $r0 -> $r2 KiB ($(( (r2 - r0) * 1024 / 1000000 )) B/peer incl. allocator slack)"
t0=$(now); c=$(wg show wgcctl-bw peers | wc -l); t1=$(now)
echo "ctl_bench_setconf: wgc:          wg show peers ($c): $(echo "$t1 - $t0" | bc) s"
t0=$(now)
kill -9 "$spid"; wait "$spid" 2>/dev/null
rm -f /var/run/wireguard/wgcctl-bw.sock
"$server" --name wgcctl-bw --socket "$dir/rest.sock" --state-dir "$dir/state" \
	>>"$dir/server.log" 2>&1 &
spid=$!
while ! wg show wgcctl-bw listen-port >/dev/null 2>&1; do sleep 0.1; done
t1=$(now)
echo "ctl_bench_setconf: wgc:          kill -9 + restart with 1000000 peers from the state directory: $(echo "$t1 - $t0" | bc) s"
echo "ctl_bench_setconf: command: flock /tmp/wgc-heavy.lock dts/ctl_bench_setconf.sh $builddir $n"
