#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Crash safety of the real daemon: in a loop, a client sends changes over
# REST (PUT new peers, PATCH allowed IPs, DELETE, bulk POST of 20) while
# wgc is killed with SIGKILL at a random moment; wgc restarts from the same
# config and state directory, and every change that got a 2xx must be
# there, the one in flight either absent or complete (never half of a
# bulk), nothing else (dts/ctl_live_crash.py). No namespace: wgc runs on
# net_null with no inner edge.
#
#   dts/ctl_live_crash.sh            5 rounds (dts suite)
#   WGC_CRASH_ROUNDS=50 dts/ctl_live_crash.sh   (scale suite: ctl_live_crash_50)

DTS_NAME=ctl_live_crash
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)
DRV=$here/ctl_live_crash.py
ROUNDS=${WGC_CRASH_ROUNDS:-5}

dts_init
dts_need curl jq
umask 077
REST=$DTS_TMP/rest.sock
# no wg: no private key (the control plane does not need one)
dts_conf "$DTS_TMP/wgc.json" name=wgclive-cr key="$(wg genkey 2>/dev/null)" \
	prefix=wgclive-crash mem=256 vdev=net_null0 ipv4=192.0.2.1/24 \
	inner=ethdev iname=none workers= sock="$REST" \
	state="$DTS_TMP/state" uapi= 'json=.interface.max_peers = 8192'

WGC_PID=""
wgc_start() {
	"$wgc" --config "$DTS_TMP/wgc.json" \
		>>"$DTS_TMP/wgc.log" 2>&1 &
	WGC_PID=$!
	dts_track $WGC_PID "$DTS_TMP/wgc.log"
	dts_wait $WGC_PID 150 curl -s --unix-socket "$REST" http://wgc/v1/health
}

$PY "$DRV" init "$DTS_TMP/model.json"
dts_check "wgc starts with a state directory" wgc_start
r=1
bad=0
acked=0
while [ $r -le "$ROUNDS" ]; do
	: >"$DTS_TMP/ops.log"
	$PY "$DRV" write "$DTS_TMP/model.json" "$REST" "$DTS_TMP/ops.log" \
		"$r" >"$DTS_TMP/writer.out" 2>&1 &
	wpid=$!
	dts_track $wpid
	# 0.2 .. 1.7 s of changes, then SIGKILL
	sleep "$(awk -v s="$r$$" 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() * 1.5 }')"
	kill -9 $WGC_PID
	wait $WGC_PID 2>/dev/null
	dts_untrack $WGC_PID
	wait $wpid
	dts_untrack $wpid
	n=$(grep -c '"ack"' "$DTS_TMP/ops.log")
	acked=$((acked + n))
	echo "--- round $r: $n changes acknowledged before SIGKILL" >>"$DTS_TMP/wgc.log"
	if ! wgc_start; then
		dts_fail "round $r: wgc restarts after SIGKILL"
		bad=$((bad + 1))
		break
	fi
	if out=$($PY "$DRV" verify "$DTS_TMP/model.json" "$REST" \
			"$DTS_TMP/ops.log" 2>&1); then
		[ "$ROUNDS" -le 10 ] && dts_ok "round $r: $n acked; $out"
		[ "$ROUNDS" -le 10 ] || echo "round $r: $n acked; $out"
	else
		dts_fail "round $r: $n acked; $out"
		bad=$((bad + 1))
	fi
	r=$((r + 1))
done
[ "$ROUNDS" -gt 10 ] && dts_check "$ROUNDS rounds of SIGKILL, $acked acknowledged changes, none lost or half-applied" test $bad = 0
dts_log "$((r - 1)) rounds, $acked changes acknowledged in total"
dts_check "some changes were acknowledged before the kills" \
	test "$acked" -gt "$ROUNDS"
dts_check "state dir 0700, its files 0600" sh -c \
	"ls -l $DTS_TMP/state; [ \"\$(stat -c %a $DTS_TMP/state)\" = 700 ] &&
	[ -z \"\$(find $DTS_TMP/state -type f ! -perm 600)\" ]"
nrest=$(curl -s --unix-socket "$REST" http://wgc/v1/interface | jq .peers)
dts_wgc_stop "$WGC_PID" "$DTS_TMP/wgc.log"
dts_check "clean stop removed the REST socket" test ! -e "$REST"
nlive=$(grep -c '^wgc: peer ' "$DTS_TMP/wgc.log")
dts_check "live peer table at exit = REST's view ($nlive = $nrest peers)" \
	test "$nlive" = "$nrest"
dts_done
