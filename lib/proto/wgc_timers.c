/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Timers as a state machine on an injectable clock (the rules of the
 * Linux module's timers.c), with lazily computed deadlines.
 *
 * Each of the five timers is a deadline stored in the peer (0 = not
 * armed). Event hooks only store deadlines; wgc_timers_poll() fires the
 * ones that have passed and returns the earliest one left. A hook returns
 * true only when it armed a deadline earlier than the one the peer is
 * scheduled for, so steady traffic (which only pushes deadlines later or
 * finds them armed) never touches the scheduling structure.
 *
 * The scheduling structure is a hashed timer wheel: 4096 slots of 2^24 ns
 * (about 16.8 ms, one revolution about 68.7 s), each an intrusive list of
 * peers. A peer is queued only while it has an armed deadline; a peer whose
 * keys were zeroed (3 x REJECT_AFTER_TIME after its last handshake) and
 * that has no traffic has none, so a million idle peers cost nothing. A
 * peer scheduled more than one revolution ahead is looked at once per
 * revolution and left in place.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "wgc_proto_private.h"

#define WHEEL_SHIFT 24
#define WHEEL_SLOTS 4096
#define WHEEL_MASK (WHEEL_SLOTS - 1)

static inline uint64_t
jitter(void)
{
	return wgc_random_uniform((uint32_t)WGC_REKEY_TIMEOUT_JITTER_MAX);
}

static inline uint64_t
load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void
store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Arm a deadline (mod_timer); deadline 0 is bumped to 1. */
static bool
arm(struct wgc_peer_proto *peer, uint64_t *t, uint64_t deadline)
{
	uint64_t sched;

	if (deadline == 0)
		deadline = 1;
	store(t, deadline);
	sched = load(&peer->timers.scheduled);
	return sched == 0 || deadline < sched;
}

static inline void
disarm(uint64_t *t)
{
	store(t, 0);
}

bool
wgc_timers_data_sent(struct wgc_peer_proto *peer, uint64_t now)
{
	if (load(&peer->timers.new_handshake) != 0)
		return false;
	return arm(peer, &peer->timers.new_handshake, now +
		WGC_KEEPALIVE_TIMEOUT + WGC_REKEY_TIMEOUT + jitter());
}

bool
wgc_timers_data_received(struct wgc_peer_proto *peer, uint64_t now)
{
	if (load(&peer->timers.send_keepalive) != 0) {
		peer->timers.need_another_keepalive = true;
		return false;
	}
	return arm(peer, &peer->timers.send_keepalive,
		now + WGC_KEEPALIVE_TIMEOUT);
}

bool
wgc_timers_any_authenticated_packet_sent(struct wgc_peer_proto *peer,
		uint64_t now)
{
	RTE_SET_USED(now);
	disarm(&peer->timers.send_keepalive);
	return false;
}

bool
wgc_timers_any_authenticated_packet_received(struct wgc_peer_proto *peer,
		uint64_t now)
{
	RTE_SET_USED(now);
	disarm(&peer->timers.new_handshake);
	return false;
}

bool
wgc_timers_any_authenticated_packet_traversal(struct wgc_peer_proto *peer,
		uint64_t now)
{
	uint16_t iv = peer->timers.persistent_keepalive_interval;

	if (iv == 0)
		return false;
	return arm(peer, &peer->timers.persistent_keepalive,
		now + (uint64_t)iv * WGC_NSEC_PER_SEC);
}

bool
wgc_timers_handshake_initiated(struct wgc_peer_proto *peer, uint64_t now)
{
	store(&peer->timers.last_sent_handshake, now != 0 ? now : 1);
	return arm(peer, &peer->timers.retransmit_handshake,
		now + WGC_REKEY_TIMEOUT + jitter());
}

bool
wgc_timers_handshake_complete(struct wgc_peer_proto *peer, uint64_t now)
{
	disarm(&peer->timers.retransmit_handshake);
	peer->timers.handshake_attempts = 0;
	peer->timers.sent_lastminute_handshake = false;
	store(&peer->timers.last_handshake, now != 0 ? now : 1);
	return false;
}

bool
wgc_timers_session_derived(struct wgc_peer_proto *peer, uint64_t now)
{
	return arm(peer, &peer->timers.zero_key_material,
		now + 3 * WGC_REJECT_AFTER_TIME);
}

bool
wgc_timers_persistent_keepalive_changed(struct wgc_peer_proto *peer,
		uint16_t interval, uint64_t now)
{
	peer->timers.persistent_keepalive_interval = interval;
	if (interval == 0) {
		disarm(&peer->timers.persistent_keepalive);
		return false;
	}
	return arm(peer, &peer->timers.persistent_keepalive, now);
}

bool
wgc_timers_initiation_allowed(struct wgc_peer_proto *peer, bool is_retry,
		uint64_t now)
{
	uint64_t last = load(&peer->timers.last_sent_handshake);

	if (!is_retry)
		peer->timers.handshake_attempts = 0;
	return last == 0 || wgc_age(now, last) >= WGC_REKEY_TIMEOUT;
}

/* Clear a fired deadline unless a hook re-armed it meanwhile. */
static inline void
consume(uint64_t *t, uint64_t seen)
{
	__atomic_compare_exchange_n(t, &seen, 0, false, __ATOMIC_RELAXED,
		__ATOMIC_RELAXED);
}

uint64_t
wgc_timers_next_deadline(const struct wgc_peer_proto *peer)
{
	const struct wgc_timers *t = &peer->timers;
	uint64_t d[5] = {
		load(&t->retransmit_handshake), load(&t->send_keepalive),
		load(&t->new_handshake), load(&t->zero_key_material),
		load(&t->persistent_keepalive),
	};
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(d); i++)
		if (d[i] != 0 && (m == 0 || d[i] < m))
			m = d[i];
	return m;
}

uint32_t
wgc_timers_poll(struct wgc_peer_proto *peer, uint64_t now,
		uint64_t *next_deadline)
{
	struct wgc_timers *t = &peer->timers;
	uint32_t act = 0;
	uint64_t d;

	/* Retransmit: retry, or give up after REKEY_ATTEMPT_TIME. */
	d = load(&t->retransmit_handshake);
	if (d != 0 && d <= now) {
		consume(&t->retransmit_handshake, d);
		if (t->handshake_attempts > WGC_MAX_TIMER_HANDSHAKES) {
			act |= WGC_TIMER_GIVE_UP;
			disarm(&t->send_keepalive);
			if (load(&t->zero_key_material) == 0)
				store(&t->zero_key_material,
					now + 3 * WGC_REJECT_AFTER_TIME);
		} else {
			t->handshake_attempts++;
			act |= WGC_TIMER_SEND_INITIATION | WGC_TIMER_RETRY;
		}
	}

	/* Keepalive after receiving data and sending nothing back. */
	d = load(&t->send_keepalive);
	if (d != 0 && d <= now) {
		consume(&t->send_keepalive, d);
		act |= WGC_TIMER_SEND_KEEPALIVE;
		if (t->need_another_keepalive) {
			t->need_another_keepalive = false;
			store(&t->send_keepalive, now + WGC_KEEPALIVE_TIMEOUT);
		}
	}

	/* Sent data, heard nothing back: new handshake. */
	d = load(&t->new_handshake);
	if (d != 0 && d <= now) {
		consume(&t->new_handshake, d);
		act |= WGC_TIMER_SEND_INITIATION;
	}

	/* Zero keys 3 x REJECT_AFTER_TIME after the last session. */
	d = load(&t->zero_key_material);
	if (d != 0 && d <= now) {
		consume(&t->zero_key_material, d);
		act |= WGC_TIMER_ZERO_KEYS;
	}

	/* Persistent keepalive. */
	d = load(&t->persistent_keepalive);
	if (d != 0 && d <= now) {
		consume(&t->persistent_keepalive, d);
		if (t->persistent_keepalive_interval != 0)
			act |= WGC_TIMER_SEND_KEEPALIVE;
	}

	if (next_deadline != NULL)
		*next_deadline = wgc_timers_next_deadline(peer);
	return act;
}

/* ---- Timer wheel ---- */

struct wgc_timer_wheel {
	uint64_t cursor;    /* next tick to process */
	uint32_t count;
	char name[32];
	struct wgc_peer_proto *slots[WHEEL_SLOTS];
};

struct wgc_timer_wheel *
wgc_timer_wheel_create(const char *name, int socket_id, uint64_t now)
{
	struct wgc_timer_wheel *w;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket("wgc_timer_wheel", sizeof(*w),
		RTE_CACHE_LINE_SIZE, socket_id);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->cursor = now >> WHEEL_SHIFT;
	return w;
}

void
wgc_timer_wheel_free(struct wgc_timer_wheel *w)
{
	rte_free(w);
}

static void
wheel_unlink(struct wgc_timer_wheel *w, struct wgc_peer_proto *p)
{
	struct wgc_timers *t = &p->timers;

	if (t->wheel_pprev == NULL)
		return;
	*t->wheel_pprev = t->wheel_next;
	if (t->wheel_next != NULL)
		t->wheel_next->timers.wheel_pprev = t->wheel_pprev;
	t->wheel_next = NULL;
	t->wheel_pprev = NULL;
	store(&t->scheduled, 0);
	w->count--;
}

static void
wheel_link(struct wgc_timer_wheel *w, struct wgc_peer_proto *p,
		uint64_t deadline)
{
	struct wgc_timers *t = &p->timers;
	uint64_t tick = deadline >> WHEEL_SHIFT;
	struct wgc_peer_proto **head;

	/* Never behind the cursor: a late deadline fires on the next run. */
	if (tick < w->cursor)
		tick = w->cursor;
	head = &w->slots[tick & WHEEL_MASK];
	t->wheel_next = *head;
	if (*head != NULL)
		(*head)->timers.wheel_pprev = &t->wheel_next;
	*head = p;
	t->wheel_pprev = head;
	store(&t->scheduled, deadline);
	w->count++;
}

void
wgc_timer_wheel_schedule(struct wgc_timer_wheel *w,
		struct wgc_peer_proto *peer, uint64_t deadline)
{
	wheel_unlink(w, peer);
	if (deadline != 0)
		wheel_link(w, peer, deadline);
}

unsigned int
wgc_timer_wheel_expire(struct wgc_timer_wheel *w, uint64_t now,
		struct wgc_peer_proto **out, unsigned int max)
{
	uint64_t end = now >> WHEEL_SHIFT;
	unsigned int n = 0, visited = 0;

	/* Visit at most one revolution of slots per call. */
	while (w->cursor <= end && n < max) {
		struct wgc_peer_proto **pp = &w->slots[w->cursor & WHEEL_MASK];
		struct wgc_peer_proto *p = *pp, *next;

		for (; p != NULL && n < max; p = next) {
			next = p->timers.wheel_next;
			if (p->timers.scheduled <= now) {
				wheel_unlink(w, p);
				out[n++] = p;
			}
		}
		if (p != NULL)
			break;         /* out is full: resume here */
		if (w->cursor == end || ++visited >= WHEEL_SLOTS) {
			/* Stay on the current tick: more may land in it. */
			if (w->cursor < end)
				w->cursor = end;
			break;
		}
		w->cursor++;
	}
	return n;
}

uint32_t
wgc_timer_wheel_count(const struct wgc_timer_wheel *w)
{
	return w->count;
}
