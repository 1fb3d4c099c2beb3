/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The shadow as a configuration without a data plane: its reads (ordered
 * by key, paging from a cursor), its operations table (wgc_mem_backend_ops),
 * life cycle and test hooks. The device reads its configuration here too.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_private.h"
#include "device_shadow.h"

/* ------------------------------------------------------------- reads */

static int
mem_iface_get(void *ctx, struct wgc_iface_conf *iface)
{
	struct wgc_mem_backend *mb = ctx;

	return wgc_iface_conf_copy(iface, &mb->iface) == 0 ? 0 : -ENOMEM;
}

static uint64_t
mem_peer_count(void *ctx)
{
	struct wgc_mem_backend *mb = ctx;

	return mb->ix.n;
}

static int
copy_out(const struct mem_peer *p, struct wgc_peer_conf *conf,
		struct wgc_device_peer_stats *stats)
{
	if (conf != NULL && wgc_peer_conf_copy(conf, &p->conf) != 0)
		return -ENOMEM;
	if (stats != NULL)
		*stats = *peer_stats(p);
	return 0;
}

static int
mem_peer_get(void *ctx, const uint8_t key[WGC_KEY_LEN],
		struct wgc_peer_conf *conf, struct wgc_device_peer_stats *stats)
{
	struct wgc_mem_backend *mb = ctx;
	struct mem_peer *p = oix_lookup(&mb->ix, key);

	if (p == NULL)
		return -ENOENT;
	return copy_out(p, conf, stats);
}

static int
mem_peer_next(void *ctx, const uint8_t *after, struct wgc_peer_conf *conf,
		struct wgc_device_peer_stats *stats)
{
	struct wgc_mem_backend *mb = ctx;
	struct mem_peer *p;

	if (after == NULL) {
		p = mb->ix.nblocks > 0 ? mb->ix.blocks[0]->p[0] : NULL;
	} else {
		struct oix_pos pos = oix_lower(&mb->ix, after);

		p = oix_at(&mb->ix, pos);
		if (p != NULL && memcmp(p->conf.public_key, after,
				WGC_KEY_LEN) == 0)
			p = oix_at(&mb->ix, oix_next(&mb->ix, pos));
	}
	if (p == NULL)
		return -ENOENT;
	return copy_out(p, conf, stats);
}

static uint64_t
mem_peer_walk(void *ctx, const uint8_t *after, uint64_t max, bool stats,
		int (*fn)(void *arg, const struct wgc_peer_conf *conf,
			const struct wgc_device_peer_stats *st), void *arg)
{
	struct wgc_mem_backend *mb = ctx;
	struct oix_pos pos = { 0, 0 };
	struct mem_peer *p;
	uint64_t n = 0;

	if (after != NULL) {
		pos = oix_lower(&mb->ix, after);
		p = oix_at(&mb->ix, pos);
		if (p != NULL && memcmp(p->conf.public_key, after,
				WGC_KEY_LEN) == 0)
			pos = oix_next(&mb->ix, pos);
	}
	while (n < max && (p = oix_at(&mb->ix, pos)) != NULL) {
		n++;
		if (fn(arg, &p->conf, stats ? peer_stats(p) : NULL) != 0)
			break;
		pos = oix_next(&mb->ix, pos);
	}
	return n;
}

static int
mem_stats_read(void *ctx, struct wgc_stat *out, unsigned int max)
{
	struct wgc_mem_backend *mb = ctx;
	uint64_t rx = 0, tx = 0, rxp = 0, txp = 0;
	struct mem_peer *p;
	unsigned int n = 0;

	/* totals over peers: O(n), only for /v1/stats on small tables */
	if (mb->ix.n <= 100000) {
		struct oix_pos pos = { 0, 0 };

		for (; (p = oix_at(&mb->ix, pos)) != NULL;
				pos = oix_next(&mb->ix, pos)) {
			rx += peer_stats(p)->rx_bytes;
			tx += peer_stats(p)->tx_bytes;
			rxp += peer_stats(p)->rx_packets;
			txp += peer_stats(p)->tx_packets;
		}
	}
	n = wgc_stat_put(out, n, max, "rx_bytes", "", -1, rx);
	n = wgc_stat_put(out, n, max, "tx_bytes", "", -1, tx);
	n = wgc_stat_put(out, n, max, "rx_packets", "", -1, rxp);
	n = wgc_stat_put(out, n, max, "tx_packets", "", -1, txp);
	n = wgc_stat_put(out, n, max, "peers", "", -1, mb->ix.n);
	n = wgc_stat_put(out, n, max, "allowed_ips", "", -1, mb->naip);
	n = wgc_stat_put(out, n, max, "drops", "none", -1, 0);
	n = wgc_stat_put(out, n, max, "rx_packets", "", 0, rxp);
	return (int)n;
}

const struct wgc_device_ops wgc_mem_backend_ops = {
	.iface_get = mem_iface_get,
	.peer_count = mem_peer_count,
	.peer_get = mem_peer_get,
	.peer_next = mem_peer_next,
	.peer_walk = mem_peer_walk,
	.apply = shadow_apply,
	.stats_read = mem_stats_read,
	.health = NULL,
};

struct wgc_mem_backend *
wgc_mem_backend_create(const struct wgc_iface_conf *iface)
{
	struct wgc_mem_backend *mb = calloc(1, sizeof(*mb));

	if (mb == NULL)
		return NULL;
	mb->nbuckets = 1024;
	mb->buckets = calloc(mb->nbuckets, sizeof(*mb->buckets));
	if (mb->buckets == NULL)
		goto fail;
	if (iface != NULL && wgc_iface_conf_copy(&mb->iface, iface) != 0)
		goto fail;
	if (iface == NULL)
		snprintf(mb->iface.name, sizeof(mb->iface.name), "wgc0");
	return mb;
fail:
	free(mb->buckets);
	free(mb);
	errno = ENOMEM;
	return NULL;
}

void
wgc_mem_backend_destroy(struct wgc_mem_backend *mb)
{
	if (mb == NULL)
		return;
	shadow_fini(mb);
	wgc_iface_conf_free(&mb->iface);
	free(mb);
}

int
wgc_mem_backend_set_stats(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN],
		const struct wgc_device_peer_stats *st)
{
	struct mem_peer *p = oix_lookup(&mb->ix, key);

	if (p == NULL)
		return -ENOENT;
	if (shadow_peer_stats_set(p, st) != 0)
		return -ENOMEM;
	return 0;
}

uint64_t
wgc_mem_backend_session(struct wgc_mem_backend *mb,
		const uint8_t key[WGC_KEY_LEN])
{
	struct mem_peer *p = oix_lookup(&mb->ix, key);

	return p != NULL ? p->session : 0;
}

void
wgc_mem_backend_fake_handshakes(struct wgc_mem_backend *mb, bool on)
{
	mb->fake_handshakes = on;
}

void **
shadow_user(const struct wgc_peer_conf *conf)
{
	struct mem_peer *p = container_of(conf, struct mem_peer, conf);

	return &p->user;
}
