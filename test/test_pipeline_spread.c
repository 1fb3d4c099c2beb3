/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Spread: one peer's stream arrives on queue 0 of a device with two
 * workers; full bursts are decrypted on worker 1 too and leave in arrival
 * order on worker 0's inner queue. The workers are polled from this one
 * thread in a fixed pattern, so which burst goes where is deterministic.
 * A (one worker) seals the stream; B (two workers) receives it, outer RX
 * on queue 0 only.
 */

#include <netinet/in.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "wgc_pipeline.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

#define SP_POOL 8191
#define SP_PAYLOAD 64

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;
static bool sp_spread;
static uint64_t sp_now;

static uint64_t
sp_clock(void)
{
	return sp_now;
}

static uint64_t
sp_wall_clock(void)
{
	return 1767225600ULL * WGC_NSEC_PER_SEC + sp_now;
}

static void
conf_b(struct wgc_pipeline_conf *pc)
{
	pc->nb_workers = 2;
	pc->spread = sp_spread;
	pc->outer.rx = ring_rx_q0;
}

static int
sp_setup(bool spread)
{
	int rc_a, rc_b;

	sp_now = 1000 * WGC_NSEC_PER_SEC;
	sp_spread = spread;
	/* no per-lcore cache: the in-use count is exact */
	pool = rte_pktmbuf_pool_create("t_sp_pool", SP_POOL, 0, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("t_sp_ab", RING_SZ, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("t_sp_ba", RING_SZ, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	rig_clock = sp_clock;
	rig_wall_clock = sp_wall_clock;
	rc_a = dev_init(&A, "t_spa", 0x11, 1, wire_ba, wire_ab, pool, &rc);
	rig_conf = conf_b;
	rc_b = rc_a == TEST_SUCCESS ? dev_init(&B, "t_spb", 0x22, 2, wire_ab,
		wire_ba, pool, &rc) : TEST_FAILED;
	rig_conf = NULL;
	rig_clock = NULL;
	rig_wall_clock = NULL;
	return rc_b;
}

static int
sp_setup_on(void)
{
	return sp_setup(true);
}

static int
sp_setup_off(void)
{
	return sp_setup(false);
}

static void
sp_teardown(void)
{
	rig_pair_fini(&A, &B, &wire_ab, &wire_ba);
	rte_mempool_free(pool);
	pool = NULL;
}

/* what B delivered so far: strictly ascending tags, each once */
struct sp_out {
	uint32_t next;       /* lowest tag still allowed */
	uint32_t got;
	int bad;             /* a packet out of order or altered */
};

static void
sp_collect(struct sp_out *o)
{
	struct rte_mbuf *m;
	uint32_t tag;
	uint8_t *p;

	while (rte_ring_dequeue(B.inner_out, (void **)&m) == 0) {
		p = rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 8);
		memcpy(&tag, p, sizeof(tag));
		if (m->data_len != 20 + 8 + SP_PAYLOAD || tag < o->next)
			o->bad++;
		else
			o->next = tag + 1;
		o->got++;
		rte_pktmbuf_free(m);
	}
}

/* one round on B: worker 0 reads six bursts (one goes to worker 1: it
 * gets another only once it polled), then worker 1 decrypts what it was
 * given, then worker 0 reads one more (to worker 1) and puts everything
 * back in order */
static void
sp_round_b(struct sp_out *o)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		wgc_pipeline_worker_poll(B.pl, 0);
	wgc_pipeline_worker_poll(B.pl, 1);
	wgc_pipeline_worker_poll(B.pl, 0);
	wgc_pipeline_main_poll(B.pl);
	sp_collect(o);
}

/* A seals n packets tagged first.. into wire_ab (B is not polled) */
static int
sp_seal(uint32_t first, unsigned int n)
{
	struct rte_mbuf *m;
	unsigned int i, r;

	for (i = 0; i < n; i++) {
		m = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
			WGC_TEST_IPV4(10, 0, 2, 1), SP_PAYLOAD, 0);
		TEST_ASSERT_NOT_NULL(m, "alloc");
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 8),
			&(uint32_t){ first + i }, sizeof(uint32_t));
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, m), "inject");
	}
	for (r = 0; r < 4 * n / WGC_PIPELINE_BURST + 4 &&
			rte_ring_count(A.inner_in) > 0; r++)
		wgc_pipeline_worker_poll(A.pl, 0);
	TEST_ASSERT_EQUAL(rte_ring_count(wire_ab), n, "sealed %u of %u",
		rte_ring_count(wire_ab), n);
	return TEST_SUCCESS;
}

/* peers on both sides, a handshake, one packet through */
static int
sp_establish(struct sp_out *o)
{
	unsigned int r;

	TEST_ASSERT_NOT_NULL(add_peer(&A, B.pub, 2, 2), "peer on A");
	TEST_ASSERT_NOT_NULL(add_peer(&B, A.pub, 1, 0), "peer on B");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, make_packet(pool,
		WGC_TEST_IPV4(10, 0, 1, 1), WGC_TEST_IPV4(10, 0, 2, 1),
		SP_PAYLOAD, 0)), "inject");
	for (r = 0; r < 50 && o->got == 0; r++) {
		wgc_pipeline_worker_poll(A.pl, 0);
		wgc_pipeline_main_poll(A.pl);
		sp_round_b(o);
	}
	TEST_ASSERT_EQUAL(o->got, 1u, "first packet through");
	o->got = 0;
	o->next = 1;
	return TEST_SUCCESS;
}

static int
sp_pool_full(void)
{
	ring_drain(wire_ab);
	ring_drain(wire_ba);
	ring_drain(A.inner_out);
	ring_drain(B.inner_out);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0u,
		"pool full (%u in use)", rte_mempool_in_use_count(pool));
	return TEST_SUCCESS;
}

/* the stream (tags 1..n) with one tampered message and one replayed */
static int
sp_stream(bool spread)
{
	struct wgc_pipeline_stats s0, s1, sum;
	struct rte_mbuf *f[RING_SZ], *dup;
	struct sp_out o = { 0 };
	const unsigned int n = 640, bad = 100, rep = 37;
	unsigned int i, k = 0, r;

	TEST_CHECK(sp_establish(&o));
	TEST_CHECK(sp_seal(1, n));
	TEST_ASSERT_EQUAL(rte_ring_dequeue_bulk(wire_ab, (void **)f, n, NULL),
		n, "frames");
	/* tag bad + 1: one ciphertext byte flipped (UDP checksum off) */
	rte_pktmbuf_mtod_offset(f[bad], uint8_t *, 14 + 20 + 8 + 16)[3] ^= 1;
	rte_pktmbuf_mtod_offset(f[bad], struct rte_udp_hdr *,
		14 + 20)->dgram_cksum = 0;
	/* tag rep + 1 again, seven bursts later */
	dup = rte_pktmbuf_copy(f[rep], pool, 0, UINT32_MAX);
	TEST_ASSERT_NOT_NULL(dup, "copy");
	for (i = 0; i < n; i++) {
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_ab, f[i]), "wire");
		if (i == rep + 7 * WGC_PIPELINE_BURST)
			TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_ab, dup),
				"replay");
	}
	for (r = 0; r < 100 && rte_ring_count(wire_ab) > 0; r++)
		sp_round_b(&o);
	for (k = 0; k < 4; k++)
		sp_round_b(&o);
	TEST_ASSERT_EQUAL(o.bad, 0, "%d out of order or altered", o.bad);
	TEST_ASSERT_EQUAL(o.got, n - 1, "delivered %u of %u", o.got, n - 1);
	TEST_ASSERT_EQUAL(o.next, n + 1, "the last one last");

	wgc_pipeline_stats_get(B.pl, 0, &s0);
	wgc_pipeline_stats_get(B.pl, 1, &s1);
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.drop[WGC_PL_DROP_BAD_TAG], 1u, "tampered");
	TEST_ASSERT_EQUAL(sum.drop[WGC_PL_DROP_REPLAY], 1u, "replayed");
	TEST_ASSERT_EQUAL(sum.decap_ok, 1u + n - 1, "decrypted");
	TEST_ASSERT_EQUAL(s0.inner_tx, 1u + n - 1, "worker 0 sent them all");
	TEST_ASSERT_EQUAL(s1.inner_tx, 0u, "worker 1 sent none");
	TEST_ASSERT_EQUAL(sum.reorder_timeout + sum.reorder_overflow +
		sum.drop[WGC_PL_DROP_REORDER_LATE] +
		sum.drop[WGC_PL_DROP_SPREAD_FULL], 0u, "nothing given up");
	if (spread) {
		TEST_ASSERT(s1.decap_ok > 0 && s1.decap_ok < sum.decap_ok,
			"worker 1 decrypted part (%" PRIu64 " of %" PRIu64 ")",
			s1.decap_ok, sum.decap_ok);
		TEST_ASSERT(s0.decap_ok > 0, "worker 0 decrypted part");
		TEST_ASSERT_EQUAL(s0.spread_out, s1.spread_in, "handed over");
		TEST_ASSERT(s1.spread_in > 0, "handed over");
	} else {
		TEST_ASSERT_EQUAL(s1.decap_ok, 0u, "all on worker 0");
		TEST_ASSERT_EQUAL(s0.spread_out + s1.spread_in, 0u, "no spread");
	}
	return sp_pool_full();
}

static int
test_spread_on(void)
{
	return sp_stream(true);
}

static int
test_spread_off(void)
{
	return sp_stream(false);
}

WGC_TEST_REGISTER_FULL(pipeline_spread_autotest, fast, sp_setup_on,
	test_spread_on, sp_teardown);
WGC_TEST_REGISTER_FULL(pipeline_spread_off_autotest, fast, sp_setup_off,
	test_spread_off, sp_teardown);

/* B's worker 0 reads one full burst per call, worker 1 is not polled */
static void
sp_w0_bursts(unsigned int bursts, struct sp_out *o)
{
	unsigned int i;

	for (i = 0; i < bursts; i++) {
		wgc_pipeline_worker_poll(B.pl, 0);
		sp_collect(o);
	}
}

/*
 * The bounds: a helper that does not answer holds the order up for the
 * bounded wait only (reorder_timeout), a full window is drained at once
 * (reorder_overflow), and what the helper hands back afterwards is a
 * counted late drop; nothing stalls, the order holds, the pool is full.
 */
static int
test_spread_bounds(void)
{
	struct wgc_pipeline_stats sum;
	struct sp_out o = { 0 };
	const unsigned int bs = WGC_PIPELINE_BURST;
	uint32_t tag = 1, i;

	TEST_CHECK(sp_establish(&o));

	/* five bursts: the first to worker 1, which then stops polling
	 * (no more for it), four here, waiting behind the first */
	TEST_CHECK(sp_seal(tag, 5 * bs));
	tag += 5 * bs;
	sp_w0_bursts(5, &o);
	wgc_pipeline_worker_poll(B.pl, 0);
	sp_collect(&o);
	wgc_pipeline_stats_get(B.pl, 0, &sum);
	TEST_ASSERT_EQUAL(sum.spread_out, bs, "one burst handed over");
	TEST_ASSERT_EQUAL(o.got, 0u, "the others wait for the first");
	sp_now += 11 * 1000 * 1000;
	wgc_pipeline_worker_poll(B.pl, 0);
	sp_collect(&o);
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.reorder_timeout, 1u, "one given up");
	TEST_ASSERT_EQUAL(o.got, 4u * bs, "the others after the bounded wait");
	/* worker 1 answers late: counted, not delivered */
	wgc_pipeline_worker_poll(B.pl, 1);
	wgc_pipeline_worker_poll(B.pl, 0);
	sp_collect(&o);
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.drop[WGC_PL_DROP_REORDER_LATE], bs,
		"late drops");
	TEST_ASSERT_EQUAL(o.got, 4u * bs, "none of them delivered");

	/* overflow: one burst to worker 1, silent again, then the window
	 * fills up with bursts decrypted here (no time passes) */
	for (i = 0; i < 3; i++) {
		TEST_CHECK(sp_seal(tag, 24 * bs));
		tag += 24 * bs;
		sp_w0_bursts(24, &o);
	}
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.reorder_overflow, 1u, "overflow counted");
	TEST_ASSERT_EQUAL(sum.reorder_timeout, 1u, "no wait");
	TEST_ASSERT_EQUAL(sum.drop[WGC_PL_DROP_SPREAD_FULL], 0u,
		"nothing refused");
	/* the 63 behind it went out when the 65th came, the rest at once */
	TEST_ASSERT_EQUAL(o.got, (4u + 71u) * bs,
		"delivered without the one (%u)", o.got / bs);
	wgc_pipeline_worker_poll(B.pl, 1);
	wgc_pipeline_worker_poll(B.pl, 0);
	sp_collect(&o);
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.drop[WGC_PL_DROP_REORDER_LATE], 2u * bs,
		"late drops");
	TEST_ASSERT_EQUAL(o.bad, 0, "%d out of order", o.bad);
	TEST_ASSERT_EQUAL(o.got, (4u + 71u) * bs, "the others, in order");
	TEST_ASSERT_EQUAL(o.next, tag, "up to the last");

	/* small bursts behind one that is out share places in the window:
	 * 100 single packets behind a full burst at worker 1 overflow
	 * nothing, and all leave in order once it is back */
	wgc_pipeline_worker_poll(B.pl, 1);
	TEST_CHECK(sp_seal(tag, bs));
	tag += bs;
	sp_w0_bursts(1, &o);
	for (i = 0; i < 100; i++) {
		TEST_CHECK(sp_seal(tag++, 1));
		sp_w0_bursts(1, &o);
	}
	wgc_pipeline_stats_sum(B.pl, &sum);
	TEST_ASSERT_EQUAL(sum.spread_out, 3u * bs, "the full one handed over");
	TEST_ASSERT_EQUAL(sum.reorder_overflow, 1u, "no new overflow");
	TEST_ASSERT_EQUAL(o.got, (4u + 71u) * bs, "all wait for it");
	wgc_pipeline_worker_poll(B.pl, 1);
	wgc_pipeline_worker_poll(B.pl, 0);
	wgc_pipeline_worker_poll(B.pl, 0);
	sp_collect(&o);
	TEST_ASSERT_EQUAL(o.bad, 0, "%d out of order", o.bad);
	TEST_ASSERT_EQUAL(o.got, (4u + 71u + 1u) * bs + 100u, "all of them");
	TEST_ASSERT_EQUAL(o.next, tag, "up to the last");
	return sp_pool_full();
}

WGC_TEST_REGISTER_FULL(pipeline_spread_bounds_autotest, fast, sp_setup_on,
	test_spread_bounds, sp_teardown);
