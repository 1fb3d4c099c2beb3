#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The tunnel MTU on the ethdev inner edge (a DPDK net_tap port, routed),
# against wireguard-go:
#
#   ns wi-x: wgc, outer af_packet on wi-xv 192.168.83.1, inner net_tap ->
#            kernel tap wi-xt (MTU 1500) 10.83.0.1, fd83::1;
#            inner.mtu 1420, inner.addresses 10.83.0.254/24 (IPv4 ICMP
#            errors come from it; IPv6 ones from the packet's destination),
#            inner.mss_clamp auto
#   ns wi-y: wireguard-go 10.83.0.2, fd83::2, outer 192.168.83.2
#
# Checks: a 1500-byte DF ping from the protected network gets "frag
# needed, mtu 1420" from 10.83.0.254 and the kernel's path MTU discovery
# then sends 1420-byte pings through; the same for IPv6 ("packet too
# big"); a 1500-byte ping without DF is a counted drop; TCP from the
# protected network with its SYN's MSS clamped; counters in /v1/stats and
# /metrics; clean stop with full pools.

DTS_NAME=wg_inner_pmtu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NX=wi-x
NY=wi-y
MAC=02:00:00:00:83:01
dts_init
dts_keys x y
dts_pair $NX wi-xv $NY wi-yv 192.168.83.2/24

REST=$DTS_TMP/rest.sock
dts_conf "$DTS_TMP/wgc.json" name=wi-x key="$xsk" port=51830 prefix=wi-pmtu \
	vdev=net_af_packet0,iface=wi-xv vdev=net_tap0,iface=wi-xt,mac=$MAC \
	ipv4=192.168.83.1/24 inner=ethdev iname=net_tap0 addr=10.83.0.254/24 \
	sock="$REST" uapi= "peer=$ypk ips=10.83.0.2/32,fd83::2/128" \
	'json=.inner.mss_clamp = "auto"'

log=$DTS_TMP/wgc.log
start() {
	dts_wgc_launch $NX "$DTS_TMP/wgc.json" "$log" || return 1
	# the protected network behind the tap: a 1500-byte link
	dts_lan $NX wi-xt 1500 $MAC 10.83.0.1/24,fd83::1/64 10.83.0.2,fd83::2 &&
	ip -n $NX link show wi-xt | grep -q "mtu 1500"
}
client() {
	dts_wggo $NY wi-gy "$DTS_TMP/y.key" 0 10.83.0.2/24,fd83::2/64 \
		"$DTS_TMP/go.log" peer "$xpk" endpoint 192.168.83.1:51830 \
		allowed-ips 10.83.0.0/24,fd83::/64
}
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
stat() {
	curl -s --unix-socket "$REST" http://wgc/v1/stats | jq -r "$1"
}

# a DF ping too big for the tunnel: wgc's error, then the kernel knows
frag_needed4() {
	ip netns exec $NX ping -c 1 -W 2 -M do -s 1472 10.83.0.2
	ip -n $NX route get 10.83.0.2
	ip -n $NX route get 10.83.0.2 | grep -q "mtu 1420"
}
frag_needed4_from() {
	ip netns exec $NX ping -c 1 -W 2 -M do -s 1472 10.83.0.2 |
		tee /dev/stderr |
		grep -Eq "From 10.83.0.254 .*Frag needed.*mtu = 1420"
}
ptb6() {
	ip netns exec $NX ping -6 -c 1 -W 2 -M do -s 1452 fd83::2 |
		tee /dev/stderr |
		grep -Eq "From fd83::2 .*Packet too big: mtu=1420" || return 1
	ip -n $NX -6 route get fd83::2
	ip -n $NX -6 route get fd83::2 | grep -q "mtu 1420"
}
tcp() {
	ip netns exec $NY timeout 20 iperf3 -s -1 -B 10.83.0.2 -p 5283 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	ip netns exec $NX timeout 15 iperf3 -c 10.83.0.2 -p 5283 -t 2 \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep -E "sender|receiver" "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3: /'
	[ $rc -eq 0 ]
}

dts_check "wgc starts; the inner port takes 1500-byte frames" start
dts_check "wireguard-go configured" client
dts_check "client -> protected network (IPv4)" dts_retry 10 pingx $NY 10.83.0.1
dts_check "protected network -> client (IPv4)" dts_retry 5 pingx $NX 10.83.0.2
dts_check "protected network -> client (IPv6)" dts_retry 5 pingx $NX fd83::2
# before the kernel learns the path MTU (it then fragments or lowers the
# MSS itself): the SYN leaves with MSS 1460, a ping without DF unfragmented
dts_check "TCP protected network -> client (iperf3), SYN MSS clamped" tcp
dts_check "1500-byte ping without DF: dropped" sh -c \
	"! ip netns exec $NX ping -c 1 -W 1 -M dont -s 1472 10.83.0.2"
dts_check "1500-byte DF ping: frag needed (mtu 1420) from 10.83.0.254" \
	frag_needed4_from
dts_check "the kernel learnt path MTU 1420 for the client" frag_needed4
dts_check "then 1420-byte DF pings go through (ping -M do -s 1392)" \
	ip netns exec $NX ping -c 5 -i 0.1 -W 1 -M do -s 1392 10.83.0.2
dts_check "IPv6: packet too big (mtu 1420), path MTU learnt" ptb6
dts_check "then 1420-byte IPv6 pings go through (-s 1372)" \
	ip netns exec $NX ping -6 -c 5 -i 0.1 -W 1 -M do -s 1372 fd83::2
dts_check "/v1/stats: too_big, too_big_no_df, icmp_tx, mss_clamped" sh -c "
	curl -s --unix-socket $REST http://wgc/v1/stats | jq -c \
		'{i: .interface | {icmp_tx, icmp_rate_limited, mss_clamped},
		d: .drops | {too_big, too_big_no_df}}'
	curl -s --unix-socket $REST http://wgc/v1/stats | jq -e '
		.interface.icmp_tx >= 2 and .drops.too_big >= 2 and
		.drops.too_big_no_df >= 1 and .interface.mss_clamped >= 1'"
dts_check "/metrics: the same counters" sh -c "
	curl -s --unix-socket $REST http://wgc/metrics |
		grep -E '^wgc_(icmp_tx|mss_clamped)_total|too_big' &&
	curl -s --unix-socket $REST http://wgc/metrics |
		grep -Eq '^wgc_icmp_tx_total [1-9]'"
cat "$DTS_TMP/check.out"
dts_wgc_stop $WGC_PID "$log"
dts_done
