#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A client behind a 1400-byte path, against wireguard-go:
#
#   ns wf-w                                     ns wf-c
#   wgc: outer port (MTU 1400)  ---- veth MTU 1400 ---- wf-cv 192.168.79.2
#        192.168.79.1 fd79::1                          fd79::2
#        TUN wf-t0 10.79.0.1 fd79:1::1 (MTU 1420)      wireguard-go wf-g0
#                                                      10.79.0.2 fd79:1::2
#
# The client keeps WireGuard's MTU 1420, so its kernel fragments the outer
# datagrams of large packets and wgc must reassemble them; wgc's own
# datagrams above 1400 B must leave as fragments. Checked for both outer
# families and two PMDs:
#   net_af_packet (on the veth): the kernel's fanout reassembles IPv4
#       fragments before the PMD; IPv6 fragments reach wgc's reassembly;
#   net_tap (bridged to the veth): every fragment reaches wgc.
# Pings of 1372 B both ways (IPv4 inner over each outer family, IPv6 inner
# over IPv6 outer), iperf3 TCP both ways, the start-up MTU warning, the
# fragment counters, a clean stop with full pools. PMDS="af_packet tap"
# (default both); WGC_WORKERS=2 for two workers. Run as root, from the build directory or the source tree.

DTS_NAME=path_mtu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=wf-w
NC=wf-c
PORT=51830
CPORT=51831
IPORT=5231
PMDS=${PMDS:-"af_packet tap"}
# WGC_WORKERS=2: two workers (both on CPU 1) on two queues: a peer's
# fragments (hashed on its addresses) and its whole datagrams (addresses
# and ports) may be decrypted on different workers under one keypair
if [ "${WGC_WORKERS:-1}" = 2 ]; then
	LCORES="--lcores 0@0,1@1,2@1"
	QP=",qpairs=2"
	WORKERS="1,2"
else
	LCORES="-l 0-1"
	QP=""
	WORKERS="1"
fi

dts_init
dts_need wireguard-go wg iperf3 ethtool ping
dts_keys w c
dts_pair $NW wf-wv $NC wf-cv 192.168.79.2/24,fd79::2/64 1400
dts_ipv6_off $NW

# a fresh wireguard-go per wgc instance (a restarted wgc knows no session)
client_start() {
	[ -n "${GO_PID:-}" ] && dts_wggo_stop $GO_PID $NC wf-g0
	dts_wggo $NC wf-g0 "$DTS_TMP/c.key" $CPORT 10.79.0.2/24,fd79:1::2/64 \
		"$DTS_TMP/wireguard-go.log" peer "$wpk" \
		endpoint 192.168.79.1:$PORT allowed-ips 10.79.0.0/24,fd79:1::/64
	rc=$?
	GO_PID=$DTS_WGGO_PID
	return $rc
}

# wgc_start PMD LOG
wgc_start() {
	if [ "$1" = tap ]; then
		vdev="net_tap0,iface=wf-ot"
	else
		vdev="net_af_packet0,iface=wf-wv$QP"
	fi
	dts_conf "$DTS_TMP/wgc.json" name=wf key="$wsk" port=$PORT \
		prefix=wf-pmtu "lcores=$LCORES" workers=$WORKERS vdev=$vdev \
		ipv4=192.168.79.1/24 ipv6=fd79::1/64 omtu=1400 iname=wf-t0 \
		addr=10.79.0.1/24,fd79:1::1/64 sock="$DTS_TMP/rest.sock" \
		"peer=$cpk ips=10.79.0.2/32,fd79:1::2/128"
	ip netns exec $NW sysctl -qw net.ipv6.conf.default.disable_ipv6=0
	dts_wgc_launch $NW "$DTS_TMP/wgc.json" "$2" || return 1
	ip netns exec $NW sysctl -qw net.ipv6.conf.wf-t0.accept_dad=0 \
		2>/dev/null
	if [ "$1" = tap ]; then
		# the tap wgc made, bridged to the veth (no address, no IPv6)
		ip netns exec $NW sysctl -qw \
			net.ipv6.conf.wf-ot.disable_ipv6=1 2>/dev/null
		ip -n $NW link add wf-br type bridge 2>/dev/null
		ip netns exec $NW sysctl -qw \
			net.ipv6.conf.wf-br.disable_ipv6=1 2>/dev/null
		dts_offloads_off $NW wf-ot
		# net_tap gives the kernel tap the port's MAC: a bridge would
		# take frames to it as its own
		ip -n $NW link set wf-ot address 02:00:00:00:79:fe &&
		ip -n $NW link set wf-ot master wf-br &&
		ip -n $NW link set wf-wv master wf-br &&
		ip -n $NW link set wf-ot up &&
		ip -n $NW link set wf-br up || return 1
	fi
	grep -q "^wgc: up" "$2"
}

ping_c() { ip netns exec $NC ping -c 1 -W 1 "$@"; }
ping_w() { ip netns exec $NW ping -c 1 -W 1 "$@"; }
# three pings of SIZE B packets (-M do: the inner packet is not split)
big_c() { ip netns exec $NC ping -c 3 -i 0.2 -W 1 -M do -s "$1" "$2"; }
big_w() { ip netns exec $NW ping -c 3 -i 0.2 -W 1 -M do -s "$1" "$2"; }

# iperf_tcp ADDR ARGS TAG: 3 s of TCP, the server in wgc's namespace
iperf_tcp() {
	ip netns exec $NW timeout 20 iperf3 -s -1 -B "$1" -p $IPORT \
		>"$DTS_TMP/iperf-s.log" 2>&1 &
	spid=$!
	sleep 0.5
	ip netns exec $NC timeout 15 iperf3 -c "$1" -p $IPORT -t 3 $2 \
		>"$DTS_TMP/iperf-c.log" 2>&1
	rc=$?
	kill $spid 2>/dev/null
	wait $spid
	grep -E "receiver" "$DTS_TMP/iperf-c.log" |
		sed "s/^/info: iperf3 $3: /" >>"$DTS_TMP/iperf-summary"
	[ $rc -eq 0 ] && grep -q receiver "$DTS_TMP/iperf-c.log"
}

# frag_line LOG: the last "net frag" counters after SIGUSR1
frag_line() {
	kill -USR1 $WGC_PID
	sleep 0.5
	grep "^wgc: net frag:" "$1" | tail -1
}
field() { echo "$1" | sed "s/.* $2 \([0-9]*\).*/\1/"; }

for pmd in $PMDS; do
	log="$DTS_TMP/wgc-$pmd.log"
	: >"$DTS_TMP/iperf-summary"
	dts_check "$pmd: wgc starts, outer MTU 1400" wgc_start $pmd "$log"
	dts_check "$pmd: start-up warning names the tunnel MTU" \
		grep -q "inner mtu 1420 needs an outer MTU of 1480 over IPv4" \
		"$log"
	# wgc's MAC changes with the PMD (af_packet: the veth's)
	ip -n $NC neigh flush dev wf-cv
	dts_check "$pmd: wireguard-go configured with wg" client_start

	# IPv4 outer
	dts_check "$pmd: ping IPv4 inner (handshake)" \
		dts_retry 10 ping_c 10.79.0.1
	dts_check "$pmd/outer4: 1372 B ping client -> wgc side" \
		dts_retry 3 big_c 1344 10.79.0.1
	dts_check "$pmd/outer4: 1372 B ping wgc side -> client" \
		dts_retry 3 big_w 1344 10.79.0.2
	dts_check "$pmd/outer4: 1372 B IPv6 ping client -> wgc side" \
		dts_retry 3 big_c 1324 fd79:1::1
	dts_check "$pmd/outer4: TCP client -> wgc side" \
		iperf_tcp 10.79.0.1 "" "$pmd outer4 client->wgc"
	dts_check "$pmd/outer4: TCP wgc side -> client" \
		iperf_tcp 10.79.0.1 "-R" "$pmd outer4 wgc->client"
	if [ "${WGC_WORKERS:-1}" = 2 ]; then
		# which workers decrypted (fragments and whole datagrams of the
		# peer may take different queues)
		curl -s --unix-socket "$DTS_TMP/rest.sock" \
			http://wgc/metrics 2>/dev/null |
			grep 'decap_ok.*worker="[01]"' | sed "s/^/info: $pmd: /"
	fi
	l4=$(frag_line "$log")
	echo "info: $pmd outer4: $l4"
	dts_check "$pmd/outer4: wgc sent fragments" \
		test "$(field "$l4" tx_fragmented)" -gt 0
	if [ $pmd = tap ]; then
		dts_check "$pmd/outer4: wgc reassembled IPv4 fragments" \
			test "$(field "$l4" rx_reassembled)" -gt 0
	fi

	# IPv6 outer
	dts_check "$pmd: client's endpoint set to [fd79::1]:$PORT" \
		ip netns exec $NC wg set wf-g0 peer "$wpk" \
		endpoint "[fd79::1]:$PORT"
	dts_check "$pmd/outer6: ping IPv4 inner" dts_retry 10 ping_c 10.79.0.1
	dts_check "$pmd/outer6: 1372 B ping client -> wgc side" \
		dts_retry 3 big_c 1344 10.79.0.1
	dts_check "$pmd/outer6: 1372 B ping wgc side -> client" \
		dts_retry 3 big_w 1344 10.79.0.2
	dts_check "$pmd/outer6: 1372 B IPv6 ping client -> wgc side" \
		dts_retry 3 big_c 1324 fd79:1::1
	dts_check "$pmd/outer6: 1372 B IPv6 ping wgc side -> client" \
		dts_retry 3 big_w 1324 fd79:1::2
	dts_check "$pmd/outer6: TCP client -> wgc side" \
		iperf_tcp 10.79.0.1 "" "$pmd outer6 client->wgc"
	dts_check "$pmd/outer6: TCP wgc side -> client" \
		iperf_tcp 10.79.0.1 "-R" "$pmd outer6 wgc->client"
	l6=$(frag_line "$log")
	echo "info: $pmd outer6: $l6"
	dts_check "$pmd/outer6: wgc reassembled IPv6 fragments" \
		test "$(field "$l6" rx_reassembled)" -gt \
		"$(field "$l4" rx_reassembled)"
	dts_check "$pmd/outer6: wgc sent IPv6 fragments" \
		test "$(field "$l6" tx_fragmented)" -gt \
		"$(field "$l4" tx_fragmented)"
	cat "$DTS_TMP/iperf-summary"
	grep "drop: net.frag\|drop: net.too_big" "$log" | sort -u |
		sed 's/^/info: /'
	dts_wgc_stop $WGC_PID "$log"
	ip -n $NW link del wf-br 2>/dev/null
done

dts_done
