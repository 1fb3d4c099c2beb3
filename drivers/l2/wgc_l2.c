/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The Ethernet adapter of an inner edge: strip and learn on RX, prepend
 * on TX (wgc_l2.h).
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "wgc_l2.h"

/* a queue's counters, on cache lines of their own (one writer each) */
struct l2_queue {
	struct wgc_l2_stats st;
} __rte_cache_aligned;

struct wgc_l2 {
	struct wgc_pipeline_edge lower;
	struct rte_ether_addr mac;
	/* the learnt MAC as a word (mac_word()), read by every TX burst:
	 * a line of its own */
	uint64_t peer_mac __rte_cache_aligned;
	struct l2_queue q[WGC_L2_QUEUES_MAX];
};

/*
 * A MAC as a word and back. Built from a 4-byte and a 2-byte load in
 * registers: copying 6 bytes into a zeroed word goes through the stack,
 * and the 8-byte reload that follows two narrower stores cannot be
 * forwarded (a stall per frame).
 */
static inline uint64_t
mac_word(const struct rte_ether_addr *m)
{
	uint32_t lo;
	uint16_t hi;

	memcpy(&lo, m->addr_bytes, 4);
	memcpy(&hi, m->addr_bytes + 4, 2);
	return (uint64_t)lo | (uint64_t)hi << 32;
}

static inline void
mac_from_word(struct rte_ether_addr *m, uint64_t w)
{
	uint32_t lo = (uint32_t)w;
	uint16_t hi = (uint16_t)(w >> 32);

	memcpy(m->addr_bytes, &lo, 4);
	memcpy(m->addr_bytes + 4, &hi, 2);
}

/*
 * Frames in, IP packets out (compacted at the front of v). The last IP
 * frame's unicast source is the learnt MAC; the shared word is written
 * only when that changes.
 */
static uint16_t
l2_rx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	const uint16_t ip4 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	const uint16_t ip6 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	struct wgc_l2 *a = ctx;
	struct wgc_l2_stats *st = &a->q[q].st;
	uint64_t peer, src;
	uint16_t i, k = 0;

	RTE_ASSERT(q < WGC_L2_QUEUES_MAX);
	n = a->lower.rx(a->lower.ctx, q, v, n);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		rte_prefetch0(v[i].data);
	peer = __atomic_load_n(&a->peer_mac, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = (const void *)v[i].data;

		if (unlikely(v[i].len < sizeof(*eh) ||
				(eh->ether_type != ip4 &&
				 eh->ether_type != ip6))) {
			st->not_ip++;
			wgc_view_release(&v[i]);
			continue;
		}
		if (rte_is_unicast_ether_addr(&eh->src_addr)) {
			src = mac_word(&eh->src_addr);
			if (unlikely(src != peer)) {
				peer = src;
				__atomic_store_n(&a->peer_mac, peer,
					__ATOMIC_RELAXED);
				st->learnt++;
			}
		}
		wgc_view_adj(&v[i], sizeof(*eh));
		if (k != i)
			wgc_view_claim(&v[k], &v[i]);
		k++;
	}
	return k;
}

/* IP packets in, frames to the lower edge; what has no headroom for the
 * header is released here */
static uint16_t
l2_tx(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n)
{
	struct wgc_l2 *a = ctx;
	struct rte_ether_addr dst;
	uint16_t i, k = 0;
	uint64_t peer;

	RTE_ASSERT(q < WGC_L2_QUEUES_MAX);
	peer = __atomic_load_n(&a->peer_mac, __ATOMIC_RELAXED);
	mac_from_word(&dst, peer);
	for (i = 0; i < n; i++) {
		uint16_t type = (v[i].data[0] >> 4) == 6 ?
			RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
			wgc_view_prepend(&v[i], sizeof(*eh));

		if (unlikely(eh == NULL)) {
			a->q[q].st.no_headroom++;
			wgc_view_release(&v[i]);
			continue;
		}
		eh->dst_addr = dst;
		eh->src_addr = a->mac;
		eh->ether_type = rte_cpu_to_be_16(type);
		if (k != i)
			wgc_view_claim(&v[k], &v[i]);
		k++;
	}
	if (k == 0)
		return 0;
	return a->lower.tx(a->lower.ctx, q, v, k);
}

struct wgc_l2 *
wgc_l2_create(const struct wgc_l2_conf *conf)
{
	struct rte_ether_addr bcast;
	struct wgc_l2 *a;

	if (conf == NULL || conf->lower.rx == NULL || conf->lower.tx == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	a = rte_zmalloc_socket("wgc_l2", sizeof(*a), RTE_CACHE_LINE_SIZE,
		conf->socket_id);
	if (a == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	a->lower = conf->lower;
	a->mac = conf->mac;
	memset(&bcast, 0xff, sizeof(bcast));
	a->peer_mac = mac_word(&bcast);
	return a;
}

void
wgc_l2_free(struct wgc_l2 *a)
{
	rte_free(a);
}

struct wgc_pipeline_edge
wgc_l2_edge(struct wgc_l2 *a)
{
	return (struct wgc_pipeline_edge){ l2_rx, l2_tx, a };
}

int
wgc_l2_queue_stats(const struct wgc_l2 *a, uint16_t q,
		struct wgc_l2_stats *st)
{
	const struct wgc_l2_stats *s;

	if (q >= WGC_L2_QUEUES_MAX)
		return -EINVAL;
	s = &a->q[q].st;
	st->not_ip = __atomic_load_n(&s->not_ip, __ATOMIC_RELAXED);
	st->no_headroom = __atomic_load_n(&s->no_headroom, __ATOMIC_RELAXED);
	st->learnt = __atomic_load_n(&s->learnt, __ATOMIC_RELAXED);
	return 0;
}

void
wgc_l2_stats(const struct wgc_l2 *a, struct wgc_l2_stats *st)
{
	struct wgc_l2_stats s;
	uint16_t q;

	memset(st, 0, sizeof(*st));
	for (q = 0; q < WGC_L2_QUEUES_MAX; q++) {
		wgc_l2_queue_stats(a, q, &s);
		st->not_ip += s.not_ip;
		st->no_headroom += s.no_headroom;
		st->learnt += s.learnt;
	}
}

void
wgc_l2_peer_mac(const struct wgc_l2 *a, struct rte_ether_addr *mac)
{
	mac_from_word(mac, __atomic_load_n(&a->peer_mac, __ATOMIC_RELAXED));
}
