#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Cluster figures (printed, never failed on timing): a real etcd and one
# wgc node (net_null outer port, no inner traffic) in a namespace of the
# suite's own.
#   1. N peers written to etcd (dts/lib/etcdload.py: transactions of 128
#      puts over 4 connections): etcd's write rate;
#   2. the node's initial sync of those N peers: the node's own log line
#      (paged read, then the diff applied) and its RSS afterwards;
#   3. watch-apply rate: the node stopped (SIGSTOP), M more peers written,
#      the node continued (SIGCONT): time until it holds N + M peers.
# N = OCB_PEERS (100 000; the scale suite's cluster_bench_1m: 1 000 000),
# M = N / 10, at most 20 000 (the figures in doc/benchmarks.md; a watcher
# further behind is sent fragmented messages, cluster_etcd_watch_behind).

DTS_NAME=cluster_bench
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib/cluster.sh"

NS=ocbN
N=${OCB_PEERS:-100000}
M=$((N / 10 > 20000 ? 20000 : N / 10))
PREFIX=/wgc/ocb/

dts_init
dts_need curl jq etcdctl "$ETCD_BIN" "$PY"
T=$DTS_TMP
S=$T/rest.sock

dts_check "namespace" dts_netns $NS
ip -n $NS addr add 10.89.0.1/24 dev lo
# room for a million peers and their revisions (etcd reads ETCD_* flags)
ETCD_QUOTA_BACKEND_BYTES=8589934592
export ETCD_QUOTA_BACKEND_BYTES
dts_check "etcd up (8 GiB quota)" cl_etcd_start $NS 10.89.0.1
ip netns exec $NS $PY "$here/lib/etcdload.py" --url "$CL_ETCD_URL" \
	--prefix $PREFIX --count $N >"$T/load1.log" 2>&1
dts_check "$N peers written to etcd" grep -q "^etcdload: peers=$N" \
	"$T/load1.log"
echo "figure: etcd: $(cat "$T/load1.log")" | tee -a "$T/figures"

cat >"$T/wgc.json" <<EOF
{
	"eal": ["--no-huge", "-m", "$((N / 1000 * 5 + 1024))", "--no-pci",
		"--no-shconf", "-l", "0-1", "--file-prefix", "od-ocb",
		"--vdev", "net_null0", "--log-level", "*:notice"],
	"interface": { "name": "ocb", "listen_port": 51989,
		"private_key": "GGRoqKrq7rEv0VBk+aqphXrbjDH6arZozFPntKx3/GM=",
		"max_peers": $((N + M + 16)) },
	"outer": [ { "port": "net_null0", "ipv4": "192.0.2.1/24" } ],
	"inner": { "type": "ethdev", "name": "none", "mtu": 1420 },
	"workers": [1],
	"control": { "socket": "$S", "state_dir": "$T/state", "uapi_dir": "",
		"cluster": { "etcd": ["$CL_ETCD_URL"], "prefix": "$PREFIX",
			"node": "ocb-n1" } }
}
EOF
t0=$(date +%s%N)
dts_check "wgc up" dts_wgc_launch $NS "$T/wgc.json" "$T/wgc.log"
dts_check "initial sync done" dts_wait_line "$T/wgc.log" \
	"full read at revision" $WGC_PID 6000
t1=$(date +%s%N)
peers=$(dts_rest "$S" /v1/health | jq .peers)
rss=$(cl_rss $WGC_PID)
echo "figure: initial sync of $N peers: $(sed -n \
	's/.*\(full read at revision.*\)/\1/p' "$T/wgc.log"); $(((t1 - t0) / \
	1000000)) ms from launch to synced (EAL, pools and ports included);" \
	"node holds $peers peers, RSS $((rss / 1024)) MiB" | tee -a "$T/figures"
dts_check "the node holds the $N peers" test "$peers" -eq $N

# watch-apply rate: events queued while the node is stopped
kill -STOP $WGC_PID
ip netns exec $NS $PY "$here/lib/etcdload.py" --url "$CL_ETCD_URL" \
	--prefix $PREFIX --first $N --count $M >"$T/load2.log" 2>&1
kill -CONT $WGC_PID
t0=$(date +%s%N)
total=$((N + M))
while :; do
	p=$(dts_rest "$S" /v1/health | jq .peers)
	[ "${p:-0}" -ge $total ] && break
	[ $((($(date +%s%N) - t0) / 1000000000)) -ge 600 ] && break
	sleep 0.05
done
ms=$((($(date +%s%N) - t0) / 1000000))
echo "figure: watch-apply: $M peers written while the node was stopped" \
	"($(cat "$T/load2.log")), applied $ms ms after it continued:" \
	"$((M * 1000 / (ms + 1))) peers/s; RSS $(($(cl_rss $WGC_PID) / \
	1024)) MiB" | tee -a "$T/figures"
dts_check "the node holds the $total peers" test "${p:-0}" -ge $total
dts_rest "$S" /v1/cluster | jq -c '{applied_revision, batches, events}' \
	2>/dev/null

dts_wgc_stop $WGC_PID "$T/wgc.log"
cl_etcd_stop
cat "$T/figures"
dts_done
