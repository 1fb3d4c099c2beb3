#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the Debian binary package from this tree (tracked and untracked,
# not ignored files) in a copy under OUTDIR (default build-deb):
# OUTDIR/wgc_VERSION_amd64.deb. The copy keeps dpkg-buildpackage's
# obj-* directory and debian/ output out of the source tree.
set -e
out=${1:-build-deb}
top=$(git rev-parse --show-toplevel)
rm -rf "$out"
mkdir -p "$out/src"
out=$(cd "$out" && pwd)
cd "$top"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$out/src"
cd "$out/src"
dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed; log in $out/build.log" >&2
	exit 1
}
ls "$out"/*.deb
