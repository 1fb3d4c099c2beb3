#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Live changes under traffic: while a UDP flow (iperf3) and a ping run
# through one peer (wireguard-go), 10 000 other peers are added and
# removed through the REST API (bulk POST, single PUT/PATCH/DELETE, bulk
# PUT replacing the set). The flow must lose no packet, the peer must keep
# its session (same handshake time), and wgc must stop cleanly. The client
# peer itself is added with unmodified `wg set` on wgc's UAPI socket, and
# `wg syncconf` with a changed file must keep its session too.
#
#   ns wgcctl-w                               ns wgcctl-c
#   wgc: net_af_packet on veth wgcctl-wv ---- veth wgcctl-cv 192.168.78.2
#        outer 192.168.78.1                   wireguard-go wgcctl-g0
#        TUN wgcctl-t0 10.78.0.1              10.78.0.2
#
# Run as root, from the build directory or the source tree.

DTS_NAME=ctl_churn
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ -n "${WGC:-}" ]; then
	wgc=$WGC
elif [ -x app/wgc ]; then
	wgc=$PWD/app/wgc
else
	wgc=$here/../build/app/wgc
fi

NW=wgcctl-w
NC=wgcctl-c
PORT=51820
CPORT=51821
CHURN=10000

dts_init
for t in wireguard-go wg iperf3 ethtool ping curl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "$DTS_NAME: $t missing (devtools/install-deps.sh)"
		echo "dts: 0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x "$wgc" ]; then
	echo "$DTS_NAME: $wgc missing"; echo "dts: 0 passed, 1 failed"; exit 1
fi

wsk=$(wg genkey); wpk=$(echo "$wsk" | wg pubkey)
csk=$(wg genkey); cpk=$(echo "$csk" | wg pubkey)
echo "$csk" >"$DTS_TMP/client.key"
REST=$DTS_TMP/rest.sock

dts_netns $NW
dts_netns $NC
ip link add wgcctl-wv type veth peer name wgcctl-cv
ip link set wgcctl-wv netns $NW
ip link set wgcctl-cv netns $NC
ip -n $NW link set wgcctl-wv up
ip -n $NC link set wgcctl-cv up
ip -n $NC addr add 192.168.78.2/24 dev wgcctl-cv
dts_offloads_off $NW wgcctl-wv
dts_offloads_off $NC wgcctl-cv
ip netns exec $NW sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec $NW sysctl -qw net.ipv6.conf.wgcctl-wv.disable_ipv6=1

cat >"$DTS_TMP/wgc.json" <<EOF
{
	"eal": ["--no-huge", "-m", "512", "--no-pci", "--no-shconf",
		"-l", "0-1", "--file-prefix", "wgc-ctl-churn",
		"--vdev", "net_af_packet0,iface=wgcctl-wv",
		"--log-level", "*:notice"],
	"interface": {
		"name": "wgcctl",
		"private_key": "$wsk",
		"listen_port": $PORT,
		"max_peers": 16384
	},
	"outer": [ { "port": "net_af_packet0", "ipv4": "192.168.78.1/24" } ],
	"inner": { "type": "tun", "name": "wgcctl-t0",
		"addresses": ["10.78.0.1/24"], "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$REST", "state_dir": "$DTS_TMP/state" },
	"peers": []
}
EOF
rm -f /var/run/wireguard/wgcctl.sock

ip netns exec $NW "$wgc" --config "$DTS_TMP/wgc.json" >"$DTS_TMP/wgc.log" 2>&1 &
WGC_PID=$!
dts_track $WGC_PID "$DTS_TMP/wgc.log"
up() { grep -q "^wgc: up" "$DTS_TMP/wgc.log"; }
dts_check "wgc starts" dts_retry 10 up
dts_check "wg set adds the client peer through wgc's UAPI" \
	wg set wgcctl peer "$cpk" endpoint 192.168.78.2:$CPORT \
	allowed-ips 10.78.0.2/32

client_start() {
	ip netns exec $NC wireguard-go -f wgcctl-g0 \
		>"$DTS_TMP/wireguard-go.log" 2>&1 &
	GO_PID=$!
	dts_track $GO_PID "$DTS_TMP/wireguard-go.log"
	i=0
	while [ $i -lt 50 ] && [ ! -S /var/run/wireguard/wgcctl-g0.sock ]; do
		sleep 0.1; i=$((i + 1))
	done
	ip netns exec $NC wg set wgcctl-g0 private-key "$DTS_TMP/client.key" \
		listen-port $CPORT peer "$wpk" endpoint 192.168.78.1:$PORT \
		allowed-ips 10.78.0.0/24 &&
	ip -n $NC addr add 10.78.0.2/24 dev wgcctl-g0 &&
	ip -n $NC link set wgcctl-g0 up
}
dts_check "wireguard-go client" client_start
ping1() { ip netns exec $NC ping -c 1 -W 1 10.78.0.1; }
dts_check "the client reaches wgc (handshake)" dts_retry 10 ping1
wgshow() {
	wg show wgcctl >"$DTS_TMP/wgshow" 2>&1
	cat "$DTS_TMP/wgshow"
	grep -q "latest handshake" "$DTS_TMP/wgshow" &&
		grep -q "transfer:" "$DTS_TMP/wgshow"
}
dts_check "wg show wgcctl shows the handshake and transfer" wgshow

api() { # METHOD PATH [BODY-FILE] -> HTTP status on stdout
	if [ $# -ge 3 ]; then
		curl -s -o "$DTS_TMP/api.out" -w '%{http_code}' --unix-socket "$REST" \
			-X "$1" -H 'Content-Type: application/json' --data-binary "@$3" \
			"http://wgc$2"
	else
		curl -s -o "$DTS_TMP/api.out" -w '%{http_code}' --unix-socket "$REST" \
			-X "$1" "http://wgc$2"
	fi
}
url_key() { echo "$1" | tr '+/' '-_' | tr -d '='; }
hs_of_client() {
	curl -s --unix-socket "$REST" "http://wgc/v1/peers/$(url_key "$cpk")" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["last_handshake"])'
}
hs0=$(hs_of_client)
[ -n "$hs0" ] && [ "$hs0" != 0 ] && dts_ok "client's handshake time via REST ($hs0)" ||
	dts_fail "client's handshake time via REST: '$hs0'"

# the churn: batches of 1000 new peers (10.200.0.0/16 + 10.201.0.0/16)
/usr/bin/python3 - "$DTS_TMP" "$CHURN" "$cpk" <<'EOF'
import base64, hashlib, json, sys
d, n, cpk = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keys = [base64.b64encode(hashlib.sha256(b"wgcctl%d" % i).digest()).decode()
        for i in range(n)]
for b in range(0, n, 1000):
    with open("%s/batch%d.json" % (d, b // 1000), "w") as f:
        json.dump([{"public_key": keys[i],
                    "allowed_ips": ["10.%d.%d.%d/32" % (200 + (i >> 16),
                                    (i >> 8) & 255, i & 255)],
                    "endpoint": "192.0.2.%d:51820" % (1 + i % 250)}
                   for i in range(b, min(n, b + 1000))], f)
with open("%s/keys" % d, "w") as f:
    f.write("\n".join(keys) + "\n")
with open("%s/only_client.json" % d, "w") as f:
    json.dump([{"public_key": cpk, "endpoint": "192.168.78.2:51821",
                "allowed_ips": ["10.78.0.2/32"]}], f)
EOF

# traffic: iperf3 UDP (counts lost datagrams) and a ping at 100/s
ip netns exec $NW iperf3 -s -1 -B 10.78.0.1 -p 5202 >"$DTS_TMP/iperf-s.log" 2>&1 &
ISRV=$!
dts_track $ISRV
sleep 0.5
ip netns exec $NC iperf3 -c 10.78.0.1 -p 5202 -u -b 20M -l 1200 -t 25 \
	>"$DTS_TMP/iperf-c.log" 2>&1 &
ICLI=$!
ip netns exec $NC ping -i 0.01 -w 25 -W 1 10.78.0.1 >"$DTS_TMP/ping.log" 2>&1 &
PING=$!
sleep 2

t0=$(date +%s.%N)
ok=1
for b in $(seq 0 $((CHURN / 1000 - 1))); do
	s=$(api POST /v1/peers "$DTS_TMP/batch$b.json")
	[ "$s" = 200 ] || { ok=0; echo "POST batch $b: $s $(cat "$DTS_TMP/api.out")"; }
done
t1=$(date +%s.%N)
[ $ok = 1 ] && dts_ok "added $CHURN peers in 10 bulk POSTs under traffic ($(echo "$t1 - $t0" | bc) s)" ||
	dts_fail "bulk adds"
n=$(curl -s --unix-socket "$REST" http://wgc/v1/interface |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])')
[ "$n" = $((CHURN + 1)) ] && dts_ok "REST reports $n peers" || dts_fail "peer count $n"
# single changes: 100 PATCH, 100 DELETE
ok=1
i=0
for k in $(sed -n '1,100p' "$DTS_TMP/keys"); do
	printf '{"persistent_keepalive": 25, "endpoint": "192.0.2.77:4242", "allowed_ips": ["10.202.0.%d/32", "10.203.%d.0/24"]}' \
		"$i" "$i" >"$DTS_TMP/patch.json"
	s=$(api PATCH "/v1/peers/$(url_key "$k")" "$DTS_TMP/patch.json")
	[ "$s" = 200 ] || { ok=0; echo "PATCH $k: $s $(cat "$DTS_TMP/api.out")"; }
	i=$((i + 1))
done
for k in $(sed -n '101,200p' "$DTS_TMP/keys"); do
	s=$(api DELETE "/v1/peers/$(url_key "$k")")
	[ "$s" = 204 ] || { ok=0; echo "DELETE $k: $s"; }
done
[ $ok = 1 ] && dts_ok "100 PATCH + 100 DELETE under traffic" ||
	dts_fail "single changes"
# remove everything else but the client in one bulk PUT
s=$(api PUT /v1/peers "$DTS_TMP/only_client.json")
[ "$s" = 200 ] && dts_ok "bulk PUT back to the client alone" ||
	dts_fail "bulk PUT: $s $(cat "$DTS_TMP/api.out")"
t2=$(date +%s.%N)
echo "info: churn of $CHURN peers took $(echo "$t2 - $t0" | bc) s"

wait $ICLI
wait $PING
lost=$(grep -E "receiver" "$DTS_TMP/iperf-c.log" | sed -n 's|.* \([0-9]*\)/\([0-9]*\) (.*|\1 \2|p' | tail -1)
echo "info: iperf3 UDP lost/total: ${lost:-?}"
grep -E "sender|receiver" "$DTS_TMP/iperf-c.log" | sed 's/^/info: /'
set -- $lost
[ -n "${1:-}" ] && [ "$1" = 0 ] && [ "${2:-0}" -gt 1000 ] &&
	dts_ok "UDP flow lost no datagram during the churn ($2 sent)" ||
	dts_fail "UDP flow lost datagrams: ${lost:-no report}"
pl=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$DTS_TMP/ping.log")
echo "info: ping: $pl"
tx=$(echo "$pl" | awk '{print $1}'); rx=$(echo "$pl" | awk '{print $4}')
[ -n "$tx" ] && [ "$tx" = "$rx" ] && [ "$tx" -gt 1000 ] &&
	dts_ok "ping lost nothing during the churn ($pl)" ||
	dts_fail "ping: $pl"
hs1=$(hs_of_client)
[ "$hs1" = "$hs0" ] && dts_ok "the client's session survived (same handshake $hs1)" ||
	echo "info: handshake time moved $hs0 -> $hs1 (a rekey after 2 min is normal)"
n=$(curl -s --unix-socket "$REST" http://wgc/v1/interface |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])')
[ "$n" = 1 ] && dts_ok "one peer left" || dts_fail "peers left: $n"
dts_check "tunnel still up" ping1

# wg syncconf: 500 more peers and a new keepalive for the client
hs0=$(hs_of_client)
wg showconf wgcctl | sed "s|^\(PublicKey = $cpk\)\$|\1\nPersistentKeepalive = 15|" \
	>"$DTS_TMP/sync.conf"
sed -n '1,500p' "$DTS_TMP/keys" |
	awk '{printf "[Peer]\nPublicKey = %s\nAllowedIPs = 10.220.%d.%d/32\n", $1, NR / 250, NR % 250}' \
	>>"$DTS_TMP/sync.conf"
ip netns exec $NC ping -i 0.01 -c 300 -W 1 10.78.0.1 >"$DTS_TMP/ping2.log" 2>&1 &
PING=$!
sleep 0.5
dts_check "wg syncconf (+500 peers, client keepalive changed)" \
	wg syncconf wgcctl "$DTS_TMP/sync.conf"
wait $PING
n=$(wg show wgcctl peers | wc -l)
[ "$n" = 501 ] && dts_ok "501 peers after syncconf" || dts_fail "peers: $n"
wg show wgcctl persistent-keepalive | grep "$cpk" | grep -q 15 &&
	dts_ok "client keepalive changed by syncconf" || dts_fail "keepalive"
hs1=$(hs_of_client)
[ "$hs1" = "$hs0" ] && dts_ok "syncconf kept the client's session (handshake $hs1)" ||
	dts_fail "handshake time changed by syncconf: $hs0 -> $hs1"
pl=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$DTS_TMP/ping2.log")
echo "info: ping during syncconf: $pl"
tx=$(echo "$pl" | awk '{print $1}'); rx=$(echo "$pl" | awk '{print $4}')
[ -n "$tx" ] && [ "$tx" = "$rx" ] && dts_ok "no ping lost during syncconf" ||
	dts_fail "ping during syncconf: $pl"

# kill -9 and restart: everything acknowledged comes back from state_dir
wg showconf wgcctl >"$DTS_TMP/before-kill.conf"
kill -9 $WGC_PID
wait $WGC_PID 2>/dev/null
dts_untrack $WGC_PID
ip netns exec $NW "$wgc" --config "$DTS_TMP/wgc.json" >"$DTS_TMP/wgc2.log" 2>&1 &
WGC_PID=$!
dts_track $WGC_PID "$DTS_TMP/wgc2.log"
up2() { grep -q "^wgc: up" "$DTS_TMP/wgc2.log"; }
dts_check "wgc restarts after kill -9" dts_retry 10 up2
sameconf() {
	wg showconf wgcctl >"$DTS_TMP/after-kill.conf" &&
		cmp "$DTS_TMP/before-kill.conf" "$DTS_TMP/after-kill.conf"
}
dts_check "the live device after restart is what was acknowledged" \
	dts_retry 5 sameconf
dts_check "the client reconnects" dts_retry 10 ping1

dts_wgc_stop $WGC_PID "$DTS_TMP/wgc2.log"
dts_done
