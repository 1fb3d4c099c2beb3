# SPDX-License-Identifier: BSD-3-Clause
#
# Everything is in dts/lib.sh (this file is kept for suites that source
# it; the e2e_* names are aliases there).
. "$here/lib.sh"
