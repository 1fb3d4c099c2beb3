#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Hostile traffic at wgc (dts/badtraffic.py), category by category, with
# wgc's drop counters (SIGUSR1 dump) read before and after each:
#
#   ns wgce2e-c                               ns wgce2e-w
#   veth wgce2e-cv 10.211.0.1 -------------- veth wgce2e-wv (MTU 9000)
#   wgc-loadgen (10.212.0.2 inside)           wgc: net_af_packet, 10.211.0.2
#   badtraffic.py                             TUN wgce2e-t1 10.212.0.1/24
#
# Checks per category: the frames sent are all counted as drops (the sum
# of wgc's drop counters grows by exactly the frames sent; the reasons
# are printed), nothing reaches the TUN. Then wgc still serves a real
# peer (handshake, ping), and stops cleanly (exit 0, pools full).
# Run as root, from the build directory or the source tree.

DTS_NAME=badtraffic_wgc
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NC=wgce2e-c
NW=wgce2e-w
PORT=51820
TUN=wgce2e-t1
TARGET=10.211.0.2:$PORT
COUNT=${BADTRAFFIC_COUNT:-40}

dts_init
dts_need wireguard-go wg ethtool "$PY"
dts_loadgen_bin
T=$DTS_TMP
dts_keys w c
WPUB=$wpk
CPUB=$cpk

dts_netns $NC
dts_netns $NW
# no IPv6 chatter from either kernel: it would be counted by wgc too
dts_ipv6_off $NC
dts_ipv6_off $NW
dts_veth $NC wgce2e-cv $NW wgce2e-wv 9000
dts_addr $NC wgce2e-cv 10.211.0.1/24
# the kernel must not process wgc's frames (as with a NIC under a PMD)
ip -n $NW link add wgce2e-br1 type bridge
ip -n $NW link set wgce2e-wv master wgce2e-br1

dts_conf "$T/wgc.json" name=wgce2e1 key="$wsk" port=$PORT prefix=wgce2e-bad \
	vdev=net_af_packet0,iface=wgce2e-wv ipv4=10.211.0.2/24 iname=$TUN \
	addr=10.212.0.1/24 sock="$T/rest.sock" "peer=$CPUB ips=10.212.0.2/32"
LOG=$T/wgc.log
dts_wgc_launch $NW "$T/wgc.json" "$LOG"
WPID=$WGC_PID
if grep -q "^wgc: up" "$LOG"; then
	dts_ok "wgc up on af_packet with a TUN"
else
	dts_fail "wgc up on af_packet with a TUN"
	dts_done
fi

lg() {
	lg_name=$1
	shift
	dts_lg $NC "$lg_name" "$T/c.key" "$WPUB" $TARGET "$@"
}

if lg ping1 --ping --ping-count 2 --inner-src 10.212.0.2 \
		--inner-dst 10.212.0.1; then
	dts_ok "loadgen: handshake and ping through wgc"
else
	dts_fail "loadgen: handshake and ping through wgc"
fi

# capture a real session for the replays
dts_bt_capture $NC wgce2e-cv $PORT
lg capstream --stream 20 --size 100 --pps 200 --inner-src 10.212.0.2 \
	--inner-dst 10.212.0.1
wait $DTS_BT_PID
if grep -q "captured 21 messages" "$T/capture.log"; then
	dts_ok "captured a session for replay"
else
	dts_fail "captured a session for replay"
fi

# snap OUT: SIGUSR1, wait for the dump, keep "reason value" drop lines
# (pipeline.*, net.* and the handshake drops proto.drop_*; proto's
# transport_* counters repeat the pipeline's decap drops)
snap() {
	n=$(wc -l <"$LOG")
	kill -USR1 $WPID
	j=0
	while [ $j -lt 30 ]; do
		tail -n +$((n + 1)) "$LOG" | grep -q "^wgc: peer" && break
		sleep 0.1
		j=$((j + 1))
	done
	tail -n +$((n + 1)) "$LOG" | awk '
		/^wgc: drop: / { print $3, $4 }
		/^wgc: proto: drop_/ { print "proto." $3, $4 }' >"$1"
}

# delta A B: "reason +n" lines and a final "total N". Reasons our frames
# (UDP to wgc's port) cannot cause are background (e.g. ICMP errors for
# wgc's keepalives to a departed loadgen): listed, not summed.
delta() {
	awk 'FILENAME == ARGV[1] { a[$1] = $2; next }
		{ d = $2 - a[$1]; if (d == 0) next
		  if ($1 ~ /^(net\.(icmp|arp|nd)|pipeline\.(no_peer|inner_not_ip|no_endpoint))$/)
			printf "background:%s +%d\n", $1, d
		  else { printf "%s +%d\n", $1, d; t += d } }
		END { printf "total %d\n", t }' "$1" "$2"
}

# ip_stat NS FIELD: a field of the "Ip:" line of /proc/net/snmp
ip_stat() {
	ip netns exec "$1" awk -v f="$2" '/^Ip:/ { if (!h) { for (i = 1;
		i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }' \
		/proc/net/snmp
}

MAC=$(ip -n $NW link show wgce2e-wv | awk '/link\/ether/ { print $2 }')
sleep 1
rx0=$(dts_rx $NW $TUN)
cats=$("$PY" "$here/badtraffic.py" list | awk '{ print $1 }')
for c in $cats; do
	rq0=$(ip_stat $NW ReasmReqds)
	ok0=$(ip_stat $NW ReasmOKs)
	snap "$T/before"
	ip netns exec $NC "$PY" "$here/badtraffic.py" send --iface wgce2e-cv \
		--target $TARGET --dst-mac "$MAC" --count $COUNT \
		--category "$c" --pcap "$T/cap.pcap" >"$T/bad-$c.log" 2>&1
	rc=$?
	sleep 0.5
	snap "$T/after"
	sent=$(dts_field sent "$T/bad-$c.log" | head -n 1)
	delta "$T/before" "$T/after" >"$T/delta-$c"
	total=$(awk '/^total/ { print $2 }' "$T/delta-$c")
	reasons=$(grep -v '^total' "$T/delta-$c" | tr '\n' ' ')
	if [ "$c" = fragments ]; then
		# net_af_packet's socket uses PACKET_FANOUT_FLAG_DEFRAG: the
		# kernel reassembles fragments before the PMD sees them and
		# keeps lone fragments (ReasmReqds/ReasmOKs of wgc's netns).
		# wgc sees (and must drop) only the whole datagrams.
		whole=$(dts_field whole "$T/bad-$c.log")
		rq=$(($(ip_stat $NW ReasmReqds) - rq0))
		ok=$(($(ip_stat $NW ReasmOKs) - ok0))
		echo "$DTS_NAME: fragments: kernel reassembly requests +$rq," \
			"reassembled +$ok, whole datagrams sent $whole"
		if [ "$rq" = "$sent" ] && [ "$ok" = "$whole" ]; then
			dts_ok "fragments: all $sent taken by the AF_PACKET defrag"
		else
			dts_fail "fragments: all $sent taken by the AF_PACKET defrag"
		fi
		sent=$whole
	fi
	if [ $rc -ne 0 ] || [ -z "$sent" ]; then
		dts_fail "$c: badtraffic failed (rc $rc)"
		cat "$T/bad-$c.log"
	elif [ "$total" = "$sent" ]; then
		dts_ok "$c: $sent frames, $total counted: $reasons"
	else
		dts_fail "$c: $sent frames, $total counted: $reasons"
		sed 's/^/    /' "$T/bad-$c.log"
		echo "    counters before:" $(cat "$T/before")
		echo "    counters after:" $(cat "$T/after")
	fi
done
rx1=$(dts_rx $NW $TUN)
if [ "$rx1" -eq "$rx0" ]; then
	dts_ok "no hostile frame (replays included) reached the TUN"
else
	dts_fail "hostile frames reached the TUN: rx +$((rx1 - rx0))"
fi

if lg ping2 --ping --ping-count 2 --inner-src 10.212.0.2 \
		--inner-dst 10.212.0.1; then
	dts_ok "after the barrage: handshake and ping through wgc"
else
	dts_fail "after the barrage: handshake and ping through wgc"
fi
if kill -0 $WPID 2>/dev/null; then
	dts_wgc_stop $WPID "$LOG"
else
	dts_fail "wgc still running after the barrage"
fi
dts_done
