/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Per-source token bucket for handshake messages under load, as the Linux
 * module's ratelimiter.c: 20 packets per second, burst 5; IPv4 keyed by
 * address, IPv6 by /64. Entries live in a fixed array (bounded memory)
 * indexed by an rte_hash; entries idle for more than a second are
 * collected at most once a second. When the array is full, new sources are
 * refused. Single thread (the handshake thread).
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "wgc_proto_private.h"

#define RL_PACKETS_PER_SECOND 20
#define RL_PACKETS_BURSTABLE 5
#define RL_PACKET_COST (WGC_NSEC_PER_SEC / RL_PACKETS_PER_SECOND)
#define RL_TOKEN_MAX (RL_PACKET_COST * RL_PACKETS_BURSTABLE)
#define RL_GC_INTERVAL WGC_NSEC_PER_SEC

struct rl_key {
	uint8_t family;
	uint8_t pad[7];
	uint8_t addr[8];
};

struct rl_entry {
	struct rl_key key;
	uint64_t last_time;
	uint64_t tokens;
	bool used;
};

struct wgc_ratelimiter {
	struct rte_hash *h;
	struct rl_entry *entries;
	uint32_t *free_list;
	uint32_t nb_free;
	uint32_t max;
	uint64_t last_gc;
	char name[RTE_HASH_NAMESIZE];
};

struct wgc_ratelimiter *
wgc_ratelimiter_create(const char *name, uint32_t max_entries, int socket_id)
{
	struct rte_hash_parameters hp;
	struct wgc_ratelimiter *rl;
	uint32_t i;

	if (name == NULL || max_entries < 8) {
		rte_errno = EINVAL;
		return NULL;
	}
	rl = rte_zmalloc_socket("wgc_ratelimiter", sizeof(*rl), 0, socket_id);
	if (rl == NULL)
		goto nomem;
	strlcpy(rl->name, name, sizeof(rl->name));
	rl->max = max_entries;
	rl->entries = rte_zmalloc_socket("wgc_rl_entries",
		sizeof(*rl->entries) * max_entries, 0, socket_id);
	rl->free_list = rte_malloc_socket("wgc_rl_free",
		sizeof(*rl->free_list) * max_entries, 0, socket_id);
	if (rl->entries == NULL || rl->free_list == NULL)
		goto nomem;
	for (i = 0; i < max_entries; i++)
		rl->free_list[i] = max_entries - 1 - i;
	rl->nb_free = max_entries;
	memset(&hp, 0, sizeof(hp));
	hp.name = rl->name;
	/* Leave cuckoo headroom so a bounded array never fails to hash. */
	hp.entries = max_entries + max_entries / 4;
	hp.key_len = sizeof(struct rl_key);
	hp.hash_func = rte_jhash;
	hp.socket_id = socket_id;
	rl->h = rte_hash_create(&hp);
	if (rl->h == NULL) {
		int err = rte_errno;

		wgc_ratelimiter_free(rl);
		rte_errno = err;
		return NULL;
	}
	return rl;
nomem:
	wgc_ratelimiter_free(rl);
	rte_errno = ENOMEM;
	return NULL;
}

void
wgc_ratelimiter_free(struct wgc_ratelimiter *rl)
{
	if (rl == NULL)
		return;
	rte_hash_free(rl->h);
	rte_free(rl->entries);
	rte_free(rl->free_list);
	rte_free(rl);
}

static void
rl_gc(struct wgc_ratelimiter *rl, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < rl->max; i++) {
		struct rl_entry *e = &rl->entries[i];

		if (!e->used || wgc_age(now, e->last_time) <= WGC_NSEC_PER_SEC)
			continue;
		rte_hash_del_key(rl->h, &e->key);
		e->used = false;
		rl->free_list[rl->nb_free++] = i;
	}
	rl->last_gc = now;
}

bool
wgc_ratelimiter_allow(struct wgc_ratelimiter *rl,
		const struct wgc_endpoint *src, uint64_t now)
{
	struct rl_key key;
	struct rl_entry *e;
	void *data;
	uint32_t i;
	uint64_t tokens;

	memset(&key, 0, sizeof(key));
	key.family = src->addr.family;
	memcpy(key.addr, src->addr.bytes,
		src->addr.family == AF_INET6 ? 8 : 4);

	if (wgc_age(now, rl->last_gc) >= RL_GC_INTERVAL)
		rl_gc(rl, now);

	if (rte_hash_lookup_data(rl->h, &key, &data) >= 0) {
		e = &rl->entries[(uintptr_t)data];
		tokens = e->tokens + wgc_age(now, e->last_time);
		if (tokens > RL_TOKEN_MAX)
			tokens = RL_TOKEN_MAX;
		e->last_time = now;
		if (tokens >= RL_PACKET_COST) {
			e->tokens = tokens - RL_PACKET_COST;
			return true;
		}
		e->tokens = tokens;
		return false;
	}
	if (rl->nb_free == 0)
		return false;
	i = rl->free_list[--rl->nb_free];
	e = &rl->entries[i];
	e->key = key;
	e->last_time = now;
	e->tokens = RL_TOKEN_MAX - RL_PACKET_COST;
	if (rte_hash_add_key_data(rl->h, &key, (void *)(uintptr_t)i) < 0) {
		rl->free_list[rl->nb_free++] = i;
		return false;
	}
	e->used = true;
	return true;
}

uint32_t
wgc_ratelimiter_count(const struct wgc_ratelimiter *rl)
{
	return rl->max - rl->nb_free;
}
