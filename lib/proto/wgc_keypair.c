/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Keypairs: previous / current / next slots of a peer, as in the Linux
 * module. Slots are read by workers with acquire loads; writers (control
 * thread, and a worker confirming a key) hold keypairs.lock. A keypair
 * leaving its slot is unhashed and freed after an RCU grace period by the
 * index table.
 */

#include <string.h>

#include <rte_malloc.h>

#include "wgc_proto_private.h"

static uint64_t keypair_ids;

struct wgc_keypair *
wgc_keypair_alloc(struct wgc_peer_proto *peer)
{
	struct wgc_keypair *kp;

	kp = rte_zmalloc("wgc_keypair", sizeof(*kp), RTE_CACHE_LINE_SIZE);
	if (kp == NULL)
		return NULL;
	kp->entry.peer = peer;
	kp->entry.type = WGC_INDEX_KEYPAIR;
	kp->internal_id = __atomic_add_fetch(&keypair_ids, 1,
		__ATOMIC_RELAXED);
	return kp;
}

void
wgc_keypair_destroy(struct wgc_keypair *kp)
{
	/* Everything, not just the keys: a reader that (wrongly) still held
	 * it would see type WGC_INDEX_NONE rather than stale keys. */
	wgc_wipe(kp, sizeof(*kp));
	rte_free(kp);
}

/*
 * Keypairs leaving their slots are collected under the lock and retired
 * after it is released: retiring may wait for an RCU grace period, which a
 * reader spinning on the same lock would never let end.
 */
struct put_list {
	struct wgc_keypair *kp[3];
	unsigned int n;
};

static void
put_later(struct put_list *l, struct wgc_keypair *kp)
{
	if (kp == NULL)
		return;
	__atomic_store_n(&kp->sending_valid, false, __ATOMIC_RELAXED);
	__atomic_store_n(&kp->receiving_valid, false, __ATOMIC_RELAXED);
	l->kp[l->n++] = kp;
}

static void
put_all(struct wgc_peer_proto *peer, struct put_list *l, bool may_block)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		wgc_index_retire_keypair(peer->index_table, l->kp[i],
			may_block);
}

void
wgc_keypairs_add_new(struct wgc_peer_proto *peer, struct wgc_keypair *kp)
{
	struct wgc_keypairs *k = &peer->keypairs;
	struct wgc_keypair *prev, *cur, *next;
	struct put_list l = { .n = 0 };

	rte_spinlock_lock(&k->lock);
	prev = k->previous;
	cur = k->current;
	next = k->next;
	if (kp->initiator) {
		/*
		 * A pending next (never confirmed) becomes previous and the
		 * current one goes; otherwise current becomes previous.
		 */
		if (next != NULL) {
			WGC_STORE_PTR(k->next, NULL);
			WGC_STORE_PTR(k->previous, next);
			put_later(&l, cur);
		} else {
			WGC_STORE_PTR(k->previous, cur);
		}
		put_later(&l, prev);
		WGC_STORE_PTR(k->current, kp);
	} else {
		/* Responder: wait for confirmation before using it. */
		WGC_STORE_PTR(k->next, kp);
		put_later(&l, next);
		WGC_STORE_PTR(k->previous, NULL);
		put_later(&l, prev);
	}
	rte_spinlock_unlock(&k->lock);
	/* under the peer's lock: never wait for a grace period */
	put_all(peer, &l, false);
}

bool
wgc_keypairs_received_with(struct wgc_peer_proto *peer,
		struct wgc_keypair *kp)
{
	struct wgc_keypairs *k = &peer->keypairs;
	struct put_list l = { .n = 0 };

	if (likely(WGC_LOAD_PTR(k->next) != kp))
		return false;
	rte_spinlock_lock(&k->lock);
	if (k->next != kp) {
		rte_spinlock_unlock(&k->lock);
		return false;
	}
	put_later(&l, k->previous);
	WGC_STORE_PTR(k->previous, k->current);
	WGC_STORE_PTR(k->current, kp);
	WGC_STORE_PTR(k->next, NULL);
	rte_spinlock_unlock(&k->lock);
	/* On a worker (an RCU reader): never wait for a grace period. */
	put_all(peer, &l, false);
	return true;
}

void
wgc_keypairs_clear(struct wgc_peer_proto *peer)
{
	struct wgc_keypairs *k = &peer->keypairs;
	struct put_list l = { .n = 0 };

	rte_spinlock_lock(&k->lock);
	put_later(&l, k->previous);
	put_later(&l, k->current);
	put_later(&l, k->next);
	WGC_STORE_PTR(k->previous, NULL);
	WGC_STORE_PTR(k->current, NULL);
	WGC_STORE_PTR(k->next, NULL);
	rte_spinlock_unlock(&k->lock);
	put_all(peer, &l, false);
}

void
wgc_peer_proto_expire_keypairs(struct wgc_peer_proto *peer)
{
	struct wgc_keypairs *k = &peer->keypairs;

	wgc_peer_proto_lock(peer);
	wgc_handshake_clear(peer);
	rte_spinlock_lock(&k->lock);
	if (k->next != NULL)
		__atomic_store_n(&k->next->sending_valid, false,
			__ATOMIC_RELAXED);
	if (k->current != NULL)
		__atomic_store_n(&k->current->sending_valid, false,
			__ATOMIC_RELAXED);
	rte_spinlock_unlock(&k->lock);
	wgc_peer_proto_unlock(peer);
}

struct wgc_keypair *
wgc_keypair_current(struct wgc_peer_proto *peer, uint64_t now)
{
	struct wgc_keypair *kp = WGC_LOAD_PTR(peer->keypairs.current);

	if (kp == NULL ||
			!__atomic_load_n(&kp->sending_valid, __ATOMIC_RELAXED) ||
			wgc_age(now, kp->birthdate) >= WGC_REJECT_AFTER_TIME ||
			__atomic_load_n(&kp->send_counter, __ATOMIC_RELAXED) >=
			WGC_REJECT_AFTER_MESSAGES)
		return NULL;
	return kp;
}

bool
wgc_keypair_should_rekey_on_send(const struct wgc_keypair *kp, uint64_t now)
{
	return kp->initiator &&
		(__atomic_load_n(&kp->send_counter, __ATOMIC_RELAXED) >
		 WGC_REKEY_AFTER_MESSAGES ||
		 wgc_age(now, kp->birthdate) > WGC_REKEY_AFTER_TIME);
}

bool
wgc_keypair_should_rekey_on_receive(struct wgc_keypair *kp, uint64_t now)
{
	struct wgc_peer_proto *peer = kp->entry.peer;

	if (!kp->initiator || peer->timers.sent_lastminute_handshake)
		return false;
	if (wgc_age(now, kp->birthdate) <= WGC_REJECT_AFTER_TIME -
			WGC_KEEPALIVE_TIMEOUT - WGC_REKEY_TIMEOUT)
		return false;
	if (kp != WGC_LOAD_PTR(peer->keypairs.current))
		return false;
	peer->timers.sent_lastminute_handshake = true;
	return true;
}
