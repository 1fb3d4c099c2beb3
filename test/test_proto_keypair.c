/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Keypairs and transport: wire format of type 4, padding bounded by the
 * MTU, keepalives, counters, replay, per-packet tag failures in a burst,
 * expiry and exhaustion, key rotation over successive handshakes, and RCU
 * deferred reclamation of retired keypairs.
 */

#include <rte_rcu_qsbr.h>

#include "test_proto_fixture.h"

#define NB 100

static int
test_transport_format(void)
{
	static struct tp_buf bufs[NB];
	struct wgc_view v[NB];
	struct wgc_keypair *kps[NB], *kp, *rk;
	uint8_t st[NB], payload[1600];
	uint64_t ctr[NB], s = 3, le;
	bool conf[NB];
	struct tp_pair p;
	unsigned int i;
	static const struct {
		uint32_t len, mtu, wire;
	} pad[] = {
		{ 0, 1420, 32 }, { 1, 1420, 48 }, { 16, 1420, 48 },
		{ 17, 1420, 64 }, { 1419, 1420, 1452 }, { 1420, 1420, 1452 },
		{ 1412, 1420, 1452 }, { 1405, 1410, 1440 }, { 1409, 1410, 1442 },
		{ 1500, 1420, 1532 },
	};

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 61), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "handshake");
	test_rand_bytes(&s, payload, sizeof(payload));
	kp = wgc_keypair_current(&p.a.peer, p.now);
	TEST_ASSERT_NOT_NULL(kp, "keypair");

	/* Padding and lengths. */
	for (i = 0; i < RTE_DIM(pad); i++) {
		tp_view(&v[0], &bufs[0], payload, pad[i].len);
		TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1,
			pad[i].mtu, p.now, st), 1, "encap %u", pad[i].len);
		TEST_ASSERT_EQUAL(v[0].len, pad[i].wire, "len %u mtu %u: wire %u",
			pad[i].len, pad[i].mtu, v[0].len);
		TEST_ASSERT_EQUAL(v[0].headroom, 128 - 16, "headroom");
		/* Header: type 4, 3 zero bytes, receiver index, counter. */
		TEST_ASSERT(v[0].data[0] == 4 && v[0].data[1] == 0 &&
			v[0].data[2] == 0 && v[0].data[3] == 0, "type");
		TEST_ASSERT_EQUAL(wgc_msg_receiver_index(v[0].data, 4),
			kp->remote_index, "receiver index");
		memcpy(&le, v[0].data + 8, 8);
		TEST_ASSERT_EQUAL(rte_le_to_cpu_64(le), (uint64_t)i, "counter");
		rk = wgc_index_lookup_keypair(p.b.t, kp->remote_index);
		TEST_ASSERT_NOT_NULL(rk, "receiver keypair");
		TEST_ASSERT_EQUAL(wgc_transport_decap_burst(p.eng, v, &rk, 1,
			p.now, st, ctr, conf), 1, "decap %u", pad[i].len);
		TEST_ASSERT_EQUAL(ctr[0], (uint64_t)i, "counter out");
		TEST_ASSERT_EQUAL(conf[0], i == 0, "confirmation");
		TEST_ASSERT_EQUAL(v[0].len, pad[i].wire - 32, "stripped");
		TEST_ASSERT_BUFFERS_ARE_EQUAL(v[0].data, payload, pad[i].len,
			"payload");
		TEST_ASSERT(wgc_ct_is_zero(v[0].data + pad[i].len,
			v[0].len - pad[i].len), "padding not zero");
	}

	/* A burst of 100 (split internally), packet 37 corrupted. */
	rk = wgc_index_lookup_keypair(p.b.t, kp->remote_index);
	for (i = 0; i < NB; i++) {
		tp_view(&v[i], &bufs[i], payload + i, 60 + i * 13);
		kps[i] = kp;
	}
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, kps, NB, 1420,
		p.now, st), NB, "encap burst");
	v[37].data[40] ^= 4;
	/* Packet 50 is a duplicate of 49 (replay within the burst). */
	memcpy(bufs[50].mem, bufs[49].mem, sizeof(bufs[49].mem));
	v[50] = v[49];
	v[50].data = bufs[50].mem + (v[49].data - bufs[49].mem);
	for (i = 0; i < NB; i++)
		kps[i] = rk;
	TEST_ASSERT_EQUAL(wgc_transport_decap_burst(p.eng, v, kps, NB, p.now,
		st, NULL, NULL), NB - 2, "decap burst");
	for (i = 0; i < NB; i++) {
		uint8_t want = i == 37 ? WGC_TRANSPORT_BAD_TAG :
			i == 50 ? WGC_TRANSPORT_REPLAY : WGC_TRANSPORT_OK;

		TEST_ASSERT_EQUAL(st[i], want, "packet %u status %u", i, st[i]);
		if (want == WGC_TRANSPORT_OK)
			TEST_ASSERT_BUFFERS_ARE_EQUAL(v[i].data, payload + i,
				60 + i * 13, "payload %u", i);
	}

	/* Truncated transport message and NO_ROOM. */
	tp_view(&v[0], &bufs[0], payload, 31);
	v[0].data[0] = 4;
	TEST_ASSERT_EQUAL(wgc_transport_decap_burst(p.eng, v, &rk, 1, p.now,
		st, NULL, NULL), 0, "31 bytes");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_BAD_LENGTH, "bad length");
	tp_view(&v[0], &bufs[0], payload, 100);
	v[0].headroom = 15;
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		p.now, st), 0, "no headroom");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_NO_ROOM, "no room");
	TEST_ASSERT_EQUAL(v[0].len, 100U, "view changed");
	v[0].headroom = 128;
	v[0].tailroom = 27;   /* needs 12 padding + 16 tag */
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		p.now, st), 0, "no tailroom");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_NO_ROOM, "no room 2");

	/* Inner length trims padding. */
	tp_view(&v[0], &bufs[0], payload, 64);
	v[0].data[0] = 0x45;
	v[0].data[2] = 0;
	v[0].data[3] = 60;
	TEST_ASSERT_EQUAL(wgc_transport_inner_len(v[0].data, 64), 60, "ipv4");
	v[0].data[0] = 0x60;
	v[0].data[4] = 0;
	v[0].data[5] = 20;
	TEST_ASSERT_EQUAL(wgc_transport_inner_len(v[0].data, 64), 60, "ipv6");
	v[0].data[5] = 30;
	TEST_ASSERT_EQUAL(wgc_transport_inner_len(v[0].data, 64), -1, "long");
	TEST_ASSERT_EQUAL(wgc_transport_inner_len(v[0].data, 0), 0, "empty");

	/* Expiry: REJECT_AFTER_TIME for both directions. A worker's `now`
	 * slightly older than the birthdate is not "expired". */
	TEST_ASSERT_NOT_NULL(wgc_keypair_current(&p.a.peer,
		kp->birthdate - 1000), "keypair from the future refused");
	tp_view(&v[0], &bufs[0], payload, 10);
	TEST_ASSERT_NOT_NULL(wgc_keypair_current(&p.a.peer,
		kp->birthdate + WGC_REJECT_AFTER_TIME - 1), "valid at 180 s - 1");
	TEST_ASSERT_NULL(wgc_keypair_current(&p.a.peer,
		kp->birthdate + WGC_REJECT_AFTER_TIME), "valid at 180 s");
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		kp->birthdate + WGC_REJECT_AFTER_TIME, st), 0, "expired encap");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_KEYPAIR_EXPIRED, "status");
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		p.now, st), 1, "encap");
	TEST_ASSERT_EQUAL(wgc_transport_decap_burst(p.eng, v, &rk, 1,
		rk->birthdate + WGC_REJECT_AFTER_TIME, st, NULL, NULL), 0,
		"expired decap");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_KEYPAIR_EXPIRED, "status");

	/* Counter exhaustion. */
	tp_view(&v[0], &bufs[0], payload, 10);
	kp->send_counter = WGC_REJECT_AFTER_MESSAGES - 1;
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		p.now, st), 1, "last counter");
	tp_view(&v[0], &bufs[0], payload, 10);
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, &kp, 1, 1420,
		p.now, st), 0, "exhausted");
	TEST_ASSERT_EQUAL(st[0], WGC_TRANSPORT_COUNTER_EXHAUSTED, "status");
	TEST_ASSERT_EQUAL(v[0].len, 10U, "view changed");
	TEST_ASSERT_NULL(wgc_keypair_current(&p.a.peer, p.now), "still used");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_transport_autotest, fast, test_transport_format);

static int
test_rotation(void)
{
	struct wgc_keypair *k1, *k2, *k3;
	uint32_t i1;
	struct tp_pair p;
	uint8_t data[64] = { 1 };
	bool conf;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 71), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "hs 1");
	k1 = p.a.peer.keypairs.current;
	TEST_ASSERT_SUCCESS(tp_send(&p, &p.a, &p.b, data, 64, 1420, &conf),
		"data 1");
	tp_advance(&p, WGC_REKEY_AFTER_TIME);
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "hs 2");
	k2 = p.a.peer.keypairs.current;
	TEST_ASSERT(k2 != k1 && p.a.peer.keypairs.previous == k1,
		"initiator: current -> previous");
	/* B still sends on the old keypair until the new one is confirmed. */
	TEST_ASSERT(p.b.peer.keypairs.next != NULL, "B next");
	TEST_ASSERT_SUCCESS(tp_send(&p, &p.b, &p.a, data, 64, 1420, &conf),
		"B on old keypair");
	TEST_ASSERT(!conf, "conf");
	TEST_ASSERT_SUCCESS(tp_send(&p, &p.a, &p.b, data, 64, 1420, &conf),
		"A on new keypair");
	TEST_ASSERT(conf, "B confirmed the new keypair");
	TEST_ASSERT_NULL(p.b.peer.keypairs.next, "B next rotated");
	i1 = k1->entry.index;
	TEST_ASSERT(wgc_index_lookup_keypair(p.a.t, i1) == k1, "k1 hashed");
	tp_advance(&p, WGC_REKEY_AFTER_TIME);
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "hs 3");
	k3 = p.a.peer.keypairs.current;
	TEST_ASSERT(k3 != k2 && p.a.peer.keypairs.previous == k2, "rotate");
	TEST_ASSERT_NULL(wgc_index_lookup_keypair(p.a.t, i1),
		"oldest keypair still indexed");
	/* Zeroing drops everything from the index. */
	wgc_peer_proto_clear(&p.a.peer);
	TEST_ASSERT_NULL(p.a.peer.keypairs.current, "cleared");
	TEST_ASSERT_EQUAL(wgc_index_table_count(p.a.t), 0U, "index empty");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_keypair_rotation_autotest, fast, test_rotation);

static struct wgc_peer_proto *
one_lookup(void *ctx, const uint8_t remote_static[WGC_KEY_LEN])
{
	struct wgc_peer_proto *p = ctx;

	return memcmp(p->remote_static, remote_static, 32) == 0 ? p : NULL;
}

/* Retired keypairs are freed only after readers pass a quiescent state. */
static int
test_rcu_reclaim(void)
{
	struct rte_rcu_qsbr *v;
	struct wgc_index_table *t;
	struct wgc_identity *id;
	struct wgc_peer_proto peer, other;
	uint8_t priv[32], pub[32], init[148], resp[92];
	struct wgc_peer_proto *got;
	size_t sz = rte_rcu_qsbr_get_memsize(4);
	uint64_t s = 9;
	struct wgc_identity *id2;
	struct wgc_index_table *t2;

	v = rte_zmalloc("tp_qsbr", sz, RTE_CACHE_LINE_SIZE);
	TEST_ASSERT_NOT_NULL(v, "qsbr");
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_init(v, 4), "qsbr init");
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_thread_register(v, 1), "register");
	rte_rcu_qsbr_thread_online(v, 1);

	test_rand_bytes(&s, priv, 32);
	id = wgc_identity_create("rcu_a", priv, SOCKET_ID_ANY);
	t = wgc_index_table_create("rcu_ix_a", 64, SOCKET_ID_ANY, v);
	test_rand_bytes(&s, priv, 32);
	id2 = wgc_identity_create("rcu_b", priv, SOCKET_ID_ANY);
	t2 = wgc_index_table_create("rcu_ix_b", 64, SOCKET_ID_ANY, NULL);
	TEST_ASSERT(id && t && id2 && t2, "create");
	wgc_identity_public_key(id2, pub);
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&peer, id, t, pub, NULL, NULL),
		"peer");
	wgc_identity_public_key(id, pub);
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&other, id2, t2, pub, NULL,
		NULL), "other");

	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&peer, init, 1, 1),
		"init");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(id2, init, 148,
		one_lookup, &other, 1, &got), "consume");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&other, resp, 1),
		"resp");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_response(id, t, resp, 92, 1,
		&got), "consume resp");
	TEST_ASSERT_EQUAL(wgc_index_table_count(t), 1U, "one keypair");

	/* Retire it: the reader (thread 1) has not been quiescent yet. */
	wgc_peer_proto_clear(&peer);
	TEST_ASSERT_EQUAL(wgc_index_table_count(t), 0U, "unhashed");
	TEST_ASSERT_EQUAL(wgc_index_table_reclaim(t), 1U, "freed too early");
	rte_rcu_qsbr_quiescent(v, 1);
	TEST_ASSERT_EQUAL(wgc_index_table_reclaim(t), 0U, "not freed");

	wgc_peer_proto_fini(&peer);
	wgc_peer_proto_fini(&other);
	rte_rcu_qsbr_thread_offline(v, 1);
	wgc_index_table_free(t);
	wgc_index_table_free(t2);
	wgc_identity_free(id);
	wgc_identity_free(id2);
	rte_free(v);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_rcu_reclaim_autotest, fast, test_rcu_reclaim);

/*
 * RCU contract under real concurrency: a worker lcore decapsulates (and
 * confirms keys) while the main lcore rekeys every few packets and
 * reclaims. Freed keypairs are wiped, so a worker touching one after its
 * grace period would see its type turn to NONE.
 */
#include <rte_launch.h>
#include <rte_ring.h>

struct rc_msg {
	struct wgc_view v;
	uint8_t buf[256];
};

struct rc_ctx {
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *ring;
	struct wgc_index_table *t;
	struct wgc_aead_engine *eng;
	int stop;
	uint64_t now;
	uint64_t ok, stale, bad, poisoned, confirmed;
};

static int
rc_worker(void *arg)
{
	struct rc_ctx *c = arg;
	struct rc_msg *m;
	struct wgc_keypair *kp;
	uint8_t st;
	bool conf;

	c->eng = wgc_aead_engine_create(WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);
	if (c->eng == NULL)
		return -1;
	rte_rcu_qsbr_thread_register(c->qsbr, 0);
	rte_rcu_qsbr_thread_online(c->qsbr, 0);
	for (;;) {
		if (rte_ring_dequeue(c->ring, (void **)&m) != 0) {
			/* stop is set after the last enqueue: re-check. */
			if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) &&
					rte_ring_empty(c->ring))
				break;
			rte_rcu_qsbr_quiescent(c->qsbr, 0);
			continue;
		}
		kp = wgc_index_lookup_keypair(c->t,
			wgc_msg_receiver_index(m->v.data, WGC_MSG_TRANSPORT));
		if (kp == NULL) {
			c->stale++;
		} else {
			if (wgc_transport_decap_burst(c->eng, &m->v, &kp, 1,
					c->now, &st, NULL, &conf) == 1)
				c->ok++;
			else
				c->bad++;
			c->confirmed += conf;
			/* Still ours until we report quiescent. */
			if (__atomic_load_n(&kp->entry.type, __ATOMIC_RELAXED) !=
					WGC_INDEX_KEYPAIR)
				c->poisoned++;
		}
		free(m);
		rte_rcu_qsbr_quiescent(c->qsbr, 0);
	}
	rte_rcu_qsbr_thread_offline(c->qsbr, 0);
	rte_rcu_qsbr_thread_unregister(c->qsbr, 0);
	wgc_aead_engine_free(c->eng);
	return 0;
}

static int
test_rcu_concurrency(void)
{
	struct rc_ctx c;
	struct tp_pair p;
	unsigned int worker, round, i, sent = 0;
	size_t sz = rte_rcu_qsbr_get_memsize(1);

	if (rte_lcore_count() < 2)
		return TEST_SKIPPED;
	memset(&c, 0, sizeof(c));
	c.qsbr = rte_zmalloc("rc_qsbr", sz, RTE_CACHE_LINE_SIZE);
	TEST_ASSERT_NOT_NULL(c.qsbr, "qsbr");
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_init(c.qsbr, 1), "qsbr init");
	c.ring = rte_ring_create("rc_ring", 1024, SOCKET_ID_ANY,
		RING_F_SP_ENQ | RING_F_SC_DEQ);
	TEST_ASSERT_NOT_NULL(c.ring, "ring");
	TEST_ASSERT_SUCCESS(tp_pair_init_rcu(&p, NULL, 81, c.qsbr), "fixture");
	c.t = p.b.t;
	c.now = p.now;
	worker = rte_get_next_lcore(-1, 1, 0);
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(rc_worker, &c, worker),
		"launch");

	for (round = 0; round < 400; round++) {
		TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "hs %u",
			round);
		for (i = 0; i < 8; i++) {
			struct rc_msg *m = malloc(sizeof(*m));
			struct wgc_keypair *kp =
				wgc_keypair_current(&p.a.peer, p.now);
			uint8_t st;

			TEST_ASSERT(m != NULL && kp != NULL, "msg");
			memset(&m->v, 0, sizeof(m->v));
			m->v.data = m->buf + 64;
			m->v.len = 40;
			m->v.headroom = 64;
			m->v.tailroom = sizeof(m->buf) - 64 - 40;
			memset(m->v.data, (int)i, 40);
			TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng,
				&m->v, &kp, 1, 1420, p.now, &st), 1, "encap");
			while (rte_ring_enqueue(c.ring, m) != 0)
				rte_pause();
			sent++;
		}
		/* Rekey right away: the worker races with the retirements. */
		tp_advance(&p, 21 * 1000 * 1000);
		wgc_index_table_reclaim(p.b.t);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(worker);
	TEST_ASSERT_EQUAL(wgc_index_table_reclaim(p.b.t), 0U, "pending");
	printf("rcu: %u packets, %" PRIu64 " ok, %" PRIu64 " confirmed, %"
		PRIu64 " for retired keypairs, %" PRIu64 " failed\n", sent,
		c.ok, c.confirmed, c.stale, c.bad);
	TEST_ASSERT_EQUAL(c.poisoned, 0ULL, "freed keypair used");
	TEST_ASSERT_EQUAL(c.ok + c.stale + c.bad, (uint64_t)sent, "lost");
	TEST_ASSERT(c.ok > 0, "nothing decapsulated");
	tp_pair_fini(&p);
	rte_ring_free(c.ring);
	rte_free(c.qsbr);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_rcu_concurrency_autotest, fast, test_rcu_concurrency);

/*
 * Scale: an index table for a million peers (one index each here):
 * random unique allocation, lock-free lookups, removal. Prints rates.
 *   build/test/wgc-test proto_index_scale
 */
#include <rte_cycles.h>
#include <rte_errno.h>

#include "wgc_proto_private.h"

#define SCALE_N (1U << 20)

static int
test_index_scale(void)
{
	struct wgc_index_entry *e = calloc(SCALE_N, sizeof(*e));
	struct wgc_index_table *t;
	struct wgc_peer_proto dummy;
	uint64_t t0, t_ins, t_look, t_del;
	unsigned int i, found = 0;
	uint64_t s = 1;

	TEST_ASSERT_NOT_NULL(e, "calloc");
	memset(&dummy, 0, sizeof(dummy));
	t = wgc_index_table_create("scale_ix", SCALE_N + SCALE_N / 4,
		SOCKET_ID_ANY, NULL);
	TEST_ASSERT_NOT_NULL(t, "create: %s", rte_strerror(rte_errno));
	t0 = rte_rdtsc();
	for (i = 0; i < SCALE_N; i++) {
		e[i].type = WGC_INDEX_HANDSHAKE;
		e[i].peer = &dummy;
		TEST_ASSERT_SUCCESS(wgc_index_insert(t, &e[i]), "insert %u", i);
	}
	t_ins = rte_rdtsc() - t0;
	TEST_ASSERT_EQUAL(wgc_index_table_count(t), SCALE_N, "count");
	t0 = rte_rdtsc();
	for (i = 0; i < SCALE_N; i++) {
		unsigned int j = (unsigned int)(test_rand(&s) % SCALE_N);

		found += wgc_index_lookup(t, e[j].index) == &e[j];
	}
	t_look = rte_rdtsc() - t0;
	TEST_ASSERT_EQUAL(found, SCALE_N, "lookups");
	TEST_ASSERT_NULL(wgc_index_lookup_keypair(t, e[0].index),
		"handshake entry returned as keypair");
	t0 = rte_rdtsc();
	for (i = 0; i < SCALE_N; i++)
		wgc_index_remove(t, &e[i]);
	t_del = rte_rdtsc() - t0;
	TEST_ASSERT_EQUAL(wgc_index_table_count(t), 0U, "count after");
	printf("index table, %u entries: insert %.0f ns, random lookup %.0f ns,"
		" remove %.0f ns\n", SCALE_N,
		(double)t_ins * 1e9 / rte_get_tsc_hz() / SCALE_N,
		(double)t_look * 1e9 / rte_get_tsc_hz() / SCALE_N,
		(double)t_del * 1e9 / rte_get_tsc_hz() / SCALE_N);
	wgc_index_table_free(t);
	free(e);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_index_scale, scale, test_index_scale);

/* Two-phase decap: open bursts anywhere, accept them out of order. */
static int
test_two_phase(void)
{
	static struct tp_buf bufs[2][32];
	struct wgc_view v[2][32];
	struct wgc_keypair *skp[32], *rkp[32];
	uint8_t st[2][32];
	uint64_t ctr[2][32];
	bool conf[32];
	uint8_t payload[600];
	struct tp_pair p;
	unsigned int b, i;
	uint64_t s = 12;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 91), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "handshake");
	test_rand_bytes(&s, payload, sizeof(payload));
	for (i = 0; i < 32; i++) {
		skp[i] = wgc_keypair_current(&p.a.peer, p.now);
		rkp[i] = wgc_index_lookup_keypair(p.b.t, skp[i]->remote_index);
	}
	for (b = 0; b < 2; b++) {
		for (i = 0; i < 32; i++)
			tp_view(&v[b][i], &bufs[b][i], payload + i, 100 + i);
		TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v[b], skp,
			32, 1420, p.now, st[b]), 32, "encap");
	}
	/* Burst 1 carries a duplicate of a packet of burst 0. */
	memcpy(bufs[1][5].mem, bufs[0][5].mem, sizeof(bufs[0][5].mem));
	v[1][5] = v[0][5];
	v[1][5].data = bufs[1][5].mem + (v[0][5].data - bufs[0][5].mem);
	for (b = 0; b < 2; b++)
		TEST_ASSERT_EQUAL(wgc_transport_open_burst(p.eng, v[b], rkp, 32,
			p.now, st[b], ctr[b]), 32, "open %u", b);
	/* Accept burst 1 first: its counters are newer; 0 stays in window. */
	TEST_ASSERT_EQUAL(wgc_transport_accept_burst(v[1], rkp, 32, st[1],
		ctr[1], conf), 32, "accept 1");
	TEST_ASSERT(conf[0], "first accepted packet confirms");
	TEST_ASSERT_EQUAL(wgc_transport_accept_burst(v[0], rkp, 32, st[0],
		ctr[0], conf), 31, "accept 0");
	TEST_ASSERT_EQUAL(st[0][5], WGC_TRANSPORT_REPLAY, "duplicate");
	for (b = 0; b < 2; b++)
		for (i = 0; i < 32; i++)
			if (st[b][i] == WGC_TRANSPORT_OK)
				TEST_ASSERT_BUFFERS_ARE_EQUAL(v[b][i].data,
					payload + i, 100 + i, "payload");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_transport_two_phase_autotest, fast, test_two_phase);

/*
 * Index-table writers need not be EAL threads: the control plane's
 * threads (libmicrohttpd, UAPI) remove peers, and a full RCU defer queue
 * frees hash slots inline on the thread that retires. rte_hash's
 * MULTI_WRITER_ADD per-lcore caches crashed such a thread
 * (rte_lcore_id() == LCORE_ID_ANY); the table now serialises writers on
 * its own lock.
 */
#include <pthread.h>

struct nonEAL_ctx {
	struct wgc_peer_proto *peer;
	struct wgc_index_table *t;
	unsigned int rounds;
	unsigned int done;
	unsigned int lcore_any;
};

static void *
nonEAL_writer(void *arg)
{
	struct nonEAL_ctx *c = arg;
	uint8_t init[WGC_MSG_INITIATION_LEN];
	unsigned int i;

	c->lcore_any = rte_lcore_id() == LCORE_ID_ANY;
	for (i = 0; i < c->rounds; i++) {
		/* inserts a handshake index, then removes and retires it */
		if (wgc_handshake_create_initiation(c->peer, init,
				1 + i * WGC_NSEC_PER_SEC, 1 + i) != 0)
			break;
		wgc_peer_proto_clear(c->peer);
	}
	c->done = i;
	return NULL;
}

static int
test_index_nonEAL_writer(void)
{
	struct nonEAL_ctx c = { .rounds = 500 };
	struct wgc_identity *id, *id2;
	struct wgc_index_table *t;
	struct wgc_peer_proto peer;
	struct rte_rcu_qsbr *v;
	uint8_t priv[32], pub[32];
	uint64_t s = 77;
	pthread_t th;

	v = rte_zmalloc("tp_qsbr_ne", rte_rcu_qsbr_get_memsize(2),
		RTE_CACHE_LINE_SIZE);
	TEST_ASSERT_NOT_NULL(v, "qsbr");
	TEST_ASSERT_SUCCESS(rte_rcu_qsbr_init(v, 2), "qsbr init");
	test_rand_bytes(&s, priv, 32);
	id = wgc_identity_create("ne_a", priv, SOCKET_ID_ANY);
	test_rand_bytes(&s, priv, 32);
	id2 = wgc_identity_create("ne_b", priv, SOCKET_ID_ANY);
	/* small table + defer queue: retirements reclaim inline */
	t = wgc_index_table_create("ne_ix", 16, SOCKET_ID_ANY, v);
	TEST_ASSERT(id && id2 && t, "create");
	wgc_identity_public_key(id2, pub);
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&peer, id, t, pub, NULL, NULL),
		"peer");
	c.peer = &peer;
	c.t = t;
	TEST_ASSERT_SUCCESS(pthread_create(&th, NULL, nonEAL_writer, &c),
		"pthread_create");
	pthread_join(th, NULL);
	TEST_ASSERT(c.lcore_any, "the writer thread must not be an EAL lcore");
	TEST_ASSERT_EQUAL(c.done, c.rounds, "only %u of %u insert/remove rounds",
		c.done, c.rounds);
	TEST_ASSERT_EQUAL(wgc_index_table_count(t), 0U, "indices left");
	TEST_ASSERT_EQUAL(wgc_index_table_reclaim(t), 0U, "slots not freed");
	wgc_peer_proto_fini(&peer);
	wgc_index_table_free(t);
	wgc_identity_free(id);
	wgc_identity_free(id2);
	rte_free(v);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_index_nonEAL_writer_autotest, fast,
	test_index_nonEAL_writer);

/*
 * Bursts mixing keypairs: send counters are taken per run of the same
 * keypair (one atomic add each) and must come out exactly as per-packet
 * adds would give them: consecutive per keypair, in burst order, none
 * consumed by a packet that fails its checks; each packet decrypts.
 * Bulk index lookups agree with single lookups for hits, misses and
 * repeats, across more keys than one hash bulk lookup takes.
 */
static int
test_transport_mixed_burst(void)
{
	static struct tp_buf bufs[12];
	/* 'a': A's keypair, 'b': B's, '-': no keypair, 'r': A's, no room */
	static const char pat[] = "aaabbaa-rab";
	struct wgc_view v[12];
	struct wgc_keypair *kps[12], *ka, *kb, *rk, *got[150];
	uint64_t want_a = 0, want_b = 0, le;
	uint32_t idx[150];
	uint8_t st[12], payload[256] = { 9 };
	struct tp_pair p;
	unsigned int i, n = sizeof(pat) - 1, found;
	uint64_t s = 11;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 81), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "handshake");
	ka = wgc_keypair_current(&p.a.peer, p.now);
	TEST_ASSERT_NOT_NULL(ka, "A keypair");
	/* B's keypair is `next` until confirmed: confirm it */
	TEST_ASSERT_SUCCESS(tp_send(&p, &p.a, &p.b, payload, 64, 1420, NULL),
		"confirm");
	kb = wgc_keypair_current(&p.b.peer, p.now);
	TEST_ASSERT_NOT_NULL(kb, "B keypair");
	want_a = ka->send_counter;
	want_b = kb->send_counter;
	for (i = 0; i < n; i++) {
		tp_view(&v[i], &bufs[i], payload, 40 + i);
		kps[i] = pat[i] == 'b' ? kb : pat[i] == '-' ? NULL : ka;
		if (pat[i] == 'r')
			v[i].tailroom = 3;
	}
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, v, kps, n, 1420,
		p.now, st), n - 2, "sealed");
	for (i = 0; i < n; i++) {
		struct wgc_index_table *t = pat[i] == 'b' ? p.a.t : p.b.t;

		if (pat[i] == '-') {
			TEST_ASSERT_EQUAL(st[i], WGC_TRANSPORT_NO_KEYPAIR, "%u", i);
			continue;
		}
		if (pat[i] == 'r') {
			TEST_ASSERT_EQUAL(st[i], WGC_TRANSPORT_NO_ROOM, "%u", i);
			continue;
		}
		TEST_ASSERT_EQUAL(st[i], WGC_TRANSPORT_OK, "packet %u", i);
		memcpy(&le, v[i].data + 8, 8);
		TEST_ASSERT_EQUAL(rte_le_to_cpu_64(le),
			pat[i] == 'b' ? want_b++ : want_a++,
			"packet %u counter", i);
		rk = wgc_index_lookup_keypair(t, kps[i]->remote_index);
		TEST_ASSERT_NOT_NULL(rk, "receiver keypair %u", i);
		TEST_ASSERT_EQUAL(wgc_transport_decap_burst(p.eng, &v[i], &rk,
			1, p.now, &st[i], NULL, NULL), 1, "decap %u", i);
		TEST_ASSERT_BUFFERS_ARE_EQUAL(v[i].data, payload, 40 + i,
			"payload %u", i);
	}
	TEST_ASSERT_EQUAL(ka->send_counter, want_a, "A counters used");
	TEST_ASSERT_EQUAL(kb->send_counter, want_b, "B counters used");

	/* bulk lookups on B's table: A's keypair's receiver index, unknown
	 * indices, runs and repeats */
	for (i = 0; i < RTE_DIM(idx); i++) {
		uint32_t r = (uint32_t)test_rand(&s);

		idx[i] = (r & 3) == 0 ? r : ka->remote_index;
		if (i > 0 && (r & 12) == 0)
			idx[i] = idx[i - 1];
	}
	found = wgc_index_lookup_keypair_bulk(p.b.t, idx, RTE_DIM(idx), got);
	for (i = 0; i < RTE_DIM(idx); i++) {
		TEST_ASSERT(got[i] == wgc_index_lookup_keypair(p.b.t, idx[i]),
			"bulk lookup %u", i);
		found -= got[i] != NULL;
	}
	TEST_ASSERT_EQUAL(found, 0u, "count of found keypairs");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_transport_mixed_burst_autotest, fast,
	test_transport_mixed_burst);
