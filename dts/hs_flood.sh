#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A flood of handshake initiations (valid MAC1, from 32 addresses x 4
# ports; dts/lib/hsflood.py, which answers cookie replies with MAC2) while
# an established client streams pings, and a new client connects:
#
#   ns wdhw                          ns wdhc
#   wgc: net_af_packet on wdh-w ---- wdh-cw ] bridge wdh-br 192.168.97.2
#        outer 192.168.97.1                  + 192.168.97.100..131 (flood)
#        TUN wdh-t0 10.97.0.1        wireguard-go wdh-a 10.97.0.2 (client A)
#                                    wdh-cn ---- ns wdhn: wdh-n 192.168.97.3
#                                                wireguard-go wdh-b 10.97.0.3
#
# Client A holds a session and pings every 10 ms during the flood; client B
# starts 2 s into it and must complete its handshake (and ping) while the
# flood runs (24 s: room for a few of B's 5 s initiation retries), having
# received a cookie reply. wgc's counters must show
# cookie replies sent (under-load mode) and the per-source rate limiter's
# drops. Client A's loss during the flood is printed, not asserted, for wgc
# and for wireguard-go in wgc's place (same run, same flood;
# WD_HS_IMPLS="wgc wggo"), where client B's checks run as well.

DTS_NAME=hs_flood
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=wdhw
NC=wdhc
NN=wdhn
PORT=51971
FLOOD_S=${WD_HS_SECONDS:-24}

dts_init
dts_need wireguard-go wg curl jq ethtool ping "$PY"
T=$DTS_TMP
dts_keys w a b

setup_net() {
	dts_netns $NW
	dts_netns $NC
	dts_netns $NN
	dts_veth $NW wdh-w $NC wdh-cw 1500
	dts_veth $NN wdh-n $NC wdh-cn 1500
	dts_addr $NN wdh-n 192.168.97.3/24
	dts_bridge $NC wdh-br wdh-cw wdh-cn
	dts_offloads_off $NC wdh-br
	ip -n $NC addr add 192.168.97.2/24 dev wdh-br
	for i in $(seq 100 131); do
		ip -n $NC addr add 192.168.97.$i/32 dev wdh-br
	done
	# wgc owns its outer address itself
	[ "$1" = wgc ] || dts_addr $NW wdh-w 192.168.97.1/24
	dts_ipv6_off $NW
	dts_wggo $NC wdh-a "$T/a.key" 51972 10.97.0.2/24 "$T/a-$1.log" \
		peer "$wpk" endpoint 192.168.97.1:$PORT allowed-ips 10.97.0.0/24
	rc=$?
	A_PID=$DTS_WGGO_PID
	return $rc
}

start_wgc() {
	dts_conf "$T/wgc.json" name=wdh key="$wsk" port=$PORT prefix=wd-hs \
		vdev=net_af_packet0,iface=wdh-w ipv4=192.168.97.1/24 \
		iname=wdh-t0 addr=10.97.0.1/24 sock="$T/rest.sock" \
		"peer=$apk ips=10.97.0.2/32" "peer=$bpk ips=10.97.0.3/32" &&
	dts_wgc_launch $NW "$T/wgc.json" "$T/wgc.log"
}

start_wggo() {
	WGGO_LOG_LEVEL=error dts_wggo $NW wdh-t0 "$T/w.key" $PORT \
		10.97.0.1/24 "$T/server.log" \
		peer "$apk" allowed-ips 10.97.0.2/32 \
		peer "$bpk" allowed-ips 10.97.0.3/32 &&
	SRV_PID=$DTS_WGGO_PID
}

client_b() {
	dts_wggo $NN wdh-b "$T/b.key" 51973 10.97.0.3/24 "$T/b-$impl.log" \
		peer "$wpk" endpoint 192.168.97.1:$PORT \
		allowed-ips 10.97.0.0/24 &&
	B_PID=$DTS_WGGO_PID &&
	dts_retry 20 ip netns exec $NN ping -c 1 -W 1 10.97.0.1 &&
	kill -0 $FLOOD_PID
}

for impl in ${WD_HS_IMPLS:-wgc wggo}; do
	dts_log "---- $impl under a handshake flood"
	dts_check "$impl: namespaces, bridge, client A" setup_net $impl
	dts_check "$impl: server up" start_$impl
	dts_check "$impl: client A's session" \
		dts_retry 10 ip netns exec $NC ping -c 1 -W 1 10.97.0.1
	rm -f "$T/flood.ready"
	ip netns exec $NC $PY "$here/lib/hsflood.py" --target \
		192.168.97.1:$PORT --pubkey "$wpk" --src-base 192.168.97.100 \
		--naddr 32 --nports 4 --seconds $FLOOD_S \
		--ready "$T/flood.ready" >"$T/flood-$impl.log" 2>&1 &
	FLOOD_PID=$!
	dts_track $FLOOD_PID "$T/flood-$impl.log"
	dts_wait_file "$T/flood.ready" 10
	ip netns exec $NC ping -q -i 0.01 -W 1 -w $((FLOOD_S - 3)) 10.97.0.1 \
		>"$T/ping-$impl.log" 2>&1 &
	PING_PID=$!
	sleep 2
	dts_check "$impl: client B completes a handshake during the flood" \
		client_b
	dts_check "$impl: client B received a cookie reply" \
		grep -q "Receiving cookie response" "$T/b-$impl.log"
	wait $PING_PID
	wait $FLOOD_PID
	dts_untrack $FLOOD_PID
	cat "$T/flood-$impl.log"
	loss=$(sed -n 's/.* \([0-9.]*%\) packet loss.*/\1/p' "$T/ping-$impl.log")
	echo "figure: $impl: client A's ping loss during the flood: $loss" \
		"($(grep transmitted "$T/ping-$impl.log"))" | tee -a "$T/figures"
	if [ $impl = wgc ]; then
		dts_rest "$T/rest.sock" /v1/stats >"$T/stats.json"
		jq -c '.interface | with_entries(select(.key |
			test("cookie|mac|ratelim|handshake")))' "$T/stats.json"
		jq -c '.drops | with_entries(select(.key | test("handshake")))' \
			"$T/stats.json"
		dts_check "wgc: under load, cookie replies sent (proto_cookie_sent)" \
			test "$(jq '.interface.proto_cookie_sent' "$T/stats.json")" \
			-gt 0
		dts_check "wgc: the per-source limiter dropped (proto_drop_ratelimited)" \
			test "$(jq '.interface.proto_drop_ratelimited' \
			"$T/stats.json")" -gt 0
		dts_wgc_stop $WGC_PID "$T/wgc.log"
	else
		dts_stop $SRV_PID
	fi
	dts_stop $A_PID
	dts_stop $B_PID
done
cat "$T/figures"

dts_done
