#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc <-> wgc over IPv6 outer transport, TUN inner on both sides:
#
#   ns wgcdev-a: wgc A, af_packet on wgcdev-av, fd80::1 / 192.168.80.1,
#                TUN wgcdev-ta 10.80.1.1/24
#   ns wgcdev-b: wgc B, af_packet on wgcdev-bv, fd80::2 / 192.168.80.2,
#                TUN wgcdev-tb 10.80.2.1/24
#
# A knows B's endpoint [fd80::2]:51820 (IPv6 neighbour discovery between
# the two wgc host stacks), B learns A's from the handshake. Checks: ping
# both ways, TCP with iperf3, IPv6 outer seen on the wire, clean stops.

DTS_NAME=wgc_pair
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NA=wgcdev-a
NB=wgcdev-b
dts_init
dts_keys a b
dts_netns $NA
dts_netns $NB
dts_veth $NA wgcdev-av $NB wgcdev-bv
dts_ipv6_off $NA wgcdev-av
dts_ipv6_off $NB wgcdev-bv

# conf NAME MAINLCORE WORKER IF OUTER4 OUTER6 TUN TUNADDR PEER...
conf() {
	dts_conf "$DTS_TMP/${1#wgcdev-}.json" name=$1 prefix=wgc-dev-$1 \
		"lcores=-l 0-1 --main-lcore $2" workers=$3 \
		vdev=net_af_packet0,iface=$4 ipv4=$5 ipv6=$6 iname=$7 addr=$8 \
		sock="$DTS_TMP/$1.sock" uapi= "$9" "${10}"
}
conf wgcdev-a 0 1 wgcdev-av 192.168.80.1/24 fd80::1/64 wgcdev-ta \
	10.80.1.1/24 key="$ask" "peer=$bpk ep=[fd80::2]:51820 ips=10.80.2.0/24"
conf wgcdev-b 1 0 wgcdev-bv 192.168.80.2/24 fd80::2/64 wgcdev-tb \
	10.80.2.1/24 key="$bsk" "peer=$apk ips=10.80.1.0/24"

# start NS NAME TUN ROUTE
start() {
	log=$DTS_TMP/$2.log
	dts_wgc_launch "$1" "$DTS_TMP/$2.json" "$log"
	rc=$?
	eval "PID_$2=$WGC_PID"
	[ $rc -eq 0 ] && ip -n "$1" route add "$4" dev "$3"
}

dts_check "wgc A starts" start $NA a wgcdev-ta 10.80.2.0/24
dts_check "wgc B starts" start $NB b wgcdev-tb 10.80.1.0/24
dts_capture $NB wgcdev-bv "$DTS_TMP/cap.pcapng" "udp port 51820"
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
dts_check "A -> B ping (A initiates over IPv6 outer)" \
	dts_retry 10 pingx $NA 10.80.2.1
dts_check "B -> A ping" dts_retry 5 pingx $NB 10.80.1.1
dts_check "A -> B 50 pings" ip netns exec $NA ping -c 50 -i 0.02 -W 1 \
	10.80.2.1
tcp() {
	ip netns exec $NB timeout 20 iperf3 -s -1 -B 10.80.2.1 -p 5202 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	ip netns exec $NA timeout 15 iperf3 -c 10.80.2.1 -p 5202 -t 2 \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep -E "receiver" "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3 A->B: /'
	[ $rc -eq 0 ]
}
dts_check "TCP A -> B (iperf3)" tcp
cat "$DTS_TMP/check.out"
dts_capture_stop
dts_check "every datagram over IPv6 decodes as WireGuard (tshark)" \
	dts_tshark_all_wg "$DTS_TMP/cap.pcapng" 51820 ipv6
cat "$DTS_TMP/check.out"
dts_wgc_stop $PID_a "$DTS_TMP/a.log"
dts_wgc_stop $PID_b "$DTS_TMP/b.log"
dts_done
