/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PEERS_PRIVATE_H_
#define _WGC_PEERS_PRIVATE_H_

/* Shared by the files of lib/peers; not part of the public API. */

#include <pthread.h>
#include <stdint.h>

#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "wgc_peers.h"

extern int wgc_logtype_peers;
#define PEERS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, wgc_logtype_peers, "wgc.peers: " fmt "\n", \
		##__VA_ARGS__)

struct wgc_park;

/* tbl8 groups: one per /25../32 IPv4 prefix in a distinct /24, bounded */
#define TBL8_MIN 256u
#define TBL8_MAX 65536u

/*
 * Peer memory comes in chunks of PEER_CHUNK peers indexed by slot id: one
 * rte_malloc per peer would add an allocator header to every peer, and
 * ids are handed out densely. A chunk is allocated with its first peer and
 * freed with its last, after that peer's grace period.
 */
#define PEER_CHUNK 64u

struct wgc_peers {
	struct wgc_peers_fast fast;     /* first: what workers read */
	char name[32];
	int socket_id;
	struct wgc_peer **chunks;       /* chunk k: slots [k*64, k*64+64) */
	uint8_t *chunk_used;            /* live + deferred peers in chunk k */
	pthread_mutex_t lock;
	struct rte_hash *by_key;
	struct wgc_index_table *index;
	struct wgc_identity *identity;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;     /* removed peers */
	uint32_t *free_ids;             /* stack of free slot ids */
	uint32_t nb_free;
	uint32_t count;
	uint32_t deferred;              /* peers waiting for a grace period */
	uint32_t lpm_host4;             /* /32s in the LPM (host4 was full) */
	uint32_t lpm_host6;             /* /128s in the LPM (host6 was full) */
	/* an rte_lpm6 delete may have freed tbl8 groups: no add that may
	 * take one before the readers have passed this token */
	uint64_t lpm6_token;
	bool lpm6_fence;
	struct wgc_park *park;          /* packets waiting for handshakes */
};


/* allowed IPs (peers_aips.c): the /32 and /128 hashes and the LPMs of a
 * new table; 0 or -1 with rte_errno set (wgc_peers_free() frees them) */
int aips_create(struct wgc_peers *t, const struct wgc_peers_params *prm);

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

#endif /* _WGC_PEERS_PRIVATE_H_ */
