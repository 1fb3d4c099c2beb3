/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "peers_private.h"

RTE_LOG_REGISTER(wgc_logtype_peers, wgc.peers, INFO);

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

/* the slot array, the free-id stack, the peer chunks, the parking lot */
static int
create_slots(struct wgc_peers *t, const struct wgc_peers_params *prm)
{
	uint32_t nb_chunks = RTE_ALIGN_CEIL(prm->max_peers, PEER_CHUNK) /
		PEER_CHUNK;
	uint32_t i;

	t->fast.slots = rte_zmalloc_socket("wgc_peer_slots",
		sizeof(*t->fast.slots) * prm->max_peers, RTE_CACHE_LINE_SIZE,
		prm->socket_id);
	t->free_ids = rte_malloc_socket("wgc_peer_ids",
		sizeof(*t->free_ids) * prm->max_peers, 0, prm->socket_id);
	t->chunks = rte_zmalloc_socket("wgc_peer_chunks",
		sizeof(*t->chunks) * nb_chunks, 0, prm->socket_id);
	t->chunk_used = rte_zmalloc_socket("wgc_peer_chunk_used", nb_chunks,
		0, prm->socket_id);
	t->park = park_create(prm->park_capacity, prm->park_max_age_ns,
		prm->socket_id);
	if (t->fast.slots == NULL || t->free_ids == NULL ||
			t->chunks == NULL || t->chunk_used == NULL ||
			t->park == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	/* pop order 0, 1, 2...: the stack holds ids in reverse */
	for (i = 0; i < prm->max_peers; i++)
		t->free_ids[i] = prm->max_peers - 1 - i;
	t->nb_free = prm->max_peers;
	return 0;
}

/* public key -> peer */
static int
create_by_key(struct wgc_peers *t, const struct wgc_peers_params *prm)
{
	struct rte_hash_parameters hp = { 0 };
	char n[RTE_HASH_NAMESIZE];

	snprintf(n, sizeof(n), "%s_key", prm->name);
	hp.name = n;
	hp.entries = RTE_MAX(prm->max_peers, 8u);
	hp.key_len = WGC_KEY_LEN;
	hp.hash_func = rte_jhash;
	hp.socket_id = prm->socket_id;
	/* extendable buckets: every one of max_peers keys fits (a plain
	 * cuckoo table refuses some near full); with readers (handshake
	 * lcores), lock-free lookups and key slots reused after a grace
	 * period */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	if (prm->qsbr != NULL)
		hp.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	t->by_key = rte_hash_create(&hp);
	if (t->by_key == NULL)
		return -1;
	if (prm->qsbr != NULL) {
		struct rte_hash_rcu_config hc = { 0 };

		hc.v = prm->qsbr;
		hc.mode = RTE_HASH_QSBR_MODE_DQ;
		if (rte_hash_rcu_qsbr_add(t->by_key, &hc) != 0)
			return -1;
	}
	return 0;
}

/* receiver index -> keypair, and the removed peers' grace periods */
static int
create_index_and_dq(struct wgc_peers *t, const struct wgc_peers_params *prm)
{
	struct rte_rcu_qsbr_dq_parameters dp = { 0 };
	char n[RTE_HASH_NAMESIZE];

	snprintf(n, sizeof(n), "%s_idx", prm->name);
	t->index = wgc_index_table_create(n,
		RTE_MIN(4ull * prm->max_peers + 64, (uint64_t)UINT32_MAX / 2),
		prm->socket_id, prm->qsbr);
	if (t->index == NULL)
		return -1;
	if (prm->qsbr == NULL)
		return 0;
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
	return t->dq == NULL ? -1 : 0;
}

struct wgc_peers *
wgc_peers_create(const struct wgc_peers_params *prm)
{
	struct wgc_peers *t;
	int err;

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
	t->fast.max_peers = prm->max_peers;
	t->fast.def4 = WGC_PEER_ID_NONE;
	t->fast.def6 = WGC_PEER_ID_NONE;
	if (create_slots(t, prm) == 0 && create_by_key(t, prm) == 0 &&
			aips_create(t, prm) == 0 &&
			create_index_and_dq(t, prm) == 0)
		return t;
	if (rte_errno == 0)
		rte_errno = ENOMEM;
	err = rte_errno;
	PEERS_LOG(ERR, "%s: create failed: %s", prm->name, rte_strerror(err));
	wgc_peers_free(t);
	rte_errno = err;
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
wgc_peers_lock(struct wgc_peers *t)
{
	pthread_mutex_lock(&t->lock);
}

bool
wgc_peers_trylock(struct wgc_peers *t)
{
	return pthread_mutex_trylock(&t->lock) == 0;
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
	p->ep_port = WGC_PEER_PORT_ROUTE;
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
