#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc with two wireguard-go peers at once, behind a bridge:
#
#   ns wgcdev-m: wgc (af_packet on wgcdev-mv, outer 192.168.79.1,
#                TUN wgcdev-t1 10.79.0.1/24)
#   ns wgcdev-s: bridge wgcdev-br with wgcdev-ms, wgcdev-s1, wgcdev-s2
#   ns wgcdev-1: wireguard-go, outer 192.168.79.2, inner 10.79.0.2, PSK
#   ns wgcdev-2: wireguard-go, outer 192.168.79.3, inner 10.79.0.3
#
# Peer 2 is added at runtime through the REST API.
# Checks: both peers handshake and ping (one with a preshared key), traffic
# from wgc to both, a wrong PSK fails, roaming (peer 1's outer endpoint
# changes and wgc follows), tshark decodes every datagram wgc sent as
# WireGuard, clean stop with full pools.

DTS_NAME=wg_multi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NM=wgcdev-m
NS=wgcdev-s
N1=wgcdev-1
N2=wgcdev-2
PORT=51820

dts_init
dts_need wireguard-go wg tshark ethtool ping
dts_keys m k1 k2
psk=$(wg genpsk)
echo "$psk" >"$DTS_TMP/psk"
wg genpsk >"$DTS_TMP/badpsk"

for n in $NM $NS $N1 $N2; do
	dts_netns $n
done
dts_veth $NM wgcdev-mv $NS wgcdev-ms
dts_veth $N1 wgcdev-1v $NS wgcdev-s1
dts_veth $N2 wgcdev-2v $NS wgcdev-s2
dts_bridge $NS wgcdev-br wgcdev-ms wgcdev-s1 wgcdev-s2
dts_ipv6_off $NM
dts_addr $N1 wgcdev-1v 192.168.79.2/24
dts_addr $N2 wgcdev-2v 192.168.79.3/24

dts_conf "$DTS_TMP/wgc.json" name=wgcdev-m key="$msk" port=$PORT \
	prefix=wgc-dev-multi vdev=net_af_packet0,iface=wgcdev-mv \
	ipv4=192.168.79.1/24 iname=wgcdev-t1 addr=10.79.0.1/24 \
	sock="$DTS_TMP/rest.sock" "peer=$k1pk psk=$psk ips=10.79.0.2/32"

log=$DTS_TMP/wgc.log
start_wgc() {
	dts_wgc_launch $NM "$DTS_TMP/wgc.json" "$log"
}

# client NS IFNAME KEYFILE INNER [PSKFILE]
client() {
	pskarg=""
	[ -n "${5:-}" ] && pskarg="preshared-key $5"
	# shellcheck disable=SC2086
	dts_wggo "$1" "$2" "$3" 51821 "$4/24" "$DTS_TMP/$2.log" \
		peer "$mpk" endpoint 192.168.79.1:$PORT \
		allowed-ips 10.79.0.0/24 $pskarg
}

pingn() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }

dts_check "wgc starts with one peer" start_wgc
# peer 2 arrives at runtime through the REST API
add_p2() {
	curl -sf --unix-socket "$DTS_TMP/rest.sock" --json \
		"[{\"public_key\": \"$k2pk\", \"allowed_ips\": [\"10.79.0.3/32\"]}]" \
		http://wgc/v1/peers
}
dts_check "peer 2 added through REST" add_p2
# capture what wgc sends towards peer 2 for the tshark check
dts_capture $NS wgcdev-s2 "$DTS_TMP/cap.pcapng" "udp and src host 192.168.79.1"
dts_check "peer 1 (preshared key) configured" \
	client $N1 wgcdev-g1 "$DTS_TMP/k1.key" 10.79.0.2 "$DTS_TMP/psk"
dts_check "peer 2 configured" client $N2 wgcdev-g2 "$DTS_TMP/k2.key" 10.79.0.3
dts_check "peer 1 pings wgc (PSK handshake)" dts_retry 10 pingn $N1 10.79.0.1
dts_check "peer 2 pings wgc" dts_retry 10 pingn $N2 10.79.0.1
both() {
	ip netns exec $N1 ping -c 20 -i 0.05 -W 1 10.79.0.1 >/dev/null &
	a=$!
	ip netns exec $N2 ping -c 20 -i 0.05 -W 1 10.79.0.1 >/dev/null
	b=$?
	wait $a && [ $b -eq 0 ]
}
dts_check "both peers at once, 20 pings each" both
dts_check "wgc side reaches peer 1" dts_retry 3 pingn $NM 10.79.0.2
dts_check "wgc side reaches peer 2" dts_retry 3 pingn $NM 10.79.0.3
# peer 2 must not be able to claim peer 1's inner address
spoof() {
	ip -n $N2 addr add 10.79.0.2/32 dev wgcdev-g2
	ip netns exec $N2 ping -c 2 -W 1 -I 10.79.0.2 10.79.0.1
	rc=$?
	ip -n $N2 addr del 10.79.0.2/32 dev wgcdev-g2
	[ $rc -ne 0 ]
}
dts_check "peer 2 spoofing peer 1's address is dropped" spoof

# roaming: peer 1's outer endpoint changes (as behind a NAT rebinding: a
# new source port); wgc must follow the last authenticated packet
roam() {
	ip netns exec $N1 wg set wgcdev-g1 listen-port 51831 &&
	dts_retry 5 pingn $N1 10.79.0.1
}
dts_check "peer 1 roams to a new source port and still pings" roam
dts_check "wgc follows peer 1 to its new endpoint" \
	dts_retry 3 pingn $NM 10.79.0.2

# a wrong preshared key: handshakes fail
wrongpsk() {
	ip netns exec $N1 wg set wgcdev-g1 peer "$mpk" \
		preshared-key "$DTS_TMP/badpsk"
	# a new handshake is needed: drop the session by restarting the peer
	# entry (remove, re-add) on the client
	ip netns exec $N1 wg set wgcdev-g1 peer "$mpk" remove
	ip netns exec $N1 wg set wgcdev-g1 peer "$mpk" \
		endpoint 192.168.79.1:$PORT allowed-ips 10.79.0.0/24 \
		preshared-key "$DTS_TMP/badpsk"
	! ip netns exec $N1 ping -c 3 -W 1 10.79.0.1
}
dts_check "a wrong preshared key gets no tunnel" wrongpsk
dts_check "peer 2 is still served" pingn $N2 10.79.0.1

dts_capture_stop
dts_check "tshark decodes every datagram wgc sent as WireGuard" \
	dts_tshark_all_wg "$DTS_TMP/cap.pcapng" $PORT udp
cat "$DTS_TMP/check.out"

kill -USR1 $WGC_PID
sleep 0.3
dts_check "wgc counted a roam" sh -c \
	"grep '^wgc: stats' '$log' | tail -1 | grep -qv 'roamed 0 '"
dts_check "wgc dropped the spoofed source (allowed IPs)" \
	grep -q "drop: pipeline.allowed_ips" "$log"
dts_wgc_stop $WGC_PID "$log"
dts_done
