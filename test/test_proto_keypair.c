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
