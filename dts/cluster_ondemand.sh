#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Peers on demand (control.cluster.on_demand) against a real etcd and
# real wireguard-go clients:
#
#   ns ocdE                  ns ocdN                        ns ocdC
#   etcd 10.83.0.1:2379 ---- ocd-c 10.83.0.2 (control)
#                            wgc: net_af_packet ocd-w ---- ocd-x 192.168.83.2
#                                 outer 192.168.83.1            + .100-.107 (flood)
#                                 TUN ocd-t0 10.84.0.1     wireguard-go ocd-k 10.84.0.2 (K)
#                                                          wireguard-go ocd-d 10.84.0.3 (D)
#                                                          wgc-loadgen (fresh keys)
#
# K is in the node's configuration. D exists only in etcd (etcdctl put):
# the node does not hold it until D's first initiation, which must be
# answered without D's 5 s retransmit. A key etcd does not have is cached
# as absent. Idle peers installed on demand leave the node (not etcd) after
# idle_evict. A flood of valid initiations from unknown keys
# (dts/lib/hsunknown.py) leaves K's session intact, is counted and bounded.
# Figure: on-demand handshake latency (lookup + install + response) seen
# by wgc-loadgen with fresh keys written to etcd.

# OCD_KEEP=DIR: copy the logs and state there before cleaning up.

DTS_NAME=cluster_ondemand
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib/cluster.sh"

NE=ocdE
NN=ocdN
NC=ocdC
PORT=51983
PREFIX=/wgc/ocd/
IDLE=6
FLOOD_S=${OCD_FLOOD_SECONDS:-15}

dts_init
umask 077
dts_need wireguard-go wg curl jq ethtool ping etcdctl "$ETCD_BIN" "$PY"
LG=${LOADGEN:-$(dts_tool wgc-loadgen)} || {
	echo "$DTS_NAME: build/app/wgc-loadgen not found (ninja -C build)"
	echo "dts: 0 passed, 1 failed"
	exit 1
}
T=$DTS_TMP
for k in w k d; do wg genkey >"$T/$k.key"; done
wpk=$(wg pubkey <"$T/w.key")
kpk=$(wg pubkey <"$T/k.key")
dpk=$(wg pubkey <"$T/d.key")
S=$T/rest.sock

setup_net() {
	dts_netns $NE &&
	dts_netns $NN &&
	dts_netns $NC &&
	dts_veth $NE ocd-e $NN ocd-c 1500 &&
	dts_addr $NE ocd-e 10.83.0.1/24 &&
	dts_addr $NN ocd-c 10.83.0.2/24 &&
	# wgc owns its outer address itself: none on ocd-w
	dts_veth $NN ocd-w $NC ocd-x 1500 &&
	dts_addr $NC ocd-x 192.168.83.2/24 &&
	for i in $(seq 100 107); do
		ip -n $NC addr add 192.168.83.$i/32 dev ocd-x || return 1
	done
}

start_wgc() {
	cat >"$T/wgc.json" <<EOF
{
	"eal": ["--no-huge", "-m", "384", "--no-pci", "--no-shconf",
		"-l", "0-1", "--file-prefix", "od-ocd",
		"--vdev", "net_af_packet0,iface=ocd-w",
		"--log-level", "*:notice"],
	"interface": { "name": "ocd", "private_key": "$(cat "$T/w.key")",
		"listen_port": $PORT },
	"outer": [ { "port": "net_af_packet0", "ipv4": "192.168.83.1/24" } ],
	"inner": { "type": "tun", "name": "ocd-t0",
		"addresses": ["10.84.0.1/24"], "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$S", "state_dir": "$T/state",
		"cluster": { "etcd": ["$CL_ETCD_URL"], "prefix": "$PREFIX",
			"node": "ocd-n1", "on_demand": true,
			"idle_evict": $IDLE } },
	"peers": [ { "public_key": "$kpk", "allowed_ips": ["10.84.0.2/32"] } ]
}
EOF
	dts_wgc_launch $NN "$T/wgc.json" "$T/wgc.log"
}

# client NAME KEYFILE LISTEN ADDR: wireguard-go towards the node
client() {
	dts_wggo $NC "ocd-$1" "$2" "$3" "$4/24" "$T/$1.log" &&
	ip netns exec $NC wg set "ocd-$1" peer "$wpk" \
		endpoint 192.168.83.1:$PORT allowed-ips 10.84.0.1/32
}

dts_check "namespaces and veths" setup_net
dts_check "etcd up in its own namespace" cl_etcd_start $NE 10.83.0.1
dts_check "wgc up (on_demand, idle_evict $IDLE s)" start_wgc
client k "$T/k.key" 51984 10.84.0.2
K_PID=$DTS_WGGO_PID
dts_check "client K's session (configured peer)" \
	dts_retry 10 ip netns exec $NC ping -c 1 -W 1 -I ocd-k 10.84.0.1

# ---- D exists only in etcd
dts_check "D written to etcd with etcdctl" \
	cl_put_peer $PREFIX "$dpk" 10.84.0.3/32
# the node follows the store, but takes only the peers it holds
sleep 1
dts_check "the node does not hold D (1 s after the put)" cl_lacks "$S" "$dpk"
client d "$T/d.key" 51985 10.84.0.3
D_PID=$DTS_WGGO_PID
t0=$(date +%s%N)
ip netns exec $NC ping -c 1 -W 5 -I ocd-d 10.84.0.1 >"$T/ping-d.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "figure: on demand: D's first ping answered after $ms ms" \
	"(wireguard-go handshake + etcd lookup + install + response)" |
	tee -a "$T/figures"
if [ $rc -eq 0 ] && [ $ms -lt 5000 ]; then
	dts_ok "D's first ping answered within one retransmit interval ($ms ms)"
else
	dts_fail "D's first ping answered within one retransmit interval" \
		"(rc $rc, $ms ms)"
fi
inits=$(grep -c "Sending handshake initiation" "$T/d.log")
dts_check "D sent one initiation (no retransmit; $inits)" test "$inits" -eq 1
dts_check "D received the node's response" \
	grep -q "Received handshake response" "$T/d.log"
dts_check "the node holds D now" cl_holds "$S" "$dpk"
dts_check "the install is audited as via=on_demand" \
	grep -q "wgc.audit: uid=- via=on_demand op=upsert peer=$dpk" \
	"$T/wgc.log"
dts_check "counted: ondemand_installed and ondemand_reinjected" \
	cl_stats_min "$S" 1 ondemand_installed ondemand_reinjected

# ---- a key etcd does not have: no answer, cached as absent
wg genkey >"$T/u.key"
ip netns exec $NC "$LG" --private-key-file "$T/u.key" --peer-key "$wpk" \
	--target 192.168.83.1:$PORT --bind 192.168.83.2:51990 --timeout 3 \
	--handshake-only >"$T/lg-unknown.log" 2>&1
rc=$?
dts_check "a key etcd does not have gets no answer (loadgen exit $rc)" \
	test $rc -eq 3
dts_check "counted: ondemand_not_found, then negative cache hits" \
	cl_stats_min "$S" 1 ondemand_not_found ondemand_negative_hit

# ---- latency: fresh keys written to etcd, one handshake each
lat=""
fails=0
for i in $(seq 1 ${OCD_LAT_N:-10}); do
	wg genkey >"$T/l.key"
	cl_put_peer $PREFIX "$(wg pubkey <"$T/l.key")" "10.85.0.$i/32"
	ip netns exec $NC "$LG" --private-key-file "$T/l.key" \
		--peer-key "$wpk" --target 192.168.83.1:$PORT \
		--bind 192.168.83.2:$((52000 + i)) --timeout 5 \
		--handshake-only >"$T/lg-$i.log" 2>&1 || fails=$((fails + 1))
	lat="$lat $(sed -n 's/.*handshake ok ms=\([0-9.]*\).*/\1/p' \
		"$T/lg-$i.log")"
done
echo "figure: on demand: handshake latency (initiation -> response at the" \
	"client; lookup + install + response), ms:$lat; median" \
	"$(dts_median $lat)" | tee -a "$T/figures"
dts_rest "$S" /v1/stats | jq -c '.interface | with_entries(select(.key |
	test("ondemand")))'
dts_check "every fresh key completed its handshake ($fails failed)" \
	test $fails -eq 0
dts_check "none needed loadgen's 1 s retransmit" sh -c \
	"for x in $lat; do awk -v x=\$x 'BEGIN { exit !(x < 1000) }' || exit 1
	done"

# ---- a flood of unknown keys: K's session stays, everything bounded
rss0=$(cl_rss $WGC_PID)
off0=$(cl_stat "$S" ondemand_offered)
rm -f "$T/flood.ready"
ip netns exec $NC $PY "$here/lib/hsunknown.py" \
	--target 192.168.83.1:$PORT --pubkey "$wpk" \
	--src-base 192.168.83.100 --naddr 8 --nports 4 --nkeys 3000 \
	--pps ${OCD_FLOOD_PPS:-3000} --seconds $FLOOD_S \
	--ready "$T/flood.ready" >"$T/flood.log" 2>&1 &
FLOOD_PID=$!
dts_track $FLOOD_PID "$T/flood.log"
dts_wait_file "$T/flood.ready" 60
kinit0=$(grep -c "Sending handshake initiation" "$T/k.log")
# the kept table's occupancy, sampled during the flood
(while kill -0 $FLOOD_PID 2>/dev/null; do
	cl_stat "$S" ondemand_pending
	sleep 0.3
done) >"$T/pending.txt" 2>/dev/null &
SAMPLER=$!
ip netns exec $NC ping -q -i 0.02 -W 1 -w $((FLOOD_S - 2)) \
	-I ocd-k 10.84.0.1 >"$T/ping-k.log" 2>&1
wait $FLOOD_PID
wait $SAMPLER
pmax=$(sort -n "$T/pending.txt" | tail -n 1)
dts_untrack $FLOOD_PID
cat "$T/flood.log"
kinit1=$(grep -c "Sending handshake initiation" "$T/k.log")
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping-k.log")
tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping-k.log")
rss1=$(cl_rss $WGC_PID)
off1=$(cl_stat "$S" ondemand_offered)
echo "figure: on demand flood: $(cat "$T/flood.log" | tr -d '\n');" \
	"offered to the module $((off1 - off0)); K's pings $rx of $tx;" \
	"most initiations kept at once: ${pmax:-?} of 256;" \
	"RSS ${rss0} -> ${rss1} KiB" | tee -a "$T/figures"
dts_rest "$S" /v1/stats | jq -c '.interface | with_entries(select(.key |
	test("ondemand")))'
dts_check "the flood reached the on-demand module (offered +$((off1 - off0)))" \
	test $((off1 - off0)) -gt 100
dts_check "K's pings went on during the flood ($rx of $tx)" \
	test "${rx:-0}" -ge $(( ${tx:-1} * 95 / 100 ))
dts_check "K kept its session (no new initiation: $kinit0 -> $kinit1)" \
	test "$kinit0" -eq "$kinit1"
dts_check "kept initiations bounded during the flood (at most ${pmax:-?} <= 256)" \
	test "${pmax:-999}" -le 256
dts_check "RSS grew by less than 16 MiB during the flood" \
	test $((rss1 - rss0)) -lt 16384

# ---- idle eviction: D (idle since its ping, more than $IDLE s ago) left
# the node during the flood, not etcd; its next packets find no session
# at the node, and WireGuard's own timers (15 s without an answer) make
# it handshake again, installing it on demand again
dts_check "idle D left the node" cl_lacks "$S" "$dpk"
dts_check "counted: ondemand_evicted" test "$(cl_stat "$S" ondemand_evicted)" \
	-ge 1
dts_check "the eviction is audited as via=on_demand" \
	grep -Eq "via=on_demand (op=remove peer=|peers=[0-9]+ op=remove)" \
	"$T/wgc.log"
dts_check "D is still in etcd" cl_etcd_has $PREFIX "$dpk"
ms=$(cl_ping_resume $NC ocd-d 10.84.0.1 30 "$T/ping-d2.log")
rc=$?
echo "figure: on demand: an evicted client with a session resumes after" \
	"$ms ms (its timers: 15 s without an answer, then a handshake)" |
	tee -a "$T/figures"
dts_check "D comes back: installed on demand again ($ms ms)" test $rc -eq 0
# D stops: it leaves the node idle_evict after its last packet (the
# eviction scan runs every second)
dts_stop $D_PID
ms=$(cl_wait_ms $(((IDLE + 4) * 1000)) cl_lacks "$S" "$dpk")
rc=$?
dts_check "stopped D removed $ms ms after its last packet (idle_evict $IDLE s)" \
	sh -c "[ $rc -eq 0 ] && [ $ms -ge $(((IDLE - 1) * 1000)) ]"
dts_check "K (configured) was never evicted" cl_holds "$S" "$kpk"

dts_wgc_stop $WGC_PID "$T/wgc.log"
cl_etcd_stop
cat "$T/figures"
[ -n "${OCD_KEEP:-}" ] && cp -r "$T" "$OCD_KEEP"
dts_done
