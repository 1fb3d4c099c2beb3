#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# make demo: start the concentrator on its embedded default configuration
# (a net_null outer port: no NIC, no hugepages), print its state and stop.
set -eu
builddir=${1:-build}
"$builddir/app/wgc" --once
