#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Two outer ports, two workers, three wireguard-go clients:
#
#   ns prt-m:  wgc, lcores 0@0,1@1,2@1 (main + two workers on CPU 1),
#              outer[0] af_packet qpairs=2 on prt-m0 (192.168.91.1/24),
#              outer[1] af_packet qpairs=2 on prt-m1 (192.168.92.1/24),
#              TUN prt-t 10.91.0.1/24
#   ns prt-sa: bridge prt-bra (segment A: prt-m0, client 1, client 3)
#   ns prt-sb: bridge prt-brb (segment B: prt-m1, client 2, client 3)
#   ns prt-1:  wireguard-go, 192.168.91.2 on A only, inner 10.91.0.2
#   ns prt-2:  wireguard-go, 192.168.92.2 on B only, inner 10.91.0.3
#   ns prt-3:  wireguard-go on both segments (192.168.91.3, 192.168.92.3),
#              inner 10.91.0.4; it starts on A and moves to B
#
# Checks: ping and TCP both ways through each port; each port's counters
# (/v1/stats ports.<port>.net_*) show its own clients' traffic and not
# the other's; ARP answered per port; client 3 switches its endpoint to
# wgc's address on segment B (its packets now leave by its B link) and is
# served there, wgc's replies and its own pings leaving by port 1 (per
# port counters and a capture on segment B); the per-port families in
# /metrics; a reload that changes outer[] is refused, naming a restart;
# clean stop with full pools.

DTS_NAME=outer_ports
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NM=prt-m
SA=prt-sa
SB=prt-sb
PORT=51820

dts_init
dts_need wireguard-go wg curl ping iperf3 jq tshark
dts_keys m c1 c2 c3
for n in $NM $SA $SB prt-1 prt-2 prt-3; do
	dts_netns $n
done
dts_veth $NM prt-m0 $SA prt-sam
dts_veth $NM prt-m1 $SB prt-sbm
dts_ipv6_off $NM
dts_veth prt-1 prt-1a $SA prt-sa1
dts_veth prt-2 prt-2b $SB prt-sb2
dts_veth prt-3 prt-3a $SA prt-sa3
dts_veth prt-3 prt-3b $SB prt-sb3
dts_bridge $SA prt-bra prt-sam prt-sa1 prt-sa3
dts_bridge $SB prt-brb prt-sbm prt-sb2 prt-sb3
dts_addr prt-1 prt-1a 192.168.91.2/24
dts_addr prt-2 prt-2b 192.168.92.2/24
dts_addr prt-3 prt-3a 192.168.91.3/24
dts_addr prt-3 prt-3b 192.168.92.3/24

dts_conf "$DTS_TMP/wgc.json" name=prt-m key="$msk" port=$PORT \
	prefix=prt-op "lcores=--lcores 0@0,1@1,2@1" \
	vdev=net_af_packet0,iface=prt-m0,qpairs=2 \
	vdev=net_af_packet1,iface=prt-m1,qpairs=2 ipv4=192.168.91.1/24 \
	iname=prt-t addr=10.91.0.1/24 workers=1,2 sock="$DTS_TMP/rest.sock" \
	"peer=$c1pk ips=10.91.0.2/32" "peer=$c2pk ips=10.91.0.3/32" \
	"peer=$c3pk ips=10.91.0.4/32" \
	'json=.outer += [{ "port": "net_af_packet1", "ipv4": "192.168.92.1/24" }]'

log=$DTS_TMP/wgc.log
dts_check "wgc starts with two outer ports, two workers, three peers" \
	dts_wgc_launch $NM "$DTS_TMP/wgc.json" "$log"
named() {
	grep -F 'wgc: outer[' "$log"
	grep -qF 'wgc: outer[0] net_af_packet0: "outer" 192.168.91.1/24' \
		"$log" &&
	grep -qF 'wgc: outer[1] net_af_packet1: "outer1" 192.168.92.1/24, vlan 0, mtu 1500, 2 queue pairs' "$log"
}
dts_check "both ports named at start-up" named

# client I in ns prt-I, reaching wgc at ENDPOINT
client() {
	dts_wggo prt-$1 prt-g$1 "$DTS_TMP/c$1.key" $((51900 + $1)) \
		10.91.0.$(($1 + 1))/24 "$DTS_TMP/g$1.log" \
		peer "$mpk" endpoint "$2:$PORT" allowed-ips 10.91.0.0/24
}

pingn() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null; }
pings() { ip netns exec "$1" ping -c "$3" -i 0.05 -W 1 "$2" >/dev/null; }

# /v1/stats interface.ports.PORT.COUNTER (0 if absent)
pstat() {
	curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/v1/stats |
		jq -r --arg p "$1" --arg c "$2" \
		'.interface.ports[$p][$c] // 0'
}

dts_check "client 1 configured (segment A)" client 1 192.168.91.1
dts_check "client 2 configured (segment B)" client 2 192.168.92.1
dts_check "client 3 configured (segment A first)" client 3 192.168.91.1
i=1
while [ $i -le 3 ]; do
	dts_check "client $i pings wgc" dts_retry 10 pingn prt-$i 10.91.0.1
	dts_check "wgc pings client $i" dts_retry 3 pingn $NM \
		10.91.0.$((i + 1))
	i=$((i + 1))
done

# ARP and echo: each port answers for its own address on its own segment
# (af_packet takes the kernel end's MAC), never for the other port's
mac_of() { ip -n $NM link show "$1" | awk '/link\/ether/ { print $2 }'; }
neigh() {
	m=$(ip -n "$1" neigh show "$2" dev "$3" | awk '{ print $3 }')
	echo "$2 on $3: $m, wgc's $4 is $(mac_of "$4")"
	[ "$m" = "$(mac_of "$4")" ]
}
dts_check "port 0 answers echo on segment A" \
	ip netns exec prt-1 ping -c 2 -W 1 192.168.91.1
dts_check "port 1 answers echo on segment B" \
	ip netns exec prt-2 ping -c 2 -W 1 192.168.92.1
dts_check "segment A resolved port 0's address to port 0's MAC" \
	neigh prt-1 192.168.91.1 prt-1a prt-m0
dts_check "segment B resolved port 1's address to port 1's MAC" \
	neigh prt-2 192.168.92.1 prt-2b prt-m1
notthere() {
	ip -n prt-1 route add 192.168.92.1/32 dev prt-1a
	ip netns exec prt-1 ping -c 2 -W 1 192.168.92.1 >/dev/null
	rc=$?
	ip -n prt-1 route del 192.168.92.1/32 dev prt-1a
	[ $rc -ne 0 ]
}
dts_check "port 0 does not answer for port 1's address" notthere
replies() {
	for p in outer outer1; do
		a=$(pstat $p net_arp_reply_tx)
		e=$(pstat $p net_echo_reply_tx)
		echo "$p: arp_reply_tx $a echo_reply_tx $e"
		[ "$a" -ge 1 ] && [ "$e" -ge 2 ] || return 1
	done
}
dts_check "each port counted its own ARP replies and echo replies" replies

# TCP both ways through each port
dts_check "TCP client 1 -> wgc (port 0)" \
	dts_iperf_tcp $NM prt-1 10.91.0.1 5291 "port0 c1->wgc"
dts_check "TCP wgc -> client 1 (port 0)" \
	dts_iperf_tcp $NM prt-1 10.91.0.1 5291 "port0 wgc->c1" -R
dts_check "TCP client 2 -> wgc (port 1)" \
	dts_iperf_tcp $NM prt-2 10.91.0.1 5292 "port1 c2->wgc"
dts_check "TCP wgc -> client 2 (port 1)" \
	dts_iperf_tcp $NM prt-2 10.91.0.1 5292 "port1 wgc->c2" -R

# N pings from client I: its port's counters move by at least N, the
# other port's by less than a handful (keepalives of other clients)
served_on() {
	c=$1 mine=$2 other=$3 n=40
	rx0=$(pstat "$mine" net_rx_wg)
	tx0=$(pstat "$mine" net_tx_encap)
	ox0=$(pstat "$other" net_tx_encap)
	pings prt-$c 10.91.0.1 $n || return 1
	rx=$(($(pstat "$mine" net_rx_wg) - rx0))
	tx=$(($(pstat "$mine" net_tx_encap) - tx0))
	ox=$(($(pstat "$other" net_tx_encap) - ox0))
	echo "client $c: $mine rx_wg +$rx tx_encap +$tx, $other tx_encap +$ox"
	[ "$rx" -ge $n ] && [ "$tx" -ge $n ] && [ "$ox" -lt 5 ]
}
dts_check "client 1 served on port 0 (per-port counters)" \
	served_on 1 outer outer1
dts_check "client 2 served on port 1 (per-port counters)" \
	served_on 2 outer1 outer
dts_check "client 3 served on port 0 before it moves" \
	served_on 3 outer outer1

# client 3 roams: it reaches wgc's segment-B address, so its datagrams
# leave by its B link; wgc follows it to port 1
dts_capture $SB prt-sb3 "$DTS_TMP/roam.pcapng" \
	"udp and src host 192.168.92.1 and dst host 192.168.92.3"
sleep 1
roam() {
	ip netns exec prt-3 wg set prt-g3 peer "$mpk" \
		endpoint 192.168.92.1:$PORT &&
	dts_retry 5 pingn prt-3 10.91.0.1
}
dts_check "client 3 moves to segment B and still pings" roam
ep3() {
	curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/v1/peers |
		jq -r --arg k "$c3pk" \
		'.peers[] | select(.public_key == $k) | .endpoint'
}
learnt_b() {
	ep=$(ep3)
	echo "client 3's endpoint: $ep"
	[ "${ep%:*}" = 192.168.92.3 ]
}
dts_check "wgc learnt client 3's segment-B endpoint" learnt_b
dts_check "client 3 now served on port 1 (per-port counters)" \
	served_on 3 outer1 outer
dts_check "wgc's own pings reach client 3 through port 1" \
	dts_retry 3 pingn $NM 10.91.0.4
dts_check "TCP wgc -> client 3 after the move" \
	dts_iperf_tcp $NM prt-3 10.91.0.1 5293 "port1 wgc->c3 (moved)" -R
dts_capture_stop
dts_check "the capture on client 3's B link saw wgc's datagrams" \
	sh -c "n=\$(tshark -r '$DTS_TMP/roam.pcapng' 2>/dev/null | wc -l);
		echo \"\$n datagrams from 192.168.92.1\"; [ \$n -ge 40 ]"
dts_check "clients 1 and 2 still served" \
	sh -c "ip netns exec prt-1 ping -c 3 -W 1 10.91.0.1 >/dev/null &&
		ip netns exec prt-2 ping -c 3 -W 1 10.91.0.1 >/dev/null"

# the per-port families in /metrics, promtool clean where it exists
curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/metrics \
	>"$DTS_TMP/metrics.txt"
dts_check "/metrics: port-labelled lib/net counters for both ports" \
	sh -c "grep -q '^wgc_port_net_rx_wg_total{port=\"outer\"} [1-9]' \
		'$DTS_TMP/metrics.txt' &&
		grep -q '^wgc_port_net_tx_encap_total{port=\"outer1\"} [1-9]' \
		'$DTS_TMP/metrics.txt' &&
		grep -q '^wgc_port_tx_packets_total{port=\"outer1\"} [1-9]' \
		'$DTS_TMP/metrics.txt' &&
		grep -q '^wgc_net_rx_wg_total [1-9]' '$DTS_TMP/metrics.txt'"
if command -v promtool >/dev/null 2>&1; then
	dts_check "promtool check metrics: clean" \
		sh -c "promtool check metrics <'$DTS_TMP/metrics.txt'"
fi

# SIGUSR1: one line per port
kill -USR1 $WGC_PID
sleep 0.3
dts_check "the state dump has a line per port" \
	sh -c "grep -q '^wgc: outer port: rx [1-9].*(net_af_packet0)' '$log' &&
		grep -q '^wgc: outer1 port: rx [1-9].*(net_af_packet1)' '$log'"

# a reload that changes a port is refused: ports need a restart
jq '.outer[1].mtu = 1400' "$DTS_TMP/wgc.json" >"$DTS_TMP/wgc2.json" &&
	cp "$DTS_TMP/wgc.json" "$DTS_TMP/wgc.orig" &&
	cp "$DTS_TMP/wgc2.json" "$DTS_TMP/wgc.json"
kill -HUP $WGC_PID
dts_check "a reload changing outer[1] is refused: a restart is named" \
	dts_wait_line "$log" "refused: outer needs a restart" $WGC_PID 50
cp "$DTS_TMP/wgc.orig" "$DTS_TMP/wgc.json"
dts_check "still serving after the refused reload" \
	dts_retry 3 pingn prt-2 10.91.0.1

dts_wgc_stop $WGC_PID "$log"
dts_done
