#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# One heavy wireguard-go client over two workers (spread):
#
#   ns sprw                                    ns sprc
#   wgc: lcores 0@0,1@0,2@1 (main + two        veth spr-cv 192.168.93.2
#        workers), net_af_packet qpairs=2 ---  wireguard-go spr-g0
#        on veth spr-wv, outer 192.168.93.1    10.93.0.2/24
#        TUN spr-t0 10.93.0.1/24
#
# The two workers run on different CPUs (worker 0 beside the main lcore,
# which sleeps when idle): a worker never hands bursts to one sharing its
# CPU, which could only run instead of it. The client's one 5-tuple is
# hashed to one af_packet queue (the kernel's fanout also rolls packets
# over to the other queue when that one's ring is full, so both workers
# may see some even without spread). iperf3 TCP client -> server (wgc
# decrypts the data) and back (-R), with `"spread": "auto"` and with
# `"spread": "off"` (a fresh daemon each):
# - off: nothing handed over (spread_out, spread_in 0);
# - auto: both workers decrypted that one peer's traffic (decap_ok per
#   worker in /v1/stats), part of it handed over (spread_in);
# - data delivered both ways in both modes; the senders' retransmits are
#   printed, and with spread on they stay within max(50, 3 x off) (a
#   generous bound: reordering would show as thousands).
# The network part (ping, iperf3 both ways, retransmits printed) also runs
# with wireguard-go in wgc's place: SPR_IMPLS="auto off wggo" (default).

DTS_NAME=spread_tcp
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=sprw
NC=sprc
PORT=51893
CPORT=51894
SECS=${SPR_SECONDS:-5}
T=""
REST=""

dts_init
dts_need wireguard-go wg curl jq iperf3 ethtool ping
T=$DTS_TMP
dts_keys w c

setup_net() {
	dts_netns $NW
	dts_netns $NC
	dts_veth $NW spr-wv $NC spr-cv 1500
	dts_addr $NC spr-cv 192.168.93.2/24
	# wgc owns its outer address itself
	[ "$1" != wggo ] || dts_addr $NW spr-wv 192.168.93.1/24
	dts_ipv6_off $NW
	dts_wggo $NC spr-g0 "$T/c.key" $CPORT 10.93.0.2/24 \
		"$T/client-$1.log" peer "$wpk" \
		endpoint 192.168.93.1:$PORT allowed-ips 10.93.0.0/24
	rc=$?
	CLIENT_PID=$DTS_WGGO_PID
	return $rc
}

# start_wgc auto|off
start_wgc() {
	REST=$T/rest-$1.sock
	dts_conf "$T/wgc-$1.json" name=spr key="$wsk" port=$PORT \
		prefix=spr-tcp "lcores=--lcores 0@0,1@0,2@1" \
		vdev=net_af_packet0,iface=spr-wv,qpairs=2 \
		ipv4=192.168.93.1/24 iname=spr-t0 addr=10.93.0.1/24 \
		workers=1,2 sock="$REST" "json=.spread = \"$1\"" \
		"peer=$cpk ep=192.168.93.2:$CPORT ips=10.93.0.2/32" &&
	dts_wgc_launch $NW "$T/wgc-$1.json" "$T/wgc-$1.log"
}

start_wggo() {
	WGGO_LOG_LEVEL=error dts_wggo $NW spr-t0 "$T/w.key" $PORT \
		10.93.0.1/24 "$T/server.log" peer "$cpk" \
		endpoint 192.168.93.2:$CPORT allowed-ips 10.93.0.2/32
}

# worker W's counter C from /v1/stats
wstat() {
	dts_rest "$REST" /v1/stats |
		jq --argjson w "$1" --arg c "$2" \
		'[.workers[] | select(.worker == $w) | .[$c] // 0] | add // 0'
}

# tcp IMPL DIR [-R]: iperf3 TCP for SECS s from the client's namespace to
# a one-shot server in wgc's; prints Mbit/s and the sender's
# retransmits, sets RETR; fails unless at least 1 MB arrived
tcp() {
	ip netns exec $NW timeout $((SECS + 20)) iperf3 -s -1 -B 10.93.0.1 \
		-p 5293 >"$T/iperf-s.log" 2>&1 &
	srv=$!
	sleep 0.5
	ip netns exec $NC timeout $((SECS + 15)) iperf3 -J -c 10.93.0.1 \
		-p 5293 -t "$SECS" ${3:-} >"$T/iperf-$1-$2.json" 2>&1
	wait $srv
	b=$(jq '.end.sum_received.bytes // 0' "$T/iperf-$1-$2.json" \
		2>/dev/null)
	m=$(jq '(.end.sum_received.bits_per_second // 0) / 1e6 | floor' \
		"$T/iperf-$1-$2.json" 2>/dev/null)
	RETR=$(jq '.end.sum_sent.retransmits // 0' "$T/iperf-$1-$2.json" \
		2>/dev/null)
	echo "figure: $1 TCP $2: ${m:-0} Mbit/s, sender retransmits" \
		"${RETR:-?}" | tee -a "$T/figures"
	[ "${b:-0}" -gt 1000000 ]
}

RETR_auto=""
RETR_off=""
for impl in ${SPR_IMPLS:-auto off wggo}; do
	name=$impl
	[ $impl = wggo ] || name="wgc spread $impl"
	dts_log "---- $name"
	dts_check "$name: namespaces and the wireguard-go client" \
		setup_net $impl
	if [ $impl = wggo ]; then
		dts_check "$name: up" start_wggo
	else
		dts_check "$name: up with two workers" start_wgc $impl
	fi
	dts_check "$name: client -> server ping" \
		dts_retry 10 ip netns exec $NC ping -c 1 -W 1 10.93.0.1
	if [ $impl != wggo ]; then
		d0=$(wstat 0 decap_ok)
		d1=$(wstat 1 decap_ok)
	fi
	dts_check "$name: iperf3 TCP client -> server" tcp $impl up
	eval "RETR_$impl=\${RETR:-0}"
	if [ $impl != wggo ]; then
		d0=$(($(wstat 0 decap_ok) - d0))
		d1=$(($(wstat 1 decap_ok) - d1))
		si=$(($(wstat 0 spread_in) + $(wstat 1 spread_in)))
		so=$(($(wstat 0 spread_out) + $(wstat 1 spread_out)))
		dts_log "$name: decap_ok during the upload: worker 0 $d0," \
			"worker 1 $d1; spread_out $so, spread_in $si;" \
			"reorder_timeout $(($(wstat 0 reorder_timeout) + \
			$(wstat 1 reorder_timeout))), reorder_late" \
			"$(dts_rest "$REST" /v1/stats | jq '.drops.reorder_late')"
		if [ $impl = auto ]; then
			dts_check "$name: both workers decrypted the one peer" \
				test "$d0" -gt 0 -a "$d1" -gt 0 -a "$si" -gt 0
		else
			dts_check "$name: nothing handed over" \
				test "$si" -eq 0 -a "$so" -eq 0
		fi
	fi
	dts_check "$name: iperf3 TCP server -> client" tcp $impl down -R
	dts_check "$name: server -> client ping" \
		dts_retry 5 ip netns exec $NW ping -c 3 -i 0.2 -W 1 10.93.0.2
	if [ $impl = wggo ]; then
		dts_stop $DTS_WGGO_PID
	else
		dts_wgc_stop $WGC_PID "$T/wgc-$impl.log"
		grep "^wgc: spread:" "$T/wgc-$impl.log"
	fi
	dts_stop $CLIENT_PID
done

if [ -n "$RETR_auto" ] && [ -n "$RETR_off" ]; then
	bound=$((3 * RETR_off))
	[ $bound -ge 50 ] || bound=50
	dts_log "upload retransmits: spread auto $RETR_auto, off $RETR_off" \
		"(bound $bound)"
	dts_check "retransmits with spread comparable to without" \
		test "$RETR_auto" -le "$bound"
fi
cat "$T/figures" 2>/dev/null

dts_done
