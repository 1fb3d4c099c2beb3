#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dts/wg_interop.sh with two workers: RSS/fanout over two af_packet queue
# pairs, two TUN queues, per-worker counters, the stage's frames through
# worker 0 while worker 1 also transmits.
WGC_WORKERS=2 exec "$(dirname "$0")/wg_interop.sh" "$@"
