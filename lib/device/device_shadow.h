/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _DEVICE_SHADOW_H_
#define _DEVICE_SHADOW_H_

/* The shadow's records, their ordered index (device_index.c), the shadow
 * (device_shadow.c) and its reads (device_shadow_ops.c). */

#include <stdint.h>

#include "wgc_device.h"

/* entries per block of the ordered index */
#define OIX_BLOCK 128

/* a peer: 144 bytes with malloc's header, plus its allowed IPs */
struct mem_peer {
	struct wgc_peer_conf conf;
	/* counters (test hooks, control-only server): NULL = all zero */
	struct wgc_device_peer_stats *stats;
	uint64_t session;
	uint32_t gen;          /* apply generation that touched it */
	uint32_t undo_idx;     /* its first undo record when gen is current */
	void *user;            /* the device's hint (shadow_user()) */
};

/*
 * The ordered index: a sorted array of blocks, each a sorted array of up
 * to OIX_BLOCK peers with the first 8 bytes of their key (big-endian, as
 * an integer) beside them. A search is a binary search over the blocks'
 * first prefixes, then over one block's prefixes: the keys themselves are
 * read only on a prefix tie. Insert and delete move at most one block's
 * entries (and, on a split or an emptied block, the block array).
 */
struct oix_block {
	uint32_t n;
	uint64_t pfx[OIX_BLOCK];
	struct mem_peer *p[OIX_BLOCK];
};

struct oix_pos {
	uint32_t b;            /* block; nblocks = end */
	uint32_t i;
};

/* the index: blocks in key order */
struct oix {
	struct oix_block **blocks;
	uint64_t *first;       /* first[b] = blocks[b]->pfx[0] */
	uint32_t nblocks, capblocks;
	uint64_t n;            /* peers */
};

static inline struct mem_peer *
oix_at(const struct oix *ix, struct oix_pos pos)
{
	return pos.b < ix->nblocks ? ix->blocks[pos.b]->p[pos.i] : NULL;
}

static inline struct oix_pos
oix_next(const struct oix *ix, struct oix_pos pos)
{
	if (++pos.i == ix->blocks[pos.b]->n) {
		pos.b++;
		pos.i = 0;
	}
	return pos;
}

/* first position whose key is >= @p key */
struct oix_pos oix_lower(const struct oix *ix, const uint8_t *key);
/* the record of @p key, or NULL */
struct mem_peer *oix_lookup(struct oix *ix, const uint8_t *key);
/* a new zeroed record for @p key (absent), in order; NULL on ENOMEM */
struct mem_peer *oix_insert(struct oix *ix, const uint8_t *key);
/* take @p p out of the index (not freed) */
void oix_unlink(struct oix *ix, struct mem_peer *p);

/* ---- the shadow (device_shadow.c) ---- */

struct aip {
	struct aip *next;
	struct wgc_prefix cidr;  /* normalised */
	struct mem_peer *owner;
};

/* a peer's state before the running apply changed it */
struct undo_saved {
	uint64_t session;
	struct wgc_device_peer_stats stats;
	struct wgc_peer_conf conf;
};

/* 48 bytes a record: a million new peers in one change set (wg setconf)
 * log 48 MB, not the 200 of a saved state each */
struct undo {
	uint8_t key[WGC_KEY_LEN];
	struct mem_peer *node;  /* the key's node since; NULL once removed */
	struct undo_saved *saved; /* NULL: the key did not exist */
};

struct wgc_mem_backend {
	struct wgc_iface_conf iface;
	struct oix ix;         /* the peers in key order */
	uint64_t next_session;
	uint32_t gen;          /* apply generation (never 0) */
	bool fake_handshakes;
	/* the interface before the prepared change */
	struct wgc_iface_conf saved_iface;
	bool prepared;
	struct aip **buckets;
	uint64_t nbuckets;
	uint64_t naip;
	/* undo log of the running apply */
	struct undo *undo;
	uint64_t n_undo, cap_undo;
};

/* a peer's counters: zero unless set */
extern const struct wgc_device_peer_stats shadow_zero_stats;

static inline const struct wgc_device_peer_stats *
peer_stats(const struct mem_peer *p)
{
	return p->stats != NULL ? p->stats : &shadow_zero_stats;
}

/* set a peer's counters; -1 on ENOMEM */
int shadow_peer_stats_set(struct mem_peer *p,
		const struct wgc_device_peer_stats *st);
/* free a record (wiped) */
void shadow_peer_free(struct mem_peer *p);
/* prepare and commit in one: wgc_mem_backend_ops.apply */
int shadow_apply(void *ctx, const struct wgc_changeset *cs,
		struct wgc_conf_error *err);
/* free every record, the indexes and the undo log (not @p mb) */
void shadow_fini(struct wgc_mem_backend *mb);

#endif /* _DEVICE_SHADOW_H_ */
