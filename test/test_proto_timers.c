/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Timer rules on a fake clock: each fires when it must and not a
 * nanosecond before; the wheel hands peers back exactly when due and
 * holds nothing for idle peers.
 */

#include "test_proto_fixture.h"

#define S WGC_NSEC_PER_SEC
#define JMAX WGC_REKEY_TIMEOUT_JITTER_MAX

/* Timers only: no identity or table needed. */
static void
peer_init(struct wgc_peer_proto *p)
{
	memset(p, 0, sizeof(*p));
}

/* Poll at t; return the action mask. */
static uint32_t
poll_at(struct wgc_peer_proto *p, uint64_t t)
{
	uint64_t next;

	return wgc_timers_poll(p, t, &next);
}

static int
test_retransmit(void)
{
	struct wgc_peer_proto p;
	uint64_t t0 = 100 * S, t, d;
	unsigned int fires = 0;
	uint32_t a;

	peer_init(&p);
	TEST_ASSERT(wgc_timers_initiation_allowed(&p, false, t0), "first");
	TEST_ASSERT(wgc_timers_handshake_initiated(&p, t0), "needs schedule");
	TEST_ASSERT(!wgc_timers_initiation_allowed(&p, false, t0 + 5 * S - 1),
		"second initiation within REKEY_TIMEOUT");
	TEST_ASSERT(wgc_timers_initiation_allowed(&p, false, t0 + 5 * S),
		"after REKEY_TIMEOUT");
	d = wgc_timers_next_deadline(&p);
	TEST_ASSERT(d >= t0 + 5 * S && d < t0 + 5 * S + JMAX,
		"retransmit deadline %" PRIu64, d - t0);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 5 * S - 1), 0U, "early fire");
	TEST_ASSERT_EQUAL(poll_at(&p, d - 1), 0U, "fire before deadline");

	/* Retry every 5 s (+ jitter) until REKEY_ATTEMPT_TIME, then give up. */
	t = d;
	for (;;) {
		a = poll_at(&p, t);
		if (a & WGC_TIMER_GIVE_UP)
			break;
		TEST_ASSERT_EQUAL(a, (uint32_t)(WGC_TIMER_SEND_INITIATION |
			WGC_TIMER_RETRY), "retry %u: action %x", fires, a);
		fires++;
		TEST_ASSERT(wgc_timers_initiation_allowed(&p, true, t),
			"retry not allowed");
		wgc_timers_handshake_initiated(&p, t);
		d = wgc_timers_next_deadline(&p);
		TEST_ASSERT(d >= t + 5 * S && d < t + 5 * S + JMAX, "next");
		TEST_ASSERT_EQUAL(poll_at(&p, d - 1), 0U, "early retry");
		t = d;
		TEST_ASSERT(fires < 100, "never gives up");
	}
	TEST_ASSERT_EQUAL(fires, (unsigned int)WGC_MAX_TIMER_HANDSHAKES + 1,
		"gave up after %u retries", fires);
	TEST_ASSERT(t - t0 >= WGC_REKEY_ATTEMPT_TIME, "gave up too early: "
		"%" PRIu64 " s", (uint64_t)((t - t0) / S));
	TEST_ASSERT(t - t0 <= (WGC_MAX_TIMER_HANDSHAKES + 2) *
		(WGC_REKEY_TIMEOUT + JMAX), "gave up too late");
	/* Giving up arms key zeroing 3 x REJECT_AFTER_TIME later. */
	TEST_ASSERT_EQUAL(p.timers.zero_key_material,
		t + 3 * WGC_REJECT_AFTER_TIME, "zero keys armed");
	TEST_ASSERT_EQUAL(poll_at(&p, t + 540 * S - 1), 0U, "early zero");
	TEST_ASSERT_EQUAL(poll_at(&p, t + 540 * S), (uint32_t)WGC_TIMER_ZERO_KEYS,
		"zero keys");
	TEST_ASSERT_EQUAL(wgc_timers_next_deadline(&p), 0ULL, "idle");

	/* A completed handshake stops the retries. */
	peer_init(&p);
	wgc_timers_handshake_initiated(&p, t0);
	wgc_timers_handshake_complete(&p, t0 + S);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 10 * S), 0U, "retry after complete");
	TEST_ASSERT_EQUAL(p.timers.handshake_attempts, 0U, "attempts");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_retransmit_autotest, fast, test_retransmit);

static int
test_keepalive(void)
{
	struct wgc_peer_proto p;
	uint64_t t0 = 50 * S;

	/* Data received, nothing sent back: keepalive after 10 s. */
	peer_init(&p);
	TEST_ASSERT(wgc_timers_data_received(&p, t0), "schedule");
	TEST_ASSERT(!wgc_timers_data_received(&p, t0 + S), "re-arm");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 10 * S - 1), 0U, "early");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 10 * S),
		(uint32_t)WGC_TIMER_SEND_KEEPALIVE, "keepalive");
	/* Data arrived while armed: another keepalive 10 s later. */
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 20 * S - 1), 0U, "early 2");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 20 * S),
		(uint32_t)WGC_TIMER_SEND_KEEPALIVE, "another keepalive");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 100 * S), 0U, "no third");

	/* Sending anything authenticated cancels it. */
	peer_init(&p);
	wgc_timers_data_received(&p, t0);
	wgc_timers_any_authenticated_packet_sent(&p, t0 + 3 * S);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 30 * S), 0U, "keepalive after send");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_keepalive_autotest, fast, test_keepalive);

static int
test_new_handshake(void)
{
	struct wgc_peer_proto p;
	uint64_t t0 = 70 * S, d;

	/* Data sent, nothing received for KEEPALIVE + REKEY_TIMEOUT. */
	peer_init(&p);
	TEST_ASSERT(wgc_timers_data_sent(&p, t0), "schedule");
	TEST_ASSERT(!wgc_timers_data_sent(&p, t0 + 2 * S), "stays armed");
	d = wgc_timers_next_deadline(&p);
	TEST_ASSERT(d >= t0 + 15 * S && d < t0 + 15 * S + JMAX, "deadline");
	TEST_ASSERT_EQUAL(poll_at(&p, d - 1), 0U, "early");
	TEST_ASSERT_EQUAL(poll_at(&p, d), (uint32_t)WGC_TIMER_SEND_INITIATION,
		"new handshake (not a retry)");

	/* Anything authenticated received in time cancels it. */
	peer_init(&p);
	wgc_timers_data_sent(&p, t0);
	wgc_timers_any_authenticated_packet_received(&p, t0 + 14 * S);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 60 * S), 0U, "cancelled");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_new_handshake_autotest, fast,
	test_new_handshake);

static int
test_zero_and_persistent(void)
{
	struct wgc_peer_proto p;
	uint64_t t0 = 10 * S;

	/* Keys zeroed 3 x REJECT_AFTER_TIME after the last session. */
	peer_init(&p);
	wgc_timers_session_derived(&p, t0);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 540 * S - 1), 0U, "early");
	wgc_timers_session_derived(&p, t0 + 100 * S); /* new session */
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 540 * S), 0U, "not re-armed");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 640 * S),
		(uint32_t)WGC_TIMER_ZERO_KEYS, "zero keys");

	/* Persistent keepalive: at once when set, then every interval
	 * after the last authenticated packet. */
	peer_init(&p);
	TEST_ASSERT(wgc_timers_persistent_keepalive_changed(&p, 25, t0),
		"schedule");
	TEST_ASSERT_EQUAL(poll_at(&p, t0), (uint32_t)WGC_TIMER_SEND_KEEPALIVE,
		"immediate");
	wgc_timers_any_authenticated_packet_traversal(&p, t0 + S);
	wgc_timers_any_authenticated_packet_traversal(&p, t0 + 3 * S);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 28 * S - 1), 0U, "early");
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 28 * S),
		(uint32_t)WGC_TIMER_SEND_KEEPALIVE, "persistent");
	wgc_timers_persistent_keepalive_changed(&p, 0, t0 + 29 * S);
	wgc_timers_any_authenticated_packet_traversal(&p, t0 + 30 * S);
	TEST_ASSERT_EQUAL(poll_at(&p, t0 + 300 * S), 0U, "turned off");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_zero_persistent_autotest, fast,
	test_zero_and_persistent);

/* Rekey decisions made on the data path. */
static int
test_rekey_rules(void)
{
	struct wgc_peer_proto p;
	struct wgc_keypair kp;
	uint64_t t0 = 1000 * S;

	peer_init(&p);
	memset(&kp, 0, sizeof(kp));
	kp.entry.peer = &p;
	kp.initiator = true;
	kp.birthdate = t0;
	p.keypairs.current = &kp;
	TEST_ASSERT(!wgc_keypair_should_rekey_on_send(&kp, t0 + 120 * S),
		"REKEY_AFTER_TIME exact");
	TEST_ASSERT(wgc_keypair_should_rekey_on_send(&kp, t0 + 120 * S + 1),
		"after REKEY_AFTER_TIME");
	kp.send_counter = WGC_REKEY_AFTER_MESSAGES + 1;
	TEST_ASSERT(wgc_keypair_should_rekey_on_send(&kp, t0),
		"REKEY_AFTER_MESSAGES");
	kp.send_counter = 0;
	kp.initiator = false;
	TEST_ASSERT(!wgc_keypair_should_rekey_on_send(&kp, t0 + 170 * S),
		"responder rekeys");
	kp.initiator = true;
	TEST_ASSERT(!wgc_keypair_should_rekey_on_receive(&kp, t0 + 165 * S),
		"receive rekey early");
	TEST_ASSERT(wgc_keypair_should_rekey_on_receive(&kp, t0 + 165 * S + 1),
		"receive rekey at REJECT - KEEPALIVE - REKEY_TIMEOUT");
	TEST_ASSERT(!wgc_keypair_should_rekey_on_receive(&kp, t0 + 166 * S),
		"only once");
	wgc_timers_handshake_complete(&p, t0 + 167 * S);
	TEST_ASSERT(wgc_keypair_should_rekey_on_receive(&kp, t0 + 168 * S),
		"again after a new handshake");
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_rekey_autotest, fast, test_rekey_rules);

#define NPEERS 100000

/* The wheel: due peers come back exactly when due; idle ones cost 0. */
static int
test_wheel(void)
{
	struct wgc_peer_proto *peers, *out[256];
	struct wgc_timer_wheel *w;
	uint64_t t0 = 12345 * S, now, s = 77;
	unsigned int i, n, got = 0, k;
	uint64_t *due;

	peers = calloc(NPEERS, sizeof(*peers));
	due = calloc(NPEERS, sizeof(*due));
	TEST_ASSERT(peers != NULL && due != NULL, "calloc");
	w = wgc_timer_wheel_create("tp_wheel", SOCKET_ID_ANY, t0);
	TEST_ASSERT_NOT_NULL(w, "wheel");

	/* 100k idle peers: nothing is queued, expiry finds nothing. */
	for (i = 0; i < NPEERS; i++)
		TEST_ASSERT_EQUAL(wgc_timers_next_deadline(&peers[i]), 0ULL,
			"idle peer armed");
	TEST_ASSERT_EQUAL(wgc_timer_wheel_expire(w, t0 + 3600 * S, out, 256),
		0U, "idle expiry");
	TEST_ASSERT_EQUAL(wgc_timer_wheel_count(w), 0U, "count");
	/* (That wheel is now an hour ahead: time only moves forward.) */
	wgc_timer_wheel_free(w);
	w = wgc_timer_wheel_create("tp_wheel", SOCKET_ID_ANY, t0);
	TEST_ASSERT_NOT_NULL(w, "wheel 2");

	/* Give 1000 of them deadlines 0..200 s ahead (some > 1 turn). */
	for (i = 0; i < 1000; i++) {
		due[i] = t0 + test_rand(&s) % (200 * S);
		wgc_timer_wheel_schedule(w, &peers[i], due[i]);
	}
	/* Requeue one earlier, one later, remove one. */
	due[0] = t0 + 3 * S;
	wgc_timer_wheel_schedule(w, &peers[0], due[0]);
	due[1] = t0 + 250 * S;
	wgc_timer_wheel_schedule(w, &peers[1], due[1]);
	wgc_timer_wheel_schedule(w, &peers[2], 0);
	due[2] = 0;
	TEST_ASSERT_EQUAL(wgc_timer_wheel_count(w), 999U, "count");

	for (now = t0; now <= t0 + 260 * S; now += 7 * 1000 * 1000) {
		do {
			n = wgc_timer_wheel_expire(w, now, out, 256);
			for (k = 0; k < n; k++) {
				i = (unsigned int)(out[k] - peers);
				TEST_ASSERT(i < 1000 && due[i] != 0,
					"unexpected peer %u", i);
				TEST_ASSERT(due[i] <= now, "peer %u early by %"
					PRIu64 " ns", i, due[i] - now);
				TEST_ASSERT(now - due[i] < 7 * 1000 * 1000,
					"peer %u late by %" PRIu64 " ns", i,
					now - due[i]);
				due[i] = 0;
				got++;
			}
		} while (n == 256);
	}
	TEST_ASSERT_EQUAL(got, 999U, "returned %u peers", got);
	TEST_ASSERT_EQUAL(wgc_timer_wheel_count(w), 0U, "wheel not empty");

	/* Hooks + poll + wheel together: a keepalive comes back at +10 s. */
	now = t0 + 1000 * S;
	TEST_ASSERT(wgc_timers_data_received(&peers[5], now), "kick");
	wgc_timer_wheel_schedule(w, &peers[5],
		wgc_timers_next_deadline(&peers[5]));
	TEST_ASSERT(!wgc_timers_data_received(&peers[5], now + S), "no kick");
	TEST_ASSERT_EQUAL(wgc_timer_wheel_expire(w, now + 10 * S - 1, out,
		256), 0U, "early");
	TEST_ASSERT_EQUAL(wgc_timer_wheel_expire(w, now + 10 * S, out, 256),
		1U, "due");
	TEST_ASSERT_EQUAL(wgc_timers_poll(out[0], now + 10 * S, &due[5]),
		(uint32_t)WGC_TIMER_SEND_KEEPALIVE, "action");
	/* need_another_keepalive re-armed it for 10 s later. */
	TEST_ASSERT_EQUAL(due[5], now + 20 * S, "next deadline");

	wgc_timer_wheel_free(w);
	free(peers);
	free(due);
	return TEST_SUCCESS;
}
WGC_TEST_REGISTER(proto_timers_wheel_autotest, fast, test_wheel);
