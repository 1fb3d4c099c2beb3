#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The daemon's command line and startup config as an operator meets them:
# a net_null config starts and stops cleanly, every bad flag or config
# gets a clear message and a non-zero exit (never a crash), a private key
# file readable by others is refused, SIGTERM and SIGINT stop a running
# daemon with exit 0 and full pools. No namespaces, no traffic.

DTS_NAME=wgc_cli
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)
dts_init

# conf FILE [KEY=VALUE...]: a startup config on net_null (dts_conf)
conf() {
	f=$1
	shift
	dts_conf "$f" name=wgccli0 prefix=wgc-cli mem=256 lcores= workers= \
		vdev=net_null0 ipv4=192.0.2.1/24 inner=ethdev iname=none \
		sock="$DTS_TMP/rest.sock" "$@"
}

# expect_fail PATTERN ARGS...: wgc exits non-zero (not by a signal) and
# says PATTERN on stderr
expect_fail() {
	pat=$1
	shift
	timeout 30 "$wgc" "$@" >"$DTS_TMP/out" 2>"$DTS_TMP/err"
	rc=$?
	cat "$DTS_TMP/err"
	[ $rc -ne 0 ] && [ $rc -lt 124 ] && grep -q -- "$pat" "$DTS_TMP/err"
}

# expect_once PATTERN ARGS...: wgc --once exits 0, pools full, says PATTERN
expect_once() {
	pat=$1
	shift
	timeout 60 "$wgc" --once "$@" >"$DTS_TMP/out" 2>"$DTS_TMP/err"
	rc=$?
	cat "$DTS_TMP/out" "$DTS_TMP/err"
	[ $rc -eq 0 ] && grep -q "^wgc: up" "$DTS_TMP/out" &&
		grep -Eq "default pool ([0-9]+)/\1 buffers free" \
			"$DTS_TMP/out" && grep -q -- "$pat" "$DTS_TMP/out"
}

conf "$DTS_TMP/null.json"
dts_check "net_null config: --once starts and stops, pools full" \
	expect_once "port: net_null0" --config "$DTS_TMP/null.json"
dts_check "unknown flag: usage, exit non-zero" expect_fail "usage:" --bogus
dts_check "--config without a file: usage" expect_fail "usage:" --config
dts_check "missing config file: named in the error" \
	expect_fail "/nonexistent/wgc.json" --config /nonexistent/wgc.json

printf '{ "interface": { "name": "x", }' >"$DTS_TMP/broken.json"
dts_check "malformed JSON: an error, not a crash" \
	expect_fail "broken.json" --config "$DTS_TMP/broken.json"
conf "$DTS_TMP/unknown.json" 'json=.interface.listen_prot = 1'
dts_check "unknown key: named" \
	expect_fail 'listen_prot' --config "$DTS_TMP/unknown.json"
conf "$DTS_TMP/port.json" 'json=.interface.listen_port = 70000'
dts_check "listen_port out of range: refused" \
	expect_fail 'listen_port' --config "$DTS_TMP/port.json"
conf "$DTS_TMP/two.json" \
	'json=.outer += [{ "port": "net_null1", "ipv4": "198.51.100.1/24" }]'
dts_check "two outer ports: both driven, each with its counters" \
	expect_once "^wgc: outer1 port: rx .*(net_null1)" --config "$DTS_TMP/two.json"
conf "$DTS_TMP/noaddr.json" 'json=.outer += [{ "port": "net_null1" }]'
dts_check "an outer port without an address: refused, named" \
	expect_fail "outer\[1\]: no address" --config "$DTS_TMP/noaddr.json"
conf "$DTS_TMP/dupaddr.json" \
	'json=.outer += [{ "port": "net_null1", "ipv4": "192.0.2.1/25" }]'
dts_check "an address on two outer ports: refused, named" \
	expect_fail "outer\[1\].ipv4: 192.0.2.1 already used by outer\[0\]" \
	--config "$DTS_TMP/dupaddr.json"
conf "$DTS_TMP/five.json" 'json=.outer += [range(1; 5) as $i |
	{ "port": "net_null\($i)", "ipv4": "198.51.\($i).1/24" }]'
dts_check "five outer ports: refused, the bound named" \
	expect_fail "outer: 5 ports, at most 4" --config "$DTS_TMP/five.json"
# two workers need two queue pairs on every outer port; af_packet on lo
# (opened to ask, never started: no traffic) has the one it was given
conf "$DTS_TMP/queues.json" "lcores=--lcores 0@0,1@1,2@1" workers=1,2 \
	'json=.outer += [{ "port": "net_af_packet9,iface=lo,qpairs=1",
	"ipv4": "198.51.100.1/24" }]'
dts_check "more workers than an outer port's queues: refused, named" \
	expect_fail "outer\[1\].port .*allows 1 RX and 1 TX queues.* 2 workers need 2" \
	--config "$DTS_TMP/queues.json"
conf "$DTS_TMP/badpeer.json" "peer=nope ips=10.1.0.0/24"
dts_check "bad peer key: refused with the peer named" \
	expect_fail "peers\[0\]" --config "$DTS_TMP/badpeer.json"
conf "$DTS_TMP/badcidr.json" \
	"peer=HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw= ips=10.1.0.0/33"
dts_check "bad allowed IP: refused" \
	expect_fail "10.1.0.0/33" --config "$DTS_TMP/badcidr.json"

# private key file: 0600 accepted (public key as wg derives it), 0644 not
if command -v wg >/dev/null 2>&1; then
	sk=$(wg genkey)
	pk=$(echo "$sk" | wg pubkey)
else
	sk=yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
	pk=HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=
fi
echo "$sk" >"$DTS_TMP/key"
chmod 600 "$DTS_TMP/key"
conf "$DTS_TMP/keyfile.json" \
	"json=.interface.private_key_file = \"$DTS_TMP/key\""
dts_check "private_key_file 0600: up with the matching public key" \
	expect_once "public key $pk" --config "$DTS_TMP/keyfile.json"
dts_check "the private key never appears in the output" \
	sh -c "! grep -qF '$sk' '$DTS_TMP/out' '$DTS_TMP/err'"
chmod 644 "$DTS_TMP/key"
dts_check "private_key_file 0644: refused" \
	expect_fail "key" --config "$DTS_TMP/keyfile.json"

# a running daemon stops cleanly on SIGTERM and on SIGINT
run_start() {
	dts_wgc_launch - "$DTS_TMP/run.json" "$DTS_TMP/run.log"
	pid=$WGC_PID
	[ -S "$DTS_TMP/rest.sock" ] || { cat "$DTS_TMP/run.log"; return 1; }
	curl -sf --unix-socket "$DTS_TMP/rest.sock" http://wgc/v1/health
}

# DPDK's telemetry socket serves wgc's own commands
telemetry() {
	/usr/bin/python3 - "/var/run/dpdk/wgc-cli/dpdk_telemetry.v2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(16384)
def q(c):
    s.send(c.encode())
    return json.loads(s.recv(1 << 16))[c.split(",")[0]]
info, st, w0, bad = (q("/wgc/info"), q("/wgc/stats"),
    q("/wgc/stats_worker,0"), q("/wgc/stats_worker,x"))
print(info, len(st), "counters; worker 0 outer_rx", w0["outer_rx"])
assert info == {"name": "wgccli0", "workers": 1, "peers": 0,
    "listen_port": 51820}, info
# net_null delivers frames that are not for wgc: counted as drops
assert st["outer_rx"] > 0 and st["drop_net_not_our_mac"] > 0, st
assert "drop_bad_tag" in st and "drop_net_udp_cksum" in st, st
assert w0["outer_rx"] > 0 and bad is None
PY
}

# run_stop SIG: the running daemon exits 0 on SIG, pools full, socket gone
run_stop() {
	kill -$1 $pid
	wait $pid
	rc=$?
	dts_untrack $pid
	cat "$DTS_TMP/run.log"
	echo "exit $rc"
	ls -l "$DTS_TMP/rest.sock" 2>/dev/null
	[ $rc -eq 0 ] &&
		grep -Eq "default pool ([0-9]+)/\1 buffers free" \
			"$DTS_TMP/run.log" &&
		[ ! -S "$DTS_TMP/rest.sock" ]
}

conf "$DTS_TMP/run.json"
dts_check "daemon up with its REST socket" run_start
dts_check "rte_telemetry: /wgc/info, /wgc/stats, /wgc/stats_worker" telemetry
dts_check "SIGTERM: exit 0, pools full, socket removed" run_stop TERM
dts_check "daemon up again" run_start
dts_check "SIGINT: exit 0, pools full, socket removed" run_stop INT

dts_done
