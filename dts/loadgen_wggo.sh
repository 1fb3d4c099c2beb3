#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc-loadgen <-> Debian's wireguard-go, and hostile traffic at wireguard-go:
#
#   ns wgce2e-a                               ns wgce2e-b
#   veth wgce2e-va 10.201.0.1  ------------   veth wgce2e-vb 10.201.0.2
#   wgc-loadgen (10.202.0.2 inside)           wireguard-go wgce2e-wg0 (TUN)
#   badtraffic.py                             10.202.0.1/24, port 51820
#
# Checks: the handshake completes (wg show reports it), ICMP echo through
# the tunnel is answered and decrypted, UDP streams (200 B and 1420 B
# inner, and 1420 B as raw frames) arrive complete on wireguard-go's TUN
# and in a UDP socket, PSK
# right and wrong, wrong peer key, bad arguments; then every badtraffic
# category (with replays of captured messages) is sent, nothing of it
# reaches the TUN, wireguard-go survives and a real peer still completes
# a handshake and gets traffic through.
# Run as root, from the build directory or the source tree.

DTS_NAME=loadgen_wggo
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NA=wgce2e-a
NB=wgce2e-b
WG=wgce2e-wg0
PORT=51820
TARGET=10.201.0.2:$PORT

dts_init
dts_need wireguard-go wg ethtool "$PY"
dts_loadgen_bin
T=$DTS_TMP

dts_keys b a x
wg genpsk >"$T/psk"
wg genpsk >"$T/psk2"
BPUB=$bpk
APUB=$apk
XPUB=$xpk

dts_netns $NA
dts_netns $NB
# MTU 9000 on the link so that badtraffic's oversized frames reach the
# target instead of being dropped by the veth
dts_veth $NA wgce2e-va $NB wgce2e-vb 9000
dts_addr $NA wgce2e-va 10.201.0.1/24
dts_addr $NB wgce2e-vb 10.201.0.2/24

if dts_wggo $NB $WG "$T/b.key" $PORT 10.202.0.1/24 "$T/wggo.log" \
		peer "$APUB" allowed-ips 10.202.0.2/32; then
	dts_ok "wireguard-go up with a TUN"
else
	dts_fail "wireguard-go up with a TUN"
	dts_done
fi

# lg NAME ARGS...: run wgc-loadgen in ns A, log to $T/NAME.log, return rc
lg() {
	lg_name=$1
	shift
	dts_lg $NA "$lg_name" "$T/a.key" "$BPUB" $TARGET "$@"
}

# bad arguments: exit 1 and a message, no traffic
"$LG" --private-key nonsense --peer-key "$BPUB" --target $TARGET \
	--handshake-only >"$T/badarg.log" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "not a base64 key" "$T/badarg.log"; then
	dts_ok "bad key argument: exit 1 with a message"
else
	dts_fail "bad key argument: exit 1 with a message (rc $rc)"
fi
"$LG" --private-key-file "$T/a.key" --peer-key "$BPUB" --target $TARGET \
	--stream 10 >"$T/badarg2.log" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "inner-src" "$T/badarg2.log"; then
	dts_ok "missing --inner-src: exit 1 with a message"
else
	dts_fail "missing --inner-src: exit 1 with a message (rc $rc)"
fi

# 1. handshake
if lg hs --handshake-only; then
	dts_ok "handshake with wireguard-go ($(dts_field ms "$T/hs.log") ms)"
else
	dts_fail "handshake with wireguard-go"
fi
hs=$(ip netns exec $NB wg show $WG latest-handshakes | awk '{print $2}')
if [ -n "$hs" ] && [ "$hs" -gt 0 ]; then
	dts_ok "wg show reports the latest handshake"
else
	dts_fail "wg show reports the latest handshake ($hs)"
fi

# 2. ICMP echo through the tunnel, reply decrypted by the loadgen
if lg ping --ping --ping-count 3 --inner-src 10.202.0.2 \
		--inner-dst 10.202.0.1 &&
		grep -q "answered=3" "$T/ping.log"; then
	dts_ok "ping through wireguard-go: 3/3 replies decrypted"
else
	dts_fail "ping through wireguard-go"
fi

# stream_check NAME N SIZE [ARGS]: stream N packets of SIZE to a UDP sink
stream_check() {
	name=$1
	n=$2
	size=$3
	shift 3
	rm -f "$T/sink.ready"
	ip netns exec $NB "$PY" "$here/lib/udpsink.py" 10.202.0.1 9 \
		--expect "$n" --idle 2 --max 20 --ready "$T/sink.ready" \
		>"$T/sink-$name.log" 2>&1 &
	spid=$!
	dts_track $spid "$T/sink-$name.log"
	dts_wait_file "$T/sink.ready" 5
	rx0=$(dts_rx $NB $WG)
	if lg "$name" --stream "$n" --size "$size" --pps 20000 \
			--inner-src 10.202.0.2 --inner-dst 10.202.0.1 \
			--dport 9 "$@"; then
		dts_ok "$name: loadgen sent $n packets"
	else
		dts_fail "$name: loadgen sent $n packets"
	fi
	wait $spid
	rx1=$(dts_rx $NB $WG)
	got=$(dts_field received "$T/sink-$name.log")
	dist=$(dts_field distinct "$T/sink-$name.log")
	if [ "$got" = "$n" ] && [ "$dist" = "$n" ]; then
		dts_ok "$name: $n/$n datagrams in a UDP socket behind the TUN"
	else
		dts_fail "$name: datagrams in the UDP socket ($got, distinct $dist of $n)"
	fi
	if [ $((rx1 - rx0)) -eq "$n" ]; then
		dts_ok "$name: TUN rx counter +$n"
	else
		dts_fail "$name: TUN rx counter +$((rx1 - rx0)), expected $n"
	fi
}

# 3. UDP streams, checksummed inner packets arrive whole
stream_check stream200 2000 200
stream_check stream1420 500 1420
# the same as pre-built frames on an AF_PACKET socket (--raw)
stream_check rawstream 2000 1420 --raw

# 4. preshared key: right one works, none and a wrong one fail (exit 3)
ip netns exec $NB wg set $WG peer "$APUB" preshared-key "$T/psk"
if lg psk --handshake-only --psk-file "$T/psk"; then
	dts_ok "handshake with a preshared key"
else
	dts_fail "handshake with a preshared key"
fi
lg nopsk --handshake-only --timeout 1.5
rc=$?
[ $rc -eq 3 ] && dts_ok "no PSK: handshake fails, exit 3" ||
	dts_fail "no PSK: handshake fails, exit 3 (rc $rc)"
lg wrongpsk --handshake-only --timeout 1.5 --psk-file "$T/psk2"
rc=$?
[ $rc -eq 3 ] && dts_ok "wrong PSK: handshake fails, exit 3" ||
	dts_fail "wrong PSK: handshake fails, exit 3 (rc $rc)"
ip netns exec $NA "$LG" --private-key-file "$T/a.key" --peer-key "$XPUB" \
	--target $TARGET --timeout 1.5 --handshake-only >"$T/wrongkey.log" 2>&1
rc=$?
[ $rc -eq 3 ] && dts_ok "wrong peer key: handshake times out, exit 3" ||
	dts_fail "wrong peer key: handshake times out, exit 3 (rc $rc)"

# 5. capture a real session (initiation + transport) for the replays
dts_bt_capture $NA wgce2e-va $PORT
lg capstream --stream 20 --size 100 --pps 200 --psk-file "$T/psk" \
	--inner-src 10.202.0.2 --inner-dst 10.202.0.1 --dport 9
wait $DTS_BT_PID
if grep -q "captured 21 messages" "$T/capture.log"; then
	dts_ok "captured a session for replay"
else
	dts_fail "captured a session for replay"
fi

# 6. the barrage
sleep 1
rx0=$(dts_rx $NB $WG)
COUNT=50
ip netns exec $NA "$PY" "$here/badtraffic.py" send --iface wgce2e-va \
	--target $TARGET --count $COUNT --pcap "$T/cap.pcap" \
	>"$T/bad.log" 2>&1
rc=$?
DTS_LOGS="$DTS_LOGS $T/bad.log"
cat "$T/bad.log"
ncat=$(grep -c "sent=$COUNT " "$T/bad.log")
if [ $rc -eq 0 ] && [ "$ncat" -eq 11 ]; then
	dts_ok "badtraffic: 11 categories x $COUNT frames sent"
else
	dts_fail "badtraffic: 11 categories x $COUNT frames sent (rc $rc, $ncat)"
fi
sleep 1
rx1=$(dts_rx $NB $WG)
if [ "$rx1" -eq "$rx0" ]; then
	dts_ok "no hostile frame (replays included) reached the TUN"
else
	dts_fail "hostile frames reached the TUN: rx +$((rx1 - rx0))"
fi
if kill -0 "$DTS_WGGO_PID" 2>/dev/null; then
	dts_ok "wireguard-go survived the barrage"
else
	dts_fail "wireguard-go survived the barrage"
fi

# 7. a real peer still gets through
if lg hs2 --handshake-only --psk-file "$T/psk"; then
	dts_ok "handshake after the barrage"
else
	dts_fail "handshake after the barrage"
fi
if lg ping2 --ping --ping-count 2 --psk-file "$T/psk" \
		--inner-src 10.202.0.2 --inner-dst 10.202.0.1; then
	dts_ok "ping after the barrage"
else
	dts_fail "ping after the barrage"
fi

dts_done
