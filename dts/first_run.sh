#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# README.md's first run, literally: wgc on the embedded default
# (config/default.json: net_tap outer port wgc-wan 192.0.2.2, TUN wgc0
# 10.8.0.1/24 + fd00:8::1/64), `wgcctl peer add --generate --name
# laptop`, devtools/client-netns.sh and a ping through the tunnel with
# wireguard-go. The default's interfaces keep their names: the "host" is
# a namespace of this test (wgcfr-host), so wgc-wan and wgc0 never meet
# the machine's. What is global on the file system differs: the default
# file with only eal --file-prefix and control socket / state / UAPI
# paths rewritten (jq).
#
# Then SIGHUP reloads (doc/config.md): a changed peer keeps its session
# (handshake time and counters unchanged), a new one is added, a dropped
# one removed; a file that does not parse and a file that changes a
# restart-only setting change nothing and say why. A restart keeps the
# generated private key (0600) and the peers.

DTS_NAME=first_run
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

src=$(cd "$here/.." && pwd)
wgc=$(dts_wgc_bin)
wgcctl=$(dirname "$wgc")/wgcctl
NH=wgcfr-host
NC=wgcfr-cl
CLIENT=wgcfr-lap
dts_init
dts_need jq wg-quick wireguard-go qrencode script
if wg show $CLIENT >/dev/null 2>&1 ||
		ip netns list | grep -qw -e $NH -e $NC; then
	echo "$DTS_NAME: $CLIENT / $NH / $NC in use (another run?)" >&2
	echo "dts: 0 passed, 1 failed"
	exit 1
fi

sock=$DTS_TMP/wgc.sock
state=$DTS_TMP/state
conf=$DTS_TMP/wgc.json
log=$DTS_TMP/wgc.log
# the client's config is named after its interface (wg-quick)
cconf=$DTS_TMP/$CLIENT.conf

# default.json with the global paths moved into this test
jq --arg s "$sock" --arg d "$state" --arg u "$DTS_TMP/uapi" '
	.eal |= (. as $e | [range(0; length)] |
		map(if $e[.] == "--file-prefix" then $e[.], "wgc-dts-first-run"
			elif . > 0 and $e[. - 1] == "--file-prefix" then empty
			else $e[.] end)) |
	.control.socket = $s | .control.state_dir = $d |
	.control.uapi_dir = $u' "$src/config/default.json" >"$conf.base"
cp "$conf.base" "$conf"

cleanup_first_run() {
	[ -n "${WGC_PID:-}" ] && kill "$WGC_PID" 2>/dev/null
	ip netns exec $NC wg-quick down "$cconf" >/dev/null 2>&1
	ip netns del $NC 2>/dev/null
	dts_cleanup
}
trap cleanup_first_run EXIT
dts_netns $NH
# made out here: `ip netns add` under `ip netns exec` would only name it
# in that command's mount namespace (client-netns.sh uses it as it is)
dts_netns $NC

# "make run", in the background
start() {
	: >"$log"
	dts_wgc_launch $NH "$conf" "$log" || { cat "$log"; return 1; }
	cat "$log"
	grep -q "wgcctl -s $sock peer add --generate --name NAME" "$log" &&
		grep -q "clients reach 192.0.2.2:51820" "$log"
}
dts_check "wgc up on the default (wgc-wan, wgc0), prints how to add a client" \
	start
key_file() {
	ls -l "$state/private_key"
	[ "$(stat -c %a "$state/private_key")" = 600 ] &&
		grep -q "first start: new private key" "$log"
}
dts_check "first start: private key generated, kept 0600" key_file
pub1=$(sed -n 's/^wgc: up: .*public key \([^,]*\),.*/\1/p' "$log")

# README: wgcctl peer add --generate --name laptop > laptop.conf
add() {
	ip netns exec $NH "$wgcctl" -s "$sock" peer add --generate \
		--name laptop >"$cconf" 2>"$DTS_TMP/add.err"
	rc=$?
	cat "$DTS_TMP/add.err" "$cconf"
	[ $rc -eq 0 ] && grep -q "^Endpoint = 192.0.2.2:51820$" "$cconf" &&
		grep -q "^Address = 10.8.0.2/32, fd00:8::2/128$" "$cconf" &&
		grep -q "^PublicKey = $pub1$" "$cconf"
}
dts_check "wgcctl peer add --generate: a wg-quick config" add
lap=$(sed -n 's/^PrivateKey = //p' "$cconf" | wg pubkey)
lap_url=$(printf %s "$lap" | tr '+/' '-_' | tr -d =)
second() {
	ip netns exec $NH "$wgcctl" -s "$sock" peer add --generate \
		>"$DTS_TMP/second.conf" &&
		grep -q "^Address = 10.8.0.3/32, fd00:8::3/128$" \
			"$DTS_TMP/second.conf"
}
dts_check "a second client gets the next free addresses" second
second_key=$(sed -n 's/^PrivateKey = //p' "$DTS_TMP/second.conf" | wg pubkey)

# README: sh devtools/client-netns.sh up laptop.conf
client() {
	chmod 600 "$cconf"
	ip netns exec $NH sh "$src/devtools/client-netns.sh" up "$cconf" \
		$NC wgc-wan
}
dts_check "client-netns.sh: client namespace with wg-quick (wireguard-go)" \
	client
# README: ip netns exec wgc-client ping -c 3 10.8.0.1
dts_check "ping through the tunnel (IPv4)" \
	dts_retry 10 ip netns exec $NC ping -c 3 -W 2 10.8.0.1
dts_check "ping through the tunnel (IPv6)" \
	ip netns exec $NC ping -c 2 -W 2 fd00:8::1

peer_json() {
	ip netns exec $NH "$wgcctl" -s "$sock" get "/v1/peers/$lap_url"
}
npeers() {
	ip netns exec $NH "$wgcctl" -s "$sock" get /v1/interface | jq .peers
}

# SIGHUP with peers in the file: laptop changed (keepalive), the second
# client dropped, a new one added
hs0=$(peer_json | jq .stats.last_handshake)
rx0=$(peer_json | jq .stats.rx_bytes)
new=$(wg genkey | wg pubkey)
jq --arg lap "$lap" --arg new "$new" '.peers = [
	{public_key: $lap, allowed_ips: ["10.8.0.2/32", "fd00:8::2/128"],
	 persistent_keepalive: 30},
	{public_key: $new, allowed_ips: ["10.8.0.9/32"]}]' \
	"$conf.base" >"$conf"
hup() {
	n=$(grep -c "wgc: reload" "$log")
	kill -HUP "$WGC_PID"
	i=0
	while [ "$(grep -c "wgc: reload" "$log")" -le "$n" ] && [ $i -lt 50 ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	grep "wgc: reload" "$log" | tail -1
}
reload1() {
	hup | grep -q "1 peers added, 1 changed, 1 removed, 0 unchanged"
}
dts_check "SIGHUP: 1 added, 1 changed, 1 removed" reload1
kept() {
	p=$(peer_json)
	echo "before: handshake $hs0 rx $rx0; after: $p"
	[ "$hs0" != 0 ] &&
		[ "$(echo "$p" | jq .stats.last_handshake)" = "$hs0" ] &&
		[ "$(echo "$p" | jq .stats.rx_bytes)" -ge "$rx0" ] &&
		[ "$(echo "$p" | jq .persistent_keepalive)" = 30 ]
}
dts_check "changed peer keeps its session (handshake time, counters)" kept
dts_check "ping right after the reload" \
	ip netns exec $NC ping -c 2 -W 2 10.8.0.1
membership() {
	ip netns exec $NH "$wgcctl" -s "$sock" show
	k=$(printf %s "$second_key" | tr '+/' '-_' | tr -d =)
	n=$(printf %s "$new" | tr '+/' '-_' | tr -d =)
	! ip netns exec $NH "$wgcctl" -s "$sock" get "/v1/peers/$k" \
		2>/dev/null &&
		ip netns exec $NH "$wgcctl" -s "$sock" get "/v1/peers/$n"
}
dts_check "the dropped peer is gone, the new one is there" membership
# the same file again: nothing to do
reload_same() {
	hup | grep -q "0 peers added, 0 changed, 0 removed, 2 unchanged"
}
dts_check "SIGHUP with the same file: 2 unchanged" reload_same

# bad files change nothing
printf '{ "interface": { "name": "wgc0", }' >"$conf"
bad_json() {
	hup | grep -q "nothing changed" &&
		grep "wgc: reload" "$log" | tail -1 | grep -q "$conf" &&
		[ "$(npeers)" = 2 ]
}
dts_check "SIGHUP, malformed JSON: one message, nothing changed" bad_json
jq '.peers = [{public_key: "AAAA", allowed_ips: []}]' "$conf.base" >"$conf"
bad_key() {
	hup | grep -q 'peers\[0\].public_key' && [ "$(npeers)" = 2 ]
}
dts_check "SIGHUP, bad key: the JSON path named, nothing changed" bad_key
jq '.eal += ["-l", "0-1"] | .workers = [1] | .interface.listen_port = 51821 |
	.peers = []' "$conf.base" >"$conf"
restart_only() {
	l=$(hup)
	echo "$l"
	echo "$l" | grep -q "refused: eal, workers need a restart" &&
		[ "$(npeers)" = 2 ] &&
		ip netns exec $NH "$wgcctl" -s "$sock" get /v1/interface |
			jq -e '.listen_port == 51820'
}
dts_check "SIGHUP, restart-only settings: refused by name, nothing half-applied" \
	restart_only
cp "$conf.base" "$conf"
no_peers() {
	hup | grep -q 'no "peers": peers left as they are' &&
		[ "$(npeers)" = 2 ]
}
dts_check "SIGHUP, a file without \"peers\": the peers stay" no_peers
dts_check "tunnel still up after the refused reloads" \
	ip netns exec $NC ping -c 2 -W 2 10.8.0.1

# a restart keeps the key and the peers (state directory)
restart() {
	kill -TERM "$WGC_PID"
	wait "$WGC_PID"
	dts_untrack "$WGC_PID"
	cp "$conf.base" "$conf"
	start >/dev/null || return 1
	grep "^wgc: up" "$log"
	grep -q "public key $pub1," "$log" &&
		! grep -q "first start" "$log" && [ "$(npeers)" = 2 ]
}
dts_check "restart: same private key, peers kept" restart
dts_check "client-netns.sh up again takes the new tap" client
dts_check "ping after the restart" \
	dts_retry 10 ip netns exec $NC ping -c 2 -W 2 10.8.0.1

# on a terminal, with qrencode: the same config as a QR code on stderr,
# stdout still the plain file
qr() {
	script -qec "ip netns exec $NH '$wgcctl' -s '$sock' peer add \
		--generate --name phone >'$DTS_TMP/phone.conf'" \
		"$DTS_TMP/qr.tty" >/dev/null
	n=$(grep -c '█' "$DTS_TMP/qr.tty")
	echo "$n QR lines"
	[ "$n" -ge 20 ] && grep -q "^# wgc client phone" "$DTS_TMP/phone.conf" &&
		! grep -q '█' "$DTS_TMP/phone.conf"
}
dts_check "QR code on a terminal (qrencode), config file clean" qr

ip netns exec $NC wg-quick down "$cconf" >/dev/null 2>&1
dts_wgc_stop "$WGC_PID" "$log"
WGC_PID=
dts_done
