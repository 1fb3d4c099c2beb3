#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# make demo: a working tunnel between wgc and Debian's wireguard-go.
#
#   ns wgcdemo-s (server)                    ns wgcdemo-c (client)
#   wgc on net_af_packet, veth wgcdemo-sv --- veth wgcdemo-cv 192.168.78.2
#   outer 192.168.78.1, TUN wgcdemo0          wireguard-go wgcdemo-g0
#   10.78.0.1/24                              10.78.0.2/24
#
# wgc starts with no peer; the client is added through wgc's REST API.
# Pings and runs iperf3 through the tunnel, prints the handshake time,
# bytes and rates, stops wgc (SIGTERM) and removes everything. Needs root;
# without root (or wireguard-go) it falls back to `wgc --once` on a
# net_null configuration (no NIC, no TUN, nothing persisted).
set -u
builddir=${1:-build}
WGC=$(cd "$builddir" && pwd)/app/wgc
DTS_NAME=demo
here=$(cd "$(dirname "$0")/../dts" && pwd)
. "$here/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v wireguard-go >/dev/null 2>&1; then
	echo "demo: not root or no wireguard-go: running wgc --once instead"
	conf=$(mktemp /tmp/wgc-demo-once.XXXXXX)
	dts_conf "$conf" name=wgcdemo0 prefix=wgc-demo-once mem=256 lcores= \
		workers= vdev=net_null0 ipv4=192.0.2.2/24 inner=ethdev iname=none
	"$WGC" --once --config "$conf"
	rc=$?
	rm -f "$conf"
	exit $rc
fi

NS=wgcdemo-s
NC=wgcdemo-c
dts_init
tmp=$DTS_TMP
step() { printf '\n== %s\n' "$*"; }

step "network namespaces $NS and $NC, veth pair, offloads off"
dts_pair $NS wgcdemo-sv $NC wgcdemo-cv 192.168.78.2/24
dts_ipv6_off $NS
dts_keys s c
dts_conf "$tmp/wgc.json" name=wgcdemo key="$ssk" prefix=wgc-demo \
	vdev=net_af_packet0,iface=wgcdemo-sv ipv4=192.168.78.1/24 \
	iname=wgcdemo0 addr=10.78.0.1/24 sock="$tmp/wgc.sock"

step "wgc (server, public key $spk)"
dts_wgc_launch $NS "$tmp/wgc.json" "$tmp/wgc.log"
wgc_pid=$WGC_PID
grep "^wgc:" "$tmp/wgc.log" || { cat "$tmp/wgc.log"; exit 1; }

step "the client's peer is added through wgc's REST API"
echo "curl --unix-socket wgc.sock --json '[{\"public_key\": \"$cpk\", \"allowed_ips\": [\"10.78.0.2/32\"]}]' http://wgc/v1/peers"
curl -sf --unix-socket "$tmp/wgc.sock" --json \
	"[{\"public_key\": \"$cpk\", \"allowed_ips\": [\"10.78.0.2/32\"]}]" \
	http://wgc/v1/peers || { echo "demo: REST call failed"; exit 1; }
echo

step "wireguard-go client (public key $cpk), configured with wg"
WGGO_LOG_LEVEL=error dts_wggo $NC wgcdemo-g0 "$tmp/c.key" 0 10.78.0.2/24 \
	"$tmp/go.log" peer "$spk" endpoint 192.168.78.1:51820 \
	allowed-ips 10.78.0.0/24
ip netns exec $NC wg show wgcdemo-g0

step "first ping through the tunnel (triggers the handshake)"
t0=$(date +%s%N)
if ! ip netns exec $NC ping -c 1 -W 5 10.78.0.1 >/dev/null; then
	echo "demo: no answer through the tunnel"
	cat "$tmp/wgc.log"
	exit 1
fi
t1=$(date +%s%N)
echo "handshake + first round trip: $(( (t1 - t0) / 1000000 )) ms"
ip netns exec $NC ping -c 5 -i 0.2 10.78.0.1 | tail -2

step "iperf3, 3 s each way"
iperf() {
	ip netns exec $NS timeout 30 iperf3 -s -1 -B 10.78.0.1 -p 5301 \
		>"$tmp/iperf-s.log" 2>&1 &
	spid=$!
	sleep 0.5
	ip netns exec $NC timeout 20 iperf3 -c 10.78.0.1 -p 5301 -t 3 $1 |
		grep -E "sender|receiver" | sed "s/^/$2: /"
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
}
iperf "" "client -> wgc"
iperf "-R" "wgc -> client"
echo "client UDP receive-buffer drops (wireguard-go not keeping up):" \
	"$(ip netns exec $NC nstat -az UdpRcvbufErrors 2>/dev/null |
	awk '/UdpRcvbufErrors/ {print $2}')"

step "what wireguard-go saw"
ip netns exec $NC wg show wgcdemo-g0 | grep -E "handshake|transfer"

step "what wgc says (wg show through wgc's UAPI socket)"
ip netns exec $NS wg show wgcdemo

step "the peer's stats from wgc's REST API"
ckey=$(echo "$cpk" | tr '+/' '-_')
echo "curl --unix-socket wgc.sock http://wgc/v1/peers/$ckey"
if command -v jq >/dev/null 2>&1; then
	curl -s --unix-socket "$tmp/wgc.sock" "http://wgc/v1/peers/$ckey" | jq .
	echo "curl --unix-socket wgc.sock http://wgc/v1/stats (interface totals)"
	curl -s --unix-socket "$tmp/wgc.sock" http://wgc/v1/stats | jq -c \
		'.interface | {peers, decap_ok, encap_ok, inner_rx, inner_tx,
		proto_session_derived}'
else
	curl -s --unix-socket "$tmp/wgc.sock" "http://wgc/v1/peers/$ckey"
	echo
fi

step "stopping wgc (SIGTERM): its counters"
kill -TERM $wgc_pid
wait $wgc_pid
rc=$?
dts_untrack $wgc_pid
grep -E "^wgc: (stats|peer|drop|proto|net|outer|tun|stopping)" "$tmp/wgc.log"
echo "wgc exit code: $rc"
[ $rc -eq 0 ]
