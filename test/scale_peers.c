/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Memory of the peer table with 1, 1 000 and 100 000 configured peers (no
 * traffic), each with one IPv4 /32 and one IPv6 /128 allowed IP: process
 * RSS and DPDK heap, for the table itself and per peer. Also times adding
 * and removing peers (adding is O(1)).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "wgc_peers.h"
#include "wgc_test.h"

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static size_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats s;

	rte_malloc_get_socket_stats(0, &s);
	return s.heap_allocsz_bytes;
}

static void
make_prefixes(uint32_t i, struct wgc_prefix *p4, struct wgc_prefix *p6)
{
	memset(p4, 0, sizeof(*p4));
	memset(p6, 0, sizeof(*p6));
	p4->addr.family = AF_INET;
	p4->len = 32;
	p4->addr.bytes[0] = 10;
	p4->addr.bytes[1] = (uint8_t)(i >> 16);
	p4->addr.bytes[2] = (uint8_t)(i >> 8);
	p4->addr.bytes[3] = (uint8_t)i;
	p6->addr.family = AF_INET6;
	p6->len = 128;
	p6->addr.bytes[0] = 0xfd;
	/* addresses handed out in order, as from a pool */
	p6->addr.bytes[12] = (uint8_t)(i >> 24);
	p6->addr.bytes[13] = (uint8_t)(i >> 16);
	p6->addr.bytes[14] = (uint8_t)(i >> 8);
	p6->addr.bytes[15] = (uint8_t)i;
}

/*
 * Three steps, each measured: create the table; add n idle peers (peer
 * and protocol state, key hash, slot); give each its /32 and /128 (the
 * allowed-IPs tables).
 */
static int
one_size(struct wgc_identity *id, uint32_t n)
{
	struct wgc_peers_params prm = { 0 };
	struct wgc_peers *t;
	long r0, r1, r2, r3;
	size_t h0, h1, h2, h3;
	uint64_t t0, add_cyc, aip_cyc, del_cyc;
	uint32_t i;

	r0 = rss_kib();
	h0 = heap_bytes();
	prm.name = "s_peers";
	prm.max_peers = n;
	prm.max_routes4 = n + 16;
	prm.max_routes6 = n + 16;
	prm.socket_id = SOCKET_ID_ANY;
	prm.identity = id;
	t = wgc_peers_create(&prm);
	TEST_ASSERT_NOT_NULL(t, "create %u: %s", n, rte_strerror(rte_errno));
	r1 = rss_kib();
	h1 = heap_bytes();
	wgc_peers_lock(t);
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		uint8_t key[WGC_KEY_LEN] = { 0 };

		memcpy(key, &i, sizeof(i));
		key[31] = 0x77;
		TEST_ASSERT_NOT_NULL(wgc_peers_add(t, key, NULL), "add %u", i);
	}
	add_cyc = rte_rdtsc() - t0;
	r2 = rss_kib();
	h2 = heap_bytes();
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct wgc_prefix p4, p6;
		struct wgc_peer *p = wgc_peers_get(wgc_peers_fast(t), i);

		TEST_ASSERT_NOT_NULL(p, "peer %u", i);
		make_prefixes(i, &p4, &p6);
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &p4), "v4 %u", i);
		TEST_ASSERT_SUCCESS(wgc_peers_prefix_add(t, p, &p6), "v6 %u", i);
	}
	aip_cyc = rte_rdtsc() - t0;
	r3 = rss_kib();
	h3 = heap_bytes();
	t0 = rte_rdtsc();
	wgc_peers_unlock(t);
	wgc_peers_free(t);
	del_cyc = rte_rdtsc() - t0;
	printf("  %6u peers: table %6ld KiB RSS (%6zu KiB heap reserved)\n"
		"                peer state    %7ld KiB RSS: %5ld B RSS/peer, "
		"%5zu B heap/peer; add %.2f us/peer\n"
		"                allowed IPs   %7ld KiB RSS: %5ld B RSS/peer, "
		"%5zu B heap/peer (one /32 + one /128 each); %.2f us/peer\n"
		"                total         %5ld B RSS/peer; free all %.1f ms\n",
		n, r1 - r0, (h1 - h0) / 1024,
		r2 - r1, (r2 - r1) * 1024 / (long)n, (h2 - h1) / n,
		(double)add_cyc / n * 1e6 / rte_get_tsc_hz(),
		r3 - r2, (r3 - r2) * 1024 / (long)n, (h3 - h2) / n,
		(double)aip_cyc / n * 1e6 / rte_get_tsc_hz(),
		(r3 - r1) * 1024 / (long)n,
		(double)del_cyc * 1e3 / rte_get_tsc_hz());
	return TEST_SUCCESS;
}

static int
test_scale_peers(void)
{
	uint8_t sk[WGC_KEY_LEN];
	struct wgc_identity *id;
	int rc = TEST_SUCCESS;

	memset(sk, 0x44, sizeof(sk));
	id = wgc_identity_create("s_peers", sk, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(id, "identity");
	printf("scale_peers: memory of the peer table (sizeof(struct wgc_peer) "
		"= %zu B), process RSS from /proc/self/status; EAL %s\n",
		wgc_peer_size(), rte_eal_has_hugepages() ? "hugepages" :
		"--no-huge (memory touched on use)");
	printf("command: build/test/wgc-test peers_scale "
		"(WGC_SCALE_PEERS=N: only N peers, in a fresh process)\n");
	if (getenv("WGC_SCALE_PEERS") != NULL) {
		long n = strtol(getenv("WGC_SCALE_PEERS"), NULL, 10);

		TEST_ASSERT(n > 0 && n <= WGC_PEERS_MAX, "WGC_SCALE_PEERS");
		rc = one_size(id, (uint32_t)n);
	} else if (one_size(id, 1) != TEST_SUCCESS ||
			one_size(id, 1000) != TEST_SUCCESS ||
			one_size(id, 100000) != TEST_SUCCESS)
		rc = TEST_FAILED;
	wgc_identity_free(id);
	return rc;
}

WGC_TEST_REGISTER(peers_scale, scale, test_scale_peers);
