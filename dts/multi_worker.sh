#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Two workers, three wireguard-go clients on distinct 5-tuples:
#
#   ns wgcmw-m: wgc, lcores 0@0,1@1,2@1 (main + two workers on CPU 1),
#               af_packet qpairs=2 on wgcmw-mv (192.168.81.1), TUN
#               wgcmw-t 10.81.0.1/24
#   ns wgcmw-s: bridge wgcmw-br
#   ns wgcmw-1..3: wireguard-go, outer 192.168.81.(1+i), inner 10.81.0.(1+i)
#
# The kernel's af_packet fanout hashes each client's 5-tuple to one of the
# two queues, with a seed of its own. A client whose flow shares a queue
# with all the others moves to a new source port (a new 5-tuple) until the
# three clients cover both queues (at most 8 moves); then every worker
# must have decrypted that traffic (`decap_ok` per worker in /v1/stats),
# every client keeps pinging both ways, and the handshake stage answers
# through both workers' queues.

DTS_NAME=multi_worker
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NM=wgcmw-m
NS=wgcmw-s
PORT=51820
N=3

dts_init
dts_need wireguard-go wg curl ping
dts_keys m c1 c2 c3
dts_netns $NM
dts_netns $NS
dts_veth $NM wgcmw-mv $NS wgcmw-ms
dts_ipv6_off $NM
bports=wgcmw-ms
set --
i=1
while [ $i -le $N ]; do
	dts_netns wgcmw-$i
	dts_veth wgcmw-$i wgcmw-${i}v $NS wgcmw-s$i
	dts_addr wgcmw-$i wgcmw-${i}v 192.168.81.$((i + 1))/24
	bports="$bports wgcmw-s$i"
	eval "pk=\$c${i}pk"
	set -- "$@" "peer=$pk ips=10.81.0.$((i + 1))/32"
	i=$((i + 1))
done
# shellcheck disable=SC2086
dts_bridge $NS wgcmw-br $bports
dts_conf "$DTS_TMP/wgc.json" name=wgcmw-m key="$msk" port=$PORT \
	prefix=wgcmw "lcores=--lcores 0@0,1@1,2@1" \
	vdev=net_af_packet0,iface=wgcmw-mv,qpairs=2 ipv4=192.168.81.1/24 \
	iname=wgcmw-t addr=10.81.0.1/24 workers=1,2 \
	sock="$DTS_TMP/rest.sock" "$@"

log=$DTS_TMP/wgc.log
dts_check "wgc starts with two workers and three peers" \
	dts_wgc_launch $NM "$DTS_TMP/wgc.json" "$log"

# client I: wireguard-go in ns wgcmw-I listening on source port 51900+I
client() {
	dts_wggo wgcmw-$1 wgcmw-g$1 "$DTS_TMP/c$1.key" $((51900 + $1)) \
		10.81.0.$(($1 + 1))/24 "$DTS_TMP/g$1.log" \
		peer "$mpk" endpoint 192.168.81.1:$PORT allowed-ips 10.81.0.0/24
}

pingn() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null; }

i=1
while [ $i -le $N ]; do
	dts_check "client $i configured" client $i
	dts_check "client $i pings wgc" dts_retry 10 pingn wgcmw-$i 10.81.0.1
	i=$((i + 1))
done

# decap_ok of worker W (0 or 1) from /v1/stats
decap() {
	curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/v1/stats |
		/usr/bin/python3 -c '
import json, sys
w = int(sys.argv[1])
for x in json.load(sys.stdin)["workers"]:
    if x.get("worker") == w:
        print(x.get("decap_ok", 0))
        break
else:
    print(0)
' "$1"
}

# 20 pings from every client at once; how much each worker decrypted
burst() {
	b0=$(decap 0)
	b1=$(decap 1)
	pids=""
	i=1
	while [ $i -le $N ]; do
		ip netns exec wgcmw-$i ping -c 20 -i 0.05 -W 1 10.81.0.1 \
			>"$DTS_TMP/burst$i" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	rc=0
	for p in $pids; do
		wait "$p" || rc=1
	done
	d0=$(($(decap 0) - b0))
	d1=$(($(decap 1) - b1))
	echo "decap_ok delta: worker 0 $d0, worker 1 $d1"
	return $rc
}

# move clients to new source ports until both workers decrypt
moves=0
spread() {
	while :; do
		burst || return 1
		[ "$d0" -gt 0 ] && [ "$d1" -gt 0 ] && return 0
		[ $moves -ge 8 ] && return 1
		moves=$((moves + 1))
		c=$((moves % N + 1))
		echo "one queue took every flow; client $c moves to port" \
			"$((52000 + moves))"
		ip netns exec wgcmw-$c wg set wgcmw-g$c \
			listen-port $((52000 + moves))
		dts_retry 5 pingn wgcmw-$c 10.81.0.1
	done
}
dts_check "three clients, no ping lost, and both workers decrypt" spread
echo "    source port moves needed: $moves"

# after the spread, the same at once, checked again by a second burst
both() {
	burst && [ "$d0" -gt 0 ] && [ "$d1" -gt 0 ]
}
dts_check "a second burst: every client served, both workers decrypt" both
i=1
while [ $i -le $N ]; do
	dts_check "wgc reaches client $i" dts_retry 3 pingn $NM \
		10.81.0.$((i + 1))
	i=$((i + 1))
done
dts_wgc_stop $WGC_PID "$log"
dts_done
