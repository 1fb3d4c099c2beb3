#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# `make deb`'s package (devtools/make-deb.sh, built here in a scratch
# directory), unpacked into a scratch root with dpkg -x:
#   - the files: /usr/sbin/wgc, /usr/bin/wgcctl, /usr/bin/wgc-loadgen,
#     /lib/systemd/system/wgc.service, /etc/wgc/wgc.json (a conffile,
#     0640), the docs
#   - the unit verifies (systemd-analyze verify, ExecStart= pointed at
#     the scratch root) and names /usr/sbin/wgc and /etc/wgc/wgc.json
#   - the build used -march=x86-64-v2 and never -march=native; the only
#     AVX code in wgc sits in functions dispatched at run time (*avx*,
#     seen in the build's unstripped wgc)
#   - the unpacked wgc runs (--once on a net_null config)
# Needs debhelper (devtools/install-deps.sh deb installs it when missing).

DTS_NAME=deb_package
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

src=$(cd "$here/.." && pwd)
dts_init
sh "$src/devtools/install-deps.sh" deb || {
	echo "dts: 0 passed, 1 failed"
	exit 1
}

out=$DTS_TMP/deb
root=$DTS_TMP/root
build() {
	(cd "$src" && nice sh devtools/make-deb.sh "$out")
}
dts_check "devtools/make-deb.sh builds the package" build
deb=$(ls "$out"/wgc_*_amd64.deb 2>/dev/null | head -1)
unpack() {
	[ -n "$deb" ] && dpkg -x "$deb" "$root" && dpkg-deb -I "$deb"
}
dts_check "dpkg -x into a scratch root" unpack
files() {
	for f in usr/sbin/wgc usr/bin/wgcctl usr/bin/wgc-loadgen; do
		[ -x "$root/$f" ] || { echo "missing $f"; return 1; }
	done
	# dh_compress gzips docs over 4 KiB
	for f in lib/systemd/system/wgc.service etc/wgc/wgc.json \
			usr/share/doc/wgc/README.md \
			usr/share/doc/wgc/doc/getting-started.md \
			usr/share/doc/wgc/examples/example.json; do
		[ -f "$root/$f" ] || [ -f "$root/$f.gz" ] ||
			{ echo "missing $f"; return 1; }
	done
	[ "$(stat -c %a "$root/etc/wgc/wgc.json")" = 640 ] &&
		dpkg-deb -I "$deb" conffiles | grep -qx /etc/wgc/wgc.json
}
dts_check "files: binaries, unit, /etc/wgc/wgc.json (conffile 0640), docs" \
	files
unit=$root/lib/systemd/system/wgc.service
unit() {
	grep -qx "ExecStart=/usr/sbin/wgc --config /etc/wgc/wgc.json" "$unit" &&
		grep -qx "Type=notify" "$unit" || return 1
	sed "s|^ExecStart=/usr/sbin/wgc|ExecStart=$root/usr/sbin/wgc|" \
		"$unit" >"$DTS_TMP/wgc.service"
	systemd-analyze verify "$DTS_TMP/wgc.service" 2>&1 | tee "$DTS_TMP/v"
	[ ! -s "$DTS_TMP/v" ]
}
dts_check "unit: /usr/sbin/wgc, /etc/wgc/wgc.json; systemd-analyze verify clean" \
	unit
baseline() {
	cc=$(ls "$out"/src/obj-*/compile_commands.json)
	echo "$(grep -c 'march=x86-64-v2' "$cc") compiles with x86-64-v2," \
		"$(grep -c 'march=native' "$cc") with native"
	# the packaged binary is stripped: its unstripped twin names functions
	avx=$(objdump -d "$(ls "$out"/src/obj-*/app/wgc)" | awk '
		/^[0-9a-f]+ <.*>:$/ { f = $2 }
		/%[yz]mm/ { print f }' | sort -u)
	echo "functions with AVX registers: $avx"
	grep -q 'march=x86-64-v2' "$cc" && ! grep -q 'march=native' "$cc" &&
		! echo "$avx" | grep -v -i avx | grep -q .
}
dts_check "CPU baseline x86-64-v2, no -march=native" baseline
dts_conf "$DTS_TMP/wgc.json" name=wgcdeb0 prefix=wgc-dts-deb mem=256 lcores= \
	workers= vdev=net_null0,no-rx=1 ipv4=192.0.2.1/24 inner=ethdev \
	iname=none sock="$DTS_TMP/rest.sock" uapi=
runs() {
	timeout 60 "$root/usr/sbin/wgc" --once --config "$DTS_TMP/wgc.json" &&
		"$root/usr/bin/wgcctl" 2>&1 | grep -q "peer add --generate"
}
dts_check "the packaged wgc runs (--once), wgcctl answers" runs
dts_done
