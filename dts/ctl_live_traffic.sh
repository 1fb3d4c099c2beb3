#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Changes under traffic: while a counted flow runs through one peer, add
# and remove 10 000 other peers through REST (bulk POST, single PUT and
# DELETE, bulk PUT that replaces the set). The flow must lose nothing.
#
#   ns wgclive-a: wgc (af_packet on wgclive-av, outer 192.168.82.1, TUN
#                 wgclive-t1 10.82.0.1/24,, state dir)
#   ns wgclive-b: wireguard-go wgclive-g9, outer 192.168.82.2, 10.82.0.2
#
# Flows (both counted): iperf3 UDP client -> wgc at 250 datagrams/s for
# 30 s (the server counts lost datagrams) and ping at 50/s for 30 s (echo
# requests sent vs replies received, through encap and decap).
# Checks: 0 lost on both; the peer count at each step; the final set is the
# flow peer alone, its session unchanged (handshake time).

DTS_NAME=ctl_live_traffic
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NA=wgclive-a
NB=wgclive-b
IF=wgclive-tr
PORT=51820
CPORT=51821
NPEERS=${WGC_LIVE_PEERS:-10000}
FLOW_S=30

dts_init
dts_need wireguard-go wg curl jq iperf3 ethtool ping
umask 077
REST=$DTS_TMP/rest.sock
dts_keys w c
dts_pair $NA wgclive-av $NB wgclive-bv 192.168.82.2/24
dts_ipv6_off $NA

dts_conf "$DTS_TMP/wgc.json" name=$IF key="$wsk" port=$PORT mem=640 \
	prefix=wgclive-tr vdev=net_af_packet0,iface=wgclive-av \
	ipv4=192.168.82.1/24 iname=wgclive-t1 addr=10.82.0.1/24 \
	sock="$REST" state="$DTS_TMP/state" \
	"peer=$cpk ep=192.168.82.2:$CPORT ips=10.82.0.2/32" \
	'json=.interface.max_peers = 16384'

WGC_PID=""
wgc_start() {
	dts_wgc_launch $NA "$DTS_TMP/wgc.json" "$DTS_TMP/wgc.log"
}

client_start() {
	dts_wggo $NB wgclive-g9 "$DTS_TMP/c.key" $CPORT 10.82.0.2/24 \
		"$DTS_TMP/go.log" peer "$wpk" endpoint 192.168.82.1:$PORT \
		allowed-ips 10.82.0.0/24
}

# api METHOD PATH [@FILE|JSON]: status in $DTS_TMP/st, seconds in $DTS_TMP/t
api() {
	if [ $# -ge 3 ]; then
		curl -s --unix-socket "$REST" -X "$1" \
			-H 'Content-Type: application/json' --data-binary "$3" \
			-o "$DTS_TMP/body" -w '%{http_code} %{time_total}' \
			"http://wgc$2" >"$DTS_TMP/stt"
	else
		curl -s --unix-socket "$REST" -X "$1" -o "$DTS_TMP/body" \
			-w '%{http_code} %{time_total}' "http://wgc$2" \
			>"$DTS_TMP/stt"
	fi
	cut -d' ' -f1 "$DTS_TMP/stt" >"$DTS_TMP/st"
	cut -d' ' -f2 "$DTS_TMP/stt" >"$DTS_TMP/t"
	[ "$(cut -c1 "$DTS_TMP/st")" = 2 ] ||
		{ echo "$1 $2: $(cat "$DTS_TMP/st")"; head -c 300 "$DTS_TMP/body"; echo; }
}
npeers() { curl -s --unix-socket "$REST" http://wgc/v1/interface | jq .peers; }
hs() { wg show $IF latest-handshakes | awk -v k="$1" '$1 == k {print $2}'; }
url() { echo "$1" | tr '+/' '-_'; }

# peers.json files: 5 bulk arrays of NPEERS/5, 10 singles, the final set
$PY - "$DTS_TMP" "$NPEERS" "$cpk" <<'EOF'
import base64, json, os, sys
d, n, flow = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def key():
    return base64.b64encode(os.urandom(32)).decode()
def ip(i):
    return "10.%d.%d.%d/32" % (100 + i // 65536, (i // 256) % 256, i % 256)
peers = [{"public_key": key(), "allowed_ips": [ip(i)],
          "endpoint": "192.168.82.%d:51820" % (10 + i % 200)}
         for i in range(n + 10)]
per = n // 5
for b in range(5):
    json.dump(peers[b * per:(b + 1) * per], open("%s/bulk%d.json" % (d, b), "w"))
with open("%s/singles" % d, "w") as f:
    for p in peers[n:n + 10]:
        f.write("%s %s\n" % (p["public_key"].replace("+", "-").replace("/", "_"),
                             p["allowed_ips"][0]))
json.dump([{"public_key": flow, "endpoint": "192.168.82.2:51821",
            "allowed_ips": ["10.82.0.2/32"]}], open("%s/final.json" % d, "w"))
EOF

dts_check "wgc starts (max_peers 16384, state dir)" wgc_start
dts_check "wireguard-go client configured" client_start
dts_check "client reaches wgc through the tunnel" \
	dts_retry 10 ip netns exec $NB ping -c 1 -W 1 10.82.0.1
# wgc records the handshake time when the timer stage takes the worker's
# key-confirmation event, which may come just after the first reply
i=0
h0=$(hs "$cpk")
while [ "${h0:-0}" = 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	h0=$(hs "$cpk")
	i=$((i + 1))
done
dts_check "the client's handshake time is recorded" test "${h0:-0}" != 0

# ---- the counted flows ----
ip netns exec $NA iperf3 -s -1 -B 10.82.0.1 -p 5311 -J \
	>"$DTS_TMP/iperf-s.json" 2>&1 &
ipsrv=$!
dts_track $ipsrv
sleep 0.5
ip netns exec $NB iperf3 -c 10.82.0.1 -p 5311 -u -b 1M -l 500 \
	-t $FLOW_S >"$DTS_TMP/iperf-c.log" 2>&1 &
ipcli=$!
dts_track $ipcli
ip netns exec $NB ping -q -i 0.02 -c $((FLOW_S * 50)) -W 2 10.82.0.1 \
	>"$DTS_TMP/ping.log" 2>&1 &
pingp=$!
dts_track $pingp
sleep 1
t_start=$(date +%s.%N)

# ---- cycles until 6 s before the flow ends: add NPEERS through 5 bulk
# POSTs and 10 through single PUTs, then 10 single DELETEs and a bulk PUT
# that keeps the flow peer alone ----
cycle() {
	ok=1
	tpost=0
	for b in 0 1 2 3 4; do
		api POST /v1/peers "@$DTS_TMP/bulk$b.json" || ok=0
		tpost=$(echo "$tpost + $(cat "$DTS_TMP/t")" | bc)
	done
	while read -r k a; do
		api PUT "/v1/peers/$k" "{\"allowed_ips\": [\"$a\"]}" || ok=0
	done <"$DTS_TMP/singles"
	n_full=$(npeers)
	[ "$n_full" = $((NPEERS + 11)) ] || ok=0
	while read -r k a; do
		api DELETE "/v1/peers/$k" || ok=0
	done <"$DTS_TMP/singles"
	api PUT /v1/peers "@$DTS_TMP/final.json" || ok=0
	tput=$(cat "$DTS_TMP/t")
	n_end=$(npeers)
	[ "$n_end" = 1 ] || ok=0
	[ $ok = 1 ]
}
cycles=0
bad=0
while :; do
	cycle || bad=$((bad + 1))
	cycles=$((cycles + 1))
	[ $cycles = 1 ] && dts_check "cycle 1: 5 bulk POSTs of $((NPEERS / 5)) (${tpost} s), 10 PUTs -> $n_full peers; 10 DELETEs, bulk PUT ($tput s) -> $n_end" test $bad = 0
	[ "$(echo "$(date +%s.%N) - $t_start < $FLOW_S - 8" | bc)" = 1 ] || break
done
t_end=$(date +%s.%N)
dts_log "$cycles cycles of +$((NPEERS + 10))/-$((NPEERS + 10)) peers in $(echo "$t_end - $t_start" | bc) s of the ${FLOW_S} s flow"
dts_check "$cycles cycles, every call 2xx and every count right" test $bad = 0
dts_check "changes finished while the flow ran" \
	sh -c "[ \$(echo \"$t_end - $t_start < $FLOW_S - 2\" | bc) = 1 ]"

# ---- the flows end: count ----
wait $ipcli
dts_untrack $ipcli
wait $pingp
dts_untrack $pingp
wait $ipsrv
dts_untrack $ipsrv
sent=$(jq '.end.sum.packets' "$DTS_TMP/iperf-s.json")
lost=$(jq '.end.sum.lost_packets' "$DTS_TMP/iperf-s.json")
dts_log "iperf3 UDP: $sent datagrams, $lost lost"
dts_check "iperf3 UDP flow: $sent datagrams received, 0 lost" \
	sh -c "[ \"$lost\" = 0 ] && [ \"${sent:-0}\" -ge $((FLOW_S * 240)) ]"
tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$DTS_TMP/ping.log")
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$DTS_TMP/ping.log")
dts_log "ping: $tx sent, $rx received"
dts_check "ping flow: $tx echo requests, $rx replies (none lost)" \
	sh -c "[ \"${tx:-0}\" -eq $((FLOW_S * 50)) ] && [ \"$tx\" = \"$rx\" ]"

# ---- final set ----
dts_check "final set: the flow peer alone" sh -c \
	"[ \"\$(wg show $IF peers)\" = \"$cpk\" ] &&
	[ \"\$(curl -s --unix-socket $REST http://wgc/v1/interface | jq .peers)\" = 1 ]"
dts_check "flow peer's session kept (handshake $h0)" test "$(hs "$cpk")" = "$h0"
dts_check "flow peer's REST stats count the flow" sh -c \
	"curl -s --unix-socket $REST http://wgc/v1/peers/$(url "$cpk") |
	jq -e '.stats.rx_packets >= $((FLOW_S * 290))'"
dts_wgc_stop "$WGC_PID" "$DTS_TMP/wgc.log"
dts_check "live table at exit: the flow peer alone, never diverged" sh -c \
	"[ \$(grep -c '^wgc: peer ' $DTS_TMP/wgc.log) = 1 ] &&
	grep -q '^wgc: peer $cpk' $DTS_TMP/wgc.log &&
	! grep -q diverges $DTS_TMP/wgc.log"
dts_done
