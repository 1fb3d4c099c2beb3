#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# meson install script: install SRC as DEST (under $DESTDIR) mode 0640
# unless DEST exists: an operator's configuration is never replaced.
set -e
src=$1
dest=${DESTDIR:-}$2
if [ -e "$dest" ]; then
	echo "install-config: $dest exists, left alone"
	exit 0
fi
mkdir -p "$(dirname "$dest")"
install -m 0640 "$src" "$dest"
echo "install-config: $dest"
