#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The one helper library of the dts suites (sourced, POSIX sh). A suite
# sets DTS_NAME (and `here`, its directory), sources this file and calls
# dts_init; checks are counted by dts_ok / dts_fail / dts_check and
# dts_done prints "dts: N passed, N failed" and exits. Sections:
#   checks        dts_init dts_ok dts_fail dts_check dts_retry dts_done
#   processes     dts_track dts_untrack dts_stop dts_wait dts_wait_line
#                 dts_wait_exit dts_wait_file
#   tools, keys   dts_need dts_tool dts_keys
#   topology      dts_netns dts_veth dts_pair dts_addr dts_ipv6_off
#                 dts_offloads_off dts_bridge dts_lan
#   wgc           dts_conf dts_wgc_launch dts_wgc_stop dts_rest
#   wireguard-go  dts_wggo dts_wggo_stop
#   captures      dts_capture dts_capture_stop dts_tshark_all_wg
#                 dts_bt_capture
#   wgc-loadgen   dts_loadgen_bin dts_lg
#   measuring     dts_iperf_tcp dts_rx dts_field dts_median

DTS_PASS=0
DTS_FAIL=0
DTS_NS=""
DTS_PIDS=""
DTS_LOGS=""
DTS_TMP=""
# dts/ itself (the suite's `here`, else the directory of the script)
DTS_DIR=${here:-$(cd "$(dirname "$0")" && pwd)}
PY=/usr/bin/python3

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
	_ck_name=$1
	shift
	if "$@" >"$DTS_TMP/check.out" 2>&1; then
		dts_ok "$_ck_name"
	else
		dts_fail "$_ck_name"
		sed 's/^/    /' "$DTS_TMP/check.out" | tail -20
	fi
}

# dts_retry SECONDS CMD...: run CMD until it succeeds or time runs out
dts_retry() {
	_r_t=$1
	shift
	while [ "$_r_t" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		_r_t=$((_r_t - 1))
	done
	"$@"
}

# remember a background process and its log for cleanup / failure dumps
dts_track() {
	DTS_PIDS="$DTS_PIDS $1"
	[ -n "${2:-}" ] && DTS_LOGS="$DTS_LOGS $2"
}

dts_untrack() {
	_u_new=""
	for _u_p in $DTS_PIDS; do
		[ "$_u_p" = "$1" ] || _u_new="$_u_new $_u_p"
	done
	DTS_PIDS=$_u_new
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

# dts_stop PID: SIGTERM a tracked child and reap it (SIGKILL after 3 s)
dts_stop() {
	kill "$1" 2>/dev/null
	dts_wait_exit "$1" 30
	dts_untrack "$1"
}

# dts_wait PID TENTHS CMD...: run CMD (quietly) every 0.1 s until it
# succeeds, at most TENTHS/10 s and while PID lives
dts_wait() {
	_t_pid=$1
	_t_n=$2
	shift 2
	_t_i=0
	while [ $_t_i -lt "$_t_n" ]; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$_t_pid" 2>/dev/null || return 1
		sleep 0.1
		_t_i=$((_t_i + 1))
	done
	return 1
}

# dts_wait_line FILE REGEX PID [TENTHS]: wait until FILE has a line
# matching REGEX (grep -E) while PID lives, at most TENTHS/10 s (10 s)
dts_wait_line() {
	dts_wait "$3" "${4:-100}" grep -Eq "$2" "$1" ||
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

# dts_wait_file FILE SECONDS
dts_wait_file() {
	_w_i=0
	while [ ! -e "$1" ] && [ $_w_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_w_i=$((_w_i + 1))
	done
	[ -e "$1" ]
}

# ---- tools and keys ----

# dts_need CMD...: fail the suite at once if a tool is missing
dts_need() {
	for _n_t in "$@"; do
		if ! command -v "$_n_t" >/dev/null 2>&1 && [ ! -x "$_n_t" ]; then
			echo "$DTS_NAME: $_n_t missing (devtools/install-deps.sh)"
			echo "dts: 0 passed, 1 failed"
			exit 1
		fi
	done
}

# dts_tool NAME: path of app/NAME of the build directory the suite runs
# in, else of build/ beside dts/
dts_tool() {
	if [ -x "app/$1" ]; then
		echo "$PWD/app/$1"
	elif [ -x "$DTS_DIR/../build/app/$1" ]; then
		echo "$DTS_DIR/../build/app/$1"
	else
		return 1
	fi
}

# dts_keys NAME...: a WireGuard key pair per NAME: the private key in
# $DTS_TMP/NAME.key (0600) and $NAMEsk, the public key in $NAMEpk
dts_keys() {
	for _k_n in "$@"; do
		(umask 077 && wg genkey >"$DTS_TMP/$_k_n.key") || return 1
		eval "${_k_n}sk=\$(cat \"\$DTS_TMP/$_k_n.key\")"
		eval "${_k_n}pk=\$(wg pubkey <\"\$DTS_TMP/$_k_n.key\")"
	done
}

# ---- topology ----

# dts_netns NS: a fresh namespace NS (deleted at exit), loopback up
dts_netns() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1"
	DTS_NS="$DTS_NS $1"
	ip -n "$1" link set lo up
}

# offloads off on a veth end, or UDP/TCP checksums arrive partial
dts_offloads_off() {
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off \
		rx off >/dev/null 2>&1 || true
}

# dts_veth NS_A IF_A NS_B IF_B [MTU]: a veth pair between two namespaces,
# both ends up with offloads off
dts_veth() {
	ip link del "$2" 2>/dev/null
	ip link add "$2" netns "$1" ${5:+mtu $5} type veth \
		peer name "$4" netns "$3" ${5:+mtu $5} || return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
	dts_offloads_off "$1" "$2"
	dts_offloads_off "$3" "$4"
}

# dts_bridge NS BR IF...: a bridge BR in NS (up), the IFs its ports
dts_bridge() {
	_b_ns=$1
	_b_br=$2
	shift 2
	ip -n "$_b_ns" link show "$_b_br" >/dev/null 2>&1 ||
		ip -n "$_b_ns" link add "$_b_br" type bridge || return 1
	ip -n "$_b_ns" link set "$_b_br" up || return 1
	for _b in "$@"; do
		ip -n "$_b_ns" link set "$_b" master "$_b_br" || return 1
	done
}

# dts_pair NS_W IF_W NS_C IF_C ADDRS_C [MTU]: the usual two namespaces,
# joined by a veth: IF_W in NS_W for wgc's port (without IPv6: the kernel
# leaves wgc's addresses alone), IF_C in NS_C with ADDRS_C
dts_pair() {
	dts_netns "$1"
	dts_netns "$3"
	dts_veth "$1" "$2" "$3" "$4" ${6:-} &&
	dts_addr "$3" "$4" "$5" &&
	dts_ipv6_off "$1" "$2"
}

# dts_addr NS IF ADDR...: addresses (also comma separated) on IF; IPv6
# ones without duplicate address detection
dts_addr() {
	_a_ns=$1
	_a_if=$2
	shift 2
	for _a in $(echo "$*" | tr , ' '); do
		case $_a in
		*:*) ip -n "$_a_ns" addr add "$_a" dev "$_a_if" nodad ;;
		*) ip -n "$_a_ns" addr add "$_a" dev "$_a_if" ;;
		esac || return 1
	done
}

# dts_ipv6_off NS [IF...]: no IPv6 on the IFs (without IF: on every
# interface of NS and, as the kernel does, on new ones). The kernel end
# of a port wgc drives must not answer for wgc's addresses nor send noise.
dts_ipv6_off() {
	_i_ns=$1
	shift
	[ $# -gt 0 ] || set -- all
	for _i in "$@"; do
		ip netns exec "$_i_ns" sysctl -qw \
			"net.ipv6.conf.$_i.disable_ipv6=1" 2>/dev/null
	done
}

# dts_lan NS IF MTU MAC ADDRS HOSTS: the protected network on the kernel
# side of an inner port wgc drives (a tap): IF up with MTU and ADDRS,
# offloads off, HOSTS (the tunnel's side) reached through MAC, the port's
# address (ADDRS and HOSTS comma separated)
dts_lan() {
	dts_offloads_off "$1" "$2"
	ip -n "$1" link set "$2" up mtu "$3" &&
	dts_addr "$1" "$2" "$5" || return 1
	for _h in $(echo "$6" | tr , ' '); do
		ip -n "$1" neigh replace "$_h" lladdr "$4" dev "$2" || return 1
	done
}

# ---- wgc ----

# The daemon under test: $WGC, else app/wgc of the build directory the
# suite runs in (meson's workdir), else build/app/wgc beside dts/.
dts_wgc_bin() {
	if [ -n "${WGC:-}" ]; then
		echo "$WGC"
	elif [ -x app/wgc ]; then
		echo "$PWD/app/wgc"
	else
		echo "$DTS_DIR/../build/app/wgc"
	fi
}

# dts_conf FILE KEY=VALUE...: write wgc's startup configuration
# (doc/config.md) to FILE; a key not given is left to the daemon's
# default unless a default is named here.
#   name=NAME      interface.name            key=KEY  interface.private_key
#   port=N         interface.listen_port (51820)
#   prefix=P       EAL --file-prefix         mem=MB   EAL -m (384)
#   lcores=WORDS   EAL lcore arguments ("-l 0-1"; "" for none)
#   eal=WORDS      more EAL arguments
#   vdev=DEVARGS   an EAL --vdev (repeat); the first is the outer port
#   outer=PORT     outer[0].port (default: the first vdev's name)
#   ipv4= gw4= ipv6= gw6= omtu= vlan=   outer[0]'s addresses, gateways, mtu
#   inner=TYPE     inner.type (tun)          iname=NAME  inner.name
#   addr=A,B       inner.addresses           mtu=N  inner.mtu (1420)
#   workers=1,2    worker lcores (1; "" leaves the key out)
#   sock=PATH      control.socket            state=DIR  control.state_dir ("")
#   uapi=DIR       control.uapi_dir
#   peer="PUBKEY [ep=ENDPOINT] [ips=A,B] [psk=KEY] [ka=SECONDS]" (repeat)
#   json=FILTER    a jq filter applied last, for any other key
dts_conf() {
	_c_out=$1
	shift
	_c_peers="[]"
	_c_vdev=""
	_c_outer_dflt=""
	_c_uapi_set=0
	_c_uapi=""
	set -- name= key= port=51820 prefix= mem=384 "lcores=-l 0-1" eal= \
		outer= ipv4= gw4= ipv6= gw6= omtu= vlan= inner=tun iname= \
		addr= mtu=1420 workers=1 sock= state= json=. "$@"
	for _c_a in "$@"; do
		_c_k=${_c_a%%=*}
		_c_v=${_c_a#*=}
		case $_c_k in
		vdev)
			_c_vdev="$_c_vdev --vdev $_c_v"
			[ -n "$_c_outer_dflt" ] || _c_outer_dflt=${_c_v%%,*}
			;;
		uapi)
			_c_uapi_set=1
			_c_uapi=$_c_v
			;;
		peer)
			# shellcheck disable=SC2086
			_c_peers=$(_dts_conf_peer "$_c_peers" $_c_v) || return 1
			;;
		name|key|port|prefix|mem|lcores|eal|outer|ipv4|gw4|ipv6|gw6|\
		omtu|vlan|inner|iname|addr|mtu|workers|sock|state|json)
			eval "_c_$_c_k=\$_c_v"
			;;
		*)
			echo "dts_conf: unknown parameter $_c_a" >&2
			return 1
			;;
		esac
	done
	[ -n "$_c_outer" ] || _c_outer=$_c_outer_dflt
	# shellcheck disable=SC2086
	jq -n --arg prefix "$_c_prefix" --arg mem "$_c_mem" \
		--arg lcores "$_c_lcores" --arg eal "$_c_eal" \
		--arg vdev "$_c_vdev" --arg name "$_c_name" --arg key "$_c_key" \
		--arg port "$_c_port" --arg outer "$_c_outer" \
		--arg ipv4 "$_c_ipv4" --arg gw4 "$_c_gw4" --arg ipv6 "$_c_ipv6" \
		--arg gw6 "$_c_gw6" --arg omtu "$_c_omtu" --arg vlan "$_c_vlan" \
		--arg inner "$_c_inner" --arg iname "$_c_iname" \
		--arg addr "$_c_addr" --arg mtu "$_c_mtu" \
		--arg workers "$_c_workers" --arg sock "$_c_sock" \
		--arg state "$_c_state" --arg uapi "$_c_uapi" \
		--argjson uapi_set $_c_uapi_set --argjson peers "$_c_peers" '
		def words: split(" ") | map(select(. != ""));
		def num: if . == "" then null else tonumber end;
		def some: with_entries(select(.value != null and .value != ""));
		{
			eal: (["--no-huge", "-m", $mem, "--no-pci", "--no-shconf"]
				+ ($lcores | words) + ["--file-prefix", $prefix]
				+ ($vdev | words) + ($eal | words)
				+ ["--log-level", "*:notice"]),
			interface: (({ name: $name, private_key: $key } | some)
				+ { listen_port: ($port | tonumber) }),
			outer: [ { port: $outer, ipv4: $ipv4, gateway4: $gw4,
				ipv6: $ipv6, gateway6: $gw6,
				mtu: ($omtu | num), vlan: ($vlan | num) } | some ],
			inner: ({ type: $inner, name: $iname,
				addresses: ($addr | split(",") |
					if length > 0 then . else null end),
				mtu: ($mtu | tonumber) } | some),
			workers: ($workers | split(",") | map(tonumber)),
			control: (({ socket: $sock } | some) + { state_dir: $state }
				+ (if $uapi_set == 1 then { uapi_dir: $uapi }
				   else {} end)),
			peers: $peers
		}
		| if $workers == "" then del(.workers) else . end
		| if $peers == [] then del(.peers) else . end
		| '"$_c_json" >"$_c_out"
}

# _dts_conf_peer ARRAY PUBKEY [ep=E] [ips=A,B] [psk=K] [ka=N]: ARRAY with
# one more peer
_dts_conf_peer() {
	_p_arr=$1
	_p_pk=$2
	shift 2
	_p_ep=""; _p_ips=""; _p_psk=""; _p_ka=""
	for _p_a in "$@"; do
		case $_p_a in
		ep=*) _p_ep=${_p_a#ep=} ;;
		ips=*) _p_ips=${_p_a#ips=} ;;
		psk=*) _p_psk=${_p_a#psk=} ;;
		ka=*) _p_ka=${_p_a#ka=} ;;
		*) echo "dts_conf: peer: unknown $_p_a" >&2; return 1 ;;
		esac
	done
	echo "$_p_arr" | jq -c --arg pk "$_p_pk" --arg ep "$_p_ep" \
		--arg ips "$_p_ips" --arg psk "$_p_psk" --arg ka "$_p_ka" '
		. + [ { public_key: $pk, preshared_key: $psk, endpoint: $ep,
			allowed_ips: ($ips | split(",")),
			persistent_keepalive: (if $ka == "" then null
				else ($ka | tonumber) end) }
		| with_entries(select(.value != null and .value != "")) ]'
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
	dts_wait_line "$3" "^wgc: up" $WGC_PID 150
}

# dts_wgc_stop PID LOG: SIGTERM, wait, check exit 0 and full pools
dts_wgc_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	_ws_rc=$?
	dts_untrack "$1"
	if [ $_ws_rc -eq 0 ]; then
		dts_ok "wgc exits 0 on SIGTERM"
	else
		dts_fail "wgc exits 0 on SIGTERM (exit $_ws_rc)"
	fi
	if grep -Eq "default pool ([0-9]+)/\1 buffers free" "$2"; then
		dts_ok "pools full after stop"
	else
		dts_fail "pools full after stop"
	fi
}

# dts_rest SOCK PATH: GET PATH from wgc's REST socket
dts_rest() {
	curl -s --unix-socket "$1" "http://wgc$2"
}

# ---- wireguard-go ----

# dts_wggo NS IF KEYFILE PORT ADDRS LOG [WG-SET-ARGS...]: wireguard-go
# with a TUN IF in NS (log level $WGGO_LOG_LEVEL, verbose), configured
# with `wg set IF private-key KEYFILE listen-port PORT WG-SET-ARGS...`
# (e.g. peer KEY endpoint E allowed-ips A), the addresses ADDRS (comma
# separated) and up. Sets DTS_WGGO_PID.
dts_wggo() {
	_g_ns=$1
	_g_if=$2
	_g_key=$3
	_g_port=$4
	_g_addrs=$5
	_g_log=$6
	shift 6
	LOG_LEVEL=${WGGO_LOG_LEVEL:-verbose} WG_PROCESS_FOREGROUND=1 \
		ip netns exec "$_g_ns" wireguard-go -f "$_g_if" >"$_g_log" 2>&1 &
	DTS_WGGO_PID=$!
	dts_track "$DTS_WGGO_PID" "$_g_log"
	dts_wait $DTS_WGGO_PID 50 test -S "/var/run/wireguard/$_g_if.sock"
	ip netns exec "$_g_ns" wg set "$_g_if" private-key "$_g_key" \
		listen-port "$_g_port" "$@" &&
	dts_addr "$_g_ns" "$_g_if" "$_g_addrs" &&
	ip -n "$_g_ns" link set "$_g_if" up
}

# dts_wggo_stop PID NS IF: stop a wireguard-go, its TUN and socket gone
dts_wggo_stop() {
	dts_stop "$1"
	ip -n "$2" link del "$3" 2>/dev/null
	rm -f "/var/run/wireguard/$3.sock"
}

# ---- captures ----

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
	dts_wait $DTS_CAP_PID 100 grep -q "Capturing on" "$3.log"
	sleep 0.2
}

dts_capture_stop() {
	sleep 0.3
	# SIGINT: tshark finishes writing the file before it exits
	kill -INT $DTS_CAP_PID 2>/dev/null
	wait $DTS_CAP_PID 2>/dev/null
	dts_untrack $DTS_CAP_PID
}

# dts_bt_capture NS IF PORT: dts/badtraffic.py records a session's first
# 21 WireGuard datagrams to or from PORT on IF in $DTS_TMP/cap.pcap (the
# replays' material), in the background (DTS_BT_PID); returns once it
# listens
dts_bt_capture() {
	rm -f "$DTS_TMP/cap.ready"
	ip netns exec "$1" "$PY" "$DTS_DIR/badtraffic.py" capture --iface "$2" \
		--port "$3" --out "$DTS_TMP/cap.pcap" --count 21 --timeout 15 \
		--ready "$DTS_TMP/cap.ready" >"$DTS_TMP/capture.log" 2>&1 &
	DTS_BT_PID=$!
	dts_track $DTS_BT_PID "$DTS_TMP/capture.log"
	dts_wait_file "$DTS_TMP/cap.ready" 10
	sleep 0.3
}

# dts_tshark_all_wg PCAP PORT FILTER: every UDP datagram from PORT that
# matches FILTER in PCAP decodes as valid WireGuard (and there is one)
dts_tshark_all_wg() {
	_ts_all=$(tshark -r "$1" -d udp.port=="$2",wg \
		-Y "$3 && udp.srcport==$2" 2>/dev/null | wc -l)
	_ts_ok=$(tshark -r "$1" -d udp.port=="$2",wg \
		-Y "$3 && udp.srcport==$2 && wg.type && !_ws.malformed" \
		2>/dev/null | wc -l)
	_ts_types=$(tshark -r "$1" -d udp.port=="$2",wg -T fields -e wg.type \
		-Y "$3 && udp.srcport==$2" 2>/dev/null | sort | uniq -c |
		tr '\n' ' ')
	echo "tshark: $_ts_all datagrams from wgc, $_ts_ok valid WireGuard;" \
		"types: $_ts_types"
	[ "$_ts_all" -gt 0 ] && [ "$_ts_all" -eq "$_ts_ok" ]
}

# ---- wgc-loadgen ----

# dts_loadgen_bin: LG = wgc-loadgen ($LOADGEN, else the build's), or the
# suite fails at once
dts_loadgen_bin() {
	LG=${LOADGEN:-$(dts_tool wgc-loadgen)} || {
		echo "$DTS_NAME: build/app/wgc-loadgen not found (ninja -C build)"
		echo "dts: 0 passed, 1 failed"
		exit 1
	}
}

# dts_lg NS NAME KEYFILE PEERKEY TARGET ARGS...: run $LG in NS as the peer
# of KEYFILE towards PEERKEY at TARGET (3 s timeout), its command and
# output in $DTS_TMP/NAME.log (dumped on failure); returns its status
dts_lg() {
	_l_ns=$1
	_l_log=$DTS_TMP/$2.log
	_l_key=$3
	_l_peer=$4
	_l_target=$5
	shift 5
	echo "+ wgc-loadgen $*" >"$_l_log"
	ip netns exec "$_l_ns" "$LG" --private-key-file "$_l_key" \
		--peer-key "$_l_peer" --target "$_l_target" --timeout 3 "$@" \
		>>"$_l_log" 2>&1
	_l_rc=$?
	DTS_LOGS="$DTS_LOGS $_l_log"
	return $_l_rc
}

# ---- measuring ----

# dts_iperf_tcp SRV_NS CLI_NS ADDR PORT TAG [-R]: iperf3 TCP for 2 s from
# CLI_NS to a one-shot server on ADDR in SRV_NS (-R: the other way);
# prints "figure: TAG: N Mbit/s" (also appended to $DTS_TMP/figures) and
# fails unless at least 1 MB arrived (a stalled path moves nothing)
dts_iperf_tcp() {
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

# dts_rx NS IF: rx_packets of an interface in a namespace
dts_rx() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# dts_field KEY FILE: value of the last "KEY=value" in FILE
dts_field() {
	sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "$2" | tail -n 1
}

# dts_median N...: median of numbers (integers or decimals)
dts_median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
		if (NR == 0) print 0;
		else if (NR % 2) print a[(NR + 1) / 2];
		else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
