#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Two wgc nodes with the same private key share their peers through a real
# etcd (Debian's etcd-server) in a namespace of the suite's own; real
# wireguard-go clients reach both nodes at one anycast address through a
# router whose route to it decides which node a flow reaches (ECMP's role):
#
#   ns ocsA: node A                   ns ocsE                   ns ocsB: node B
#     ocs-ac 10.86.0.11 ------- bridge ocs-cb 10.86.0.1 ------- ocs-bc 10.86.0.12
#                                  etcd :2379
#     af_packet ocs-aw ---------- ocs-ea   router   ocs-eb ---------- af_packet ocs-bw
#     outer 192.168.88.1            192.168.88.254 (both)             outer 192.168.88.1
#     TUN ocs-t0 10.87.0.1          route 192.168.88.1/32 -> A or B   TUN ocs-t0 10.87.0.1
#                                   ocs-ec 10.88.0.254
#                                       |
#                                   ns ocsC: ocs-cx 10.88.0.10
#                                   wireguard-go ocs-c 10.87.0.2 (moves A -> B)
#                                   wireguard-go ocs-d 10.87.0.3 (UDP port
#                                   51988: a rule keeps it on A)
#
# Checks: a peer written with etcdctl appears on both nodes within 1 s; a
# peer added through A's REST appears on B within 1 s and is in etcd; when
# the router moves client C's flow from A to B, C resumes its pings once
# its own timers make it handshake with B (the time is printed: A, alive,
# keeps initiating towards C for REKEY_ATTEMPT_TIME, and C's answers go
# to B, so WireGuard's timers bound it at about 90 + 15 s); etcd
# stopped: both nodes keep forwarding (C through B, D through A), REST
# writes get 503, health says degraded; etcd restarted: a change written
# at once reaches both nodes, health ok again; node A stopped: D's flow
# moves to B and resumes once D's timers make it handshake (printed).

# OCS_KEEP=DIR: copy the logs and state there before cleaning up.

DTS_NAME=cluster_sync
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib/cluster.sh"

NE=ocsE
NA=ocsA
NB=ocsB
NC=ocsC
PORT=51986
PREFIX=/wgc/ocs/

dts_init
umask 077
dts_need wireguard-go wg curl jq ethtool ping etcdctl "$ETCD_BIN"
T=$DTS_TMP
for k in w c d; do wg genkey >"$T/$k.key"; done
wpk=$(wg pubkey <"$T/w.key")
cpk=$(wg pubkey <"$T/c.key")
dpk=$(wg pubkey <"$T/d.key")
SA=$T/a.sock
SB=$T/b.sock

# br NS NAME: a bridge, up, offloads off
br() {
	ip -n "$1" link add "$2" type bridge &&
	ip -n "$1" link set "$2" up &&
	dts_offloads_off "$1" "$2"
}

# port NS IF EIF: a veth from NS into ns ocsE's control bridge
port() {
	ip link add "$2" netns "$1" type veth peer name "$3" netns $NE &&
	ip -n $NE link set "$3" master ocs-cb up &&
	ip -n "$1" link set "$2" up
}

setup_net() {
	for n in $NE $NA $NB $NC; do dts_netns $n || return 1; done
	br $NE ocs-cb && ip -n $NE addr add 10.86.0.1/24 dev ocs-cb &&
	port $NA ocs-ac ocs-eac && port $NB ocs-bc ocs-ebc &&
	ip -n $NA addr add 10.86.0.11/24 dev ocs-ac &&
	ip -n $NB addr add 10.86.0.12/24 dev ocs-bc &&
	# the anycast address: wgc owns it on each node's outer port
	dts_veth $NA ocs-aw $NE ocs-ea 1500 &&
	dts_addr $NE ocs-ea 192.168.88.254/24 &&
	dts_veth $NB ocs-bw $NE ocs-eb 1500 &&
	dts_addr $NE ocs-eb 192.168.88.254/24 &&
	dts_veth $NC ocs-cx $NE ocs-ec 1500 &&
	dts_addr $NC ocs-cx 10.88.0.10/24 &&
	dts_addr $NE ocs-ec 10.88.0.254/24 &&
	ip -n $NC route add 192.168.88.0/24 via 10.88.0.254 &&
	ip netns exec $NE sysctl -qw net.ipv4.ip_forward=1 &&
	for i in all default ocs-ea ocs-eb ocs-ec; do
		ip netns exec $NE sysctl -qw net.ipv4.conf.$i.rp_filter=0 ||
			return 1
	done &&
	ip -n $NE route replace 192.168.88.1/32 dev ocs-ea &&
	ip -n $NE route add 192.168.88.1/32 dev ocs-ea table 100 &&
	ip -n $NE rule add ipproto udp sport 51988 lookup 100 &&
	ip netns exec $NA sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip netns exec $NB sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

# node NAME NS: wgc on the shared key and the anycast address, its own
# state and REST socket
node() {
	mkdir -p "$T/state-$1"
	cat >"$T/$1.json" <<EOF
{
	"eal": ["--no-huge", "-m", "384", "--no-pci", "--no-shconf",
		"-l", "0-1", "--file-prefix", "od-ocs-$1",
		"--vdev", "net_af_packet0,iface=ocs-$1w",
		"--log-level", "*:notice"],
	"interface": { "name": "ocs$1", "private_key": "$(cat "$T/w.key")",
		"listen_port": $PORT },
	"outer": [ { "port": "net_af_packet0", "ipv4": "192.168.88.1/24",
		"gateway4": "192.168.88.254" } ],
	"inner": { "type": "tun", "name": "ocs-t0",
		"addresses": ["10.87.0.1/24"], "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$T/$1.sock", "state_dir": "$T/state-$1",
		"uapi_dir": "",
		"cluster": { "etcd": ["$CL_ETCD_URL"], "prefix": "$PREFIX",
			"node": "ocs-$1" } }
}
EOF
	dts_wgc_launch "$2" "$T/$1.json" "$T/wgc-$1.log"
}

# client NAME KEYFILE LISTEN ADDR: towards the anycast address
client() {
	dts_wggo $NC "ocs-$1" "$2" "$3" "$4/24" "$T/$1.log" &&
	ip netns exec $NC wg set "ocs-$1" peer "$wpk" \
		endpoint "192.168.88.1:$PORT" allowed-ips 10.87.0.1/32
}

# post SOCK KEY IP: add a peer through a node's REST (POST takes an
# array of peers); prints the HTTP status
post() {
	curl -s -o "$T/post.out" -w '%{http_code}' --unix-socket "$1" \
		-X POST -H 'Content-Type: application/json' \
		--data "[{\"public_key\": \"$2\", \"allowed_ips\": [\"$3\"]}]" \
		http://wgc/v1/peers
}

both_hold() {
	cl_holds "$SA" "$1" && cl_holds "$SB" "$1"
}

dts_check "namespaces, bridges, veths" setup_net
dts_check "etcd up in its own namespace" cl_etcd_start $NE 10.86.0.1
dts_check "node A up" node a $NA
A_PID=$WGC_PID
dts_check "node B up" node b $NB
B_PID=$WGC_PID

# ---- a peer written with etcdctl appears on both nodes
p1=$(wg genkey | wg pubkey)
cl_put_peer $PREFIX "$p1" 10.87.1.1/32
ms=$(cl_wait_ms 1000 both_hold "$p1")
dts_check "a peer put with etcdctl is on both nodes within 1 s ($ms ms)" \
	both_hold "$p1"
echo "figure: cluster: etcdctl put -> both nodes hold the peer: $ms ms" |
	tee -a "$T/figures"

# ---- a peer added through A's REST appears on B and in etcd
p2=$(wg genkey | wg pubkey)
code=$(post "$SA" "$p2" 10.87.1.2/32)
dts_check "POST /v1/peers on A answered 2xx ($code)" \
	sh -c "[ '$code' -ge 200 ] && [ '$code' -lt 300 ]"
dts_check "A holds it when the POST returns (read-your-writes)" \
	cl_holds "$SA" "$p2"
ms=$(cl_wait_ms 1000 cl_holds "$SB" "$p2")
dts_check "the peer added on A is on B within 1 s ($ms ms)" cl_holds "$SB" "$p2"
echo "figure: cluster: REST POST on A -> B holds the peer: $ms ms" |
	tee -a "$T/figures"
dts_check "... and in etcd" cl_etcd_has $PREFIX "$p2"

# ---- clients: C (on A, then moves to B) and D (stays on A)
cl_put_peer $PREFIX "$cpk" 10.87.0.2/32
cl_put_peer $PREFIX "$dpk" 10.87.0.3/32
cl_wait_ms 2000 both_hold "$dpk" >/dev/null
client c "$T/c.key" 51987 10.87.0.2
client d "$T/d.key" 51988 10.87.0.3
dts_check "client C pings through node A" \
	dts_retry 10 ip netns exec $NC ping -c 1 -W 1 -I ocs-c 10.87.0.1
dts_check "client D pings through node A" \
	dts_retry 10 ip netns exec $NC ping -c 1 -W 1 -I ocs-d 10.87.0.1
rx_b0=$(cl_stat "$SB" decap_ok)
ip netns exec $NC ping -D -i 0.2 -W 1 -w 150 -I ocs-c 10.87.0.1 \
	>"$T/ping-move.log" 2>&1 &
PING_PID=$!
sleep 1
t_move=$(date +%s.%N)
ip -n $NE route replace 192.168.88.1/32 dev ocs-eb
# the first reply after the move came through B (A no longer hears C)
resumed() {
	awk -v t="$t_move" -F'[][]' '/bytes from/ && $2 > t + 0.3 {
		print $2; found = 1; exit } END { exit !found }' \
		"$T/ping-move.log"
}
dts_retry 140 resumed >/dev/null
t_res=$(resumed)
kill $PING_PID 2>/dev/null
wait $PING_PID 2>/dev/null
gap=$(awk -v a="$t_move" -v b="${t_res:-0}" 'BEGIN { printf "%.1f", b - a }')
ainit=$(grep -c "Received handshake initiation" "$T/c.log")
echo "figure: cluster: client C's flow moved from node A to node B (A" \
	"alive): pings resume after ${gap} s; C received $ainit initiations" \
	"from A meanwhile (A retries for 90 s; each one keeps C from its" \
	"own retry, and C's answers reach B)" | tee -a "$T/figures"
dts_check "client C resumes its pings through node B (${gap} s)" \
	test -n "$t_res"
ip netns exec $NC ping -c 5 -i 0.2 -W 1 -I ocs-c 10.87.0.1 >/dev/null
dts_check "... through B (B decrypted $(($(cl_stat "$SB" decap_ok) - rx_b0)) packets)" \
	test $(($(cl_stat "$SB" decap_ok) - rx_b0)) -ge 5

# ---- etcd stopped: both nodes keep forwarding, writes 503, degraded
cl_etcd_stop
dts_check "health: A degraded with etcd stopped" \
	dts_retry 10 cl_health_is "$SA" degraded
dts_check "health: B degraded with etcd stopped" \
	dts_retry 10 cl_health_is "$SB" degraded
dts_rest "$SA" /v1/health
echo
rx_a0=$(cl_stat "$SA" decap_ok)
rx_b0=$(cl_stat "$SB" decap_ok)
dts_check "C still pings (etcd stopped)" \
	ip netns exec $NC ping -c 5 -i 0.2 -W 1 -I ocs-c 10.87.0.1
dts_check "D still pings (etcd stopped)" \
	ip netns exec $NC ping -c 5 -i 0.2 -W 1 -I ocs-d 10.87.0.1
dts_check "both nodes forwarded (A decrypted $(($(cl_stat "$SA" decap_ok) - \
	rx_a0)), B $(($(cl_stat "$SB" decap_ok) - rx_b0)))" sh -c \
	"[ $(($(cl_stat "$SA" decap_ok) - rx_a0)) -ge 5 ] &&
	[ $(($(cl_stat "$SB" decap_ok) - rx_b0)) -ge 5 ]"
p3=$(wg genkey | wg pubkey)
code=$(post "$SA" "$p3" 10.87.1.3/32)
cat "$T/post.out"
echo
dts_check "a REST write on A gets 503 ($code)" test "$code" = 503
dts_check "... and is not applied on A" cl_lacks "$SA" "$p3"

# ---- etcd restarted: a change written at once reaches both nodes
dts_check "etcd restarted on its data" cl_etcd_start $NE 10.86.0.1
p4=$(wg genkey | wg pubkey)
cl_put_peer $PREFIX "$p4" 10.87.1.4/32
ms=$(cl_wait_ms 15000 both_hold "$p4")
dts_check "a peer put right after the restart reaches both nodes ($ms ms)" \
	both_hold "$p4"
echo "figure: cluster: etcd restarted, put at once -> both nodes hold it:" \
	"$ms ms (the watches reconnect with backoff up to 5 s)" |
	tee -a "$T/figures"
dts_check "health: A ok again" dts_retry 10 cl_health_is "$SA" ok
dts_check "health: B ok again" dts_retry 10 cl_health_is "$SB" ok
dts_check "C and D still ping" sh -c "ip netns exec $NC ping -c 2 -W 1 \
	-I ocs-c 10.87.0.1 && ip netns exec $NC ping -c 2 -W 1 -I ocs-d \
	10.87.0.1"

# ---- node A goes away: D's flow moves to B; nothing initiates from A
# any more, so D's own timers (15 s without an answer) bound its failover
dts_wgc_stop $A_PID "$T/wgc-a.log"
ip -n $NE route replace 192.168.88.1/32 dev ocs-eb table 100
ms=$(cl_ping_resume $NC ocs-d 10.87.0.1 60 "$T/ping-fail.log")
rc=$?
echo "figure: cluster: node A stopped, D's flow moved to node B: pings" \
	"resume after $ms ms (D: no answer for 15 s -> new handshake with B)" |
	tee -a "$T/figures"
dts_check "D resumes through B after A stopped ($ms ms)" test $rc -eq 0
dts_wgc_stop $B_PID "$T/wgc-b.log"
cl_etcd_stop
cat "$T/figures"
[ -n "${OCS_KEEP:-}" ] && cp -r "$T" "$OCS_KEEP"
dts_done
