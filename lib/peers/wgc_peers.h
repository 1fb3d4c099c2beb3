/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PEERS_H_
#define _WGC_PEERS_H_

/**
 * @file
 * The device's peer table.
 *
 * - peers by public key (rte_hash, writers only);
 * - peers by slot id (an array of pointers read by workers);
 * - allowed IPs in rte_lpm / rte_lpm6 whose next hop is the slot id;
 * - per-peer data-plane state: endpoint, counters, staged packets, and the
 *   embedded protocol state (struct wgc_peer_proto, lib/proto);
 * - the receiver index table of lib/proto (created and owned here).
 *
 * Threads: workers read (wgc_peers_get(), wgc_peers_route4/6(), endpoint,
 * counters, staging) without locks inside an rte_rcu_qsbr read side;
 * handshake lcores also look peers up by key there (wgc_peers_lookup())
 * and change one peer's protocol state under that peer's own lock
 * (wgc_peer_proto_lock()), never the table's. Writers (the timer stage and
 * the control plane) hold the table's mutex (wgc_peers_lock()) around
 * every function marked "writer", and a peer's lock inside it when they
 * change its protocol state. A removed peer is unlinked at once, torn down
 * under its lock, wiped and freed after a grace period; its slot id is
 * reused only then, so a stale id never names another peer. Writers
 * may sleep (bounded by WGC_PEERS_GRACE_WAIT_MS) waiting for the readers:
 * wgc_peers_add() at capacity, wgc_peers_prefix_add() of an IPv6 prefix
 * after an IPv6 delete; never call them from a worker.
 *
 * IPv6: rte_lpm6 in DPDK 22.11 has no RCU integration: a delete returns
 * the prefix's tbl8 groups to its pool at once, and the next add may refill
 * one while a reader is still inside it. /128s therefore live in an
 * exact-match hash under RCU, and after a delete that may have freed tbl8
 * groups (length > 24) no rte_lpm6_add() that may take one runs until the
 * readers have passed a quiescent state. A concurrent lookup then returns
 * the old owner, the new owner or a less specific prefix's owner: always a
 * peer that owned a covering prefix during the lookup.
 */

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_seqlock.h>
#include <rte_spinlock.h>

#include "wgc_addr.h"
#include "wgc_iobuf.h"
#include "wgc_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Staged packets per peer while a handshake is in flight. */
#define WGC_PEER_STAGED_MAX 128

/** Entries of a table's parking lot, every peer together (default). */
#define WGC_PARK_CAPACITY 4096
/** At most 1/WGC_PARK_POOL_SHARE of a pool's buffers are parked. */
#define WGC_PARK_POOL_SHARE 8
/** A packet parked longer than this is dropped (default, 15 s: three
 * handshake attempts). */
#define WGC_PARK_MAX_AGE_NS (15ull * 1000 * 1000 * 1000)
/** Distinct pools whose packets can be parked. */
#define WGC_PARK_POOLS_MAX 8

/** Why a parked packet was dropped. */
enum wgc_park_drop {
	WGC_PARK_DROP_PEER_CAP,   /**< the peer had WGC_PEER_STAGED_MAX */
	WGC_PARK_DROP_POOL_SHARE, /**< its pool's share was parked */
	WGC_PARK_DROP_LOT_FULL,   /**< the lot's entries were all taken */
	WGC_PARK_DROP_EXPIRED,    /**< parked longer than the max age */
	WGC_PARK_DROP_PURGED,     /**< handshake gave up, peer removed */
	WGC_PARK_DROP_UNPARKABLE, /**< not mbuf-backed, or too many pools */
	WGC_PARK_DROP__MAX
};

/** The parking lot's state (wgc_peers_park_stats()). */
struct wgc_park_stats {
	uint64_t parked;          /**< packets parked now */
	uint64_t parked_max;      /**< most packets parked at once */
	uint64_t capacity;        /**< entries of the lot */
	uint64_t drop[WGC_PARK_DROP__MAX]; /**< by enum wgc_park_drop */
	uint32_t nb_pools;        /**< pools seen */
	struct {
		const struct rte_mempool *mp;
		uint32_t parked;      /**< its buffers parked now */
		uint32_t limit;       /**< its share (size / POOL_SHARE) */
	} pool[WGC_PARK_POOLS_MAX];
};

/** Allowed IPs stored in the peer itself (one IPv4 and one IPv6 address
 * per road warrior is the common case); more go to a heap array. */
#define WGC_PEER_AIPS_INLINE 2

/** Largest supported number of peers (rte_lpm6 next hops are 21 bits). */
#define WGC_PEERS_MAX (1u << 21)

/**
 * Longest time wgc_peers_add() waits, when every slot is taken by present
 * peers or by removed peers still in their grace period, for a reader's
 * quiescent state before it gives up with ENOSPC.
 */
#define WGC_PEERS_GRACE_WAIT_MS 500

/** A peer's endpoint port when it was configured rather than learnt:
 * the pipeline picks the outer port by the routes (doc/net.md). */
#define WGC_PEER_PORT_ROUTE UINT8_MAX

/** No peer (slot ids are 0..max_peers-1). */
#define WGC_PEER_ID_NONE UINT32_MAX

/** Per-peer traffic counters (relaxed atomics, one add per burst). */
struct wgc_peer_stats {
	uint64_t rx_bytes;       /**< inner bytes received (decapsulated) */
	uint64_t rx_packets;
	uint64_t tx_bytes;       /**< inner bytes sent (before encap) */
	uint64_t tx_packets;
	uint64_t staged_dropped; /**< parked packets dropped (any reason) */
};

/**
 * A peer. The protocol state comes first: proto.user points back here.
 * Ownership of each field is documented in doc/dataplane.md.
 */
struct wgc_peer {
	struct wgc_peer_proto proto;     /**< lib/proto state (writers + hooks) */
	uint32_t id;                     /**< slot id (LPM next hop) */
	uint16_t persistent_keepalive;   /**< seconds, 0 = off */
	/** set by a worker that wants a handshake; cleared by the stage */
	uint8_t handshake_wanted;
	/** endpoint: written by the decapsulating worker (roaming) or by a
	 * writer, read by anyone through the seqlock */
	rte_seqlock_t ep_lock;
	struct wgc_endpoint endpoint;
	/** the outer port the endpoint was learnt on (under ep_lock), or
	 * WGC_PEER_PORT_ROUTE: configured, sent by the routes */
	uint8_t ep_port;
	uint32_t n_aips;                 /**< allowed IPs in aips */
	/** parked packets: their number and the first and last of the
	 * peer's entries in the table's parking lot (under its lock) */
	uint16_t staged;
	uint32_t park_head;
	uint32_t park_tail;
	/** allowed IPs, writers only: aips_inline, or a heap array once a
	 * peer has more than WGC_PEER_AIPS_INLINE */
	struct wgc_prefix *aips;
	struct wgc_prefix aips_inline[WGC_PEER_AIPS_INLINE];
	/** written by workers: a cache line of its own (with cold fields) */
	struct wgc_peer_stats stats __rte_cache_aligned;
	uint64_t last_handshake_wall_ns; /**< 0 = never (handshake stage) */
};

struct wgc_peers;

/** Creation parameters. */
struct wgc_peers_params {
	const char *name;            /**< unique; prefixes the DPDK objects */
	uint32_t max_peers;          /**< 1..WGC_PEERS_MAX */
	uint32_t max_routes4;        /**< IPv4 prefixes (0: 4 x max_peers) */
	uint32_t max_routes6;        /**< IPv6 prefixes (0: 4 x max_peers) */
	int socket_id;               /**< or SOCKET_ID_ANY */
	struct rte_rcu_qsbr *qsbr;   /**< workers' RCU variable, or NULL */
	struct wgc_identity *identity; /**< the device identity */
	uint32_t park_capacity;      /**< parking lot entries (0: default) */
	uint64_t park_max_age_ns;    /**< parking time bound (0: default) */
};

/**
 * Create a peer table and its index table.
 *
 * @return
 *   The table, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST).
 */
struct wgc_peers *wgc_peers_create(const struct wgc_peers_params *p);

/**
 * Remove every peer and free the table. Workers must be stopped (or
 * offline on the qsbr variable).
 */
void wgc_peers_free(struct wgc_peers *t);

/** Take the writers' mutex. */
void wgc_peers_lock(struct wgc_peers *t);

/** Take the writers' mutex if it is free. @return true if taken. */
bool wgc_peers_trylock(struct wgc_peers *t);

/** Release the writers' mutex. */
void wgc_peers_unlock(struct wgc_peers *t);

/** @return the index table (receiver index -> keypair) of the device. */
struct wgc_index_table *wgc_peers_index_table(struct wgc_peers *t);

/** @return the device identity given at creation. */
struct wgc_identity *wgc_peers_identity(struct wgc_peers *t);

/**
 * Add a peer. Writer. O(1) (hash insert, slot from a free stack).
 *
 * @param public_key
 *   The peer's static public key.
 * @param psk
 *   Preshared key or NULL.
 * When every slot is held by a present peer or by a removed one still in
 * its grace period, waits (sleeping, at most WGC_PEERS_GRACE_WAIT_MS) for
 * the readers' next quiescent state and reuses the first slot freed.
 *
 * @return
 *   The peer, or NULL with rte_errno set: EEXIST (key already present),
 *   ENOSPC (table full, or a reader did not pass a quiescent state in
 *   time), EINVAL, ENOMEM.
 */
struct wgc_peer *wgc_peers_add(struct wgc_peers *t,
		const uint8_t public_key[WGC_KEY_LEN], const uint8_t *psk);

/**
 * Remove a peer: its routes, its key, its slot (reused after a grace
 * period), its staged packets; proto state torn down; memory wiped and
 * freed after a grace period. Writer.
 */
void wgc_peers_remove(struct wgc_peers *t, struct wgc_peer *p);

/**
 * @return the peer with this public key, or NULL. Writer; or, with a
 * qsbr given at creation, any thread inside its RCU read side (the peer
 * may be removed meanwhile: see struct wgc_peer_proto's removed).
 */
struct wgc_peer *wgc_peers_lookup(struct wgc_peers *t,
		const uint8_t public_key[WGC_KEY_LEN]);

/** @return the number of peers. */
uint32_t wgc_peers_count(const struct wgc_peers *t);

/** @return the capacity (max_peers). */
uint32_t wgc_peers_capacity(const struct wgc_peers *t);

/**
 * Iterate: the first peer with id >= *pos, and *pos set past it; NULL at
 * the end. Writer (or with workers only reading). Start with *pos = 0.
 */
struct wgc_peer *wgc_peers_next(struct wgc_peers *t, uint32_t *pos);

/**
 * Give a peer an allowed-IPs prefix. A prefix owned by another peer moves
 * to this one (as wg does). Host bits are cleared. Writer.
 *
 * An IPv6 prefix longer than /24 (not a /128) added after an IPv6 delete
 * first waits for the readers' quiescent state (sleeping, at most
 * WGC_PEERS_GRACE_WAIT_MS): see the IPv6 note at the top.
 *
 * @return
 *   0, -EINVAL (bad family/length), -ENOSPC (LPM full), -ENOMEM, -EBUSY
 *   (a reader passed no quiescent state in time; nothing changed).
 */
int wgc_peers_prefix_add(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx);

/**
 * Take a prefix away from a peer. Writer.
 *
 * @return
 *   0, or -ENOENT if the peer does not own it.
 */
int wgc_peers_prefix_del(struct wgc_peers *t, struct wgc_peer *p,
		const struct wgc_prefix *pfx);

/** Remove every prefix of a peer. Writer. */
void wgc_peers_prefix_clear(struct wgc_peers *t, struct wgc_peer *p);

/**
 * Free what has passed its grace period (removed peers, LPM tbl8 groups,
 * keypairs of the index table). Writer; call now and then.
 *
 * @return
 *   Number of peers still waiting for their grace period.
 */
unsigned int wgc_peers_reclaim(struct wgc_peers *t);

/* ---- worker side ---- */

/** Internal layout, for the inline lookups below. */
struct wgc_peers_fast {
	struct wgc_peer **slots;
	/** IPv4 /32 routes (key: address, network order; data: slot id):
	 * exact match before the LPM, because rte_lpm's rule table is a
	 * linear list per depth and a million /32s would make adding O(n^2).
	 * /32s that do not fit go to the LPM. */
	struct rte_hash *host4;
	uint32_t nb_host4;  /**< routes in host4 (0: skip the lookup) */
	/** IPv6 /128 routes (key: 16 bytes; data: slot id), the same way:
	 * lock-free readers, RCU-deferred key reuse; /128s that do not fit
	 * go to the LPM */
	struct rte_hash *host6;
	uint32_t nb_host6;  /**< routes in host6 (0: skip the lookup) */
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	uint32_t max_peers;
	uint32_t def4;      /**< owner of 0.0.0.0/0 (LPM has no depth 0) */
	uint32_t def6;      /**< owner of ::/0 */
};

/** @internal */
const struct wgc_peers_fast *wgc_peers_fast(const struct wgc_peers *t);

/** @return the peer in slot id, or NULL. Worker-safe (RCU read side). */
static inline struct wgc_peer *
wgc_peers_get(const struct wgc_peers_fast *f, uint32_t id)
{
	if (unlikely(id >= f->max_peers))
		return NULL;
	return __atomic_load_n(&f->slots[id], __ATOMIC_ACQUIRE);
}

/**
 * Longest-prefix match of an IPv4 address (network order as in the
 * header). Worker-safe.
 *
 * @return
 *   The peer owning the longest matching prefix, or NULL.
 */
static inline struct wgc_peer *
wgc_peers_route4(const struct wgc_peers_fast *f, uint32_t addr_be)
{
	uint32_t nh;
	void *data;

	/* a /32 is the longest prefix there is: it wins when present */
	if (__atomic_load_n(&f->nb_host4, __ATOMIC_RELAXED) != 0 &&
			rte_hash_lookup_data(f->host4, &addr_be, &data) >= 0)
		return wgc_peers_get(f, (uint32_t)(uintptr_t)data);
	if (rte_lpm_lookup(f->lpm4, rte_be_to_cpu_32(addr_be), &nh) != 0)
		nh = __atomic_load_n(&f->def4, __ATOMIC_RELAXED);
	return wgc_peers_get(f, nh);
}

/** Longest-prefix match of an IPv6 address (16 bytes). Worker-safe. */
static inline struct wgc_peer *
wgc_peers_route6(const struct wgc_peers_fast *f, const uint8_t *addr)
{
	uint64_t key[2];
	uint32_t nh;
	void *data;

	/* a /128 is the longest prefix there is: it wins when present (the
	 * key is copied: rte_hash_crc reads 8-byte words, and a header's
	 * address is not 8-byte aligned) */
	if (__atomic_load_n(&f->nb_host6, __ATOMIC_RELAXED) != 0) {
		memcpy(key, addr, sizeof(key));
		if (rte_hash_lookup_data(f->host6, key, &data) >= 0)
			return wgc_peers_get(f, (uint32_t)(uintptr_t)data);
	}
	if (rte_lpm6_lookup(f->lpm6, addr, &nh) != 0)
		nh = __atomic_load_n(&f->def6, __ATOMIC_RELAXED);
	return wgc_peers_get(f, nh);
}

/**
 * Set the endpoint and the outer port it was learnt on (roaming: the
 * decapsulating worker, a handshake lcore). Any thread.
 */
static inline void
wgc_peer_endpoint_learn(struct wgc_peer *p, const struct wgc_endpoint *ep,
		uint8_t port)
{
	rte_seqlock_write_lock(&p->ep_lock);
	p->endpoint = *ep;
	p->ep_port = port;
	rte_seqlock_write_unlock(&p->ep_lock);
}

/** Set a configured endpoint (a writer): its outer port is chosen by the
 * routes until the peer is heard from. */
static inline void
wgc_peer_endpoint_set(struct wgc_peer *p, const struct wgc_endpoint *ep)
{
	wgc_peer_endpoint_learn(p, ep, WGC_PEER_PORT_ROUTE);
}

/**
 * Read the endpoint consistently. Any thread.
 *
 * @return the outer port it was learnt on, or WGC_PEER_PORT_ROUTE.
 */
static inline uint8_t
wgc_peer_endpoint_get(struct wgc_peer *p, struct wgc_endpoint *ep)
{
	uint32_t sn;
	uint8_t port;

	do {
		sn = rte_seqlock_read_begin(&p->ep_lock);
		*ep = p->endpoint;
		port = p->ep_port;
	} while (rte_seqlock_read_retry(&p->ep_lock, sn));
	return port;
}

/** @return true if the endpoint or its outer port differs from (*ep,
 * port) (cheap, racy pre-check before wgc_peer_endpoint_learn() on the
 * receive path). */
static inline bool
wgc_peer_endpoint_differs(const struct wgc_peer *p,
		const struct wgc_endpoint *ep, uint8_t port)
{
	return p->ep_port != port || !wgc_endpoint_equal(&p->endpoint, ep);
}

/** Add to a peer's counters (relaxed atomics). */
static inline void
wgc_peer_stats_add(struct wgc_peer *p, uint64_t rx_pkts, uint64_t rx_bytes,
		uint64_t tx_pkts, uint64_t tx_bytes)
{
	if (rx_pkts != 0) {
		__atomic_fetch_add(&p->stats.rx_packets, rx_pkts,
			__ATOMIC_RELAXED);
		__atomic_fetch_add(&p->stats.rx_bytes, rx_bytes,
			__ATOMIC_RELAXED);
	}
	if (tx_pkts != 0) {
		__atomic_fetch_add(&p->stats.tx_packets, tx_pkts,
			__ATOMIC_RELAXED);
		__atomic_fetch_add(&p->stats.tx_bytes, tx_bytes,
			__ATOMIC_RELAXED);
	}
}

/** Read a peer's counters. Any thread. */
void wgc_peer_stats_get(const struct wgc_peer *p, struct wgc_peer_stats *s);

/**
 * Park an mbuf-backed view while the peer has no usable keypair. The
 * table's parking lot keeps every parked packet in arrival order and
 * drops the oldest one concerned when a bound is reached: the peer's
 * WGC_PEER_STAGED_MAX, its pool's share (1/WGC_PARK_POOL_SHARE of the
 * pool's buffers), or the lot's capacity. Any thread (workers inside
 * their RCU read side).
 *
 * @param v
 *   A view; it is empty afterwards (parked, or released if it is not
 *   mbuf-backed).
 * @param now
 *   The caller's monotonic clock (ns), for the age bound.
 * @return
 *   Number of packets dropped (to make room, or v itself when it cannot
 *   be parked); each is counted in the peer's staged_dropped and in the
 *   lot's counters.
 */
unsigned int wgc_peer_stage(struct wgc_peers *t, struct wgc_peer *p,
		struct wgc_view *v, uint64_t now);

/**
 * Take up to n parked packets of p (oldest first) as mbufs whose data
 * window is the parked view. Any thread.
 *
 * @return
 *   Number of mbufs in out.
 */
unsigned int wgc_peer_unstage(struct wgc_peers *t, struct wgc_peer *p,
		struct rte_mbuf **out, unsigned int n);

/** Drop every packet parked for p (counted as purged). Any thread. */
void wgc_peer_stage_purge(struct wgc_peers *t, struct wgc_peer *p);

/**
 * Drop every packet parked longer than the lot's max age (oldest first).
 * Any thread; the handshake stage calls it on every poll (it costs one
 * load when nothing is parked).
 *
 * @return
 *   Number of packets dropped.
 */
unsigned int wgc_peers_park_expire(struct wgc_peers *t, uint64_t now);

/** Read the parking lot's state and counters. Any thread. */
void wgc_peers_park_stats(const struct wgc_peers *t,
		struct wgc_park_stats *s);

/** @return the name of an enum wgc_park_drop reason. */
const char *wgc_park_drop_name(unsigned int reason);

/** @return the number of staged packets (racy). */
static inline unsigned int
wgc_peer_staged(const struct wgc_peer *p)
{
	return __atomic_load_n(&p->staged, __ATOMIC_RELAXED);
}

/** @return the peer whose protocol state is pp. */
static inline struct wgc_peer *
wgc_peer_from_proto(struct wgc_peer_proto *pp)
{
	return (struct wgc_peer *)pp->user;
}

/** @return bytes held by an idle peer (its object, no routes). */
size_t wgc_peer_size(void);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_PEERS_H_ */
