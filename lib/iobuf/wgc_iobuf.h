/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_IOBUF_H_
#define _WGC_IOBUF_H_

/**
 * @file
 * Views, recyclers and the default pool.
 *
 * Each I/O edge allocates the memory it reads into and hands the pipeline a
 * *view*: where the bytes are, how many, the object that backs them and the
 * *recycler* that takes the backing back. The pipeline never allocates
 * packet buffers itself; it consumes views and releases them.
 *
 * Ownership rules:
 * - exactly one view owns a backing at a time;
 * - wgc_view_claim() moves ownership and leaves the source empty;
 * - wgc_view_release() gives the backing to its recycler and leaves the view
 *   empty; releasing an empty view does nothing;
 * - wgc_view_release_all() releases a burst with about one bulk call per
 *   recycler, whatever the order of the views.
 *
 * A view backed by an rte_mbuf may grow into the mbuf's headroom
 * (wgc_view_prepend()) and tailroom (wgc_view_append()) without a copy.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest burst wgc_view_release_all() hands to a recycler in one call. */
#define WGC_IOBUF_BURST_MAX 64

/**
 * Outer headers wgc may prepend to a packet: Ethernet (14) + one VLAN tag
 * (4) + IPv6 (40) + UDP (8) + WireGuard transport header (16).
 */
#define WGC_IOBUF_OUTER_HDR_MAX (14 + 4 + 40 + 8 + 16)

/** Bytes appended by the transport: padding to 16 (15) + Poly1305 tag (16). */
#define WGC_IOBUF_TRAILER_MAX (15 + 16)

/** Headroom of every default-pool buffer (covers WGC_IOBUF_OUTER_HDR_MAX). */
#define WGC_IOBUF_HEADROOM RTE_PKTMBUF_HEADROOM

/** Buffers of the default pool unless told otherwise. */
#define WGC_IOBUF_DEFAULT_POOL_SIZE 8191

struct wgc_recycler;

/**
 * Return a burst of backings to where they came from.
 *
 * @param r
 *   The recycler.
 * @param backings
 *   The backings (for a mempool recycler: struct rte_mbuf pointers).
 * @param n
 *   How many.
 */
typedef void (*wgc_recycle_t)(struct wgc_recycler *r, void * const *backings,
		unsigned int n);

/** Where backings go back to. */
struct wgc_recycler {
	wgc_recycle_t recycle; /**< bulk recycle operation */
	void *ctx;             /**< owner context: the mempool, or user data */
	struct rte_mempool *mp; /**< the mempool; NULL for an external one */
	char name[32];         /**< for logs and tests */
};

/** A window on bytes owned by a backing that a recycler takes back. */
struct wgc_view {
	uint8_t *data;                 /**< first byte */
	uint32_t len;                  /**< bytes at data */
	uint16_t headroom;             /**< writable bytes before data */
	uint16_t tailroom;             /**< writable bytes after data + len */
	void *backing;                 /**< rte_mbuf or external address */
	struct wgc_recycler *recycler; /**< NULL: empty view (other fields stale) */
};

/**
 * Initialise a recycler that returns rte_mbufs to their mempool.
 *
 * @param r
 *   Recycler to fill in (caller-owned memory).
 * @param mp
 *   A pktmbuf pool; the recycler's name is the pool's.
 */
void wgc_recycler_mempool_init(struct wgc_recycler *r, struct rte_mempool *mp);

/**
 * Initialise a recycler for backings that are not mbufs.
 *
 * @param r
 *   Recycler to fill in (caller-owned memory).
 * @param name
 *   Name, for logs.
 * @param fn
 *   Bulk recycle callback.
 * @param ctx
 *   Passed back in r->ctx.
 */
void wgc_recycler_ext_init(struct wgc_recycler *r, const char *name,
		wgc_recycle_t fn, void *ctx);

/**
 * Tell whether a recycler returns mbufs to a mempool. Any thread.
 *
 * @return
 *   The mempool, or NULL for an external recycler.
 */
static inline struct rte_mempool *
wgc_recycler_mempool(const struct wgc_recycler *r)
{
	return r->mp;
}

/**
 * Make a view of a single-segment mbuf. The view owns the mbuf.
 *
 * @param v
 *   View to fill in.
 * @param m
 *   The mbuf; its data_off and data_len give data and len.
 * @param r
 *   Recycler of m's pool.
 */
static inline void
wgc_view_from_mbuf(struct wgc_view *v, struct rte_mbuf *m,
		struct wgc_recycler *r)
{
	v->data = rte_pktmbuf_mtod(m, uint8_t *);
	v->len = m->data_len;
	v->headroom = m->data_off;
	v->tailroom = m->buf_len - m->data_off - m->data_len;
	v->backing = m;
	v->recycler = r;
}

/**
 * Write a view's window back into its mbuf and give up ownership of it,
 * for handing the mbuf to a driver (e.g. rte_eth_tx_burst()).
 *
 * @param v
 *   A view backed by an mbuf; it is empty afterwards.
 * @return
 *   The mbuf, with data_off, data_len and pkt_len matching the view.
 */
static inline struct rte_mbuf *
wgc_view_to_mbuf(struct wgc_view *v)
{
	struct rte_mbuf *m = (struct rte_mbuf *)v->backing;

	m->data_off = (uint16_t)(v->data - (uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)v->len;
	m->pkt_len = v->len;
	v->backing = NULL;
	v->recycler = NULL;
	v->data = NULL;
	v->len = 0;
	return m;
}

/**
 * Make a view of external memory.
 *
 * @param v
 *   View to fill in.
 * @param backing
 *   What the recycler gets back.
 * @param data
 *   First byte of the window.
 * @param len
 *   Length of the window.
 * @param headroom
 *   Writable bytes before data.
 * @param tailroom
 *   Writable bytes after data + len.
 * @param r
 *   Recycler that owns backing.
 */
static inline void
wgc_view_from_ext(struct wgc_view *v, void *backing, uint8_t *data,
		uint32_t len, uint16_t headroom, uint16_t tailroom,
		struct wgc_recycler *r)
{
	v->data = data;
	v->len = len;
	v->headroom = headroom;
	v->tailroom = tailroom;
	v->backing = backing;
	v->recycler = r;
}

/** @return true if the view owns nothing. */
static inline bool
wgc_view_is_empty(const struct wgc_view *v)
{
	return v->recycler == NULL;
}

/**
 * Move ownership from src to dst. src becomes empty. dst must be empty (or
 * its backing is lost: the caller releases it first).
 */
static inline void
wgc_view_claim(struct wgc_view *dst, struct wgc_view *src)
{
	*dst = *src;
	src->backing = NULL;
	src->recycler = NULL;
}

/** Give the view's backing to its recycler; the view becomes empty. */
static inline void
wgc_view_release(struct wgc_view *v)
{
	if (v->recycler == NULL)
		return;
	v->recycler->recycle(v->recycler, &v->backing, 1);
	v->backing = NULL;
	v->recycler = NULL;
}

/**
 * Release a burst of views, possibly from different recyclers, in about one
 * bulk call per recycler. Empty views are skipped. All views are empty
 * afterwards.
 *
 * @param v
 *   Array of views.
 * @param n
 *   Number of views.
 */
void wgc_view_release_all(struct wgc_view *v, unsigned int n);

/**
 * Allocate n views from a mempool recycler's pool, all or nothing.
 *
 * @param r
 *   A mempool recycler.
 * @param v
 *   Where to put the views (data at the default headroom, len 0).
 * @param n
 *   How many.
 * @return
 *   n on success, 0 if the pool could not give n buffers.
 */
unsigned int wgc_view_alloc_bulk(struct wgc_recycler *r, struct wgc_view *v,
		unsigned int n);

/**
 * Grow the window by n bytes at the front (into headroom).
 *
 * @return
 *   The new first byte, or NULL if the headroom is too small.
 */
static inline uint8_t *
wgc_view_prepend(struct wgc_view *v, uint16_t n)
{
	if (unlikely(n > v->headroom))
		return NULL;
	v->data -= n;
	v->len += n;
	v->headroom -= n;
	return v->data;
}

/**
 * Grow the window by n bytes at the end (into tailroom).
 *
 * @return
 *   The first appended byte, or NULL if the tailroom is too small.
 */
static inline uint8_t *
wgc_view_append(struct wgc_view *v, uint16_t n)
{
	uint8_t *p;

	if (unlikely(n > v->tailroom))
		return NULL;
	p = v->data + v->len;
	v->len += n;
	v->tailroom -= n;
	return p;
}

/**
 * Drop n bytes at the front of the window.
 *
 * @return
 *   The new first byte, or NULL if the window is shorter than n.
 */
static inline uint8_t *
wgc_view_adj(struct wgc_view *v, uint32_t n)
{
	if (unlikely(n > v->len))
		return NULL;
	v->data += n;
	v->len -= n;
	v->headroom += n;
	return v->data;
}

/**
 * Drop n bytes at the end of the window.
 *
 * @return
 *   0, or -1 if the window is shorter than n.
 */
static inline int
wgc_view_trim(struct wgc_view *v, uint32_t n)
{
	if (unlikely(n > v->len))
		return -1;
	v->len -= n;
	v->tailroom += n;
	return 0;
}

/**
 * Data room of a default-pool buffer for a given MTU: headroom for outer
 * headers, the MTU rounded up to 16, and the Poly1305 tag.
 */
uint16_t wgc_iobuf_data_room(uint16_t mtu);

/**
 * Create the default pool: an rte_pktmbuf pool with a per-lcore cache, whose
 * buffers are right-sized for the MTU (see wgc_iobuf_data_room()).
 *
 * @param mtu
 *   Largest inner packet, 576..9000.
 * @param nb_bufs
 *   Number of buffers (0: a default of 8191).
 * @param socket_id
 *   NUMA socket, or SOCKET_ID_ANY.
 * @return
 *   The pool, or NULL with rte_errno set (EEXIST if it already exists,
 *   EINVAL for a bad MTU).
 */
struct rte_mempool *wgc_iobuf_default_pool_create(uint16_t mtu,
		unsigned int nb_bufs, int socket_id);

/** @return the default pool, or NULL if not created. */
struct rte_mempool *wgc_iobuf_default_pool(void);

/** @return the recycler of the default pool, or NULL if not created. */
struct wgc_recycler *wgc_iobuf_default_recycler(void);

/** Free the default pool. Every buffer must have been returned. */
void wgc_iobuf_default_pool_free(void);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_IOBUF_H_ */
