#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# TUN offload benchmark: iperf3 TCP through wgc (net_af_packet outer, TUN
# inner) against Debian's wireguard-go, with inner.offload off and on.
#
#   ns wgctun-s                        ns wgctun-c
#   wgc: af_packet on wgctun-sv ------ wgctun-cv 192.168.79.2
#        192.168.79.1, TUN wgctun0     wireguard-go wgctun-g0
#        10.79.0.1/24                  10.79.0.2/24
#
# "encrypt": iperf3 client in wgc's namespace, so the kernel's TCP hands
# wgc's TUN TSO super-packets when offloads are on (wgc splits, seals);
# "decrypt": iperf3 -R (wireguard-go's side sends, wgc writes to the TUN,
# coalescing runs of segments into GSO packets when offloads are on).
# Prints each run, the medians of BENCH_RUNS runs and wgc's TUN counters.
# Perf-style: never fails on timing; a check fails only if the tunnel does
# not come up, no data flows, wgc does not exit cleanly, or offload "on"
# splits no super-packet. Run as root under `flock /tmp/wgc-heavy.lock`.
#
# Environment: BENCH_RUNS (3), BENCH_SECS (5), BENCH_MODES ("off on"),
# WGC (the daemon; default: the build directory's app/wgc).

DTS_NAME=bench_tun_gso
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
dts_init

runs=${BENCH_RUNS:-3}
secs=${BENCH_SECS:-5}
modes=${BENCH_MODES:-"off on"}
NS=wgctun-s
NC=wgctun-c
T=$DTS_TMP

dts_pair $NS wgctun-sv $NC wgctun-cv 192.168.79.2/24
dts_ipv6_off $NS
dts_keys s c

# iperf3 ARGS: one run from wgc's namespace to the client; prints Mbit/s
iperf_run() {
	ip netns exec $NC timeout $((secs + 20)) iperf3 -s -1 -B 10.79.0.2 \
		-p 5311 >"$T/iperf-s.log" 2>&1 &
	spid=$!
	sleep 0.5
	ip netns exec $NS timeout $((secs + 15)) iperf3 -c 10.79.0.2 \
		-p 5311 -t "$secs" -f m "$@" >"$T/iperf-c.log" 2>&1
	wait $spid 2>/dev/null
	awk '/receiver/ { for (i = 1; i <= NF; i++)
		if ($i == "Mbits/sec") print $(i - 1) }' "$T/iperf-c.log"
}

for mode in $modes; do
	[ "$mode" = on ] && off=true || off=false
	dts_conf "$T/wgc.json" name=wgctun key="$ssk" port=51830 \
		prefix=wgctun-bench vdev=net_af_packet0,iface=wgctun-sv \
		ipv4=192.168.79.1/24 iname=wgctun0 addr=10.79.0.1/24 \
		sock="$T/wgc.sock" uapi= "peer=$cpk ips=10.79.0.2/32" \
		"json=.inner.offload = $off"
	log=$T/wgc-$mode.log
	dts_wgc_launch $NS "$T/wgc.json" "$log"
	wpid=$WGC_PID
	WGGO_LOG_LEVEL=error dts_wggo $NC wgctun-g0 "$T/c.key" 0 \
		10.79.0.2/24 "$T/go.log" peer "$spk" \
		endpoint 192.168.79.1:51830 allowed-ips 10.79.0.0/24
	gpid=$DTS_WGGO_PID
	dts_check "offload $mode: tunnel up (ping)" dts_retry 5 \
		ip netns exec $NC ping -c 1 -W 2 10.79.0.1
	enc=""
	dec=""
	for r in $(seq "$runs"); do
		e=$(iperf_run)
		d=$(iperf_run -R)
		echo "offload $mode run $r: encrypt ${e:-0} Mbit/s," \
			"decrypt ${d:-0} Mbit/s"
		enc="$enc ${e:-0}"
		dec="$dec ${d:-0}"
	done
	# shellcheck disable=SC2086
	me=$(dts_median $enc)
	# shellcheck disable=SC2086
	md=$(dts_median $dec)
	eval "enc_$mode=$me; dec_$mode=$md"
	dts_check "offload $mode: TCP data flows both ways" \
		awk "BEGIN { exit !($me > 0 && $md > 0) }"
	dts_stop $gpid
	dts_wgc_stop $wpid "$log"
	grep -E "^wgc: tun" "$log" | sed "s/^/offload $mode: /"
	if [ "$mode" = on ]; then
		dts_check "offload on: super-packets split" \
			grep -Eq "^wgc: tun: offload on gso [1-9]" "$log"
		dts_check "offload on: segments coalesced towards the kernel" \
			grep -Eq "^wgc: tun: offload on .* gro [1-9]" "$log"
	else
		dts_check "offload off: no super-packet" \
			grep -Eq "^wgc: tun: offload off gso 0 " "$log"
	fi
done

echo "iperf3 TCP, ${secs} s, medians of $runs (Mbit/s):"
for mode in $modes; do
	eval "echo \"  offload $mode: encrypt (wgc sends) \$enc_$mode," \
		"decrypt (wgc receives) \$dec_$mode\""
done
echo "command: cd build && flock /tmp/wgc-heavy.lock meson test" \
	"--suite perf-dts bench_tun_gso -v  (or: flock /tmp/wgc-heavy.lock" \
	"dts/bench_tun_gso.sh from the build directory)"
dts_done
