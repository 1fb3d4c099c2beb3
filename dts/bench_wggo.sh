#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Decrypt benchmark: the same kind of pre-encrypted stream (wgc-loadgen,
# IPv4/UDP inner packets of 64 and 1420 bytes, consecutive counters) sent
# to Debian's wireguard-go and to wgc, each in turn in the same namespace
# with a TUN inner side; prints the decrypted packets per second delivered
# to the TUN (its rx_packets counter, sampled every 2 ms by dts/lib/rxrate.py,
# first to last increase), medians of BENCH_RUNS runs, and the ratio.
#
#   ns wgce2e-a                       ns wgce2e-b
#   veth wgce2e-va 10.201.0.1 ------- veth wgce2e-vb 10.201.0.2 (wgc:
#                                     its own address, in a down bridge)
#   wgc-loadgen (CPU 0)               wireguard-go: kernel UDP socket, TUN
#                                     wgc: net_af_packet on wgce2e-vb, TUN
#   inner 10.202.0.2 -> 10.203.0.9    (blackholed after the TUN: the
#                                     stack drops it without ICMP)
#
# Perf-style: prints figures and the commands, never fails on timing. A
# check fails only if a target that started completes no handshake or
# delivers nothing. wgc is skipped (reported "not measured") when its
# daemon cannot complete a handshake yet.
#
# Two measures (BENCH_MODE overload | ndr | both, default both):
# - overload: the stream is sent as fast as the loadgen can; delivered
#   pps is the target's sustained decrypt+deliver rate under overload;
# - ndr: binary search of the paced rate (--pps) the target delivers with
#   < 0.5 % loss (no-drop rate), BENCH_NDR_STEPS probes of ~1 s.
#
# Environment: BENCH_RUNS (3), BENCH_N64 (300000), BENCH_N1420 (100000),
# BENCH_SIZES ("64 1420"), BENCH_TARGETS ("wggo wgc"), LOADGEN, WGC,
# BENCH_WGC_LCORES ("0-1": main lcore 0, worker lcore 1), BENCH_MODE,
# BENCH_NDR_MAX (400000), BENCH_NDR_STEPS (7), BENCH_NDR_SECS (1),
# BENCH_RAW (1: the loadgen sends pre-built frames on an AF_PACKET socket,
# --raw, so that it is not bound by its own kernel UDP send path; 0: UDP).
# Run as root under `flock /tmp/wgc-heavy.lock`.

DTS_NAME=bench_wggo
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

RUNS=${BENCH_RUNS:-3}
N64=${BENCH_N64:-300000}
N1420=${BENCH_N1420:-100000}
SIZES=${BENCH_SIZES:-"64 1420"}
TARGETS=${BENCH_TARGETS:-"wggo wgc"}
WGC_LCORES=${BENCH_WGC_LCORES:-0-1}
BENCH_MODE=${BENCH_MODE:-both}
RAW=""
[ "${BENCH_RAW:-1}" = 1 ] && RAW=--raw
BENCH_NDR_MAX=${BENCH_NDR_MAX:-400000}
BENCH_NDR_STEPS=${BENCH_NDR_STEPS:-7}
BENCH_NDR_SECS=${BENCH_NDR_SECS:-1}
NA=wgce2e-a
NB=wgce2e-b
PORT=51820
TUN=wgce2e-t0

dts_init
dts_need wireguard-go wg ethtool "$PY"
dts_loadgen_bin
T=$DTS_TMP
dts_keys b a
BPUB=$bpk
APUB=$apk

dts_netns $NA
dts_netns $NB
dts_veth $NA wgce2e-va $NB wgce2e-vb 1500
dts_addr $NA wgce2e-va 10.201.0.1/24
dts_addr $NB wgce2e-vb 10.201.0.2/24
# decrypted packets go to 10.203.0.9: a blackhole route drops them
# silently (with forwarding on, no ICMP is generated)
ip netns exec $NB sysctl -qw net.ipv4.ip_forward=1
ip -n $NB route add blackhole 10.203.0.0/24

echo "$DTS_NAME: $(nproc) CPUs; loadgen pinned to CPU 0; $RUNS runs per" \
	"point; N=$N64 (64 B) / $N1420 (1420 B)"

# run_point TARGET SIZE: RUNS streams, prints each and the median
run_point() {
	tgt=$1
	size=$2
	n=$N64
	[ "$size" -ge 1000 ] && n=$N1420
	pps_list=""
	sent_list=""
	r=1
	while [ $r -le "$RUNS" ]; do
		rm -f "$T/rx.ready"
		ip netns exec $NB "$PY" "$here/lib/rxrate.py" $TUN --idle 1 \
			--max 120 --ready "$T/rx.ready" >"$T/rx.log" 2>&1 &
		rpid=$!
		dts_track $rpid
		dts_wait_file "$T/rx.ready" 5
		cmd="ip netns exec $NA $LG --private-key-file $T/a.key \
--peer-key $BPUB --target 10.201.0.2:$PORT --lcore 0 --stream $n \
--size $size --inner-src 10.202.0.2 --inner-dst 10.203.0.9 $RAW"
		[ $r -eq 1 ] && echo "$DTS_NAME: command: $cmd"
		$cmd >"$T/lg.log" 2>&1
		lrc=$?
		wait $rpid
		sent=$(dts_field pps "$T/lg.log" | head -n 1)
		got=$(dts_field packets "$T/rx.log")
		pps=$(dts_field pps "$T/rx.log")
		if [ $lrc -ne 0 ]; then
			cat "$T/lg.log"
			return 1
		fi
		echo "$DTS_NAME: target=$tgt size=$size run=$r sent=$n" \
			"sent_pps=$sent delivered=$got delivered_pps=$pps"
		pps_list="$pps_list $pps"
		sent_list="$sent_list $sent"
		r=$((r + 1))
	done
	med=$(dts_median $pps_list)
	smed=$(dts_median $sent_list)
	echo "$DTS_NAME: MEDIAN target=$tgt size=$size delivered_pps=$med" \
		"offered_pps=$smed"
	eval "RES_${tgt}_${size}=$med"
	[ "${med%.*}" -gt 0 ]
}

# probe TARGET SIZE PPS N: paced stream; sets DELIVERED (TUN rx delta)
probe() {
	rm -f "$T/rx.ready"
	ip netns exec $NB "$PY" "$here/lib/rxrate.py" $TUN --idle 1 \
		--max 30 --ready "$T/rx.ready" >"$T/rx.log" 2>&1 &
	rpid=$!
	dts_track $rpid
	dts_wait_file "$T/rx.ready" 5
	ip netns exec $NA "$LG" --private-key-file "$T/a.key" \
		--peer-key "$BPUB" --target 10.201.0.2:$PORT --lcore 0 \
		--stream "$4" --size "$2" --pps "$3" --inner-src 10.202.0.2 \
		--inner-dst 10.203.0.9 $RAW >"$T/lg.log" 2>&1
	lrc=$?
	wait $rpid
	DELIVERED=$(dts_field total "$T/rx.log")
	DELIVERED=${DELIVERED:-0}
	ACHIEVED=$(dts_field pps "$T/lg.log" | head -n 1)
	ACHIEVED=${ACHIEVED:-0}
	[ $lrc -ne 0 ] && cat "$T/lg.log"
	return $lrc
}

# ndr_point TARGET SIZE: highest paced rate with < 0.5 % loss (binary
# search, BENCH_NDR_STEPS probes of about BENCH_NDR_SECS each)
ndr_point() {
	lo=0
	lo_sent=0
	hi=$BENCH_NDR_MAX
	step=0
	while [ $step -lt "$BENCH_NDR_STEPS" ]; do
		mid=$(((lo + hi) / 2))
		n=$((mid * BENCH_NDR_SECS))
		[ $n -lt 2000 ] && n=2000
		probe "$1" "$2" $mid $n || return 1
		if [ $((DELIVERED * 1000)) -ge $((n * 995)) ]; then
			verdict=pass
			lo=$mid
			lo_sent=$ACHIEVED
		else
			verdict=loss
			hi=$mid
		fi
		echo "$DTS_NAME: ndr target=$1 size=$2 pps=$mid sent=$n" \
			"achieved_pps=$ACHIEVED delivered=$DELIVERED $verdict"
		step=$((step + 1))
	done
	# the loadgen may not reach the rate asked for: report what it sent
	ndr=$lo
	bound=""
	if [ "$lo" -gt 0 ] && [ "${lo_sent%.*}" -lt $((lo * 97 / 100)) ]; then
		ndr=${lo_sent%.*}
		bound=" (loadgen-bound: asked $lo pps, sent $ndr)"
	fi
	echo "$DTS_NAME: NDR target=$1 size=$2 ndr_pps=$ndr" \
		"(< 0.5 % loss, search 0..$BENCH_NDR_MAX)$bound"
	eval "NDR_${1}_${2}=$ndr"
}

bench_target() {
	tgt=$1
	for size in $SIZES; do
		case "$BENCH_MODE" in overload|both)
			if run_point "$tgt" "$size"; then
				dts_ok "$tgt $size B: stream delivered"
			else
				dts_fail "$tgt $size B: stream delivered"
			fi
			;;
		esac
		case "$BENCH_MODE" in ndr|both)
			if ndr_point "$tgt" "$size"; then
				dts_ok "$tgt $size B: NDR search ran"
			else
				dts_fail "$tgt $size B: NDR search ran"
			fi
			;;
		esac
	done
}

# ---- wireguard-go
case " $TARGETS " in *" wggo "*)
	WGGO_LOG_LEVEL=error dts_wggo $NB $TUN "$T/b.key" $PORT \
		10.202.0.1/24 "$T/wggo.log" peer "$APUB" \
		allowed-ips 10.202.0.2/32
	if ip netns exec $NA "$LG" --private-key-file "$T/a.key" \
			--peer-key "$BPUB" --target 10.201.0.2:$PORT \
			--handshake-only >"$T/hs.log" 2>&1; then
		dts_ok "wireguard-go handshake"
		bench_target wggo
	else
		dts_fail "wireguard-go handshake"
		cat "$T/hs.log"
	fi
	dts_stop "$DTS_WGGO_PID"
	i=0
	while ip -n $NB link show $TUN >/dev/null 2>&1 && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	;;
esac

# ---- wgc: af_packet outer port on the veth, TUN inner side
wgc_measured=no
case " $TARGETS " in *" wgc "*)
	if [ ! -x "$(dts_wgc_bin)" ]; then
		echo "$DTS_NAME: wgc: not measured (build/app/wgc not built)"
	else
		# the kernel side of the veth keeps no address (wgc owns it)
		# and sends no IPv6 noise
		ip -n $NB addr flush dev wgce2e-vb
		ip netns exec $NB sysctl -qw \
			net.ipv6.conf.wgce2e-vb.disable_ipv6=1
		# as on a NIC owned by a DPDK PMD, the kernel stack does not
		# process the frames: the veth is enslaved to a bridge that
		# stays down, whose rx handler drops them after the AF_PACKET
		# taps (where net_af_packet reads) have seen them (this
		# kernel has no tc drop action). BENCH_KERNEL_SEES=1 keeps
		# the kernel path for comparison.
		if [ "${BENCH_KERNEL_SEES:-0}" = 0 ]; then
			ip -n $NB link add wgce2e-br type bridge &&
			ip -n $NB link set wgce2e-vb master wgce2e-br ||
			echo "$DTS_NAME: kernel path not bypassed"
		fi
		dts_conf "$T/wgc.json" name=wgce2e0 key="$bsk" port=$PORT \
			prefix=wgce2e-bench mem=512 "lcores=-l $WGC_LCORES" \
			vdev=net_af_packet0,iface=wgce2e-vb ipv4=10.201.0.2/24 \
			iname=$TUN addr=10.202.0.1/24 sock="$T/rest.sock" \
			"peer=$APUB ips=10.202.0.2/32"
		dts_wgc_launch $NB "$T/wgc.json" "$T/wgc.log"
		wpid=$WGC_PID
		ip -n $NB link set $TUN up 2>/dev/null
		rm -f "$T/hs.log"
		if ip -n $NB link show $TUN >/dev/null 2>&1 &&
				ip netns exec $NA "$LG" --private-key-file \
				"$T/a.key" --peer-key "$BPUB" --target \
				10.201.0.2:$PORT --timeout 5 --handshake-only \
				>"$T/hs.log" 2>&1; then
			dts_ok "wgc handshake"
			wgc_measured=yes
			bench_target wgc
		else
			echo "$DTS_NAME: wgc: not measured (the daemon did not" \
				"bring up $TUN and complete a handshake); its" \
				"log and the loadgen's:"
			tail -n 20 "$T/wgc.log"
			cat "$T/hs.log" 2>/dev/null
		fi
		if kill -0 $wpid 2>/dev/null; then
			kill -TERM $wpid
			wait $wpid
			rc=$?
			dts_untrack $wpid 2>/dev/null
			if [ "$wgc_measured" = yes ]; then
				[ $rc -eq 0 ] && dts_ok "wgc exits 0" ||
					dts_fail "wgc exits 0 (rc $rc)"
			fi
		fi
	fi
	;;
esac

for size in $SIZES; do
	eval "a=\${RES_wggo_${size}:-}"
	eval "b=\${RES_wgc_${size}:-}"
	ratio=$(awk -v a="${a:-0}" -v b="${b:-0}" \
		'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else print "n/a" }')
	[ -n "$a$b" ] &&
	echo "$DTS_NAME: RESULT size=$size wireguard-go=${a:-not-measured}" \
		"wgc=${b:-not-measured} pps ratio_wgc_over_wggo=$ratio"
	eval "a=\${NDR_wggo_${size}:-}"
	eval "b=\${NDR_wgc_${size}:-}"
	[ -z "$a$b" ] && continue
	ratio=$(awk -v a="${a:-0}" -v b="${b:-0}" \
		'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else print "n/a" }')
	echo "$DTS_NAME: RESULT-NDR size=$size wireguard-go=${a:-not-measured}" \
		"wgc=${b:-not-measured} pps ratio_wgc_over_wggo=$ratio"
done
dts_done
