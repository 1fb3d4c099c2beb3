#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every fuzz target for N seconds on a copy of its seed corpus; fail if
# any target finds a crash, a leak (LeakSanitizer, and pool buffers) or a
# sanitizer error.
#   devtools/fuzz.sh BUILDDIR [SECONDS]
set -u
builddir=${1:?usage: fuzz.sh BUILDDIR [SECONDS]}
secs=${2:-60}
work=$(mktemp -d /tmp/wgc-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
# LeakSanitizer on: a target frees, or keeps reachable, what it allocates
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fail=0
pass=0
for bin in "$builddir"/test/fuzz/fuzz_*; do
	t=${bin##*/fuzz_}
	case "$t" in seedgen|*.p) continue ;; esac
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	mkdir -p "$work/$t"
	[ -d "test/fuzz/corpus/$t" ] && cp -r "test/fuzz/corpus/$t/." "$work/$t/"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 \
			-artifact_prefix="$work/$t-" "$work/$t" \
			> "$work/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
		echo "fuzz: $t: clean, $runs inputs in ${secs}s"
		pass=$((pass + 1))
	else
		echo "fuzz: $t: FAILED"
		tail -40 "$work/$t.log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
