#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A client behind a 1400-byte path keeps WireGuard's MTU 1420, so the outer
# datagrams of full-size inner packets are fragmented on the way both ways:
#
#   ns wdmc                       ns wdmr (router)
#   wireguard-go wdm-g0 (1420)    forwarding v4 + v6
#   10.99.0.2 fd99::2
#   veth wdm-c ---- MTU 1400 ---- veth wdm-rc 192.168.95.254 fd95::fe
#   192.168.95.2 fd95::2          tap wdm-tap0 (MTU 1400) 192.168.96.254 fd97::fe
#                                   = wgc's net_tap port: outer 192.168.96.1
#                                     fd97::1, outer mtu 1400, TUN wdm-t0
#                                     10.99.0.1 fd99::1
#
# wgc runs in the router's namespace on a net_tap port (the kernel does no
# reassembly on the way: wgc reassembles the client's fragments and
# fragments its own datagrams itself). In the wireguard-go pass the same
# router forwards to ns wdms over a second 1400-byte veth (wdm-rs/wdm-s)
# with wireguard-go on 192.168.96.1/fd97::1 (the kernel fragments).
# For IPv4 and IPv6 outer: ping of 1372 B payload (-M do: 1400 B inner
# IPv4 packets, 1420 B IPv6) both ways, over IPv4 and IPv6 inner, and
# iperf3 TCP both ways (throughput printed). WD_MTU_IMPLS="wgc wggo".
# (dts/path_mtu.sh: wgc alone on one 1400-byte veth, on af_packet and tap.)

DTS_NAME=path_mtu_router
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NC=wdmc
NR=wdmr
NS=wdms
PORT=51895
CPORT=51896
MAC=02:00:00:00:95:01

dts_init
dts_need wireguard-go wg curl jq iperf3 ethtool ping "$PY"
T=$DTS_TMP
dts_keys w c

setup_net() {
	dts_netns $NC
	dts_netns $NR
	dts_veth $NC wdm-c $NR wdm-rc 1400
	dts_addr $NC wdm-c 192.168.95.2/24 fd95::2/64
	dts_addr $NR wdm-rc 192.168.95.254/24 fd95::fe/64
	ip -n $NC route add default via 192.168.95.254
	ip -n $NC route add default via fd95::fe
	ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1
	ip netns exec $NR sysctl -qw net.ipv6.conf.all.forwarding=1
	dts_wggo $NC wdm-g0 "$T/c.key" $CPORT 10.99.0.2/24,fd99::2/64 \
		"$T/client-$1.log" peer "$wpk" endpoint 192.168.96.1:$PORT \
		allowed-ips 10.99.0.0/24,fd99::/64
	rc=$?
	CLIENT_PID=$DTS_WGGO_PID
	return $rc
}

# the router's side of a 1400-byte link towards the server
router_link() {
	ip -n $NR link set "$1" mtu 1400 up &&
	dts_addr $NR "$1" 192.168.96.254/24 fd97::fe/64 &&
	dts_offloads_off $NR "$1"
}

start_wgc() {
	SRV=$NR
	dts_conf "$T/wgc.json" name=wdm key="$wsk" port=$PORT prefix=wd-mtu \
		vdev=net_tap0,iface=wdm-tap0,mac=$MAC omtu=1400 \
		ipv4=192.168.96.1/24 gw4=192.168.96.254 \
		ipv6=fd97::1/64 gw6=fd97::fe iname=wdm-t0 \
		addr=10.99.0.1/24,fd99::1/64 sock="$T/rest.sock" \
		"peer=$cpk ep=192.168.95.2:$CPORT ips=10.99.0.2/32,fd99::2/128"
	# net_tap gives the kernel side wgc's MAC: another one, or the
	# kernel's link-local address fails DAD against wgc's (same EUI-64)
	# and the router cannot resolve wgc's IPv6 address for forwarding
	dts_wgc_launch $NR "$T/wgc.json" "$T/wgc.log" &&
	ip -n $NR link set wdm-tap0 down &&
	ip -n $NR link set wdm-tap0 address 02:00:00:00:95:fe &&
	router_link wdm-tap0 &&
	ip netns exec $NR sysctl -qw net.ipv6.conf.wdm-t0.accept_dad=0
}

start_wggo() {
	SRV=$NS
	dts_netns $NS
	dts_veth $NR wdm-rs $NS wdm-s 1400 &&
	router_link wdm-rs &&
	dts_addr $NS wdm-s 192.168.96.1/24 fd97::1/64 &&
	ip -n $NS route add default via 192.168.96.254 &&
	ip -n $NS route add default via fd97::fe &&
	WGGO_LOG_LEVEL=error dts_wggo $NS wdm-t0 "$T/w.key" $PORT \
		10.99.0.1/24,fd99::1/64 "$T/server.log" peer "$cpk" \
		endpoint 192.168.95.2:$CPORT allowed-ips 10.99.0.2/32,fd99::2/128
}

# bigping NS DST: 1372 B payload, no inner fragmentation, 5 of 5 answered
bigping() {
	ip netns exec "$1" ping -c 5 -i 0.1 -W 2 -M do -s 1372 "$2"
}

# frags 4|6: the client's kernel made fragments (IP or IPv6 FragCreates)
frags() {
	c=Ip; [ "$1" = 6 ] && c=Ip6
	n=$(ip netns exec $NC nstat -az ${c}FragCreates |
		awk -v k=${c}FragCreates '$1 == k {print $2}')
	echo "${c}FragCreates $n"
	[ "${n:-0}" -gt 0 ]
}

# tcp [-R]: iperf3 TCP from the client (-R: server -> client)
tcp() {
	dir="client -> server"; [ "$1" = -R ] && dir="server -> client"
	dts_iperf_tcp $SRV $NC 10.99.0.1 5295 \
		"$impl outer IPv$fam TCP $dir" $1
}

for impl in ${WD_MTU_IMPLS:-wgc wggo}; do
	dts_log "---- $impl behind the router"
	dts_check "$impl: namespaces, router, wireguard-go client" setup_net $impl
	# no server: the path checks would only time out (one failure)
	fams="4 6"
	if start_$impl >"$T/start.out" 2>&1; then
		dts_ok "$impl: server up behind a 1400-byte link"
	else
		dts_fail "$impl: server up behind a 1400-byte link (path checks not run)"
		tail -5 "$T/start.out" "$T/wgc.log" 2>/dev/null
		fams=""
	fi
	for fam in $fams; do
		if [ $fam = 6 ]; then
			ip netns exec $NC wg set wdm-g0 peer "$wpk" \
				endpoint "[fd97::1]:$PORT"
		fi
		tag="$impl outer IPv$fam"
		dts_check "$tag: handshake, small ping" \
			dts_retry 10 ip netns exec $NC ping -c 1 -W 1 10.99.0.1
		dts_check "$tag: 1372 B ping client -> server" \
			bigping $NC 10.99.0.1
		dts_check "$tag: 1372 B ping server -> client" \
			bigping $SRV 10.99.0.2
		dts_check "$tag: 1372 B ping6 (IPv6 inner) client -> server" \
			bigping $NC fd99::1
		dts_check "$tag: 1372 B ping6 (IPv6 inner) server -> client" \
			bigping $SRV fd99::2
		dts_check "$tag: the client's kernel fragmented outer datagrams" \
			frags $fam
		dts_check "$tag: iperf3 TCP client -> server" tcp ""
		dts_check "$tag: iperf3 TCP server -> client" tcp -R
	done
	if [ $impl = wgc ]; then
		dts_rest "$T/rest.sock" /v1/stats >"$T/stats.json"
		jq -c '.interface | with_entries(select(.key |
			test("frag|reass")))' "$T/stats.json" | sed 's/^/info: /'
		jq -c '.drops | with_entries(select(.value > 0))' \
			"$T/stats.json" | sed 's/^/info: drops: /'
		dts_check "wgc reassembled the client's fragments" test \
			"$(jq '.interface.net_rx_reassembled // 0' "$T/stats.json")" -gt 0
		dts_check "wgc fragmented its own datagrams" test \
			"$(jq '.interface.net_tx_fragmented // 0' "$T/stats.json")" -gt 0
		dts_wgc_stop $WGC_PID "$T/wgc.log"
	else
		dts_stop $DTS_WGGO_PID
	fi
	dts_stop $CLIENT_PID
done
cat "$T/figures" 2>/dev/null

dts_done
