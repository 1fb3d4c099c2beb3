/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Index table: our 32-bit sender indices -> handshake or keypair entry.
 *
 * An rte_hash with lock-free readers (RW_CONCURRENCY_LF). Writers are the
 * control thread, the handshake lcores and workers (key confirmation may
 * retire the old keypair); they serialise on the table's own spinlock,
 * held around the rte_hash write calls only (never across an RCU enqueue
 * or reclaim, which call back into free_retired()). Not MULTI_WRITER_ADD:
 * its per-lcore slot caches are indexed by rte_lcore_id() and crash a
 * writer that is not an EAL thread (libmicrohttpd's, the UAPI server's).
 * Keys are random and unique. A deleted key's slot and the
 * retired keypair are freed only after an RCU grace period on the qsbr
 * given at creation (a defer queue of {slot, object}); without qsbr they
 * are freed at once.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "wgc_proto_private.h"

struct wgc_index_table {
	struct rte_hash *h;
	rte_spinlock_t wlock;         /* around rte_hash writes */
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	struct rte_ring *overflow;    /* retired by workers, dq full */
	uint32_t count;
	char name[RTE_HASH_NAMESIZE];
};

/* longest wait of an insert into a table full of retired slots */
#define INSERT_WAIT_US 2000

struct retired {
	int32_t pos;
	uint32_t pad;
	struct wgc_keypair *kp;
};

static void
free_retired(struct wgc_index_table *t, const struct retired *r)
{
	if (r->pos >= 0) {
		rte_spinlock_lock(&t->wlock);
		rte_hash_free_key_with_position(t->h, r->pos);
		rte_spinlock_unlock(&t->wlock);
	}
	if (r->kp != NULL)
		wgc_keypair_destroy(r->kp);
}

static void
dq_free(void *p, void *e, unsigned int n)
{
	struct wgc_index_table *t = p;
	struct retired *r = e;
	unsigned int i;

	for (i = 0; i < n; i++)
		free_retired(t, &r[i]);
}

struct wgc_index_table *
wgc_index_table_create(const char *name, uint32_t entries, int socket_id,
		struct rte_rcu_qsbr *qsbr)
{
	struct rte_hash_parameters hp;
	struct wgc_index_table *t;
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];

	if (name == NULL || entries < 8) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("wgc_index_table", sizeof(*t), 0, socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	memset(&hp, 0, sizeof(hp));
	hp.name = t->name;
	hp.entries = entries;
	hp.key_len = sizeof(uint32_t);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	rte_spinlock_init(&t->wlock);
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		int err = rte_errno;

		rte_free(t);
		rte_errno = err;
		return NULL;
	}
	t->qsbr = qsbr;
	if (qsbr != NULL) {
		struct rte_rcu_qsbr_dq_parameters dp;

		snprintf(dqname, sizeof(dqname), "wgi_%.20s", name);
		memset(&dp, 0, sizeof(dp));
		dp.name = dqname;
		/* Pending items hold hash slots: bounded by the table. */
		dp.size = 2 * entries;
		dp.esize = sizeof(struct retired);
		dp.trigger_reclaim_limit = 32;
		dp.max_reclaim_size = 64;
		dp.free_fn = dq_free;
		dp.p = t;
		dp.v = qsbr;
		t->dq = rte_rcu_qsbr_dq_create(&dp);
		snprintf(dqname, sizeof(dqname), "wgo_%.20s", name);
		t->overflow = t->dq == NULL ? NULL : rte_ring_create_elem(
			dqname, sizeof(struct retired), 1024, socket_id,
			RING_F_SC_DEQ);
		if (t->dq == NULL || t->overflow == NULL) {
			int err = rte_errno;

			rte_rcu_qsbr_dq_delete(t->dq);
			rte_hash_free(t->h);
			rte_free(t);
			rte_errno = err;
			return NULL;
		}
	}
	return t;
}

void
wgc_index_table_free(struct wgc_index_table *t)
{
	if (t == NULL)
		return;
	if (t->dq != NULL) {
		wgc_index_table_reclaim(t);
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(t->dq);
		rte_ring_free(t->overflow);
	}
	rte_hash_free(t->h);
	rte_free(t);
}

struct wgc_index_entry *
wgc_index_lookup(struct wgc_index_table *t, uint32_t index)
{
	void *data;

	if (rte_hash_lookup_data(t->h, &index, &data) < 0)
		return NULL;
	return data;
}

struct wgc_keypair *
wgc_index_lookup_keypair(struct wgc_index_table *t, uint32_t index)
{
	struct wgc_index_entry *e = wgc_index_lookup(t, index);

	if (e == NULL || __atomic_load_n(&e->type, __ATOMIC_ACQUIRE) !=
			WGC_INDEX_KEYPAIR)
		return NULL;
	return container_of(e, struct wgc_keypair, entry);
}

uint16_t
wgc_index_lookup_keypair_bulk(struct wgc_index_table *t, const uint32_t *idx,
		uint16_t n, struct wgc_keypair **kps)
{
	const void *keys[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t slot[RTE_HASH_LOOKUP_BULK_MAX];
	uint16_t done = 0, found = 0, i, u;
	uint64_t hits;

	while (done < n) {
		uint16_t chunk = RTE_MIN((uint16_t)(n - done),
			(uint16_t)RTE_HASH_LOOKUP_BULK_MAX);
		const uint32_t *x = idx + done;

		/* distinct consecutive keys only (a burst from one peer is
		 * one key) */
		u = 0;
		for (i = 0; i < chunk; i++) {
			if (u == 0 || x[i] != *(const uint32_t *)keys[u - 1])
				keys[u++] = &x[i];
			slot[i] = (uint8_t)(u - 1);
		}
		if (rte_hash_lookup_bulk_data(t->h, keys, u, &hits, data) < 0)
			hits = 0;
		for (i = 0; i < chunk; i++) {
			struct wgc_index_entry *e;

			kps[done + i] = NULL;
			if ((hits & (1ull << slot[i])) == 0)
				continue;
			e = data[slot[i]];
			if (__atomic_load_n(&e->type, __ATOMIC_ACQUIRE) !=
					WGC_INDEX_KEYPAIR)
				continue;
			kps[done + i] = container_of(e, struct wgc_keypair,
				entry);
			found++;
		}
		done += chunk;
	}
	return found;
}

uint32_t
wgc_index_table_count(const struct wgc_index_table *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

unsigned int
wgc_index_table_reclaim(struct wgc_index_table *t)
{
	unsigned int freed = 0, pending = 0, avail = 0;
	struct retired r;

	if (t->dq == NULL)
		return 0;
	rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, &freed, &pending, &avail);
	/* Rare: workers retired while the defer queue was full. */
	if (rte_ring_count(t->overflow) != 0) {
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		while (rte_ring_dequeue_elem(t->overflow, &r, sizeof(r)) == 0)
			free_retired(t, &r);
	}
	return pending;
}

static int
locked_add(struct wgc_index_table *t, uint32_t idx, struct wgc_index_entry *e)
{
	int ret;

	rte_spinlock_lock(&t->wlock);
	ret = rte_hash_add_key_data(t->h, &idx, e);
	rte_spinlock_unlock(&t->wlock);
	return ret;
}

/* add a new key: -EEXIST if it is taken (checked under the writers' lock:
 * two writers may draw the same random index) */
static int
locked_add_new(struct wgc_index_table *t, uint32_t idx,
		struct wgc_index_entry *e)
{
	int ret = -EEXIST;

	rte_spinlock_lock(&t->wlock);
	if (rte_hash_lookup(t->h, &idx) < 0) {
		e->index = idx;
		ret = rte_hash_add_key_data(t->h, &idx, e);
	}
	rte_spinlock_unlock(&t->wlock);
	return ret;
}

int
wgc_index_insert(struct wgc_index_table *t, struct wgc_index_entry *e)
{
	unsigned int tries;
	uint64_t deadline;
	int ret;

	for (tries = 0; tries < 64; tries++) {
		ret = locked_add_new(t, wgc_random_u32(), e);
		if (ret == 0) {
			__atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (ret == -ENOSPC)
			break;
	}
	/*
	 * The table may be full of slots waiting for a grace period: free
	 * them as their grace periods end, for at most INSERT_WAIT_US. Not
	 * rte_rcu_qsbr_synchronize(): the caller holds a peer's lock, and a
	 * reader may be spinning on that lock (a handshake lcore), so the
	 * wait must be bounded.
	 */
	deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * INSERT_WAIT_US / 1000000;
	do {
		if (t->dq != NULL)
			rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL,
				NULL);
		if (locked_add_new(t, wgc_random_u32(), e) == 0) {
			__atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
			return 0;
		}
		rte_pause();
	} while (t->dq != NULL && rte_get_timer_cycles() < deadline);
	e->index = 0;
	return -ENOSPC;
}

void
wgc_index_replace(struct wgc_index_table *t, struct wgc_index_entry *old,
		struct wgc_index_entry *new_entry)
{
	/* Same key, new data: an atomic update for lock-free readers. */
	new_entry->index = old->index;
	locked_add(t, old->index, new_entry);
}

static void
retire(struct wgc_index_table *t, int32_t pos, struct wgc_keypair *kp,
		bool may_block)
{
	struct retired r = { .pos = pos, .pad = 0, .kp = kp };

	if (t->dq == NULL) {
		free_retired(t, &r);
		return;
	}
	if (likely(rte_rcu_qsbr_dq_enqueue(t->dq, &r) == 0))
		return;
	if (may_block) {
		/* Queue full: wait for the readers, then free in place. */
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		free_retired(t, &r);
	} else if (rte_ring_enqueue_elem(t->overflow, &r, sizeof(r)) != 0) {
		/* Readers stuck for thousands of retirements: leak. */
		PROTO_LOG(ERR, "index %s: cannot retire keypair, leaked",
			t->name);
	}
}

void
wgc_index_remove(struct wgc_index_table *t, struct wgc_index_entry *e)
{
	int32_t pos;

	rte_spinlock_lock(&t->wlock);
	pos = rte_hash_del_key(t->h, &e->index);
	rte_spinlock_unlock(&t->wlock);
	if (pos >= 0) {
		__atomic_fetch_sub(&t->count, 1, __ATOMIC_RELAXED);
		/* under a peer's lock: never wait for a grace period */
		retire(t, pos, NULL, false);
	}
}

void
wgc_index_retire_keypair(struct wgc_index_table *t, struct wgc_keypair *kp,
		bool may_block)
{
	int32_t pos = -1;
	void *data;

	/* The index may already belong to someone else only if it was
	 * never ours: check the data before deleting. */
	rte_spinlock_lock(&t->wlock);
	if (rte_hash_lookup_data(t->h, &kp->entry.index, &data) >= 0 &&
			data == &kp->entry) {
		pos = rte_hash_del_key(t->h, &kp->entry.index);
		if (pos >= 0)
			__atomic_fetch_sub(&t->count, 1, __ATOMIC_RELAXED);
	}
	rte_spinlock_unlock(&t->wlock);
	retire(t, pos, kp, may_block);
}
