/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The parking lot: packets that wait for a peer's handshake.
 *
 * One FIFO for every peer of a table, in arrival order, so that the oldest
 * parked packet of the whole device is always at its head. Each peer also
 * links its own entries (oldest first) so that a completed handshake takes
 * them in O(its packets). A packet taken out of the middle leaves a hole
 * that the head skips when it reaches it.
 *
 * Bounds, each dropping the oldest packet concerned and counting it:
 * - per peer: WGC_PEER_STAGED_MAX packets (as the Linux module);
 * - per pool: 1/WGC_PARK_POOL_SHARE of the pool's buffers, so that parked
 *   packets never pin a pool that established sessions need;
 * - in time: a packet parked longer than the lot's max age is dropped by
 *   wgc_peers_park_expire(), so every pool is full again soon after
 *   traffic stops even if no handshake ever completes or gives up;
 * - the lot itself: a fixed number of entries, holes included.
 *
 * One spinlock guards the lot: workers take it only when they park a
 * packet (a peer without a session), the stage when it takes, purges or
 * expires packets.
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "peers_private.h"

#define NONE UINT32_MAX

struct park_entry {
	struct rte_mbuf *m;         /* NULL: a hole */
	struct wgc_peer *p;
	uint64_t t;                 /* when it was parked */
	uint32_t next;              /* the peer's next entry, or NONE */
	uint32_t pool;              /* index in pools[] */
};

struct park_pool {
	const struct rte_mempool *mp;
	uint32_t parked;
	uint32_t limit;
};

struct wgc_park {
	rte_spinlock_t lock;
	uint32_t cap;               /* power of two */
	uint32_t mask;
	uint64_t head;              /* positions; [head, tail) holds entries */
	uint64_t tail;
	uint64_t max_age;
	uint32_t live;              /* also read without the lock */
	uint32_t nb_pools;
	struct park_pool pools[WGC_PARK_POOLS_MAX];
	uint64_t parked_max;
	uint64_t drop[WGC_PARK_DROP__MAX];
	struct park_entry e[];
};

struct wgc_park *
park_create(uint32_t capacity, uint64_t max_age_ns, int socket_id)
{
	struct wgc_park *k;
	uint32_t cap;

	if (capacity == 0)
		capacity = WGC_PARK_CAPACITY;
	cap = rte_align32pow2(capacity);
	if (cap == 0 || cap < WGC_PEER_STAGED_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	k = rte_zmalloc_socket("wgc_park", sizeof(*k) +
		(size_t)cap * sizeof(k->e[0]), RTE_CACHE_LINE_SIZE, socket_id);
	if (k == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_init(&k->lock);
	k->cap = cap;
	k->mask = cap - 1;
	k->max_age = max_age_ns != 0 ? max_age_ns : WGC_PARK_MAX_AGE_NS;
	return k;
}

void
park_free(struct wgc_park *k)
{
	rte_free(k);
}

static inline struct park_entry *
at(struct wgc_park *k, uint64_t pos)
{
	return &k->e[pos & k->mask];
}

/* index of mp in pools[], registering it on first sight; NONE if full */
static uint32_t
pool_index(struct wgc_park *k, const struct rte_mempool *mp)
{
	uint32_t i;

	for (i = 0; i < k->nb_pools; i++)
		if (k->pools[i].mp == mp)
			return i;
	if (k->nb_pools == WGC_PARK_POOLS_MAX)
		return NONE;
	k->pools[i].mp = mp;
	k->pools[i].parked = 0;
	k->pools[i].limit = RTE_MAX(mp->size / WGC_PARK_POOL_SHARE, 1u);
	k->nb_pools++;
	return i;
}

/* unlink entry idx from its peer's list, free its packet, leave a hole */
static void
drop_entry(struct wgc_park *k, uint32_t idx, unsigned int reason)
{
	struct park_entry *e = &k->e[idx];
	struct wgc_peer *p = e->p;

	if (p->park_head == idx) {
		p->park_head = e->next;
	} else {
		uint32_t i = p->park_head;

		while (k->e[i].next != idx)
			i = k->e[i].next;
		k->e[i].next = e->next;
		if (p->park_tail == idx)
			p->park_tail = i;
	}
	if (p->park_head == NONE)
		p->park_tail = NONE;
	__atomic_store_n(&p->staged, p->staged - 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->stats.staged_dropped, 1, __ATOMIC_RELAXED);
	k->pools[e->pool].parked--;
	__atomic_store_n(&k->live, k->live - 1, __ATOMIC_RELAXED);
	k->drop[reason]++;
	rte_pktmbuf_free(e->m);
	e->m = NULL;
}

/* move the head past holes */
static inline void
skip_holes(struct wgc_park *k)
{
	while (k->head != k->tail && at(k, k->head)->m == NULL)
		k->head++;
}

/* drop the oldest packet from pool pi (or from any pool: NONE) */
static bool
drop_oldest(struct wgc_park *k, uint32_t pi, unsigned int reason)
{
	uint64_t pos;

	skip_holes(k);
	for (pos = k->head; pos != k->tail; pos++) {
		struct park_entry *e = at(k, pos);

		if (e->m != NULL && (pi == NONE || e->pool == pi)) {
			drop_entry(k, (uint32_t)(pos & k->mask), reason);
			skip_holes(k);
			return true;
		}
	}
	return false;
}

unsigned int
park_put(struct wgc_park *k, struct wgc_peer *p, struct rte_mbuf *m,
		uint64_t now)
{
	struct park_entry *e;
	unsigned int dropped = 0;
	uint32_t pi, idx;

	rte_spinlock_lock(&k->lock);
	pi = pool_index(k, m->pool);
	if (pi == NONE) {
		k->drop[WGC_PARK_DROP_UNPARKABLE]++;
		__atomic_fetch_add(&p->stats.staged_dropped, 1,
			__ATOMIC_RELAXED);
		rte_spinlock_unlock(&k->lock);
		rte_pktmbuf_free(m);
		return 1;
	}
	if (p->staged >= WGC_PEER_STAGED_MAX) {
		drop_entry(k, p->park_head, WGC_PARK_DROP_PEER_CAP);
		dropped++;
	}
	while (k->pools[pi].parked >= k->pools[pi].limit &&
			drop_oldest(k, pi, WGC_PARK_DROP_POOL_SHARE))
		dropped++;
	skip_holes(k);
	while (k->tail - k->head == k->cap &&
			drop_oldest(k, NONE, WGC_PARK_DROP_LOT_FULL))
		dropped++;
	idx = (uint32_t)(k->tail & k->mask);
	k->tail++;
	e = &k->e[idx];
	e->m = m;
	e->p = p;
	e->t = now;
	e->next = NONE;
	e->pool = pi;
	if (p->park_tail != NONE)
		k->e[p->park_tail].next = idx;
	else
		p->park_head = idx;
	p->park_tail = idx;
	__atomic_store_n(&p->staged, p->staged + 1, __ATOMIC_RELAXED);
	k->pools[pi].parked++;
	__atomic_store_n(&k->live, k->live + 1, __ATOMIC_RELAXED);
	if (k->live > k->parked_max)
		k->parked_max = k->live;
	rte_spinlock_unlock(&k->lock);
	return dropped;
}

void
park_count_unparkable(struct wgc_park *k, struct wgc_peer *p)
{
	rte_spinlock_lock(&k->lock);
	k->drop[WGC_PARK_DROP_UNPARKABLE]++;
	rte_spinlock_unlock(&k->lock);
	__atomic_fetch_add(&p->stats.staged_dropped, 1, __ATOMIC_RELAXED);
}

unsigned int
park_take(struct wgc_park *k, struct wgc_peer *p, struct rte_mbuf **out,
		unsigned int n)
{
	unsigned int got = 0;

	if (__atomic_load_n(&p->staged, __ATOMIC_RELAXED) == 0)
		return 0;
	rte_spinlock_lock(&k->lock);
	while (got < n && p->park_head != NONE) {
		struct park_entry *e = &k->e[p->park_head];

		out[got++] = e->m;
		k->pools[e->pool].parked--;
		e->m = NULL;
		p->park_head = e->next;
	}
	if (p->park_head == NONE)
		p->park_tail = NONE;
	__atomic_store_n(&p->staged, p->staged - got, __ATOMIC_RELAXED);
	__atomic_store_n(&k->live, k->live - got, __ATOMIC_RELAXED);
	skip_holes(k);
	rte_spinlock_unlock(&k->lock);
	return got;
}

unsigned int
park_purge(struct wgc_park *k, struct wgc_peer *p)
{
	unsigned int n = 0;

	if (__atomic_load_n(&p->staged, __ATOMIC_RELAXED) == 0)
		return 0;
	rte_spinlock_lock(&k->lock);
	while (p->park_head != NONE) {
		drop_entry(k, p->park_head, WGC_PARK_DROP_PURGED);
		n++;
	}
	skip_holes(k);
	rte_spinlock_unlock(&k->lock);
	return n;
}

unsigned int
park_expire(struct wgc_park *k, uint64_t now)
{
	unsigned int n = 0;

	if (__atomic_load_n(&k->live, __ATOMIC_RELAXED) == 0)
		return 0;
	rte_spinlock_lock(&k->lock);
	skip_holes(k);
	while (k->head != k->tail && now - at(k, k->head)->t > k->max_age) {
		drop_entry(k, (uint32_t)(k->head & k->mask),
			WGC_PARK_DROP_EXPIRED);
		skip_holes(k);
		n++;
	}
	rte_spinlock_unlock(&k->lock);
	return n;
}

void
park_stats(struct wgc_park *k, struct wgc_park_stats *s)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	rte_spinlock_lock(&k->lock);
	s->parked = k->live;
	s->parked_max = k->parked_max;
	s->capacity = k->cap;
	memcpy(s->drop, k->drop, sizeof(s->drop));
	s->nb_pools = k->nb_pools;
	for (i = 0; i < k->nb_pools; i++) {
		s->pool[i].mp = k->pools[i].mp;
		s->pool[i].parked = k->pools[i].parked;
		s->pool[i].limit = k->pools[i].limit;
	}
	rte_spinlock_unlock(&k->lock);
}

unsigned int
wgc_peer_stage(struct wgc_peers *t, struct wgc_peer *p, struct wgc_view *v,
		uint64_t now)
{
	if (wgc_view_is_empty(v))
		return 0;
	if (wgc_recycler_mempool(v->recycler) == NULL) {
		wgc_view_release(v);
		park_count_unparkable(t->park, p);
		return 1;
	}
	return park_put(t->park, p, wgc_view_to_mbuf(v), now);
}

unsigned int
wgc_peer_unstage(struct wgc_peers *t, struct wgc_peer *p,
		struct rte_mbuf **out, unsigned int n)
{
	return park_take(t->park, p, out, n);
}

void
wgc_peer_stage_purge(struct wgc_peers *t, struct wgc_peer *p)
{
	park_purge(t->park, p);
}

unsigned int
wgc_peers_park_expire(struct wgc_peers *t, uint64_t now)
{
	return park_expire(t->park, now);
}

void
wgc_peers_park_stats(const struct wgc_peers *t, struct wgc_park_stats *s)
{
	park_stats(t->park, s);
}

static const char * const park_drop_names[WGC_PARK_DROP__MAX] = {
	[WGC_PARK_DROP_PEER_CAP] = "peer_cap",
	[WGC_PARK_DROP_POOL_SHARE] = "pool_share",
	[WGC_PARK_DROP_LOT_FULL] = "lot_full",
	[WGC_PARK_DROP_EXPIRED] = "expired",
	[WGC_PARK_DROP_PURGED] = "purged",
	[WGC_PARK_DROP_UNPARKABLE] = "unparkable",
};

const char *
wgc_park_drop_name(unsigned int reason)
{
	return reason < WGC_PARK_DROP__MAX ? park_drop_names[reason] : "?";
}
