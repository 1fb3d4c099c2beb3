#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The control plane live in the real daemon: wireguard-tools and REST
# against wgc while wireguard-go clients send real traffic.
#
#   ns wgclive-w: wgc (af_packet on wgclive-wv, outer 192.168.81.1,
#                 TUN wgclive-t0 10.81.0.1/24), no peers at start;
#                 UAPI /var/run/wireguard/wgclive.sock, REST in $DTS_TMP
#   ns wgclive-s: bridge wgclive-br
#   ns wgclive-N (N = 1..4): wireguard-go wgclive-gN, outer 192.168.81.(N+1)
#                 port 51821, inner 10.81.0.(N+1)
#
# Checks: `wg set` on wgc's UAPI socket adds peers that the clients then
# reach; `wg show` gives their latest handshake and transfer; REST GET
# gives the same figures; /v1/stats and /metrics count the traffic;
# `wg syncconf` with a changed file (peer 2 removed, peer 4 added, peer 3's
# endpoint and allowed IPs changed) keeps peer 1's and peer 3's sessions
# (handshake times and the device's session count unchanged, traffic
# continues) and applies the rest live; a removed peer's traffic stops;
# the listen port moves live (REST PATCH, UAPI listen_port=) and a client
# re-pointed with `wg set ... endpoint` keeps its session; the state
# (peers and port) survives a restart; SIGTERM removes both sockets.

DTS_NAME=ctl_live_wg
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=wgclive-w
NB=wgclive-s
IF=wgclive
UAPI=/var/run/wireguard/$IF.sock
PORT=51820
CPORT=51821

dts_init
dts_need wireguard-go wg curl jq ethtool ping
umask 077
REST=$DTS_TMP/rest.sock
STATE=$DTS_TMP/state
dts_keys w
for n in 1 2 3 4 5 6; do
	dts_keys k$n
	eval "p$n=\$k${n}pk"
done

# ---- network ----
dts_netns $NW
dts_netns $NB
dts_veth $NW wgclive-wv $NB wgclive-sw
dts_bridge $NB wgclive-br wgclive-sw
dts_ipv6_off $NW
for n in 1 2 3 4; do
	dts_netns wgclive-$n
	dts_veth wgclive-$n wgclive-${n}v $NB wgclive-s$n
	dts_bridge $NB wgclive-br wgclive-s$n
	dts_addr wgclive-$n wgclive-${n}v 192.168.81.$((n + 1))/24
done

dts_conf "$DTS_TMP/wgc.json" name=$IF key="$wsk" port=$PORT \
	prefix=wgclive-wg vdev=net_af_packet0,iface=wgclive-wv \
	ipv4=192.168.81.1/24 iname=wgclive-t0 addr=10.81.0.1/24 \
	sock="$REST" state="$STATE"

WGC_PID=""
wgc_start() {
	log=$1
	dts_wgc_launch $NW "$DTS_TMP/wgc.json" "$log" && [ -S "$REST" ] &&
		[ -S "$UAPI" ]
}

# client_start N: wireguard-go wgclive-gN talking to wgc
client_start() {
	dts_wggo wgclive-$1 wgclive-g$1 "$DTS_TMP/k$1.key" $CPORT \
		10.81.0.$(($1 + 1))/24 "$DTS_TMP/go$1.log" peer "$wpk" \
		endpoint 192.168.81.1:$PORT allowed-ips 10.81.0.0/24
}

ping_from() { # ping_from N DST [COUNT]: every reply must come back
	ip netns exec wgclive-$1 ping -c "${3:-1}" -i 0.05 -W 1 \
		-w $((${3:-1} / 10 + 3)) "$2" >"$DTS_TMP/ping.out" 2>&1
	r=$?
	[ $r -eq 0 ] || tail -3 "$DTS_TMP/ping.out"
	return $r
}
# no_ping N DST: three echo requests, not one answered
no_ping() {
	ip netns exec wgclive-$1 ping -c 3 -i 0.2 -W 1 "$2" 2>&1 |
		grep -q ' 0 received'
}
ping_wgc() { ip netns exec $NW ping -c 1 -W 1 "$1" >/dev/null 2>&1; }

api() { # api METHOD PATH [JSON] -> body on stdout, status in $DTS_TMP/st
	if [ $# -ge 3 ]; then
		curl -s --unix-socket "$REST" -X "$1" \
			-H 'Content-Type: application/json' -d "$3" \
			-o "$DTS_TMP/body" -w '%{http_code}' "http://wgc$2" \
			>"$DTS_TMP/st"
	else
		curl -s --unix-socket "$REST" -X "$1" -o "$DTS_TMP/body" \
			-w '%{http_code}' "http://wgc$2" >"$DTS_TMP/st"
	fi
	cat "$DTS_TMP/body"
}
url() { echo "$1" | tr '+/' '-_'; }
# wgc's view through wg show: hs KEY / rx KEY / tx KEY
hs() { wg show $IF latest-handshakes | awk -v k="$1" '$1 == k {print $2}'; }
rx() { wg show $IF transfer | awk -v k="$1" '$1 == k {print $2}'; }
tx() { wg show $IF transfer | awk -v k="$1" '$1 == k {print $3}'; }
rstat() { api GET /v1/stats | jq -r "$1"; }

# ---- start: no peers ----
dts_check "wgc starts, serves REST and UAPI" wgc_start "$DTS_TMP/wgc1.log"
dts_check "wg show talks to wgc (0 peers)" \
	sh -c "wg show $IF >/dev/null && [ -z \"\$(wg show $IF peers)\" ]"
m=$(stat -c %a "$UAPI" 2>/dev/null)/$(stat -c %a "$REST" 2>/dev/null)
dts_check "both sockets mode 0660 ($m)" test "$m" = 660/660
dts_check "REST interface: public key and port" sh -c \
	"[ \"\$(curl -s --unix-socket $REST http://wgc/v1/interface | \
	jq -r '.public_key + \" \" + (.listen_port|tostring)')\" = \
	\"$wpk $PORT\" ]"

# ---- peers 1..3 added live: wg set (1, 2) and REST PUT (3) ----
dts_check "wg set adds peers 1 and 2" wg set $IF \
	peer "$p1" allowed-ips 10.81.0.2/32 endpoint 192.168.81.2:$CPORT \
	peer "$p2" allowed-ips 10.81.0.3/32 endpoint 192.168.81.3:$CPORT
api PUT "/v1/peers/$(url "$p3")" \
	"{\"endpoint\": \"192.168.81.4:$CPORT\", \"allowed_ips\": [\"10.81.0.4/32\"]}" \
	>/dev/null
dts_check "REST PUT adds peer 3 (201)" test "$(cat "$DTS_TMP/st")" = 201
for n in 1 2 3; do
	dts_check "wireguard-go client $n configured" client_start $n
done
for n in 1 2 3; do
	dts_check "client $n reaches wgc through the tunnel" \
		dts_retry 10 ping_from $n 10.81.0.1
done
dts_check "client 1: 20 more pings, none lost" ping_from 1 10.81.0.1 20
dts_check "wgc reaches client 2 (from the TUN side)" \
	dts_retry 5 ping_wgc 10.81.0.3

h1=$(hs "$p1"); r1=$(rx "$p1"); t1=$(tx "$p1")
dts_check "wg show: peer 1 latest handshake ($h1)" \
	sh -c "[ \"${h1:-0}\" -gt 0 ]"
dts_check "wg show: peer 1 transfer rx $r1 tx $t1, both > 20 pings" \
	sh -c "[ \"${r1:-0}\" -ge 1680 ] && [ \"${t1:-0}\" -ge 1680 ]"
api GET "/v1/peers/$(url "$p1")" >"$DTS_TMP/p1.json"
dts_check "REST GET peer 1: same handshake and transfer as wg show" \
	sh -c "jq -e '.stats.last_handshake == $h1 and
		.stats.rx_bytes == $r1 and .stats.tx_bytes == $t1 and
		.stats.rx_packets >= 21 and .stats.tx_packets >= 21 and
		.endpoint == \"192.168.81.2:$CPORT\"' $DTS_TMP/p1.json"
dts_check "GET /v1/stats: decap/encap counted, per worker" sh -c \
	"curl -s --unix-socket $REST http://wgc/v1/stats | jq -c . | cut -c1-600;
	curl -s --unix-socket $REST http://wgc/v1/stats | jq -e '
		.interface.decap_ok >= 24 and .interface.encap_ok >= 24 and
		.workers[0].worker == 0 and .workers[0].decap_ok >= 24 and
		.interface.proto_session_derived >= 3 and
		.drops.unknown_index >= 0'"
dts_check "/metrics: decap and peer series" sh -c \
	"curl -s --unix-socket $REST 'http://wgc/metrics?peers=1' |
	grep -E '^wgc_decap_ok_total [1-9]' &&
	curl -s --unix-socket $REST 'http://wgc/metrics?peers=1' |
	grep -E '^wgc_peer_rx_bytes_total.*[1-9][0-9]*$'"

# ---- wg syncconf: 2 removed, 4 added, 3 changed, 1 untouched ----
sleep 2   # a new handshake would now show a later second
sess=$(rstat .interface.proto_session_derived)
h3=$(hs "$p3")
wg showconf $IF >"$DTS_TMP/before.conf"
{
	echo "[Interface]"
	echo "PrivateKey = $wsk"
	echo "ListenPort = $PORT"
	echo
	echo "[Peer]"
	echo "PublicKey = $p1"
	echo "AllowedIPs = 10.81.0.2/32"
	echo "Endpoint = 192.168.81.2:$CPORT"
	echo
	echo "[Peer]"
	echo "PublicKey = $p3"
	echo "AllowedIPs = 10.81.0.4/32, 10.81.0.14/32"
	echo "Endpoint = 192.168.81.4:51823"
	echo
	echo "[Peer]"
	echo "PublicKey = $p4"
	echo "AllowedIPs = 10.81.0.5/32"
	echo "Endpoint = 192.168.81.5:$CPORT"
} >"$DTS_TMP/after.conf"
dts_check "wg syncconf with the changed file" \
	wg syncconf $IF "$DTS_TMP/after.conf"
dts_check "wg show lists peers 1, 3, 4 only" sh -c \
	"[ \"\$(wg show $IF peers | sort)\" = \"\$(printf '%s\n' $p1 $p3 $p4 | sort)\" ]"
dts_check "client 1 still reaches wgc (20 pings, none lost)" \
	ping_from 1 10.81.0.1 20
dts_check "peer 1: same handshake time after syncconf ($h1)" \
	test "$(hs "$p1")" = "$h1"
dts_check "peer 1: transfer kept and grew" \
	sh -c "[ \"\$(wg show $IF transfer | awk -v k=$p1 '\$1 == k {print \$2}')\" -gt $r1 ]"
dts_check "no new session for peer 1 (device sessions $sess)" \
	test "$(rstat .interface.proto_session_derived)" = "$sess"
# peer 3: wgc now sends to port 51823 and accepts 10.81.0.14
ip netns exec wgclive-3 wg set wgclive-g3 listen-port 51823
ip -n wgclive-3 addr add 10.81.0.14/32 dev wgclive-g3
dts_check "peer 3: wgc reaches its new allowed IP at its new endpoint" \
	dts_retry 5 ping_wgc 10.81.0.14
dts_check "peer 3: session kept (handshake $h3)" test "$(hs "$p3")" = "$h3"
api GET "/v1/peers/$(url "$p3")" >"$DTS_TMP/p3.json"
dts_check "REST GET peer 3: new endpoint and allowed IPs" sh -c \
	"jq -e '.endpoint == \"192.168.81.4:51823\" and
		(.allowed_ips | sort) == [\"10.81.0.14/32\", \"10.81.0.4/32\"]' \
	$DTS_TMP/p3.json"
dts_check "peer 2 removed: its client no longer gets through" \
	no_ping 2 10.81.0.1
api GET "/v1/peers/$(url "$p2")" >/dev/null
dts_check "REST GET peer 2: 404" test "$(cat "$DTS_TMP/st")" = 404
dts_check "wireguard-go client 4 configured" client_start 4
dts_check "peer 4 (added by syncconf) reaches wgc" \
	dts_retry 10 ping_from 4 10.81.0.1

# ---- removing a peer stops its traffic ----
dts_check "wg set remove peer 1" wg set $IF peer "$p1" remove
dts_check "peer 1 removed: its client no longer gets through" \
	no_ping 1 10.81.0.1
api DELETE "/v1/peers/$(url "$p4")" >/dev/null
dts_check "REST DELETE peer 4 (204)" test "$(cat "$DTS_TMP/st")" = 204
dts_check "peer 4 removed: its client no longer gets through" \
	no_ping 4 10.81.0.1
dts_check "peer 3 still reaches wgc" dts_retry 3 ping_from 3 10.81.0.1

# ---- peers with a handshake in flight (an endpoint that never answers,
# keepalive 1 s) removed by the REST and the UAPI threads: the index
# table entry goes from a non-EAL thread (crashed before the binding gave
# control threads an lcore id) ----
inits() { rstat .interface.proto_initiation_sent; }
i0=$(inits)
api PUT "/v1/peers/$(url "$p5")" \
	'{"endpoint": "192.168.81.99:51820", "persistent_keepalive": 1, "allowed_ips": ["10.81.0.99/32"]}' \
	>/dev/null
wg set $IF peer "$p6" endpoint 192.168.81.98:51820 \
	persistent-keepalive 1 allowed-ips 10.81.0.98/32
inits_grew() { [ "$(inits)" -ge $((i0 + 2)) ]; }
dts_check "wgc initiates to peers 5 and 6 (keepalive, no answer)" \
	dts_retry 5 inits_grew
api DELETE "/v1/peers/$(url "$p5")" >/dev/null
dts_check "REST DELETE of peer 5 mid-handshake: 204" \
	test "$(cat "$DTS_TMP/st")" = 204
dts_check "wg set remove of peer 6 mid-handshake" \
	wg set $IF peer "$p6" remove
dts_check "wgc alive and healthy after both" sh -c \
	"kill -0 $WGC_PID && curl -sf --unix-socket $REST http://wgc/v1/health"

# ---- listen port moved live (REST, then UAPI): peer 3's client follows
# with `wg set ... endpoint`, its session survives ----
g3() { ip netns exec wgclive-3 wg set wgclive-g3 peer "$wpk" endpoint "$1"; }
h3=$(hs "$p3")
api PATCH /v1/interface '{"listen_port": 51830}' >"$DTS_TMP/iface.json"
dts_check "REST PATCH listen_port 51830: 200, reported" sh -c \
	"[ \"\$(cat $DTS_TMP/st)\" = 200 ] &&
	jq -e '.listen_port == 51830' $DTS_TMP/iface.json"
dts_check "wg show: listen port 51830" \
	test "$(wg show $IF listen-port)" = 51830
dts_check "client 3 still aimed at 51820: no longer gets through" \
	no_ping 3 10.81.0.1
g3 192.168.81.1:51830
dts_check "client 3 re-pointed to :51830 reaches wgc again" \
	dts_retry 5 ping_from 3 10.81.0.1 10
dts_check "peer 3: the same session across the port change ($h3)" \
	test "$(hs "$p3")" = "$h3"
dts_check "wgc reaches client 3 from the new port" dts_retry 3 \
	ping_wgc 10.81.0.14
dts_check "UAPI: wg set listen-port 51840" wg set $IF listen-port 51840
dts_check "REST GET: listen_port 51840" sh -c \
	"curl -s --unix-socket $REST http://wgc/v1/interface |
	jq -e '.listen_port == 51840'"
g3 192.168.81.1:51840
dts_check "client 3 re-pointed to :51840 reaches wgc again" \
	dts_retry 5 ping_from 3 10.81.0.1 10
dts_check "peer 3: still the same session ($h3)" test "$(hs "$p3")" = "$h3"
api PATCH /v1/interface '{"listen_port": 0}' >/dev/null
dts_check "listen_port 0 refused (422), port kept" sh -c \
	"[ \"\$(cat $DTS_TMP/st)\" = 422 ] &&
	[ \"\$(wg show $IF listen-port)\" = 51840 ]"

# ---- restart: the state directory holds peer 3 only ----
dts_wgc_stop "$WGC_PID" "$DTS_TMP/wgc1.log"
dts_check "SIGTERM removed both sockets" \
	sh -c "[ ! -e $REST ] && [ ! -e $UAPI ]"
dts_check "wgc restarts from the same config + state" \
	wgc_start "$DTS_TMP/wgc2.log"
dts_check "after restart: only peer 3, its allowed IPs" sh -c \
	"[ \"\$(wg show $IF peers)\" = $p3 ] &&
	[ \"\$(wg show $IF allowed-ips | cut -f2 | tr ' ' '\n' | sort | xargs)\" = '10.81.0.14/32 10.81.0.4/32' ]"
dts_check "after restart: the saved listen port 51840 (state wins)" sh -c \
	"grep -q 'listen port 51840' $DTS_TMP/wgc2.log &&
	[ \"\$(wg show $IF listen-port)\" = 51840 ]"
dts_check "after restart: peer 3 handshakes again and pings" \
	dts_retry 10 ping_from 3 10.81.0.1
dts_wgc_stop "$WGC_PID" "$DTS_TMP/wgc2.log"
dts_done
