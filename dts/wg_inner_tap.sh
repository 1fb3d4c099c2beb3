#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc with the `ethdev` inner edge (a DPDK net_tap port: routed
# deployment) against wireguard-go:
#
#   ns wgcdev-x: wgc, outer af_packet on wgcdev-xv 192.168.81.1,
#                inner net_tap -> kernel tap wgcdev-xt 10.81.0.1, fd81::1
#   ns wgcdev-y: wireguard-go 10.81.0.2, fd81::2, outer 192.168.81.2
#
# The kernel behind the tap is the protected network: it reaches the
# client's addresses through wgc's inner port (static neighbour entries
# pointing at the port's MAC). Checks: ping both ways (IPv4, IPv6), TCP,
# frames that are not IP counted (drivers/l2: inner_not_ip),
# clean stop with full pools.

DTS_NAME=wg_inner_tap
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NX=wgcdev-x
NY=wgcdev-y
MAC=02:00:00:00:81:01
dts_init
dts_keys x y
dts_pair $NX wgcdev-xv $NY wgcdev-yv 192.168.81.2/24

dts_conf "$DTS_TMP/wgc.json" name=wgcdev-x key="$xsk" prefix=wgc-dev-itap \
	vdev=net_af_packet0,iface=wgcdev-xv vdev=net_tap0,iface=wgcdev-xt,mac=$MAC \
	ipv4=192.168.81.1/24 inner=ethdev iname=net_tap0 \
	sock="$DTS_TMP/rest.sock" uapi= "peer=$ypk ips=10.81.0.2/32,fd81::2/128"

log=$DTS_TMP/wgc.log
start() {
	dts_wgc_launch $NX "$DTS_TMP/wgc.json" "$log" || return 1
	# the protected network behind the tap
	dts_lan $NX wgcdev-xt 1420 $MAC 10.81.0.1/24,fd81::1/64 10.81.0.2,fd81::2
}
client() {
	dts_wggo $NY wgcdev-gy "$DTS_TMP/y.key" 0 10.81.0.2/24,fd81::2/64 \
		"$DTS_TMP/go.log" peer "$xpk" endpoint 192.168.81.1:51820 \
		allowed-ips 10.81.0.0/24,fd81::/64
}
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }

dts_check "wgc starts with a net_tap inner port" start
dts_check "wireguard-go configured" client
dts_check "client -> protected network (IPv4)" dts_retry 10 pingx $NY 10.81.0.1
dts_check "protected network -> client (IPv4)" dts_retry 5 pingx $NX 10.81.0.2
dts_check "client -> protected network (IPv6)" dts_retry 5 pingx $NY fd81::1
dts_check "20 pings of 1392 B" ip netns exec $NY ping -c 20 -i 0.05 -s 1392 \
	-W 1 10.81.0.1
tcp() {
	ip netns exec $NX timeout 20 iperf3 -s -1 -B 10.81.0.1 -p 5203 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	ip netns exec $NY timeout 15 iperf3 -c 10.81.0.1 -p 5203 -t 2 \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep receiver "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3: /'
	[ $rc -eq 0 ]
}
dts_check "TCP client -> protected network (iperf3)" tcp

# frames that are not IP from the protected network (ARP, VLAN-tagged IP,
# an unknown EtherType), 2 of each: drivers/l2 releases and counts them,
# reported as inner_not_ip in /v1/stats (total and worker 0), /metrics
# and the SIGUSR1 drop line
notip_stat() {
	dts_rest "$DTS_TMP/rest.sock" /v1/stats | jq "$1 // -1"
}
notip() {
	t0=$(notip_stat .drops.inner_not_ip)
	ip netns exec $NX "$PY" -c "
from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, sendp
e = Ether(dst='$MAC')
sendp([e / ARP(pdst='10.81.0.2'),
       e / Dot1Q(vlan=5) / IP(src='10.81.0.1', dst='10.81.0.2') / ICMP(),
       Ether(dst='$MAC', type=0x88b5) / (b'x' * 46)],
      iface='wgcdev-xt', count=2, verbose=False)" || return 1
	i=0
	while [ $i -lt 30 ]; do
		t1=$(notip_stat .drops.inner_not_ip)
		[ $((t1 - t0)) -ge 6 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	w0=$(notip_stat '.workers[] | select(.worker == 0) | .drops.inner_not_ip')
	echo "info: inner_not_ip $t0 -> $t1, worker 0: $w0"
	[ $((t1 - t0)) -ge 6 ] && [ "$w0" -ge 6 ] &&
	dts_rest "$DTS_TMP/rest.sock" /metrics | grep -Eq \
		'^wgc_worker_drops_total\{worker="0",reason="inner_not_ip"\} [1-9]' &&
	dts_rest "$DTS_TMP/rest.sock" /metrics | grep -Eq \
		'^wgc_drops_total\{reason="inner_not_ip"\} [1-9]' &&
	kill -USR1 $WGC_PID &&
	dts_wait_line "$log" "^wgc: drop: pipeline.inner_not_ip [1-9]" $WGC_PID
}
dts_check "frames that are not IP counted as inner_not_ip" notip
cat "$DTS_TMP/check.out"
dts_wgc_stop $WGC_PID "$log"
dts_done
