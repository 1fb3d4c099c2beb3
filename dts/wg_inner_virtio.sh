#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# wgc with the `virtio_user` inner edge against wireguard-go. The kernel
# here has no vhost-net, so the vhost-user backend is ours: wgc-vhost-fwd
# (net_vhost, server) forwards between the vhost socket and a net_tap
# port whose kernel side is the protected network.
#
#   ns wgcvh-c: wireguard-go wgcvh-g 10.86.0.2, fd86::2, outer 192.168.86.2
#        | veth wgcvh-cv -- wgcvh-wv
#   ns wgcvh-w: wgc, outer af_packet 192.168.86.1,
#               inner virtio_user -> $DTS_TMP/vhost.sock (MAC $MAC)
#        | vhost-user socket
#   ns wgcvh-n: wgc-vhost-fwd: net_vhost0 (server) <-> net_tap0 -> kernel
#               tap wgcvh-nt 10.86.0.1, fd86::1 (static neighbours of the
#               client's addresses -> wgc's inner MAC)
#
# Checks: without a backend wgc refuses to start (clear error); the
# configured inner MAC; handshake, ping IPv4 and IPv6 both ways, large
# pings, TCP both ways (iperf3); the backend stops under a running wgc,
# which keeps running; wgc's inner port counters, the forwarder's
# counters, clean SIGTERM exits (wgc: pools full; forwarder: pool full).
# WGC_WORKERS=2 (wg_inner_virtio_2w.sh) and WGC_VH_SERVER=1
# (wg_inner_virtio_server.sh: wgc is the vhost-user server, SIGTERM while
# it waits, stale socket, backend restart and reconnect) below.
# WGC_VH_COMPARE=1 also runs the same iperf3 with a TUN inner edge after
# the checks and prints both rates, and with each edge the rate at which
# wgc delivers a pre-encrypted stream (wgc-loadgen, 64 and 1420 B) to the
# inner interface (figures only, not checks).
# WGC_VH_HUGE=1 runs wgc on 2 MB hugepages (--in-memory; wgc adds
# --single-file-segments itself) instead of --no-huge, if 192 are free.

DTS_NAME=wg_inner_virtio
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)
fwd=$(dirname "$wgc")/wgc-vhost-fwd
lg=$(dirname "$wgc")/wgc-loadgen

NW=wgcvh-w
NC=wgcvh-c
NN=wgcvh-n
MAC=02:00:00:00:86:01
PORT=51820

dts_init
dts_need wireguard-go wg iperf3 ethtool ping "$fwd"

# WGC_WORKERS=2: two workers (both on CPU 1), two virtio queue pairs, two
# vhost queues forwarded to a two-queue tap, two af_packet queue pairs
if [ "${WGC_WORKERS:-1}" = 2 ]; then
	LCORES="--lcores 0@0,1@1,2@1"
	QP=",qpairs=2"
	WORKERS="1,2"
	NQ=2
else
	LCORES="-l 0-1"
	QP=""
	WORKERS="1"
	NQ=1
fi
# WGC_VH_SERVER=1: wgc's virtio_user is the vhost-user server (server=1)
# and the backend connects to it (net_vhost client=1): start order
# reversed, and a restarted backend reconnects
if [ "${WGC_VH_SERVER:-0}" = 1 ]; then
	VU_OPT=",server=1"
	VH_OPT=",client=1"
else
	VU_OPT=""
	VH_OPT=""
fi
EALMEM=.
if [ "${WGC_VH_HUGE:-0}" = 1 ]; then
	free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages \
		2>/dev/null || echo 0)
	if [ "$free" -ge 192 ]; then
		EALMEM='.eal |= map(select(. != "--no-huge")) + ["--in-memory"]'
		dts_log "wgc on hugepages ($free free)"
	else
		dts_log "only $free hugepages free: --no-huge"
	fi
fi

dts_keys w c l
sock=$DTS_TMP/vhost.sock

dts_pair $NW wgcvh-wv $NC wgcvh-cv 192.168.86.2/24
dts_netns $NN

# ---- the vhost-user backend and the protected network
flog=$DTS_TMP/fwd.log
start_fwd() {
	ip netns exec $NN "$fwd" --no-huge -m 256 --no-pci --no-shconf -l 0 \
		--file-prefix wgcvh-fwd --log-level '*:notice' \
		--vdev "net_vhost0,iface=$sock,queues=$NQ$VH_OPT" \
		--vdev net_tap0,iface=wgcvh-nt -- --queues $NQ >"$flog" 2>&1 &
	FWD_PID=$!
	dts_track $FWD_PID "$flog"
	dts_wait_line "$flog" "^fwd: up" $FWD_PID && [ -S "$sock" ] || return 1
	dts_lan $NN wgcvh-nt 1420 $MAC 10.86.0.1/24,fd86::1/64 10.86.0.2,fd86::2
}

# ---- wgc; inner.name carries the socket path and virtio_user devargs
# wgc_conf KEY=VALUE...: wgc.json with these inner.* parameters
wgc_conf() {
	dts_conf "$DTS_TMP/wgc.json" name=wgcvh key="$wsk" port=$PORT \
		prefix=wgcvh-wgc "lcores=$LCORES" workers=$WORKERS \
		vdev=net_af_packet0,iface=wgcvh-wv$QP ipv4=192.168.86.1/24 \
		sock="$DTS_TMP/rest.sock" uapi= "json=$EALMEM" \
		"peer=$cpk ips=10.86.0.2/32,fd86::2/128" \
		"peer=$lpk ips=10.86.5.2/32" "$@"
}
log=$DTS_TMP/wgc.log
start_wgc() {
	dts_wgc_launch $NW "$DTS_TMP/wgc.json" "$log"
}
# as vhost-user server wgc comes up only once its backend connected
launch_wgc() {
	ip netns exec $NW "$wgc" --config "$DTS_TMP/wgc.json" >"$log" 2>&1 &
	WGC_PID=$!
	dts_track $WGC_PID "$log"
}
wgc_up() {
	dts_wait_line "$log" "^wgc: up" $WGC_PID
}
inner_mac() {
	grep -q "^wgc: inner port: virtio_user_wgc mac $MAC" "$log"
}
client() {
	dts_wggo $NC wgcvh-g "$DTS_TMP/c.key" 51821 10.86.0.2/24,fd86::2/64 \
		"$DTS_TMP/go.log" peer "$wpk" endpoint 192.168.86.1:$PORT \
		allowed-ips 10.86.0.0/24,fd86::/64
}
pingx() { ip netns exec "$1" ping -c 1 -W 1 "$2"; }
handshake() {
	ip netns exec $NC wg show wgcvh-g latest-handshakes |
		awk '{exit !($2 > 0)}'
}
# iperf3 NS_SERVER ADDR NS_CLIENT [-R]: 2 s of TCP, rate in $DTS_TMP/rate
tcp() {
	ip netns exec "$1" timeout 20 iperf3 -s -1 -B "$2" -p 5286 \
		>/dev/null 2>&1 &
	s=$!
	sleep 0.5
	# shellcheck disable=SC2086
	ip netns exec "$3" timeout 15 iperf3 -c "$2" -p 5286 -t 2 ${4:-} \
		>"$DTS_TMP/iperf.log" 2>&1
	rc=$?
	kill $s 2>/dev/null
	wait $s 2>/dev/null
	grep receiver "$DTS_TMP/iperf.log" | sed 's/^/info: iperf3: /'
	grep receiver "$DTS_TMP/iperf.log" |
		awk '{print $(NF-2), $(NF-1)}' >"$DTS_TMP/rate"
	[ $rc -eq 0 ]
}
# stream NS IF SIZE N: wgc-loadgen (the second peer) sends N pre-encrypted
# packets of SIZE B to 10.86.0.9 (not local: dropped behind the inner
# interface); prints the rate at which IF in NS received them
stream() {
	rm -f "$DTS_TMP/rx.ready"
	ip netns exec "$1" "$PY" "$here/lib/rxrate.py" "$2" --idle 1 --max 30 \
		--ready "$DTS_TMP/rx.ready" >"$DTS_TMP/rx.log" 2>&1 &
	r=$!
	dts_wait_file "$DTS_TMP/rx.ready" 5
	ip netns exec $NC "$lg" --private-key-file "$DTS_TMP/l.key" \
		--peer-key "$wpk" --target 192.168.86.1:$PORT --lcore 0 \
		--stream "$4" --size "$3" --inner-src 10.86.5.2 \
		--inner-dst 10.86.0.9 >"$DTS_TMP/lg.log" 2>&1
	wait $r
	echo "$3 B: sent $(dts_field pps "$DTS_TMP/lg.log" | head -n 1) pps," \
		"delivered $(dts_field packets "$DTS_TMP/rx.log") of $4 at" \
		"$(dts_field pps "$DTS_TMP/rx.log") pps"
}
streams() {
	for sz in 64 1420; do
		info "$3 inner edge, stream $(stream "$1" "$2" $sz 200000)"
	done
}
info() { echo "info: $*"; }

# the counters wgc prints at exit: inner port rx and tx both > 0
inner_counters() {
	grep "^wgc: inner port: rx" "$log" &&
	grep "^wgc: inner port: rx" "$log" |
		awk '{exit !($5 > 0 && $7 > 0)}'
}
# both ports received and sent; with two queues, every RX queue was used
fwd_counters() {
	grep -E "^fwd: net_(vhost|tap)0: rx" "$1" &&
	[ "$(grep -E "^fwd: net_(vhost|tap)0: rx" "$1" |
		awk '$4 > 0 && $8 > 0 && $14 > 0 && (NF == 14 || $15 > 0)' |
		wc -l)" -eq 2 ]
}
stop_fwd() {
	kill -TERM $FWD_PID 2>/dev/null
	wait $FWD_PID
	rc=$?
	dts_untrack $FWD_PID
	[ $rc -eq 0 ] && grep -Eq "^fwd: stopping; pool ([0-9]+)/\1 mbufs" \
		"$flog"
}

wgc_conf inner=virtio_user iname="$sock,mac=$MAC$VU_OPT"

# without a backend, a vhost-user client cannot start: a clear error
no_backend() {
	ip netns exec $NW "$wgc" --config "$DTS_TMP/wgc.json" \
		>"$DTS_TMP/nob.log" 2>&1 &
	dts_wait_exit $! 100
	rc=$?
	cat "$DTS_TMP/nob.log"
	[ $rc -ne 0 ] && [ $rc -ne 124 ] &&
	grep -q "wgc: inner port virtio_user_wgc" "$DTS_TMP/nob.log"
}

# as server, wgc waits for its backend: SIGTERM must still stop it
term_waiting() {
	ip netns exec $NW "$wgc" --config "$DTS_TMP/wgc.json" \
		>"$DTS_TMP/wait.log" 2>&1 &
	p=$!
	dts_wait_line "$DTS_TMP/wait.log" "waiting for client connection" \
		$p || { kill -9 $p; wait $p; return 1; }
	kill -TERM $p
	dts_wait_exit $p || return 1
	grep "stopped during startup" "$DTS_TMP/wait.log"
}

if [ -n "$VU_OPT" ]; then
	dts_check "SIGTERM while waiting for the backend: exit 0" term_waiting
	launch_wgc
	dts_check "wgc-vhost-fwd connects to wgc's vhost-user socket" \
		start_fwd
	dts_check "wgc starts with a virtio_user inner port (server)" wgc_up
	dts_check "the socket left by the interrupted start was removed" \
		grep -q "removed stale socket" "$log"
else
	dts_check "no backend: wgc refuses to start, names the inner port" \
		no_backend
	dts_check "wgc-vhost-fwd listens on the vhost-user socket" start_fwd
	dts_check "wgc starts with a virtio_user inner port" start_wgc
fi
dts_check "wgc's inner MAC is the configured one" inner_mac
dts_check "vhost link up once virtio_user connected" \
	dts_retry 5 grep -q "^fwd: port 0 link up" "$flog"
dts_check "wireguard-go configured" client
dts_check "client -> protected network (IPv4)" dts_retry 10 pingx $NC 10.86.0.1
dts_check "handshake seen by wg" handshake
dts_check "protected network -> client (IPv4)" dts_retry 5 pingx $NN 10.86.0.2
dts_check "client -> protected network (IPv6)" dts_retry 5 pingx $NC fd86::1
dts_check "protected network -> client (IPv6)" dts_retry 5 pingx $NN fd86::2
dts_check "20 pings of 1392 B" ip netns exec $NC ping -c 20 -i 0.05 -s 1392 \
	-W 1 10.86.0.1
dts_check "TCP client -> protected network (iperf3)" tcp $NN 10.86.0.1 $NC
rate_virtio=$(cat "$DTS_TMP/rate")
dts_check "TCP protected network -> client (iperf3 -R)" \
	tcp $NN 10.86.0.1 $NC -R
rate_virtio_r=$(cat "$DTS_TMP/rate")
if [ $NQ = 2 ]; then
	# four flows each way: the tap spreads them over the vhost queues
	# (wgc's virtio RX queues), the outer fanout over wgc's workers
	# (its virtio TX queues)
	dts_check "TCP, 4 flows client -> protected network" \
		tcp $NN 10.86.0.1 $NC "-P 4"
	dts_check "TCP, 4 flows protected network -> client" \
		tcp $NN 10.86.0.1 $NC "-P 4 -R"
fi
[ "${WGC_VH_COMPARE:-0}" = 1 ] && streams $NN wgcvh-nt virtio_user
ip netns exec $NN ip -s link show wgcvh-nt | sed 's/^/info: /'
dts_check "wgc-vhost-fwd exits 0, pool full" stop_fwd
dts_check "forwarder counted both directions" fwd_counters "$flog"
grep -E "^fwd: net_" "$flog" | sed 's/^/info: /'
mv "$flog" "$DTS_TMP/fwd1.log"
DTS_LOGS="$DTS_LOGS $DTS_TMP/fwd1.log"
# the backend went away: wgc keeps serving (its inner edge is down); as
# vhost-user server it takes a restarted backend back
if [ -n "$VU_OPT" ]; then
	dts_check "backend restarted, connects to wgc again" start_fwd
	dts_check "traffic resumes after the backend restart" \
		dts_retry 10 pingx $NC 10.86.0.1
fi
dts_check "wgc still runs after its backend left" kill -0 $WGC_PID
dts_wgc_stop $WGC_PID "$log"
dts_check "wgc's inner port counted rx and tx" inner_counters
dts_check "no buffer leaked in the inner port" \
	sh -c "! grep -Eq 'still in use|leaked' '$log'"
[ -n "$VU_OPT" ] &&
	dts_check "restarted wgc-vhost-fwd exits 0, pool full" stop_fwd
info "virtio_user inner edge: client -> inner $rate_virtio," \
	"inner -> client $rate_virtio_r"

# ---- optional: the same transfer with a TUN inner edge, for comparison
if [ "${WGC_VH_COMPARE:-0}" = 1 ]; then
	wgc_conf iname=wgcvh-t addr=10.86.0.1/24
	if start_wgc && dts_retry 10 pingx $NC 10.86.0.1 >/dev/null &&
			tcp $NW 10.86.0.1 $NC && cp "$DTS_TMP/rate" \
			"$DTS_TMP/rate1" && tcp $NW 10.86.0.1 $NC -R; then
		info "TUN inner edge: client -> inner $(cat "$DTS_TMP/rate1")," \
			"inner -> client $(cat "$DTS_TMP/rate")"
		streams $NW wgcvh-t TUN
	else
		info "TUN comparison run failed"
	fi
	kill -TERM $WGC_PID 2>/dev/null
	wait $WGC_PID
	dts_untrack $WGC_PID
fi
dts_done
