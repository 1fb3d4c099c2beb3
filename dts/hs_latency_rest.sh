#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Handshake latency while a million peers are loaded through REST
# (figures printed, never failed on timing):
#
#   ns hsl-w: wgc on af_packet hsl-wv (192.168.86.1), one worker, no
#             inner traffic; 32 measuring peers in its config
#   ns hsl-c: dts/lib/hslat.py on hsl-cv (192.168.86.2): the 32 keys take
#             turns, one real initiation at a time, 2 ms apart; a sample is
#             initiation sent -> response read
#
# Twice: handshakes on the main lcore (the default) and on a handshake
# lcore of their own (handshake_lcores); HSL_MODES="main hs_lcore" picks.
# WGC=path runs another build (e.g. one from before handshake lcores,
# whose main lcore answered under the peer table's mutex that a REST write
# holds while it applies, in main mode, for a before/after). Each run: 3 s idle, then N peers
# (HSL_PEERS, 1 000 000) added by POST /v1/peers in chunks of 100 000
# while the samples go on. First, hslat.py is checked against wireguard-go
# holding the same key and peers. The checks are about behaviour only: every
# handshake answered (none lost to a 5 s timeout), every chunk accepted,
# the table holds N + 32 peers, pools full at stop.

DTS_NAME=hs_latency_rest
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

NW=hsl-w
NC=hsl-c
N=${HSL_PEERS:-1000000}
K=32
CHUNK=100000

dts_init
dts_need wg curl jq "$PY"
T=$DTS_TMP
dts_keys srv
dts_netns $NW
dts_netns $NC
dts_veth $NW hsl-wv $NC hsl-cv
dts_ipv6_off $NW
dts_addr $NC hsl-cv 192.168.86.2/24

# the measuring peers, and N more in chunks of CHUNK (keys from a hash of
# the index, /32s in 10.0.0.0/8)
: >"$T/keys"
: >"$T/kpeers"
i=0
while [ $i -lt $K ]; do
	k=$(wg genkey)
	echo "$k" >>"$T/keys"
	echo "$k" | wg pubkey | jq -R --arg ip 172.16.0.$i/32 \
		'{ public_key: ., allowed_ips: [$ip] }' >>"$T/kpeers"
	i=$((i + 1))
done
$PY - "$T" "$N" "$CHUNK" <<'EOF'
import base64, hashlib, json, sys
d, n, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for b in range(0, n, chunk):
    with open("%s/chunk%07d.json" % (d, b), "w") as f:
        json.dump([{"public_key": base64.b64encode(hashlib.sha256(
                        b"hsl" + i.to_bytes(4, "big")).digest()).decode(),
                    "allowed_ips": ["10.%d.%d.%d/32" % ((i >> 16) & 255,
                                    (i >> 8) & 255, i & 255)]}
                   for i in range(b, min(n, b + chunk))], f)
EOF
dts_check "$N peers in $(ls "$T"/chunk*.json | wc -l) chunks" \
	test "$(ls "$T"/chunk*.json | wc -l)" -eq $(((N + CHUNK - 1) / CHUNK))

# the measuring tool against an independent responder: wireguard-go with
# the same key and the 32 peers answers hslat.py's initiations
set --
while read -r k; do
	set -- "$@" peer "$(echo "$k" | wg pubkey)"
done <"$T/keys"
dts_addr $NW hsl-wv 192.168.86.1/24
dts_wggo $NW hsl-g "$T/srv.key" 51820 172.31.0.1/24 "$T/wggo.log" "$@"
ip netns exec $NC $PY "$here/lib/hslat.py" --target 192.168.86.1:51820 \
	--pubkey "$srvpk" --keys "$T/keys" --out "$T/samples-wggo" \
	--seconds 2 >"$T/hslat-wggo.log" 2>&1
dts_check "wireguard-go answers hslat.py's initiations" \
	grep -Eq "^samples=[1-9][0-9]* timeouts=0$" "$T/hslat-wggo.log"
dts_log "wireguard-go: $(cat "$T/hslat-wggo.log")"
dts_wggo_stop $DTS_WGGO_PID $NW hsl-g
ip -n $NW addr flush dev hsl-wv

# stats of the samples sent between two wall-clock times: samples p50 p99
# max (us) and timeouts
window() {
	$PY - "$1" "$2" "$3" <<'EOF'
import sys
f, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
lat, lost = [], 0
for line in open(f):
    w, v = line.split()
    if not t0 <= float(w) < t1:
        continue
    if v == "timeout":
        lost += 1
    else:
        lat.append(float(v))
lat.sort()
n = len(lat)
pick = lambda q: lat[min(n - 1, int(n * q))] if n else 0
print("samples=%d p50_us=%.0f p99_us=%.0f max_us=%.0f timeouts=%d"
      % (n, pick(0.5), pick(0.99), lat[-1] if n else 0, lost))
EOF
}

# run MODE LCORES JSON: one daemon, idle samples, then the load
run() {
	mode=$1
	dts_conf "$T/wgc-$mode.json" name=hsl-w key="$srvsk" port=51820 \
		prefix=hsl-$mode mem=$((N / 1000 * 3 + 1024)) "lcores=$2" \
		vdev=net_af_packet0,iface=hsl-wv ipv4=192.168.86.1/24 \
		inner=ethdev iname=none workers=1 sock="$T/rest-$mode.sock" \
		"json=.interface.max_peers = $((N + K + 16)) | $3" &&
	jq --slurpfile kp "$T/kpeers" '.peers = $kp' "$T/wgc-$mode.json" \
		>"$T/wgc.tmp" && mv "$T/wgc.tmp" "$T/wgc-$mode.json"
	log=$T/wgc-$mode.log
	dts_check "$mode: wgc up" dts_wgc_launch $NW "$T/wgc-$mode.json" "$log"
	samples=$T/samples-$mode
	rm -f "$T/stop"
	ip netns exec $NC $PY "$here/lib/hslat.py" --target 192.168.86.1:51820 \
		--pubkey "$srvpk" --keys "$T/keys" --out "$samples" \
		--stop "$T/stop" >"$T/hslat-$mode.log" 2>&1 &
	lat_pid=$!
	dts_track $lat_pid "$T/hslat-$mode.log"
	sleep 1
	t0=$(date +%s.%N)
	sleep 3
	t1=$(date +%s.%N)
	ok=0
	for c in "$T"/chunk*.json; do
		code=$(curl -s -o "$T/post.out" -w '%{http_code}' \
			--unix-socket "$T/rest-$mode.sock" \
			-H 'Content-Type: application/json' \
			--data-binary @"$c" http://wgc/v1/peers)
		case $code in 200|201) ok=$((ok + 1)) ;;
		*) dts_log "$c: HTTP $code $(head -c 300 "$T/post.out")" ;;
		esac
	done
	t2=$(date +%s.%N)
	sleep 1
	touch "$T/stop"
	wait $lat_pid
	dts_untrack $lat_pid
	dts_check "$mode: every chunk accepted" \
		test $ok -eq "$(ls "$T"/chunk*.json | wc -l)"
	peers=$(dts_rest "$T/rest-$mode.sock" /v1/health | jq .peers)
	dts_check "$mode: the table holds $((N + K)) peers" \
		test "$peers" -eq $((N + K))
	idle=$(window "$samples" "$t0" "$t1")
	load=$(window "$samples" "$t1" "$t2")
	secs=$(awk "BEGIN { printf \"%.1f\", $t2 - $t1 }")
	echo "RESULT hs_latency_rest handshakes=$mode load=idle $idle"
	echo "RESULT hs_latency_rest handshakes=$mode" \
		"load=rest_post_${N}_peers seconds=$secs $load"
	dts_check "$mode: idle handshakes answered" \
		sh -c "echo '$idle' | grep -q ' timeouts=0\$' &&
			! echo '$idle' | grep -q 'samples=0 '"
	dts_check "$mode: handshakes answered during the load" \
		sh -c "echo '$load' | grep -q ' timeouts=0\$' &&
			! echo '$load' | grep -q 'samples=0 '"
	dts_wgc_stop $WGC_PID "$log"
}

echo "command: flock /tmp/wgc-heavy.lock meson test -C build --suite" \
	"perf-dts hs_latency_rest --verbose (HSL_PEERS=$N)"
for m in ${HSL_MODES:-main hs_lcore}; do
	case $m in
	main) run main "--lcores 0@0,1@1" "." ;;
	hs_lcore) run hs_lcore "--lcores 0@0,1@1,2@0" \
		".handshake_lcores = [2]" ;;
	*) dts_fail "HSL_MODES: unknown mode $m" ;;
	esac
done
dts_done
