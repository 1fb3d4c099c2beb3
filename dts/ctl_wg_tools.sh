#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Unmodified wireguard-tools (`wg show|showconf|set|setconf|syncconf`)
# against the wgc control plane (build/app/wgc-ctl-server: the real REST,
# UAPI and persistence code on the in-memory backend), plus REST checks
# with curl. No network namespace is needed: only Unix sockets, all named
# wgcctl-*. Run as root from the build directory (meson test does).
#   dts/ctl_wg_tools.sh [BUILDDIR]
DTS_NAME=ctl_wg_tools
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

builddir=${1:-$(pwd)}
server="$builddir/app/wgc-ctl-server"
name=wgcctl-dts
pid=""
dts_init
dts_need wg curl "$server"
dir=$DTS_TMP
rest="$dir/rest.sock"
log="$dir/server.log"
DTS_LOGS=$log
# the UAPI socket goes when the server stops; after a kill -9 it stays
cleanup() {
	dts_cleanup
	rm -f "/var/run/wireguard/$name.sock"
}
trap cleanup EXIT

start() {
	"$server" --name "$name" --socket "$rest" --state-dir "$dir/state" \
		--fake-handshakes >>"$log" 2>&1 &
	pid=$!
	dts_track $pid
	dts_wait $pid 50 wg show "$name"
}

api() { # api METHOD PATH [BODY] -> prints "STATUS BODY"
	if [ $# -ge 3 ]; then
		curl -s --unix-socket "$rest" -X "$1" -H 'Content-Type: application/json' \
			-d "$3" -w ' %{http_code}' "http://wgc$2"
	else
		curl -s --unix-socket "$rest" -X "$1" -w ' %{http_code}' "http://wgc$2"
	fi
}

start
dts_check "wg show talks to wgc's UAPI socket" wg show "$name"
mode=$(stat -c %a "/var/run/wireguard/$name.sock" 2>/dev/null)
[ "$mode" = 660 ] && dts_ok "UAPI socket mode 0660" || dts_fail "UAPI socket mode $mode"
mode=$(stat -c %a "$rest" 2>/dev/null)
[ "$mode" = 660 ] && dts_ok "REST socket mode 0660" || dts_fail "REST socket mode $mode"

# wg set: key, port, one peer
umask 077
wg genkey >"$dir/priv"
pub=$(wg pubkey <"$dir/priv")
p1=$(wg genkey | wg pubkey)
dts_check "wg set adds a peer" wg set "$name" private-key "$dir/priv" \
	listen-port 51999 peer "$p1" allowed-ips 10.11.0.0/24,fd00:11::/64 \
	endpoint 127.0.0.1:51821 persistent-keepalive 25
[ "$(wg show "$name" public-key)" = "$pub" ] &&
	dts_ok "public key derived from the private key" || dts_fail "public key"
[ "$(wg show "$name" listen-port)" = 51999 ] && dts_ok "listen port" ||
	dts_fail "listen port"
wg show "$name" allowed-ips | grep -q "10.11.0.0/24 fd00:11::/64" &&
	dts_ok "wg show allowed-ips" || dts_fail "wg show allowed-ips"
wg show "$name" latest-handshakes | grep -q "$p1" &&
	dts_ok "wg show latest-handshakes" || dts_fail "latest-handshakes"
api GET /v1/peers | grep -q "$p1" && dts_ok "REST sees the peer set by wg" ||
	dts_fail "REST sees the peer"
"$builddir/app/wgcctl" -s "$rest" show | grep -q "^$p1  127.0.0.1:51821" &&
	dts_ok "wgcctl show lists the peer" || dts_fail "wgcctl show"
api GET /v1/interface | grep -q "$(cat "$dir/priv")" &&
	dts_fail "private key in REST output" || dts_ok "private key not in REST output"

# wg setconf with 200 peers
{
	echo "[Interface]"; echo "PrivateKey = $(cat "$dir/priv")"
	echo "ListenPort = 51999"
	i=0
	while [ $i -lt 200 ]; do
		echo "[Peer]"; echo "PublicKey = $(wg genkey | wg pubkey)"
		echo "AllowedIPs = 10.12.$((i / 250)).$((i % 250))/32"
		i=$((i + 1))
	done
} >"$dir/conf200"
dts_check "wg setconf 200 peers" wg setconf "$name" "$dir/conf200"
n=$(wg show "$name" peers | wc -l)
[ "$n" = 200 ] && dts_ok "200 peers after setconf" || dts_fail "peers after setconf: $n"
api GET /v1/interface | grep -q '"peers":200' && dts_ok "REST count 200" ||
	dts_fail "REST count"

# wg syncconf: drop one, change one, add one; untouched keep handshakes
wg show "$name" latest-handshakes | sort >"$dir/hs.before"
wg show "$name" dump | tail -n +2 | awk '{print $1" "$5}' | sort >"$dir/ts.before"
drop=$(sed -n 's/^PublicKey = //p' "$dir/conf200" | sed -n 3p)
chg=$(sed -n 's/^PublicKey = //p' "$dir/conf200" | sed -n 4p)
new=$(wg genkey | wg pubkey)
awk -v drop="$drop" '
	/^\[Peer\]/ { held = $0; next }
	held != "" { if ($3 == drop) { skip = 1 } else { print held; skip = 0 }
		held = ""; if (skip) next; print; next }
	skip && /^AllowedIPs/ { skip = 0; next }
	{ print }' "$dir/conf200" |
	sed "s|^\(PublicKey = $chg\)\$|\1\nEndpoint = 127.0.0.1:4444|" >"$dir/conf2"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.13.0.0/24\n' "$new" >>"$dir/conf2"
dts_check "wg syncconf" wg syncconf "$name" "$dir/conf2"
n=$(wg show "$name" peers | wc -l)
[ "$n" = 200 ] && dts_ok "200 peers after syncconf (-1 +1)" || dts_fail "syncconf count $n"
wg show "$name" peers | grep -q "$drop" && dts_fail "dropped peer still there" ||
	dts_ok "dropped peer removed"
wg show "$name" endpoints | grep "$chg" | grep -q 127.0.0.1:4444 &&
	dts_ok "changed peer has its endpoint" || dts_fail "changed peer endpoint"
# handshake times (a distinct fake second per session) of kept peers
# are unchanged; a re-created peer would get a new one
wg show "$name" dump | tail -n +2 | awk '{print $1" "$5}' | sort >"$dir/ts.after"
kept=$(grep -v "$drop" "$dir/ts.before" | wc -l)
same=$(grep -v "$drop" "$dir/ts.before" | grep -c -F -x -f "$dir/ts.after")
[ "$kept" = "$same" ] && [ "$kept" = 199 ] &&
	dts_ok "syncconf kept the sessions of 199 peers (handshake times unchanged)" ||
	dts_fail "sessions kept: $same of $kept"

# wg showconf round trip
wg showconf "$name" >"$dir/shown"
dts_check "wg showconf | wg setconf round trip" wg setconf "$name" "$dir/shown"
wg showconf "$name" | cmp -s - "$dir/shown" && dts_ok "showconf stable" ||
	dts_fail "showconf differs after round trip"

# remove, and a refused set leaves the state unchanged
dts_check "wg set peer remove" wg set "$name" peer "$new" remove
wg show "$name" peers | grep -q "$new" && dts_fail "removed peer present" ||
	dts_ok "peer removed"
before=$(wg showconf "$name" | md5sum)
printf 'set=1\npublic_key=%s\nallowed_ip=10.99.0.0/24\npublic_key=zz\n\n' \
	"$(echo "$p1" | base64 -d | od -An -tx1 | tr -d ' \n')" |
	timeout 5 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
sys.stdout.buffer.write(s.makefile("rb").read())' \
	"/var/run/wireguard/$name.sock" >"$dir/bad.reply" 2>/dev/null
grep -q '^errno=-22' "$dir/bad.reply" && dts_ok "bad UAPI set: errno=-22" ||
	dts_fail "bad UAPI set reply: $(cat "$dir/bad.reply")"
[ "$(wg showconf "$name" | md5sum)" = "$before" ] &&
	dts_ok "refused set changed nothing" || dts_fail "refused set changed state"

# REST errors through curl
r=$(api GET /v1/peers/nope); [ "${r##* }" = 422 ] && dts_ok "REST 422" || dts_fail "REST 422: $r"
r=$(api DELETE /v1/stats); [ "${r##* }" = 405 ] && dts_ok "REST 405" || dts_fail "REST 405: $r"
r=$(api POST /v1/peers '[{"public_key": 1}]'); [ "${r##* }" = 400 ] &&
	dts_ok "REST 400" || dts_fail "REST 400: $r"

# a non-root user is refused on both sockets
if command -v setpriv >/dev/null; then
	chmod 755 "$dir"
	setpriv --reuid 65534 --regid 65534 --clear-groups wg show "$name" \
		>/dev/null 2>&1 && dts_fail "uid 65534 read the UAPI" ||
		dts_ok "uid 65534 refused on the UAPI socket"
	setpriv --reuid 65534 --regid 65534 --clear-groups curl -s -f \
		--unix-socket "$rest" http://wgc/v1/interface >/dev/null 2>&1 &&
		dts_fail "uid 65534 read REST" || dts_ok "uid 65534 refused on the REST socket"
fi

# kill -9 and restart: everything acknowledged is back
wg showconf "$name" >"$dir/before.kill"
kill -9 "$pid"; wait "$pid" 2>/dev/null; dts_untrack "$pid"
rm -f "/var/run/wireguard/$name.sock"
start
wg showconf "$name" | cmp -s - "$dir/before.kill" &&
	dts_ok "state identical after kill -9 and restart" ||
	dts_fail "state differs after kill -9"

kill "$pid"; wait "$pid"; rc=$?; dts_untrack "$pid"
[ $rc = 0 ] && dts_ok "clean exit on SIGTERM" || dts_fail "exit code $rc"
[ -e "/var/run/wireguard/$name.sock" ] && dts_fail "UAPI socket left behind" ||
	dts_ok "UAPI socket removed"

dts_done
