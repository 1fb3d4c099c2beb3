#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Inner traffic for hundreds of peers that have no endpoint (road warriors
# that have not connected yet) must not stop the one real client:
#
#   ns wdpw                                   ns wdpc
#   wgc: net_af_packet on veth wdp-wv ------- veth wdp-cv 192.168.91.2
#        outer 192.168.91.1                   wireguard-go wdp-g0 10.91.0.2
#        TUN wdp-t0 10.91.0.1/16
#        + WD_PARK_PEERS (400) peers added by a bulk POST /v1/peers, no
#          endpoint, allowed IPs 10.91.1.1 ... (one /32 each)
#        + WD_PARK_DEAD (100) peers whose endpoint 192.168.91.3 never
#          answers (their packets are parked: the parking lot's budget)
#
# A sweep sends UDP from wgc's namespace to every one of those allowed IPs
# for a few seconds (wgc: through its TUN). Then the real client must work
# both ways (ping each way, iperf3 TCP each way), wgc must have counted the
# drops (drops.no_endpoint), parked packets for the dead peers within the
# pools' budget (parked_max <= the sum of pools.*.parked_pool_limit; the
# most parked and the default pool's highest occupancy seen while sweeping
# are printed), every pool must come back to its idle occupancy once the
# parked packets expire (before SIGTERM) and be full after SIGTERM.
# The network checks also run with wireguard-go in wgc's place (same run,
# same peers added with `wg addconf`): WD_PARK_IMPLS="wgc wggo" (default).

DTS_NAME=park_flood
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=wdpw
NC=wdpc
PORT=51891
CPORT=51892
NPEERS=${WD_PARK_PEERS:-400}
NDEAD=${WD_PARK_DEAD:-100}
SWEEP_S=${WD_PARK_SECONDS:-4}
REST=""

dts_init
dts_need wireguard-go wg curl jq iperf3 ethtool ping "$PY"
T=$DTS_TMP
dts_keys w c

# the endpoint-less peers: a JSON array for REST, a wg config for wg addconf
# (the last NDEAD with the dead endpoint)
$PY - "$T" "$NPEERS" "$NDEAD" <<'EOF'
import base64, json, os, sys
d, n, dead = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(n + dead)]
ips = ["10.91.%d.%d" % (1 + i // 250, 1 + i % 250) for i in range(n + dead)]
peers = [{"public_key": k, "allowed_ips": [a + "/32"]}
         for k, a in zip(keys, ips)]
with open(d + "/peers.conf", "w") as f:
    for i, p in enumerate(peers):
        f.write("[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" %
                (p["public_key"], p["allowed_ips"][0]))
        if i >= n:
            p["endpoint"] = "192.168.91.3:51899"
            f.write("Endpoint = %s\n" % p["endpoint"])
json.dump(peers, open(d + "/peers.json", "w"))
open(d + "/dsts", "w").write(" ".join(ips))
EOF

setup_net() {
	dts_netns $NW
	dts_netns $NC
	dts_veth $NW wdp-wv $NC wdp-cv 1500
	dts_addr $NC wdp-cv 192.168.91.2/24
	# wgc owns its outer address itself
	[ "$1" = wgc ] || dts_addr $NW wdp-wv 192.168.91.1/24
	dts_ipv6_off $NW
	dts_wggo $NC wdp-g0 "$T/c.key" $CPORT 10.91.0.2/16 \
		"$T/client-$1.log" peer "$wpk" \
		endpoint 192.168.91.1:$PORT allowed-ips 10.91.0.0/16
	rc=$?
	CLIENT_PID=$DTS_WGGO_PID
	return $rc
}

start_wgc() {
	REST=$T/rest.sock
	dts_conf "$T/wgc.json" name=wdp key="$wsk" port=$PORT prefix=wd-park \
		vdev=net_af_packet0,iface=wdp-wv ipv4=192.168.91.1/24 \
		iname=wdp-t0 addr=10.91.0.1/16 sock="$REST" \
		"peer=$cpk ep=192.168.91.2:$CPORT ips=10.91.0.2/32" &&
	dts_wgc_launch $NW "$T/wgc.json" "$T/wgc.log" &&
	curl -sf --unix-socket "$REST" --json "@$T/peers.json" \
		http://wgc/v1/peers >/dev/null &&
	[ "$(dts_rest "$REST" /v1/interface | jq .peers)" = \
		$((NPEERS + NDEAD + 1)) ]
}

start_wggo() {
	WGGO_LOG_LEVEL=error dts_wggo $NW wdp-t0 "$T/w.key" $PORT \
		10.91.0.1/16 "$T/server.log" peer "$cpk" \
		endpoint 192.168.91.2:$CPORT allowed-ips 10.91.0.2/32 &&
	ip netns exec $NW wg addconf wdp-t0 "$T/peers.conf" &&
	[ "$(ip netns exec $NW wg show wdp-t0 peers | wc -l)" = \
		$((NPEERS + NDEAD + 1)) ]
}

stats() { dts_rest "$REST" /v1/stats; }

# pools_idle: every pool's in_use within 64 of $T/idle.json (monitor: 1 Hz)
pools_idle() {
	stats >"$T/now.json"
	jq -c '.interface.pools | map_values(.in_use)' "$T/now.json"
	jq -e --slurpfile idle "$T/idle.json" '.interface.pools | to_entries |
		all(.value.in_use <= ($idle[0][.key] // 0) + 64)' \
		"$T/now.json" >/dev/null
}

# sweep: UDP to every endpoint-less peer's address for SWEEP_S seconds
sweep() {
	ip netns exec $NW $PY -c '
import socket, sys, time
dsts = open(sys.argv[1]).read().split()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    for d in dsts:
        try:
            s.sendto(b"p" * 100, (d, 9)); n += 1
        except OSError:
            pass
print("sweep: %d datagrams to %d endpoint-less peers" % (n, len(dsts)))
' "$T/dsts" "$SWEEP_S"
}

tcp() {
	dts_iperf_tcp $NW $NC 10.91.0.1 5291 "$impl TCP $1" $2
}

for impl in ${WD_PARK_IMPLS:-wgc wggo}; do
	dts_log "---- $impl in the concentrator's place"
	dts_check "$impl: namespaces and the wireguard-go client" setup_net $impl
	dts_check "$impl: up with $NPEERS endpoint-less + $NDEAD dead peers + the client" \
		start_$impl
	dts_check "$impl: client -> server ping before the sweep" \
		dts_retry 10 ip netns exec $NC ping -c 1 -W 1 10.91.0.1
	if [ $impl = wgc ]; then
		stats | jq -c '.interface.pools | map_values(.in_use)' \
			>"$T/idle.json"
		dts_log "pools in use before the sweep: $(cat "$T/idle.json")"
		# the most packets parked while sweeping
		(while :; do stats >>"$T/stats.jsonl"; echo >>"$T/stats.jsonl"
			sleep 0.2; done) &
		poll=$!
		dts_track $poll
	fi
	dts_check "$impl: sweep ran" sweep
	cat "$T/check.out"
	if [ $impl = wgc ]; then
		kill $poll; wait $poll 2>/dev/null; dts_untrack $poll
	fi
	dts_check "$impl: client -> server ping after the sweep" \
		dts_retry 5 ip netns exec $NC ping -c 5 -i 0.2 -W 1 10.91.0.1
	dts_check "$impl: server -> client ping after the sweep" \
		dts_retry 5 ip netns exec $NW ping -c 5 -i 0.2 -W 1 10.91.0.2
	dts_check "$impl: iperf3 TCP client -> server" tcp "client -> server"
	dts_check "$impl: iperf3 TCP server -> client" tcp "server -> client" -R
	if [ $impl = wgc ]; then
		ne=$(stats | jq '.drops.no_endpoint // 0')
		dts_log "drops.no_endpoint $ne"
		dts_check "drops for endpoint-less peers counted (no_endpoint)" \
			test "$ne" -gt 0
		stats >"$T/stats.json"
		pmax=$(jq '.interface.parked_max // 0' "$T/stats.json")
		plim=$(jq '[.interface.pools[].parked_pool_limit // 0] | add' \
			"$T/stats.json")
		dts_log "parked: most seen while sweeping $(jq -s \
			'map(.interface.parked // 0) | max' "$T/stats.jsonl")," \
			"parked_max $pmax, budget $plim;" \
			"$(jq -c '.interface.pools | map_values(.parked_pool)' \
			"$T/stats.json")"
		dts_check "packets for the dead peers were parked" \
			test "$pmax" -gt 0
		dts_check "parked packets within the pools' budget" \
			test "$pmax" -le "$plim"
		dts_log "default pool: most in use while sweeping $(jq -s \
			'map(.interface.pools.wgc_default.in_use // 0) | max' \
			"$T/stats.jsonl"), peak $(jq \
			'.interface.pools.wgc_default | "\(.in_use_peak) of \(.size)"' \
			"$T/stats.json")"
		# parked packets expire (15 s): then every pool is back to its
		# idle occupancy (+ 64 for caches and rings in flight)
		dts_check "every pool back to its idle occupancy after the traffic" \
			dts_retry 25 pools_idle
		cat "$T/check.out"
		dts_wgc_stop $WGC_PID "$T/wgc.log"
	else
		dts_stop $DTS_WGGO_PID
	fi
	dts_stop $CLIENT_PID
done

cat "$T/figures" 2>/dev/null

dts_done
