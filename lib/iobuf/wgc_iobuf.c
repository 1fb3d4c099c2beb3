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
	rte_log(RTE_LOG_ ## level, wgc_logtype_iobuf, \
		"wgc.iobuf: " fmt "\n", ##__VA_ARGS__)

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
	r->mp = mp;
	snprintf(r->name, sizeof(r->name), "%s", mp->name);
}

void
wgc_recycler_ext_init(struct wgc_recycler *r, const char *name,
		wgc_recycle_t fn, void *ctx)
{
	r->recycle = fn;
	r->ctx = ctx;
	r->mp = NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
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

/*
 * Whether m can go straight back to mp: a direct, single-segment mbuf of mp
 * that nothing else references. That is what rte_pktmbuf_free() would do
 * with it; any other mbuf takes rte_pktmbuf_free().
 */
static inline bool
mbuf_plain(const struct rte_mbuf *m, const struct rte_mempool *mp)
{
	return rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m) &&
		m->next == NULL && m->pool == mp;
}

/*
 * The mempool recycler works on the calling lcore's mempool cache in place,
 * as DPDK's vector PMDs do on RX rearm and TX free: objects are read from
 * and written to the cache array directly instead of through a bounce
 * array. When the cache cannot take or give the whole burst (no cache on
 * this thread, cache empty or full), the ordinary bulk calls do the work.
 */

/* @return n objects taken from the top of mp's cache, or NULL */
static inline void **
cache_take(struct rte_mempool *mp, unsigned int n)
{
	struct rte_mempool_cache *c;

	c = rte_mempool_default_cache(mp, rte_lcore_id());
	if (c == NULL || c->len < n)
		return NULL;
	c->len -= n;
	RTE_MEMPOOL_CACHE_STAT_ADD(c, get_success_bulk, 1);
	RTE_MEMPOOL_CACHE_STAT_ADD(c, get_success_objs, n);
	return &c->objs[c->len];
}

/*
 * Release the leading views of one mempool recycler r in v[0..n): plain
 * mbufs go back to the pool's cache (or in one bulk put), the others
 * through rte_pktmbuf_free() once the plain ones are in. Returns how many
 * views it took (it stops at the first view of another recycler).
 */
static unsigned int
release_mempool_run(struct wgc_recycler *r, struct wgc_view *v,
		unsigned int n)
{
	struct rte_mempool *mp = r->mp;
	struct rte_mbuf *odd[WGC_IOBUF_BURST_MAX];
	void *batch[WGC_IOBUF_BURST_MAX];
	struct rte_mempool_cache *c;
	unsigned int i, nb = 0, nodd = 0;
	struct rte_mbuf *m;
	void **dst = batch;

	n = RTE_MIN(n, (unsigned int)RTE_DIM(batch));
	c = rte_mempool_default_cache(mp, rte_lcore_id());
	if (c != NULL && c->len + n <= c->flushthresh)
		dst = &c->objs[c->len];
	for (i = 0; i < n && v[i].recycler == r; i++) {
		m = v[i].backing;
		v[i].recycler = NULL;
		if (likely(mbuf_plain(m, mp)))
			dst[nb++] = m;
		else
			odd[nodd++] = m;
	}
	if (dst != batch) {
		c->len += nb;
		RTE_MEMPOOL_CACHE_STAT_ADD(c, put_bulk, 1);
		RTE_MEMPOOL_CACHE_STAT_ADD(c, put_objs, nb);
	} else if (nb > 0) {
		rte_mempool_put_bulk(mp, batch, nb);
	}
	if (unlikely(nodd > 0))
		rte_pktmbuf_free_bulk(odd, nodd);
	return i;
}

void
wgc_view_release_all(struct wgc_view *v, unsigned int n)
{
	void *batch[WGC_IOBUF_BURST_MAX];
	struct wgc_recycler *r;
	unsigned int i, chunk;

	/* common case: one recycler (one RX port, or the default pool) */
	while (n > 0) {
		r = v[0].recycler;
		if (likely(r != NULL && r->mp != NULL)) {
			i = release_mempool_run(r, v, n);
			v += i;
			n -= i;
			continue;
		}
		chunk = RTE_MIN(n, (unsigned int)RTE_DIM(batch));
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
	struct wgc_view tmpl = { .recycler = r };
	unsigned int done, chunk, i;
	void **objs;

	if (mp == NULL)
		return 0;
	/* a reset mbuf: same headroom and tailroom for the whole pool */
	tmpl.headroom = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM,
		rte_pktmbuf_data_room_size(mp));
	tmpl.tailroom = rte_pktmbuf_data_room_size(mp) - tmpl.headroom;
	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)RTE_DIM(m));
		/* rte_pktmbuf_alloc_bulk() in one pass with the views */
		objs = cache_take(mp, chunk);
		if (objs == NULL) {
			if (rte_mempool_get_bulk(mp, (void **)m, chunk) != 0) {
				wgc_view_release_all(v, done);
				return 0;
			}
			objs = (void **)m;
		}
		for (i = 0; i < chunk; i++) {
			struct rte_mbuf *b = objs[i];
			struct wgc_view *w = &v[done + i];

			rte_pktmbuf_reset(b);
			*w = tmpl;
			w->data = (uint8_t *)b->buf_addr + tmpl.headroom;
			w->backing = b;
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
