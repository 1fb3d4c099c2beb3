/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Noise_IKpsk2 handshake between two in-process instances, both ways,
 * with and without PSK, then data both ways; an initiation built by an
 * independent Python reference (cryptography + hashlib); replayed and
 * flooded initiations; and every byte of every handshake message flipped,
 * truncated and extended, with no state change in the receiver.
 */

#include "test_proto_fixture.h"

static int
check_keys(struct tp_side *ini, struct tp_side *res)
{
	struct wgc_keypair *ki = ini->peer.keypairs.current;
	struct wgc_keypair *kr = res->peer.keypairs.next;

	TEST_ASSERT_NOT_NULL(ki, "initiator has no current keypair");
	TEST_ASSERT_NOT_NULL(kr, "responder has no next keypair");
	TEST_ASSERT(ki->initiator && !kr->initiator, "roles");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ki->send_key, kr->recv_key, 32,
		"send/recv keys differ");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(ki->recv_key, kr->send_key, 32,
		"recv/send keys differ");
	TEST_ASSERT(memcmp(ki->send_key, ki->recv_key, 32) != 0, "same keys");
	TEST_ASSERT_EQUAL(ki->remote_index, kr->entry.index, "index i->r");
	TEST_ASSERT_EQUAL(kr->remote_index, ki->entry.index, "index r->i");
	TEST_ASSERT_EQUAL(ini->peer.handshake.state, WGC_HS_ZEROED, "hs i");
	TEST_ASSERT_EQUAL(res->peer.handshake.state, WGC_HS_ZEROED, "hs r");
	return TEST_SUCCESS;
}

static int
exchange(struct tp_pair *p, struct tp_side *ini, struct tp_side *res)
{
	uint8_t data[1400];
	uint64_t s = 99;
	bool conf = true;
	unsigned int i;

	test_rand_bytes(&s, data, sizeof(data));
	/* The responder cannot send before confirmation. */
	TEST_ASSERT(wgc_keypair_current(&res->peer, p->now) !=
		res->peer.keypairs.next,
		"responder sends before key confirmation");
	TEST_ASSERT_SUCCESS(tp_send(p, ini, res, data, 100, 1420, &conf),
		"initiator -> responder");
	TEST_ASSERT(conf, "first packet did not confirm the keypair");
	TEST_ASSERT_NULL(res->peer.keypairs.next, "next not rotated");
	for (i = 0; i < 20; i++) {
		uint32_t len = (uint32_t)(test_rand(&s) % 1401);

		TEST_ASSERT_SUCCESS(tp_send(p, res, ini, data, len, 1420,
			&conf), "responder -> initiator, len %u", len);
		TEST_ASSERT(!conf, "spurious confirmation");
		TEST_ASSERT_SUCCESS(tp_send(p, ini, res, data, len, 1420,
			&conf), "initiator -> responder, len %u", len);
	}
	/* Keepalive: empty payload. */
	TEST_ASSERT_SUCCESS(tp_send(p, ini, res, data, 0, 1420, NULL),
		"keepalive");
	return TEST_SUCCESS;
}

static int
handshake_case(const uint8_t *psk, uint64_t seed)
{
	struct tp_pair p;
	struct wgc_proto_stats st;
	int r;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, psk, seed), "fixture");
	r = tp_handshake(&p, &p.a, &p.b);
	TEST_ASSERT_EQUAL(r, 0, "A->B handshake failed at step %d", r);
	TEST_CHECK(check_keys(&p.a, &p.b));
	TEST_CHECK(exchange(&p, &p.a, &p.b));

	/* The other way round, later: B initiates to A. */
	tp_advance(&p, 2 * WGC_NSEC_PER_SEC);
	r = tp_handshake(&p, &p.b, &p.a);
	TEST_ASSERT_EQUAL(r, 0, "B->A handshake failed at step %d", r);
	TEST_CHECK(check_keys(&p.b, &p.a));
	TEST_CHECK(exchange(&p, &p.b, &p.a));
	/* A's previous keypair (from the first handshake) is kept. */
	TEST_ASSERT_NOT_NULL(p.a.peer.keypairs.previous, "previous dropped");

	wgc_identity_stats(p.b.id, &st);
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_INITIATION_CONSUMED], 1ULL, "cnt");
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_RESPONSE_CONSUMED], 1ULL, "cnt");
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_KEY_CONFIRMED], 1ULL, "cnt B");
	wgc_identity_stats(p.a.id, &st);
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_KEY_CONFIRMED], 1ULL, "cnt A");
	/* 2 handshakes: 2 tables hold at most 3 keypairs + 0 handshakes. */
	TEST_ASSERT_EQUAL(wgc_index_table_count(p.a.t), 2U, "A index count");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}

static int
test_handshake(void)
{
	uint8_t psk[32];
	uint64_t s = 7;
	struct tp_pair p;
	int r;

	TEST_CHECK(handshake_case(NULL, 1));
	test_rand_bytes(&s, psk, 32);
	TEST_CHECK(handshake_case(psk, 2));

	/* PSK mismatch: the response does not open; no session. */
	TEST_ASSERT_SUCCESS(tp_pair_init(&p, psk, 3), "fixture");
	psk[0] ^= 1;
	wgc_peer_proto_set_psk(&p.b.peer, psk);
	r = tp_handshake(&p, &p.a, &p.b);
	TEST_ASSERT_EQUAL(r, 6, "PSK mismatch gave step %d", r);
	TEST_ASSERT_NULL(p.a.peer.keypairs.current, "session without PSK");
	TEST_ASSERT_EQUAL(p.a.peer.handshake.state, WGC_HS_CREATED_INITIATION,
		"initiator state changed");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_handshake_autotest, fast, test_handshake);

static struct wgc_peer_proto *
one_peer_lookup(void *ctx, const uint8_t remote_static[WGC_KEY_LEN])
{
	struct wgc_peer_proto *p = ctx;

	return memcmp(p->remote_static, remote_static, 32) == 0 ? p : NULL;
}

/* An initiation built by an independent Python reference. */
static int
test_python_vector(void)
{
	static const char si[] = "e011111111111111111111111111111111111111"
		"111111111111111111111141";
	static const char sr[] = "e822222222222222222222222222222222222222"
		"222222222222222222222242";
	static const char msg_hex[] =
		"010000004433221126640ef5067e60ab2f5feaa9d58f40fa7c48a94bcfe0"
		"36985011e901aa752d7ccd9fc8a7b7b12acfdca0e2b17440cac48c947975"
		"e7052692c1e877834543453561083b8ef30d51f3823bf819076322cc35a2"
		"093cd5b99f3c2c3646b390bd949dfc6c3be5a2160105d7791b3b2a035488"
		"335501df25aba31feb3b382e00000000000000000000000000000000";
	uint8_t kpriv_i[32], kpriv_r[32], pub_i[32], msg[148], ts[12];
	struct wgc_identity *id;
	struct wgc_index_table *t;
	struct tp_side side;
	struct wgc_peer_proto *got = NULL;
	struct wgc_endpoint src = { .addr.family = AF_INET };

	test_unhex(kpriv_i, si);
	test_unhex(kpriv_r, sr);
	TEST_ASSERT_EQUAL(test_unhex(msg, msg_hex), 148U, "vector");
	wgc_crypto_init();
	wgc_x25519_public(pub_i, kpriv_i);
	id = wgc_identity_create("py_r", kpriv_r, SOCKET_ID_ANY);
	t = wgc_index_table_create("py_ix", 64, SOCKET_ID_ANY, NULL);
	TEST_ASSERT(id != NULL && t != NULL, "create");
	memset(&side, 0, sizeof(side));
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&side.peer, id, t, pub_i, NULL,
		NULL), "peer");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(id, NULL, msg, 148, &src, false,
		1), WGC_MAC_ACCEPT, "Python MAC1 rejected");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(id, msg, 148,
		tp_lookup, &side, 1, &got), "Python initiation rejected");
	TEST_ASSERT(got == &side.peer, "peer");
	TEST_ASSERT_EQUAL(side.peer.handshake.remote_index, 0x11223344U,
		"sender index");
	wgc_tai64n(ts, 1700000000ULL * WGC_NSEC_PER_SEC);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(side.peer.latest_timestamp, ts, 12,
		"TAI64N timestamp");
	wgc_peer_proto_fini(&side.peer);
	wgc_index_table_free(t);
	wgc_identity_free(id);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_python_vector_autotest, fast, test_python_vector);

static int
test_replay_flood(void)
{
	uint8_t init[148], init2[148], resp[92];
	struct wgc_peer_proto *got;
	struct wgc_proto_stats st;
	struct tp_pair p;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 11), "fixture");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "create");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init,
		148, tp_lookup, &p.b, p.now, &got), "consume");
	/* Same message again, even much later: replayed timestamp. */
	tp_advance(&p, WGC_NSEC_PER_SEC);
	TEST_ASSERT_EQUAL(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), -EALREADY, "replay accepted");
	/* A newer initiation 10 ms after the last consumed: flood. */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init2,
		p.now, p.wall), "create 2");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init2,
		148, tp_lookup, &p.b, p.now, &got), "fresh initiation");
	tp_advance(&p, 10 * 1000 * 1000);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall + WGC_NSEC_PER_SEC), "create 3");
	TEST_ASSERT_EQUAL(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), -EBUSY, "flood accepted");
	tp_advance(&p, 11 * 1000 * 1000);
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init,
		148, tp_lookup, &p.b, p.now, &got), "after 21 ms");
	wgc_identity_stats(p.b.id, &st);
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_DROP_REPLAYED_TIMESTAMP], 1ULL, "cnt");
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_DROP_FLOOD], 1ULL, "cnt");
	/* A response with no initiation in flight for it is refused. */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "response");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_response(p.a.id, p.a.t,
		resp, 92, p.now, &got), "consume response");
	TEST_ASSERT(wgc_handshake_consume_response(p.a.id, p.a.t, resp, 92,
		p.now, &got) < 0, "response accepted twice");
	TEST_ASSERT(wgc_handshake_create_response(&p.b.peer, resp, p.now) < 0,
		"second response from one initiation");
	/* Unknown static key. */
	p.b.peer.remote_static[0] ^= 1;
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall + 2 * WGC_NSEC_PER_SEC), "create 4");
	TEST_ASSERT_EQUAL(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now + WGC_NSEC_PER_SEC, &got), -ENOENT,
		"unknown peer accepted");
	p.b.peer.remote_static[0] ^= 1;
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_replay_flood_autotest, fast, test_replay_flood);

/* ---- Mutation: flip, truncate, extend ---- */

struct snap {
	struct wgc_peer_proto peer;
	uint32_t count;
	struct wgc_proto_stats st;
};

static void
take(struct snap *s, struct tp_side *side)
{
	memcpy(&s->peer, &side->peer, sizeof(s->peer));
	s->count = wgc_index_table_count(side->t);
}

static int
same(const struct snap *s, struct tp_side *side, const char *what,
		size_t pos)
{
	TEST_ASSERT(memcmp(&s->peer, &side->peer, sizeof(s->peer)) == 0,
		"%s: byte %zu changed the receiver's peer state", what, pos);
	TEST_ASSERT_EQUAL(s->count, wgc_index_table_count(side->t),
		"%s: byte %zu changed the index table", what, pos);
	return TEST_SUCCESS;
}

/* Receiver pipeline: MAC checks under load (MAC2 required) + consume. */
static int
receive_init(struct tp_pair *p, const uint8_t *m, size_t len)
{
	struct wgc_peer_proto *got;

	if (wgc_cookie_validate(p->b.id, NULL, m, len, &p->a.addr, true,
			p->now) != WGC_MAC_ACCEPT)
		return -1;
	return wgc_handshake_consume_initiation(p->b.id, m, len, tp_lookup,
		&p->b, p->now, &got);
}

static int
receive_resp(struct tp_pair *p, const uint8_t *m, size_t len)
{
	struct wgc_peer_proto *got;

	if (wgc_cookie_validate(p->a.id, NULL, m, len, &p->b.addr, true,
			p->now) != WGC_MAC_ACCEPT)
		return -1;
	return wgc_handshake_consume_response(p->a.id, p->a.t, m, len, p->now,
		&got);
}

static int
receive_cookie(struct tp_pair *p, const uint8_t *m, size_t len)
{
	struct wgc_peer_proto *got;

	return wgc_cookie_consume_reply(p->a.id, p->a.t, m, len, p->now, &got);
}

typedef int (*receive_fn)(struct tp_pair *p, const uint8_t *m, size_t len);

static int
mutate(struct tp_pair *p, struct tp_side *rx, const uint8_t *msg, size_t len,
		receive_fn fn, const char *what, unsigned int *cases)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x5a };
	uint8_t m[256];
	struct snap s;
	size_t pos, l;
	unsigned int f;

	take(&s, rx);
	for (pos = 0; pos < len; pos++) {
		for (f = 0; f < RTE_DIM(flips); f++) {
			memcpy(m, msg, len);
			m[pos] ^= flips[f];
			TEST_ASSERT(fn(p, m, len) != 0,
				"%s: flip 0x%02x at byte %zu accepted", what,
				flips[f], pos);
			TEST_CHECK(same(&s, rx, what, pos));
			(*cases)++;
		}
	}
	for (l = 0; l < len; l++) {
		memcpy(m, msg, l);
		TEST_ASSERT(fn(p, m, l) != 0, "%s: truncated to %zu accepted",
			what, l);
		TEST_CHECK(same(&s, rx, what, l));
		(*cases)++;
	}
	for (l = len + 1; l <= len + 64; l++) {
		memcpy(m, msg, len);
		memset(m + len, (int)l, l - len);
		TEST_ASSERT(fn(p, m, l) != 0, "%s: extended to %zu accepted",
			what, l);
		TEST_CHECK(same(&s, rx, what, l));
		(*cases)++;
	}
	/* The untouched message still works afterwards? Not consumed here:
	 * callers check acceptance separately. */
	return TEST_SUCCESS;
}

static int
test_mutation(void)
{
	uint8_t init[148], resp[92], cookie[64];
	struct wgc_peer_proto *got;
	struct tp_pair p;
	unsigned int cases = 0;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 21), "fixture");

	/*
	 * Under load, B needs MAC2: give A a cookie first (B replies to a
	 * cookie-less initiation), so A's next initiation carries MAC2.
	 */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, NULL, init, 148,
		&p.a.addr, true, p.now), WGC_MAC_SEND_COOKIE, "no MAC2 yet");
	TEST_ASSERT_SUCCESS(wgc_cookie_create_reply(p.b.id, cookie, init, 148,
		&p.a.addr, p.now), "cookie reply");
	/* Cookie reply mutations, received by A. */
	TEST_CHECK(mutate(&p, &p.a, cookie, 64, receive_cookie, "cookie",
		&cases));
	TEST_ASSERT_SUCCESS(wgc_cookie_consume_reply(p.a.id, p.a.t, cookie, 64,
		p.now, &got), "cookie consume");

	tp_advance(&p, WGC_NSEC_PER_SEC);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init with MAC2");
	TEST_CHECK(mutate(&p, &p.b, init, 148, receive_init, "initiation",
		&cases));
	TEST_ASSERT_SUCCESS(receive_init(&p, init, 148), "intact initiation");

	/* Response: A under load too, so B needs a cookie from A. */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "resp");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.a.id, NULL, resp, 92,
		&p.b.addr, true, p.now), WGC_MAC_SEND_COOKIE, "resp no MAC2");
	TEST_ASSERT_SUCCESS(wgc_cookie_create_reply(p.a.id, cookie, resp, 92,
		&p.b.addr, p.now), "cookie reply 2");
	TEST_ASSERT_SUCCESS(wgc_cookie_consume_reply(p.b.id, p.b.t, cookie, 64,
		p.now, &got), "cookie consume 2");
	/* New round so B's response carries MAC2. */
	tp_advance(&p, WGC_NSEC_PER_SEC);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init 3");
	TEST_ASSERT_SUCCESS(receive_init(&p, init, 148), "init 3 received");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "resp with MAC2");
	TEST_CHECK(mutate(&p, &p.a, resp, 92, receive_resp, "response",
		&cases));
	TEST_ASSERT_SUCCESS(receive_resp(&p, resp, 92), "intact response");
	TEST_ASSERT_NOT_NULL(p.a.peer.keypairs.current, "session");
	printf("mutation: %u mutated messages rejected, state unchanged\n",
		cases);
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_mutation_autotest, fast, test_mutation);

/*
 * consume_* alone (no MAC check) rejects every flip in the bytes that the
 * Noise transcript authenticates: all but the sender index and the MACs
 * (which only MAC1 covers).
 */
static int
test_noise_auth_coverage(void)
{
	uint8_t init[148], m[148];
	struct wgc_peer_proto *got;
	struct tp_pair p;
	size_t pos;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 31), "fixture");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init");
	for (pos = 0; pos < 116; pos++) {
		if (pos >= 4 && pos < 8)
			continue;      /* sender index: MAC1 only */
		memcpy(m, init, 148);
		m[pos] ^= 0x20;
		TEST_ASSERT(wgc_handshake_consume_initiation(p.b.id, m, 148,
			tp_lookup, &p.b, p.now, &got) != 0,
			"consume accepted flip at %zu", pos);
	}
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), "intact");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_noise_auth_autotest, fast, test_noise_auth_coverage);

/* Replacing the device key: old sessions stop, new handshakes work. */
static int
test_identity_rekey(void)
{
	uint8_t priv[32], pub[32];
	struct tp_pair p;
	uint64_t s = 5;
	int r;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 41), "fixture");
	TEST_ASSERT_EQUAL(tp_handshake(&p, &p.a, &p.b), 0, "handshake");
	test_rand_bytes(&s, priv, 32);
	TEST_ASSERT_SUCCESS(wgc_identity_set_private_key(p.b.id, priv), "set");
	wgc_peer_proto_set_identity_changed(&p.b.peer);
	wgc_identity_public_key(p.b.id, pub);
	TEST_ASSERT(memcmp(pub, p.b.pub, 32) != 0, "public key unchanged");
	/* A still knows B's old key: its initiation is refused. */
	tp_advance(&p, WGC_NSEC_PER_SEC);
	r = tp_handshake(&p, &p.a, &p.b);
	TEST_ASSERT_EQUAL(r, 2, "old key: step %d", r);
	/* A learns the new key. */
	wgc_peer_proto_fini(&p.a.peer);
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&p.a.peer, p.a.id, p.a.t, pub,
		NULL, NULL), "re-init");
	tp_advance(&p, WGC_NSEC_PER_SEC);
	r = tp_handshake(&p, &p.a, &p.b);
	TEST_ASSERT_EQUAL(r, 0, "new key: step %d", r);
	r = tp_handshake(&p, &p.b, &p.a);
	TEST_ASSERT_EQUAL(r, 0, "new key, reverse: step %d", r);
	/* No private key: everything is dropped. */
	TEST_ASSERT_SUCCESS(wgc_identity_set_private_key(p.b.id, NULL), "clr");
	wgc_peer_proto_set_identity_changed(&p.b.peer);
	tp_advance(&p, WGC_NSEC_PER_SEC);
	r = tp_handshake(&p, &p.a, &p.b);
	TEST_ASSERT_EQUAL(r, 2, "no key: step %d", r);
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_identity_rekey_autotest, fast, test_identity_rekey);

/*
 * Byte-for-byte interop with the independent Python reference: with the
 * random source scripted (ephemeral keys, sender indices), wgc must build
 * exactly the reference's initiation and response, derive the same
 * transport keys and open the reference's first transport packet.
 */
#include "wgc_crypto_private.h"

static uint8_t script[128];
static size_t script_len, script_pos;

static void
script_rng(void *buf, size_t len)
{
	if (script_pos + len > script_len)
		abort();
	memcpy(buf, script + script_pos, len);
	script_pos += len;
}

static void
script_set(const char *hex)
{
	script_len = test_unhex(script, hex);
	script_pos = 0;
	wgc_crypto_test_set_rng(script_rng);
}

static int
test_python_interop(void)
{
	static const char si[] = "e0111111111111111111111111111111"
		"11111111111111111111111111111141";
	static const char sr[] = "e8222222222222222222222222222222"
		"22222222222222222222222222222242";
	static const char ei[] = "f0333333333333333333333333333333"
		"33333333333333333333333333333343";
	static const char er[] = "c8444444444444444444444444444444"
		"44444444444444444444444444444444";
	static const char init_hex[] =
		"010000004433221126640ef5067e60ab2f5feaa9d58f40fa7c48a94bcfe0"
		"36985011e901aa752d7ccd9fc8a7b7b12acfdca0e2b17440cac48c947975"
		"e7052692c1e877834543453561083b8ef30d51f3823bf819076322cc35a2"
		"093cd5b99f3c2c3646b390bd949dfc6c3be5a2160105d7791b3b2a035488"
		"335501df25aba31feb3b382e00000000000000000000000000000000";
	static const char resp_hex[] =
		"020000008877665544332211ef2a821fa2277562703febd38b566a73b149"
		"ce929a5eeb3982ba8e95e0e3d30923285cc87ad149e7cac5c917fe7871bb"
		"2afef033d956a9c7ef8b318cd2a7750b0000000000000000000000000000"
		"0000";
	static const char t_send[] = "0def060f155fad925f067432182d0d64"
		"8c7bbb52399d2a1e2a315dfd295a19f1";
	static const char t_recv[] = "f2d4c151814d89a9db1b083217fb4fc2"
		"76d7ea5d34b138070407091dca638ec9";
	static const char pkt_hex[] = "0400000088776655000000000000000"
		"05dc8c98d2ed21cb6533eb4289dd0eea90cce87e6baa46556e5a98d04de12"
		"d6d2";
	uint8_t kis[32], krs[32], pis[32], prs[32], psk[32], msg[148];
	uint8_t exp_init[148], exp_resp[92], k1[32], k2[32], pkt[64 + 256];
	struct wgc_identity *idi, *idr;
	struct wgc_index_table *ti, *tr;
	struct wgc_peer_proto pi, pr, *got;
	struct wgc_keypair *kp;
	struct wgc_view v;
	uint8_t st;
	bool conf = false;
	char script_hex[200];
	uint64_t wall = 1700000000ULL * WGC_NSEC_PER_SEC;

	test_unhex(kis, si);
	test_unhex(krs, sr);
	test_unhex(exp_init, init_hex);
	test_unhex(exp_resp, resp_hex);
	test_unhex(k1, t_send);
	test_unhex(k2, t_recv);
	memset(psk, 0x77, 32);
	wgc_crypto_init();
	idi = wgc_identity_create("pyi_i", kis, SOCKET_ID_ANY);
	idr = wgc_identity_create("pyi_r", krs, SOCKET_ID_ANY);
	ti = wgc_index_table_create("pyi_ti", 64, SOCKET_ID_ANY, NULL);
	tr = wgc_index_table_create("pyi_tr", 64, SOCKET_ID_ANY, NULL);
	TEST_ASSERT(idi && idr && ti && tr, "create");
	wgc_identity_public_key(idi, pis);
	wgc_identity_public_key(idr, prs);
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&pi, idi, ti, prs, psk, NULL),
		"peer i");
	TEST_ASSERT_SUCCESS(wgc_peer_proto_init(&pr, idr, tr, pis, psk, NULL),
		"peer r");

	/* wgc as initiator: the reference's initiation, byte for byte. */
	snprintf(script_hex, sizeof(script_hex), "%s44332211", ei);
	script_set(script_hex);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&pi, msg, 1, wall),
		"create initiation");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(msg, exp_init, 148,
		"initiation differs from the Python reference");

	/* wgc as initiator consumes the reference's response. */
	TEST_ASSERT_EQUAL(wgc_cookie_validate(idi, NULL, exp_resp, 92,
		&(struct wgc_endpoint){ .addr.family = AF_INET }, false, 1),
		WGC_MAC_ACCEPT, "response MAC1");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_response(idi, ti, exp_resp,
		92, 1, &got), "consume reference response");
	kp = pi.keypairs.current;
	TEST_ASSERT_NOT_NULL(kp, "initiator keypair");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(kp->send_key, k1, 32, "T_send");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(kp->recv_key, k2, 32, "T_recv");
	TEST_ASSERT_EQUAL(kp->remote_index, 0x55667788U, "remote index");

	/* wgc as responder: the reference's response, byte for byte. */
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(idr, exp_init, 148,
		one_peer_lookup, &pr, 1, &got), "consume reference initiation");
	snprintf(script_hex, sizeof(script_hex), "%s88776655", er);
	script_set(script_hex);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&pr, msg, 1),
		"create response");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(msg, exp_resp, 92,
		"response differs from the Python reference");
	wgc_crypto_test_set_rng(NULL);
	kp = pr.keypairs.next;
	TEST_ASSERT_NOT_NULL(kp, "responder keypair");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(kp->send_key, k2, 32, "R send");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(kp->recv_key, k1, 32, "R recv");

	/* The reference's first transport packet opens and confirms. */
	memset(pkt, 0, sizeof(pkt));
	memset(&v, 0, sizeof(v));
	v.data = pkt + 64;
	v.len = (uint32_t)test_unhex(v.data, pkt_hex);
	v.headroom = 64;
	v.tailroom = (uint16_t)(sizeof(pkt) - 64 - v.len);
	TEST_ASSERT_EQUAL(v.len, 48U, "packet length");
	kp = wgc_index_lookup_keypair(tr, wgc_msg_receiver_index(v.data, 4));
	TEST_ASSERT_NOT_NULL(kp, "lookup");
	{
		struct wgc_aead_engine *e = wgc_aead_engine_create(
			WGC_AEAD_ENGINE_AUTO, SOCKET_ID_ANY);

		TEST_ASSERT_NOT_NULL(e, "engine");
		TEST_ASSERT_EQUAL(wgc_transport_decap_burst(e, &v, &kp, 1, 1,
			&st, NULL, &conf), 1, "decap reference packet (%u)",
			st);
		wgc_aead_engine_free(e);
	}
	TEST_ASSERT(conf && pr.keypairs.current == kp, "confirmation");
	TEST_ASSERT(v.len == 16 && v.data[0] == 0x45 && v.data[3] == 4,
		"payload");
	/* (Total length 4 < an IPv4 header: not a packet to forward.) */
	TEST_ASSERT_EQUAL(wgc_transport_inner_len(v.data, v.len), -1, "trim");

	wgc_peer_proto_fini(&pi);
	wgc_peer_proto_fini(&pr);
	wgc_index_table_free(ti);
	wgc_index_table_free(tr);
	wgc_identity_free(idi);
	wgc_identity_free(idr);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_python_interop_autotest, fast, test_python_interop);

/* Debug key log: the logged ephemeral is the message's. */
struct kl_ctx {
	uint8_t e[4][32];
	unsigned int ne;
	unsigned int npsk;
};

static void
kl_cb(void *ctx, const char *label, const uint8_t key[32])
{
	struct kl_ctx *k = ctx;

	if (strcmp(label, "LOCAL_EPHEMERAL_PRIVATE_KEY") == 0 && k->ne < 4)
		memcpy(k->e[k->ne++], key, 32);
	else if (strcmp(label, "PRESHARED_KEY") == 0)
		k->npsk++;
}

static int
test_keylog(void)
{
	uint8_t init[148], resp[92], pub[32], psk[32], zero[32] = { 0 };
	struct kl_ctx ka, kb;
	struct wgc_peer_proto *got;
	struct tp_pair p;
	char line[100];

	memset(psk, 0x42, 32);
	memset(&ka, 0, sizeof(ka));
	memset(&kb, 0, sizeof(kb));
	TEST_ASSERT_SUCCESS(tp_pair_init(&p, psk, 101), "fixture");
	wgc_identity_set_keylog(p.a.id, kl_cb, &ka);
	wgc_identity_set_keylog(p.b.id, kl_cb, &kb);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), "consume");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "resp");
	TEST_ASSERT(ka.ne == 1 && kb.ne == 1, "ephemerals logged");
	TEST_ASSERT(ka.npsk == 1 && kb.npsk == 1, "PSK logged");
	wgc_x25519_public(pub, ka.e[0]);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(pub, init + 8, 32, "initiator e");
	wgc_x25519_public(pub, kb.e[0]);
	TEST_ASSERT_BUFFERS_ARE_EQUAL(pub, resp + 12, 32, "responder e");
	TEST_ASSERT_NOT_NULL(wgc_keylog_format(line, sizeof(line),
		"PRESHARED_KEY", zero), "format");
	TEST_ASSERT(strcmp(line, "PRESHARED_KEY = "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n") == 0,
		"line: %s", line);
	TEST_ASSERT_NULL(wgc_keylog_format(line, 40, "PRESHARED_KEY", zero),
		"short buffer");
	wgc_identity_set_keylog(p.a.id, NULL, NULL);
	tp_advance(&p, WGC_NSEC_PER_SEC);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init 2");
	TEST_ASSERT_EQUAL(ka.ne, 1U, "logged after removal");
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_keylog_autotest, fast, test_keylog);

/*
 * Independent dissector: Wireshark's tshark, given the debug key log,
 * decrypts wgc's initiation (static key, TAI64N), response and a transport
 * packet (inner ICMP echo). Skipped if tshark is not installed.
 */
#include <sys/stat.h>
#include <unistd.h>

static FILE *ts_keylog;

static void
ts_keylog_cb(void *ctx, const char *label, const uint8_t key[32])
{
	char line[100];

	RTE_SET_USED(ctx);
	if (wgc_keylog_format(line, sizeof(line), label, key) != NULL)
		fputs(line, ts_keylog);
}

static void
ts_pcap_udp(FILE *f, unsigned int i, uint8_t src, uint8_t dst,
		const uint8_t *p, uint16_t len)
{
	uint8_t h[14 + 20 + 8];
	uint32_t rec[4] = { 1700000000 + i, 0, sizeof(h) + len,
		sizeof(h) + len };
	uint16_t ipl = (uint16_t)(20 + 8 + len), udpl = (uint16_t)(8 + len);

	memset(h, 0, sizeof(h));
	h[12] = 0x08;
	h[14] = 0x45;
	h[16] = (uint8_t)(ipl >> 8);
	h[17] = (uint8_t)ipl;
	h[22] = 64;
	h[23] = 17;
	h[26] = 192; h[28] = 2; h[29] = src;
	h[30] = 192; h[32] = 2; h[33] = dst;
	h[34] = 0xca; h[35] = 0x6c; h[36] = 0xca; h[37] = 0x6c; /* 51820 */
	h[38] = (uint8_t)(udpl >> 8);
	h[39] = (uint8_t)udpl;
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(h, sizeof(h), 1, f);
	fwrite(p, len, 1, f);
}

static int
test_tshark(void)
{
	static const uint32_t pcap_hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0,
		65535, 1 };
	static const uint8_t icmp[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1,
		0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0xf7, 0xfe, 0, 1, 0, 0 };
	uint8_t init[148], resp[92], buf[512], psk[32];
	char dir[] = "/tmp/wgc_tshark_XXXXXX", path[128], cmd[512], out[256];
	struct wgc_peer_proto *got;
	struct wgc_keypair *kp;
	struct wgc_view v;
	struct tp_pair p;
	unsigned int seen = 0;
	uint8_t st;
	FILE *f;

	if (system("command -v tshark > /dev/null 2>&1") != 0)
		return TEST_SKIPPED;
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "mkdtemp");
	memset(psk, 0x5a, 32);
	TEST_ASSERT_SUCCESS(tp_pair_init(&p, psk, 111), "fixture");
	snprintf(path, sizeof(path), "%s/keylog", dir);
	ts_keylog = fopen(path, "w");
	TEST_ASSERT_NOT_NULL(ts_keylog, "keylog");
	wgc_x25519_clamp(p.a.priv);
	wgc_x25519_clamp(p.b.priv);
	ts_keylog_cb(NULL, "LOCAL_STATIC_PRIVATE_KEY", p.a.priv);
	ts_keylog_cb(NULL, "LOCAL_STATIC_PRIVATE_KEY", p.b.priv);
	wgc_identity_set_keylog(p.a.id, ts_keylog_cb, NULL);
	wgc_identity_set_keylog(p.b.id, ts_keylog_cb, NULL);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), "consume");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "resp");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_response(p.a.id, p.a.t, resp,
		92, p.now, &got), "consume resp");
	fclose(ts_keylog);
	memset(&v, 0, sizeof(v));
	memset(buf, 0, sizeof(buf));
	v.data = buf + 64;
	v.headroom = 64;
	v.tailroom = 300;
	memcpy(v.data, icmp, sizeof(icmp));
	v.len = sizeof(icmp);
	kp = wgc_keypair_current(&p.a.peer, p.now);
	TEST_ASSERT_EQUAL(wgc_transport_encap_burst(p.eng, &v, &kp, 1, 1420,
		p.now, &st), 1, "encap");

	snprintf(path, sizeof(path), "%s/wg.pcap", dir);
	f = fopen(path, "wb");
	TEST_ASSERT_NOT_NULL(f, "pcap");
	fwrite(pcap_hdr, sizeof(pcap_hdr), 1, f);
	ts_pcap_udp(f, 0, 1, 2, init, sizeof(init));
	ts_pcap_udp(f, 1, 2, 1, resp, sizeof(resp));
	ts_pcap_udp(f, 2, 1, 2, v.data, (uint16_t)v.len);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "tshark -r %s/wg.pcap -o "
		"wg.keylog_file:%s/keylog -o wg.dissect_packet:TRUE -V 2>&1",
		dir, dir);
	f = popen(cmd, "r");
	TEST_ASSERT_NOT_NULL(f, "popen");
	while (fgets(out, sizeof(out), f) != NULL) {
		if (strstr(out, "Static Public Key:") != NULL)
			seen |= 1;
		if (strstr(out, "Timestamp: Nov 14, 2023") != NULL)
			seen |= 2;
		if (strstr(out, "Handshake Response") != NULL)
			seen |= 4;
		if (strstr(out, "Echo (ping) request") != NULL)
			seen |= 8;
	}
	pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	TEST_ASSERT_SUCCESS(system(cmd), "cleanup");
	tp_pair_fini(&p);
	TEST_ASSERT_EQUAL(seen, 15U, "tshark saw %x (1 static, 2 timestamp, "
		"4 response, 8 decrypted ICMP)", seen);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_tshark_autotest, fast, test_tshark);
