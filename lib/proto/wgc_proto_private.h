/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PROTO_PRIVATE_H_
#define _WGC_PROTO_PRIVATE_H_

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>

#include "wgc_proto.h"

extern int wgc_logtype_proto;
#define PROTO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_proto, "wgc.proto: " fmt "\n", \
		##__VA_ARGS__)

/* One slot per lcore plus one shared (atomic) slot for non-EAL threads. */
struct wgc_proto_stats_slot {
	uint64_t c[WGC_CNT_MAX];
} __rte_cache_aligned;

struct wgc_identity {
	char name[32];
	bool has_key;
	uint8_t static_private[WGC_KEY_LEN];
	uint8_t static_public[WGC_KEY_LEN];
	/* Noise state after mixing our public key (responder side). */
	uint8_t responder_hash0[WGC_HASH_LEN];
	uint8_t mac1_key[WGC_HASH_LEN];          /* HASH("mac1----" || S) */
	uint8_t cookie_encryption_key[WGC_HASH_LEN]; /* HASH("cookie--" || S) */
	/* the keys above: written by wgc_identity_set_private_key(), read
	 * by handshakes on several lcores (wgc_identity_keys_read_lock()) */
	rte_rwlock_t keys_lock;
	/* the cookie secret, shared by every handshake lcore */
	rte_spinlock_t secret_lock;
	uint8_t cookie_secret[WGC_HASH_LEN];
	uint64_t secret_birthdate;
	bool secret_valid;
	wgc_keylog_t keylog;
	void *keylog_ctx;
	struct wgc_proto_stats_slot stats[RTE_MAX_LCORE + 1];
};

static inline void
wgc_count(struct wgc_identity *id, enum wgc_proto_counter c)
{
	unsigned int l = rte_lcore_id();

	if (likely(l < RTE_MAX_LCORE)) {
		uint64_t *p = &id->stats[l].c[c];

		__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1,
			__ATOMIC_RELAXED);
	} else {
		__atomic_fetch_add(&id->stats[RTE_MAX_LCORE].c[c], 1,
			__ATOMIC_RELAXED);
	}
}

/* Debug key log of a new ephemeral key (and the PSK in use). */
static inline void
wgc_keylog_ephemeral(const struct wgc_identity *id,
		const uint8_t e_priv[WGC_KEY_LEN], const uint8_t psk[WGC_KEY_LEN])
{
	if (likely(id->keylog == NULL))
		return;
	id->keylog(id->keylog_ctx, "LOCAL_EPHEMERAL_PRIVATE_KEY", e_priv);
	if (!wgc_ct_is_zero(psk, WGC_KEY_LEN))
		id->keylog(id->keylog_ctx, "PRESHARED_KEY", psk);
}

/* Noise constants. */
extern uint8_t wgc_noise_init_chaining_key[WGC_HASH_LEN];
extern uint8_t wgc_noise_init_hash[WGC_HASH_LEN];
void wgc_noise_constants_init(void);

/* a fresh ephemeral pair: the calling thread's pool, else generated
 * (wgc_ephemeral.c); 0 or -1 */
int wgc_ephemeral_next(uint8_t priv[WGC_KEY_LEN], uint8_t pub[WGC_KEY_LEN]);

/* Index table (wgc_index.c). */
int wgc_index_insert(struct wgc_index_table *t, struct wgc_index_entry *e);
void wgc_index_replace(struct wgc_index_table *t, struct wgc_index_entry *old,
		struct wgc_index_entry *new_entry);
void wgc_index_remove(struct wgc_index_table *t, struct wgc_index_entry *e);
/*
 * Unhash kp and free it after a grace period. may_block: the caller is not
 * an RCU reader and may wait for a grace period if the defer queue is
 * full; otherwise the keypair goes to an overflow ring that
 * wgc_index_table_reclaim() drains.
 */
void wgc_index_retire_keypair(struct wgc_index_table *t,
		struct wgc_keypair *kp, bool may_block);

/* Keypairs (wgc_keypair.c). */
struct wgc_keypair *wgc_keypair_alloc(struct wgc_peer_proto *peer);
void wgc_keypair_destroy(struct wgc_keypair *kp);
void wgc_keypairs_add_new(struct wgc_peer_proto *peer,
		struct wgc_keypair *kp);
bool wgc_keypairs_received_with(struct wgc_peer_proto *peer,
		struct wgc_keypair *kp);
void wgc_keypairs_clear(struct wgc_peer_proto *peer);

/* Handshake (wgc_noise.c). */
void wgc_handshake_clear(struct wgc_peer_proto *peer);

/* Cookies (wgc_cookie.c). */
void wgc_cookie_add_macs(struct wgc_peer_proto *peer, uint8_t *msg,
		size_t len, uint64_t now);
void wgc_cookie_peer_init(struct wgc_peer_proto *peer);

/*
 * Time elapsed since `then`; 0 if `then` is in the future (a worker's
 * cached `now` may be slightly older than a birthdate set by the control
 * thread).
 */
static inline uint64_t
wgc_age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* Atomic pointer helpers. */
#define WGC_LOAD_PTR(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define WGC_STORE_PTR(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static inline uint32_t
wgc_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
		((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void
wgc_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif /* _WGC_PROTO_PRIVATE_H_ */
