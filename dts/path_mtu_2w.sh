#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dts/path_mtu.sh with two workers on net_tap: the tap's queues spread a
# peer's fragments (hashed on its addresses) and its whole datagrams
# (addresses and ports) over both workers, which then decrypt under one
# keypair (the replay window's lock).
WGC_WORKERS=2 PMDS=${PMDS:-tap} exec "$(dirname "$0")/path_mtu.sh" "$@"
