/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _WGC_PIPELINE_H_
#define _WGC_PIPELINE_H_

/**
 * @file
 * The data plane: one run-to-completion loop per worker lcore, one or
 * more handshake lcores, and the timer stage (timers, worker events, the
 * outer host stack's slow path) on the main lcore.
 *
 * Worker w, each iteration (bursts of WGC_PIPELINE_BURST):
 * - RX queue w of each outer port -> that port's lib/net (classify;
 *   ARP/ND/echo to the slow path)
 *   -> WireGuard type: 4 -> receiver index -> keypair -> decap in place ->
 *   allowed-IPs source check -> inner TX queue w; 1/2/3 -> the bounded
 *   ring of the handshake lcore that a hash of the source address picks
 *   (never processed on a worker); with spread, a busy queue's transport
 *   bursts may be decrypted by other workers and are put back in order
 *   before inner TX queue w (pl_spread.c);
 * - inner RX queue w -> allowed-IPs destination -> peer -> longer than the
 *   MTU? ICMP error back on inner TX queue w (rate-limited) -> TCP MSS
 *   clamp -> current keypair? encap in place -> lib/net outer headers ->
 *   TX queue w of the peer's outer port; else the packet is staged on
 *   the peer (bounded) and a handshake is requested;
 * - rte_rcu_qsbr quiescent state.
 *
 * A handshake lcore (wgc_pipeline_handshake_main(), or the main lcore in
 * wgc_pipeline_main_poll() for the first one unless handshake_remote)
 * answers its ring's messages with lib/proto inside the workers' RCU read
 * side, each under the peer's own lock, never the peer table's mutex: a
 * long control-plane write does not hold handshakes up. The cookie secret
 * is shared; each handshake lcore has its own rate limiter (its sources
 * are its own) and ephemeral pool.
 *
 * The timer stage (wgc_pipeline_main_poll(), main lcore) takes the peer
 * table's mutex when it is free (else it waits for the next poll), runs the
 * peers' timers from a timer wheel and sends initiations, keepalives and
 * staged packets, each peer under its lock; and it runs lib/net's slow
 * path. Workers and handshake lcores tell it about peers through a bounded
 * event ring (peer id + event), so steady traffic never takes a lock. The
 * frames the stage and the handshake lcores produce go through a ring per
 * outer port to worker 0, which sends them on its own TX queue of that
 * port: they need no queue of their own (net_af_packet has one queue pair
 * per worker).
 *
 * Edges are behind a small interface (struct wgc_pipeline_edge) so that
 * the pipeline does not depend on a driver: the daemon wires TUN, ethdev
 * or virtio-user ports in; tests wire rings.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "wgc_iobuf.h"
#include "wgc_net.h"
#include "wgc_peers.h"
#include "wgc_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Packets per burst on every edge. */
#define WGC_PIPELINE_BURST 32

/** Ephemeral key pairs the handshake stage keeps ready (generated one per
 * idle poll; a flood that empties it falls back to generating on demand). */
#define WGC_PIPELINE_EPHEMERALS 64

/** Most workers. */
#define WGC_PIPELINE_WORKERS_MAX 16

/** Most handshake lcores. */
#define WGC_PIPELINE_HANDSHAKE_MAX 8

/** Most outer ports. */
#define WGC_PIPELINE_PORTS_MAX 4

/**
 * An I/O edge. rx fills up to n views and returns how many (the caller
 * owns them); tx takes every view (sent, or released and counted by the
 * edge) and returns how many were sent. Queue q is used by one lcore only.
 */
struct wgc_pipeline_edge {
	uint16_t (*rx)(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n);
	uint16_t (*tx)(void *ctx, uint16_t q, struct wgc_view *v, uint16_t n);
	void *ctx;
};

/** An outer port: its host stack and its edge (L2 frames). */
struct wgc_pipeline_port {
	struct wgc_net_port *net;
	struct wgc_pipeline_edge outer;
};

/** Drop reasons of the pipeline (lib/net and lib/proto count theirs). */
enum wgc_pipeline_drop {
	WGC_PL_DROP_BAD_TYPE = 0,     /**< not a valid WireGuard message */
	WGC_PL_DROP_UNKNOWN_INDEX,    /**< transport: no such keypair */
	WGC_PL_DROP_BAD_TAG,          /**< transport: authentication failed */
	WGC_PL_DROP_REPLAY,           /**< transport: counter replayed/old */
	WGC_PL_DROP_KEYPAIR_EXPIRED,  /**< transport: keypair too old */
	WGC_PL_DROP_DECAP_OTHER,      /**< transport: length, counter... */
	WGC_PL_DROP_INNER_MALFORMED,  /**< decrypted payload not IP */
	WGC_PL_DROP_ALLOWED_IPS,      /**< inner source not the peer's */
	WGC_PL_DROP_HANDSHAKE_FULL,   /**< handshake ring full */
	WGC_PL_DROP_NO_PEER,          /**< inner destination: no peer */
	WGC_PL_DROP_NO_ENDPOINT,      /**< peer has no endpoint yet */
	WGC_PL_DROP_ENCAP,            /**< encap failed (room, counter) */
	WGC_PL_DROP_STAGED_OVERFLOW,  /**< a parking bound dropped one */
	WGC_PL_DROP_EVENT_FULL,       /**< event ring full (event lost) */
	WGC_PL_DROP_PARK_EXPIRED,     /**< parked longer than the bound */
	WGC_PL_DROP_PARK_GAVE_UP,     /**< parked, handshake attempts over */
	WGC_PL_DROP_STAGE_TX_FULL,    /**< stage -> worker 0 ring full */
	WGC_PL_DROP_TOO_BIG,          /**< inner packet above the MTU (IPv4
	                               *   with DF, IPv6): ICMP error sent */
	WGC_PL_DROP_TOO_BIG_NO_DF,    /**< IPv4 without DF above the MTU */
	WGC_PL_DROP_SPREAD_FULL,      /**< spread: no reorder slot free */
	WGC_PL_DROP_REORDER_LATE,     /**< spread: decrypted after its
	                               *   place in the order was given up */
	WGC_PL_DROP__MAX
};

/** Counters of one worker (or of the handshake stage), own cache lines. */
struct wgc_pipeline_stats {
	uint64_t outer_rx;        /**< views from the outer edge */
	uint64_t wg_rx;           /**< WireGuard messages after lib/net */
	uint64_t handshake_rx;    /**< types 1-3 put on the handshake ring */
	uint64_t decap_ok;        /**< transport messages opened */
	uint64_t keepalive_rx;    /**< ... of which keepalives */
	uint64_t inner_tx;        /**< packets handed to the inner edge */
	uint64_t inner_rx;        /**< packets from the inner edge */
	uint64_t encap_ok;        /**< packets sealed */
	uint64_t outer_tx;        /**< frames handed to the outer edge */
	uint64_t staged;          /**< packets staged (no keypair) */
	uint64_t roamed;          /**< endpoint changes */
	uint64_t handshake_tx;    /**< stage: initiations/responses/cookies */
	uint64_t keepalive_tx;    /**< stage: keepalives sent */
	uint64_t icmp_tx;         /**< ICMP too-big errors to the inner side */
	uint64_t icmp_rate_limited; /**< ... not sent: over the rate */
	uint64_t mss_clamped;     /**< TCP SYNs whose MSS was lowered */
	uint64_t spread_out;      /**< transport messages handed to another
	                           *   worker to decrypt (spread) */
	uint64_t spread_in;       /**< ... decrypted here for another worker */
	uint64_t reorder_timeout; /**< bursts whose place in the order was
	                           *   given up after the bounded wait */
	uint64_t reorder_overflow; /**< ... given up: the window was full */
	uint64_t drop[WGC_PL_DROP__MAX];
} __rte_cache_aligned;

/** Pipeline configuration. */
struct wgc_pipeline_conf {
	const char *name;                /**< unique (ring names) */
	struct wgc_peers *peers;         /**< peer table (identity, index) */
	struct wgc_net_port *net;        /**< outer host stack (port 0) */
	struct wgc_pipeline_edge outer;  /**< outer edge (L2 frames, port 0) */
	/** outer ports, port 0 included (0: 1); port k > 0 is
	 * extra_ports[k - 1]. Worker w polls RX queue w of each port and
	 * sends on TX queue w of each; a peer's packets leave through the
	 * port its endpoint was learnt on, or the one the routes pick for a
	 * configured endpoint (wgc_pipeline_route_port()) */
	uint16_t nb_ports;
	struct wgc_pipeline_port extra_ports[WGC_PIPELINE_PORTS_MAX - 1];
	/** inner edge (IP packets; an Ethernet port goes through
	 * drivers/l2's adapter) */
	struct wgc_pipeline_edge inner;
	/** buffers the handshake stage originates (initiations, keepalives) */
	struct wgc_recycler *tx_recycler;
	uint16_t nb_workers;             /**< 1..WGC_PIPELINE_WORKERS_MAX */
	uint16_t mtu;                    /**< inner MTU (padding bound);
	                                  *   longer inner packets get an ICMP
	                                  *   error (see below) */
	/** source of the ICMP errors sent to the inner side (family 0:
	 * the destination of the packet the error is about) */
	struct wgc_addr icmp_src4;
	struct wgc_addr icmp_src6;
	uint32_t icmp_rate;              /**< ICMP errors per second, all
	                                  *   workers together (0: 1000) */
	uint32_t icmp_burst;             /**< ... in a burst of (0: 50) */
	uint16_t mss4;                   /**< clamp the MSS of TCP SYNs over
	                                  *   IPv4, both directions (0: off) */
	uint16_t mss6;                   /**< ... over IPv6 (0: off) */
	/** workers report here (id = w), handshake lcores too (id =
	 * nb_workers + k): at least nb_workers + nb_handshake threads */
	struct rte_rcu_qsbr *qsbr;
	uint32_t handshake_ring_size;    /**< power of 2, each (0: 4096) */
	/** handshake lcores, 1..WGC_PIPELINE_HANDSHAKE_MAX (0: 1); more
	 * than one, or handshake_remote, needs qsbr */
	uint16_t nb_handshake;
	/** every handshake lcore runs wgc_pipeline_handshake_main() on an
	 * lcore of its own; false: the first runs in wgc_pipeline_main_poll()
	 * (the default: handshakes on the main lcore) */
	bool handshake_remote;
	/**
	 * Spread one receiving queue's transport messages over the other
	 * workers when it is busy (a full outer RX burst): whole bursts go
	 * to a worker that is not busy itself, which decrypts them; the
	 * receiving worker puts them back in arrival order and sends them on
	 * its own inner TX queue. Ignored with one worker. false: every
	 * worker decrypts what its own queue received.
	 */
	bool spread;
	enum wgc_aead_engine_type engine; /**< transport AEAD (0: auto) */
	/** monotonic clock in ns (NULL: wgc_clock_mono_ns) */
	uint64_t (*clock)(void);
	/** wall clock in ns (NULL: wgc_clock_wall_ns) */
	uint64_t (*wall_clock)(void);
	/**
	 * An initiation whose MACs passed (MAC2 too under load) from a
	 * static key no peer has: the decrypted key, the message and its
	 * source (peers on demand). Called on a handshake lcore, inside the
	 * workers' RCU read side and possibly on several lcores at once:
	 * copy and return, never block. NULL: the
	 * initiation is dropped (lib/proto counts unknown_peer).
	 */
	void (*unknown_initiator)(void *ctx, const uint8_t key[WGC_KEY_LEN],
			const uint8_t *msg, uint32_t len,
			const struct wgc_endpoint *src);
	void *unknown_initiator_ctx;
};

struct wgc_pipeline;

/**
 * Create a pipeline (AEAD engines, rings, timer wheel, rate limiter) and
 * install its peer-removal hook on the peer table.
 *
 * @return
 *   The pipeline, or NULL with rte_errno set.
 */
struct wgc_pipeline *wgc_pipeline_create(const struct wgc_pipeline_conf *c);

/** Free (workers stopped). Views still queued are released. */
void wgc_pipeline_free(struct wgc_pipeline *pl);

/**
 * One iteration of worker w (outer RX, inner RX, quiescent state).
 *
 * @return
 *   Number of packets handled (0: idle).
 */
unsigned int wgc_pipeline_worker_poll(struct wgc_pipeline *pl, uint16_t w);

/**
 * Worker main loop for rte_eal_remote_launch(): arg is a struct
 * wgc_pipeline_launch. Runs until wgc_pipeline_stop().
 */
int wgc_pipeline_worker_main(void *arg);

/** Argument of wgc_pipeline_worker_main(), wgc_pipeline_handshake_main(). */
struct wgc_pipeline_launch {
	struct wgc_pipeline *pl;
	uint16_t worker;        /**< worker w, or handshake lcore k */
};

/**
 * One iteration of the main lcore: lib/net slow path, the first handshake
 * lcore's messages (unless handshake_remote), then, if the peer table's
 * mutex is free, worker events, timers, RCU reclamation. Main lcore.
 *
 * @return
 *   Amount of work done (0: idle).
 */
unsigned int wgc_pipeline_main_poll(struct wgc_pipeline *pl);

/**
 * Handshake lcore main loop for rte_eal_remote_launch(): arg is a struct
 * wgc_pipeline_launch whose worker is the handshake lcore's number k
 * (1..nb_handshake-1, or 0 with handshake_remote). Runs until
 * wgc_pipeline_stop().
 */
int wgc_pipeline_handshake_main(void *arg);

/** Ask every worker loop to return. */
void wgc_pipeline_stop(struct wgc_pipeline *pl);

/**
 * Tell the stage a peer was added or changed (persistent keepalive,
 * endpoint): it is (re)scheduled on the timer wheel. The writer of the
 * peer table calls it after each such change (lib/device); nothing else
 * looks for changes. Writer (peers lock).
 */
void wgc_pipeline_peer_changed(struct wgc_pipeline *pl, struct wgc_peer *p);

/**
 * Tell the stage a peer is about to be removed from the table: it leaves
 * the timer wheel. Call before wgc_peers_remove(). Writer (peers lock).
 */
void wgc_pipeline_peer_removed(struct wgc_pipeline *pl, struct wgc_peer *p);

/**
 * Start a handshake with a peer now, if allowed (rate limit) and it has an
 * endpoint. Writer (peers lock).
 *
 * @return
 *   0 if an initiation was sent, or a negative errno.
 */
int wgc_pipeline_initiate(struct wgc_pipeline *pl, struct wgc_peer *p);

/**
 * Hand a handshake message to the handshake stage as if it had arrived
 * from src (an initiation kept while its peer was looked up: the stage
 * answers it once the peer is installed). The message is copied into a
 * buffer of the configuration's tx_recycler. Any thread.
 *
 * @return
 *   0, -EINVAL (length), -ENOBUFS (no buffer) or -ENOSPC (the handshake
 *   ring is full); the caller counts.
 */
int wgc_pipeline_handshake_inject(struct wgc_pipeline *pl,
		const uint8_t *msg, uint32_t len,
		const struct wgc_endpoint *src);

/**
 * Counters of worker w (w == nb_workers: the stage and the handshake
 * lcores).
 *
 * @return
 *   0, or -EINVAL.
 */
int wgc_pipeline_stats_get(const struct wgc_pipeline *pl, uint16_t w,
		struct wgc_pipeline_stats *st);

/** Sum of every worker's and the stage's counters. */
void wgc_pipeline_stats_sum(const struct wgc_pipeline *pl,
		struct wgc_pipeline_stats *st);

/** @return a short name of a drop reason, or "?". */
const char *wgc_pipeline_drop_name(unsigned int reason);

/**
 * Worker w's heartbeat: the poll loops wgc_pipeline_worker_main() has run
 * (advances while the worker lives). Any thread.
 */
uint64_t wgc_pipeline_heartbeat(const struct wgc_pipeline *pl, uint16_t w);

/** Handshake messages waiting, every handshake lcore's. Any thread. */
unsigned int wgc_pipeline_handshake_backlog(const struct wgc_pipeline *pl);

/**
 * Counters of handshake lcore k alone (also part of the stage's in
 * wgc_pipeline_stats_get()). Any thread.
 *
 * @return
 *   0, or -EINVAL.
 */
int wgc_pipeline_handshake_stats_get(const struct wgc_pipeline *pl,
		uint16_t k, struct wgc_pipeline_stats *st);

/** @return the number of handshake lcores. */
uint16_t wgc_pipeline_nb_handshake(const struct wgc_pipeline *pl);

/** @return the number of outer ports. */
uint16_t wgc_pipeline_nb_ports(const struct wgc_pipeline *pl);

/**
 * The outer port a configured endpoint is sent through: the first port
 * with an on-link prefix holding the address, else the first port with a
 * gateway of its family, else port 0 (lib/net then counts no_route). Any
 * thread.
 */
uint16_t wgc_pipeline_route_port(const struct wgc_pipeline *pl,
		const struct wgc_addr *dst);

/** @return the number of workers. */
uint16_t wgc_pipeline_nb_workers(const struct wgc_pipeline *pl);

#ifdef __cplusplus
}
#endif

#endif /* _WGC_PIPELINE_H_ */
