/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Pipeline throughput of one worker, beside the raw AEAD engine measured in
 * the same run. Two devices on rings (test/pipeline_rig.h) complete a real
 * handshake; then, per packet size:
 * - encrypt: A's worker takes plaintext from its inner ring (filled before
 *   the clock starts) and leaves sealed frames on the wire ring;
 * - decrypt: B's worker takes those frames and leaves plaintext on its
 *   inner ring (drained after the clock stops).
 * Only worker polls are timed. The raw figures seal and open packets of
 * the same inner size (padded to 16, as the pipeline does) in place, in
 * bursts of 32, with the same engine type the pipeline uses. Each round
 * measures, for every size, raw seal, raw open, raw seal on cold input (a
 * diagnostic), encrypt and decrypt one after the other; medians over the
 * rounds are printed, and ratios are medians of per-round ratios (raw and
 * pipeline measured seconds apart: the box is shared and noisy).
 */

#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "wgc_crypto.h"
#include "wgc_ethdev.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

#define ROUND 1000u
#define POOL_N 8191u

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;

/* WGC_PERF_MSS_CLAMP=1: both pipelines clamp TCP SYNs (inner.mss_clamp
 * auto), to measure what the check costs on the (UDP) traffic */
static void
perf_conf_mss(struct wgc_pipeline_conf *pc)
{
	pc->mss4 = (uint16_t)(pc->mtu - 40);
	pc->mss6 = (uint16_t)(pc->mtu - 60);
}

static int
perf_setup(void)
{
	const char *mss = getenv("WGC_PERF_MSS_CLAMP");
	int r;

	pool = rte_pktmbuf_pool_create("p_pl_pool", POOL_N, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("p_pl_ab", 4096, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("p_pl_ba", 4096, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	if (mss != NULL && strcmp(mss, "1") == 0)
		rig_conf = perf_conf_mss;
	r = dev_init(&A, "p_pla", 0x31, 1, wire_ba, wire_ab, pool, &rc);
	if (r == TEST_SUCCESS)
		r = dev_init(&B, "p_plb", 0x32, 2, wire_ab, wire_ba, pool,
			&rc);
	rig_conf = NULL;
	return r;
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

/*
 * Raw AEAD through the same engine, no pipeline: bursts of 32 in place on
 * 32 buffers of the given inner size padded to 16, as the pipeline seals
 * them. Seal and open are timed the same way (each burst, op setup
 * included); the open side first seals its burst, untimed, so that every
 * open authenticates (checked).
 */
#define RAW_BURST 32

static int
raw_aead(struct wgc_aead_engine *e, uint16_t size, unsigned int total,
		bool open, double *cyc_per_pkt)
{
	static uint8_t buf[RAW_BURST][1420 + 32] __rte_aligned(64);
	struct wgc_aead_op ops[RAW_BURST];
	uint32_t len = RTE_ALIGN_CEIL(size, 16);
	uint8_t key[32];
	unsigned int i, k;
	uint64_t t0, cyc = 0;
	uint16_t ok;

	memset(key, 7, sizeof(key));
	memset(ops, 0, sizeof(ops));
	for (k = 0; k < total; k += RAW_BURST) {
		if (open) {
			for (i = 0; i < RAW_BURST; i++) {
				ops[i].data = buf[i];
				ops[i].tag = buf[i] + len;
				ops[i].key = key;
				ops[i].counter = k + i;
				ops[i].len = len;
			}
			wgc_aead_seal_burst(e, ops, RAW_BURST);
		}
		t0 = rte_rdtsc_precise();
		for (i = 0; i < RAW_BURST; i++) {
			ops[i].data = buf[i];
			ops[i].tag = buf[i] + len;
			ops[i].key = key;
			ops[i].counter = k + i;
			ops[i].len = len;
		}
		ok = open ? wgc_aead_open_burst(e, ops, RAW_BURST) :
			wgc_aead_seal_burst(e, ops, RAW_BURST);
		cyc += rte_rdtsc_precise() - t0;
		TEST_ASSERT_EQUAL(ok, RAW_BURST, "raw %s", open ? "open" : "seal");
	}
	*cyc_per_pkt = (double)cyc / total;
	return TEST_SUCCESS;
}

/*
 * Diagnostic, not the reference: the same raw seal on cold input, i.e. on
 * ROUND fresh packets written by make_packet() just before, in order, as
 * the pipeline's encrypt input is. The difference to the hot raw seal is
 * what memory costs the AEAD inside the pipeline.
 */
static int
raw_seal_cold(struct wgc_aead_engine *e, uint16_t size, unsigned int total,
		double *cyc_per_pkt)
{
	static struct rte_mbuf *m[ROUND];
	struct wgc_aead_op ops[RAW_BURST];
	uint32_t len = RTE_ALIGN_CEIL(size, 16);
	uint8_t key[32];
	unsigned int i, k, b, done = 0;
	uint64_t t0, cyc = 0;

	memset(key, 7, sizeof(key));
	memset(ops, 0, sizeof(ops));
	while (done < total) {
		unsigned int n = RTE_MIN(ROUND, total - done);

		for (i = 0; i < n; i++) {
			m[i] = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
				WGC_TEST_IPV4(10, 0, 2, 1), size - 28, i);
			TEST_ASSERT_NOT_NULL(m[i], "alloc");
		}
		for (k = 0; k < n; k += b) {
			b = RTE_MIN((unsigned int)RAW_BURST, n - k);
			t0 = rte_rdtsc_precise();
			for (i = 0; i < b; i++) {
				ops[i].data = rte_pktmbuf_mtod(m[k + i],
					uint8_t *);
				ops[i].tag = ops[i].data + len;
				ops[i].key = key;
				ops[i].counter = done + k + i;
				ops[i].len = len;
			}
			wgc_aead_seal_burst(e, ops, (uint16_t)b);
			cyc += rte_rdtsc_precise() - t0;
		}
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(m[i]);
		done += n;
	}
	*cyc_per_pkt = (double)cyc / total;
	return TEST_SUCCESS;
}

#define ROUNDS_MAX 31

/* sizes and rounds can be narrowed for profiling */
static unsigned int
env_uint(const char *name, unsigned int def, unsigned int max)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (s == NULL || *s == '\0')
		return def;
	v = strtoul(s, &end, 10);
	return (*end != '\0' || v == 0 || v > max) ? def : (unsigned int)v;
}

static void
print_fig(const char *what, double cyc, uint16_t size, double hz)
{
	printf(" %s %6.2f Mpps %6.2f Gbit/s %5.0f cyc |", what, hz / cyc / 1e6,
		hz / cyc * size * 8 / 1e9, cyc);
}

static int
test_perf_pipeline(void)
{
	static const uint16_t sizes[] = { 64, 512, 1420 };
	/* [size][round]: encrypt, decrypt, raw seal, raw open, raw seal
	 * cold, encrypt/seal and decrypt/open of the same round */
	static double enc[3][ROUNDS_MAX], dec[3][ROUNDS_MAX],
		rs[3][ROUNDS_MAX], ro[3][ROUNDS_MAX], rc[3][ROUNDS_MAX],
		qe[3][ROUNDS_MAX], qd[3][ROUNDS_MAX];
	struct wgc_aead_engine *e;
	double hz = (double)rte_get_tsc_hz();
	unsigned int rounds = env_uint("WGC_PERF_ROUNDS", 5, ROUNDS_MAX);
	unsigned int only = env_uint("WGC_PERF_SIZE", 0, 1420);
	unsigned int i, r;

	TEST_CHECK(establish());
	e = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(e, "engine");
	printf("perf_pipeline: one worker, ring edges, engine %s, %s, "
		"TSC %.2f GHz; %u rounds, each measuring every size (raw seal, "
		"raw open, raw seal on cold input, pipeline encrypt, pipeline "
		"decrypt); medians over the rounds, ratios are medians of the "
		"per-round ratios\n",
		wgc_aead_engine_name(e), rte_eal_has_hugepages() ?
		"hugepages" : "no hugepages", hz / 1e9, rounds);
	printf("command: build/test/wgc-test pipeline_perf "
		"(EAL flags from WGC_TEST_EAL; WGC_PERF_ROUNDS=%u, "
		"WGC_PERF_SIZE=one size only)\n", rounds);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < RTE_DIM(sizes); i++) {
			unsigned int total = sizes[i] >= 1024 ? 50016 : 100000;
			uint64_t ec, dc;
			unsigned int got;

			if (only != 0 && only != sizes[i])
				continue;
			TEST_CHECK(raw_aead(e, sizes[i], total, false,
				&rs[i][r]));
			TEST_CHECK(raw_aead(e, sizes[i], total, true,
				&ro[i][r]));
			TEST_CHECK(raw_seal_cold(e, sizes[i], total,
				&rc[i][r]));
			TEST_CHECK(measure(sizes[i], total, &ec, &dc, &got));
			TEST_ASSERT_EQUAL(got, total, "every packet decrypted");
			enc[i][r] = (double)ec / total;
			dec[i][r] = (double)dc / total;
			qe[i][r] = rs[i][r] / enc[i][r];
			qd[i][r] = ro[i][r] / dec[i][r];
		}
	}
	for (i = 0; i < RTE_DIM(sizes); i++) {
		double mrs, mrc;

		if (only != 0 && only != sizes[i])
			continue;
		mrs = wgc_test_median(rs[i], rounds);
		mrc = wgc_test_median(rc[i], rounds);
		printf("  %4u B inner:", sizes[i]);
		print_fig("encrypt", wgc_test_median(enc[i], rounds), sizes[i], hz);
		print_fig("raw seal", mrs, sizes[i], hz);
		printf(" encrypt/seal %3.0f%%\n", 100.0 * wgc_test_median(qe[i], rounds));
		printf("  %4u B inner:", sizes[i]);
		print_fig("decrypt", wgc_test_median(dec[i], rounds), sizes[i], hz);
		print_fig("raw open", wgc_test_median(ro[i], rounds), sizes[i], hz);
		printf(" decrypt/open %3.0f%%\n", 100.0 * wgc_test_median(qd[i], rounds));
		printf("  %4u B inner: (diagnostic) raw seal on cold input "
			"(%u fresh mbufs, as the pipeline's): %.0f cyc, "
			"%+.0f over hot\n", sizes[i], ROUND, mrc, mrc - mrs);
	}
	/* the same ratios in a fixed form for scripts */
	for (i = 0; i < RTE_DIM(sizes); i++) {
		if (only != 0 && only != sizes[i])
			continue;
		printf("RESULT pipeline size=%u dir=encrypt ratio=%.3f\n",
			sizes[i], wgc_test_median(qe[i], rounds));
		printf("RESULT pipeline size=%u dir=decrypt ratio=%.3f\n",
			sizes[i], wgc_test_median(qd[i], rounds));
	}
	wgc_aead_engine_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_perf, perf, perf_setup, test_perf_pipeline,
	perf_teardown);

/*
 * The same, with drivers/ethdev ports as the inner edges (Ethernet
 * frames, views from the PMD, drivers/l2's strip/prepend): A's
 * inner port is a net_ring loopback (the test transmits plaintext frames
 * into it, A's worker receives them), B's is net_null with no-rx (a sink
 * that frees what B's worker delivers). Outer: the same wire rings.
 */
static struct wgc_ethdev *eth_a, *eth_b;

static uint16_t
eth_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_ethdev_rx_burst(ctx, q, v, n);
}

static uint16_t
eth_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	return wgc_ethdev_tx_burst_or_drop(ctx, q, v, n);
}

static struct wgc_ethdev *
eth_open(const char *dev)
{
	struct wgc_ethdev_conf c;
	struct wgc_ethdev *e;

	memset(&c, 0, sizeof(c));
	c.devname = dev;
	c.nb_rxd = 1024;
	c.nb_txd = 1024;
	c.mtu = 1500;
	c.socket_id = SOCKET_ID_ANY;
	e = wgc_ethdev_open(&c);
	if (e != NULL && wgc_ethdev_start(e) != 0) {
		wgc_ethdev_close(e);
		e = NULL;
	}
	return e;
}

static int
perf_eth_setup(void)
{
	struct wgc_pipeline_edge ea, eb;
	int ret;

	/* first hot-plugs of a vdev allocate for good (see test_ethdev.c) */
	wgc_test_heap_check_skip();
	eth_a = eth_open("net_ring_wgcperf0");
	eth_b = eth_open("net_null_wgcperf1,no-rx=1");
	if (eth_a == NULL || eth_b == NULL)
		return TEST_FAILED;
	ea = (struct wgc_pipeline_edge){ eth_rx, eth_tx, eth_a };
	eb = (struct wgc_pipeline_edge){ eth_rx, eth_tx, eth_b };
	pool = rte_pktmbuf_pool_create("p_pe_pool", POOL_N, 256, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("p_pe_ab", 4096, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("p_pe_ba", 4096, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	rig_inner_l2 = true;
	rig_inner = &ea;
	ret = dev_init(&A, "p_pea", 0x31, 1, wire_ba, wire_ab, pool, &rc);
	rig_inner = &eb;
	if (ret == TEST_SUCCESS)
		ret = dev_init(&B, "p_peb", 0x32, 2, wire_ab, wire_ba, pool,
			&rc);
	rig_inner = NULL;
	rig_inner_l2 = false;
	return ret;
}

static void
perf_eth_teardown(void)
{
	perf_teardown();
	wgc_ethdev_close(eth_a);
	wgc_ethdev_close(eth_b);
	eth_a = eth_b = NULL;
}

/* an Ethernet frame around make_packet()'s IPv4/UDP packet, A -> B */
static struct rte_mbuf *
make_frame(uint16_t size, uint32_t tag)
{
	struct rte_mbuf *m = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
		WGC_TEST_IPV4(10, 0, 2, 1), size - 28, tag);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, sizeof(*eh));
	eh->src_addr.addr_bytes[0] = 0x02;
	eh->src_addr.addr_bytes[5] = 0x99;
	eh->dst_addr = *wgc_ethdev_mac(eth_a);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	return m;
}

/* put n frames on A's inner port (net_ring: TX queue 0 -> RX queue 0) */
static int
fill_eth(uint16_t size, unsigned int n)
{
	struct wgc_view v[32];
	unsigned int i, k, b;

	for (k = 0; k < n; k += b) {
		b = RTE_MIN(32u, n - k);
		for (i = 0; i < b; i++) {
			struct rte_mbuf *m = make_frame(size, k + i);

			TEST_ASSERT_NOT_NULL(m, "alloc");
			wgc_view_from_mbuf(&v[i], m, &rc);
		}
		TEST_ASSERT_EQUAL(wgc_ethdev_tx_burst(eth_a, 0, v, b), b,
			"net_ring fill");
	}
	return TEST_SUCCESS;
}

static int
establish_eth(void)
{
	struct wgc_pipeline_stats sb;
	unsigned int r;

	TEST_ASSERT_NOT_NULL(add_peer(&A, B.pub, 2, 2), "peer B on A");
	TEST_ASSERT_NOT_NULL(add_peer(&B, A.pub, 1, 0), "peer A on B");
	TEST_CHECK(fill_eth(64, 1));
	for (r = 0; r < 100; r++) {
		run_all(1);
		wgc_pipeline_stats_sum(B.pl, &sb);
		if (sb.inner_tx >= 1)
			return TEST_SUCCESS;
	}
	TEST_ASSERT(0, "no session");
	return TEST_FAILED;
}

/* one size through the ethdev inner edges: cycles of A's and B's polls */
static int
measure_eth(uint16_t size, unsigned int total, uint64_t *enc_cyc,
		uint64_t *dec_cyc)
{
	struct wgc_pipeline_stats s0, s1;
	unsigned int sent = 0, spins;

	*enc_cyc = *dec_cyc = 0;
	wgc_pipeline_stats_sum(B.pl, &s0);
	while (sent < total) {
		unsigned int n = RTE_MIN(ROUND, total - sent);
		uint64_t t0;

		TEST_CHECK(fill_eth(size, n));
		t0 = rte_rdtsc_precise();
		for (spins = 0; rte_ring_count(wire_ab) < n &&
				spins < 100000; spins++)
			wgc_pipeline_worker_poll(A.pl, 0);
		*enc_cyc += rte_rdtsc_precise() - t0;
		TEST_ASSERT_EQUAL(rte_ring_count(wire_ab), n, "all sealed");
		t0 = rte_rdtsc_precise();
		while (!rte_ring_empty(wire_ab))
			wgc_pipeline_worker_poll(B.pl, 0);
		*dec_cyc += rte_rdtsc_precise() - t0;
		sent += n;
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_main_poll(B.pl);
	}
	wgc_pipeline_stats_sum(B.pl, &s1);
	TEST_ASSERT_EQUAL(s1.inner_tx - s0.inner_tx, (uint64_t)total,
		"every packet decrypted and delivered");
	return TEST_SUCCESS;
}

static int
test_perf_pipeline_eth(void)
{
	static const uint16_t sizes[] = { 64, 512, 1420 };
	static double enc[3][ROUNDS_MAX], dec[3][ROUNDS_MAX],
		rs[3][ROUNDS_MAX], ro[3][ROUNDS_MAX], qe[3][ROUNDS_MAX],
		qd[3][ROUNDS_MAX];
	struct wgc_aead_engine *e;
	double hz = (double)rte_get_tsc_hz();
	unsigned int rounds = env_uint("WGC_PERF_ROUNDS", 5, ROUNDS_MAX);
	unsigned int only = env_uint("WGC_PERF_SIZE", 0, 1420);
	unsigned int i, r;

	TEST_CHECK(establish_eth());
	e = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(e, "engine");
	printf("pipeline_ethdev_perf: one worker, inner edges drivers/ethdev "
		"(A: net_ring loopback, B: net_null no-rx), outer wire rings, "
		"engine %s, %s, TSC %.2f GHz; %u rounds (raw seal, raw open, "
		"encrypt, decrypt); medians, ratios are medians of per-round "
		"ratios\n", wgc_aead_engine_name(e),
		rte_eal_has_hugepages() ? "hugepages" : "no hugepages",
		hz / 1e9, rounds);
	printf("command: build/test/wgc-test pipeline_ethdev_perf "
		"(EAL flags from WGC_TEST_EAL)\n");
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < RTE_DIM(sizes); i++) {
			unsigned int total = sizes[i] >= 1024 ? 50000 : 100000;
			uint64_t ec, dc;

			if (only != 0 && only != sizes[i])
				continue;
			TEST_CHECK(raw_aead(e, sizes[i], total, false,
				&rs[i][r]));
			TEST_CHECK(raw_aead(e, sizes[i], total, true,
				&ro[i][r]));
			TEST_CHECK(measure_eth(sizes[i], total, &ec, &dc));
			enc[i][r] = (double)ec / total;
			dec[i][r] = (double)dc / total;
			qe[i][r] = rs[i][r] / enc[i][r];
			qd[i][r] = ro[i][r] / dec[i][r];
		}
	}
	for (i = 0; i < RTE_DIM(sizes); i++) {
		if (only != 0 && only != sizes[i])
			continue;
		printf("  %4u B inner:", sizes[i]);
		print_fig("encrypt", wgc_test_median(enc[i], rounds), sizes[i], hz);
		print_fig("raw seal", wgc_test_median(rs[i], rounds), sizes[i], hz);
		printf(" encrypt/seal %3.0f%%\n", 100.0 * wgc_test_median(qe[i], rounds));
		printf("  %4u B inner:", sizes[i]);
		print_fig("decrypt", wgc_test_median(dec[i], rounds), sizes[i], hz);
		print_fig("raw open", wgc_test_median(ro[i], rounds), sizes[i], hz);
		printf(" decrypt/open %3.0f%%\n", 100.0 * wgc_test_median(qd[i], rounds));
	}
	wgc_aead_engine_free(e);
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_ethdev_perf, perf, perf_eth_setup,
	test_perf_pipeline_eth, perf_eth_teardown);
