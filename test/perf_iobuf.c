/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Views vs raw mbufs: bursts of 32 buffers allocated, claimed into a second
 * array (as an edge hands them to the pipeline) and released, against raw
 * rte_pktmbuf_alloc_bulk() + rte_pktmbuf_free_bulk() on the same pool.
 * Prints figures; never fails on them.
 */

#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "wgc_iobuf.h"
#include "wgc_test.h"

#define BURST 32
#define ITERS 200000
#define ROUNDS 7

static int
run_raw(struct rte_mempool *mp, uint64_t *cycles)
{
	struct rte_mbuf *m[BURST];
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		if (rte_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
			return -1;
		rte_pktmbuf_free_bulk(m, BURST);
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

static int
run_views(struct wgc_recycler *r, uint64_t *cycles)
{
	struct wgc_view v[BURST], w[BURST];
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i, j;

	for (i = 0; i < ITERS; i++) {
		if (wgc_view_alloc_bulk(r, v, BURST) != BURST)
			return -1;
		for (j = 0; j < BURST; j++)
			wgc_view_claim(&w[j], &v[j]);
		wgc_view_release_all(w, BURST);
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

static int
perf_iobuf(void)
{
	double raw[ROUNDS], views[ROUNDS], ratio[ROUNDS];
	double hz = rte_get_tsc_hz(), npk = (double)ITERS * BURST;
	struct rte_mempool *mp;
	struct wgc_recycler r;
	uint64_t c;
	unsigned int k;

	mp = rte_pktmbuf_pool_create("p_iobuf", 4095, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	wgc_recycler_mempool_init(&r, mp);
	for (k = 0; k < ROUNDS; k++) {
		/* alternate so that drift hits both sides alike */
		TEST_ASSERT_SUCCESS(run_raw(mp, &c), "raw alloc failed");
		raw[k] = c / npk;
		TEST_ASSERT_SUCCESS(run_views(&r, &c), "view alloc failed");
		views[k] = c / npk;
		ratio[k] = raw[k] / views[k];
	}
	rte_mempool_free(mp);
	printf("perf_iobuf: burst %d, %d bursts x %d rounds, median per packet\n",
		BURST, ITERS, ROUNDS);
	printf("  raw  alloc_bulk+free_bulk : %6.2f cycles  %7.1f Mpps\n",
		wgc_test_median(raw, ROUNDS), hz / wgc_test_median(raw, ROUNDS) / 1e6);
	printf("  views alloc+claim+release: %6.2f cycles  %7.1f Mpps\n",
		wgc_test_median(views, ROUNDS), hz / wgc_test_median(views, ROUNDS) / 1e6);
	printf("  views / raw throughput    : %.3f (goal >= 0.90)\n",
		wgc_test_median(ratio, ROUNDS));
	printf("  command: build/test/wgc-test iobuf_perf (EAL: $WGC_TEST_EAL)\n");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(iobuf_perf, perf, perf_iobuf);
