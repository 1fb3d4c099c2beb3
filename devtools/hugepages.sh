#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Reserve 2 MB hugepages for benchmarks (root only) and print the EAL
# arguments to use: hugepage-backed if the reservation worked, else
# --no-huge. Never fails: benchmarks state which memory they ran on.
# The page files are unlinked as soon as they are mapped (--huge-unlink),
# so a benchmark that exits without freeing all it took leaves no pages
# reserved for the next one.
#   devtools/hugepages.sh [PAGES]
pages=${1:-512}
sysfs=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mnt=/dev/hugepages

have=0
if [ "$(id -u)" -eq 0 ] && [ -w "$sysfs" ]; then
	cur=$(cat "$sysfs")
	if [ "$cur" -lt "$pages" ]; then
		echo "$pages" > "$sysfs" 2>/dev/null || true
	fi
	mountpoint -q "$mnt" 2>/dev/null ||
		{ mkdir -p "$mnt" && mount -t hugetlbfs nodev "$mnt"; } 2>/dev/null
	free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)
	[ "$free" -ge 256 ] && mountpoint -q "$mnt" && have=1
fi
if [ $have -eq 1 ]; then
	echo "-m 512 --no-pci --no-shconf --huge-dir $mnt --huge-unlink" \
		"--log-level=*:notice"
else
	echo "--no-huge -m 512 --no-pci --no-shconf --log-level=*:notice"
fi
