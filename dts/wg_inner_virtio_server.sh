#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dts/wg_inner_virtio.sh with wgc's virtio_user as the vhost-user server
# (server=1, backend net_vhost client=1): wgc starts first, the backend is
# stopped and restarted under traffic and reconnects.
WGC_VH_SERVER=1 exec "$(dirname "$0")/wg_inner_virtio.sh" "$@"
