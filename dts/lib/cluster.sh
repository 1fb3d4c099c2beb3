# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers of the cluster suites (wgc nodes sharing their peers through a
# real etcd), sourced after dts/lib.sh. etcd runs in a namespace of
# the suite's own with its own data directory (under $DTS_TMP, removed with
# it); the nodes reach it over veths.

ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}

# cl_etcd_start NS ADDR: etcd on ADDR:2379 (client) and ADDR:2380 (peer)
# in NS, data in $DTS_TMP/etcd (kept across restarts); sets CL_ETCD_PID
# and CL_ETCD_URL; succeeds once it answers
cl_etcd_start() {
	CL_ETCD_NS=$1
	CL_ETCD_URL=http://$2:2379
	ip netns exec "$1" "$ETCD_BIN" --name cl --data-dir "$DTS_TMP/etcd" \
		--listen-client-urls "$CL_ETCD_URL" \
		--advertise-client-urls "$CL_ETCD_URL" \
		--listen-peer-urls "http://$2:2380" \
		--initial-advertise-peer-urls "http://$2:2380" \
		--initial-cluster "cl=http://$2:2380" \
		>>"$DTS_TMP/etcd.log" 2>&1 &
	CL_ETCD_PID=$!
	dts_track $CL_ETCD_PID "$DTS_TMP/etcd.log"
	_c_i=0
	while [ $_c_i -lt 150 ]; do
		cl_etcdctl endpoint health >/dev/null 2>&1 && return 0
		kill -0 $CL_ETCD_PID 2>/dev/null || return 1
		sleep 0.1
		_c_i=$((_c_i + 1))
	done
	return 1
}

# cl_etcd_stop: SIGTERM etcd and reap it
cl_etcd_stop() {
	dts_stop $CL_ETCD_PID
}

# cl_etcdctl ARGS...: etcdctl against the suite's etcd
cl_etcdctl() {
	ip netns exec "$CL_ETCD_NS" env ETCDCTL_API=3 etcdctl \
		--endpoints "$CL_ETCD_URL" --dial-timeout 2s \
		--command-timeout 3s "$@"
}

# cl_url KEY: a base64 key as base64url without padding (etcd layout,
# REST paths)
cl_url() {
	printf '%s' "$1" | tr '+/' '-_' | tr -d '='
}

# cl_put_peer PREFIX KEY ALLOWED_IP...: write a peer's REST JSON to etcd
cl_put_peer() {
	_c_p=$1
	_c_k=$2
	shift 2
	_c_ips=$(printf '"%s",' "$@")
	cl_etcdctl put "${_c_p}peers/$(cl_url "$_c_k")" \
		"{\"public_key\": \"$_c_k\", \"allowed_ips\": [${_c_ips%,}]}" \
		>/dev/null
}

# cl_holds SOCK KEY: the node behind REST socket SOCK holds the peer
cl_holds() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$1" \
		"http://wgc/v1/peers/$(cl_url "$2")")" = 200 ]
}

# cl_stat SOCK NAME: a device counter of /v1/stats (0 if absent)
cl_stat() {
	dts_rest "$1" /v1/stats | jq ".interface.$2 // 0"
}

# cl_wait_ms MS CMD...: run CMD every 50 ms until it succeeds or MS pass;
# prints the milliseconds it took
cl_wait_ms() {
	_c_t0=$(date +%s%N)
	_c_max=$1
	shift
	while :; do
		if "$@" >/dev/null 2>&1; then
			echo $((($(date +%s%N) - _c_t0) / 1000000))
			return 0
		fi
		[ $((($(date +%s%N) - _c_t0) / 1000000)) -ge "$_c_max" ] &&
			break
		sleep 0.05
	done
	echo $((($(date +%s%N) - _c_t0) / 1000000))
	return 1
}

# cl_rss PID: resident set of a process, KiB
cl_rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

# cl_etcd_has PREFIX KEY: etcd holds the peer KEY
cl_etcd_has() {
	cl_etcdctl get --print-value-only "${1}peers/$(cl_url "$2")" |
		grep -q "\"$2\""
}

# cl_lacks SOCK KEY: the node behind SOCK does not hold the peer
cl_lacks() {
	! cl_holds "$1" "$2"
}

# cl_health_is SOCK STATUS: /v1/health says STATUS (ok, degraded)
cl_health_is() {
	[ "$(dts_rest "$1" /v1/health | jq -r .status)" = "$2" ]
}

# cl_ping_resume NS IF DST SECONDS LOG: ping DST through IF every 0.2 s
# until one reply or SECONDS pass; prints the milliseconds it took and
# returns ping's status
cl_ping_resume() {
	_c_t0=$(date +%s%N)
	ip netns exec "$1" ping -c 1 -i 0.2 -w "$4" -I "$2" "$3" >"$5" 2>&1
	_c_rc=$?
	echo $((($(date +%s%N) - _c_t0) / 1000000))
	return $_c_rc
}

# cl_stats_min SOCK MIN NAME...: every named device counter is >= MIN
cl_stats_min() {
	_c_s=$1
	_c_min=$2
	shift 2
	for _c_n in "$@"; do
		[ "$(cl_stat "$_c_s" "$_c_n")" -ge "$_c_min" ] || {
			echo "$_c_n = $(cl_stat "$_c_s" "$_c_n") < $_c_min"
			return 1
		}
	done
}
