# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers of the e2e suites (wgc-loadgen, wireguard-go, benchmarks),
# sourced by POSIX sh scripts after setting DTS_NAME. The generic check
# counting (dts_init, dts_ok, dts_fail, dts_check, dts_netns, dts_track,
# dts_done, ...) comes from dts/lib.sh when it exists; a compatible
# minimal fallback is defined here otherwise. The suite sets `here` to
# its own directory (dts/) before sourcing this file.

E2E_DTS=$here
E2E_LIB=$here/lib
PY=/usr/bin/python3

if [ -f "$E2E_DTS/lib.sh" ]; then
	. "$E2E_DTS/lib.sh"
else
	DTS_PASS=0
	DTS_FAIL=0
	DTS_NS=""
	DTS_PIDS=""
	DTS_LOGS=""
	DTS_TMP=""

	dts_init() {
		if [ "$(id -u)" -ne 0 ]; then
			echo "$DTS_NAME: needs root (network namespaces)" >&2
			echo "dts: 0 passed, 1 failed"
			exit 1
		fi
		DTS_TMP=$(mktemp -d "/tmp/wgce2e-$DTS_NAME.XXXXXX")
		trap dts_cleanup EXIT
		trap 'exit 1' INT TERM
	}
	dts_log() { echo "$DTS_NAME: $*"; }
	dts_ok() { DTS_PASS=$((DTS_PASS + 1)); echo "ok - $*"; }
	dts_fail() { DTS_FAIL=$((DTS_FAIL + 1)); echo "not ok - $*"; }
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
	dts_netns() {
		ip netns del "$1" 2>/dev/null
		ip netns add "$1"
		DTS_NS="$DTS_NS $1"
		ip -n "$1" link set lo up
	}
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
fi

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
	i=0
	while [ ! -S "/var/run/wireguard/$2.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
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
	i=0
	while [ ! -e "$1" ] && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}
