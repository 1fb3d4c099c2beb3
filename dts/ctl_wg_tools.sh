#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Unmodified wireguard-tools (`wg show|showconf|set|setconf|syncconf`)
# against the wgc control plane (build/app/wgc-ctl-server: the real REST,
# UAPI and persistence code on the in-memory backend), plus REST checks
# with curl. No network namespace is needed: only Unix sockets, all named
# wgcctl-*. Run as root from the build directory (meson test does).
#   dts/ctl_wg_tools.sh [BUILDDIR]
set -u

builddir=${1:-$(pwd)}
server="$builddir/app/wgc-ctl-server"
name=wgcctl-dts
dir=$(mktemp -d /tmp/wgcctl-dts-XXXXXX)
rest="$dir/rest.sock"
log="$dir/server.log"
pid=""
pass=0
fail=0

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
	rm -f "/var/run/wireguard/$name.sock"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() {
	fail=$((fail + 1)); echo "FAIL $*"
	echo "---- server log"; cat "$log" 2>/dev/null; echo "----"
}
check() { # check "description" command...
	d=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else ko "$d"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "ctl_wg_tools: needs root"; echo "dts: 0 passed, 1 failed"; exit 1
fi
if ! command -v wg >/dev/null || ! command -v curl >/dev/null ||
		[ ! -x "$server" ]; then
	echo "ctl_wg_tools: need wg, curl and $server"
	echo "dts: 0 passed, 1 failed"; exit 1
fi

start() {
	"$server" --name "$name" --socket "$rest" --state-dir "$dir/state" \
		--fake-handshakes >>"$log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 50 ] && ! wg show "$name" >/dev/null 2>&1; do
		sleep 0.1; i=$((i + 1))
	done
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
check "wg show talks to wgc's UAPI socket" wg show "$name"
mode=$(stat -c %a "/var/run/wireguard/$name.sock" 2>/dev/null)
[ "$mode" = 660 ] && ok "UAPI socket mode 0660" || ko "UAPI socket mode $mode"
mode=$(stat -c %a "$rest" 2>/dev/null)
[ "$mode" = 660 ] && ok "REST socket mode 0660" || ko "REST socket mode $mode"

# wg set: key, port, one peer
umask 077
wg genkey >"$dir/priv"
pub=$(wg pubkey <"$dir/priv")
p1=$(wg genkey | wg pubkey)
check "wg set adds a peer" wg set "$name" private-key "$dir/priv" \
	listen-port 51999 peer "$p1" allowed-ips 10.11.0.0/24,fd00:11::/64 \
	endpoint 127.0.0.1:51821 persistent-keepalive 25
[ "$(wg show "$name" public-key)" = "$pub" ] &&
	ok "public key derived from the private key" || ko "public key"
[ "$(wg show "$name" listen-port)" = 51999 ] && ok "listen port" ||
	ko "listen port"
wg show "$name" allowed-ips | grep -q "10.11.0.0/24 fd00:11::/64" &&
	ok "wg show allowed-ips" || ko "wg show allowed-ips"
wg show "$name" latest-handshakes | grep -q "$p1" &&
	ok "wg show latest-handshakes" || ko "latest-handshakes"
api GET /v1/peers | grep -q "$p1" && ok "REST sees the peer set by wg" ||
	ko "REST sees the peer"
"$builddir/app/wgcctl" -s "$rest" show | grep -q "^$p1  127.0.0.1:51821" &&
	ok "wgcctl show lists the peer" || ko "wgcctl show"
api GET /v1/interface | grep -q "$(cat "$dir/priv")" &&
	ko "private key in REST output" || ok "private key not in REST output"

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
check "wg setconf 200 peers" wg setconf "$name" "$dir/conf200"
n=$(wg show "$name" peers | wc -l)
[ "$n" = 200 ] && ok "200 peers after setconf" || ko "peers after setconf: $n"
api GET /v1/interface | grep -q '"peers":200' && ok "REST count 200" ||
	ko "REST count"

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
check "wg syncconf" wg syncconf "$name" "$dir/conf2"
n=$(wg show "$name" peers | wc -l)
[ "$n" = 200 ] && ok "200 peers after syncconf (-1 +1)" || ko "syncconf count $n"
wg show "$name" peers | grep -q "$drop" && ko "dropped peer still there" ||
	ok "dropped peer removed"
wg show "$name" endpoints | grep "$chg" | grep -q 127.0.0.1:4444 &&
	ok "changed peer has its endpoint" || ko "changed peer endpoint"
# handshake times (a distinct fake second per session) of kept peers
# are unchanged; a re-created peer would get a new one
wg show "$name" dump | tail -n +2 | awk '{print $1" "$5}' | sort >"$dir/ts.after"
kept=$(grep -v "$drop" "$dir/ts.before" | wc -l)
same=$(grep -v "$drop" "$dir/ts.before" | grep -c -F -x -f "$dir/ts.after")
[ "$kept" = "$same" ] && [ "$kept" = 199 ] &&
	ok "syncconf kept the sessions of 199 peers (handshake times unchanged)" ||
	ko "sessions kept: $same of $kept"

# wg showconf round trip
wg showconf "$name" >"$dir/shown"
check "wg showconf | wg setconf round trip" wg setconf "$name" "$dir/shown"
wg showconf "$name" | cmp -s - "$dir/shown" && ok "showconf stable" ||
	ko "showconf differs after round trip"

# remove, and a refused set leaves the state unchanged
check "wg set peer remove" wg set "$name" peer "$new" remove
wg show "$name" peers | grep -q "$new" && ko "removed peer present" ||
	ok "peer removed"
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
grep -q '^errno=-22' "$dir/bad.reply" && ok "bad UAPI set: errno=-22" ||
	ko "bad UAPI set reply: $(cat "$dir/bad.reply")"
[ "$(wg showconf "$name" | md5sum)" = "$before" ] &&
	ok "refused set changed nothing" || ko "refused set changed state"

# REST errors through curl
r=$(api GET /v1/peers/nope); [ "${r##* }" = 422 ] && ok "REST 422" || ko "REST 422: $r"
r=$(api DELETE /v1/stats); [ "${r##* }" = 405 ] && ok "REST 405" || ko "REST 405: $r"
r=$(api POST /v1/peers '[{"public_key": 1}]'); [ "${r##* }" = 400 ] &&
	ok "REST 400" || ko "REST 400: $r"

# a non-root user is refused on both sockets
if command -v setpriv >/dev/null; then
	chmod 755 "$dir"
	setpriv --reuid 65534 --regid 65534 --clear-groups wg show "$name" \
		>/dev/null 2>&1 && ko "uid 65534 read the UAPI" ||
		ok "uid 65534 refused on the UAPI socket"
	setpriv --reuid 65534 --regid 65534 --clear-groups curl -s -f \
		--unix-socket "$rest" http://wgc/v1/interface >/dev/null 2>&1 &&
		ko "uid 65534 read REST" || ok "uid 65534 refused on the REST socket"
fi

# kill -9 and restart: everything acknowledged is back
wg showconf "$name" >"$dir/before.kill"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
rm -f "/var/run/wireguard/$name.sock"
start
wg showconf "$name" | cmp -s - "$dir/before.kill" &&
	ok "state identical after kill -9 and restart" ||
	ko "state differs after kill -9"

kill "$pid"; wait "$pid"; rc=$?; pid=""
[ $rc = 0 ] && ok "clean exit on SIGTERM" || ko "exit code $rc"
[ -e "/var/run/wireguard/$name.sock" ] && ko "UAPI socket left behind" ||
	ok "UAPI socket removed"

echo "dts: $pass passed, $fail failed"
[ $fail -eq 0 ]
