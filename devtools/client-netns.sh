#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Try a client config printed by `wgcctl peer add --generate` on the same
# host as wgc. A client cannot share the host's network stack with wgc's
# inner side (the host already owns the inner prefix on wgc0: pings would
# never leave it), so the client gets a network namespace of its own, and
# that namespace takes wgc's wire: the kernel side of wgc's net_tap outer
# port (wgc-wan) moves into it with the host addresses of the default
# configuration (192.0.2.1/24, 2001:db8::1/64). Then wg-quick brings the
# client up in it (wireguard-go when the kernel module is absent).
#
#   sh devtools/client-netns.sh up   NAME.conf [NS] [TAP]
#   ip netns exec wgc-client ping 10.8.0.1
#   sh devtools/client-netns.sh down NAME.conf [NS]
#
# NS defaults to wgc-client, TAP to wgc-wan. NAME (the file's name without
# .conf) becomes the client's interface: 15 characters at most. Run as
# root while wgc runs; after a restart of wgc, "up" again moves the new
# tap. "down" deletes the namespace (and with it the tap: stop wgc first,
# or restart it to get wgc-wan back).
set -e

usage() {
	echo "usage: $0 up|down NAME.conf [NS] [TAP]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
cmd=$1
conf=$2
ns=${3:-wgc-client}
tap=${4:-wgc-wan}
[ -f "$conf" ] || { echo "$0: $conf: no such file" >&2; exit 1; }
case $conf in
/*) ;;
*) conf=$PWD/$conf ;;
esac

case $cmd in
up)
	ip netns list | grep -qw "$ns" || {
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	}
	# wgc's wire, again after a restart of wgc (a new tap)
	if ip link show "$tap" >/dev/null 2>&1; then
		ip link set "$tap" netns "$ns"
		ip netns exec "$ns" sysctl -qw \
			"net.ipv6.conf.$tap.accept_dad=0" || true
		ip -n "$ns" addr add 192.0.2.1/24 dev "$tap"
		ip -n "$ns" addr add 2001:db8::1/64 dev "$tap" nodad
		ip -n "$ns" link set "$tap" up
		ip netns exec "$ns" ethtool -K "$tap" tx off tso off gso off \
			>/dev/null 2>&1 || true
	elif ! ip -n "$ns" link show "$tap" >/dev/null 2>&1; then
		echo "$0: no interface $tap: is wgc running (make run)?" >&2
		exit 1
	fi
	ifname=$(basename "$conf" .conf)
	ip -n "$ns" link show "$ifname" >/dev/null 2>&1 ||
		ip netns exec "$ns" wg-quick up "$conf"
	;;
down)
	ip netns exec "$ns" wg-quick down "$conf" || true
	ip netns del "$ns"
	;;
*)
	usage
	;;
esac
