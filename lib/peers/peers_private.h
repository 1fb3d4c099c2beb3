/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PEERS_PRIVATE_H_
#define _WGC_PEERS_PRIVATE_H_

/* Shared by the files of lib/peers; not part of the public API. */

#include <stdint.h>

#include <rte_mbuf.h>

#include "wgc_peers.h"

struct wgc_park;

/* the parking lot (peers_park.c); NULL with rte_errno set on failure */
struct wgc_park *park_create(uint32_t capacity, uint64_t max_age_ns,
		int socket_id);
void park_free(struct wgc_park *k);
/* park m for p (any thread); returns the packets dropped to make room */
unsigned int park_put(struct wgc_park *k, struct wgc_peer *p,
		struct rte_mbuf *m, uint64_t now);
/* count a packet that could not be parked (not mbuf-backed) */
void park_count_unparkable(struct wgc_park *k, struct wgc_peer *p);
unsigned int park_take(struct wgc_park *k, struct wgc_peer *p,
		struct rte_mbuf **out, unsigned int n);
unsigned int park_purge(struct wgc_park *k, struct wgc_peer *p);
unsigned int park_expire(struct wgc_park *k, uint64_t now);
void park_stats(struct wgc_park *k, struct wgc_park_stats *s);

/* the table's lot (wgc_peers.c) */
struct wgc_park *peers_park(const struct wgc_peers *t);

#endif /* _WGC_PEERS_PRIVATE_H_ */
