/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Ephemeral X25519 key pairs generated ahead of need. The fixed-base
 * scalar multiplication of a handshake's ephemeral public key does not
 * depend on the peer: a handshake thread computes pairs while it is idle
 * and takes one per handshake, leaving only the multiplications with the
 * peer's keys on the critical path. A pair is used once; its slot is
 * wiped when taken, the pool when freed. An empty pool (a sustained
 * flood) falls back to generating on demand: the pool only moves work to
 * idle time, it never refuses a handshake.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_per_lcore.h>

#include "wgc_proto_private.h"

struct eph_pair {
	uint8_t priv[WGC_KEY_LEN];
	uint8_t pub[WGC_KEY_LEN];
};

struct wgc_ephemeral_pool {
	uint32_t size;
	uint32_t ready;              /* a stack: slots [0, ready) */
	uint64_t taken;
	uint64_t on_demand;
	uint64_t generated;
	struct eph_pair e[];
};

static RTE_DEFINE_PER_LCORE(struct wgc_ephemeral_pool *, eph_bound);

struct wgc_ephemeral_pool *
wgc_ephemeral_pool_create(const char *name, uint32_t size, int socket_id)
{
	struct wgc_ephemeral_pool *pool;

	if (name == NULL || size == 0 || size > 65536) {
		rte_errno = EINVAL;
		return NULL;
	}
	pool = rte_zmalloc_socket(name, sizeof(*pool) +
		(size_t)size * sizeof(pool->e[0]), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (pool == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pool->size = size;
	return pool;
}

void
wgc_ephemeral_pool_free(struct wgc_ephemeral_pool *pool)
{
	if (pool == NULL)
		return;
	if (RTE_PER_LCORE(eph_bound) == pool)
		RTE_PER_LCORE(eph_bound) = NULL;
	wgc_wipe(pool->e, (size_t)pool->size * sizeof(pool->e[0]));
	rte_free(pool);
}

unsigned int
wgc_ephemeral_pool_refill(struct wgc_ephemeral_pool *pool, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && pool->ready < pool->size) {
		struct eph_pair *p = &pool->e[pool->ready];

		wgc_x25519_generate(p->priv);
		if (wgc_x25519_public(p->pub, p->priv) < 0) {
			wgc_wipe(p, sizeof(*p));
			break;
		}
		pool->ready++;
		pool->generated++;
		n++;
	}
	return n;
}

void
wgc_ephemeral_pool_bind(struct wgc_ephemeral_pool *pool)
{
	RTE_PER_LCORE(eph_bound) = pool;
}

void
wgc_ephemeral_pool_stats(const struct wgc_ephemeral_pool *pool,
		struct wgc_ephemeral_stats *st)
{
	st->ready = pool->ready;
	st->size = pool->size;
	st->taken = pool->taken;
	st->on_demand = pool->on_demand;
	st->generated = pool->generated;
}

int
wgc_ephemeral_next(uint8_t priv[WGC_KEY_LEN], uint8_t pub[WGC_KEY_LEN])
{
	struct wgc_ephemeral_pool *pool = RTE_PER_LCORE(eph_bound);

	if (pool != NULL && pool->ready > 0) {
		struct eph_pair *p = &pool->e[--pool->ready];

		memcpy(priv, p->priv, WGC_KEY_LEN);
		memcpy(pub, p->pub, WGC_KEY_LEN);
		wgc_wipe(p, sizeof(*p));
		pool->taken++;
		return 0;
	}
	if (pool != NULL)
		pool->on_demand++;
	wgc_x25519_generate(priv);
	return wgc_x25519_public(pub, priv) < 0 ? -1 : 0;
}
