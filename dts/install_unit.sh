#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# meson install and the systemd unit:
#   - `meson install` into a scratch DESTDIR puts wgc in sbin, wgcctl and
#     wgc-loadgen in bin, wgc.service in the unit directory, the example
#     /etc/wgc/wgc.json (0640; a second install leaves an edited one
#     alone) and the docs
#   - `systemd-analyze verify` is clean on the installed unit (its
#     ExecStart= pointed at the DESTDIR binary: the unit names the
#     installed path, which this machine does not have)
#   - the sd_notify protocol, as systemd would see it (NOTIFY_SOCKET on a
#     datagram socket of this test, WATCHDOG_USEC=1 s): READY=1 once up,
#     WATCHDOG=1 twice a second, RELOADING=1 then READY=1 on SIGHUP,
#     STOPPING=1 on SIGTERM
#   - wgcctl peer add against a daemon without an inner prefix, or none
# No namespaces, no traffic (net_null).

DTS_NAME=install_unit
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

wgc=$(dts_wgc_bin)
builddir=$(cd "$(dirname "$wgc")/.." && pwd)
dts_init
command -v systemd-analyze >/dev/null || {
	echo "$DTS_NAME: systemd-analyze missing (apt-get install systemd)" >&2
	echo "dts: 0 passed, 1 failed"
	exit 1
}

dest=$DTS_TMP/dest
prefix=$(meson introspect --buildoptions "$builddir" |
	/usr/bin/python3 -c 'import json,sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')

install_tree() {
	DESTDIR=$dest meson install -C "$builddir" --no-rebuild --quiet
}
dts_check "meson install into a DESTDIR" install_tree
unit=$(find "$dest" -name wgc.service | head -1)
layout() {
	ls -lR "$dest" | grep -v '\.md$' | head -40
	[ -x "$dest$prefix/sbin/wgc" ] && [ -x "$dest$prefix/bin/wgcctl" ] &&
		[ -x "$dest$prefix/bin/wgc-loadgen" ] && [ -n "$unit" ] &&
		[ -f "$dest$prefix/share/doc/wgc/README.md" ] &&
		[ -f "$dest$prefix/share/doc/wgc/doc/getting-started.md" ] &&
		[ -f "$dest$prefix/share/doc/wgc/examples/example.json" ]
}
dts_check "layout: sbin/wgc, bin/wgcctl, bin/wgc-loadgen, unit, docs" layout
etc=$(find "$dest" -path '*/wgc/wgc.json' | head -1)
config() {
	[ -n "$etc" ] && [ "$(stat -c %a "$etc")" = 640 ] &&
		jq -e '.interface.name == "wgc0"' "$etc"
}
dts_check "example /etc/wgc/wgc.json installed 0640" config
keep() {
	echo '{"edited": true}' >"$etc"
	install_tree && grep -q edited "$etc"
}
dts_check "a second install leaves an existing wgc.json alone" keep
unit_content() {
	grep -Ex "ExecStart=$prefix/sbin/wgc --config .*/wgc/wgc.json" "$unit" &&
		grep -qx "Type=notify" "$unit" &&
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" &&
		grep -q "^WatchdogSec=" "$unit"
}
dts_check "unit: Type=notify, ExecStart, ExecReload (SIGHUP), WatchdogSec" \
	unit_content
verify() {
	sed "s|^ExecStart=$prefix/sbin/wgc|ExecStart=$dest$prefix/sbin/wgc|" \
		"$unit" >"$DTS_TMP/wgc.service"
	systemd-analyze verify "$DTS_TMP/wgc.service" 2>&1 | tee "$DTS_TMP/v"
	[ ! -s "$DTS_TMP/v" ]
}
dts_check "systemd-analyze verify: clean" verify

# sd_notify, as systemd's manager receives it
dts_keys u
dts_conf "$DTS_TMP/wgc.json" name=wgcunit0 key="$usk" prefix=wgc-dts-unit \
	mem=256 lcores= workers= vdev=net_null0,no-rx=1 ipv4=192.0.2.1/24 \
	inner=ethdev iname=none sock="$DTS_TMP/rest.sock" uapi=
/usr/bin/python3 - "$DTS_TMP/notify.sock" "$DTS_TMP/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w", buffering=1) as f:
    try:
        while True:
            m = s.recv(4096).decode()
            f.write(m.replace("\n", " ") + "\n")
            if "STOPPING=1" in m:
                break
    except socket.timeout:
        pass
PY
lpid=$!
dts_track $lpid
dts_wait $lpid 50 test -S "$DTS_TMP/notify.sock"
NOTIFY_SOCKET=$DTS_TMP/notify.sock WATCHDOG_USEC=1000000 \
	"$wgc" --config "$DTS_TMP/wgc.json" >"$DTS_TMP/wgc.log" 2>&1 &
pid=$!
dts_track $pid "$DTS_TMP/wgc.log"
ready() {
	dts_wait_line "$DTS_TMP/notify.log" "^READY=1" $pid &&
		grep -q "^wgc: up" "$DTS_TMP/wgc.log" && cat "$DTS_TMP/notify.log"
}
dts_check "READY=1 (with STATUS) once up" ready
sleep 2
watchdog() {
	n=$(grep -c "^WATCHDOG=1" "$DTS_TMP/notify.log")
	echo "$n WATCHDOG=1 in 2 s"
	[ "$n" -ge 2 ]
}
dts_check "WATCHDOG=1 at half of WATCHDOG_USEC" watchdog
kill -HUP $pid
reloading() {
	dts_wait_line "$DTS_TMP/notify.log" "^RELOADING=1" $pid &&
		dts_wait_line "$DTS_TMP/wgc.log" "wgc: reload" $pid &&
		sed -n '/^RELOADING=1/,$p' "$DTS_TMP/notify.log" |
			grep -q "^READY=1" && kill -0 $pid
}
dts_check "SIGHUP: RELOADING=1, then READY=1; still running" reloading
# bad input for wgcctl peer add: one line, non-zero, nothing added
noprefix() {
	"$(dirname "$wgc")/wgcctl" -s "$DTS_TMP/rest.sock" peer add \
		--generate >"$DTS_TMP/add.out" 2>"$DTS_TMP/add.err"
	rc=$?
	cat "$DTS_TMP/add.err"
	[ $rc -eq 1 ] && [ ! -s "$DTS_TMP/add.out" ] &&
		[ "$(wc -l <"$DTS_TMP/add.err")" -eq 1 ] &&
		grep -q "no inner address" "$DTS_TMP/add.err"
}
dts_check "wgcctl peer add without an inner prefix: one line, exit 1" noprefix
down() {
	"$(dirname "$wgc")/wgcctl" -s "$DTS_TMP/nosuch.sock" peer add \
		--generate 2>"$DTS_TMP/add.err"
	rc=$?
	cat "$DTS_TMP/add.err"
	[ $rc -eq 1 ] && [ "$(wc -l <"$DTS_TMP/add.err")" -eq 1 ]
}
dts_check "wgcctl peer add, no daemon: one line, exit 1" down
stopping() {
	kill -TERM $pid
	wait $pid
	rc=$?
	dts_untrack $pid
	wait $lpid
	dts_untrack $lpid
	cat "$DTS_TMP/notify.log" | grep -v WATCHDOG
	[ $rc -eq 0 ] && tail -1 "$DTS_TMP/notify.log" | grep -q "^STOPPING=1"
}
dts_check "SIGTERM: STOPPING=1, exit 0" stopping
dts_done
