/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "wgc_iobuf.h"

RTE_LOG_REGISTER(wgc_logtype_iobuf, wgc.iobuf, INFO);
#define IOBUF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_iobuf, "iobuf: " fmt "\n", \
		##__VA_ARGS__)

#define DEFAULT_POOL_NAME "wgc_default"
#define DEFAULT_POOL_CACHE 256u

static struct rte_mempool *default_pool;
static struct wgc_recycler default_recycler;

static void
recycle_mempool(struct wgc_recycler *r, void * const *backings, unsigned int n)
{
	RTE_SET_USED(r);
	rte_pktmbuf_free_bulk((struct rte_mbuf **)(uintptr_t)backings, n);
}

void
wgc_recycler_mempool_init(struct wgc_recycler *r, struct rte_mempool *mp)
{
	r->recycle = recycle_mempool;
	r->ctx = mp;
	snprintf(r->name, sizeof(r->name), "%s", mp->name);
}

void
wgc_recycler_ext_init(struct wgc_recycler *r, const char *name,
		wgc_recycle_t fn, void *ctx)
{
	r->recycle = fn;
	r->ctx = ctx;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

struct rte_mempool *
wgc_recycler_mempool(const struct wgc_recycler *r)
{
	if (r->recycle != recycle_mempool)
		return NULL;
	return r->ctx;
}

/*
 * Recycle every view of r in v[0..n), after the nb backings of r already in
 * batch; the views become empty.
 */
static void
recycle_rest(struct wgc_recycler *r, struct wgc_view *v, unsigned int n,
		void **batch, unsigned int nb)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (v[i].recycler != r)
			continue;
		batch[nb++] = v[i].backing;
		v[i].recycler = NULL;
		if (nb == WGC_IOBUF_BURST_MAX) {
			r->recycle(r, batch, nb);
			nb = 0;
		}
	}
	if (nb > 0)
		r->recycle(r, batch, nb);
}

/*
 * Views from several recyclers: take the first view still owning
 * something, recycle every view of its recycler in one call, repeat.
 * O(n * recyclers in the burst), and recyclers per burst are few.
 */
static void
release_mixed(struct wgc_view *v, unsigned int n, void **batch)
{
	unsigned int first;

	for (first = 0; first < n; first++)
		if (v[first].recycler != NULL)
			recycle_rest(v[first].recycler, v + first, n - first,
				batch, 0);
}

void
wgc_view_release_all(struct wgc_view *v, unsigned int n)
{
	void *batch[WGC_IOBUF_BURST_MAX];
	struct wgc_recycler *r;
	unsigned int i, chunk;

	/* common case: one recycler (one RX port, or the default pool) */
	while (n > 0) {
		chunk = RTE_MIN(n, (unsigned int)RTE_DIM(batch));
		r = v[0].recycler;
		for (i = 0; r != NULL && i < chunk; i++) {
			if (unlikely(v[i].recycler != r))
				break;
			batch[i] = v[i].backing;
			v[i].recycler = NULL;
		}
		if (likely(r != NULL && i == chunk)) {
			r->recycle(r, batch, chunk);
			v += chunk;
			n -= chunk;
			continue;
		}
		/* mixed: finish r's views, then the other recyclers' */
		if (r != NULL)
			recycle_rest(r, v + i, n - i, batch, i);
		release_mixed(v + i, n - i, batch);
		return;
	}
}

unsigned int
wgc_view_alloc_bulk(struct wgc_recycler *r, struct wgc_view *v,
		unsigned int n)
{
	struct rte_mempool *mp = wgc_recycler_mempool(r);
	struct rte_mbuf *m[WGC_IOBUF_BURST_MAX];
	unsigned int done, chunk, i;
	uint16_t head, tail;

	if (mp == NULL)
		return 0;
	/* a fresh mbuf is reset: same headroom and tailroom for the pool */
	head = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM,
		rte_pktmbuf_data_room_size(mp));
	tail = rte_pktmbuf_data_room_size(mp) - head;
	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)RTE_DIM(m));
		if (rte_pktmbuf_alloc_bulk(mp, m, chunk) != 0) {
			wgc_view_release_all(v, done);
			return 0;
		}
		for (i = 0; i < chunk; i++) {
			struct wgc_view *w = &v[done + i];

			w->data = (uint8_t *)m[i]->buf_addr + head;
			w->len = 0;
			w->headroom = head;
			w->tailroom = tail;
			w->backing = m[i];
			w->recycler = r;
		}
	}
	return n;
}

uint16_t
wgc_iobuf_data_room(uint16_t mtu)
{
	return WGC_IOBUF_HEADROOM + RTE_ALIGN_CEIL(mtu, 16) + 16;
}

struct rte_mempool *
wgc_iobuf_default_pool_create(uint16_t mtu, unsigned int nb_bufs,
		int socket_id)
{
	struct rte_mempool *mp;

	if (default_pool != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (mtu < 576 || mtu > 9000) {
		IOBUF_LOG(ERR, "MTU %u out of range 576..9000", mtu);
		rte_errno = EINVAL;
		return NULL;
	}
	if (nb_bufs == 0)
		nb_bufs = WGC_IOBUF_DEFAULT_POOL_SIZE;
	mp = rte_pktmbuf_pool_create(DEFAULT_POOL_NAME, nb_bufs,
		/* a cache may hold at most n / 1.5 objects */
		RTE_MIN(DEFAULT_POOL_CACHE, nb_bufs * 2 / 3),
		0, wgc_iobuf_data_room(mtu), socket_id);
	if (mp == NULL) {
		IOBUF_LOG(ERR, "cannot create default pool (%u x %u B): %s",
			nb_bufs, wgc_iobuf_data_room(mtu),
			rte_strerror(rte_errno));
		return NULL;
	}
	default_pool = mp;
	wgc_recycler_mempool_init(&default_recycler, mp);
	IOBUF_LOG(DEBUG, "default pool: %u buffers of %u B", nb_bufs,
		wgc_iobuf_data_room(mtu));
	return mp;
}

struct rte_mempool *
wgc_iobuf_default_pool(void)
{
	return default_pool;
}

struct wgc_recycler *
wgc_iobuf_default_recycler(void)
{
	return default_pool == NULL ? NULL : &default_recycler;
}

void
wgc_iobuf_default_pool_free(void)
{
	if (default_pool == NULL)
		return;
	if (rte_mempool_in_use_count(default_pool) != 0)
		IOBUF_LOG(WARNING, "default pool freed with %u buffers in use",
			rte_mempool_in_use_count(default_pool));
	rte_mempool_free(default_pool);
	default_pool = NULL;
	memset(&default_recycler, 0, sizeof(default_recycler));
}
