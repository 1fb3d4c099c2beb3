/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "peers_private.h"

RTE_LOG_REGISTER(wgc_logtype_peers, wgc.peers, INFO);
#define PEERS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_peers, "peers: " fmt "\n", \
		##__VA_ARGS__)

/* tbl8 groups: one per /25../32 IPv4 prefix in a distinct /24, bounded */
#define TBL8_MIN 256u
#define TBL8_MAX 65536u

/*
 * Peer memory comes in chunks of PEER_CHUNK peers indexed by slot id (one
 * rte_malloc per peer cost 128 B of allocator header on 704 B, and ids
 * are handed out densely). A chunk is allocated with its first peer and
 * freed with its last, after that peer's grace period.
 */
#define PEER_CHUNK 64u

struct wgc_peers {
	struct wgc_peers_fast fast;     /* first: what workers read */
	char name[32];
	int socket_id;
	struct wgc_peer **chunks;       /* chunk k: slots [k*64, k*64+64) */
	uint8_t *chunk_used;            /* live + deferred peers in chunk k */
	pthread_mutex_t lock;
	struct rte_hash *by_key;
	struct wgc_index_table *index;
	struct wgc_identity *identity;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;     /* removed peers */
	uint32_t *free_ids;             /* stack of free slot ids */
	uint32_t nb_free;
	uint32_t count;
	uint32_t deferred;              /* peers waiting for a grace period */
	uint32_t lpm_host4;             /* /32s in the LPM (host4 was full) */
	uint32_t lpm_host6;             /* /128s in the LPM (host6 was full) */
	/* an rte_lpm6 delete may have freed tbl8 groups: no add that may
	 * take one before the readers have passed this token */
	uint64_t lpm6_token;
	bool lpm6_fence;
	void (*on_remove)(void *ctx, struct wgc_peer *p);
	void *on_remove_ctx;
	void (*on_change)(void *ctx, struct wgc_peer *p);
	void *on_change_ctx;
	struct wgc_park *park;          /* packets waiting for handshakes */
};

struct wgc_park *
peers_park(const struct wgc_peers *t)
{
	return t->park;
}

/* zeroed memory for the peer in slot id, or NULL */
static struct wgc_peer *
peer_alloc(struct wgc_peers *t, uint32_t id)
{
	uint32_t k = id / PEER_CHUNK;
	struct wgc_peer *p;

	if (t->chunks[k] == NULL) {
		uint32_t n = RTE_MIN(PEER_CHUNK,
			t->fast.max_peers - k * PEER_CHUNK);

		t->chunks[k] = rte_zmalloc_socket("wgc_peer_chunk",
			n * sizeof(struct wgc_peer), RTE_CACHE_LINE_SIZE,
			t->socket_id);
		if (t->chunks[k] == NULL)
			return NULL;
	}
	t->chunk_used[k]++;
	p = &t->chunks[k][id % PEER_CHUNK];
	memset(p, 0, sizeof(*p));
	return p;
}

/* wipe the peer in slot id; its chunk goes with its last peer */
static void
peer_release(struct wgc_peers *t, struct wgc_peer *p, uint32_t id)
{
	uint32_t k = id / PEER_CHUNK;

	wgc_wipe(p, sizeof(*p));
	if (--t->chunk_used[k] == 0) {
		rte_free(t->chunks[k]);
		t->chunks[k] = NULL;
	}
}

static void
peer_destroy(struct wgc_peers *t, struct wgc_peer *p)
{
	uint32_t id = p->id;

	/* a worker inside its read side may have parked a packet after
	 * wgc_peers_remove() purged: the grace period is over now */
	park_purge(t->park, p);
	if (p->aips != p->aips_inline)
		rte_free(p->aips);
	peer_release(t, p, id);
	t->free_ids[t->nb_free++] = id;
	t->deferred--;
}

/* rte_rcu_qsbr_dq callback: the grace period of a removed peer is over */
static void
dq_free_peer(void *ctx, void *e, unsigned int n)
{
	struct wgc_peers *t = ctx;
	struct wgc_peer **pp = e;
	unsigned int i;

	for (i = 0; i < n; i++)
		peer_destroy(t, pp[i]);
}

const struct wgc_peers_fast *
wgc_peers_fast(const struct wgc_peers *t)
{
	return &t->fast;
}

struct wgc_peers *
wgc_peers_create(const struct wgc_peers_params *prm)
{
	struct rte_hash_parameters hp = { 0 };
	struct rte_lpm_config lc = { 0 };
	struct rte_lpm6_config l6 = { 0 };
	struct wgc_peers *t;
	char n[RTE_HASH_NAMESIZE];
	uint32_t i;

	if (prm == NULL || prm->name == NULL || prm->max_peers == 0 ||
			prm->max_peers > WGC_PEERS_MAX ||
			strlen(prm->name) > 20) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("wgc_peers", sizeof(*t), RTE_CACHE_LINE_SIZE,
		prm->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", prm->name);
	t->socket_id = prm->socket_id;
	pthread_mutex_init(&t->lock, NULL);
	t->identity = prm->identity;
	t->qsbr = prm->qsbr;
	t->on_remove = prm->on_remove;
	t->on_remove_ctx = prm->on_remove_ctx;
	t->fast.max_peers = prm->max_peers;
	t->fast.def4 = WGC_PEER_ID_NONE;
	t->fast.def6 = WGC_PEER_ID_NONE;

	t->fast.slots = rte_zmalloc_socket("wgc_peer_slots",
		sizeof(*t->fast.slots) * prm->max_peers, RTE_CACHE_LINE_SIZE,
		prm->socket_id);
	t->free_ids = rte_malloc_socket("wgc_peer_ids",
		sizeof(*t->free_ids) * prm->max_peers, 0, prm->socket_id);
	t->chunks = rte_zmalloc_socket("wgc_peer_chunks",
		sizeof(*t->chunks) * RTE_ALIGN_CEIL(prm->max_peers, PEER_CHUNK) /
		PEER_CHUNK, 0, prm->socket_id);
	t->park = park_create(prm->park_capacity, prm->park_max_age_ns,
		prm->socket_id);
	t->chunk_used = rte_zmalloc_socket("wgc_peer_chunk_used",
		RTE_ALIGN_CEIL(prm->max_peers, PEER_CHUNK) / PEER_CHUNK, 0,
		prm->socket_id);
	if (t->fast.slots == NULL || t->free_ids == NULL ||
			t->chunks == NULL || t->chunk_used == NULL ||
			t->park == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	/* pop order 0, 1, 2...: the stack holds ids in reverse */
	for (i = 0; i < prm->max_peers; i++)
		t->free_ids[i] = prm->max_peers - 1 - i;
	t->nb_free = prm->max_peers;

	snprintf(n, sizeof(n), "%s_key", prm->name);
	hp.name = n;
	hp.entries = RTE_MAX(prm->max_peers, 8u);
	hp.key_len = WGC_KEY_LEN;
	hp.hash_func = rte_jhash;
	hp.socket_id = prm->socket_id;
	/* extendable buckets: every one of max_peers keys fits (a plain
	 * cuckoo table refuses some near full, e.g. 8125 of 8192) */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->by_key = rte_hash_create(&hp);
	if (t->by_key == NULL)
		goto fail;

	snprintf(n, sizeof(n), "%s_h4", prm->name);
	memset(&hp, 0, sizeof(hp));
	hp.name = n;
	/* one /32 per peer is the common case; more go to the LPM */
	hp.entries = RTE_MAX(prm->max_peers + prm->max_peers / 4, 64u);
	hp.key_len = sizeof(uint32_t);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = prm->socket_id;
	/* one writer (the table mutex), lock-free readers */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->fast.host4 = rte_hash_create(&hp);
	if (t->fast.host4 == NULL)
		goto fail;
	if (prm->qsbr != NULL) {
		struct rte_hash_rcu_config hc = { 0 };

		/* a deleted key's slot is reused after a grace period */
		hc.v = prm->qsbr;
		hc.mode = RTE_HASH_QSBR_MODE_DQ;
		if (rte_hash_rcu_qsbr_add(t->fast.host4, &hc) != 0)
			goto fail;
	}

	snprintf(n, sizeof(n), "%s_h6", prm->name);
	memset(&hp, 0, sizeof(hp));
	hp.name = n;
	hp.entries = RTE_MAX(prm->max_peers + prm->max_peers / 4, 64u);
	hp.key_len = 16;
	hp.hash_func = rte_hash_crc;
	hp.socket_id = prm->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->fast.host6 = rte_hash_create(&hp);
	if (t->fast.host6 == NULL)
		goto fail;
	if (prm->qsbr != NULL) {
		struct rte_hash_rcu_config hc = { 0 };

		hc.v = prm->qsbr;
		hc.mode = RTE_HASH_QSBR_MODE_DQ;
		if (rte_hash_rcu_qsbr_add(t->fast.host6, &hc) != 0)
			goto fail;
	}

	snprintf(n, sizeof(n), "%s_l4", prm->name);
	lc.max_rules = prm->max_routes4 != 0 ? prm->max_routes4 :
		RTE_MAX(4 * prm->max_peers, 64u);
	lc.number_tbl8s = RTE_MIN(RTE_MAX(prm->max_peers, TBL8_MIN), TBL8_MAX);
	t->fast.lpm4 = rte_lpm_create(n, prm->socket_id, &lc);
	if (t->fast.lpm4 == NULL)
		goto fail;
	if (prm->qsbr != NULL) {
		struct rte_lpm_rcu_config rc = { 0 };

		rc.v = prm->qsbr;
		rc.mode = RTE_LPM_QSBR_MODE_DQ;
		if (rte_lpm_rcu_qsbr_add(t->fast.lpm4, &rc) != 0)
			goto fail;
	}
	snprintf(n, sizeof(n), "%s_l6", prm->name);
	l6.max_rules = prm->max_routes6 != 0 ? prm->max_routes6 :
		RTE_MAX(4 * prm->max_peers, 64u);
	/* a long IPv6 prefix takes up to 13 tbl8 groups; most share some */
	l6.number_tbl8s = RTE_MIN(RTE_MAX(2 * l6.max_rules, TBL8_MIN),
		TBL8_MAX);
	t->fast.lpm6 = rte_lpm6_create(n, prm->socket_id, &l6);
	if (t->fast.lpm6 == NULL)
		goto fail;

	snprintf(n, sizeof(n), "%s_idx", prm->name);
	t->index = wgc_index_table_create(n,
		RTE_MIN(4ull * prm->max_peers + 64, (uint64_t)UINT32_MAX / 2),
		prm->socket_id, prm->qsbr);
	if (t->index == NULL)
		goto fail;

	if (prm->qsbr != NULL) {
		struct rte_rcu_qsbr_dq_parameters dp = { 0 };

		snprintf(n, sizeof(n), "%s_dq", prm->name);
		dp.name = n;
		dp.size = prm->max_peers;
		dp.esize = sizeof(struct wgc_peer *);
		dp.trigger_reclaim_limit = 64;
		dp.max_reclaim_size = 64;
		dp.free_fn = dq_free_peer;
		dp.p = t;
		dp.v = prm->qsbr;
		t->dq = rte_rcu_qsbr_dq_create(&dp);
		if (t->dq == NULL)
			goto fail;
	}
	return t;
fail:
	if (rte_errno == 0)
		rte_errno = ENOMEM;
	PEERS_LOG(ERR, "%s: create failed: %s", prm->name,
		rte_strerror(rte_errno));
	{
		int err = rte_errno;

		wgc_peers_free(t);
		rte_errno = err;
	}
	return NULL;
}

void
wgc_peers_free(struct wgc_peers *t)
{
	struct wgc_peer *p;
	uint32_t pos = 0, i;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	while ((p = wgc_peers_next(t, &pos)) != NULL)
		wgc_peers_remove(t, p);
	if (t->dq != NULL) {
		/* workers are stopped: every grace period ends at once */
		while (rte_rcu_qsbr_dq_delete(t->dq) != 0)
			rte_pause();
		t->dq = NULL;
	}
	if (t->index != NULL) {
		while (wgc_index_table_reclaim(t->index) != 0)
			rte_pause();
		wgc_index_table_free(t->index);
	}
	rte_hash_free(t->fast.host4);
	rte_hash_free(t->fast.host6);
	rte_lpm_free(t->fast.lpm4);
	rte_lpm6_free(t->fast.lpm6);
	rte_hash_free(t->by_key);
	park_free(t->park);
	rte_free(t->fast.slots);
	rte_free(t->free_ids);
	if (t->chunks != NULL) {
		/* every peer is gone: no chunk is left (defensive) */
		for (i = 0; i < RTE_ALIGN_CEIL(t->fast.max_peers, PEER_CHUNK) /
				PEER_CHUNK; i++)
			rte_free(t->chunks[i]);
		rte_free(t->chunks);
	}
	rte_free(t->chunk_used);
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
	rte_free(t);
}

void
wgc_peers_set_on_remove(struct wgc_peers *t,
		void (*fn)(void *ctx, struct wgc_peer *p), void *ctx)
{
	t->on_remove = fn;
	t->on_remove_ctx = ctx;
}

void
wgc_peers_set_on_change(struct wgc_peers *t,
		void (*fn)(void *ctx, struct wgc_peer *p), void *ctx)
{
	t->on_change = fn;
	t->on_change_ctx = ctx;
}

void
wgc_peers_peer_changed(struct wgc_peers *t, struct wgc_peer *p)
{
	if (t->on_change != NULL && p != NULL)
		t->on_change(t->on_change_ctx, p);
}

void
wgc_peers_lock(struct wgc_peers *t)
{
	pthread_mutex_lock(&t->lock);
}

void
wgc_peers_unlock(struct wgc_peers *t)
{
	pthread_mutex_unlock(&t->lock);
}

struct wgc_index_table *
wgc_peers_index_table(struct wgc_peers *t)
{
	return t->index;
}

struct wgc_identity *
wgc_peers_identity(struct wgc_peers *t)
{
	return t->identity;
}

uint32_t
wgc_peers_count(const struct wgc_peers *t)
{
	return t->count;
}

uint32_t
wgc_peers_capacity(const struct wgc_peers *t)
{
	return t->fast.max_peers;
}

size_t
wgc_peer_size(void)
{
	return sizeof(struct wgc_peer);
}

/*
 * No free slot. If removed peers still hold slots, wait for a grace period
 * and reclaim them: a writer that removes and re-adds at capacity (wg
 * syncconf replacing peers, the control plane's remove-then-add passes)
 * must not get ENOSPC just because it was faster than the workers' next
 * quiescent state. The wait sleeps between checks: a reader may share this
 * thread's CPU (a pthread created by the main lcore inherits its affinity),
 * and spinning would keep it from ever reporting. Bounded, so that a
 * stalled reader costs an error, not a hang with the writers' mutex held.
 * @return true if a slot is free.
 */
static bool
slot_wait(struct wgc_peers *t)
{
	uint64_t deadline;

	if (t->dq == NULL || t->deferred == 0)
		return t->nb_free > 0;
	deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * WGC_PEERS_GRACE_WAIT_MS / 1000;
	for (;;) {
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
		if (t->nb_free > 0)
			return true;
		if (rte_get_timer_cycles() > deadline)
			break;
		rte_delay_us_sleep(20);
	}
	PEERS_LOG(WARNING, "%s: no slot: %u removed peers still wait for "
		"a reader's quiescent state after %u ms", t->name,
		t->deferred, WGC_PEERS_GRACE_WAIT_MS);
	return false;
}

struct wgc_peer *
wgc_peers_add(struct wgc_peers *t, const uint8_t public_key[WGC_KEY_LEN],
		const uint8_t *psk)
{
	struct wgc_peer *p;
	uint32_t id;
	int rc;

	if (public_key == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (rte_hash_lookup(t->by_key, public_key) >= 0) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (t->nb_free == 0 && !slot_wait(t)) {
		rte_errno = ENOSPC;
		return NULL;
	}
	id = t->free_ids[t->nb_free - 1];
	p = peer_alloc(t, id);
	if (p == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = wgc_peer_proto_init(&p->proto, t->identity, t->index, public_key,
		psk, p);
	if (rc != 0) {
		peer_release(t, p, id);
		rte_errno = -rc;
		return NULL;
	}
	rte_seqlock_init(&p->ep_lock);
	p->park_head = UINT32_MAX;
	p->park_tail = UINT32_MAX;
	p->id = id;
	p->aips = p->aips_inline;
	rc = rte_hash_add_key_data(t->by_key, public_key, p);
	if (rc != 0) {
		wgc_peer_proto_fini(&p->proto);
		peer_release(t, p, id);
		rte_errno = -rc;
		return NULL;
	}
	t->nb_free--;
	t->count++;
	__atomic_store_n(&t->fast.slots[p->id], p, __ATOMIC_RELEASE);
	return p;
}

void
wgc_peers_remove(struct wgc_peers *t, struct wgc_peer *p)
{
	wgc_peers_prefix_clear(t, p);
	rte_hash_del_key(t->by_key, p->proto.remote_static);
	__atomic_store_n(&t->fast.slots[p->id], NULL, __ATOMIC_RELEASE);
	t->count--;
	if (t->on_remove != NULL)
		t->on_remove(t->on_remove_ctx, p);
	park_purge(t->park, p);
	/* keypairs are retired through the index table's own RCU */
	wgc_peer_proto_fini(&p->proto);
	t->deferred++;
	if (t->dq == NULL || rte_rcu_qsbr_dq_enqueue(t->dq, &p) != 0) {
		if (t->dq != NULL) {
			/* defer queue full: wait for the grace period here */
			PEERS_LOG(DEBUG, "defer queue full, synchronising");
			rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		}
		peer_destroy(t, p);
	}
}

struct wgc_peer *
wgc_peers_lookup(struct wgc_peers *t, const uint8_t public_key[WGC_KEY_LEN])
{
	void *data;

	if (rte_hash_lookup_data(t->by_key, public_key, &data) < 0)
		return NULL;
	return data;
}

struct wgc_peer *
wgc_peers_next(struct wgc_peers *t, uint32_t *pos)
{
	uint32_t i;

	for (i = *pos; i < t->fast.max_peers; i++) {
		struct wgc_peer *p = t->fast.slots[i];

		if (p != NULL) {
			*pos = i + 1;
			return p;
		}
	}
	*pos = t->fast.max_peers;
	return NULL;
}

/* clear host bits; -EINVAL for a bad family or length */
static int
prefix_normalise(const struct wgc_prefix *in, struct wgc_prefix *out)
{
	unsigned int bytes, i;

	if (in == NULL || (in->family != 4 && in->family != 6) ||
			in->len > (in->family == 4 ? 32 : 128))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->len = in->len;
	bytes = in->family == 4 ? 4 : 16;
	for (i = 0; i < bytes; i++) {
		unsigned int bits = i * 8;

		if (bits + 8 <= in->len)
			out->addr[i] = in->addr[i];
		else if (bits < in->len)
			out->addr[i] = in->addr[i] &
				(uint8_t)(0xff << (8 - (in->len - bits)));
	}
	return 0;
}

static uint32_t
prefix_v4(const struct wgc_prefix *p)
{
	return ((uint32_t)p->addr[0] << 24) | ((uint32_t)p->addr[1] << 16) |
		((uint32_t)p->addr[2] << 8) | p->addr[3];
}

static int
aip_find(const struct wgc_peer *p, const struct wgc_prefix *x)
{
	uint32_t i;

	for (i = 0; i < p->n_aips; i++)
		if (p->aips[i].family == x->family &&
				p->aips[i].len == x->len &&
				memcmp(p->aips[i].addr, x->addr, 16) == 0)
			return (int)i;
	return -1;
}

/*
 * A lower bound of the capacity of p->aips: the inline array, or a heap
 * array whose size is a power of two >= 2 x WGC_PEER_AIPS_INLINE holding
 * n_aips (growing doubles it; deletes never shrink it).
 */
static uint32_t
aips_cap(const struct wgc_peer *p)
{
	if (p->aips == p->aips_inline)
		return WGC_PEER_AIPS_INLINE;
	return RTE_MAX(rte_align32pow2(p->n_aips),
		2u * WGC_PEER_AIPS_INLINE);
}

static void
aip_forget(struct wgc_peer *p, int i)
{
	p->aips[i] = p->aips[--p->n_aips];
}

/*
 * rte_lpm6 (DPDK 22.11) has no RCU: rte_lpm6_delete() returns a prefix's
 * tbl8 groups to the pool at once and the next rte_lpm6_add() takes them
 * back (the pool is a stack) and refills them, while a reader may still be
 * walking one of them: it would read another prefix's next hop. Deletes
 * longer than /24 (only those free groups) start a grace period; an add
 * longer than /24 (only those take groups) waits for it first. Sleeps
 * between checks (a reader may share this CPU); bounded.
 */
static void
lpm6_fence_start(struct wgc_peers *t, uint8_t len)
{
	if (t->qsbr == NULL || len <= 24)
		return;
	t->lpm6_token = rte_rcu_qsbr_start(t->qsbr);
	t->lpm6_fence = true;
}

static int
lpm6_fence_wait(struct wgc_peers *t, uint8_t len)
{
	uint64_t deadline;

	if (!t->lpm6_fence || len <= 24)
		return 0;
	deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * WGC_PEERS_GRACE_WAIT_MS / 1000;
	while (rte_rcu_qsbr_check(t->qsbr, t->lpm6_token, false) != 1) {
		if (rte_get_timer_cycles() > deadline) {
			PEERS_LOG(WARNING, "%s: IPv6 prefix not added: a "
				"reader passed no quiescent state in %u ms",
				t->name, WGC_PEERS_GRACE_WAIT_MS);
			return -EBUSY;
		}
		rte_delay_us_sleep(20);
	}
	t->lpm6_fence = false;
	return 0;
}

/*
 * Add or move an IPv4 /32: into the exact-match table, or into the LPM when
 * that table is full (ENOSPC). present and nh tell who owned it before.
 */
static int
host4_add(struct wgc_peers *t, const struct wgc_prefix *x, uint32_t id,
		int *present, uint32_t *nh)
{
	void *data;
	uint32_t key;
	int rc;

	memcpy(&key, x->addr, 4);
	if (rte_hash_lookup_data(t->fast.host4, &key, &data) >= 0) {
		/* an owned /32 changes owner in place (atomic for readers) */
		*present = 1;
		*nh = (uint32_t)(uintptr_t)data;
		return rte_hash_add_key_data(t->fast.host4, &key,
			(void *)(uintptr_t)id);
	}
	/* not in the table: maybe an overflow /32 in the LPM; only then is
	 * the LPM's linear rule list searched */
	*present = t->lpm_host4 > 0 ? rte_lpm_is_rule_present(t->fast.lpm4,
		prefix_v4(x), 32, nh) : 0;
	if (*present == 1)
		return rte_lpm_add(t->fast.lpm4, prefix_v4(x), 32, id);
	rc = rte_hash_add_key_data(t->fast.host4, &key, (void *)(uintptr_t)id);
	if (rc == 0) {
		__atomic_fetch_add(&t->fast.nb_host4, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (rc != -ENOSPC)
		return rc;
	rc = rte_lpm_add(t->fast.lpm4, prefix_v4(x), 32, id);
	if (rc == 0)
		t->lpm_host4++;
	return rc;
}

/* the same for an IPv6 /128 (host6, or the LPM when host6 is full) */
static int
host6_add(struct wgc_peers *t, const struct wgc_prefix *x, uint32_t id,
		int *present, uint32_t *nh)
{
	uint64_t key[2];
	void *data;
	int rc;

	memcpy(key, x->addr, sizeof(key));
	if (rte_hash_lookup_data(t->fast.host6, key, &data) >= 0) {
		*present = 1;
		*nh = (uint32_t)(uintptr_t)data;
		return rte_hash_add_key_data(t->fast.host6, key,
			(void *)(uintptr_t)id);
	}
	*present = t->lpm_host6 > 0 ? rte_lpm6_is_rule_present(t->fast.lpm6,
		x->addr, 128, nh) : 0;
	if (*present == 1)
		return rte_lpm6_add(t->fast.lpm6, x->addr, 128, id);
	rc = rte_hash_add_key_data(t->fast.host6, key, (void *)(uintptr_t)id);
	if (rc == 0) {
		__atomic_fetch_add(&t->fast.nb_host6, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (rc != -ENOSPC)
		return rc;
	rc = lpm6_fence_wait(t, 128);
	if (rc != 0)
		return rc;
	rc = rte_lpm6_add(t->fast.lpm6, x->addr, 128, id);
	if (rc == 0)
		t->lpm_host6++;
	return rc;
}

int
wgc_peers_prefix_add(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx)
{
	struct wgc_prefix x;
	uint32_t nh;
	int rc, present;

	rc = prefix_normalise(pfx, &x);
	if (rc != 0)
		return rc;
	if (aip_find(p, &x) >= 0)
		return 0;
	if (p->n_aips == aips_cap(p)) {
		uint32_t cap = 2 * p->n_aips;
		struct wgc_prefix *a;

		if (p->aips == p->aips_inline) {
			a = rte_malloc_socket("wgc_peer_aips", cap * sizeof(*a),
				0, t->socket_id);
			if (a != NULL)
				memcpy(a, p->aips_inline,
					sizeof(p->aips_inline));
		} else {
			a = rte_realloc_socket(p->aips, cap * sizeof(*a), 0,
				t->socket_id);
		}
		if (a == NULL)
			return -ENOMEM;
		p->aips = a;
	}
	if (x.len == 0) {
		uint32_t *def = x.family == 4 ? &t->fast.def4 : &t->fast.def6;

		nh = *def;
		present = nh != WGC_PEER_ID_NONE;
		__atomic_store_n(def, p->id, __ATOMIC_RELEASE);
		rc = 0;
	} else if (x.family == 4 && x.len == 32) {
		rc = host4_add(t, &x, p->id, &present, &nh);
	} else if (x.family == 4) {
		present = rte_lpm_is_rule_present(t->fast.lpm4, prefix_v4(&x),
			x.len, &nh);
		rc = rte_lpm_add(t->fast.lpm4, prefix_v4(&x), x.len, p->id);
	} else if (x.len == 128) {
		rc = host6_add(t, &x, p->id, &present, &nh);
	} else {
		present = rte_lpm6_is_rule_present(t->fast.lpm6, x.addr, x.len,
			&nh);
		rc = lpm6_fence_wait(t, x.len);
		if (rc == 0)
			rc = rte_lpm6_add(t->fast.lpm6, x.addr, x.len, p->id);
	}
	if (rc != 0)
		return rc == -ENOSPC || rc == -EBUSY ? rc :
			(rc < 0 ? rc : -EINVAL);
	if (present == 1 && nh != p->id && nh < t->fast.max_peers &&
			t->fast.slots[nh] != NULL) {
		/* the prefix moved from another peer */
		struct wgc_peer *o = t->fast.slots[nh];
		int i = aip_find(o, &x);

		if (i >= 0)
			aip_forget(o, i);
	}
	p->aips[p->n_aips++] = x;
	return 0;
}

/* a /32 in the exact-match table: remove it; false if it is not there */
static bool
host4_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	uint32_t key;

	memcpy(&key, x->addr, 4);
	if (rte_hash_del_key(t->fast.host4, &key) < 0)
		return false;
	__atomic_fetch_sub(&t->fast.nb_host4, 1, __ATOMIC_RELEASE);
	return true;
}

static bool
host6_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	uint64_t key[2];

	memcpy(key, x->addr, sizeof(key));
	if (rte_hash_del_key(t->fast.host6, key) < 0)
		return false;
	__atomic_fetch_sub(&t->fast.nb_host6, 1, __ATOMIC_RELEASE);
	return true;
}

static void
lpm_del(struct wgc_peers *t, const struct wgc_prefix *x)
{
	if (x->len == 0) {
		__atomic_store_n(x->family == 4 ? &t->fast.def4 :
			&t->fast.def6, WGC_PEER_ID_NONE, __ATOMIC_RELEASE);
	} else if (x->family == 4) {
		if (x->len == 32 && host4_del(t, x))
			return;
		if (rte_lpm_delete(t->fast.lpm4, prefix_v4(x), x->len) == 0 &&
				x->len == 32 && t->lpm_host4 > 0)
			t->lpm_host4--;
	} else {
		if (x->len == 128 && host6_del(t, x))
			return;
		if (rte_lpm6_delete(t->fast.lpm6, x->addr, x->len) == 0) {
			lpm6_fence_start(t, x->len);
			if (x->len == 128 && t->lpm_host6 > 0)
				t->lpm_host6--;
		}
	}
}

int
wgc_peers_prefix_del(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx)
{
	struct wgc_prefix x;
	int i;

	if (prefix_normalise(pfx, &x) != 0)
		return -EINVAL;
	i = aip_find(p, &x);
	if (i < 0)
		return -ENOENT;
	lpm_del(t, &x);
	aip_forget(p, i);
	return 0;
}

void
wgc_peers_prefix_clear(struct wgc_peers *t, struct wgc_peer *p)
{
	while (p->n_aips > 0) {
		lpm_del(t, &p->aips[p->n_aips - 1]);
		p->n_aips--;
	}
}

unsigned int
wgc_peers_reclaim(struct wgc_peers *t)
{
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
	wgc_index_table_reclaim(t->index);
	return t->deferred;
}

void
wgc_peer_stats_get(const struct wgc_peer *p, struct wgc_peer_stats *s)
{
	s->rx_bytes = __atomic_load_n(&p->stats.rx_bytes, __ATOMIC_RELAXED);
	s->rx_packets = __atomic_load_n(&p->stats.rx_packets,
		__ATOMIC_RELAXED);
	s->tx_bytes = __atomic_load_n(&p->stats.tx_bytes, __ATOMIC_RELAXED);
	s->tx_packets = __atomic_load_n(&p->stats.tx_packets,
		__ATOMIC_RELAXED);
	s->staged_dropped = __atomic_load_n(&p->stats.staged_dropped,
		__ATOMIC_RELAXED);
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
