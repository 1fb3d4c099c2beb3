#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc <-> wgc over IPv6 outer transport, TUN inner on both sides:
#
#   ns wgcdev-a: wgc A, af_packet on wgcdev-av, fd80::1 / 192.168.80.1,
#                TUN wgcdev-ta 10.80.1.1/24
#   ns wgcdev-b: wgc B, af_packet on wgcdev-bv, fd80::2 / 192.168.80.2,
#                TUN wgcdev-tb 10.80.2.1/24
#
# A knows B's endpoint [fd80::2]:51820 (IPv6 neighbour discovery between
# the two wgc host stacks), B learns A's from the handshake. Checks: ping
# both ways, TCP with iperf3, IPv6 outer seen on the wire, clean stops.

DTS_NAME=wgc_pair
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)

NA=wgcdev-a
NB=wgcdev-b
dts_init

ska=$(wg genkey); pka=$(echo "$ska" | wg pubkey)
skb=$(wg genkey); pkb=$(echo "$skb" | wg pubkey)

dts_netns $NA
dts_netns $NB
ip link del wgcdev-av 2>/dev/null
ip link add wgcdev-av type veth peer name wgcdev-bv
ip link set wgcdev-av netns $NA
ip link set wgcdev-bv netns $NB
for x in "$NA wgcdev-av" "$NB wgcdev-bv"; do
	set -- $x
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" link set "$2" up
	dts_offloads_off "$1" "$2"
done

# conf NAME PRIVKEY MAINLCORE WORKER IF OUTER4 OUTER6 TUN TUNADDR PEERPUB
#      PEERNET [ENDPOINT]
conf() {
	ep=""
	[ -n "${12:-}" ] && ep="\"endpoint\": \"${12}\","
	cat <<EOF
{
	"eal": ["--no-huge", "-m", "384", "--no-pci", "--no-shconf",
		"-l", "0-1", "--main-lcore", "$3", "--file-prefix", "wgc-dev-$1",
		"--vdev", "net_af_packet0,iface=$5", "--log-level", "*:notice"],
	"interface": { "name": "$1", "private_key": "$2",
		"listen_port": 51820 },
	"outer": [ { "port": "net_af_packet0", "ipv4": "$6",
		"ipv6": "$7" } ],
	"inner": { "type": "tun", "name": "$8", "addresses": ["$9"],
		"mtu": 1420 },
	"workers": [$4],
	"control": { "socket": "$DTS_TMP/$1.sock", "uapi_dir": "",
		"state_dir": "" },
	"peers": [ { "public_key": "${10}", $ep
		"allowed_ips": ["${11}"] } ]
}
EOF
}
conf wgcdev-a "$ska" 0 1 wgcdev-av 192.168.80.1/24 fd80::1/64 wgcdev-ta \
	10.80.1.1/24 "$pkb" 10.80.2.0/24 "[fd80::2]:51820" >"$DTS_TMP/a.json"
conf wgcdev-b "$skb" 1 0 wgcdev-bv 192.168.80.2/24 fd80::2/64 wgcdev-tb \
	10.80.2.1/24 "$pka" 10.80.1.0/24 >"$DTS_TMP/b.json"

# start NS NAME TUN ROUTE
start() {
	log=$DTS_TMP/$2.log
	dts_wgc_launch "$1" "$DTS_TMP/$2.json" "$log"
	rc=$?
	eval "PID_$2=$WGC_PID"
	[ $rc -eq 0 ] && ip -n "$1" route add "$4" dev "$3"
}

dts_check "wgc A starts" start $NA a wgcdev-ta 10.80.2.0/24
dts_check "wgc B starts" start $NB b wgcdev-tb 10.80.1.0/24
dts_capture $NB wgcdev-bv "$DTS_TMP/cap.pcapng" "udp port 51820"
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
dts_check "A -> B ping (A initiates over IPv6 outer)" \
	dts_retry 10 pingx $NA 10.80.2.1
dts_check "B -> A ping" dts_retry 5 pingx $NB 10.80.1.1
dts_check "A -> B 50 pings" ip netns exec $NA ping -c 50 -i 0.02 -W 1 \
	10.80.2.1
tcp() {
	ip netns exec $NB timeout 20 iperf3 -s -1 -B 10.80.2.1 -p 5202 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	ip netns exec $NA timeout 15 iperf3 -c 10.80.2.1 -p 5202 -t 2 \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep -E "receiver" "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3 A->B: /'
	[ $rc -eq 0 ]
}
dts_check "TCP A -> B (iperf3)" tcp
cat "$DTS_TMP/check.out"
dts_capture_stop
dts_check "every datagram over IPv6 decodes as WireGuard (tshark)" \
	dts_tshark_all_wg "$DTS_TMP/cap.pcapng" 51820 ipv6
cat "$DTS_TMP/check.out"
dts_wgc_stop $PID_a "$DTS_TMP/a.log"
dts_wgc_stop $PID_b "$DTS_TMP/b.log"
dts_done
