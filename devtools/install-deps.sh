#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Install every Debian 12 package that wgc's build, tests and demo need.
# Idempotent and quiet when everything is already there.
set -e

PKGS="build-essential pkg-config meson ninja-build python3
libdpdk-dev dpdk libipsec-mb-dev libsodium-dev libcjson-dev
libmicrohttpd-dev libssl-dev libcurl4-openssl-dev etcd-server etcd-client
clang libclang-rt-14-dev
wireguard-go wireguard-tools iproute2 iperf3 iputils-ping ethtool
tshark python3-scapy curl procps psmisc util-linux kmod
libsystemd-dev prometheus python3-jsonschema python3-yaml"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
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
