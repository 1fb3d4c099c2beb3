#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Install every Debian 12 package that wgc's build, tests and demo need
# (and, with "deb", what `make deb` needs to build the package).
# Idempotent, quiet and fast when everything is already there: one
# dpkg-query, no apt-get.
set -e

PKGS="build-essential pkg-config meson ninja-build python3
libdpdk-dev dpdk libipsec-mb-dev libsodium-dev libcjson-dev
libmicrohttpd-dev libssl-dev libcurl4-openssl-dev libsystemd-dev systemd
etcd-server etcd-client
clang libclang-rt-14-dev
wireguard-go wireguard-tools iproute2 iperf3 iputils-ping ethtool
tshark python3-scapy curl jq qrencode procps psmisc util-linux bsdutils kmod
prometheus python3-jsonschema python3-yaml"
if [ "${1:-}" = deb ]; then
	PKGS="$PKGS debhelper dpkg-dev fakeroot"
fi

# one dpkg-query for all: the names not reported as installed are missing
# shellcheck disable=SC2086
missing=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $PKGS \
	2>/dev/null | awk -v want="$PKGS" '
	$2 == "installed" { ok[$1] = 1 }
	END {
		n = split(want, w, /[ \n]+/)
		for (i = 1; i <= n; i++)
			if (w[i] != "" && !(w[i] in ok))
				printf " %s", w[i]
	}')
# redocly (devtools/openapi-lint.sh) runs on node: any npm will do (a
# NodeSource nodejs brings its own, which Debian's npm would conflict with)
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# prometheus is installed for promtool only (the metrics test): do not
# leave a Prometheus server running that nobody asked for
case " $missing " in
*" prometheus "*)
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus.service >/dev/null 2>&1 || :
	fi ;;
esac
