/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_L2_H_
#define _WGC_L2_H_

/**
 * @file
 * An Ethernet adapter for an inner edge that carries frames (an `ethdev`
 * or `virtio_user` inner port): it wraps that edge's rx/tx pair into an
 * edge of IP packets, so that the pipeline never sees a link header.
 *
 * - RX: a burst from the lower edge; a frame that is not IPv4/IPv6 (ARP,
 *   a VLAN tag, anything shorter than an Ethernet header) is released and
 *   counted (not_ip); the unicast source MAC of an IP frame becomes the
 *   learnt MAC (the inner router); the Ethernet header is removed.
 * - TX: an Ethernet header goes in front of each packet (source: the
 *   adapter's MAC; destination: the learnt MAC, broadcast until one is
 *   learnt; type from the IP version), then the lower edge's tx. A view
 *   without headroom for it is released and counted (no_headroom).
 *
 * Threads: queue q is used by one lcore only, as on every edge. The
 * counters are per queue, written by that queue's lcore and read by any
 * thread. The learnt MAC is one 8-byte word shared by the queues: an RX
 * queue that sees a new source writes it with an atomic store (only when
 * it changes), every TX burst reads it with one atomic load; no lcore
 * ever sees half an address.
 */

#include <stdint.h>

#include <rte_ether.h>

#include "wgc_iobuf.h"
#include "wgc_pipeline.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most queues of an adapter (queue q < this; one per worker). */
#define WGC_L2_QUEUES_MAX WGC_PIPELINE_WORKERS_MAX

/** How to create an adapter. */
struct wgc_l2_conf {
	struct wgc_pipeline_edge lower;  /**< the edge of Ethernet frames */
	struct rte_ether_addr mac;       /**< source of the frames sent */
	int socket_id;                   /**< NUMA socket of the adapter */
};

/** Counters of one queue (or the sum of all). */
struct wgc_l2_stats {
	uint64_t not_ip;          /**< RX: frames released, not IPv4/IPv6 */
	uint64_t no_headroom;     /**< TX: packets released, no room for the
	                           *   Ethernet header */
	uint64_t learnt;          /**< RX: times the learnt MAC changed */
};

struct wgc_l2;

/**
 * Create an adapter around conf->lower. Main lcore.
 *
 * @return
 *   The adapter, or NULL with rte_errno set (EINVAL: no lower rx/tx;
 *   ENOMEM).
 */
struct wgc_l2 *wgc_l2_create(const struct wgc_l2_conf *conf);

/** Free an adapter (no lcore uses its edge any more). NULL is allowed. */
void wgc_l2_free(struct wgc_l2 *a);

/**
 * The adapter as an edge of IP packets, for struct wgc_pipeline_conf's
 * inner edge. Its rx and tx run on the lcore of their queue (q <
 * WGC_L2_QUEUES_MAX).
 */
struct wgc_pipeline_edge wgc_l2_edge(struct wgc_l2 *a);

/**
 * Read one queue's counters (each field read once). Any thread.
 *
 * @return
 *   0, or -EINVAL for a queue at or above WGC_L2_QUEUES_MAX.
 */
int wgc_l2_queue_stats(const struct wgc_l2 *a, uint16_t q,
		struct wgc_l2_stats *st);

/** Sum of every queue's counters. Any thread. */
void wgc_l2_stats(const struct wgc_l2 *a, struct wgc_l2_stats *st);

/**
 * The learnt MAC: broadcast until an IP frame with a unicast source has
 * been received. Any thread.
 */
void wgc_l2_peer_mac(const struct wgc_l2 *a, struct rte_ether_addr *mac);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_L2_H_ */
