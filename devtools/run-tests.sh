#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build wgc and run the suites CI runs; end with "N passed, N failed".
#   devtools/run-tests.sh BUILDDIR SUITE...
# Each suite prints its own "wgc-test: N passed, N failed, N skipped" or
# "dts: N passed, N failed" lines; this script adds them up.
set -u

builddir=${1:?usage: run-tests.sh BUILDDIR SUITE...}
shift
[ $# -gt 0 ] || set -- fast dts

suite_args=""
verbose=""
for s in "$@"; do
	suite_args="$suite_args --suite $s"
	# benchmarks exist to print figures: show them
	case "$s" in perf|scale) verbose="--verbose" ;; esac
done

# shellcheck disable=SC2086
meson test -C "$builddir" --print-errorlogs --no-rebuild $verbose $suite_args
rc=$?

log="$builddir/meson-logs/testlog.txt"
if [ ! -f "$log" ]; then
	echo "run-tests: no test log at $log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# add up the per-suite closing lines (each appears once per test run); a
# test that failed without printing one (a crash, a timeout) counts as one
# failure
awk '
	/^test: / { intest = 1; closed = 0; bad = 0 }
	/^result: / { bad = ($0 !~ /exit status 0$/) }
	/^(wgc-test|dts): [0-9]+ passed, [0-9]+ failed/ {
		p += $2; f += $4; if ($6 != "") s += $6; runs++; closed = 1
	}
	/^==========/ && intest {
		if (bad && !closed && !expected) { f++; runs++ }
		intest = 0
	}
	/^test: .*(unknown-test-name|unknown-suite)/ { expected = 1 }
	/^test: / && !/(unknown-test-name|unknown-suite)/ { expected = 0 }
	END {
		if (runs == 0) { print "run-tests: no suite reported results"; f = 1 }
		printf "total: %d passed, %d failed, %d skipped\n", p, f, s
		exit (f > 0)
	}' "$log"
sum=$?
[ $rc -eq 0 ] && [ $sum -eq 0 ] && exit 0
echo "run-tests: FAILED (meson test exit $rc)" >&2
exit 1
