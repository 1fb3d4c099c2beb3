/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Pipeline throughput of one worker, beside the raw AEAD engine measured in
 * the same run. Two devices on rings (test/pipeline_rig.h) complete a real
 * handshake; then, per packet size:
 * - encrypt: A's worker takes plaintext from its inner ring (filled before
 *   the clock starts) and leaves sealed frames on the wire ring;
 * - decrypt: B's worker takes those frames and leaves plaintext on its
 *   inner ring (drained after the clock stops).
 * Only worker polls are timed. The raw figure seals the same number of
 * packets of the same inner size in place, in bursts of 32, with the same
 * engine type the pipeline uses.
 */

#include <inttypes.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "wgc_crypto.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

#define ROUND 1000u
#define POOL_N 8191u

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;

static int
perf_setup(void)
{
	pool = rte_pktmbuf_pool_create("p_pl_pool", POOL_N, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("p_pl_ab", 4096, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("p_pl_ba", 4096, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	TEST_CHECK(dev_init(&A, "p_pla", 0x31, 1, wire_ba, wire_ab, pool,
		&rc));
	TEST_CHECK(dev_init(&B, "p_plb", 0x32, 2, wire_ab, wire_ba, pool,
		&rc));
	return TEST_SUCCESS;
}

static void
perf_teardown(void)
{
	dev_fini(&A);
	dev_fini(&B);
	ring_drain(wire_ab);
	ring_drain(wire_ba);
	rte_ring_free(wire_ab);
	rte_ring_free(wire_ba);
	rte_mempool_free(pool);
	wire_ab = wire_ba = NULL;
	pool = NULL;
}

static void
run_all(unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		wgc_pipeline_worker_poll(A.pl, 0);
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_worker_poll(B.pl, 0);
		wgc_pipeline_main_poll(B.pl);
	}
}

static int
establish(void)
{
	struct rte_mbuf *m;
	void *o;
	unsigned int r;

	TEST_ASSERT_NOT_NULL(add_peer(&A, B.pub, 2, 2), "peer B on A");
	TEST_ASSERT_NOT_NULL(add_peer(&B, A.pub, 1, 0), "peer A on B");
	m = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1), WGC_TEST_IPV4(10, 0, 2, 1),
		8, 0);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	rte_ring_enqueue(A.inner_in, m);
	for (r = 0; r < 100; r++) {
		run_all(1);
		if (rte_ring_dequeue(B.inner_out, &o) == 0) {
			rte_pktmbuf_free(o);
			/* B -> A once, so both sides have confirmed keys */
			m = make_packet(pool, WGC_TEST_IPV4(10, 0, 2, 1),
				WGC_TEST_IPV4(10, 0, 1, 1), 8, 0);
			rte_ring_enqueue(B.inner_in, m);
			run_all(5);
			ring_drain(A.inner_out);
			return TEST_SUCCESS;
		}
	}
	TEST_ASSERT(0, "no session");
	return TEST_FAILED;
}

/* one size: returns cycles spent in A's and B's worker polls */
static int
measure(uint16_t size, unsigned int total, uint64_t *enc_cyc,
		uint64_t *dec_cyc, unsigned int *done)
{
	unsigned int sent = 0, got = 0;

	*enc_cyc = *dec_cyc = 0;
	while (sent < total) {
		unsigned int n = RTE_MIN(ROUND, total - sent), i;
		uint64_t t0;
		void *o;

		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = make_packet(pool,
				WGC_TEST_IPV4(10, 0, 1, 1), WGC_TEST_IPV4(10, 0, 2, 1),
				size - 28, i);

			TEST_ASSERT_NOT_NULL(m, "alloc");
			TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, m),
				"fill");
		}
		t0 = rte_rdtsc_precise();
		while (!rte_ring_empty(A.inner_in))
			wgc_pipeline_worker_poll(A.pl, 0);
		*enc_cyc += rte_rdtsc_precise() - t0;
		t0 = rte_rdtsc_precise();
		while (!rte_ring_empty(wire_ab))
			wgc_pipeline_worker_poll(B.pl, 0);
		*dec_cyc += rte_rdtsc_precise() - t0;
		while (rte_ring_dequeue(B.inner_out, &o) == 0) {
			rte_pktmbuf_free(o);
			got++;
		}
		sent += n;
		/* keep the stages' rings short (events, timers) */
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_main_poll(B.pl);
	}
	*done = got;
	return TEST_SUCCESS;
}

static double
raw_seal(struct wgc_aead_engine *e, uint16_t size, unsigned int total)
{
	static uint8_t buf[32][1420 + 32];
	struct wgc_aead_op ops[32];
	uint8_t key[32];
	unsigned int i, k;
	uint64_t t0, cyc;

	memset(key, 7, sizeof(key));
	memset(ops, 0, sizeof(ops));
	t0 = rte_rdtsc_precise();
	for (k = 0; k < total; k += 32) {
		for (i = 0; i < 32; i++) {
			ops[i].data = buf[i];
			ops[i].tag = buf[i] + RTE_ALIGN_CEIL(size, 16);
			ops[i].key = key;
			ops[i].counter = k + i;
			ops[i].len = RTE_ALIGN_CEIL(size, 16);
		}
		wgc_aead_seal_burst(e, ops, 32);
	}
	cyc = rte_rdtsc_precise() - t0;
	return (double)cyc / total;
}

static int
test_perf_pipeline(void)
{
	static const uint16_t sizes[] = { 64, 512, 1420 };
	struct wgc_aead_engine *e;
	double hz = (double)rte_get_tsc_hz();
	unsigned int i;

	TEST_CHECK(establish());
	e = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(e, "engine");
	printf("perf_pipeline: one worker, ring edges, engine %s, %s\n",
		wgc_aead_engine_name(e), rte_eal_has_hugepages() ?
		"hugepages" : "no hugepages");
	printf("command: build/test/wgc-test pipeline_perf "
		"(WGC_TEST_EAL for EAL flags)\n");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		unsigned int total = sizes[i] >= 1024 ? 100000 : 200000;
		uint64_t ec, dc;
		unsigned int got;
		double raw = raw_seal(e, sizes[i], total);
		double enc, dec;

		TEST_CHECK(measure(sizes[i], total, &ec, &dc, &got));
		TEST_ASSERT_EQUAL(got, total, "every packet decrypted");
		enc = (double)ec / total;
		dec = (double)dc / total;
		printf("  %4u B inner: encrypt %6.2f Mpps %6.2f Gbit/s (%.0f cyc/pkt) | "
			"decrypt %6.2f Mpps %6.2f Gbit/s (%.0f cyc/pkt) | "
			"raw seal %6.2f Mpps %6.2f Gbit/s (%.0f cyc/pkt) | "
			"encrypt/raw %.0f%%\n", sizes[i],
			hz / enc / 1e6, hz / enc * sizes[i] * 8 / 1e9, enc,
			hz / dec / 1e6, hz / dec * sizes[i] * 8 / 1e9, dec,
			hz / raw / 1e6, hz / raw * sizes[i] * 8 / 1e9, raw,
			100.0 * raw / enc);
	}
	wgc_aead_engine_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_perf, perf, perf_setup, test_perf_pipeline,
	perf_teardown);
