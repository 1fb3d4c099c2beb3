# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers of the e2e suites (wgc-loadgen, wireguard-go, benchmarks),
# sourced by POSIX sh scripts after setting DTS_NAME. The generic check
# counting (dts_init, dts_ok, dts_fail, dts_check, dts_netns, dts_track,
# dts_done, ...) comes from dts/lib.sh, sourced here. The suite sets
# `here` to its own directory (dts/) before sourcing this file.

E2E_DTS=$here
E2E_LIB=$here/lib
PY=/usr/bin/python3

. "$E2E_DTS/lib.sh"

# e2e_find_tool NAME: path of build/app/NAME (env override LOADGEN/WGC)
e2e_find_tool() {
	if [ -x "app/$1" ]; then
		echo "$PWD/app/$1"
	elif [ -x "$E2E_DTS/../build/app/$1" ]; then
		echo "$E2E_DTS/../build/app/$1"
	else
		return 1
	fi
}

# e2e_need CMD...: fail the suite at once if a tool is missing
e2e_need() {
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "$t" ]; then
			echo "$DTS_NAME: $t missing (devtools/install-deps.sh)"
			echo "dts: 0 passed, 1 failed"
			exit 1
		fi
	done
}

# e2e_veth NS_A IF_A CIDR_A NS_B IF_B CIDR_B MTU: veth pair, offloads off
e2e_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
		return 1
	ip -n "$1" link set "$2" mtu "$7" up
	ip -n "$4" link set "$5" mtu "$7" up
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	for x in "$1 $2" "$4 $5"; do
		set -- $x
		ip netns exec "$1" ethtool -K "$2" tx off tso off gso off \
			gro off rx off >/dev/null 2>&1 || true
	done
}

# e2e_wggo_start NS IFNAME KEYFILE PORT CIDR LOG: start wireguard-go
# with a TUN, configure it with wg, set E2E_WGGO_PID.
e2e_wggo_start() {
	LOG_LEVEL=${WGGO_LOG_LEVEL:-verbose} WG_PROCESS_FOREGROUND=1 \
		ip netns exec "$1" wireguard-go -f "$2" >"$6" 2>&1 &
	E2E_WGGO_PID=$!
	dts_track "$E2E_WGGO_PID" "$6"
	_e_i=0
	while [ ! -S "/var/run/wireguard/$2.sock" ] && [ $_e_i -lt 50 ]; do
		sleep 0.1
		_e_i=$((_e_i + 1))
	done
	ip netns exec "$1" wg set "$2" private-key "$3" listen-port "$4" &&
	ip -n "$1" addr add "$5" dev "$2" &&
	ip -n "$1" link set "$2" up
}

# e2e_rx NS IF: rx_packets of an interface in a namespace
e2e_rx() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# e2e_field KEY FILE: value of the last "KEY=value" in FILE
e2e_field() {
	sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "$2" | tail -n 1
}

# e2e_median N...: median of numbers (integers or decimals)
e2e_median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
		if (NR == 0) print 0;
		else if (NR % 2) print a[(NR + 1) / 2];
		else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# e2e_wait_file FILE SECONDS
e2e_wait_file() {
	_e_i=0
	while [ ! -e "$1" ] && [ $_e_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_e_i=$((_e_i + 1))
	done
	[ -e "$1" ]
}

# e2e_stop PID: SIGTERM a tracked child and reap it (SIGKILL after 3 s)
e2e_stop() {
	kill "$1" 2>/dev/null
	dts_wait_exit "$1" 30
	dts_untrack "$1"
}

# e2e_rest SOCK PATH: GET PATH from wgc's REST socket
e2e_rest() {
	curl -s --unix-socket "$1" "http://wgc$2"
}

# e2e_iperf_tcp SRV_NS CLI_NS ADDR PORT TAG [-R]: iperf3 TCP for 2 s from
# CLI_NS to a one-shot server on ADDR in SRV_NS (-R: the other way);
# prints "figure: TAG: N Mbit/s" (also appended to $DTS_TMP/figures) and
# fails unless at least 1 MB arrived (a stalled path moves nothing)
e2e_iperf_tcp() {
	ip netns exec "$1" timeout 20 iperf3 -s -1 -B "$3" -p "$4" \
		>"$DTS_TMP/iperf-s.log" 2>&1 &
	_e_s=$!
	sleep 0.5
	ip netns exec "$2" timeout 15 iperf3 -J -c "$3" -p "$4" -t 2 ${6:-} \
		>"$DTS_TMP/iperf-c.json" 2>&1
	wait $_e_s
	_e_b=$(jq '.end.sum_received.bytes // 0' "$DTS_TMP/iperf-c.json" \
		2>/dev/null)
	_e_m=$(jq '(.end.sum_received.bits_per_second // 0) / 1e6 | floor' \
		"$DTS_TMP/iperf-c.json" 2>/dev/null)
	echo "figure: $5: ${_e_m:-0} Mbit/s" | tee -a "$DTS_TMP/figures"
	jq -r '.error // empty' "$DTS_TMP/iperf-c.json" 2>/dev/null
	[ "${_e_b:-0}" -gt 1000000 ]
}
