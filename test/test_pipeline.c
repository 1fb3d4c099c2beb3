/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Two wgc devices back to back: each has an outer edge and an inner edge
 * made of rte_rings, real lib/net (ARP included), lib/proto handshakes and
 * transport, lib/peers. Plaintext injected on A's inner side must come out
 * of B's inner side (and back), after a real handshake; bad traffic is
 * dropped and counted; every pool is full afterwards.
 */

#include <netinet/in.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_pipeline.h"
#include "wgc_test.h"
#include "pipeline_rig.h"

static struct rte_mempool *pool;
static struct wgc_recycler rc;
static struct rte_ring *wire_ab, *wire_ba;
static struct dev A, B;

static int
pl_setup(void)
{
	pool = rte_pktmbuf_pool_create("t_pl_pool", 2047, 32, 0,
		wgc_iobuf_data_room(1420), SOCKET_ID_ANY);
	if (pool == NULL)
		return TEST_FAILED;
	wgc_recycler_mempool_init(&rc, pool);
	wire_ab = rte_ring_create("t_pl_ab", RING_SZ, SOCKET_ID_ANY, 0);
	wire_ba = rte_ring_create("t_pl_ba", RING_SZ, SOCKET_ID_ANY, 0);
	if (wire_ab == NULL || wire_ba == NULL)
		return TEST_FAILED;
	TEST_CHECK(dev_init(&A, "t_pla", 0x11, 1, wire_ba, wire_ab, pool, &rc));
	TEST_CHECK(dev_init(&B, "t_plb", 0x22, 2, wire_ab, wire_ba, pool, &rc));
	return TEST_SUCCESS;
}

static void
pl_teardown(void)
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
run(unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		wgc_pipeline_worker_poll(A.pl, 0);
		wgc_pipeline_main_poll(A.pl);
		wgc_pipeline_worker_poll(B.pl, 0);
		wgc_pipeline_main_poll(B.pl);
	}
}

/* send n packets from `from` (inner side) and expect them at `to` */
static int
transfer(struct dev *from, struct dev *to, uint32_t src, uint32_t dst,
		unsigned int n, uint16_t payload)
{
	struct rte_mbuf *m;
	unsigned int i, got = 0, r;

	for (i = 0; i < n; i++) {
		m = make_packet(pool, src, dst, payload, i);
		TEST_ASSERT_NOT_NULL(m, "alloc");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(from->inner_in, m),
			"inject");
	}
	for (r = 0; r < 200 && got < n; r++) {
		void *o;

		run(1);
		while (rte_ring_dequeue(to->inner_out, &o) == 0) {
			struct rte_mbuf *x = o;
			struct rte_mbuf *ref = make_packet(pool, src, dst, payload,
				got);

			TEST_ASSERT_NOT_NULL(ref, "alloc");
			TEST_ASSERT_EQUAL(x->data_len, ref->data_len,
				"length of packet %u", got);
			TEST_ASSERT_BUFFERS_ARE_EQUAL(
				rte_pktmbuf_mtod(x, void *),
				rte_pktmbuf_mtod(ref, void *), x->data_len,
				"packet %u content", got);
			rte_pktmbuf_free(x);
			rte_pktmbuf_free(ref);
			got++;
		}
	}
	TEST_ASSERT_EQUAL(got, n, "delivered %u of %u", got, n);
	return TEST_SUCCESS;
}

static int
test_pipeline_back_to_back(void)
{
	struct wgc_pipeline_stats sa, sb;
	struct wgc_peer_stats ps;
	struct wgc_peer *pa, *pb;
	struct rte_mbuf *m;
	struct wgc_msg_transport *h;

	/* A knows where B is; B learns A's endpoint from the handshake */
	pa = add_peer(&A, B.pub, 2, 2);
	pb = add_peer(&B, A.pub, 1, 0);
	TEST_ASSERT(pa != NULL && pb != NULL, "peers");

	/* A -> B: staged, handshake (ARP first), then delivered */
	TEST_CHECK(transfer(&A, &B, WGC_TEST_IPV4(10, 0, 1, 1),
		WGC_TEST_IPV4(10, 0, 2, 1), 5, 100));
	wgc_pipeline_stats_sum(A.pl, &sa);
	wgc_pipeline_stats_sum(B.pl, &sb);
	TEST_ASSERT_EQUAL(sa.staged, 5u, "staged while handshaking");
	TEST_ASSERT(sa.handshake_tx >= 1, "A initiated");
	TEST_ASSERT(sb.handshake_tx >= 1, "B responded");
	TEST_ASSERT(sb.decap_ok >= 5, "B decrypted");
	TEST_ASSERT(pb->endpoint.addr.family == AF_INET &&
		pb->endpoint.addr.bytes[3] == 1,
		"B learned A's endpoint");
	/* B -> A on the same session, bigger packets */
	TEST_CHECK(transfer(&B, &A, WGC_TEST_IPV4(10, 0, 2, 7),
		WGC_TEST_IPV4(10, 0, 1, 9), 40, 1300));
	/* A -> B again: no staging now */
	TEST_CHECK(transfer(&A, &B, WGC_TEST_IPV4(10, 0, 1, 1),
		WGC_TEST_IPV4(10, 0, 2, 1), 64, 16));
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT_EQUAL(sa.staged, 5u, "no more staging");
	wgc_peer_stats_get(pa, &ps);
	TEST_ASSERT_EQUAL(ps.tx_packets, 69u, "A's peer tx count");
	TEST_ASSERT_EQUAL(ps.rx_packets, 40u, "A's peer rx count");

	/* B's source check: a packet from outside A's allowed IPs is not
	 * routed by A at all (no peer for 10.0.3/24 on A) */
	m = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1), WGC_TEST_IPV4(10, 0, 3, 1), 8, 0);
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, m), "inject");
	run(3);
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT_EQUAL(sa.drop[WGC_PL_DROP_NO_PEER], 1u, "no peer drop");

	/* a transport message with an unknown receiver index: counted */
	wgc_pipeline_stats_sum(B.pl, &sb);
	{
		uint64_t before = sb.drop[WGC_PL_DROP_UNKNOWN_INDEX];
		struct rte_mbuf *x = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
			WGC_TEST_IPV4(10, 0, 2, 1), 4, 0);

		TEST_ASSERT_NOT_NULL(x, "alloc");
		/* let A seal it, then corrupt the index on the wire */
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, x), "inject");
		wgc_pipeline_worker_poll(A.pl, 0);
		TEST_ASSERT_SUCCESS(rte_ring_dequeue(wire_ab, (void **)&x),
			"sealed frame");
		h = rte_pktmbuf_mtod_offset(x, struct wgc_msg_transport *,
			14 + 20 + 8);
		h->receiver_index ^= 0xdeadbeef;
		/* the UDP checksum no longer matches: IPv4 allows none */
		rte_pktmbuf_mtod_offset(x, struct rte_udp_hdr *,
			14 + 20)->dgram_cksum = 0;
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_ab, x), "re-inject");
		run(2);
		wgc_pipeline_stats_sum(B.pl, &sb);
		TEST_ASSERT_EQUAL(sb.drop[WGC_PL_DROP_UNKNOWN_INDEX],
			before + 1, "unknown index counted");
	}
	/* a replayed frame: captured, delivered once, dropped the 2nd time */
	{
		struct rte_mbuf *x = make_packet(pool, WGC_TEST_IPV4(10, 0, 1, 1),
			WGC_TEST_IPV4(10, 0, 2, 1), 4, 0), *c;
		void *o = NULL;

		TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, x), "inject");
		wgc_pipeline_worker_poll(A.pl, 0);
		TEST_ASSERT_SUCCESS(rte_ring_dequeue(wire_ab, (void **)&x),
			"sealed frame");
		c = rte_pktmbuf_copy(x, pool, 0, UINT32_MAX);
		TEST_ASSERT_NOT_NULL(c, "copy");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_ab, x), "orig");
		TEST_ASSERT_SUCCESS(rte_ring_enqueue(wire_ab, c), "replay");
		run(2);
		wgc_pipeline_stats_sum(B.pl, &sb);
		TEST_ASSERT_EQUAL(sb.drop[WGC_PL_DROP_REPLAY], 1u, "replay");
		TEST_ASSERT_SUCCESS(rte_ring_dequeue(B.inner_out, &o),
			"delivered once");
		rte_pktmbuf_free(o);
		TEST_ASSERT(rte_ring_dequeue(B.inner_out, &o) != 0,
			"not twice");
	}
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_back_to_back_autotest, fast, pl_setup,
	test_pipeline_back_to_back, pl_teardown);

/* ---- timers with an injected clock ---- */

static uint64_t fake_ns;

static uint64_t
fake_clock(void)
{
	return fake_ns;
}

/* the wall clock moves with the fake one: 2026-01-01 + fake_ns */
static uint64_t
fake_wall_clock(void)
{
	return 1767225600ULL * WGC_NSEC_PER_SEC + fake_ns;
}

static int
pl_setup_fake_clock(void)
{
	int rc;

	fake_ns = 1000 * WGC_NSEC_PER_SEC;
	rig_clock = fake_clock;
	rig_wall_clock = fake_wall_clock;
	rc = pl_setup();
	rig_clock = NULL;
	rig_wall_clock = NULL;
	return rc;
}

static uint64_t
proto_count(struct dev *d, enum wgc_proto_counter c)
{
	struct wgc_proto_stats s;

	wgc_identity_stats(d->id, &s);
	return s.c[c];
}

static int
test_pipeline_timers(void)
{
	struct wgc_pipeline_stats sa, sb;
	uint32_t a = WGC_TEST_IPV4(10, 0, 1, 1), b = WGC_TEST_IPV4(10, 0, 2, 1);
	struct wgc_peer *pa = add_peer(&A, B.pub, 2, 2);
	struct wgc_peer *pb = add_peer(&B, A.pub, 1, 0);

	TEST_ASSERT(pa != NULL, "peer B on A");
	TEST_ASSERT(pb != NULL, "peer A on B");
	TEST_CHECK(transfer(&A, &B, a, b, 2, 32));
	TEST_ASSERT_EQUAL(proto_count(&A, WGC_CNT_INITIATION_SENT), 1u,
		"one handshake");

	/* B received data and sent nothing for KEEPALIVE_TIMEOUT: it sends a
	 * keepalive, which A consumes */
	fake_ns += 11 * WGC_NSEC_PER_SEC;
	run(5);
	wgc_pipeline_stats_sum(B.pl, &sb);
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT(sb.keepalive_tx >= 1, "B sent a keepalive");
	TEST_ASSERT(sa.keepalive_rx >= 1, "A received it");

	/* past REKEY_AFTER_TIME the initiator's next send starts a new
	 * handshake; traffic continues */
	fake_ns += 115 * WGC_NSEC_PER_SEC;
	TEST_CHECK(transfer(&A, &B, a, b, 1, 32));
	run(5);
	TEST_ASSERT_EQUAL(proto_count(&A, WGC_CNT_INITIATION_SENT), 2u,
		"rekey after 120 s");
	TEST_CHECK(transfer(&A, &B, a, b, 3, 100));
	TEST_CHECK(transfer(&B, &A, b, a, 3, 100));
	/* KEEPALIVE_TIMEOUT later A has answered B's data with a keepalive,
	 * so B expects nothing (its new-handshake timer is disarmed): the
	 * idle period below is idle on both sides */
	fake_ns += 11 * WGC_NSEC_PER_SEC;
	run(5);
	TEST_ASSERT_EQUAL(pb->proto.timers.new_handshake, 0u,
		"B expects no answer");

	/* idle past 3 x REJECT_AFTER_TIME: keys zeroed; new traffic gets a
	 * fresh handshake */
	fake_ns += 541 * WGC_NSEC_PER_SEC;
	run(5);
	TEST_ASSERT_NULL(wgc_keypair_current(&pa->proto, fake_ns),
		"no usable keypair after 541 s idle");
	TEST_CHECK(transfer(&A, &B, a, b, 2, 32));
	TEST_ASSERT_EQUAL(proto_count(&A, WGC_CNT_INITIATION_SENT), 3u,
		"a fresh handshake after the keys expired");
	/* each of A's initiations was accepted: with a wall clock that did
	 * not move with the fake one, B saw equal TAI64N timestamps */
	TEST_ASSERT_EQUAL(proto_count(&B, WGC_CNT_INITIATION_CONSUMED), 3u,
		"B consumed all three");
	TEST_ASSERT_EQUAL(proto_count(&B, WGC_CNT_DROP_REPLAYED_TIMESTAMP),
		0u, "no initiation looked replayed");

	/* a writer sets a persistent keepalive and tells the stage (a
	 * keepalive is due at once) */
	wgc_pipeline_stats_sum(A.pl, &sa);
	wgc_peers_lock(A.peers);
	pa->persistent_keepalive = 1;
	wgc_pipeline_peer_changed(A.pl, pa);
	wgc_peers_unlock(A.peers);
	run(3);
	{
		uint64_t before = sa.keepalive_tx;

		wgc_pipeline_stats_sum(A.pl, &sa);
		TEST_ASSERT(sa.keepalive_tx > before,
			"persistent keepalive applied");
		fake_ns += 2 * WGC_NSEC_PER_SEC;
		before = sa.keepalive_tx;
		run(3);
		wgc_pipeline_stats_sum(A.pl, &sa);
		TEST_ASSERT(sa.keepalive_tx > before, "and repeated");
	}
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_timers_autotest, fast, pl_setup_fake_clock,
	test_pipeline_timers, pl_teardown);

/* one peer change through a rig's device: @p ep and @p ip may be NULL */
static int
device_change(struct dev *d, enum wgc_peer_op op, const uint8_t *key,
		const char *ep, const char *ip, uint16_t keepalive)
{
	struct wgc_changeset cs = { 0 };
	struct wgc_peer_change *c = wgc_changeset_add(&cs);
	struct wgc_conf_error err;
	int rc = -1;

	if (c == NULL)
		return -1;
	c->op = op;
	memcpy(c->conf.public_key, key, WGC_KEY_LEN);
	c->fields = WGC_PEER_F_KEEPALIVE;
	c->conf.persistent_keepalive = keepalive;
	if (ep != NULL) {
		c->fields |= WGC_PEER_F_ENDPOINT;
		if (wgc_endpoint_parse(&c->conf.endpoint, ep, NULL) != 0)
			goto out;
	}
	if (ip != NULL) {
		c->fields |= WGC_PEER_F_ALLOWED_IPS;
		c->conf.allowed_ips = calloc(1, sizeof(*c->conf.allowed_ips));
		if (c->conf.allowed_ips == NULL ||
				wgc_prefix_parse(c->conf.allowed_ips, ip,
					WGC_PREFIX_ROUTE, NULL) != 0)
			goto out;
		c->conf.n_allowed_ips = 1;
	}
	rc = wgc_device_apply(d->dev, &cs, &err);
	if (rc != 0)
		printf("device apply: %s\n", err.msg);
out:
	wgc_changeset_free(&cs);
	return rc;
}

/* the device's counters carry lib/proto's, the pipeline's (total and per
 * worker, the stage's backlog) and the parking lot's, as on A's stage */
static int
device_stats_seen(struct dev *d)
{
	static struct wgc_stat st[512];
	struct wgc_pipeline_stats ps;
	bool proto = false, total = false, worker = false, queue = false;
	bool park = false;
	int n, i;

	wgc_pipeline_stats_sum(d->pl, &ps);
	n = wgc_device_ops.stats_read(d->dev, st, RTE_DIM(st));
	TEST_ASSERT(n > 0 && n < (int)RTE_DIM(st), "%d counters", n);
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].name, "proto_initiation_sent") == 0)
			proto = st[i].value == proto_count(d,
				WGC_CNT_INITIATION_SENT);
		if (strcmp(st[i].name, "handshake_tx") == 0 &&
				st[i].worker == -1)
			total = st[i].value == ps.handshake_tx &&
				ps.handshake_tx > 0;
		worker |= strcmp(st[i].name, "outer_rx") == 0 &&
			st[i].worker == 0;
		queue |= strcmp(st[i].name, "handshake_queue") == 0 &&
			st[i].gauge;
		park |= strcmp(st[i].name, "parked") == 0 && st[i].gauge;
	}
	TEST_ASSERT(proto && total && worker && queue && park,
		"proto %d total %d worker %d queue %d park %d", proto, total,
		worker, queue, park);
	return TEST_SUCCESS;
}

/*
 * The device tells the pipeline of each change itself: a peer added with
 * a persistent keepalive through wgc_device_apply() is on the timer wheel
 * at once (nothing scans the table for it), so A initiates without any
 * traffic; once removed through the device, the peer sends nothing more.
 */
static int
test_pipeline_device_changes(void)
{
	uint64_t sent;
	unsigned int i;

	TEST_ASSERT_SUCCESS(device_change(&A, WGC_PEER_OP_UPSERT, B.pub,
		"192.0.2.2:51820", "10.0.2.0/24", 1), "B on A");
	TEST_ASSERT_SUCCESS(device_change(&B, WGC_PEER_OP_UPSERT, A.pub,
		NULL, "10.0.1.0/24", 0), "A on B");
	TEST_ASSERT_EQUAL(proto_count(&A, WGC_CNT_INITIATION_SENT), 0u,
		"nothing sent before the stage ran");
	for (i = 0; i < 4; i++) {
		fake_ns += WGC_NSEC_PER_SEC;
		run(3);
	}
	TEST_ASSERT(proto_count(&A, WGC_CNT_INITIATION_SENT) >= 1,
		"the persistent keepalive started a handshake");
	TEST_ASSERT(proto_count(&B, WGC_CNT_INITIATION_CONSUMED) >= 1,
		"B answered");
	TEST_ASSERT(proto_count(&A, WGC_CNT_SESSION_DERIVED) >= 1,
		"a session on A");
	TEST_CHECK(device_stats_seen(&A));

	TEST_ASSERT_SUCCESS(device_change(&A, WGC_PEER_OP_REMOVE, B.pub,
		NULL, NULL, 0), "remove B from A");
	TEST_ASSERT_EQUAL(wgc_peers_count(A.peers), 0u, "A has no peer");
	sent = proto_count(&A, WGC_CNT_INITIATION_SENT);
	for (i = 0; i < 20; i++) {
		fake_ns += 30 * WGC_NSEC_PER_SEC;
		run(2);
	}
	TEST_ASSERT_EQUAL(proto_count(&A, WGC_CNT_INITIATION_SENT), sent,
		"nothing from the removed peer");
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_device_changes_autotest, fast,
	pl_setup_fake_clock, test_pipeline_device_changes, pl_teardown);

/*
 * A sends data that B can no longer open (B forgot the session): A expects
 * an answer and arms "new handshake". B then initiates; the initiation is
 * an authenticated packet from B, so A disarms the timer as soon as it has
 * consumed it, before any data of the new session arrives.
 */
static int
test_pipeline_initiation_answers(void)
{
	uint32_t a = WGC_TEST_IPV4(10, 0, 1, 1), b = WGC_TEST_IPV4(10, 0, 2, 1);
	struct wgc_peer *pa = add_peer(&A, B.pub, 2, 2);
	struct wgc_peer *pb = add_peer(&B, A.pub, 1, 1);
	struct rte_mbuf *m;

	TEST_ASSERT(pa != NULL && pb != NULL, "peers");
	TEST_CHECK(transfer(&A, &B, a, b, 2, 32));
	TEST_CHECK(transfer(&B, &A, b, a, 2, 32));
	TEST_ASSERT_EQUAL(pa->proto.timers.new_handshake, 0u,
		"nothing outstanding after B's traffic");

	/* B forgets A and its session */
	wgc_peers_lock(B.peers);
	wgc_pipeline_peer_removed(B.pl, pb);
	wgc_peers_remove(B.peers, pb);
	wgc_peers_unlock(B.peers);
	pb = add_peer(&B, A.pub, 1, 1);
	TEST_ASSERT_NOT_NULL(pb, "peer A on B again");

	m = make_packet(pool, a, b, 32, 0);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(A.inner_in, m), "inject");
	wgc_pipeline_worker_poll(A.pl, 0);
	TEST_ASSERT(pa->proto.timers.new_handshake != 0,
		"A's data armed new-handshake");
	/* B drops it (unknown index) */
	wgc_pipeline_worker_poll(B.pl, 0);

	/* B initiates: its worker stages, its stage sends the initiation */
	m = make_packet(pool, b, a, 32, 0);
	TEST_ASSERT_NOT_NULL(m, "alloc");
	TEST_ASSERT_SUCCESS(rte_ring_enqueue(B.inner_in, m), "inject");
	{
		unsigned int r;

		for (r = 0; r < 5 && rte_ring_count(wire_ba) == 0; r++) {
			wgc_pipeline_worker_poll(B.pl, 0);
			wgc_pipeline_main_poll(B.pl);
		}
	}
	TEST_ASSERT(rte_ring_count(wire_ba) >= 1, "B sent an initiation");
	/* A's worker hands it to A's stage, which consumes it */
	wgc_pipeline_worker_poll(A.pl, 0);
	wgc_pipeline_main_poll(A.pl);
	TEST_ASSERT_EQUAL(pa->proto.timers.new_handshake, 0u,
		"the initiation disarmed A's new-handshake timer");
	/* B's staged packet goes out once the session is confirmed */
	run(5);
	TEST_ASSERT_EQUAL(rte_ring_count(A.inner_out), 1u,
		"B's staged packet delivered");
	ring_drain(A.inner_out);
	/* and the new session works both ways */
	TEST_CHECK(transfer(&B, &A, b, a, 2, 32));
	TEST_CHECK(transfer(&A, &B, a, b, 2, 32));
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_initiation_answers_autotest, fast,
	pl_setup_fake_clock, test_pipeline_initiation_answers, pl_teardown);

/*
 * Traffic for peers that cannot answer never pins the pool: packets for
 * peers without an endpoint are dropped at once (no_endpoint); packets for
 * peers whose handshakes go unanswered are parked within the pool's share
 * and expire; the established session keeps working throughout; the pool
 * is full again once traffic stops.
 */
static int
test_pipeline_parking(void)
{
	struct wgc_pipeline_stats sa;
	struct wgc_park_stats ks;
	uint8_t key[WGC_KEY_LEN];
	unsigned int i, k, in_use_max = 0;
	const unsigned int share = 2047 / WGC_PARK_POOL_SHARE;

	TEST_ASSERT_NOT_NULL(add_peer(&A, B.pub, 2, 2), "peer B on A");
	TEST_ASSERT_NOT_NULL(add_peer(&B, A.pub, 1, 0), "peer A on B");
	/* peers 10.0.10-13/24 without an endpoint, 10.0.14-15/24 whose
	 * endpoint (192.0.2.99) never answers */
	for (k = 0; k < 6; k++) {
		memset(key, 0x60 + k, sizeof(key));
		TEST_ASSERT_NOT_NULL(add_peer(&A, key, (uint8_t)(10 + k),
			k < 4 ? 0 : 99), "peer %u", k);
	}
	TEST_CHECK(transfer(&A, &B, WGC_TEST_IPV4(10, 0, 1, 1),
		WGC_TEST_IPV4(10, 0, 2, 1), 3, 100));
	for (i = 0; i < 3000; i++) {
		struct rte_mbuf *m = make_packet(pool,
			WGC_TEST_IPV4(10, 0, 1, 1),
			WGC_TEST_IPV4(10, 0, 10 + i % 6, 1), 200, i);

		TEST_ASSERT_NOT_NULL(m, "alloc %u: pool exhausted", i);
		while (rte_ring_enqueue(A.inner_in, m) != 0)
			run(1);
		if (i % 32 == 31) {
			run(1);
			in_use_max = RTE_MAX(in_use_max,
				rte_mempool_in_use_count(pool));
			/* the established session still works both ways */
			if (i % 640 == 639) {
				TEST_CHECK(transfer(&A, &B,
					WGC_TEST_IPV4(10, 0, 1, 1),
					WGC_TEST_IPV4(10, 0, 2, 1), 8, 1000));
				TEST_CHECK(transfer(&B, &A,
					WGC_TEST_IPV4(10, 0, 2, 1),
					WGC_TEST_IPV4(10, 0, 1, 1), 8, 1000));
			}
		}
	}
	while (rte_ring_count(A.inner_in) != 0)
		run(1);
	run(2);
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT(sa.drop[WGC_PL_DROP_NO_ENDPOINT] == 2000u,
		"endpoint-less peers' packets dropped at once (%" PRIu64 ")",
		sa.drop[WGC_PL_DROP_NO_ENDPOINT]);
	wgc_peers_park_stats(A.peers, &ks);
	TEST_ASSERT(ks.parked_max <= share, "parked at most the pool's share "
		"(%" PRIu64 " > %u)", ks.parked_max, share);
	TEST_ASSERT_EQUAL(ks.parked_max, (uint64_t)share, "share reached");
	TEST_ASSERT(ks.drop[WGC_PARK_DROP_POOL_SHARE] > 0, "share drops");
	TEST_ASSERT_EQUAL(sa.drop[WGC_PL_DROP_STAGED_OVERFLOW],
		ks.drop[WGC_PARK_DROP_POOL_SHARE] +
		ks.drop[WGC_PARK_DROP_PEER_CAP], "pipeline counts them");
	TEST_ASSERT(in_use_max < share + 300, "pool never near exhaustion "
		"(%u in use)", in_use_max);
	/* traffic stops: the parked packets expire, the pool is full */
	fake_ns += WGC_PARK_MAX_AGE_NS + WGC_NSEC_PER_SEC;
	run(2);
	wgc_peers_park_stats(A.peers, &ks);
	TEST_ASSERT_EQUAL(ks.parked, 0u, "nothing parked");
	wgc_pipeline_stats_sum(A.pl, &sa);
	TEST_ASSERT(sa.drop[WGC_PL_DROP_PARK_EXPIRED] +
		sa.drop[WGC_PL_DROP_PARK_GAVE_UP] > 0, "expiry counted");
	ring_drain(wire_ab);
	ring_drain(wire_ba);
	TEST_ASSERT(rte_mempool_in_use_count(pool) <= 2 * 32,
		"pool full but for caches (%u in use)",
		rte_mempool_in_use_count(pool));
	return TEST_SUCCESS;
}

WGC_TEST_REGISTER_FULL(pipeline_parking_autotest, fast, pl_setup_fake_clock,
	test_pipeline_parking, pl_teardown);
