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

wgc=$(dts_wgc_bin)
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECS:-5}
modes=${BENCH_MODES:-"off on"}
NS=wgctun-s
NC=wgctun-c
T=$DTS_TMP

dts_netns $NS
dts_netns $NC
ip link del wgctun-sv 2>/dev/null
ip link add wgctun-sv type veth peer name wgctun-cv
ip link set wgctun-sv netns $NS
ip link set wgctun-cv netns $NC
ip -n $NS link set wgctun-sv up
ip -n $NC link set wgctun-cv up
ip -n $NC addr add 192.168.79.2/24 dev wgctun-cv
dts_offloads_off $NS wgctun-sv
dts_offloads_off $NC wgctun-cv
ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1

ssk=$(wg genkey)
spk=$(echo "$ssk" | wg pubkey)
csk=$(wg genkey)
cpk=$(echo "$csk" | wg pubkey)
echo "$csk" >"$T/client.key"

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

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
	cat >"$T/wgc.json" <<EOF
{
	"eal": ["--no-huge", "-m", "384", "--no-pci", "--no-shconf",
		"-l", "0-1", "--file-prefix", "wgctun-bench",
		"--vdev", "net_af_packet0,iface=wgctun-sv",
		"--log-level", "*:notice"],
	"interface": { "name": "wgctun", "private_key": "$ssk",
		"listen_port": 51830 },
	"outer": [ { "port": "net_af_packet0", "ipv4": "192.168.79.1/24" } ],
	"inner": { "type": "tun", "name": "wgctun0", "offload": $off,
		"addresses": ["10.79.0.1/24"], "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$T/wgc.sock", "state_dir": "",
		"uapi_dir": "" },
	"peers": [ { "public_key": "$cpk", "allowed_ips": ["10.79.0.2/32"] } ]
}
EOF
	log=$T/wgc-$mode.log
	ip netns exec $NS "$wgc" --config "$T/wgc.json" >"$log" 2>&1 &
	wpid=$!
	dts_track $wpid "$log"
	i=0
	while ! grep -q "^wgc: up" "$log" && [ $i -lt 100 ]; do
		kill -0 $wpid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	ip netns exec $NC wireguard-go -f wgctun-g0 >"$T/go.log" 2>&1 &
	gpid=$!
	dts_track $gpid "$T/go.log"
	i=0
	while [ ! -S /var/run/wireguard/wgctun-g0.sock ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ip netns exec $NC wg set wgctun-g0 private-key "$T/client.key" \
		peer "$spk" endpoint 192.168.79.1:51830 \
		allowed-ips 10.79.0.0/24
	ip -n $NC addr add 10.79.0.2/24 dev wgctun-g0
	ip -n $NC link set wgctun-g0 up
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
	me=$(echo $enc | tr ' ' '\n' | median)
	md=$(echo $dec | tr ' ' '\n' | median)
	eval "enc_$mode=$me; dec_$mode=$md"
	dts_check "offload $mode: TCP data flows both ways" \
		awk "BEGIN { exit !($me > 0 && $md > 0) }"
	kill $gpid 2>/dev/null
	wait $gpid 2>/dev/null
	dts_untrack $gpid
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
