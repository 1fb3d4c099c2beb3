#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# net_smoke: drivers/ethdev + lib/net on net_af_packet over a veth pair.
#
# Untagged phase: the kernel in namespace wgcnet-b (10.77.0.2, fd00:77::2)
# talks to wgc-net-smoke in namespace wgcnet-a (10.77.0.1, fd00:77::1): ARP
# and ND resolution both ways, ping and ping6, UDP datagrams to the listen
# port echoed back through the in-place encap (the kernel checks the
# checksums), a datagram to another port dropped and counted, gateways
# resolved, every buffer back at exit.
#
# VLAN phase (this kernel has no 8021q module): scapy on a raw socket
# speaks 802.1Q-tagged ARP, ND and UDP to wgc-net-smoke --vlan 100
# (dts/net_smoke_vlan.py).
#
# Run as root from the build directory (meson test --suite dts does), or
# with BUILD=path/to/build.

DTS_NAME=net_smoke
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

BUILD=${BUILD:-${MESON_BUILD_ROOT:-$(pwd)}}
BIN=$BUILD/test/wgc-net-smoke
NA=wgcnet-a
NB=wgcnet-b
IFA=wgcnet0
IFB=wgcnet1
PID=
dts_init
dts_need "$BIN"
LOG=$DTS_TMP/smoke.log
ALLLOG=$DTS_TMP/all.log
DTS_LOGS=$ALLLOG

# two namespaces joined by a veth; the kernel of a keeps out of the way
make_ns() {
	[ -n "$PID" ] && dts_stop $PID
	PID=
	dts_netns $NA
	dts_netns $NB
	dts_veth $NA $IFA $NB $IFB
	dts_ipv6_off $NA $IFA
}

# start wgc-net-smoke in namespace a with extra options; sets PID and MAC
start_smoke() {
	ip netns exec $NA "$BIN" --no-huge -m 256 --no-pci --no-shconf \
		--file-prefix wgcnet-smoke --log-level='*:notice' -- \
		--listen-port 51820 --seconds 120 "$@" >"$LOG" 2>&1 &
	PID=$!
	dts_track $PID
	dts_wait_line "$LOG" '^ready' $PID
	MAC=$(sed -n 's/^ready mac=\([^ ]*\).*/\1/p' "$LOG" | tr 'A-F' 'a-f')
}

# stop it and check it gave every buffer back
end_smoke() {
	tag=$1
	kill -TERM $PID
	wait $PID
	rc=$?
	dts_untrack $PID
	PID=
	echo "---- $tag" >>"$ALLLOG"
	cat "$LOG" >>"$ALLLOG"
	dts_check "${tag}clean exit (every buffer back)" test $rc -eq 0
	dts_check "${tag}pool in use: 0" grep -q '^pool in use: 0$' "$LOG"
}

udp_echo() {
	ip netns exec $NB $PY - "$1" "$2" <<'EOF'
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
msg = b'wgc-smoke-' + sys.argv[2].encode() * 100
for _ in range(3):
    s.sendto(msg, (sys.argv[1], 51820))
    try:
        data, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    sys.exit(0 if data == msg and peer[1] == 51820 else 1)
sys.exit(1)
EOF
}

# ---- untagged, against the kernel ----
make_ns
dts_addr $NB $IFB 10.77.0.2/24 fd00:77::2/64
start_smoke --port net_af_packet_wgcnet0,iface=$IFA \
	--ip4 10.77.0.1/24 --gw4 10.77.0.2 \
	--ip6 fd00:77::1/64 --gw6 fd00:77::2
dts_check "wgc-net-smoke started" grep -q '^ready' "$LOG"

dts_check "ping 10.77.0.1 (ARP + ICMP echo)" \
	ip netns exec $NB ping -c 3 -i 0.2 -W 2 10.77.0.1
dts_check "kernel learned wgc's MAC by ARP" \
	sh -c "ip netns exec $NB ip neigh show 10.77.0.1 dev $IFB | grep -qi 'lladdr $MAC'"
# the kernel may have learned our MAC from our own gateway request:
# forget it, so that it has to ask (ARP request -> our reply)
ip netns exec $NB ip neigh flush dev $IFB
dts_check "ping 10.77.0.1 after flushing the kernel's neighbours" \
	ip netns exec $NB ping -c 2 -i 0.2 -W 2 10.77.0.1
dts_check "ping6 fd00:77::1 (NS/NA + ICMPv6 echo)" \
	ip netns exec $NB ping -6 -c 3 -i 0.2 -W 2 fd00:77::1
dts_check "kernel learned wgc's MAC by ND" \
	sh -c "ip netns exec $NB ip -6 neigh show fd00:77::1 dev $IFB | grep -qi 'lladdr $MAC'"
dts_check "UDP over IPv4 echoed by encap (kernel verified checksums)" \
	udp_echo 10.77.0.1 x
dts_check "UDP over IPv6 echoed by encap (kernel verified checksums)" \
	udp_echo fd00:77::1 y
# a datagram to another port: dropped and counted
ip netns exec $NB $PY -c "import socket; socket.socket(socket.AF_INET, \
socket.SOCK_DGRAM).sendto(b'x' * 10, ('10.77.0.1', 9999))"
sleep 0.5
end_smoke ""
GWMAC=$(ip netns exec $NB cat /sys/class/net/$IFB/address)
dts_check "gateway4 resolved by ARP" \
	grep -Eiq "^neigh 10.77.0.2 $GWMAC (reachable|stale|probe)" "$LOG"
dts_check "gateway6 resolved by NS" \
	grep -Eiq "^neigh fd00:77::2 $GWMAC (reachable|stale|probe)" "$LOG"
dts_check "wrong-port datagram counted" grep -q '^drop udp_port=1$' "$LOG"
dts_check "ARP requests answered" grep -Eq 'arp_reply_tx=[1-9]' "$LOG"
dts_check "neighbour solicitations answered" grep -Eq 'nd_na_tx=[1-9]' "$LOG"
dts_check "echo replies counted" \
	grep -Eq 'echo_reply_tx=([6-9]|[1-9][0-9]+) ' "$LOG"

# ---- VLAN 100, scapy speaks tagged frames ----
make_ns
dts_ipv6_off $NB $IFB
start_smoke --port net_af_packet_wgcnet0,iface=$IFA --ip4 10.77.0.1/24 \
	--ip6 fd00:77::1/64 --vlan 100
dts_check "[vlan 100] wgc-net-smoke started" grep -q '^ready' "$LOG"
VOUT=$(ip netns exec $NB $PY "$here/net_smoke_vlan.py" $IFB "$MAC" 2>&1)
echo "$VOUT"
DTS_PASS=$((DTS_PASS + $(echo "$VOUT" | grep -c '^ok')))
DTS_FAIL=$((DTS_FAIL + $(echo "$VOUT" | grep -c '^FAIL')))
[ "$(echo "$VOUT" | grep -c '^ok')" -gt 0 ] || dts_fail "[vlan 100] scapy checks ran"
echo "$VOUT" >>"$ALLLOG"
end_smoke "[vlan 100] "
dts_check "[vlan 100] tagged frames classified (no vlan drop for them)" \
	grep -Eq 'rx_arp=[1-9]' "$LOG"

# ---- net_tap, 2 queues: RSS and TX checksum offloads when offered ----
# (the kernel of namespace a is the peer, through the tap interface)
tap_flows() {
	ip netns exec $NA $PY - <<'EOF'
import socket, sys
good = 0
for i in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('10.78.0.2', 41000 + i))
    s.settimeout(2)
    msg = b'tap-%d-' % i * 50
    s.sendto(msg, ('10.78.0.1', 51820))
    try:
        good += s.recv(4096) == msg
    except socket.timeout:
        pass
sys.exit(0 if good == 16 else 1)
EOF
}
ip netns del $NB
dts_netns $NA
start_smoke --port net_tap_wgcnet0,iface=wgcnett0 --queues 2 \
	--ip4 10.78.0.1/24
dts_check "[tap] wgc-net-smoke started on net_tap" grep -q '^ready' "$LOG"
ip netns exec $NA ip addr add 10.78.0.2/24 dev wgcnett0
ip netns exec $NA ip link set wgcnett0 up
dts_offloads_off $NA wgcnett0
dts_check "[tap] ping through net_tap" \
	ip netns exec $NA ping -c 2 -i 0.2 -W 2 10.78.0.1
dts_check "[tap] 16 UDP flows echoed (checksums verified by the kernel)" \
	tap_flows
end_smoke "[tap] "
echo "[tap] $(grep '^ready' "$LOG")"
if grep -q '^ready.* rss=1' "$LOG"; then
	dts_check "[tap] RSS spread the flows over both queues" \
		sh -c "grep -Eq '^queue 0: [1-9]' '$LOG' && grep -Eq '^queue 1: [1-9]' '$LOG'"
fi
dts_done
