/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Cookies under load end to end, cookie secret rotation, cookie expiry on
 * the sender, and the per-source rate limiter.
 */

#include "test_proto_fixture.h"

static int
test_under_load(void)
{
	uint8_t init[148], resp[92], cookie[64];
	struct wgc_peer_proto *got = NULL;
	struct wgc_proto_stats st;
	struct wgc_ratelimiter *rl;
	struct tp_pair p;

	TEST_ASSERT_SUCCESS(tp_pair_init(&p, NULL, 51), "fixture");
	rl = wgc_ratelimiter_create("tp_rl", 64, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(rl, "ratelimiter");

	/* 1. Initiation without MAC2 under load: cookie reply. */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init");
	TEST_ASSERT(wgc_ct_is_zero(init + 132, 16), "MAC2 without cookie");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148, &p.a.addr,
		true, p.now), WGC_MAC_SEND_COOKIE, "verdict");
	TEST_ASSERT_SUCCESS(wgc_cookie_create_reply(p.b.id, cookie, init, 148,
		&p.a.addr, p.now), "create reply");
	TEST_ASSERT_EQUAL(wgc_msg_classify(cookie, 64), WGC_MSG_COOKIE_REPLY,
		"cookie type");
	TEST_ASSERT_BUFFERS_ARE_EQUAL(cookie + 4, init + 4, 4,
		"receiver index = initiation's sender index");

	/* 2. A consumes it; it is single-use per MAC1 sent. */
	TEST_ASSERT_SUCCESS(wgc_cookie_consume_reply(p.a.id, p.a.t, cookie, 64,
		p.now, &got), "consume reply");
	TEST_ASSERT(got == &p.a.peer, "peer");
	TEST_ASSERT(wgc_cookie_consume_reply(p.a.id, p.a.t, cookie, 64,
		p.now, &got) < 0, "cookie reply accepted twice");

	/* 3. Retried initiation carries MAC2 and passes under load. */
	tp_advance(&p, WGC_REKEY_TIMEOUT);
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init 2");
	TEST_ASSERT(!wgc_ct_is_zero(init + 132, 16), "no MAC2");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148, &p.a.addr,
		true, p.now), WGC_MAC_ACCEPT, "MAC2 refused");
	/* The rate limiter applies to valid MAC2s: burst of 5 per source. */
	{
		unsigned int i;

		for (i = 0; i < 4; i++)
			TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init,
				148, &p.a.addr, true, p.now), WGC_MAC_ACCEPT,
				"burst %u", i);
		TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148,
			&p.a.addr, true, p.now), WGC_MAC_DROP_RATELIMITED,
			"6th not rate limited");
		TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148,
			&p.a.addr, false, p.now), WGC_MAC_ACCEPT,
			"rate limited when not under load");
	}
	/* From another source address/port, the same MAC2 is wrong. */
	p.a.addr.port++;
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148, &p.a.addr,
		true, p.now), WGC_MAC_SEND_COOKIE, "MAC2 from other port");
	p.a.addr.port--;

	/* 4. Handshake completes. */
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_initiation(p.b.id, init, 148,
		tp_lookup, &p.b, p.now, &got), "consume");
	TEST_ASSERT_SUCCESS(wgc_handshake_create_response(&p.b.peer, resp,
		p.now), "response");
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.a.id, rl, resp, 92, &p.b.addr,
		false, p.now), WGC_MAC_ACCEPT, "resp MAC1");
	TEST_ASSERT_SUCCESS(wgc_handshake_consume_response(p.a.id, p.a.t, resp,
		92, p.now, &got), "consume response");
	TEST_ASSERT_SUCCESS(tp_send(&p, &p.a, &p.b, init, 64, 1420, NULL),
		"data");

	/* 5. The cookie secret rotates after 120 s: old MAC2 is refused. */
	tp_advance(&p, WGC_COOKIE_SECRET_MAX_AGE);
	TEST_ASSERT_EQUAL(wgc_cookie_validate(p.b.id, rl, init, 148, &p.a.addr,
		true, p.now), WGC_MAC_SEND_COOKIE, "MAC2 after rotation");

	/* 6. A stops using a cookie older than 120 - 5 s. */
	TEST_ASSERT_SUCCESS(wgc_handshake_create_initiation(&p.a.peer, init,
		p.now, p.wall), "init 3");
	TEST_ASSERT(wgc_ct_is_zero(init + 132, 16), "stale cookie used");

	wgc_identity_stats(p.b.id, &st);
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_COOKIE_SENT], 1ULL, "cookie sent");
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_DROP_BAD_MAC2], 3ULL, "bad mac2");
	wgc_identity_stats(p.a.id, &st);
	TEST_ASSERT_EQUAL(st.c[WGC_CNT_COOKIE_CONSUMED], 1ULL, "consumed");
	printf("counters of A:");
	{
		unsigned int c;

		for (c = 0; c < WGC_CNT_MAX; c++)
			if (st.c[c])
				printf(" %s=%" PRIu64, wgc_proto_counter_name(
					(enum wgc_proto_counter)c), st.c[c]);
	}
	printf("\n");
	wgc_ratelimiter_free(rl);
	tp_pair_fini(&p);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_cookie_under_load_autotest, fast, test_under_load);

static int
test_ratelimiter(void)
{
	struct wgc_ratelimiter *rl;
	struct wgc_endpoint a, b;
	uint64_t now = 5 * WGC_NSEC_PER_SEC;
	unsigned int i, ok;

	rl = wgc_ratelimiter_create("tp_rl2", 16, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(rl, "create");
	memset(&a, 0, sizeof(a));
	a.addr.family = AF_INET;
	a.addr.bytes[0] = 10;
	a.addr.bytes[3] = 1;
	a.port = 1;

	/* Burst of 5, then nothing... */
	for (i = 0; i < 5; i++)
		TEST_ASSERT(wgc_ratelimiter_allow(rl, &a, now), "burst %u", i);
	TEST_ASSERT(!wgc_ratelimiter_allow(rl, &a, now), "6th allowed");
	/* ...port does not matter... */
	a.port = 2;
	TEST_ASSERT(!wgc_ratelimiter_allow(rl, &a, now), "other port");
	/* ...until 1/20 s has passed. */
	TEST_ASSERT(!wgc_ratelimiter_allow(rl, &a, now + 49999999), "49.9ms");
	TEST_ASSERT(wgc_ratelimiter_allow(rl, &a, now + 50000000 + 49999999),
		"one token after 50 ms");
	/* Sustained: 20 per second over 10 s. */
	now += WGC_NSEC_PER_SEC;
	ok = 0;
	for (i = 0; i < 10000; i++)
		ok += wgc_ratelimiter_allow(rl, &a,
			now + (uint64_t)i * WGC_NSEC_PER_SEC / 1000);
	TEST_ASSERT(ok >= 199 && ok <= 206, "10 s at 1000/s allowed %u", ok);

	/* IPv6: the same /64 shares a bucket, another /64 does not. */
	memset(&b, 0, sizeof(b));
	b.addr.family = AF_INET6;
	b.addr.bytes[0] = 0x20;
	b.addr.bytes[1] = 0x01;
	now += 20 * WGC_NSEC_PER_SEC;
	for (i = 0; i < 5; i++) {
		b.addr.bytes[15] = (uint8_t)i;   /* host part varies */
		TEST_ASSERT(wgc_ratelimiter_allow(rl, &b, now), "v6 %u", i);
	}
	b.addr.bytes[15] = 99;
	TEST_ASSERT(!wgc_ratelimiter_allow(rl, &b, now), "same /64 allowed");
	b.addr.bytes[7] = 1;
	TEST_ASSERT(wgc_ratelimiter_allow(rl, &b, now), "other /64 refused");

	/* Bounded memory: 16 entries; the 17th source is refused... */
	now += 20 * WGC_NSEC_PER_SEC;
	for (i = 0; i < 16; i++) {
		a.addr.bytes[3] = (uint8_t)(100 + i);
		TEST_ASSERT(wgc_ratelimiter_allow(rl, &a, now + i), "src %u", i);
	}
	TEST_ASSERT_EQUAL(wgc_ratelimiter_count(rl), 16U, "count");
	a.addr.bytes[3] = 200;
	TEST_ASSERT(!wgc_ratelimiter_allow(rl, &a, now + 20), "17th source");
	/* ...until the idle ones are collected (> 1 s). */
	TEST_ASSERT(wgc_ratelimiter_allow(rl, &a, now + 2 * WGC_NSEC_PER_SEC),
		"after GC");
	TEST_ASSERT_EQUAL(wgc_ratelimiter_count(rl), 1U, "count after GC");
	wgc_ratelimiter_free(rl);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_ratelimiter_autotest, fast, test_ratelimiter);
