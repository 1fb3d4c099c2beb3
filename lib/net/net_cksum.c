/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Internet checksum over packet payloads. The UDP checksum is computed on
 * every received and sent WireGuard packet whose port cannot offload it,
 * so it has to be fast: 32-bit words summed into a 64-bit accumulator is a
 * loop the compiler vectorises, and target_clones picks the widest vector
 * unit at load time (the build's -march may be as old as corei7).
 * 1436 bytes: ~270 ns with rte_raw_cksum at -O2 for corei7, ~30 ns here
 * with AVX2 (see net_perf_autotest).
 */

#pragma GCC optimize("tree-vectorize")

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "net_private.h"

/* GCC on x86: one clone per vector width, chosen at load time */
#if defined(RTE_ARCH_X86_64) && defined(__GNUC__) && !defined(__clang__)
#define NET_SUM_CLONES \
	__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define NET_SUM_CLONES
#endif

NET_SUM_CLONES
uint16_t
net_sum(const void *buf, size_t len, uint32_t sum0)
{
	const uint8_t *p = buf;
	uint64_t s = sum0;
	uint32_t w;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		memcpy(&w, p + i, 4);
		s += w;
	}
	if (len & 2) {
		uint16_t h;

		memcpy(&h, p + i, 2);
		s += h;
		i += 2;
	}
	if (len & 1)
		s += rte_le_to_cpu_16((uint16_t)p[i]);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}
