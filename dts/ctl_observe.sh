#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Observability of the real daemon (net_null outer port, no namespace):
# `promtool check metrics` clean on /metrics?peers=1 with the WireGuard
# exporter's names beside wgc's; pools, ports, heartbeats in /metrics,
# /v1/stats and rte_telemetry (/wgc/info shows the live listen port);
# `wgcctl health`; /v1/health answered while a 100 000-peer PUT is being
# applied; real REST replies valid against doc/openapi.yaml, and
# `redocly lint` clean on it; audit lines for accepted changes, log lines
# on stderr (with journald priority prefixes under JOURNAL_STREAM).

DTS_NAME=ctl_observe
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)
wgcctl=$(dirname "$wgc")/wgcctl
BULK=${WGC_OBSERVE_BULK:-100000}
PREFIX=wo-observe

dts_init
dts_need curl promtool
REST=$DTS_TMP/rest.sock
dts_conf "$DTS_TMP/wgc.json" name=wo-obs0 port=51931 prefix=$PREFIX mem=512 \
	vdev=net_null0 ipv4=192.0.2.1/24 inner=ethdev iname=none workers= \
	sock="$REST" state="$DTS_TMP/state" uapi="$DTS_TMP" \
	"json=.interface.max_peers = $((BULK + 1024))"

get() {
	curl -s --max-time 10 --unix-socket "$REST" "http://wgc$1"
}

WGC_PID=""
wgc_start() {
	"$wgc" --config "$DTS_TMP/wgc.json" >"$DTS_TMP/wgc.out" \
		2>"$DTS_TMP/wgc.err" &
	WGC_PID=$!
	dts_track $WGC_PID "$DTS_TMP/wgc.err"
	dts_wait $WGC_PID 150 get /v1/health
}

dts_check "wgc starts" wgc_start

# wait for the monitor's first samples (once a second)
sleep 2
health_ok() {
	"$wgcctl" -s "$REST" health && "$wgcctl" -s "$REST" health |
		grep -q "^ok (up "
}
dts_check "wgcctl health: ok, exit 0" health_ok
health_down() {
	out=$("$wgcctl" -s "$DTS_TMP/none.sock" health 2>&1)
	rc=$?
	echo "$out"
	[ $rc -ne 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ]
}
dts_check "wgcctl health, no daemon: one line, exit non-zero" health_down

add_peers() {
	curl -s --unix-socket "$REST" -X PUT http://wgc/v1/peers \
		-H 'Content-Type: application/json' -d '[
		{ "public_key": "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",
		  "allowed_ips": ["10.9.0.2/32", "fd00:9::2/128"],
		  "preshared_key": "SZt1Nj6fkIy9U3SpZ8d6VWBvH+BdoHFnJBUxzrhWeOY=" },
		{ "public_key": "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=",
		  "allowed_ips": ["10.9.0.3/32"] } ]' | grep -q '"peers":2'
}
dts_check "two peers added" add_peers

promtool_clean() {
	get '/metrics?peers=1' >"$DTS_TMP/metrics.txt" || return 1
	promtool check metrics <"$DTS_TMP/metrics.txt" >"$DTS_TMP/promtool.txt" 2>&1
	rc=$?
	echo "promtool check metrics: $(wc -l <"$DTS_TMP/promtool.txt") problems (exit $rc)"
	cat "$DTS_TMP/promtool.txt"
	[ $rc -eq 0 ] && [ ! -s "$DTS_TMP/promtool.txt" ]
}
dts_check "promtool check metrics: clean on /metrics?peers=1" promtool_clean
sed 's/^/    /' "$DTS_TMP/check.out"

has_series() {
	for s in \
		'wireguard_sent_bytes_total{interface="wo-obs0",public_key="HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",allowed_ips="10.9.0.2/32,fd00:9::2/128"} ' \
		'wireguard_received_bytes_total{interface="wo-obs0",' \
		'wireguard_latest_handshake_seconds{interface="wo-obs0",' \
		'wgc_pool_in_use{pool="wgc_default"} ' \
		'wgc_pool_size{pool="wgc_default"} 8191' \
		'wgc_port_rx_packets_total{port="outer"} ' \
		'wgc_port_rx_nombuf_total{port="outer"} ' \
		'wgc_port_link_up{port="outer"} 1' \
		'wgc_worker_heartbeats_total{worker="0"} ' \
		'wgc_handshake_queue ' 'wgc_uptime_seconds ' 'wgc_healthy 1'; do
		grep -qF -- "$s" "$DTS_TMP/metrics.txt" || {
			echo "missing: $s"
			return 1
		}
	done
}
dts_check "metrics: exporter names, pools, ports, heartbeats, uptime" \
	has_series

hb_advances() {
	a=$(get /v1/stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["workers"][0]["heartbeats"])')
	sleep 1.2
	b=$(get /v1/stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["workers"][0]["heartbeats"])')
	echo "worker 0 heartbeats: $a -> $b"
	[ "$b" -gt "$a" ]
}
dts_check "worker heartbeat advances" hb_advances
sed 's/^/    /' "$DTS_TMP/check.out"

# rte_telemetry: /wgc/info shows the live port after a change
telemetry() {
	$PY - "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" "$1" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
json.loads(s.recv(16384))
s.send(sys.argv[2].encode())
print(s.recv(65536).decode())
EOF
}
live_port() {
	get /v1/interface >/dev/null
	curl -s --unix-socket "$REST" -X PATCH http://wgc/v1/interface \
		-H 'Content-Type: application/json' \
		-d '{"listen_port": 51932}' | grep -q '"listen_port":51932' ||
		return 1
	out=$(telemetry /wgc/info)
	echo "$out"
	echo "$out" | grep -q '"listen_port": *51932'
}
dts_check "telemetry /wgc/info: the live listen port" live_port
tel_pools() {
	out=$(telemetry /wgc/stats)
	echo "$out" | tr ',' '\n' | grep -E 'pool_|port_' | head -8
	echo "$out" | grep -q '"pool_in_use_wgc_default"' &&
		echo "$out" | grep -q '"pool_size_wgc_default": *8191'
}
dts_check "telemetry /wgc/stats: pool occupancy" tel_pools

openapi_replies() {
	$PY "$here/openapi_check.py" "$REST" "$here/../doc/openapi.yaml"
}
dts_check "real REST replies match doc/openapi.yaml" openapi_replies
dts_check "redocly lint (recommended): clean" \
	sh "$here/../devtools/openapi-lint.sh"

audit() {
	grep "wgc.audit" "$DTS_TMP/wgc.err" | head -5
	grep -q "wgc.audit: uid=$(id -u) via=rest interface=listen_port listen_port=51932" \
		"$DTS_TMP/wgc.err" &&
	grep -q "wgc.audit: uid=$(id -u) via=rest replace_peers=true peers=2 op=replace" \
		"$DTS_TMP/wgc.err" &&
	! grep -q "SZt1Nj6fkIy9U3SpZ8d6VWBvH" "$DTS_TMP/wgc.err" "$DTS_TMP/wgc.out"
}
dts_check "audit lines on stderr (uid, operation, keys; no secret)" audit

# health while a big PUT is parsed and applied
$PY - "$BULK" >"$DTS_TMP/bulk.json" <<'EOF'
import base64, hashlib, json, sys
n = int(sys.argv[1])
print(json.dumps([{"public_key": base64.b64encode(hashlib.sha256(
    b"wo%d" % i).digest()).decode(),
    "allowed_ips": ["10.%d.%d.%d/32" % (64 + (i >> 16), (i >> 8) & 255,
                                        i & 255)]}
    for i in range(n)]))
EOF
health_during_bulk() {
	curl -s --max-time 120 --unix-socket "$REST" -X PUT \
		http://wgc/v1/peers -H 'Content-Type: application/json' \
		--data-binary @"$DTS_TMP/bulk.json" -o "$DTS_TMP/bulk.out" \
		-w '%{http_code}\n' >"$DTS_TMP/bulk.code" &
	cp=$!
	sleep 0.3
	n=0
	slow=0
	bad=0
	while kill -0 $cp 2>/dev/null; do
		[ $((n % 2)) -eq 0 ] && u=/v1/health || u=/metrics
		t=$(curl -s --max-time 2 --unix-socket "$REST" \
			-o "$DTS_TMP/h.json" -w '%{http_code} %{time_total}' \
			"http://wgc$u")
		case $t in
		"200 "*) n=$((n + 1)) ;;
		*) bad=$((bad + 1)) ;;
		esac
		slow=$(echo "$slow ${t#* }" | awk '{ print ($2 > $1) ? $2 : $1 }')
		sleep 0.05
	done
	wait $cp
	echo "PUT of $BULK peers: HTTP $(cat "$DTS_TMP/bulk.code");" \
		"/v1/health and /metrics answered $n times during it" \
		"($bad failed), slowest ${slow} s"
	[ "$(cat "$DTS_TMP/bulk.code")" = 200 ] && [ $n -ge 1 ] && [ $bad -eq 0 ]
}
dts_check "/v1/health, /metrics answer while a $BULK-peer PUT is applied" \
	health_during_bulk
sed 's/^/    /' "$DTS_TMP/check.out"

stop_clean() {
	kill $WGC_PID
	dts_wait_exit $WGC_PID 300
	rc=$?
	dts_untrack $WGC_PID
	grep "buffers free" "$DTS_TMP/wgc.out"
	[ $rc -eq 0 ]
}
dts_check "SIGTERM: clean stop" stop_clean
# logs: stderr; under systemd (JOURNAL_STREAM names stderr) with a
# journald priority prefix (no journald here: the fallback)
journal_prefix() {
	: >"$DTS_TMP/once.err"
	js=$(stat -c '%d:%i' "$DTS_TMP/once.err")
	sed "s/\"$PREFIX\"/\"$PREFIX-once\"/" "$DTS_TMP/wgc.json" \
		>"$DTS_TMP/once.json"
	JOURNAL_STREAM=$js "$wgc" --once --config "$DTS_TMP/once.json" \
		>"$DTS_TMP/once.out" 2>>"$DTS_TMP/once.err"
	head -3 "$DTS_TMP/once.err"
	if [ -S /run/systemd/journal/socket ]; then
		echo "journald present: messages go to the journal"
		! grep -q "^TELEMETRY" "$DTS_TMP/once.err"
	else
		grep -Eq "^<[0-7]>TELEMETRY: " "$DTS_TMP/once.err"
	fi
}
dts_check "log lines: priority prefix under JOURNAL_STREAM" journal_prefix

dts_done
