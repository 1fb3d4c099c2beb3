#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc with the `ethdev` inner edge (a DPDK net_tap port: routed
# deployment) against wireguard-go:
#
#   ns wgcdev-x: wgc, outer af_packet on wgcdev-xv 192.168.81.1,
#                inner net_tap -> kernel tap wgcdev-xt 10.81.0.1, fd81::1
#   ns wgcdev-y: wireguard-go 10.81.0.2, fd81::2, outer 192.168.81.2
#
# The kernel behind the tap is the protected network: it reaches the
# client's addresses through wgc's inner port (static neighbour entries
# pointing at the port's MAC). Checks: ping both ways (IPv4, IPv6), TCP,
# clean stop with full pools.

DTS_NAME=wg_inner_tap
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)

NX=wgcdev-x
NY=wgcdev-y
MAC=02:00:00:00:81:01
dts_init

xsk=$(wg genkey); xpk=$(echo "$xsk" | wg pubkey)
ysk=$(wg genkey); ypk=$(echo "$ysk" | wg pubkey)
echo "$ysk" >"$DTS_TMP/y.key"

dts_netns $NX
dts_netns $NY
ip link del wgcdev-xv 2>/dev/null
ip link add wgcdev-xv type veth peer name wgcdev-yv
ip link set wgcdev-xv netns $NX
ip link set wgcdev-yv netns $NY
ip -n $NX link set wgcdev-xv up
ip -n $NY link set wgcdev-yv up
ip -n $NY addr add 192.168.81.2/24 dev wgcdev-yv
ip netns exec $NX sysctl -qw net.ipv6.conf.wgcdev-xv.disable_ipv6=1
dts_offloads_off $NX wgcdev-xv
dts_offloads_off $NY wgcdev-yv

cat >"$DTS_TMP/wgc.json" <<EOF
{
	"eal": ["--no-huge", "-m", "384", "--no-pci", "--no-shconf",
		"-l", "0-1", "--file-prefix", "wgc-dev-itap",
		"--vdev", "net_af_packet0,iface=wgcdev-xv",
		"--vdev", "net_tap0,iface=wgcdev-xt,mac=$MAC",
		"--log-level", "*:notice"],
	"interface": { "name": "wgcdev-x", "private_key": "$xsk",
		"listen_port": 51820 },
	"outer": [ { "port": "net_af_packet0", "ipv4": "192.168.81.1/24" } ],
	"inner": { "type": "ethdev", "name": "net_tap0", "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$DTS_TMP/rest.sock", "uapi_dir": "",
		"state_dir": "" },
	"peers": [ { "public_key": "$ypk",
		"allowed_ips": ["10.81.0.2/32", "fd81::2/128"] } ]
}
EOF

log=$DTS_TMP/wgc.log
start() {
	dts_wgc_launch $NX "$DTS_TMP/wgc.json" "$log" || return 1
	# the protected network behind the tap
	dts_offloads_off $NX wgcdev-xt
	ip -n $NX link set wgcdev-xt up mtu 1420 &&
	ip -n $NX addr add 10.81.0.1/24 dev wgcdev-xt &&
	ip -n $NX addr add fd81::1/64 dev wgcdev-xt nodad &&
	ip -n $NX neigh replace 10.81.0.2 lladdr $MAC dev wgcdev-xt &&
	ip -n $NX neigh replace fd81::2 lladdr $MAC dev wgcdev-xt
}
client() {
	ip netns exec $NY wireguard-go -f wgcdev-gy >"$DTS_TMP/go.log" 2>&1 &
	dts_track $! "$DTS_TMP/go.log"
	i=0
	while [ ! -S /var/run/wireguard/wgcdev-gy.sock ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ip netns exec $NY wg set wgcdev-gy private-key "$DTS_TMP/y.key" \
		peer "$xpk" endpoint 192.168.81.1:51820 \
		allowed-ips 10.81.0.0/24,fd81::/64 &&
	ip -n $NY addr add 10.81.0.2/24 dev wgcdev-gy &&
	ip -n $NY addr add fd81::2/64 dev wgcdev-gy nodad &&
	ip -n $NY link set wgcdev-gy up
}
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }

dts_check "wgc starts with a net_tap inner port" start
dts_check "wireguard-go configured" client
dts_check "client -> protected network (IPv4)" dts_retry 10 pingx $NY 10.81.0.1
dts_check "protected network -> client (IPv4)" dts_retry 5 pingx $NX 10.81.0.2
dts_check "client -> protected network (IPv6)" dts_retry 5 pingx $NY fd81::1
dts_check "20 pings of 1392 B" ip netns exec $NY ping -c 20 -i 0.05 -s 1392 \
	-W 1 10.81.0.1
tcp() {
	ip netns exec $NX timeout 20 iperf3 -s -1 -B 10.81.0.1 -p 5203 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	ip netns exec $NY timeout 15 iperf3 -c 10.81.0.1 -p 5203 -t 2 \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep receiver "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3: /'
	[ $rc -eq 0 ]
}
dts_check "TCP client -> protected network (iperf3)" tcp
cat "$DTS_TMP/check.out"
dts_wgc_stop $WGC_PID "$log"
dts_done
