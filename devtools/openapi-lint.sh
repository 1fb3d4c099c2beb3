#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# redocly lint, recommended rules, on doc/openapi.yaml (exit 1 on any
# error or warning).
#
# Redocly CLI is an npm package, not in Debian: it is installed once with
# npm into a cache directory, $WGC_NPM_CACHE (default ~/.cache/wgc-npm),
# at a pinned version; later runs use that copy and need no network.
# Without node/npm, or when the registry cannot be reached on the first
# run, the lint fails with a message saying so (never a silent pass).
set -u

REDOCLY_VERSION=2.37.0
here=$(cd "$(dirname "$0")" && pwd)
spec=${1:-$here/../doc/openapi.yaml}
cache=${WGC_NPM_CACHE:-${HOME:-/root}/.cache/wgc-npm}
bin=$cache/node_modules/.bin/redocly

have=""
[ -x "$bin" ] && have=$("$bin" --version 2>/dev/null)
if [ "$have" != "$REDOCLY_VERSION" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "openapi-lint: npm missing (apt-get install npm), cannot" \
			"install @redocly/cli" >&2
		exit 1
	fi
	mkdir -p "$cache"
	echo "openapi-lint: installing @redocly/cli@$REDOCLY_VERSION into $cache"
	if ! npm install --silent --no-audit --no-fund --prefix "$cache" \
			"@redocly/cli@$REDOCLY_VERSION" >"$cache/install.log" 2>&1; then
		tail -5 "$cache/install.log" >&2
		echo "openapi-lint: npm install failed (registry unreachable?)" >&2
		exit 1
	fi
fi
# no telemetry, no update check: the lint runs offline
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	"$bin" lint --extends=recommended --format=summary "$spec" \
	>"${TMPDIR:-/tmp}/openapi-lint.$$" 2>&1
rc=$?
cat "${TMPDIR:-/tmp}/openapi-lint.$$"
# a warning is a failure too
if grep -q "warning" "${TMPDIR:-/tmp}/openapi-lint.$$"; then
	rc=1
fi
rm -f "${TMPDIR:-/tmp}/openapi-lint.$$"
exit $rc
