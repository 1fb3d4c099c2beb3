#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers shared by the dts suites (sourced, POSIX sh). Each suite sets
# DTS_NAME and calls dts_init; checks are counted by dts_ok / dts_fail and
# dts_done prints "dts: N passed, N failed" and exits.

DTS_PASS=0
DTS_FAIL=0
DTS_NS=""
DTS_PIDS=""
DTS_LOGS=""
DTS_TMP=""

# The daemon under test: $WGC, else app/wgc of the build directory the
# suite runs in (meson's workdir), else build/app/wgc beside dts/.
dts_wgc_bin() {
	if [ -n "${WGC:-}" ]; then
		echo "$WGC"
	elif [ -x app/wgc ]; then
		echo "$PWD/app/wgc"
	else
		echo "$(cd "$(dirname "$0")" && pwd)/../build/app/wgc"
	fi
}

dts_init() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$DTS_NAME: needs root (network namespaces)" >&2
		echo "dts: 0 passed, 1 failed"
		exit 1
	fi
	DTS_TMP=$(mktemp -d "/tmp/wgc-dts-$DTS_NAME.XXXXXX")
	trap dts_cleanup EXIT
	trap 'exit 1' INT TERM HUP PIPE
}

dts_log() {
	echo "$DTS_NAME: $*"
}

dts_ok() {
	DTS_PASS=$((DTS_PASS + 1))
	echo "ok - $*"
}

dts_fail() {
	DTS_FAIL=$((DTS_FAIL + 1))
	echo "not ok - $*"
}

# dts_check NAME CMD...: run CMD, count its result
dts_check() {
	name=$1
	shift
	if "$@" >"$DTS_TMP/check.out" 2>&1; then
		dts_ok "$name"
	else
		dts_fail "$name"
		sed 's/^/    /' "$DTS_TMP/check.out" | tail -20
	fi
}

# dts_retry SECONDS CMD...: run CMD until it succeeds or time runs out
dts_retry() {
	t=$1
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		t=$((t - 1))
	done
	"$@"
}

dts_netns() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1"
	DTS_NS="$DTS_NS $1"
	ip -n "$1" link set lo up
}

# remember a background process and its log for cleanup / failure dumps
dts_track() {
	DTS_PIDS="$DTS_PIDS $1"
	[ -n "${2:-}" ] && DTS_LOGS="$DTS_LOGS $2"
}

dts_untrack() {
	new=""
	for p in $DTS_PIDS; do
		[ "$p" = "$1" ] || new="$new $p"
	done
	DTS_PIDS=$new
}

dts_dump_logs() {
	for l in $DTS_LOGS; do
		[ -f "$l" ] || continue
		echo "----- $l"
		tail -n 80 "$l"
	done
}

dts_cleanup() {
	for p in $DTS_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $DTS_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	for n in $DTS_NS; do
		ip netns del "$n" 2>/dev/null
	done
	[ -n "$DTS_TMP" ] && rm -rf "$DTS_TMP"
}

dts_done() {
	if [ "$DTS_FAIL" -ne 0 ]; then
		echo "$DTS_NAME: failures; logs follow"
		dts_dump_logs
	fi
	echo "dts: $DTS_PASS passed, $DTS_FAIL failed"
	[ "$DTS_FAIL" -eq 0 ]
	exit $?
}

# offloads off on a veth end, or UDP/TCP checksums arrive partial
dts_offloads_off() {
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off \
		rx off >/dev/null 2>&1 || true
}

# dts_wgc_launch NS CONFIG LOG: start wgc on CONFIG in namespace NS ("-":
# here), track it and its log, wait up to 15 s for "wgc: up". Sets
# WGC_PID; succeeds once the daemon is up.
dts_wgc_launch() {
	if [ "$1" = "-" ]; then
		"$(dts_wgc_bin)" --config "$2" >"$3" 2>&1 &
	else
		ip netns exec "$1" "$(dts_wgc_bin)" --config "$2" >"$3" 2>&1 &
	fi
	WGC_PID=$!
	dts_track $WGC_PID "$3"
	i=0
	while [ $i -lt 150 ]; do
		grep -q "^wgc: up" "$3" && return 0
		kill -0 $WGC_PID 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "^wgc: up" "$3"
}

# dts_capture NS IF PCAP FILTER: tshark writes IF's FILTER traffic to PCAP
# (in the background, tracked) until dts_capture_stop or DTS_CAP_MAX
# packets (20 000: a TCP test at Gbit/s would otherwise leave hundreds of
# MB for the checks to decode)
dts_capture() {
	ip netns exec "$1" tshark -q -i "$2" -w "$3" -f "$4" \
		-c "${DTS_CAP_MAX:-20000}" >"$3.log" 2>&1 &
	DTS_CAP_PID=$!
	dts_track $DTS_CAP_PID "$3.log"
	# capturing once tshark says so (a loaded machine takes seconds)
	i=0
	while [ $i -lt 100 ] && ! grep -q "Capturing on" "$3.log" 2>/dev/null
	do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
}

dts_capture_stop() {
	sleep 0.3
	# SIGINT: tshark finishes writing the file before it exits
	kill -INT $DTS_CAP_PID 2>/dev/null
	wait $DTS_CAP_PID 2>/dev/null
	dts_untrack $DTS_CAP_PID
}

# dts_tshark_all_wg PCAP PORT FILTER: every UDP datagram from PORT that
# matches FILTER in PCAP decodes as valid WireGuard (and there is one)
dts_tshark_all_wg() {
	total=$(tshark -r "$1" -d udp.port=="$2",wg \
		-Y "$3 && udp.srcport==$2" 2>/dev/null | wc -l)
	wgok=$(tshark -r "$1" -d udp.port=="$2",wg \
		-Y "$3 && udp.srcport==$2 && wg.type && !_ws.malformed" \
		2>/dev/null | wc -l)
	types=$(tshark -r "$1" -d udp.port=="$2",wg -T fields -e wg.type \
		-Y "$3 && udp.srcport==$2" 2>/dev/null | sort | uniq -c |
		tr '\n' ' ')
	echo "tshark: $total datagrams from wgc, $wgok valid WireGuard;" \
		"types: $types"
	[ "$total" -gt 0 ] && [ "$total" -eq "$wgok" ]
}

# dts_wgc_stop PID LOG: SIGTERM, wait, check exit 0 and full pools
dts_wgc_stop() {
	pid=$1
	log=$2
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	dts_untrack "$pid"
	if [ $rc -eq 0 ]; then
		dts_ok "wgc exits 0 on SIGTERM"
	else
		dts_fail "wgc exits 0 on SIGTERM (exit $rc)"
	fi
	if grep -Eq "default pool ([0-9]+)/\1 buffers free" "$log"; then
		dts_ok "pools full after stop"
	else
		dts_fail "pools full after stop"
	fi
}

# dts_wait_line FILE REGEX PID [TENTHS]: wait until FILE has a line
# matching REGEX (grep -E) while PID lives, at most TENTHS/10 s (10 s)
dts_wait_line() {
	_w_i=0
	while [ $_w_i -lt "${4:-100}" ]; do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
		_w_i=$((_w_i + 1))
	done
	grep -Eq "$2" "$1" 2>/dev/null
}

# dts_wait_exit PID [TENTHS]: wait for a child to exit by itself, at most
# TENTHS/10 s (5 s). Returns its exit status, or 124 if it had to be
# killed (SIGKILL) at the end of that time.
dts_wait_exit() {
	_w_i=0
	while kill -0 "$1" 2>/dev/null && [ $_w_i -lt "${2:-50}" ]; do
		sleep 0.1
		_w_i=$((_w_i + 1))
	done
	if kill -9 "$1" 2>/dev/null; then
		wait "$1"
		echo "pid $1 did not exit, killed"
		return 124
	fi
	wait "$1"
}
