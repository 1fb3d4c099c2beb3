#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dts/wg_inner_virtio.sh with two workers: two virtio_user queue pairs to
# a two-queue net_vhost backend, four TCP flows each way, every queue of
# the backend used.
WGC_WORKERS=2 exec "$(dirname "$0")/wg_inner_virtio.sh" "$@"
