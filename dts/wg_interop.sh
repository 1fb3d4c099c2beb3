#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc <-> wireguard-go (configured with wg), end to end:
#
#   ns wgcdev-w                              ns wgcdev-c
#   wgc: net_af_packet on veth wgcdev-wv ---- veth wgcdev-cv 192.168.77.2
#        own outer address 192.168.77.1      wireguard-go wgcdev-g0
#        TUN wgcdev-t0 10.77.0.1 fd77::1      10.77.0.2 fd77::2
#
# Checks: handshake initiated by the client and (after a wgc restart) by
# wgc, ping both ways over IPv4 and IPv6 inner, TCP with iperf3 both ways,
# ARP answered, bad traffic counted, persistent keepalive, IPv6 outer
# transport (wgc answers neighbour solicitations itself; tshark sees only
# valid WireGuard over IPv6), clean stop (exit 0, pools full).
# Run as root, from the build directory or the source tree.

DTS_NAME=wg_interop
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=wgcdev-w
NC=wgcdev-c
# WGC_WORKERS=2: two workers (both on CPU 1), two af_packet queue pairs
# (kernel fanout), two TUN queues; the positional parameters hold the
# variant's dts_conf parameters
# WGC_HS_LCORE=1: one worker (lcore 1) and handshakes on lcore 2 (both on
# CPU 1), none on the main lcore
if [ "${WGC_HS_LCORE:-0}" = 1 ]; then
	set -- "lcores=--lcores 0@0,1@1,2@1" workers=1 \
		vdev=net_af_packet0,iface=wgcdev-wv 'json=.handshake_lcores = [2]'
elif [ "${WGC_WORKERS:-1}" = 2 ]; then
	set -- "lcores=--lcores 0@0,1@1,2@1" workers=1,2 \
		vdev=net_af_packet0,iface=wgcdev-wv,qpairs=2
else
	set -- vdev=net_af_packet0,iface=wgcdev-wv
fi
PORT=51820
CPORT=51821

dts_init
dts_need wireguard-go wg iperf3 ethtool ping
dts_keys w c
dts_pair $NW wgcdev-wv $NC wgcdev-cv 192.168.77.2/24,fd78::2/64
# no IPv6 noise from the kernel in ns w (but IPv6 on the TUN)
dts_ipv6_off $NW
ip netns exec $NW sysctl -qw net.ipv6.conf.default.disable_ipv6=0

# conf [KEY=VALUE...]: wgc.json, the base configuration plus changes
conf() {
	dts_conf "$DTS_TMP/wgc.json" name=wgcdev key="$wsk" port=$PORT \
		prefix=wgc-dev-interop ipv4=192.168.77.1/24 iname=wgcdev-t0 \
		addr=10.77.0.1/24,fd77::1/64 sock="$DTS_TMP/rest.sock" "$@"
}
conf "$@" "peer=$cpk ep=192.168.77.2:$CPORT ips=10.77.0.2/32,fd77::2/128"

WGC_PID=""
wgc_start() {
	log=$1
	ip netns exec $NW sysctl -qw net.ipv6.conf.default.disable_ipv6=0
	dts_wgc_launch $NW "$DTS_TMP/wgc.json" "$log"
	# the TUN's IPv6 address needs DAD to finish
	ip netns exec $NW sysctl -qw net.ipv6.conf.wgcdev-t0.accept_dad=0 \
		2>/dev/null
	grep -q "^wgc: up" "$log"
}

client_start() {
	dts_wggo $NC wgcdev-g0 "$DTS_TMP/c.key" $CPORT 10.77.0.2/24,fd77::2/64 \
		"$DTS_TMP/wireguard-go.log" peer "$wpk" \
		endpoint 192.168.77.1:$PORT allowed-ips 10.77.0.0/24,fd77::/64
}

ping_c() { ip netns exec $NC ping -c 1 -W 1 "$@"; }
ping_w() { ip netns exec $NW ping -c 1 -W 1 "$@"; }

# ---- phase 1: the client initiates ----
dts_check "wgc starts with TUN and af_packet" wgc_start "$DTS_TMP/wgc1.log"
grep "^wgc: up" "$DTS_TMP/wgc1.log" | sed 's/^/info: /'
dts_check "wireguard-go configured with wg" client_start
dts_check "ARP: client resolves wgc's outer address" \
	dts_retry 5 ping_c 192.168.77.1 -c 1
dts_check "ping IPv4 inner (client initiates handshake)" \
	dts_retry 10 ping_c 10.77.0.1
dts_check "handshake seen by wg" sh -c \
	"ip netns exec $NC wg show wgcdev-g0 latest-handshakes | awk '{exit !(\$2 > 0)}'"
dts_check "ping IPv4 inner, 20 packets" \
	ip netns exec $NC ping -c 20 -i 0.05 -W 1 10.77.0.1
dts_check "ping IPv6 inner" dts_retry 5 ping_c fd77::1
dts_check "ping from wgc's side to the client" dts_retry 5 ping_w 10.77.0.2
dts_check "ping IPv6 from wgc's side" dts_retry 5 ping_w fd77::2
# the UAPI of wgc itself: `wg show` reads the live device
uapi_show() {
	ip netns exec $NW wg show wgcdev >"$DTS_TMP/wgshow" 2>&1
	cat "$DTS_TMP/wgshow"
	grep -q "latest handshake" "$DTS_TMP/wgshow" &&
		grep -q "transfer:" "$DTS_TMP/wgshow"
}
dts_check "wg show wgcdev (wgc's UAPI) shows the handshake and transfer" \
	uapi_show
rest_stats() {
	curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/v1/stats
}
dts_check "REST /v1/stats answers" rest_stats
dts_check "large ping (1392 B payload, 1420 B inner)" \
	ping_c -s 1392 -M do 10.77.0.1

iperf_tcp() {
	ip netns exec $NW timeout 20 iperf3 -s -1 -B "$1" -p 5201 \
		>"$DTS_TMP/iperf-s.log" 2>&1 &
	spid=$!
	sleep 0.5
	ip netns exec $NC timeout 15 iperf3 -c "$1" -p 5201 -t 2 $2 \
		>"$DTS_TMP/iperf-c.log" 2>&1
	rc=$?
	kill $spid 2>/dev/null
	wait $spid
	grep -E "sender|receiver" "$DTS_TMP/iperf-c.log" |
		sed "s/^/info: iperf3 $1 $2: /" >>"$DTS_TMP/iperf-summary"
	[ $rc -eq 0 ] && grep -q receiver "$DTS_TMP/iperf-c.log"
}
dts_check "TCP client -> wgc side (iperf3)" iperf_tcp 10.77.0.1 ""
dts_check "TCP wgc side -> client (iperf3 -R)" iperf_tcp 10.77.0.1 "-R"
dts_check "TCP over IPv6 inner (iperf3)" iperf_tcp fd77::1 ""
cat "$DTS_TMP/iperf-summary" 2>/dev/null

# bad traffic at wgc's port: junk of every WireGuard type and none
junk() {
	ip netns exec $NC /usr/bin/python3 -c '
import socket, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in [b"\x05\x00\x00\x00" + b"x" * 60,           # no such type
          b"\x01\x00\x00\x00" + os.urandom(144),      # bad MAC1
          b"\x04\x00\x00\x00" + os.urandom(44),       # random index
          b"\x02\x00\x00\x00" + os.urandom(10),       # runt response
          b"\x01"]:                                  # runt
    s.sendto(p, ("192.168.77.1", 51820))
'
}
dts_check "junk datagrams sent" junk
dts_check "tunnel still works after junk" dts_retry 5 ping_c 10.77.0.1

kill -USR1 $WGC_PID
sleep 0.5
dts_check "junk counted: bad type" grep -q "drop: pipeline.bad_type" \
	"$DTS_TMP/wgc1.log"
dts_check "junk counted: unknown index" \
	grep -q "drop: pipeline.unknown_index" "$DTS_TMP/wgc1.log"
dts_check "junk counted: bad MAC1" grep -q "proto: drop_bad_mac1" \
	"$DTS_TMP/wgc1.log"
dts_wgc_stop $WGC_PID "$DTS_TMP/wgc1.log"
dts_check "TUN removed on stop" sh -c "! ip -n $NW link show wgcdev-t0"

# ---- phase 2: wgc initiates (fresh state, configured endpoint) ----
dts_check "wgc restarts" wgc_start "$DTS_TMP/wgc2.log"
dts_check "ping from wgc's side (wgc initiates handshake)" \
	dts_retry 10 ping_w 10.77.0.2
dts_check "ping back from the client" dts_retry 5 ping_c 10.77.0.1
kill -USR1 $WGC_PID
sleep 0.3
dts_check "wgc sent the initiation" grep -q "proto: initiation_sent" \
	"$DTS_TMP/wgc2.log"
dts_wgc_stop $WGC_PID "$DTS_TMP/wgc2.log"

# ---- phase 3: persistent keepalive: wgc handshakes and keeps the path
# open without any traffic ----
conf "$@" "peer=$cpk ep=192.168.77.2:$CPORT ips=10.77.0.2/32,fd77::2/128 ka=1"
dts_check "wgc restarts with persistent_keepalive 1" \
	wgc_start "$DTS_TMP/wgc3.log"
sleep 3.5
kill -USR1 $WGC_PID
sleep 0.3
# wgc initiated (no traffic at all) and consumed wireguard-go's response
dts_check "wgc initiated a handshake on its own" sh -c \
	"grep -q 'proto: initiation_sent' '$DTS_TMP/wgc3.log' &&
	 grep -q 'proto: response_consumed' '$DTS_TMP/wgc3.log'"
keepalives() {
	n=$(grep "^wgc: stats" "$DTS_TMP/wgc3.log" | tail -1 |
		sed 's/.*keepalive_tx \([0-9]*\).*/\1/')
	echo "keepalives sent in ~3.5 s: $n"
	[ "${n:-0}" -ge 2 ]
}
dts_check "wgc sends persistent keepalives" keepalives
dts_wgc_stop $WGC_PID "$DTS_TMP/wgc3.log"

# ---- phase 4: IPv6 outer transport ----
conf "$@" ipv6=fd78::1/64 \
	"peer=$cpk ep=[fd78::2]:$CPORT ips=10.77.0.2/32,fd77::2/128 ka=1"
dts_check "wgc restarts with an IPv6 outer address" \
	wgc_start "$DTS_TMP/wgc4.log"
dts_capture $NC wgcdev-cv "$DTS_TMP/cap6.pcapng" "udp and src host fd78::1"
dts_check "client's endpoint set to [fd78::1]:$PORT" \
	ip netns exec $NC wg set wgcdev-g0 peer "$wpk" \
	endpoint "[fd78::1]:$PORT"
# the client may have learned wgc's address from wgc's own solicitation
# (the keepalive to [fd78::2]): forget it, so that it has to ask
ip -n $NC -6 neigh flush dev wgcdev-cv
dts_check "ND: client resolves wgc's IPv6 outer address" \
	dts_retry 5 ping_c fd78::1
dts_check "ping IPv4 inner over IPv6 outer (client initiates)" \
	dts_retry 10 ping_c 10.77.0.1
dts_check "ping IPv6 inner over IPv6 outer, 10 packets" \
	ip netns exec $NC ping -c 10 -i 0.05 -W 1 fd77::1
dts_check "ping from wgc's side over IPv6 outer" dts_retry 5 ping_w 10.77.0.2
dts_check "TCP over IPv6 outer (iperf3)" iperf_tcp 10.77.0.1 ""
dts_capture_stop
dts_check "tshark decodes every IPv6 datagram wgc sent as WireGuard" \
	dts_tshark_all_wg "$DTS_TMP/cap6.pcapng" $PORT ipv6
cat "$DTS_TMP/check.out"
kill -USR1 $WGC_PID
sleep 0.3
dts_check "wgc answered neighbour solicitations" \
	grep -Eq "^wgc: net: .* nd_na_tx [1-9]" "$DTS_TMP/wgc4.log"
dts_wgc_stop $WGC_PID "$DTS_TMP/wgc4.log"

dts_done
