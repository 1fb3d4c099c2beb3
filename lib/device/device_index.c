/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The shadow's ordered index of peers by public key: lookup and "first
 * key after K" (paging cursors) in O(log n), insert and delete moving at
 * most one block (see struct oix_block).
 */

#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "device_shadow.h"

static inline uint64_t
key_pfx(const uint8_t *key)
{
	uint64_t v;

	memcpy(&v, key, sizeof(v));
	return rte_be_to_cpu_64(v);
}

/* key (with its prefix kp) against entry i of block bl */
static inline int
oix_cmp(const uint8_t *key, uint64_t kp, const struct oix_block *bl,
		uint32_t i)
{
	if (kp != bl->pfx[i])
		return kp < bl->pfx[i] ? -1 : 1;
	return memcmp(key, bl->p[i]->conf.public_key, WGC_KEY_LEN);
}

/* the last block whose first key is <= key (0 if none) */
static uint32_t
oix_block_of(const struct oix *ix, const uint8_t *key,
		uint64_t kp)
{
	uint32_t lo = 0, hi = ix->nblocks;

	/* the first block whose first key is > key */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = kp != ix->first[mid] ? (kp < ix->first[mid] ? -1 : 1) :
			oix_cmp(key, kp, ix->blocks[mid], 0);

		if (c >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? 0 : lo - 1;
}

/* first index in bl whose key is >= key */
static uint32_t
oix_block_lower(const struct oix_block *bl, const uint8_t *key, uint64_t kp)
{
	uint32_t lo = 0, hi = bl->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (oix_cmp(key, kp, bl, mid) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* first position whose key is >= key */
struct oix_pos
oix_lower(const struct oix *ix, const uint8_t *key)
{
	uint64_t kp = key_pfx(key);
	struct oix_pos pos = { 0, 0 };

	if (ix->nblocks == 0)
		return pos;
	pos.b = oix_block_of(ix, key, kp);
	pos.i = oix_block_lower(ix->blocks[pos.b], key, kp);
	if (pos.i == ix->blocks[pos.b]->n) {
		pos.b++;
		pos.i = 0;
	}
	return pos;
}

struct mem_peer *
oix_lookup(struct oix *ix, const uint8_t *key)
{
	struct mem_peer *x = oix_at(ix, oix_lower(ix, key));

	if (x != NULL && memcmp(x->conf.public_key, key, WGC_KEY_LEN) == 0)
		return x;
	return NULL;
}

/* put block bl at index b of the block array */
static int
oix_block_insert(struct oix *ix, uint32_t b,
		struct oix_block *bl)
{
	if (ix->nblocks == ix->capblocks) {
		uint32_t cap = ix->capblocks == 0 ? 64 : ix->capblocks * 2;
		struct oix_block **v;
		uint64_t *f;

		f = realloc(ix->first, cap * sizeof(*f));
		if (f == NULL)
			return -1;
		ix->first = f;
		v = realloc(ix->blocks, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		ix->blocks = v;
		ix->capblocks = cap;
	}
	memmove(&ix->blocks[b + 1], &ix->blocks[b],
		(ix->nblocks - b) * sizeof(ix->blocks[0]));
	memmove(&ix->first[b + 1], &ix->first[b],
		(ix->nblocks - b) * sizeof(ix->first[0]));
	ix->blocks[b] = bl;
	ix->first[b] = bl->n > 0 ? bl->pfx[0] : 0;
	ix->nblocks++;
	return 0;
}

struct mem_peer *
oix_insert(struct oix *ix, const uint8_t *key)
{
	uint64_t kp = key_pfx(key);
	struct oix_block *bl;
	struct mem_peer *x;
	uint32_t b, i;

	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	memcpy(x->conf.public_key, key, WGC_KEY_LEN);
	if (ix->nblocks == 0) {
		bl = calloc(1, sizeof(*bl));
		if (bl == NULL || oix_block_insert(ix, 0, bl) != 0) {
			free(bl);
			free(x);
			return NULL;
		}
	}
	b = oix_block_of(ix, key, kp);
	bl = ix->blocks[b];
	if (bl->n == OIX_BLOCK) {
		struct oix_block *nb = malloc(sizeof(*nb));

		if (nb == NULL) {
			free(x);
			return NULL;
		}
		nb->n = OIX_BLOCK / 2;
		memcpy(nb->pfx, &bl->pfx[OIX_BLOCK / 2],
			nb->n * sizeof(nb->pfx[0]));
		memcpy(nb->p, &bl->p[OIX_BLOCK / 2], nb->n * sizeof(nb->p[0]));
		if (oix_block_insert(ix, b + 1, nb) != 0) {
			free(nb);
			free(x);
			return NULL;
		}
		bl->n = OIX_BLOCK / 2;
		if (oix_cmp(key, kp, nb, 0) > 0) {
			b++;
			bl = nb;
		}
	}
	i = oix_block_lower(bl, key, kp);
	memmove(&bl->pfx[i + 1], &bl->pfx[i], (bl->n - i) * sizeof(bl->pfx[0]));
	memmove(&bl->p[i + 1], &bl->p[i], (bl->n - i) * sizeof(bl->p[0]));
	bl->pfx[i] = kp;
	bl->p[i] = x;
	bl->n++;
	if (i == 0)
		ix->first[b] = kp;
	ix->n++;
	return x;
}

void
oix_unlink(struct oix *ix, struct mem_peer *p)
{
	struct oix_pos pos = oix_lower(ix, p->conf.public_key);
	struct oix_block *bl;

	if (oix_at(ix, pos) != p)
		return;
	bl = ix->blocks[pos.b];
	memmove(&bl->pfx[pos.i], &bl->pfx[pos.i + 1],
		(bl->n - pos.i - 1) * sizeof(bl->pfx[0]));
	memmove(&bl->p[pos.i], &bl->p[pos.i + 1],
		(bl->n - pos.i - 1) * sizeof(bl->p[0]));
	bl->n--;
	ix->n--;
	if (bl->n > 0) {
		ix->first[pos.b] = bl->pfx[0];
		return;
	}
	free(bl);
	memmove(&ix->blocks[pos.b], &ix->blocks[pos.b + 1],
		(ix->nblocks - pos.b - 1) * sizeof(ix->blocks[0]));
	memmove(&ix->first[pos.b], &ix->first[pos.b + 1],
		(ix->nblocks - pos.b - 1) * sizeof(ix->first[0]));
	ix->nblocks--;
}
