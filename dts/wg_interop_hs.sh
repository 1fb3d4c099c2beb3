#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dts/wg_interop.sh with handshakes on a handshake lcore of their own
# (handshake_lcores: [2]), not on the main lcore.
WGC_HS_LCORE=1 exec "$(dirname "$0")/wg_interop.sh" "$@"
